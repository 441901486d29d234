"""Gradients against central finite differences in float64, op by op and for composed graphs."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import graphgrad as gg
from graphgrad import Tensor, ops
from helpers import check_grads, numeric_grad, tensors

HYP = settings(max_examples=25, deadline=None, derandomize=True)


def rand(rng, shape, lo=None, hi=None):
    return rng.standard_normal(shape) if lo is None else rng.uniform(lo, hi, shape)


# -- add --

@pytest.mark.parametrize("sa, sb", [((4, 1, 3), (5, 1)), ((3,), (2, 3)), ((2, 3), (2, 3)), ((), (2, 2)),
                                    ((3, 1), (1, 4)), ((2, 1, 1), (3, 1)), ((1,), (5,)), ((), ())])
def test_add_broadcasting(sa, sb):
    r = np.random.default_rng(hash((sa, sb)) % 2**32)
    check_grads(ops.add, [rand(r, sa), rand(r, sb)])


@st.composite
def broadcast_pair(draw):
    out = draw(st.lists(st.integers(1, 4), min_size=0, max_size=4))
    shapes = []
    for _ in range(2):
        keep = draw(st.integers(0, len(out)))
        s = out[len(out) - keep:]
        s = [1 if draw(st.booleans()) else d for d in s]
        shapes.append(tuple(s))
    return shapes


@HYP
@given(broadcast_pair(), st.integers(0, 2**32 - 1))
def test_add_broadcasting_random_shapes(shapes, seed):
    r = np.random.default_rng(seed)
    check_grads(ops.add, [rand(r, s) for s in shapes])


def test_value_used_twice_accumulates_add():
    r = np.random.default_rng(1)
    (g,) = check_grads(lambda z: z + z, [rand(r, (3, 2))])
    np.testing.assert_allclose(g.asnumpy(), np.full((3, 2), 2.0))


# -- matmul --

MATMUL_CASES = [(a, b) for a, b in itertools.product(["1d", "2d"], repeat=2)]


def matmul_shapes(kind_a, kind_b, m, k, n):
    return ((k,) if kind_a == "1d" else (m, k)), ((k,) if kind_b == "1d" else (k, n))


@pytest.mark.parametrize("kind_a, kind_b", MATMUL_CASES)
@pytest.mark.parametrize("seed", range(3))
def test_matmul_both_operands(kind_a, kind_b, seed):
    r = np.random.default_rng(seed)
    m, k, n = r.integers(1, 6, 3)
    sa, sb = matmul_shapes(kind_a, kind_b, m, k, n)
    check_grads(ops.matmul, [rand(r, sa), rand(r, sb)])


@pytest.mark.parametrize("kind_a, kind_b", MATMUL_CASES)
@pytest.mark.parametrize("wrt", [0, 1])
def test_matmul_one_operand(kind_a, kind_b, wrt):
    r = np.random.default_rng(10 + wrt)
    sa, sb = matmul_shapes(kind_a, kind_b, 3, 4, 2)
    check_grads(ops.matmul, [rand(r, sa), rand(r, sb)], positions=(wrt,))


@pytest.mark.parametrize("kind_x", ["1d", "2d"])
def test_value_used_twice_accumulates_matmul(kind_x):
    r = np.random.default_rng(2)
    x, w = rand(r, (3,) if kind_x == "1d" else (2, 3)), rand(r, (3, 4))
    gx, gw = check_grads(lambda x, w: ops.matmul(x, w) + ops.matmul(x, w), [x, w])
    ones = np.ones(np.matmul(x, w).shape)
    np.testing.assert_allclose(gw.asnumpy(), 2 * np.matmul(np.atleast_2d(x).T, np.atleast_2d(ones)), rtol=1e-12)


def test_matmul_chain_2d():
    r = np.random.default_rng(3)
    check_grads(lambda x, w1, w2: ops.matmul(ops.matmul(x, w1), w2),
                [rand(r, (3, 4)), rand(r, (4, 5)), rand(r, (5, 2))])


def test_matmul_square_self_product():
    # x @ x uses x on both sides of one matmul
    r = np.random.default_rng(4)
    check_grads(lambda x: ops.matmul(x, x), [rand(r, (3, 3))])


# -- binary_cross_entropy_with_logits --

BCE_SHAPES = [((4, 3), None, None), ((4, 3), (4, 3), (4, 3)), ((4, 3), (3,), (3,)), ((4, 3), (4, 1), (1, 3)),
              ((4, 3), (), None), ((5,), None, (5,)), ((2, 3, 2), (3, 1), (2,)), ((), (), ())]


def bce_inputs(r, x_shape, w_shape, pw_shape):
    arrays = [rand(r, x_shape) * 2, rand(r, x_shape, 0.05, 0.95)]
    if w_shape is not None:
        arrays.append(rand(r, w_shape, 0.2, 2.0))
    if pw_shape is not None:
        arrays.append(rand(r, pw_shape, 0.2, 3.0))
    return arrays


def bce_fn(has_w, has_pw, reduction):
    def f(x, y, *rest):
        rest = list(rest)
        w = rest.pop(0) if has_w else None
        pw = rest.pop(0) if has_pw else None
        return ops.binary_cross_entropy_with_logits(x, y, w, pw, reduction)
    return f


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("x_shape, w_shape, pw_shape", BCE_SHAPES)
def test_bce_logits_weight_pos_weight(x_shape, w_shape, pw_shape, reduction):
    r = np.random.default_rng(abs(hash((x_shape, w_shape, pw_shape, reduction))) % 2**32)
    arrays = bce_inputs(r, x_shape, w_shape, pw_shape)
    positions = [0] + list(range(2, len(arrays)))  # the label has its own tests below
    check_grads(bce_fn(w_shape is not None, pw_shape is not None, reduction), arrays, positions)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("x_shape, w_shape, pw_shape", [BCE_SHAPES[0], BCE_SHAPES[3]])
def test_bce_label(x_shape, w_shape, pw_shape, reduction):
    r = np.random.default_rng(abs(hash((x_shape, w_shape, pw_shape, reduction, "label"))) % 2**32)
    arrays = bce_inputs(r, x_shape, w_shape, pw_shape)
    check_grads(bce_fn(w_shape is not None, pw_shape is not None, reduction), arrays, (1,))


@pytest.mark.parametrize("wrt, name", [(0, "logits"), (1, "label"), (2, "weight"), (3, "pos_weight")])
def test_bce_one_operand_at_a_time(wrt, name):
    r = np.random.default_rng(20 + wrt)
    arrays = bce_inputs(r, (3, 4), (4,), (3, 1))
    check_grads(bce_fn(True, True, "mean"), arrays, positions=(wrt,))


def test_bce_label_gradient_without_weights():
    r = np.random.default_rng(30)
    check_grads(bce_fn(False, False, "sum"), bce_inputs(r, (6,), None, None), positions=(1,))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_logits_gradient_matches_closed_form(reduction):
    # d/dx of the loss is weight * ((1 - y) * sigmoid(x) - pos_weight * y * sigmoid(-x))
    r = np.random.default_rng(31)
    x, y, w, pw = bce_inputs(r, (2, 5), (5,), (2, 1))
    g = gg.grad(bce_fn(True, True, reduction))(*tensors(x, y, w, pw))
    s = 1 / (1 + np.exp(-x))
    expected = w * ((1 - y) * s - pw * y * (1 - s))
    if reduction == "mean":
        expected = expected / x.size
    np.testing.assert_allclose(g.asnumpy(), expected, rtol=1e-10, atol=1e-12)


def test_bce_gradient_is_finite_for_huge_logits():
    x = np.array([1e30, -1e30, 1e30, -1e30])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    for dtype in (gg.float32, gg.float64):
        g = gg.grad(lambda x, y: ops.binary_cross_entropy_with_logits(x, y, reduction="sum"))(
            Tensor(x, dtype), Tensor(y, dtype))
        np.testing.assert_allclose(g.asnumpy(), [0.0, 0.0, 1.0, -1.0], atol=1e-6)


def test_bce_value_used_as_logits_and_weight():
    r = np.random.default_rng(32)
    x, y = rand(r, (3, 2)), rand(r, (3, 2), 0.1, 0.9)
    check_grads(lambda x, y: ops.binary_cross_entropy_with_logits(x, y, x, x, "sum"), [x, y], positions=(0,))


# -- stop_gradient --

def test_stop_gradient_contributes_nothing():
    r = np.random.default_rng(40)
    x = rand(r, (3, 2))
    g = gg.grad(lambda x: x + ops.stop_gradient(x))(Tensor(x))
    np.testing.assert_array_equal(g.asnumpy(), np.ones((3, 2)))
    g = gg.grad(lambda x: ops.stop_gradient(x))(Tensor(x))
    np.testing.assert_array_equal(g.asnumpy(), np.zeros((3, 2)))


def test_stop_gradient_in_a_composed_graph():
    # loss(z) + stop_gradient(z): the gradient is that of loss alone, checked by differences of loss alone
    r = np.random.default_rng(41)
    x, w, y = rand(r, (4, 3)), rand(r, (3, 2)), rand(r, (4, 2), 0, 1)

    def loss(x, w, y):
        return ops.binary_cross_entropy_with_logits(ops.matmul(x, w), y)

    def with_stopped(x, w, y):
        z = ops.matmul(x, w)
        return ops.binary_cross_entropy_with_logits(z, y), ops.stop_gradient(z)

    gx, gw = gg.grad(with_stopped, (0, 1))(*tensors(x, w, y))
    np.testing.assert_allclose(gx.asnumpy(), numeric_grad(loss, [x, w, y], 0), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(gw.asnumpy(), numeric_grad(loss, [x, w, y], 1), rtol=1e-5, atol=1e-7)


# -- composed graphs over random shapes --

@pytest.mark.parametrize("seed", range(6))
def test_linear_bce_model(seed):
    r = np.random.default_rng(100 + seed)
    n, d, h = (int(v) for v in r.integers(1, 5, 3))
    reduction = ["mean", "sum", "none"][seed % 3]
    x, w, b = rand(r, (n, d)), rand(r, (d, h)), rand(r, (h,))
    y, wt, pw = rand(r, (n, h), 0, 1), rand(r, (h,), 0.5, 1.5), rand(r, (1, h), 0.5, 2)

    def model(x, w, b, y, wt, pw):
        z = ops.matmul(x, w) + b
        return ops.binary_cross_entropy_with_logits(z, y, wt, pw, reduction)

    check_grads(model, [x, w, b, y, wt, pw], positions=(0, 1, 2, 4, 5))  # label: see test_bce_label


@pytest.mark.parametrize("seed", range(4))
def test_two_layer_model_with_outputs_summed(seed):
    r = np.random.default_rng(200 + seed)
    n, d, h, o = (int(v) for v in r.integers(1, 5, 4))
    arrays = [rand(r, (n, d)), rand(r, (d, h)), rand(r, (h,)), rand(r, (h, o)), rand(r, (n, o), 0, 1)]

    def model(x, w1, b1, w2, y):
        h1 = ops.matmul(x, w1) + b1
        z = ops.matmul(h1, w2)
        return ops.binary_cross_entropy_with_logits(z, y), z  # two outputs: both differentiated

    check_grads(model, arrays, positions=(0, 1, 2, 3))


def test_1d_input_linear_model_like_the_tutorial():
    r = np.random.default_rng(300)
    x, w, b, y = rand(r, (5,)), rand(r, (5, 3)), rand(r, (3,)), rand(r, (3,), 0, 1)

    def function(x, y, w, b):
        z = ops.matmul(x, w) + b
        return ops.binary_cross_entropy_with_logits(z, y, ops.ones_like(z), ops.ones_like(z))

    check_grads(function, [x, y, w, b], positions=(0, 2, 3))


def test_float32_gradients_agree_with_float64():
    r = np.random.default_rng(400)
    x, w, b, y = rand(r, (3, 4)), rand(r, (4, 2)), rand(r, (2,)), rand(r, (3, 2), 0, 1)

    def model(x, w, b, y):
        return ops.binary_cross_entropy_with_logits(ops.matmul(x, w) + b, y, reduction="sum")

    g64 = gg.grad(model, (0, 1, 2, 3))(*tensors(x, w, b, y))
    g32 = gg.grad(model, (0, 1, 2, 3))(*tensors(x, w, b, y, dtype=gg.float32))
    for a, b_ in zip(g32, g64):
        assert a.dtype is gg.float32
        np.testing.assert_allclose(a.asnumpy(), b_.asnumpy(), rtol=1e-4, atol=1e-5)


def test_bce_value_used_as_logits_and_label():
    r = np.random.default_rng(33)
    check_grads(lambda x: ops.binary_cross_entropy_with_logits(x, x, reduction="sum"), [rand(r, (4,), 0.05, 0.95)])
