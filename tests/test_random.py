"""Random ops: reproducible under set_seed, fresh values on every call of a compiled function,
the distributions they claim, clear errors."""
import numpy as np
import pytest

import graphgrad as ms
from graphgrad import ops


def test_set_seed_makes_a_sequence_of_random_ops_reproducible():
    ms.set_seed(7)
    first = [ops.rand(4).asnumpy(), ops.randn(2, 3).asnumpy(), ops.randint(0, 5, (6,)).asnumpy()]
    ms.set_seed(7)
    again = [ops.rand(4).asnumpy(), ops.randn(2, 3).asnumpy(), ops.randint(0, 5, (6,)).asnumpy()]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], ops.rand(4).asnumpy())  # the next op draws another stream


def test_a_compiled_function_draws_fresh_values_each_call_and_two_ops_differ():
    ms.set_seed(0)
    f = ms.jit(lambda x: (x + ops.rand(8), x + ops.rand(8)))
    a1, b1 = f(ops.zeros(8))
    a2, _ = f(ops.zeros(8))
    assert not np.array_equal(a1.asnumpy(), b1.asnumpy())  # CSE must not merge two random ops
    assert not np.array_equal(a1.asnumpy(), a2.asnumpy())
    assert f.trace_count == 1


@pytest.mark.parametrize("dtype", [ms.float32, ms.float64])
def test_distributions(dtype):
    ms.set_seed(3)
    u = ops.uniform((200000,), ms.tensor(2.0), ms.tensor(5.0), dtype=dtype).asnumpy()
    assert u.dtype == dtype.np and u.min() >= 2.0 and u.max() < 5.0 and abs(u.mean() - 3.5) < 0.01
    n = ops.normal((200000,), 1.0, 2.0).asnumpy()
    assert abs(n.mean() - 1.0) < 0.02 and abs(n.std() - 2.0) < 0.02
    k = ops.randint(-3, 4, (70000,)).asnumpy()
    assert k.dtype == np.int64 and k.min() == -3 and k.max() == 3
    assert np.all(np.abs(np.bincount(k + 3) - 10000) < 500)


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="randint"):
        ops.randint(5, 5, (2,))
    with pytest.raises(ValueError, match="negative"):
        ops.rand(-1)
    with pytest.raises(TypeError, match="dtype"):
        ops.rand(2, dtype=ms.int32)
    with pytest.raises(ValueError, match="stddev"):
        ops.normal((2,), 0.0, -1.0)
