"""Layers against numpy written from their formulas, MindSpore's defaults, bad arguments."""
import math

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Tensor, nn
from graphgrad.common.initializer import Normal

rng = np.random.default_rng(0)


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def test_dense_default_init_bounds():
    gg.set_seed(3)
    d = nn.Dense(300, 40)
    w, b = d.weight.asnumpy(), d.bias.asnumpy()
    assert w.shape == (40, 300) and b.shape == (40,) and w.dtype == np.float32
    # HeUniform(sqrt 5) on fan_in 300: bound sqrt(6 / ((1 + 5) * 300)) = 1/sqrt(300); the bias the same.
    bound = 1 / math.sqrt(300)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert np.abs(b).max() <= bound and np.abs(b).max() > 0.8 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound


def test_dense_is_seeded():
    gg.set_seed(7)
    a = nn.Dense(5, 3).weight.asnumpy()
    gg.set_seed(7)
    np.testing.assert_array_equal(nn.Dense(5, 3).weight.asnumpy(), a)


@pytest.mark.parametrize("act, ref", [
    ("relu", lambda z: np.maximum(z, 0)),
    ("sigmoid", lambda z: 1 / (1 + np.exp(-z))),
    ("tanh", np.tanh),
    (nn.Softmax(), lambda z: np.exp(z) / np.exp(z).sum(-1, keepdims=True)),
])
def test_dense_forward_with_activation(act, ref):
    w, b, x = f32(3, 4), f32(3), f32(5, 4)
    d = nn.Dense(4, 3, weight_init=Tensor(w), bias_init=Tensor(b), activation=act)
    np.testing.assert_allclose(d(Tensor(x)).asnumpy(), ref(x @ w.T + b), rtol=1e-5, atol=1e-6)


def test_dense_init_forms_and_no_bias():
    d = nn.Dense(4, 2, weight_init="zeros", has_bias=False)
    assert d.bias is None and [p.name for p in d.get_parameters()] == ["weight"]
    assert not d.weight.asnumpy().any()
    d = nn.Dense(4, 2, weight_init=Normal(0.5), bias_init="ones")
    assert (d.bias.asnumpy() == 1).all() and d.weight.asnumpy().std() > 0.1
    x = f32(2, 3, 4)  # leading dims are kept
    assert d(Tensor(x)).shape == (2, 3, 2)


@pytest.mark.parametrize("has_bias", [True, False])
def test_dense_eager_compiled_and_differentiated_agree(has_bias):
    # Eagerly Dense runs one product with the weight read transposed in place (no copy of it);
    # compiled, the passes make the same product: the two give the same bits, and the gradients
    # are x^T-shaped as a Dense's are.
    w, b, x = f32(6, 5), f32(6), f32(4, 5)
    d = nn.Dense(5, 6, weight_init=Tensor(w), bias_init=Tensor(b), has_bias=has_bias, activation="relu")
    eager = d(Tensor(x)).asnumpy()
    np.testing.assert_allclose(eager, np.maximum(x @ w.T + (b if has_bias else 0), 0), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(gg.jit(d)(Tensor(x)).asnumpy(), eager)
    grads = gg.grad(lambda x: gg.ops.sum(d(x)), None, d.trainable_params())(Tensor(x))
    mask = (x @ w.T + (b if has_bias else 0)) > 0
    np.testing.assert_allclose(grads[0].asnumpy(), mask.T.astype(np.float32) @ x, rtol=1e-5, atol=1e-6)
    if has_bias:
        np.testing.assert_allclose(grads[1].asnumpy(), mask.sum(0), rtol=1e-6)


def test_dense_promotes_a_float64_input_as_matmul_does():
    d = nn.Dense(3, 2, weight_init=Tensor(f32(2, 3)), bias_init="zeros")
    x = rng.standard_normal((4, 3))
    y = d(Tensor(x))
    assert y.dtype == gg.float64
    np.testing.assert_allclose(y.asnumpy(), x @ d.weight.asnumpy().astype(np.float64).T, rtol=1e-12)


@pytest.mark.parametrize("make, err, match", [
    (lambda: nn.Dense(4, 2, weight_init="nope"), ValueError, "unknown initializer name"),
    (lambda: nn.Dense(4, 2, weight_init=Tensor(np.zeros((4, 2), np.float32))), ValueError, r"shape \(2, 4\)"),
    (lambda: nn.Dense(4, 2, bias_init=Tensor(np.zeros(3, np.float32))), ValueError, r"shape \(2,\)"),
    (lambda: nn.Dense(0, 2), ValueError, "in_channels"),
    (lambda: nn.Dense(4, 2, activation="swishy"), ValueError, "unknown activation"),
    (lambda: nn.Dense(4, 2, activation=3), TypeError, "activation"),
    (lambda: nn.Dropout(p=1.0), ValueError, "p must be"),
    (lambda: nn.Dropout(keep_prob=0.0), ValueError, "keep_prob"),
])
def test_bad_layer_arguments(make, err, match):
    with pytest.raises(err, match=match):
        make()


def test_dense_wrong_input_width_names_it():
    with pytest.raises(ValueError, match="in_channels=4"):
        nn.Dense(4, 2)(Tensor(f32(3, 5)))


def test_activation_cells():
    x = f32(4, 6)
    np.testing.assert_allclose(nn.ReLU()(Tensor(x)).asnumpy(), np.maximum(x, 0))
    np.testing.assert_allclose(nn.Tanh()(Tensor(x)).asnumpy(), np.tanh(x), rtol=1e-5)
    np.testing.assert_allclose(nn.Sigmoid()(Tensor(x)).asnumpy(), 1 / (1 + np.exp(-x)), rtol=1e-5)
    lsm = x - np.log(np.exp(x).sum(-1, keepdims=True))
    np.testing.assert_allclose(nn.LogSoftmax()(Tensor(x)).asnumpy(), lsm, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(nn.Softmax(0)(Tensor(x)).asnumpy(), np.exp(x) / np.exp(x).sum(0), rtol=1e-5)
    tanh_gelu = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    np.testing.assert_allclose(nn.GELU()(Tensor(x)).asnumpy(), tanh_gelu, rtol=1e-5, atol=1e-6)  # approximate=True
    erf_gelu = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.ravel()]).reshape(x.shape)
    np.testing.assert_allclose(nn.GELU(False)(Tensor(x)).asnumpy(), erf_gelu, rtol=1e-5, atol=1e-6)


def test_flatten():
    assert nn.Flatten()(Tensor(f32(2, 3, 4))).shape == (2, 12)
    assert nn.Flatten(0, 1)(Tensor(f32(2, 3, 4))).shape == (6, 4)


def test_dropout_train_and_eval():
    gg.set_seed(0)
    d = nn.Dropout(p=0.25)
    x = np.ones((200, 100), np.float32)
    assert (d(Tensor(x)).asnumpy() == x).all()  # eval mode (the default): the identity
    d.set_train()
    y = d(Tensor(x)).asnumpy()
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)
    assert (d(Tensor(x)).asnumpy() != y).any()  # a fresh mask each call
    assert nn.Dropout(keep_prob=0.8).p == pytest.approx(0.2)


def test_dropout_is_seeded():
    x = Tensor(np.ones((10, 10), np.float32))
    gg.set_seed(5)
    a = nn.Dropout(p=0.5).set_train()(x).asnumpy()
    gg.set_seed(5)
    np.testing.assert_array_equal(nn.Dropout(p=0.5).set_train()(x).asnumpy(), a)


def test_compiled_dropout_draws_a_fresh_mask_each_call_and_is_off_in_eval():
    d = nn.Dropout(p=0.5)
    f = gg.jit(d)
    x = Tensor(np.ones((50, 40), np.float32))
    assert (f(x).asnumpy() == 1).all()  # eval mode
    d.set_train()
    g = gg.jit(d)
    a, b = g(x).asnumpy(), g(x).asnumpy()
    assert set(np.unique(a)) <= {0.0, 2.0} and abs((a == 0).mean() - 0.5) < 0.05
    assert (a != b).any()


def test_dropout_gradient_is_the_mask_scaled():
    d = nn.Dropout(p=0.3).set_train()
    x = Tensor(np.ones((20, 30), np.float32))
    y, g = gg.value_and_grad(lambda x: d(x).sum())(x)
    np.testing.assert_allclose(y.asnumpy(), g.asnumpy().sum(), rtol=1e-5)  # y = sum(mask / 0.7), dy/dx = mask / 0.7
    g = g.asnumpy()
    np.testing.assert_allclose(g[g != 0], 1 / 0.7, rtol=1e-6)
    assert 0.2 < (g == 0).mean() < 0.4


def test_layer_norm():
    x = f32(3, 4, 5)
    ln = nn.LayerNorm((5,), gamma_init=Tensor(f32(5)), beta_init=Tensor(f32(5)))
    g, b = ln.gamma.asnumpy(), ln.beta.asnumpy()
    m, v = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    np.testing.assert_allclose(ln(Tensor(x)).asnumpy(), (x - m) / np.sqrt(v + 1e-7) * g + b, rtol=1e-4, atol=1e-5)
    ln2 = nn.LayerNorm((4, 5), begin_norm_axis=1, begin_params_axis=1)
    m, v = x.mean((1, 2), keepdims=True), x.var((1, 2), keepdims=True)
    np.testing.assert_allclose(ln2(Tensor(x)).asnumpy(), (x - m) / np.sqrt(v + 1e-7), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("shape", [(8, 3), (8, 3, 5)])
def test_batch_norm_1d_train_then_eval(shape):
    bn = nn.BatchNorm1d(3, momentum=0.9)
    x = f32(*shape) * 2 + 1
    axes = (0,) if len(shape) == 2 else (0, 2)
    bshape = (1, 3) + (1,) * (len(shape) - 2)
    bn.set_train()
    y = bn(Tensor(x)).asnumpy()
    m, v = x.mean(axes), x.var(axes)
    np.testing.assert_allclose(y, (x - m.reshape(bshape)) / np.sqrt(v.reshape(bshape) + 1e-5), rtol=1e-4, atol=1e-4)
    n = x.size // 3
    np.testing.assert_allclose(bn.moving_mean.asnumpy(), 0.1 * m, rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.asnumpy(), 0.9 + 0.1 * v * n / (n - 1), rtol=1e-5)
    bn.set_train(False)
    mm, mv = bn.moving_mean.asnumpy(), bn.moving_variance.asnumpy()
    y = bn(Tensor(x)).asnumpy()
    np.testing.assert_allclose(y, (x - mm.reshape(bshape)) / np.sqrt(mv.reshape(bshape) + 1e-5), rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(bn.moving_mean.asnumpy(), mm)  # eval leaves them alone


def test_batch_norm_gradient_flows_to_gamma_and_beta():
    bn = nn.BatchNorm1d(3).set_train(False)
    x = Tensor(f32(4, 3))
    g = gg.grad(lambda x: bn(x).sum(), None, bn.trainable_params())(x)
    np.testing.assert_allclose(g[1].asnumpy(), np.full(3, 4.0), rtol=1e-6)  # d/d beta
