"""ops.GradOperation and ParameterTuple, MindSpore's older gradient API: every flag combination
gives the numbers MindSpore 2.7.2 gave for the same network and inputs (PyNative and GRAPH_MODE
alike there), eagerly, in GRAPH_MODE and inside a Cell's construct."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Parameter, ParameterTuple, Tensor, nn, ops


class Net(nn.Cell):
    def __init__(self):
        super().__init__()
        self.w = Parameter(Tensor(np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)), name="w")
        self.b = Parameter(Tensor(np.array([0.5, -0.5], np.float32)), name="b")

    def construct(self, x, y):
        return ops.matmul(x, self.w) * y + self.b


class Two(nn.Cell):
    def construct(self, x, y):
        return x * y, x + y


class GradNet(nn.Cell):  # the pattern of a hand-written train step: weights and sens from outside
    def __init__(self, net):
        super().__init__()
        self.net = net
        self.weights = ParameterTuple(net.trainable_params())
        self.grad = ops.GradOperation(get_by_list=True, sens_param=True)

    def construct(self, x, y, sens):
        return self.grad(self.net, self.weights)(x, y, sens)


X = Tensor(np.array([[1.0, 2.0], [3.0, -1.0]], np.float32))
Y = Tensor(np.array([[2.0, 1.0], [0.5, 3.0]], np.float32))
SENS = Tensor(np.array([[1.0, 0.0], [2.0, 1.0]], np.float32))
# MindSpore 2.7.2's results (tests/../scratch: the same cells under `import mindspore`)
DX, DY = [[4.0, 10.0], [6.5, 13.5]], [[7.0, 10.0], [0.0, 2.0]]
DW, DB = [[3.5, 10.0], [3.5, -1.0]], [2.0, 2.0]


def as_lists(r):
    return tuple(as_lists(e) for e in r) if isinstance(r, tuple) else r.tolist()


@pytest.fixture(params=["pynative", "graph"])
def mode(request):
    gg.set_context(mode=gg.GRAPH_MODE if request.param == "graph" else gg.PYNATIVE_MODE)
    yield request.param
    gg.set_context(mode=gg.PYNATIVE_MODE)


def test_each_flag_combination(mode):
    net = Net()
    w = ParameterTuple(net.trainable_params())
    assert as_lists(ops.GradOperation()(net)(X, Y)) == DX
    assert as_lists(ops.GradOperation(get_all=True)(net)(X, Y)) == (DX, DY)
    assert as_lists(ops.GradOperation(get_by_list=True)(net, w)(X, Y)) == (DW, DB)
    assert as_lists(ops.GradOperation(get_all=True, get_by_list=True)(net, w)(X, Y)) == ((DX, DY), (DW, DB))
    assert as_lists(ops.GradOperation(sens_param=True)(net)(X, Y, SENS)) == [[2.0, 6.0], [7.0, 15.0]]
    # a tuple output: ones for each by default, else a tuple of sensitivities
    assert as_lists(ops.GradOperation(get_all=True)(Two())(X, Y)) == ([[3.0, 2.0], [1.5, 4.0]], [[2.0, 3.0], [4.0, 0.0]])
    assert as_lists(ops.GradOperation(get_all=True, sens_param=True)(Two())(X, Y, (SENS, SENS * 2))) == \
        ([[4.0, 0.0], [5.0, 5.0]], [[3.0, 0.0], [10.0, 1.0]])
    # inside a Cell's construct (compiled as a whole in GRAPH_MODE)
    assert as_lists(GradNet(net)(X, Y, SENS)) == ([[5.0, 9.0], [3.0, -3.0]], [3.0, 1.0])


def test_inside_jit_and_compiled_once():
    net = Net()
    grad_op = ops.GradOperation(get_by_list=True)
    for _ in range(3):  # a new gradient function each time, as in a construct: one compilation
        assert as_lists(grad_op(net, net.trainable_params())(X, Y)) == (DW, DB)
    (compiled,) = grad_op._grads.values()
    assert compiled.trace_count == 1
    step = gg.jit(lambda x, y: grad_op(net, net.trainable_params())(x, y))
    assert as_lists(step(X, Y)) == (DW, DB)
    # a new Parameter value is seen by the next call, as everywhere
    net.w.set_data(Tensor(np.zeros((2, 2), np.float32)))
    assert as_lists(grad_op(net, net.trainable_params())(X, Y))[1] == DB
    assert as_lists(ops.GradOperation()(net)(X, Y)) == [[0.0, 0.0], [0.0, 0.0]]


def test_bad_arguments():
    net = Net()
    with pytest.raises(TypeError, match="get_all must be a bool, got int"):
        ops.GradOperation(get_all=1)
    with pytest.raises(TypeError, match="needs the weights"):
        ops.GradOperation(get_by_list=True)(net)
    with pytest.raises(TypeError, match="weights are given only with get_by_list=True"):
        ops.GradOperation()(net, net.trainable_params())
    with pytest.raises(TypeError, match="weights\\[1\\] must be a Parameter, got Tensor"):
        ops.GradOperation(get_by_list=True)(net, [net.w, Tensor(1.0)])
    with pytest.raises(TypeError, match="fn must be a function or a Cell"):
        ops.GradOperation()(3)
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'y'"):
        ops.GradOperation(sens_param=True)(net)(X, Y)  # Y is taken as the sensitivity, as in MindSpore
    with pytest.raises(ValueError, match="v must match fn's outputs: 2 output"):
        ops.GradOperation(sens_param=True)(Two())(X, Y, SENS)


def test_parameter_tuple():
    net = Net()
    t = ParameterTuple(net.trainable_params())
    assert isinstance(t, tuple) and [p.name for p in t] == ["w", "b"]
    zeros = t.clone("moments", "zeros")
    assert [p.name for p in zeros] == ["moments.w", "moments.b"] and isinstance(zeros, ParameterTuple)
    assert all(not p.asnumpy().any() for p in zeros)
    same = t.clone("copy")
    np.testing.assert_array_equal(same[0].asnumpy(), net.w.asnumpy())
    assert same[0] is not net.w
    with pytest.raises(TypeError, match="element 1 must be a Parameter, got int"):
        ParameterTuple([net.w, 1])
    with pytest.raises(TypeError, match="expected a list or tuple of Parameters, got Parameter"):
        ParameterTuple(net.w)
    with pytest.raises(ValueError, match="prefix must be a non-empty str"):
        t.clone("")
    # an optimizer takes one
    opt = nn.SGD(t, 0.5)
    opt(ops.GradOperation(get_by_list=True)(net, t)(X, Y))
    np.testing.assert_allclose(net.b.asnumpy(), np.array([0.5, -0.5]) - 0.5 * np.array(DB))
