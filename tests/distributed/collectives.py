"""Each collective, eager and compiled, against what numpy says it must give, on every dtype it
takes; gradients through all_reduce, all_gather and reduce_scatter; a group of one without
mpirun. Run as: mpirun -n N python collectives.py"""
import numpy as np

import graphgrad as ms
from graphgrad import ops
from graphgrad.communication import comm_func, get_group_size, get_local_rank, get_rank, init

init()
rank, size = get_rank(), get_group_size()
assert 0 <= get_local_rank() < size


def data(r, dtype, shape=(2 * size, 3)):
    """Rank r's tensor: distinct per rank, exact in every dtype."""
    return (np.arange(np.prod(shape)).reshape(shape) * (r + 1) % 7 - 3).astype(dtype)


every = [data(r, np.float64) for r in range(size)]
expect = {
    "sum": sum(every), "max": np.maximum.reduce(every), "min": np.minimum.reduce(every),
    "prod": np.multiply.reduce(every),
}

for dtype in (np.float32, np.float64, np.int32, np.int64):
    x = ms.Tensor(data(rank, dtype))
    for op_name, want in expect.items():
        for run in (lambda t: comm_func.all_reduce(t, op_name)[0], ms.jit(lambda t: ops.AllReduce(op_name)(t))):
            got = run(x)
            assert got.dtype == x.dtype, (got.dtype, x.dtype)
            np.testing.assert_array_equal(got.asnumpy(), want.astype(dtype), err_msg=f"all_reduce {op_name} {dtype}")
    gathered = np.concatenate([data(r, dtype) for r in range(size)])
    block = slice(rank * 2, rank * 2 + 2)
    for f in (lambda t: comm_func.all_gather_into_tensor(t)[0], ms.jit(lambda t: ops.AllGather()(t))):
        np.testing.assert_array_equal(f(x).asnumpy(), gathered)
    for f in (lambda t: comm_func.reduce_scatter_tensor(t)[0], ms.jit(lambda t: ops.ReduceScatter()(t))):
        np.testing.assert_array_equal(f(x).asnumpy(), expect["sum"][block].astype(dtype))
    root = size - 1
    for f in (lambda t: comm_func.broadcast(t, root), ms.jit(lambda t: ops.Broadcast(root)((t,))[0])):
        np.testing.assert_array_equal(f(x).asnumpy(), data(root, dtype))

x = ms.Tensor(data(rank, np.float32))
np.testing.assert_allclose(comm_func.all_reduce(x, "mean")[0].asnumpy(), expect["sum"] / size, rtol=1e-6)

# Gradients: d/dx sum(w * all_reduce(x)) = all_reduce(w) (every rank's loss reads every x);
# all_gather's is the reduce_scatter of the cotangent, reduce_scatter's the all_gather.
w = ms.Tensor(data(rank, np.float32) + 10)
ws = [data(r, np.float64) + 10 for r in range(size)]
dx = ms.grad(lambda t: (ops.AllReduce()(t) * w).sum())(x)
np.testing.assert_allclose(dx.asnumpy(), sum(ws), rtol=1e-6)
wg = ms.Tensor(np.concatenate([data(rank, np.float32)] * size) + 1)
dx = ms.jit(ms.grad(lambda t: (ops.AllGather()(t) * wg).sum()))(x)
wgs = [np.concatenate([data(r, np.float64)] * size) + 1 for r in range(size)]
np.testing.assert_allclose(dx.asnumpy(), sum(wgs)[rank * 2 * size:(rank + 1) * 2 * size], rtol=1e-6)
wr = ms.Tensor(data(rank, np.float32)[:2] + 2)
dx = ms.grad(lambda t: (ops.ReduceScatter()(t) * wr).sum())(x)
np.testing.assert_allclose(dx.asnumpy(), np.concatenate([data(r, np.float64)[:2] + 2 for r in range(size)]), rtol=1e-6)
# Second order through all_reduce: d/dx sum(all_reduce(x)^2)/2 = all_reduce(all_reduce(x)) = n * sum.
g2 = ms.grad(lambda t: (ops.AllReduce()(t) ** 2).sum() / 2)(x)
np.testing.assert_allclose(g2.asnumpy(), size * expect["sum"], rtol=1e-6)

# The reducer eagerly (PyNative): the ranks' mean, each gradient in its own shape.
from graphgrad import nn  # noqa: E402
ms.set_auto_parallel_context(gradients_mean=True, comm_fusion={"allreduce": {"mode": "size", "config": 0.0001}})
dense = nn.Dense(3, 2)
grads = (ms.Tensor(data(rank, np.float32, (2, 3))), ms.Tensor(data(rank, np.float32, (2,))))
for got, shape in zip(nn.DistributedGradReducer(dense.trainable_params())(grads), ((2, 3), (2,))):
    np.testing.assert_allclose(got.asnumpy(), sum(data(r, np.float64, shape) for r in range(size)) / size, rtol=1e-6)

# Errors a user meets are clear and name the collective.
for bad, kind in ((lambda: comm_func.all_reduce(ms.Tensor(np.ones(3, np.float16))), TypeError),
                  (lambda: comm_func.all_reduce(x, "avg"), ValueError),
                  (lambda: comm_func.all_reduce(np.ones(3)), TypeError),
                  (lambda: comm_func.all_reduce(x, group="other"), ValueError)):
    try:
        bad()
    except kind as e:
        assert "all_reduce" in str(e) and "collectives.py" in str(e), str(e)
    else:
        raise AssertionError(f"no {kind.__name__}")
if size > 1:
    try:
        comm_func.reduce_scatter_tensor(ms.Tensor(np.ones((2 * size + 1, 2), np.float32)))
    except ValueError as e:
        assert "must divide by the group size" in str(e), str(e)
    else:
        raise AssertionError("reduce_scatter of an indivisible first dimension did not raise")
comm_func.barrier()
print(f"rank {rank} of {size}: ok")
