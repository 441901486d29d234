"""mindspore.amp: the loss scalers, all_finite and auto_mixed_precision's levels, with the numbers
MindSpore 2.7.2 printed for the same calls (its API page's example and more)."""
import numpy as np
import pytest

import graphgrad as ms
from graphgrad import Tensor, nn
from graphgrad.amp import DynamicLossScaler, StaticLossScaler, all_finite, auto_mixed_precision


def test_dynamic_loss_scaler_as_mindspores():
    s = DynamicLossScaler(scale_value=2**10, scale_factor=2, scale_window=1)
    assert s.scale_value.name == "scale_value" and s.scale_value.shape == () and s.counter.dtype == ms.int32
    assert float(s.scale(Tensor(1.5)).asnumpy()) == 1536.0
    np.testing.assert_allclose([t.asnumpy()[0] for t in s.unscale((Tensor([2.0]), Tensor([4.0])))],
                               [1.953125e-03, 3.90625e-03])
    grads = (Tensor(np.array([np.nan, 1.0]), ms.float16), Tensor(np.array([0.2]), ms.float16))
    finite = all_finite(grads)
    assert finite.dtype == ms.bool_ and finite.shape == () and not bool(finite)
    seen = []
    for f in (finite, Tensor(True), Tensor(True)):  # MindSpore: 512, then 1024 and 2048 (window 1)
        assert s.adjust(f) is True
        seen.append(float(s.scale_value.asnumpy()))
    assert seen == [512.0, 1024.0, 2048.0]
    s = DynamicLossScaler(4, 2, 3)
    for _ in range(2):
        s.adjust(Tensor(True))
    assert float(s.scale_value.asnumpy()) == 4 and int(s.counter.asnumpy()) == 2
    s.adjust(Tensor(True))
    assert float(s.scale_value.asnumpy()) == 8 and int(s.counter.asnumpy()) == 0
    for _ in range(5):  # overflows halve it, never below 1
        s.adjust(Tensor(False))
    assert float(s.scale_value.asnumpy()) == 1


def test_static_loss_scaler_and_all_finite():
    st = StaticLossScaler(1024)
    assert float(st.scale(Tensor(2.0)).asnumpy()) == 2048.0 and float(st.unscale(Tensor(2048.0)).asnumpy()) == 2.0
    assert st.adjust(Tensor(False)) is False and float(st.scale_value.asnumpy()) == 1024
    assert bool(all_finite([Tensor([1.0]), Tensor([2.0])])) and not bool(all_finite((Tensor([1.0, np.inf]),)))
    with pytest.raises(TypeError, match="all_finite: inputs must be a tuple or list of Tensors"):
        all_finite(Tensor([1.0]))
    with pytest.raises(ValueError, match="'scale_value' must be > 0"):
        StaticLossScaler(0)
    with pytest.raises(ValueError, match="'scale_window' must be an int >= 1"):
        DynamicLossScaler(8, 2, 0)


def test_a_jitted_step_with_loss_scaling():
    # the mixed-precision tutorial's step without its Python `if` (which tracing cannot follow):
    # the update is skipped by scaling the gradients to zero when they overflowed
    net = nn.Dense(2, 1)
    net.weight.set_data(Tensor(np.array([[0.5, -0.5]], np.float32)))
    net.bias.set_data(Tensor(np.array([0.0], np.float32)))
    opt = nn.SGD(net.trainable_params(), 0.1)
    scaler = DynamicLossScaler(2.0**10, 2, 2)
    grad_fn = ms.value_and_grad(lambda x, y: scaler.scale(((net(x) - y) ** 2).mean()), None, opt.parameters)

    @ms.jit
    def step(x, y):
        loss, grads = grad_fn(x, y)
        finite = all_finite(grads)
        keep = ms.ops.cast(finite, ms.float32)
        opt(tuple(g * keep for g in scaler.unscale(grads)))
        scaler.adjust(finite)
        return scaler.unscale(loss)
    x, y = Tensor(np.array([[1.0, 2.0]], np.float32)), Tensor(np.array([[1.0]], np.float32))
    losses = [float(step(x, y).asnumpy()) for _ in range(3)]
    assert losses[0] == pytest.approx(2.25) and losses[2] < losses[1] < losses[0]
    assert float(scaler.scale_value.asnumpy()) == 2048.0  # two finite steps: grown once


def test_auto_mixed_precision_levels():
    net = nn.Dense(4, 3)
    assert auto_mixed_precision(net, "O0") is net and auto_mixed_precision(net, "auto") is net
    with pytest.raises(NotImplementedError, match="'O2' runs cells in Float16, which graphgrad computes in float32"):
        auto_mixed_precision(net, "O2")
    with pytest.raises(ValueError, match="amp_level must be"):
        auto_mixed_precision(net, "O5")
    assert ms.amp.auto_mixed_precision is auto_mixed_precision
