"""What a failing rank does to the others. Run as: mpirun -n N python faults.py MODE
  raise     rank 1 raises between two compiled steps: every rank is aborted (no hang)
  skip      rank 1 skips an all-reduce and exits: the others time out with a clear error, then abort
  mismatch  a parameter of another shape on rank 1 (compiled) and an eager all_reduce of another
            dtype: every rank gets a ValueError naming the tensor, and carries on"""
import sys

import numpy as np

import graphgrad as ms
from graphgrad import nn
from graphgrad.communication import comm_func, get_group_size, get_rank, init

mode = sys.argv[1]
init()
rank, size = get_rank(), get_group_size()
ms.set_auto_parallel_context(parallel_mode=ms.ParallelMode.DATA_PARALLEL, gradients_mean=True)

width = 9 if mode == "mismatch" and rank == 1 else 8
net = nn.SequentialCell(nn.Dense(4, width), nn.ReLU(), nn.Dense(width, 2))
for p in net.trainable_params():
    p.name = "layer." + p.name
step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), nn.SGD(net.trainable_params(), 0.1)) \
    if mode != "mismatch" else None
x = ms.Tensor(np.ones((3, 4), np.float32))
y = ms.Tensor(np.zeros((3, 2), np.float32))

if mode == "raise":
    for i in range(5):
        if rank == 1 and i == 2:
            raise RuntimeError("injected failure on rank 1")
        step(x, y)
elif mode == "skip":
    step(x, y)
    if rank == 1:
        sys.exit(0)
    comm_func.all_reduce(x)
elif mode == "mismatch":
    opt = nn.SGD(net.trainable_params(), 0.1)
    before = [p.asnumpy().copy() for p in net.trainable_params()]
    try:  # the reducer's broadcast of rank 0's weights meets rank 1's other shape first
        nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), opt)
    except ValueError as e:
        assert "differs across ranks" in str(e) and "layer.0.weight" in str(e) and "faults.py" in str(e), str(e)
    else:
        raise AssertionError("a parameter of another shape on rank 1 did not raise")
    ms.set_auto_parallel_context(parameter_broadcast=False)
    reducer = nn.DistributedGradReducer(opt.parameters)
    grad_fn = ms.value_and_grad(lambda a, b: nn.MSELoss()(net(a), b), None, opt.parameters)

    @ms.jit
    def train_step(a, b):
        loss, grads = grad_fn(a, b)
        opt(reducer(grads))
        return loss

    try:
        train_step(x, y)
    except ValueError as e:
        assert "differs across ranks" in str(e) and "layer.0." in str(e), str(e)
    else:
        raise AssertionError("a compiled step with a gradient of another shape on rank 1 did not raise")
    assert all(np.array_equal(b, p.asnumpy()) for b, p in zip(before, net.trainable_params())), "weights changed"
    try:
        comm_func.all_reduce(ms.Tensor(np.ones(3, np.float32 if rank == 0 else np.float64)))
    except ValueError as e:
        assert "differs across ranks" in str(e) and "Float" in str(e), str(e)
    else:
        raise AssertionError("an eager all_reduce of another dtype on rank 1 did not raise")
    comm_func.barrier()
print(f"rank {rank} of {size}: ok")  # only mismatch gets here
