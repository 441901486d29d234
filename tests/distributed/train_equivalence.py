"""Data-parallel training gives the one-process result. Every rank trains an MLP on its shard of
each batch (functional style: value_and_grad + DistributedGradReducer + optimizer in one jit step,
and MindSpore's TrainOneStepCell under DATA_PARALLEL); the same process also trains a copy on the
whole batch alone. The weights must agree to float tolerance, be bitwise the same on every rank,
and a checkpoint must be written by rank 0 alone. Run as: mpirun -n N python train_equivalence.py OUT_DIR [--deterministic]"""
import os
import sys

import numpy as np

import graphgrad as ms
from graphgrad import nn, ops
from graphgrad.communication import get_group_size, get_rank, init

out_dir = sys.argv[1]
if "--deterministic" in sys.argv:
    ms.set_context(deterministic="ON")
ms.set_seed(0)
init()
rank, size = get_rank(), get_group_size()
ms.set_auto_parallel_context(parallel_mode=ms.ParallelMode.DATA_PARALLEL, gradients_mean=True,
                             comm_fusion={"allreduce": {"mode": "size", "config": 0.004}})  # several buckets

BATCH, STEPS = 16, 5  # per rank
rng = np.random.default_rng(1)
X = rng.standard_normal((STEPS, BATCH * size, 20)).astype(np.float32)
Y = rng.integers(0, 5, (STEPS, BATCH * size)).astype(np.int32)


class MLP(nn.Cell):
    def __init__(self):
        super().__init__()
        self.body = nn.SequentialCell(nn.Dense(20, 64), nn.ReLU(), nn.Dense(64, 64), nn.ReLU(), nn.Dense(64, 5))

    def construct(self, x):
        return self.body(x)


def make(seed_offset):
    np.random.seed(100 + seed_offset)  # different initial weights per rank: the broadcast must fix them
    net = MLP()
    for p in net.trainable_params():
        p.set_data(ms.Tensor(np.random.standard_normal(p.shape).astype(np.float32) * 0.1))
    return net


def weights(net):
    return [p.asnumpy().copy() for p in net.trainable_params()]


# The one-process reference on the whole batch (rank 0's initial weights: what the broadcast gives).
ref = make(0)
loss_fn = nn.CrossEntropyLoss()
ref_opt = nn.SGD(ref.trainable_params(), 0.1)
ref_grad = ms.value_and_grad(lambda x, y: loss_fn(ref(x), y), None, ref_opt.parameters)


@ms.jit
def ref_step(x, y):
    loss, grads = ref_grad(x, y)
    ref_opt(grads)
    return loss


# Functional data parallel: the reducer broadcasts rank 0's weights when made.
net = make(rank)
opt = nn.SGD(net.trainable_params(), 0.1)
reducer = nn.DistributedGradReducer(opt.parameters)
grad_fn = ms.value_and_grad(lambda x, y: loss_fn(net(x), y), None, opt.parameters)


@ms.jit
def train_step(x, y):
    loss, grads = grad_fn(x, y)
    grads = reducer(grads)
    opt(grads)
    return loss


# MindSpore's packaged step: TrainOneStepCell adds the reducer itself under DATA_PARALLEL.
net2 = make(rank + 7)
step_cell = nn.TrainOneStepCell(nn.WithLossCell(net2, loss_fn), nn.Momentum(net2.trainable_params(), 0.1, 0.9))
ref2 = make(7)
ref2_step = nn.TrainOneStepCell(nn.WithLossCell(ref2, loss_fn), nn.Momentum(ref2.trainable_params(), 0.1, 0.9))

shard = slice(rank, None, size)  # every size-th sample: the shards together are the whole batch
for s in range(STEPS):
    ref_step(ms.Tensor(X[s]), ms.Tensor(Y[s]))
    train_step(ms.Tensor(X[s][shard]), ms.Tensor(Y[s][shard]))
    ref2_step(ms.Tensor(X[s]), ms.Tensor(Y[s]))
    step_cell(ms.Tensor(X[s][shard]), ms.Tensor(Y[s][shard]))

for got, want in ((weights(net), weights(ref)), (weights(net2), weights(ref2))):
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6)

# Every rank holds the same bits.
mine = np.concatenate([w.ravel() for w in weights(net) + weights(net2)])
everyone = ops.AllGather()(ms.Tensor(mine[None])).asnumpy()
assert all(np.array_equal(everyone[0], row) for row in everyone), "ranks' weights differ"
np.save(os.path.join(out_dir, f"weights_rank{rank}.npy"), mine)

if rank == 0:  # the compiled step as it runs: where the all-reduces start and are waited for
    with open(os.path.join(out_dir, "train_step.ir"), "w") as f:
        f.write(str(train_step.stages(ms.Tensor(X[0][shard]), ms.Tensor(Y[0][shard]))[-1][1]))

# Checkpoints: rank 0 alone writes.
ms.save_checkpoint(net, os.path.join(out_dir, f"model_rank{rank}.ckpt"))
print(f"rank {rank} of {size}: ok")
