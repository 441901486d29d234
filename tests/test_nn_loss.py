"""Losses (cells and ops) against float64 numpy written from their definitions; gradients
through them; bad labels."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Tensor, nn, ops

rng = np.random.default_rng(1)


def log_softmax(x, axis):
    m = x.max(axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis, keepdims=True))


def np_nll(logp, target, weight=None, ignore_index=-100, reduction="mean", ls=0.0):
    """logp (N, C, ...) log-probabilities, target (N, ...) ints: PyTorch's/MindSpore's definition."""
    c = logp.shape[1]
    lp = np.moveaxis(logp, 1, -1).reshape(-1, c)
    t = target.reshape(-1)
    w = np.ones(c) if weight is None else weight
    keep = t != ignore_index
    ts = np.where(keep, t, 0)
    wi = w[ts] * keep
    loss = -lp[np.arange(len(t)), ts] * wi
    smooth = -(lp * w).sum(-1) * keep
    if reduction == "none":
        return ((1 - ls) * loss + ls / c * smooth).reshape(target.shape)
    div = wi.sum() if reduction == "mean" else 1.0
    return (1 - ls) * loss.sum() / div + ls / c * smooth.sum() / div


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ls", [0.0, 0.1])
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 5)])
def test_cross_entropy_class_indices(reduction, weighted, ls, shape):
    x = rng.standard_normal(shape)
    t = rng.integers(0, 4, (shape[0],) + shape[2:])
    t.reshape(-1)[1] = -100  # one ignored
    w = rng.uniform(0.5, 2, 4) if weighted else None
    want = np_nll(log_softmax(x, 1), t, w, -100, reduction, ls)
    got = ops.cross_entropy(Tensor(x), Tensor(t), None if w is None else Tensor(w), -100, reduction, ls)
    np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-10, atol=1e-12)
    cell = nn.CrossEntropyLoss(None if w is None else Tensor(w), reduction=reduction, label_smoothing=ls)
    np.testing.assert_allclose(cell(Tensor(x), Tensor(t)).asnumpy(), want, rtol=1e-10, atol=1e-12)


def test_cross_entropy_int32_labels_and_float32_logits():
    x = rng.standard_normal((5, 3)).astype(np.float32)
    t = np.array([0, 2, 1, 1, 0], np.int32)
    got = nn.CrossEntropyLoss()(Tensor(x), Tensor(t))
    assert got.dtype == gg.float32
    np.testing.assert_allclose(got.asnumpy(), np_nll(log_softmax(x.astype(np.float64), 1), t), rtol=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_class_probabilities(reduction):
    x = rng.standard_normal((4, 3))
    p = rng.dirichlet(np.ones(3), 4)
    w = np.array([1.0, 2.0, 0.5])
    ls = 0.2
    q = p * (1 - ls) + ls / 3
    loss = -(log_softmax(x, 1) * q * w).sum(1)
    want = {"mean": loss.sum() / 4, "sum": loss.sum(), "none": loss}[reduction]
    got = ops.cross_entropy(Tensor(x), Tensor(p), Tensor(w), reduction=reduction, label_smoothing=ls)
    np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-10)


def test_cross_entropy_1d_input():
    x = rng.standard_normal(5)
    np.testing.assert_allclose(ops.cross_entropy(Tensor(x), Tensor(np.array(3))).asnumpy(),
                               -log_softmax(x, 0)[3], rtol=1e-12)


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    x = rng.standard_normal((4, 5))
    t = np.array([1, 0, 4, 2])
    g = gg.grad(lambda x, t: ops.cross_entropy(x, t))(Tensor(x), Tensor(t)).asnumpy()
    sm = np.exp(log_softmax(x, 1))
    np.testing.assert_allclose(g, (sm - np.eye(5)[t]) / 4, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss(reduction):
    lp = log_softmax(rng.standard_normal((6, 3)), 1)
    t = np.array([0, 1, 2, 2, -100, 1])
    w = np.array([0.2, 1.0, 3.0])
    np.testing.assert_allclose(nn.NLLLoss(Tensor(w), reduction=reduction)(Tensor(lp), Tensor(t)).asnumpy(),
                               np_nll(lp, t, w, reduction=reduction), rtol=1e-12)
    t2 = np.where(t < 0, 0, t)
    np.testing.assert_allclose(ops.nll_loss(Tensor(lp), Tensor(t2), ignore_index=2, reduction=reduction).asnumpy(),
                               np_nll(lp, t2, None, 2, reduction), rtol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses(reduction):
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    red = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction]
    d = np.abs(x - y)
    cases = [(nn.MSELoss(reduction), (x - y) ** 2), (nn.L1Loss(reduction), d),
             (nn.SmoothL1Loss(0.5, reduction), np.where(d < 0.5, 0.5 * d ** 2 / 0.5, d - 0.25))]
    for cell, loss in cases:
        np.testing.assert_allclose(cell(Tensor(x), Tensor(y)).asnumpy(), red(loss), rtol=1e-12)


def test_smooth_l1_defaults_to_no_reduction():
    x = rng.standard_normal((2, 3))
    assert nn.SmoothL1Loss()(Tensor(x), Tensor(x * 0)).shape == (2, 3)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_loss(reduction):
    p, y = rng.uniform(0.01, 0.99, (4, 3)), rng.integers(0, 2, (4, 3)).astype(np.float64)
    w = rng.uniform(0.5, 1.5, (4, 3))
    loss = -w * (y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))  # MindSpore's eps
    red = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction]
    np.testing.assert_allclose(nn.BCELoss(Tensor(w), reduction)(Tensor(p), Tensor(y)).asnumpy(), red(loss), rtol=1e-12)
    assert np.isfinite(ops.binary_cross_entropy(Tensor([0.0, 1.0]), Tensor([1.0, 0.0])).asnumpy())  # clamped logs


def test_bce_at_probabilities_of_0_and_1_is_finite_as_mindspore_gives_it():
    # mindspore==2.7.2: log(p + 1e-12), so a certain wrong answer costs -log(1e-12) = 27.631021.
    p = Tensor(np.array([0.0, 1.0, 1.0, 0.0, 0.3, 1e-13], np.float32))
    y = Tensor(np.array([1.0, 0.0, 1.0, 0.0, 1.0, 1.0], np.float32))
    np.testing.assert_allclose(nn.BCELoss(reduction="none")(p, y).asnumpy(),
                               [27.631021, 27.631021, 0, 0, 1.2039728, 27.535711], rtol=1e-6, atol=1e-7)
    # A sigmoid saturated to exactly 1.0 in float32 (right or wrong) gives a finite gradient:
    # it was NaN (0 * inf) under the old clamp of the log at -100. MindSpore's numbers.
    x, y = Tensor(np.array([20.0, -20.0, 0.3, 40.0], np.float32)), Tensor([1.0, 0.0, 1.0, 1.0])
    g = gg.grad(lambda x: nn.BCELoss()(ops.sigmoid(x), y))(x).asnumpy()
    np.testing.assert_allclose(g, [0.0, 5.1528842e-10, -0.10638937, 0.0], rtol=1e-6, atol=1e-12)


def test_mse_gradient():
    x, y = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    g = gg.grad(lambda x, y: ops.mse_loss(x, y))(Tensor(x), Tensor(y)).asnumpy()
    np.testing.assert_allclose(g, 2 * (x - y) / 6, rtol=1e-12)


@pytest.mark.parametrize("call, err, match", [
    (lambda x: ops.cross_entropy(x, Tensor(np.array([0.0, 1.0, 2.0]))), ValueError, "class probabilities"),
    (lambda x: ops.cross_entropy(x, Tensor(np.array([0, 1]))), ValueError, r"shape \(3,\)"),
    (lambda x: ops.cross_entropy(x, Tensor(np.array([[0], [1], [2]]))), ValueError, r"got \(3, 1\)"),
    (lambda x: ops.cross_entropy(x, Tensor(np.array([0, 1, 4]))), ValueError, "class index 4"),
    (lambda x: ops.cross_entropy(x, Tensor(np.array([True, False, True]))), TypeError, "int32 or int64"),
    (lambda x: ops.nll_loss(x, Tensor(np.array([0.0, 1.0, 2.0]))), TypeError, "int32 or int64"),
    (lambda x: ops.cross_entropy(x, Tensor(np.array([0, 1, 2])), Tensor(np.ones(3))), ValueError, "weight"),
    (lambda x: ops.cross_entropy(x, Tensor(np.array([0, 1, 2])), label_smoothing=1.5), ValueError, "label_smoothing"),
    (lambda x: ops.cross_entropy(x, Tensor(np.array([0, 1, 2])), reduction="avg"), ValueError, "reduction"),
    (lambda x: nn.CrossEntropyLoss(weight=[1.0])(x, x), TypeError, "weight"),
])
def test_bad_labels_are_clear_errors(call, err, match):
    with pytest.raises(err, match=match):
        call(Tensor(rng.standard_normal((3, 4)).astype(np.float32)))


def test_cross_entropy_label_check_inside_a_trace():
    f = gg.jit(lambda x, t: ops.cross_entropy(x, t))
    with pytest.raises(ValueError, match="int32 or int64"):
        f(Tensor(np.zeros((3, 4), np.float32)), Tensor(np.zeros(3, np.float32)))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        f(Tensor(np.zeros((3, 4), np.float32)), Tensor(np.zeros(4, np.int32)))


def test_a_label_out_of_range_in_a_compiled_call_is_the_eager_error():
    f = gg.jit(lambda x, t: ops.cross_entropy(x, t))
    x = Tensor(np.zeros((3, 4), np.float32))
    for bad in (-3, 5):
        with pytest.raises(ValueError, match=rf"class index {bad}, outside \[0, 4\) \(ignore_index is -100\)"):
            f(x, Tensor(np.array([0, bad, 1], np.int32)))
    np.testing.assert_allclose(f(x, Tensor(np.array([0, -100, 1], np.int32))).asnumpy(), np.log(4), rtol=1e-6)
    assert f.trace_count == 1


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_softmax_cross_entropy_with_logits_sparse_and_dense_agree(reduction):
    x = rng.standard_normal((6, 5))
    t = rng.integers(0, 5, 6)
    want = -log_softmax(x, 1)[np.arange(6), t]
    want = want.mean() if reduction == "mean" else want.sum() if reduction == "sum" else want
    sparse = nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction=reduction)
    dense = nn.SoftmaxCrossEntropyWithLogits(reduction=reduction)
    np.testing.assert_allclose(sparse(Tensor(x), Tensor(t)).asnumpy(), want, rtol=1e-12)
    np.testing.assert_allclose(dense(Tensor(x), Tensor(np.eye(5)[t].astype(np.int32))).asnumpy(), want, rtol=1e-12)
    assert nn.SoftmaxCrossEntropyWithLogits().reduction == "none"  # MindSpore's default


@pytest.mark.parametrize("weight", [None, np.array([1.0, 2.0, 0.5, 1.0])], ids=["fused", "weighted"])
def test_a_label_out_of_range_in_a_compiled_gradient_is_an_error_and_ignored_labels_a_zero_row(weight):
    x = Tensor(rng.standard_normal((3, 4)))
    w = None if weight is None else Tensor(weight)
    g = gg.jit(gg.grad(lambda x, t: ops.cross_entropy(x, t, w)))
    with pytest.raises(ValueError, match=r"class index 7, outside \[0, 4\)"):
        g(x, Tensor(np.array([0, 7, -100], np.int64)))
    grad = g(x, Tensor(np.array([0, 3, -100], np.int64))).asnumpy()
    assert np.all(np.isfinite(grad[:2])) and np.all(grad[2] == 0)
