"""ops and Tensor operators against what MindSpore 2.7.2 does with the same calls (the values
and dtypes in the comments were printed by mindspore==2.7.2 on CPU)."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Tensor, ops


def check(out, dtype, values):
    assert out.dtype is dtype
    np.testing.assert_array_equal(out.asnumpy(), np.asarray(values))


X = np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 7


# -- reductions --

def test_reduction_methods_take_dim_and_keepdim_as_mindspore_tensors_do():
    # MindSpore's Tensor.mean/prod take (dim, keepdim) and (axis, keep_dims); argmax/argmin take
    # axis= and keepdims= too. graphgrad's raised TypeError (unexpected keyword).
    x = Tensor(X)
    assert x.mean(1, keepdim=True).shape == (2, 1, 4) and x.mean(dim=1).shape == (2, 4)
    np.testing.assert_array_equal(x.mean(dim=1).asnumpy(), X.mean(1))
    assert x.prod(1, keepdim=True).shape == (2, 1, 4)
    np.testing.assert_array_equal(x.prod(dim=1).asnumpy(), X.prod(1))
    check(x.argmax(axis=1), gg.int64, X.argmax(1))
    check(x.argmin(axis=-1), gg.int64, X.argmin(-1))
    assert x.argmax(1, keepdims=True).shape == (2, 1, 4)
    assert ops.argmin(x, axis=1, keepdims=True).shape == (2, 1, 4)
    # MindSpore's ops.logsumexp is (input, dim, keepdim)
    out = ops.logsumexp(x, dim=1, keepdim=True)
    assert out.shape == (2, 1, 4)
    np.testing.assert_allclose(out.asnumpy(), np.log(np.exp(X.astype(np.float64)).sum(1, keepdims=True)), rtol=1e-6)


def test_argmax_and_max_over_everything_ignore_keepdims():
    # MindSpore 2.7.2: ops.argmax(x, None, True) is Int64 () 23 and ops.max(x, None, True)'s value
    # is 0-d; graphgrad raised ValueError("keepdims needs an axis").
    x = Tensor(X)
    check(ops.argmax(x, None, True), gg.int64, 23)
    check(x.argmin(None, True), gg.int64, 0)
    value, index = ops.max(x, None, True)
    assert value.shape == () and index.shape == () and value.item() == 16.0


@pytest.mark.parametrize("fn, name", [
    (lambda x: ops.mean(x, 3), "mean"), (lambda x: ops.sum(x, -4), "sum"), (lambda x: ops.prod(x, (0, 5)), "prod"),
    (lambda x: ops.amax(x, 3), "amax"), (lambda x: ops.amin(x, (1, 1)), "amin"), (lambda x: ops.mean(x, (1, -2)), "mean"),
    (lambda x: ops.argmax(x, 5), "argmax"), (lambda x: ops.max(x, -4), "max"), (lambda x: ops.logsumexp(x, 3), "logsumexp"),
])
def test_a_bad_reduction_axis_is_a_value_error_naming_the_op_and_shape(fn, name):
    # MindSpore raises ValueError for an axis out of range (RuntimeError for a repeated one);
    # graphgrad's named the kernel (reduce_sum for mean, reduce_max for amax).
    with pytest.raises(ValueError) as e:
        fn(Tensor(X))
    assert str(e.value).startswith(f"{name}: ") and "(2, 3, 4)" in str(e.value)


def test_a_0d_tensor_reduces_over_axis_0():
    # MindSpore 2.7.2: ops.mean(Tensor(3.0), 0) is 3.0, ops.argmax(Tensor(3.0), 0) is 0.
    s = Tensor(3.0)
    for out in (ops.mean(s, 0), ops.sum(s, 0), ops.prod(s, -1), ops.amax(s, 0), ops.max(s, 0)[0]):
        assert out.shape == () and out.item() == 3.0
    check(ops.argmax(s, 0), gg.int64, 0)


@pytest.mark.parametrize("fn", [ops.softmax, ops.log_softmax])
def test_softmax_axis_must_be_an_int(fn):
    # MindSpore 2.7.2 raises TypeError for softmax(x, (1,)); graphgrad's C++ attribute read raised
    # RuntimeError("std::get: wrong index for variant").
    with pytest.raises(TypeError, match=fn.__name__):
        fn(Tensor(X), (1,))
    with pytest.raises(TypeError, match=fn.__name__):
        fn(Tensor(X), 1.0)


def test_clamp_keeps_the_input_dtype():
    # MindSpore 2.7.2: ops.clip(int32 [[0,1,2],[3,4,5]], 0.5, 3) is Int32 [[0,1,2],[3,3,3]];
    # graphgrad's was float32 [[0.5, 1, 2], [3, 3, 3]].
    x = Tensor(np.arange(6, dtype=np.int32).reshape(2, 3))
    check(ops.clip(x, 0.5, 3), gg.int32, [[0, 1, 2], [3, 3, 3]])
    check(x.clamp(max=2.5), gg.int32, [[0, 1, 2], [2, 2, 2]])
    check(ops.clamp(Tensor([1.5, -2.0]), Tensor(np.float64(0))), gg.float32, [1.5, 0])
