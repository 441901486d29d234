"""nn.Cell registration, naming and ordering; BCEWithLogitsLoss; gradients through Cells."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Parameter, Tensor, nn, ops
from helpers import np_bce, sigmoid


class Linear(nn.Cell):
    def __init__(self, n_in, n_out, seed=0):
        super().__init__()
        r = np.random.default_rng(seed)
        self.w = Parameter(Tensor(r.standard_normal((n_in, n_out))))
        self.b = Parameter(Tensor(r.standard_normal(n_out)))

    def construct(self, x):
        return ops.matmul(x, self.w) + self.b


class Block(nn.Cell):
    def __init__(self):
        super().__init__()
        self.inner = Linear(3, 3, seed=1)
        self.gain = Parameter(Tensor(np.ones(3)))

    def construct(self, x):
        return self.inner(x) + self.gain


class Model(nn.Cell):
    def __init__(self):
        super().__init__()
        self.layer1 = Linear(4, 3, seed=2)
        self.block = Block()
        self.frozen = Parameter(Tensor(np.zeros(3)), requires_grad=False)
        self.scale = Parameter(Tensor(np.ones(3)))  # assigned after the children, still listed first
        self.not_a_param = Tensor(np.ones(3))

    def construct(self, x):
        return self.block(self.layer1(x)) + self.scale + self.frozen


def names(params):
    return [p.name for p in params]


def test_call_runs_construct():
    lin = Linear(4, 3)
    x = np.random.default_rng(5).standard_normal((2, 4))
    np.testing.assert_allclose(lin(Tensor(x)).asnumpy(), x @ lin.w.asnumpy() + lin.b.asnumpy(), rtol=1e-12)


def test_parameters_take_their_attribute_name():
    lin = Linear(2, 2)
    assert names(lin.get_parameters()) == ["w", "b"]


def test_explicit_parameter_name_is_kept():
    class C(nn.Cell):
        def __init__(self):
            super().__init__()
            self.weight = Parameter(Tensor([1.0]), name="w")

    assert names(C().trainable_params()) == ["w"]


def test_child_parameters_are_renamed_to_their_path():
    m = Model()
    assert names(m.get_parameters()) == ["frozen", "scale", "layer1.w", "layer1.b", "block.gain",
                                         "block.inner.w", "block.inner.b"]


def test_trainable_params_order_and_requires_grad():
    m = Model()
    params = m.trainable_params()
    assert isinstance(params, list)
    assert names(params) == ["scale", "layer1.w", "layer1.b", "block.gain", "block.inner.w", "block.inner.b"]
    assert params[1] is m.layer1.w and params[4] is m.block.inner.w
    assert all(isinstance(p, Parameter) for p in params)


def test_get_parameters_includes_frozen_but_not_plain_tensors():
    m = Model()
    params = list(m.get_parameters())
    assert any(p is m.frozen for p in params)
    assert not any(p is m.not_a_param for p in params)
    assert len(params) == 7


def test_shared_parameter_listed_once():
    class Tied(nn.Cell):
        def __init__(self):
            super().__init__()
            self.a = Parameter(Tensor([1.0]))
            self.b = self.a

    assert len(Tied().trainable_params()) == 1


def test_reassigning_an_attribute_unregisters_it():
    lin = Linear(2, 2)
    lin.b = Tensor(np.zeros(2))
    assert names(lin.trainable_params()) == ["w"]
    del lin.w
    assert lin.trainable_params() == []


def test_cell_without_construct_says_so():
    class Empty(nn.Cell):
        pass

    with pytest.raises(NotImplementedError) as e:
        Empty()(Tensor([1.0]))
    assert "construct" in str(e.value)


def test_assigning_before_super_init_says_so():
    class Forgetful(nn.Cell):
        def __init__(self):
            self.w = Parameter(Tensor([1.0]))

    with pytest.raises(RuntimeError) as e:
        Forgetful()
    assert "super().__init__()" in str(e.value)


def test_grad_through_nested_cells_matches_closed_form():
    m = Model()
    r = np.random.default_rng(6)
    x, y = r.standard_normal((5, 4)), r.uniform(0, 1, (5, 3))
    loss_fn = nn.BCEWithLogitsLoss()

    def forward(x, y):
        return loss_fn(m(x), y)

    params = m.trainable_params()
    loss, grads = gg.value_and_grad(forward, None, params)(Tensor(x), Tensor(y))
    assert len(grads) == len(params)
    for p, g in zip(params, grads):
        assert g.shape == p.shape

    w1, b1 = m.layer1.w.asnumpy(), m.layer1.b.asnumpy()
    wi, bi, gain, scale = (m.block.inner.w.asnumpy(), m.block.inner.b.asnumpy(), m.block.gain.asnumpy(),
                           m.scale.asnumpy())
    h = x @ w1 + b1
    z = h @ wi + bi + gain + scale
    np.testing.assert_allclose(loss.asnumpy(), np_bce(z, y), rtol=1e-12)
    dz = (sigmoid(z) - y) / z.size
    dh = dz @ wi.T
    expected = [dz.sum(0), x.T @ dh, dh.sum(0), dz.sum(0), h.T @ dz, dz.sum(0)]
    for name, g, e in zip(names(params), grads, expected):
        np.testing.assert_allclose(g.asnumpy(), e, rtol=1e-9, atol=1e-12, err_msg=name)


def test_frozen_parameter_still_reads_its_current_value():
    m = Model()
    x = Tensor(np.zeros((1, 4)))
    f = gg.jit(m)
    before = f(x).asnumpy()
    m.frozen.set_data(Tensor(np.full(3, 10.0)))
    np.testing.assert_allclose(f(x).asnumpy(), before + 10.0, rtol=1e-12)


# -- BCEWithLogitsLoss --

@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("with_w, with_pw", [(False, False), (True, False), (False, True), (True, True)])
def test_bce_with_logits_loss(reduction, with_w, with_pw):
    r = np.random.default_rng(7)
    x, y = r.standard_normal((4, 3)) * 2, r.uniform(0, 1, (4, 3))
    w = r.uniform(0.5, 2, (3,)) if with_w else None
    pw = r.uniform(0.5, 2, (4, 1)) if with_pw else None
    loss_fn = nn.BCEWithLogitsLoss(reduction, None if w is None else Tensor(w), None if pw is None else Tensor(pw))
    out = loss_fn(Tensor(x), Tensor(y))
    np.testing.assert_allclose(out.asnumpy(), np_bce(x, y, w, pw, reduction), rtol=1e-12)


def test_bce_with_logits_loss_defaults_to_mean():
    x, y = np.array([0.5, -1.0]), np.array([1.0, 0.0])
    np.testing.assert_allclose(nn.BCEWithLogitsLoss()(Tensor(x), Tensor(y)).asnumpy(), np_bce(x, y), rtol=1e-12)


def test_bce_with_logits_loss_keyword_arguments():
    x, y, pw = np.array([0.5, -1.0]), np.array([1.0, 0.0]), np.array([3.0, 3.0])
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=Tensor(pw), reduction="sum")
    np.testing.assert_allclose(loss_fn(Tensor(x), Tensor(y)).asnumpy(), np_bce(x, y, None, pw, "sum"), rtol=1e-12)


def test_bce_with_logits_loss_bad_reduction():
    with pytest.raises(ValueError) as e:
        nn.BCEWithLogitsLoss("avg")
    assert "'avg'" in str(e.value)


def test_bce_with_logits_loss_weight_must_be_a_tensor():
    with pytest.raises(TypeError) as e:
        nn.BCEWithLogitsLoss(weight=[1.0, 2.0])
    assert "weight" in str(e.value)


def test_bce_with_logits_loss_has_no_trainable_params():
    assert nn.BCEWithLogitsLoss(weight=Tensor([1.0])).trainable_params() == []


def test_reassigning_the_same_child_does_not_repeat_the_prefix():
    class Holder(nn.Cell):
        def __init__(self):
            super().__init__()
            self.layer1 = Linear(2, 2)
            self.layer1 = self.layer1

    assert names(Holder().trainable_params()) == ["layer1.w", "layer1.b"]
