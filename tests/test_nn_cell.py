"""The Cell API of issue 10: names, walks, train mode, SequentialCell, CellList."""
from collections import OrderedDict

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Parameter, Tensor, nn


def names(params):
    return [p.name for p in params]


class Net(nn.Cell):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.seq = nn.SequentialCell(nn.Dense(4, 3), nn.ReLU(), nn.Dense(3, 2))
        self.norm = nn.BatchNorm1d(2)

    def construct(self, x):
        return self.norm(self.seq(self.flatten(x)))


def test_mindspore_parameter_names():
    net = Net()
    assert names(net.get_parameters()) == ["seq.0.weight", "seq.0.bias", "seq.2.weight", "seq.2.bias",
                                           "norm.moving_mean", "norm.moving_variance", "norm.gamma", "norm.beta"]
    # nested, a Parameter is named by its attribute path (a BatchNorm1d alone names these mean, variance)
    assert [n for n, _ in net.parameters_and_names()][4:6] == ["norm.moving_mean", "norm.moving_variance"]
    assert list(net.parameters_dict()) == names(net.get_parameters())
    assert names(net.trainable_params()) == ["seq.0.weight", "seq.0.bias", "seq.2.weight", "seq.2.bias",
                                             "norm.gamma", "norm.beta"]
    assert names(net.untrainable_params()) == ["norm.moving_mean", "norm.moving_variance"]


def test_cells_and_names():
    net = Net()
    got = [(n, type(c).__name__) for n, c in net.cells_and_names()]
    assert got == [("", "Net"), ("flatten", "Flatten"), ("seq", "SequentialCell"), ("seq.0", "Dense"),
                   ("seq.1", "ReLU"), ("seq.2", "Dense"), ("norm", "BatchNorm1d")]


def test_nested_sequential_cells_get_full_paths():
    seq = nn.SequentialCell(nn.SequentialCell(nn.Dense(2, 2)), nn.Dense(2, 1))
    assert names(seq.get_parameters()) == ["0.0.weight", "0.0.bias", "1.weight", "1.bias"]


def test_ordered_dict_names_and_append():
    seq = nn.SequentialCell(OrderedDict([("fc", nn.Dense(2, 3)), ("act", nn.ReLU())]))

    class Holder(nn.Cell):
        def __init__(self):
            super().__init__()
            self.body = seq

    h = Holder()
    seq.append(nn.Dense(3, 1))  # appended after adoption: still named by its full path
    assert names(h.get_parameters()) == ["body.fc.weight", "body.fc.bias", "body.2.weight", "body.2.bias"]
    assert len(seq) == 3 and isinstance(seq[0], nn.Dense) and isinstance(seq[-1], nn.Dense)
    assert len(seq[:2]) == 2
    with pytest.raises(IndexError, match="out of range"):
        seq[3]


def test_sequential_runs_in_order():
    d1, d2 = nn.Dense(3, 4), nn.Dense(4, 2)
    seq = nn.SequentialCell([d1, nn.ReLU(), d2])
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    w1, b1, w2, b2 = (p.asnumpy() for p in seq.get_parameters())
    want = np.maximum(x @ w1.T + b1, 0) @ w2.T + b2
    np.testing.assert_allclose(seq(Tensor(x)).asnumpy(), want, rtol=1e-5, atol=1e-6)


def test_cell_list():
    cl = nn.CellList([nn.Dense(2, 2), nn.Dense(2, 2)])
    cl.append(nn.ReLU())
    assert len(cl) == 3 and names(cl.get_parameters()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert [type(c).__name__ for c in cl] == ["Dense", "Dense", "ReLU"]


def test_set_train_reaches_every_cell():
    net = Net()
    assert not net.training and not net.seq[0].training  # MindSpore's default
    net.set_train()
    assert all(c.training for _, c in net.cells_and_names())
    net.set_train(False)
    assert not any(c.training for _, c in net.cells_and_names())


def test_two_parameters_with_one_name_is_an_error():
    class Clash(nn.Cell):
        def __init__(self):
            super().__init__()
            self.a = Parameter(Tensor([1.0]), name="w")
            self.b = Parameter(Tensor([2.0]), name="w")

    with pytest.raises(ValueError, match="both named 'w'"):
        list(Clash().get_parameters())


def test_replacing_a_parameter_recompiles():
    d = nn.Dense(2, 1, weight_init="ones", bias_init="zeros")
    f = gg.jit(d)
    x = Tensor(np.ones((1, 2), np.float32))
    assert f(x).asnumpy().item() == 2.0
    d.weight = Parameter(Tensor(np.full((1, 2), 3.0, np.float32)), name="weight")
    assert f(x).asnumpy().item() == 6.0


def test_wrappers_keep_the_network_names():
    net = nn.Dense(2, 1)
    loss_net = nn.WithLossCell(net, nn.MSELoss())
    assert names(loss_net.get_parameters()) == ["weight", "bias"]
    assert loss_net.backbone_network is net


def test_an_optimizer_inside_a_cell_keeps_every_name():
    class Trainer(nn.Cell):  # a hand-written train cell (auto_prefix on): the names must not change
        def __init__(self, net):
            super().__init__()
            self.net = net
            self.opt = nn.Adam(net.trainable_params())

    class Outer(nn.Cell):
        def __init__(self):
            super().__init__()
            self.trainer = Trainer(nn.Dense(2, 2))

    o = Outer()
    assert [p.name for p in o.trainer.net.get_parameters()] == ["trainer.net.weight", "trainer.net.bias"]
    # The state is named after the parameters as they were named when the optimizer was made (as in
    # MindSpore), and never takes the optimizer's own path.
    state = [p.name for p in o.trainer.opt.get_parameters()]
    assert "moment1.net.weight" in state and "global_step" in state
    assert len({p.name for p in o.get_parameters()}) == len(list(o.get_parameters()))


def test_schedules_are_reexported_under_nn():
    assert nn.cosine_decay_lr(0.01, 0.1, 4, 2, 2) == gg.nn_lr.cosine_decay_lr(0.01, 0.1, 4, 2, 2)
    assert nn.SGD(nn.Dense(2, 2).trainable_params(), nn.exponential_decay_lr(0.1, 0.9, 4, 2, 1)).learning_rate.shape == (4,)


def test_a_network_prints_as_mindspore_2_7_prints_it():
    class Network(nn.Cell):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.dense_relu_sequential = nn.SequentialCell(nn.Dense(28 * 28, 512), nn.ReLU(), nn.Dense(512, 512),
                                                           nn.ReLU(), nn.Dense(512, 10))

        def construct(self, x):
            return self.dense_relu_sequential(self.flatten(x))
    # The Quick Start's print(model), as mindspore==2.7.2 prints it.
    assert repr(Network()) == """Network(
  (flatten): Flatten()
  (dense_relu_sequential): SequentialCell(
    (0): Dense(input_channels=784, output_channels=512, has_bias=True)
    (1): ReLU()
    (2): Dense(input_channels=512, output_channels=512, has_bias=True)
    (3): ReLU()
    (4): Dense(input_channels=512, output_channels=10, has_bias=True)
  )
)"""
    # A Cell with both its own settings and children; no bias; no children at all.
    assert str(nn.SequentialCell(nn.Dense(2, 2, activation="relu"), nn.Dense(2, 3, has_bias=False))) == """SequentialCell(
  (0): Dense(
    input_channels=2, output_channels=2, has_bias=True, activation=ReLU()
    (activation): ReLU()
  )
  (1): Dense(input_channels=2, output_channels=3)
)"""
    assert repr(nn.SequentialCell()) == "SequentialCell()" and repr(nn.Dropout(p=0.2)) == "Dropout(p=0.2)"
    assert repr(nn.Dropout(keep_prob=0.8)) == "Dropout(keep_prob=0.8)"  # as given, not 1 - 0.2


def test_nested_parameters_are_named_by_attribute_path_as_mindspore_names_them():
    # mindspore==2.7.2's names for each of these.
    class A(nn.Cell):
        def __init__(self):
            super().__init__()
            self.attr = Parameter(Tensor(np.ones(1, np.float32)), name="pname")
            self.bn = nn.BatchNorm1d(2)

    class B(nn.Cell):
        def __init__(self):
            super().__init__()
            self.a = A()

    class C(nn.Cell):
        def __init__(self):
            super().__init__()
            self.b = B()
            self.w = Parameter(Tensor(np.ones(1, np.float32)), name="given")
    assert names(A().get_parameters()) == ["pname", "bn.moving_mean", "bn.moving_variance", "bn.gamma", "bn.beta"]
    assert names(C().get_parameters()) == ["given", "b.a.attr", "b.a.bn.moving_mean", "b.a.bn.moving_variance",
                                          "b.a.bn.gamma", "b.a.bn.beta"]
    assert names(nn.BatchNorm1d(2).get_parameters()) == ["mean", "variance", "gamma", "beta"]  # alone

    class Wrapped(nn.Cell):  # under an auto_prefix=False cell the path still counts
        def __init__(self):
            super().__init__()
            self.w = nn.WithLossCell(nn.Dense(2, 2), nn.MSELoss())
    assert names(Wrapped().get_parameters()) == ["w._backbone.weight", "w._backbone.bias"]
    shared = nn.Dense(2, 2)  # the last Cell it is assigned into names it
    for attr in ("x", "y"):
        holder = nn.Cell()
        setattr(holder, attr, shared)
        assert names(shared.get_parameters()) == [f"{attr}.weight", f"{attr}.bias"]


def test_a_replaced_attribute_keeps_its_place():
    net = nn.Dense(2, 3)
    net.weight = Parameter(Tensor(np.zeros((3, 2), np.float32)), name="weight")
    assert names(net.get_parameters()) == ["weight", "bias"]  # MindSpore's order; it was moved last


def test_cell_lists_are_edited_like_lists_and_renamed_as_mindspore_does():
    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.head = nn.CellList([nn.Dense(2, 2), nn.Dense(2, 3)])
            self.seq = nn.SequentialCell(nn.Dense(2, 2), nn.ReLU(), nn.Dense(2, 4))
            self.named = nn.SequentialCell(OrderedDict([("a", nn.Dense(2, 3)), ("b", nn.Dense(3, 4))]))

        def construct(self, x):
            return self.seq(x)
    net = Net()
    f = gg.jit(net)
    assert f(Tensor(np.ones((1, 2), np.float32))).shape == (1, 4)
    net.head.insert(1, nn.Dense(2, 5))
    net.head.insert(-1, nn.Dense(2, 6))
    assert [c.weight.shape for c in net.head] == [(2, 2), (5, 2), (6, 2), (3, 2)]
    assert names(net.head.get_parameters())[::2] == ["head.0.weight", "head.1.weight", "head.2.weight", "head.3.weight"]
    del net.head[0:2]
    assert [c.weight.shape for c in net.head] == [(6, 2), (3, 2)]
    assert names(net.head.get_parameters())[::2] == ["head.0.weight", "head.1.weight"]
    del net.seq[-1]
    net.seq[0] = nn.Dense(2, 7)
    assert names(net.seq.get_parameters()) == ["seq.0.weight", "seq.0.bias"] and len(net.seq) == 2
    assert f(Tensor(np.ones((1, 2), np.float32))).shape == (1, 7)  # the compiled call saw the edit
    del net.named[0]
    assert names(net.named.get_parameters()) == ["named.b.weight", "named.b.bias"]  # named children keep names
    for bad, error in [(lambda: net.head.insert(3, nn.ReLU()), IndexError), (lambda: net.head.insert(0, 5), TypeError),
                       (lambda: net.seq.__setitem__(0, 5), TypeError), (lambda: net.seq.__delitem__("a"), TypeError),
                       (lambda: net.seq.__setitem__(slice(0, 1), [nn.ReLU()]), TypeError)]:
        with pytest.raises(error):
            bad()
    assert [c.weight.shape for c in net.head] == [(6, 2), (3, 2)] and len(net.seq) == 2  # nothing changed


def test_parameter_clone_and_value():
    p = Parameter(Tensor(np.array([1.0, 2.0], np.float32)), name="w", requires_grad=False)
    c = p.clone()
    assert (c.name, c.requires_grad, c is p) == ("w", False, False)
    np.testing.assert_array_equal(c.asnumpy(), [1.0, 2.0])
    np.testing.assert_array_equal(p.clone(init="zeros").asnumpy(), [0.0, 0.0])
    v = p.value()
    assert type(v) is Tensor
    p.set_data(Tensor(np.array([5.0, 6.0], np.float32)))
    np.testing.assert_array_equal(v.asnumpy(), [1.0, 2.0])  # a value, not a view of what comes next
    np.testing.assert_array_equal(c.asnumpy(), [1.0, 2.0])


def test_with_eval_cell_returns_loss_outputs_and_label():
    net = nn.Dense(2, 3, weight_init="ones", bias_init="zeros")
    evaluate = nn.WithEvalCell(net, nn.MSELoss())
    assert names(evaluate.get_parameters()) == ["weight", "bias"]  # auto_prefix=False, as MindSpore's
    x, y = Tensor(np.ones((2, 2), np.float32)), Tensor(np.zeros((2, 3), np.float32))
    for run in (evaluate, gg.jit(evaluate)):
        loss, out, label = run(x, y)
        assert float(loss.asnumpy()) == 4.0 and out.shape == (2, 3)  # MindSpore's numbers
        np.testing.assert_array_equal(label.asnumpy(), y.asnumpy())
    with pytest.raises(TypeError, match="loss_fn must be a Cell"):
        nn.WithEvalCell(net, 3)
