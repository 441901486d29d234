"""graphgrad.communication in one process (a group of one, no mpirun): the API, the graph the
collectives make and where the scheduling pass puts them, and the errors. tests/test_distributed.py
runs the same under mpirun."""
import numpy as np
import pytest

import graphgrad as ms
from graphgrad import communication, nn, ops
from graphgrad.communication import comm_func


@pytest.fixture(autouse=True)
def group_of_one():
    communication.init()
    yield
    ms.reset_auto_parallel_context()


def test_group_of_one_ranks_and_shards():
    assert (communication.get_rank(), communication.get_group_size(), communication.get_local_rank()) == (0, 1, 0)
    assert communication.GlobalComm.INITED
    assert list(communication.shard_range(10, rank=1, size=3)) == [1, 4, 7]
    with pytest.raises(ValueError, match="only the world group"):
        communication.get_rank("other_group")


def test_collectives_of_a_group_of_one_are_their_input():
    x = ms.Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    for f in (lambda t: comm_func.all_reduce(t)[0], lambda t: comm_func.all_reduce(t, "mean")[0],
              lambda t: comm_func.all_gather_into_tensor(t)[0], lambda t: comm_func.reduce_scatter_tensor(t)[0],
              lambda t: comm_func.broadcast(t, 0), ops.AllReduce(ops.ReduceOp.MAX), ops.AllGather(),
              ops.ReduceScatter(), lambda t: ops.Broadcast(0)((t,))[0]):
        np.testing.assert_array_equal(f(x).asnumpy(), x.asnumpy())
        np.testing.assert_array_equal(ms.jit(f)(x).asnumpy(), x.asnumpy())
    assert comm_func.all_reduce(x, async_op=True)[1] is not None


def test_scheduling_starts_early_and_waits_late():
    @ms.jit
    def f(x, y):
        s = comm_func.all_reduce(x * 2)[0]  # independent of the matmul: it overlaps it
        return s + ops.matmul(y, y)

    x, y = ms.Tensor(np.ones((4, 4), np.float32)), ms.Tensor(np.eye(4, dtype=np.float32))
    np.testing.assert_array_equal(f(x, y).asnumpy(), 2 + np.eye(4))
    lines = str(f.stages(x, y)[-1][1]).splitlines()
    at = {op: next(i for i, line in enumerate(lines) if f"= {op}(" in line)
          for op in ("collective_start", "matmul", "collective_wait")}
    assert at["collective_start"] < at["matmul"] < at["collective_wait"], "\n".join(lines)
    assert "kind=all_reduce" in lines[at["collective_start"]] and "name=tensor at test_communication.py" in \
        lines[at["collective_start"]]


def test_reducer_in_a_group_of_one_keeps_the_gradients():
    ms.set_auto_parallel_context(parallel_mode=ms.ParallelMode.DATA_PARALLEL, gradients_mean=True)
    net = nn.Dense(3, 2)
    reducer = nn.DistributedGradReducer(net.trainable_params())
    assert reducer.mean and reducer.degree == 1
    grads = (ms.Tensor(np.ones((2, 3), np.float32)), ms.Tensor(np.full(2, 3.0, np.float32)))
    for out in (reducer(grads), ms.jit(lambda a, b: reducer((a, b)))(*grads)):
        for g, o in zip(grads, out):
            np.testing.assert_array_equal(o.asnumpy(), g.asnumpy())
    step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), nn.SGD(net.trainable_params(), 0.1))
    assert isinstance(step.grad_reducer, nn.DistributedGradReducer)


def test_parallel_context_checks_its_values():
    with pytest.raises(ValueError, match="stand_alone or data_parallel"):
        ms.set_auto_parallel_context(parallel_mode=ms.ParallelMode.SEMI_AUTO_PARALLEL)
    with pytest.raises(TypeError, match="gradients_mean"):
        ms.set_auto_parallel_context(gradients_mean=1)
    with pytest.raises(ValueError, match="comm_fusion"):
        ms.set_auto_parallel_context(comm_fusion={"allreduce": {"mode": "size", "config": 0}})
    ms.set_auto_parallel_context(parallel_mode="data_parallel", comm_fusion={"allreduce": {"mode": "size", "config": 4}})
    assert ms.get_auto_parallel_context("parallel_mode") == ms.ParallelMode.DATA_PARALLEL
    ms.reset_auto_parallel_context()
    assert ms.get_auto_parallel_context("parallel_mode") == ms.ParallelMode.STAND_ALONE
    with pytest.raises(ValueError, match="'ON' or 'OFF'"):
        ms.set_context(deterministic=True)
    # MindSpore's older module names
    from graphgrad import context
    from graphgrad.communication import management
    context.set_auto_parallel_context(parallel_mode=context.ParallelMode.DATA_PARALLEL)
    assert ms.get_auto_parallel_context("parallel_mode") == "data_parallel" and management.get_rank() == 0


def test_collectives_need_init_and_say_so():
    x = ms.Tensor(np.ones(3, np.float32))
    f = ms.jit(lambda t: comm_func.all_reduce(t)[0])
    f(x)  # compiled while the group exists
    communication.release()
    try:
        with pytest.raises(RuntimeError, match=r"init\(\)"):
            comm_func.all_reduce(x)
        with pytest.raises(RuntimeError, match=r"all_reduce of 'tensor at test_communication.py:\d+'.*init\(\)"):
            f(x)
    finally:
        communication.init()
    np.testing.assert_array_equal(f(x).asnumpy(), 1.0)


def test_bad_collective_arguments_are_clear_errors():
    x = ms.Tensor(np.ones((3, 2), np.float32))
    with pytest.raises(TypeError, match=r"all_reduce of .*no f16 reduction.*cast to float32"):
        comm_func.all_reduce(ms.Tensor(np.ones(2, np.float16)))
    with pytest.raises(ValueError, match="op must be one of"):
        ops.AllReduce("avg")
    with pytest.raises(ValueError, match="at least one dimension"):
        comm_func.all_gather_into_tensor(ms.Tensor(np.float32(1)))
    with pytest.raises(TypeError, match="tuple of Tensors"):
        ops.Broadcast(0)(x)
    with pytest.raises(ValueError, match="got 1 gradients for 2 parameters"):
        nn.DistributedGradReducer(nn.Dense(2, 2).trainable_params())((x,))
