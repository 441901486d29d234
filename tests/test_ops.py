"""ops, run eagerly, against float64 numpy references written here."""
import inspect
import os
import re

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Tensor, ops
from helpers import np_bce

THIS_FILE = os.path.basename(__file__)


def nospace(s):
    return re.sub(r"\s", "", s)


# -- constructors --

@pytest.mark.parametrize("shape, np_shape", [(5, (5,)), ((2, 3), (2, 3)), ([4, 1, 2], (4, 1, 2)), ((), ())])
def test_ones_zeros_shapes_and_default_dtype(shape, np_shape):
    o, z = ops.ones(shape), ops.zeros(shape)
    assert o.shape == np_shape and z.shape == np_shape
    assert o.dtype is gg.float32 and z.dtype is gg.float32
    np.testing.assert_array_equal(o.asnumpy(), np.ones(np_shape))
    np.testing.assert_array_equal(z.asnumpy(), np.zeros(np_shape))


def test_ones_zeros_with_dtype():
    assert ops.ones(3, gg.float64).dtype is gg.float64
    assert ops.zeros((2, 2), gg.float64).asnumpy().dtype == np.float64


def test_ones_bad_shape():
    with pytest.raises(ValueError):
        ops.ones((2, -1))
    with pytest.raises(TypeError):
        ops.ones(2.5)


@pytest.mark.parametrize("dtype", [gg.float32, gg.float64])
def test_ones_like_zeros_like(dtype):
    t = Tensor(np.random.default_rng(0).standard_normal((3, 4)), dtype)
    o, z = ops.ones_like(t), ops.zeros_like(t)
    assert o.shape == (3, 4) and o.dtype is dtype and z.dtype is dtype
    np.testing.assert_array_equal(o.asnumpy(), np.ones((3, 4)))
    np.testing.assert_array_equal(z.asnumpy(), np.zeros((3, 4)))
    other = gg.float64 if dtype is gg.float32 else gg.float32
    assert ops.ones_like(t, other).dtype is other


# -- matmul --

@pytest.mark.parametrize("sa, sb", [((5,), (5, 3)), ((4, 5), (5,)), ((5,), (5,)), ((2, 3), (3, 4)), ((1, 1), (1, 7))])
@pytest.mark.parametrize("dtype", [gg.float32, gg.float64])
def test_matmul_follows_numpy(sa, sb, dtype):
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    out = ops.matmul(Tensor(a, dtype), Tensor(b, dtype))
    ref = np.matmul(a, b)
    assert out.shape == ref.shape
    assert out.dtype is dtype
    tol = 1e-5 if dtype is gg.float32 else 1e-12
    np.testing.assert_allclose(out.asnumpy(), ref, rtol=tol, atol=tol)


def test_matmul_larger_matches_numpy():
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((37, 65)), rng.standard_normal((65, 23))
    np.testing.assert_allclose(ops.matmul(Tensor(a), Tensor(b)).asnumpy(), a @ b, rtol=1e-11, atol=1e-11)


def test_matmul_shape_mismatch_names_op_and_shapes():
    with pytest.raises(ValueError) as e:
        ops.matmul(Tensor(np.ones((4, 5))), Tensor(np.ones((3, 2))))
    msg = nospace(str(e.value))
    assert "matmul" in msg and "[4,5]" in msg and "[3,2]" in msg


def test_matmul_batches_3d_and_rejects_0d():
    np.testing.assert_allclose(ops.matmul(Tensor(np.ones((2, 2, 2))), Tensor(np.ones((2, 2)))).asnumpy(),
                               np.full((2, 2, 2), 2.0))
    with pytest.raises(ValueError):
        ops.matmul(Tensor(2.0), Tensor(np.ones(2, np.float32)))


def test_matmul_mixed_dtypes_promote_and_ints_keep_their_dtype():
    out = ops.matmul(Tensor(np.ones((2, 2), np.float32)), Tensor(np.ones((2, 2), np.float64)))
    assert out.dtype is gg.float64
    out = ops.matmul(Tensor(np.full((2, 3), 7, np.int32)), Tensor(np.full((3, 2), -5, np.int32)))
    assert out.dtype is gg.int32  # (MindSpore's int32 matmul is int32)
    np.testing.assert_array_equal(out.asnumpy(), np.full((2, 2), -105))
    with pytest.raises(TypeError):
        ops.matmul(Tensor(np.ones((2, 2), bool)), Tensor(np.ones((2, 2), bool)))


def test_matmul_needs_tensors():
    with pytest.raises(TypeError):
        ops.matmul(np.ones((2, 2)), Tensor(np.ones((2, 2))))


# -- add --

@pytest.mark.parametrize("sa, sb", [((3,), (3,)), ((4, 1, 3), (5, 1)), ((3,), (2, 3)), ((2, 3), ()), ((),
                                    (4,)), ((5, 1), (1, 6)), ((2, 1, 4), (2, 3, 1)), ((1,), (3, 1))])
def test_add_broadcasts_like_numpy(sa, sb):
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    out = ops.add(Tensor(a), Tensor(b))
    assert out.shape == np.broadcast_shapes(sa, sb)
    np.testing.assert_allclose(out.asnumpy(), a + b, rtol=1e-15)


def test_add_python_scalar():
    t = Tensor(np.array([1.0, 2.0], np.float32))
    np.testing.assert_allclose(ops.add(t, 0.5).asnumpy(), [1.5, 2.5])
    np.testing.assert_allclose(ops.add(3, t).asnumpy(), [4.0, 5.0])
    assert ops.add(t, 0.5).dtype is gg.float32


def test_add_mismatch_names_op_shapes_and_line():
    a, b = Tensor(np.ones((4, 5))), Tensor(np.ones(3))
    line = None
    try:
        line = inspect.currentframe().f_lineno + 1
        ops.add(a, b)
    except ValueError as e:
        msg = str(e)
    else:
        pytest.fail("add of [4,5] and [3] did not raise")
    assert "add" in msg and "[4,5]" in nospace(msg) and "[3]" in nospace(msg)
    assert f"{THIS_FILE}:{line}" in msg


def test_add_mixed_dtypes_promote_as_mindspore():
    assert ops.add(Tensor(np.ones(2, np.float32)), Tensor(np.ones(2, np.float64))).dtype is gg.float64
    assert ops.add(Tensor(np.ones(2, np.int32)), Tensor(np.ones(2, np.float16))).dtype is gg.float16
    assert ops.add(Tensor(np.ones(2, np.int32)), 2.5).dtype is gg.float32


# -- stop_gradient --

def test_stop_gradient_passes_value():
    a = np.random.default_rng(6).standard_normal((3, 2))
    out = ops.stop_gradient(Tensor(a))
    assert out.shape == (3, 2) and out.dtype is gg.float64
    np.testing.assert_array_equal(out.asnumpy(), a)


# -- binary_cross_entropy_with_logits --

def rand_bce(rng, shape):
    return rng.standard_normal(shape) * 3, rng.uniform(0, 1, shape)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [gg.float32, gg.float64])
def test_bce_plain(reduction, dtype):
    x, y = rand_bce(np.random.default_rng(7), (4, 3))
    out = ops.binary_cross_entropy_with_logits(Tensor(x, dtype), Tensor(y, dtype), reduction=reduction)
    ref = np_bce(x, y, reduction=reduction)
    assert out.shape == np.shape(ref) and out.dtype is dtype
    tol = 1e-5 if dtype is gg.float32 else 1e-12
    np.testing.assert_allclose(out.asnumpy(), ref, rtol=tol, atol=tol)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("wshape, pwshape", [((4, 3), (4, 3)), ((3,), (3,)), ((1, 3), (4, 1)), ((), (3,)),
                                            (None, (3,)), ((4, 1), None)])
def test_bce_weight_and_pos_weight_broadcast(reduction, wshape, pwshape):
    rng = np.random.default_rng(8)
    x, y = rand_bce(rng, (4, 3))
    w = None if wshape is None else rng.uniform(0.1, 2, wshape)
    pw = None if pwshape is None else rng.uniform(0.1, 3, pwshape)
    out = ops.binary_cross_entropy_with_logits(Tensor(x), Tensor(y), None if w is None else Tensor(w),
                                               None if pw is None else Tensor(pw), reduction)
    ref = np_bce(x, y, w, pw, reduction)
    assert out.shape == np.shape(ref)
    np.testing.assert_allclose(out.asnumpy(), ref, rtol=1e-12, atol=1e-12)


def test_bce_tutorial_call_form():
    # positional weight and pos_weight, as the tutorial calls it
    x, y = rand_bce(np.random.default_rng(9), (3,))
    z = Tensor(x, gg.float32)
    out = ops.binary_cross_entropy_with_logits(z, Tensor(y, gg.float32), ops.ones_like(z), ops.ones_like(z))
    np.testing.assert_allclose(out.asnumpy(), np_bce(x, y), rtol=1e-6)


@pytest.mark.parametrize("dtype", [gg.float32, gg.float64])
def test_bce_is_stable_for_huge_logits(dtype):
    x = np.array([1e30, -1e30, 1e30, -1e30, 80.0, -80.0, 0.0])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.25, 0.75, 0.5])
    out = ops.binary_cross_entropy_with_logits(Tensor(x, dtype), Tensor(y, dtype), reduction="none").asnumpy()
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, np_bce(x, y, reduction="none"), rtol=1e-6)
    # a confident right answer costs nothing, a confident wrong one costs |x|
    assert out[0] == 0 and out[1] == 0
    assert out[2] == pytest.approx(1e30, rel=1e-6) and out[3] == pytest.approx(1e30, rel=1e-6)
    mean = ops.binary_cross_entropy_with_logits(Tensor(x, dtype), Tensor(y, dtype)).asnumpy()
    assert np.isfinite(mean)


@pytest.mark.parametrize("reduction", ["max", "Mean", "", "elementwise_mean"])
def test_bce_bad_reduction_is_value_error(reduction):
    t = Tensor(np.zeros(3, np.float32))
    with pytest.raises(ValueError) as e:
        ops.binary_cross_entropy_with_logits(t, t, reduction=reduction)
    assert "mean" in str(e.value) and repr(reduction) in str(e.value)


def test_bce_non_str_reduction_rejected():
    t = Tensor(np.zeros(3, np.float32))
    with pytest.raises((TypeError, ValueError)):
        ops.binary_cross_entropy_with_logits(t, t, reduction=None)


def test_bce_label_shape_must_match():
    with pytest.raises(ValueError) as e:
        ops.binary_cross_entropy_with_logits(Tensor(np.zeros((2, 3))), Tensor(np.zeros((3,))))
    assert "[2,3]" in nospace(str(e.value))


def test_bce_weight_must_broadcast_to_logits():
    x = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError):
        ops.binary_cross_entropy_with_logits(x, x, Tensor(np.ones(2)))
    with pytest.raises(ValueError):  # broadcasts with the logits, but to a bigger shape
        ops.binary_cross_entropy_with_logits(x, x, None, Tensor(np.ones((4, 2, 3))))


# -- float32 accuracy on bigger inputs --

def test_bce_float32_mean_over_many_elements_is_accurate():
    r = np.random.default_rng(10)
    x, y = r.standard_normal(1_000_000).astype(np.float32), r.uniform(0, 1, 1_000_000).astype(np.float32)
    out = ops.binary_cross_entropy_with_logits(Tensor(x), Tensor(y)).asnumpy()
    np.testing.assert_allclose(out, np_bce(x, y), rtol=1e-6)
    out = ops.binary_cross_entropy_with_logits(Tensor(x), Tensor(y), reduction="sum").asnumpy()
    np.testing.assert_allclose(out, np_bce(x, y, reduction="sum"), rtol=1e-6)


def test_matmul_float32_bigger_matches_numpy():
    r = np.random.default_rng(11)
    a, b = r.standard_normal((64, 300)), r.standard_normal((300, 50))
    out = ops.matmul(Tensor(a, gg.float32), Tensor(b, gg.float32)).asnumpy()
    np.testing.assert_allclose(out, a @ b, rtol=1e-4, atol=1e-4)
