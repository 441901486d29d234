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
    (lambda x: ops.amax(x, 3), "amax"), (lambda x: ops.amin(x, (1, 1)), "amin"),
    (lambda x: ops.mean(x, (1, -2)), "mean"), (lambda x: ops.argmax(x, 5), "argmax"), (lambda x: ops.max(x, -4), "max"),
    (lambda x: ops.logsumexp(x, 3), "logsumexp"),
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


# -- shapes --

def test_permute_takes_the_dims_one_by_one():
    # MindSpore 2.7.2: x.permute(2, 0, 1) is x.permute((2, 0, 1)); graphgrad's raised TypeError.
    x = Tensor(X)
    np.testing.assert_array_equal(x.permute(2, 0, 1).asnumpy(), X.transpose(2, 0, 1))
    np.testing.assert_array_equal(ops.permute(x, (2, 0, 1)).asnumpy(), X.transpose(2, 0, 1))
    np.testing.assert_array_equal(ops.permute(x, [-1, 1, 0]).asnumpy(), X.transpose(2, 1, 0))


def test_unsqueeze_takes_dim():
    # MindSpore's ops.unsqueeze is (input, dim); graphgrad's was expand_dims's (input_x, axis).
    assert ops.unsqueeze(Tensor(X), dim=1).shape == (2, 1, 3, 4)
    assert ops.unsqueeze(Tensor(X), -1).shape == (2, 3, 4, 1)


def test_squeeze_leaves_a_dim_that_is_not_1():
    # MindSpore 2.7.2: squeeze((1, 3, 1) tensor, 1) is the tensor as it is, and axis (0, 1) gives
    # (3, 1); graphgrad raised ValueError. An axis out of range is still a ValueError.
    x = Tensor(np.ones((1, 3, 1), np.float32))
    assert ops.squeeze(x, 1).shape == (1, 3, 1) and ops.squeeze(x, -2).shape == (1, 3, 1)
    assert ops.squeeze(x, (0, 1)).shape == (3, 1) and x.squeeze((0, 1)).shape == (3, 1)
    with pytest.raises(ValueError, match="squeeze"):
        ops.squeeze(x, 3)


def test_chunk_checks_chunks():
    # MindSpore 2.7.2: chunks 0 or -1 is a ValueError, 1.5 a TypeError; graphgrad's chunk(x, 0)
    # raised ZeroDivisionError.
    x = Tensor(X)
    for bad, error in ((0, ValueError), (-1, ValueError), (1.5, TypeError), (True, TypeError)):
        with pytest.raises(error, match="chunk"):
            ops.chunk(x, bad)
    assert [c.shape for c in ops.chunk(x, 5, 1)] == [(2, 1, 4)] * 3  # (MindSpore: 3 pieces)


def test_stack_of_different_shapes_names_stack_and_the_shapes():
    # MindSpore raises ValueError; graphgrad's message named concat and the expanded shapes.
    a = Tensor(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError) as e:
        ops.stack([a, a, Tensor(np.ones((2, 2), np.float32))])
    assert str(e.value).startswith("stack: ") and "(2, 2)" in str(e.value) and "(2, 3)" in str(e.value)


def test_tile():
    # MindSpore 2.7.2: tile((2, 3), (2,)) is (2, 6), tile(0-d, (2, 3)) is (2, 3), a 0 in dims gives
    # an empty dim, a negative one is a ValueError.
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    for dims in ((2, 1), (2,), (2, 1, 2), (0, 2), (1, 1)):
        out = ops.tile(Tensor(a), dims)
        assert out.dtype is gg.float32
        np.testing.assert_array_equal(out.asnumpy(), np.tile(a, dims))
    check(ops.tile(Tensor(1), (2, 3)), gg.int64, np.ones((2, 3)))
    np.testing.assert_array_equal(gg.grad(lambda x: ops.tile(x, (2, 2)).sum())(Tensor(a)).asnumpy(), np.full((2, 3), 4))
    with pytest.raises(ValueError, match="tile"):
        ops.tile(Tensor(a), (-1, 2))
    with pytest.raises(TypeError, match="tile"):
        ops.tile(Tensor(a), 2.0)


def test_all_and_any():
    # MindSpore 2.7.2: ops.all/any(input, axis=None, keep_dims=False), bool results for any dtype.
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    x = Tensor(a)
    check(ops.all(x > 1), gg.bool_, False)
    check(ops.all(x > -1, 1), gg.bool_, [True, True])
    check(ops.any(x > 4, (0, 1)), gg.bool_, True)
    check(ops.any(x > 4, axis=1, keep_dims=True), gg.bool_, [[False], [True]])
    check(ops.all(x), gg.bool_, False)  # 0.0 is false
    check(ops.any(Tensor([0, 1])), gg.bool_, True)


# -- elementwise and creation --

def test_arange_of_tensors_takes_their_values():
    # MindSpore 2.7.2: arange(Tensor(1), Tensor(7), Tensor(2)) is Int64 [1, 3, 5] and
    # arange(Tensor(3.0)) Float32 [0, 1, 2]; graphgrad's was float32 for int tensors.
    check(ops.arange(Tensor(1), Tensor(7), Tensor(2)), gg.int64, [1, 3, 5])
    check(ops.arange(Tensor(np.int32(3))), gg.int64, [0, 1, 2])
    check(ops.arange(Tensor(3.0)), gg.float32, [0, 1, 2])


# -- bad arguments: MindSpore's exception type, a message that names the op (and the shape) --

A = Tensor(np.ones((2, 3), np.float32))


@pytest.mark.parametrize("fn, error, words", [
    # were silently wrapped or ignored: MindSpore raises ValueError
    (lambda: ops.split(A, 1, 2), ValueError, ["split", "(2, 3)"]),
    (lambda: ops.chunk(A, 2, -3), ValueError, ["chunk", "(2, 3)"]),
    (lambda: ops.flatten(A, start_dim=5), ValueError, ["flatten", "(2, 3)"]),
    (lambda: ops.flatten(A, end_dim=-5), ValueError, ["flatten", "(2, 3)"]),
    (lambda: ops.flatten(Tensor(X), start_dim=2, end_dim=1), ValueError, ["flatten", "(2, 3, 4)"]),
    (lambda: ops.one_hot(Tensor([0, 1]), 2, 1, 0, -2), ValueError, ["one_hot", "axis"]),
    (lambda: ops.one_hot(Tensor([0, 1]), 2, 1, 0, 2), ValueError, ["one_hot", "axis"]),
    # a Python error without the op's name, or the wrong type
    (lambda: ops.swapaxes(A, 0, 2), ValueError, ["swapaxes", "(2, 3)"]),
    (lambda: ops.stack([A, A], 3), ValueError, ["stack", "(2, 3)"]),
    (lambda: ops.stack([A, A], -4), ValueError, ["stack", "(2, 3)"]),
    (lambda: ops.broadcast_to(A, (-1, 2, 3)), ValueError, ["broadcast_to", "(2, 3)"]),
    (lambda: ops.split(A, [4, -1], 1), ValueError, ["split"]),
    (lambda: ops.permute(A, (0, 0)), ValueError, ["permute", "(2, 3)"]),
    (lambda: ops.unsqueeze(A, 5), ValueError, ["unsqueeze", "(2, 3)"]),
    (lambda: ops.expand_dims(A, 1.0), TypeError, ["expand_dims"]),
    (lambda: ops.expand_dims(A, None), TypeError, ["expand_dims"]),
    (lambda: ops.expand_dims(A, True), TypeError, ["expand_dims"]),
    (lambda: ops.squeeze(A, 1.0), TypeError, ["squeeze"]),
    (lambda: ops.split(A, 1.5), TypeError, ["split"]),
    (lambda: ops.split(A, 1, 1.0), TypeError, ["split"]),
    (lambda: ops.chunk(A, 2, 1.0), TypeError, ["chunk"]),
    (lambda: ops.swapaxes(A, 0, 1.0), TypeError, ["swapaxes"]),
    (lambda: ops.concat([A, A], 1.0), TypeError, ["concat"]),  # was RuntimeError (C++ attribute read)
    (lambda: ops.stack([A, A], 1.0), TypeError, ["stack"]),
    (lambda: ops.gather(A, Tensor([0]), 1.0), TypeError, ["gather"]),  # was RuntimeError
    (lambda: ops.gather(A, None, 0), TypeError, ["gather"]),
    (lambda: ops.one_hot(Tensor([0]), 2.0), TypeError, ["one_hot"]),
    (lambda: ops.one_hot(Tensor([0]), 2, 1, 0, 1.0), TypeError, ["one_hot"]),
    (lambda: ops.full((2,), None), TypeError, ["full"]),
    (lambda: ops.full((2,), "a"), TypeError, ["full"]),
    (lambda: ops.cast(A, None), TypeError, ["cast"]),  # was a float64 copy
    (lambda: A.astype(None), TypeError, ["cast"]),
])
def test_bad_arguments(fn, error, words):
    with pytest.raises(error) as e:
        fn()
    for w in words:
        assert w in str(e.value)


def test_a_tensor_index_out_of_range_is_an_index_error():
    # x[Tensor([-3])] of a 2-row tensor gave the last row (the -3 wrapped twice); MindSpore raises.
    # The message names the dimension and its size, not the gather the index becomes.
    x = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    for key in (Tensor([-3]), Tensor([3]), [0, 5], (slice(None), Tensor([0, 3]))):
        with pytest.raises(IndexError, match="out of bounds for dimension .* with size"):
            x[key]
    np.testing.assert_array_equal(x[Tensor([-2, 1])].asnumpy(), [[0, 1, 2], [3, 4, 5]])
    np.testing.assert_array_equal(x[:, Tensor([-1])].asnumpy(), [[2], [5]])


def test_a_bool_mask_of_the_wrong_shape_is_an_index_error():
    # it became integer positions and failed in gather ("gather: index 2 is out of range");
    # MindSpore raises ValueError, numpy IndexError.
    x = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    for mask in (Tensor([True, False, True]), Tensor(np.ones((3, 2), bool))):
        with pytest.raises(IndexError, match=r"mask of shape .* \(2, 3\)"):
            x[mask]
    np.testing.assert_array_equal(x[Tensor([False, True])].asnumpy(), [[3, 4, 5]])
    np.testing.assert_array_equal(x[x > 3].asnumpy(), [4, 5])


def test_concat_and_stack_of_nothing_are_value_errors():
    # MindSpore 2.7.2 raises ValueError for ops.concat([]) and ops.stack([]); graphgrad TypeError.
    for fn in (ops.concat, ops.stack):
        with pytest.raises(ValueError, match=fn.__name__):
            fn([])
        with pytest.raises(TypeError, match=fn.__name__):
            fn(A)


def test_a_tuple_inside_an_index_is_an_index_tensor():
    # MindSpore 2.7.2: a[(1, 0),] is a[[1, 0]]; graphgrad raised IndexError.
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(Tensor(a)[(1, 0), ].asnumpy(), a[[1, 0]])
    np.testing.assert_array_equal(Tensor(a)[:, (2, 0)].asnumpy(), a[:, [2, 0]])


# -- creation and sampling --

@pytest.mark.parametrize("fn, error, word", [
    (lambda: ops.randint(0.5, 5, (2,)), TypeError, "randint"),  # MindSpore: TypeError (was ValueError)
    (lambda: ops.randint(0, 5.0, (2,)), TypeError, "randint"),
    (lambda: ops.randint(5, 0, (2,)), ValueError, "randint"),
    (lambda: ops.linspace(0, 1, 2.0), TypeError, "linspace"),  # MindSpore: TypeError (was ValueError)
    (lambda: ops.linspace(0, 1, -1), ValueError, "linspace"),
    (lambda: ops.eye(2.0), TypeError, "eye"),  # numpy's own message, without the op's name
    (lambda: ops.eye(-1), ValueError, "eye"),
    (lambda: ops.eye(2, -1), ValueError, "eye"),
])
def test_creation_argument_errors(fn, error, word):
    with pytest.raises(error, match=word):
        fn()


def test_normal_broadcasts_tensor_mean_and_stddev_with_shape():
    # MindSpore 2.7.2: normal((2, 3), mean of shape (3,), 1.0) is Float32 (2, 3), Float64 for a
    # float64 mean, and (2, 1) with a stddev of shape (3,) gives (2, 3); graphgrad raised
    # ValueError ("mean must be a single value").
    gg.set_seed(3)
    mean = np.array([0.0, 100.0, -100.0], np.float32)
    out = ops.normal((2, 3), Tensor(mean), 1.0)
    assert out.shape == (2, 3) and out.dtype is gg.float32
    assert np.all(np.abs(out.asnumpy() - mean) < 6)  # each column around its mean
    assert ops.normal((2, 3), Tensor(mean.astype(np.float64)), Tensor(1.0)).dtype is gg.float64
    out = ops.normal((2, 1), Tensor(0.0), Tensor(np.array([0.0, 1.0, 0.0], np.float32)))
    assert out.shape == (2, 3) and np.all(out.asnumpy()[:, [0, 2]] == 0)
    with pytest.raises(ValueError, match="normal"):
        ops.normal((2,), Tensor(mean), 1.0)


# -- small functions MindSpore's training code uses, built from the ops above --

def test_depend_gives_the_value():
    # MindSpore's training steps write loss = ops.depend(loss, optimizer(grads)).
    x = Tensor(X)
    assert ops.depend(x, x + 1) is x


def test_clip_by_value_and_clip_by_global_norm():
    # Values printed by MindSpore 2.7.2 for x = [[1, -2], [3, 4]].
    x = Tensor(np.array([[1.0, -2.0], [3.0, 4.0]], np.float32))
    check(ops.clip_by_value(x, -1, 2), gg.float32, [[1, -1], [2, 2]])
    a, b = ops.clip_by_value((x, x * 2), Tensor(-1.0), Tensor(2.0))
    np.testing.assert_array_equal(b.asnumpy(), [[2, -1], [2, 2]])
    a, b = ops.clip_by_global_norm((x, x * 2), 1.0)  # global norm sqrt(150): both scaled by 1 / 12.247
    np.testing.assert_allclose(a.asnumpy(), [[0.0816496536, -0.163299307], [0.244948968, 0.326598614]], rtol=1e-6)
    np.testing.assert_allclose(b.asnumpy(), 2 * a.asnumpy(), rtol=1e-6)
    a, = ops.clip_by_global_norm([x * 0.01], 1.0)  # under the norm: unchanged
    np.testing.assert_allclose(a.asnumpy(), x.asnumpy() * 0.01, rtol=1e-6)
    g = gg.grad(lambda x: ops.clip_by_global_norm((x,), 100.0)[0].sum())(x)  # differentiable
    np.testing.assert_allclose(g.asnumpy(), np.ones((2, 2)), rtol=1e-6)


def test_masked_fill_select_numel_rank():
    x = Tensor(np.array([[1.0, -2.0], [3.0, 4.0]], np.float32))
    check(ops.masked_fill(x, x > 2, 0.5), gg.float32, [[1, -2], [0.5, 0.5]])  # MindSpore 2.7.2
    check(ops.masked_fill(x, Tensor([True, False]), Tensor(9.0)), gg.float32, [[9, -2], [9, 4]])
    check(ops.select(x > 0, x, 0.0), gg.float32, [[1, 0], [3, 4]])
    assert ops.numel(x) == 4 and ops.rank(x) == 2 and type(ops.numel(x)) is int


# -- MindSpore's keyword arguments --

def test_div_rounding_mode():
    # MindSpore 2.7.2, a = [-7, 7, -7.5, 6], b = [2, -2, 2, 4]: floor [-4, -4, -4, 1], trunc
    # [-3, -3, -3, 1]; int32 operands stay int32 (and a = -7 for -7.5).
    a, b = np.array([-7.0, 7.0, -7.5, 6.0], np.float32), np.array([2.0, -2.0, 2.0, 4.0], np.float32)
    check(ops.div(Tensor(a), Tensor(b), rounding_mode="floor"), gg.float32, [-4, -4, -4, 1])
    check(ops.div(Tensor(a), Tensor(b), rounding_mode="trunc"), gg.float32, [-3, -3, -3, 1])
    check(ops.div(Tensor(a), Tensor(b)), gg.float32, a / b)
    ai, bi = Tensor(np.array([-7, 7, -7, 6], np.int32)), Tensor(np.array([2, -2, 2, 4], np.int32))
    check(ops.div(ai, bi, rounding_mode="floor"), gg.int32, [-4, -4, -4, 1])
    check(ops.div(ai, bi, rounding_mode="trunc"), gg.int32, [-3, -3, -3, 1])
    check(ops.div(ai, 2, rounding_mode="trunc"), gg.int32, [-3, 3, -3, 3])
    with pytest.raises(ValueError, match="div"):
        ops.div(ai, bi, rounding_mode="round")


def test_keywords_under_mindspore_names():
    x = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    check(ops.where(x > 1, input=x, other=0.0), gg.float32, [[0, 0, 2], [3, 4, 5]])  # MindSpore 2.7.2
    assert ops.permute(x, axis=(1, 0)).shape == (3, 2) and ops.transpose(x, dims=(1, 0)).shape == (3, 2)
    assert ops.softmax(x, dtype=gg.float64).dtype is gg.float64  # MindSpore: Float64
    out = ops.prod(x, 1, False, gg.float64)  # MindSpore's ops.prod(input, axis, keep_dims, dtype)
    check(out, gg.float64, [0, 60])
    assert x.prod(1, True, gg.float64).shape == (2, 1)  # Tensor.prod(dim, keepdim, dtype)


def test_std_and_var():
    # MindSpore 2.7.2 for x = arange(6).reshape(2, 3): std 1.7078252, var(x, 1) [0.6666667] * 2,
    # var(x, 1, ddof=1, keepdims=True) [[1], [1]], std(x, (0, 1), 1) 1.8708287; int input TypeError.
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    x = Tensor(a)
    np.testing.assert_allclose(ops.std(x).asnumpy(), 1.7078252, rtol=1e-6)
    np.testing.assert_allclose(ops.var(x, 1).asnumpy(), [0.6666667] * 2, rtol=1e-6)
    check(ops.var(x, 1, ddof=1, keepdims=True), gg.float32, [[1], [1]])
    np.testing.assert_allclose(ops.std(x, (0, 1), 1).asnumpy(), 1.8708287, rtol=1e-6)
    assert ops.var(Tensor(a.astype(np.float64))).dtype is gg.float64
    np.testing.assert_allclose(gg.grad(lambda x: ops.var(x))(x).asnumpy(), 2 * (a - a.mean()) / 6, rtol=1e-6)
    with pytest.raises(TypeError, match="var"):
        ops.var(Tensor([1, 2, 3]))


def test_flatten_of_1d_and_one_hot_dtypes():
    # MindSpore 2.7.2: ops.flatten of a 1-D tensor is the tensor (its default start_dim is 1);
    # one_hot's Python on/off values: 1.0 gives Float32, 1 Int64.
    check(ops.flatten(Tensor([1.0, 2.0])), gg.float32, [1, 2])
    check(ops.one_hot(Tensor([0, 1]), 2, 1.0, 0.0), gg.float32, [[1, 0], [0, 1]])
    check(ops.one_hot(Tensor([0, 1]), 2, 1, 0), gg.int64, [[1, 0], [0, 1]])


def test_logical_xor_and_all_any_keepdim():
    # MindSpore 2.7.2: logical_xor([True, False, True], [1., 0., 0.]) is [False, False, True];
    # Tensor.any(1, keepdim=True) keeps the dim (so ops.any takes keepdim= for the method).
    check(ops.logical_xor(Tensor([True, False, True]), Tensor([1.0, 0.0, 0.0])), gg.bool_, [False, False, True])
    check(ops.logical_xor(Tensor([True, False]), True), gg.bool_, [False, True])
    assert ops.any(Tensor([[1.0, 0.0]]), 1, keepdim=True).shape == (1, 1)
    assert ops.all(Tensor([[1.0, 0.0]]), keep_dims=True).shape == (1, 1)


def test_norm():
    # MindSpore 2.7.2's values for x = [[1, -2, 3], [-4, 5, -6]].
    x = Tensor(np.array([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]], np.float32))
    cases = [
        (ops.norm(x), 9.539392), (ops.norm(x, dim=1), [3.7416575, 8.774964]),
        (ops.norm(x, dim=0, keepdim=True), [[4.1231055, 5.3851647, 6.708204]]),
        (ops.norm(x, 1, dim=1), [6, 15]), (ops.norm(x, float("inf"), dim=1), [3, 6]),
        (ops.norm(x, float("-inf"), dim=1), [1, 4]), (ops.norm(x, 0, dim=1), [3, 3]),
        (ops.norm(x, 3, dim=1), [3.3019273, 7.398637]), (ops.norm(x, "fro"), 9.539392),
        (ops.norm(x, 1), 9.0), (ops.norm(x, dim=(0, 1)), 9.539392), (ops.norm(Tensor([3.0, -4.0]), 1), 7.0),
        (ops.norm(Tensor([3, 4])), 5.0),
    ]
    for out, expected in cases:
        assert out.dtype is gg.float32
        np.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-6)
    assert ops.norm(x, float("inf")).item() == 15.0  # the largest row sum
    assert ops.norm(x, dtype=gg.float64).dtype is gg.float64
    with pytest.raises(NotImplementedError, match="norm"):
        ops.norm(x, "nuc")
    g = gg.grad(lambda x: ops.norm(x))(x)
    np.testing.assert_allclose(g.asnumpy(), x.asnumpy() / 9.539392, rtol=1e-5)
