"""Tracing: Parameters as graph inputs, the per-signature cache, Python control flow, errors at the
user's line, and jit."""
import inspect
import os
import re

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Parameter, Tensor, nn, ops
from helpers import np_bce, sigmoid

THIS_FILE = os.path.basename(__file__)


def nospace(s):
    return re.sub(r"\s", "", s)


def rng(seed=0):
    return np.random.default_rng(seed)


# -- Parameters are graph inputs --

def test_set_data_is_seen_by_the_next_grad_call():
    r = rng(1)
    w = Parameter(Tensor(r.standard_normal((3, 2))), name="w")
    x = r.standard_normal((4, 3))
    y = r.uniform(0, 1, (4, 2))

    def loss(x, y):
        return ops.binary_cross_entropy_with_logits(ops.matmul(x, w), y)

    fn = gg.value_and_grad(loss, None, w)
    for trial in range(3):
        wv = r.standard_normal((3, 2))
        w.set_data(Tensor(wv))
        value, g = fn(Tensor(x), Tensor(y))
        z = x @ wv
        np.testing.assert_allclose(value.asnumpy(), np_bce(z, y), rtol=1e-12)
        np.testing.assert_allclose(g.asnumpy(), x.T @ ((sigmoid(z) - y) / z.size), rtol=1e-10, atol=1e-12)
    assert fn.trace_count == 1


def test_set_data_is_seen_through_a_cell_under_jit():
    class Affine(nn.Cell):
        def __init__(self):
            super().__init__()
            self.w = Parameter(Tensor(np.ones((2, 3))), name="w")
            self.b = Parameter(Tensor(np.zeros(3)), name="b")

        def construct(self, x):
            return ops.matmul(x, self.w) + self.b

    net = Affine()
    f = gg.jit(net)
    x = rng(2).standard_normal((5, 2))
    np.testing.assert_allclose(f(Tensor(x)).asnumpy(), x @ np.ones((2, 3)), rtol=1e-12)
    new_w, new_b = rng(3).standard_normal((2, 3)), rng(4).standard_normal(3)
    net.w.set_data(Tensor(new_w))
    net.b.set_data(Tensor(new_b))
    np.testing.assert_allclose(f(Tensor(x)).asnumpy(), x @ new_w + new_b, rtol=1e-12)
    assert f.trace_count == 1


def test_parameter_not_listed_in_weights_is_still_read_fresh():
    # a Parameter read while tracing grad w.r.t. an argument is a graph input, not a constant
    w = Parameter(Tensor(np.ones(3)), name="w")
    y = Tensor(np.array([0.0, 1.0, 0.5]))
    f = gg.grad(lambda x: ops.binary_cross_entropy_with_logits(x, y, w, reduction="sum"))
    xv = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(f(Tensor(xv)).asnumpy(), sigmoid(xv) - y.asnumpy(), rtol=1e-12)
    w.set_data(Tensor(np.array([1.0, 2.0, 3.0])))
    np.testing.assert_allclose(f(Tensor(xv)).asnumpy(), [1.0, 2.0, 3.0] * (sigmoid(xv) - y.asnumpy()), rtol=1e-12)
    assert f.trace_count == 1


# -- per-signature cache --

def test_same_signature_does_not_trace_again_and_uses_new_values():
    calls = []

    def f(a, b):
        calls.append(1)
        return ops.add(a, b)

    gfn = gg.grad(f, (0, 1))
    r = rng(5)
    for _ in range(3):
        a, b = r.standard_normal((2, 3)), r.standard_normal(3)
        ga, gb = gfn(Tensor(a), Tensor(b))
        np.testing.assert_array_equal(ga.asnumpy(), np.ones((2, 3)))
        np.testing.assert_array_equal(gb.asnumpy(), np.full(3, 2.0))
    assert gfn.trace_count == 1
    assert len(calls) == 1  # Python code ran once, while tracing


def test_new_shape_or_dtype_compiles_a_new_graph():
    vg = gg.value_and_grad(lambda a, b: ops.add(a, b), 1)
    r = rng(6)

    def check(sa, sb, dtype=gg.float64):
        a, b = r.standard_normal(sa), r.standard_normal(sb)
        v, g = vg(Tensor(a, dtype), Tensor(b, dtype))
        assert v.dtype is dtype and g.dtype is dtype
        np.testing.assert_allclose(v.asnumpy(), a + b, rtol=1e-6)
        np.testing.assert_allclose(g.asnumpy(), np.ones(sb) * (np.prod(sa) / np.prod(sb) if len(sa) > len(sb) else 1))

    check((2, 3), (3,))
    assert vg.trace_count == 1
    check((4, 3), (3,))
    assert vg.trace_count == 2
    check((2, 3), (3,))
    assert vg.trace_count == 2
    check((2, 3), (3,), gg.float32)
    assert vg.trace_count == 3


def test_non_tensor_arguments_are_part_of_the_signature():
    f = gg.jit(lambda x, k: ops.add(x, k))
    x = Tensor(np.zeros(2))
    np.testing.assert_array_equal(f(x, 1.0).asnumpy(), [1.0, 1.0])
    np.testing.assert_array_equal(f(x, 2.0).asnumpy(), [2.0, 2.0])
    assert f.trace_count == 2
    np.testing.assert_array_equal(f(x, 1.0).asnumpy(), [1.0, 1.0])
    assert f.trace_count == 2


def test_python_branch_on_shape_is_fine():
    def f(x):
        if x.shape[0] > 2:  # static: known while tracing
            return ops.add(x, 1.0)
        return ops.add(x, -1.0)

    j = gg.jit(f)
    np.testing.assert_array_equal(j(Tensor(np.zeros(3))).asnumpy(), np.ones(3))
    np.testing.assert_array_equal(j(Tensor(np.zeros(2))).asnumpy(), -np.ones(2))


# -- concrete values of traced tensors --

def branching(x):
    if x:
        return x
    return ops.add(x, 1.0)


def reading(x):
    v = x.asnumpy()
    return ops.add(x, float(v.sum()))


def converting(x):
    return ops.add(x, float(np.asarray(x).sum()))


@pytest.mark.parametrize("fn, what", [(branching, "bool"), (reading, "asnumpy"), (converting, "")])
@pytest.mark.parametrize("transform", ["grad", "jit"])
def test_needing_a_traced_value_is_a_tracing_error(fn, what, transform):
    f = gg.grad(fn) if transform == "grad" else gg.jit(fn)
    with pytest.raises(gg.TracingError) as e:
        f(Tensor(np.ones(1)))
    assert isinstance(e.value, TypeError)
    msg = str(e.value)
    assert what in msg and "trac" in msg


def test_tracing_error_is_a_type_error():
    assert issubclass(gg.TracingError, TypeError)


def test_leaked_traced_tensor_is_a_tracing_error():
    leaked = []

    def f(x):
        y = ops.add(x, 1.0)
        leaked.append(y)
        return y

    gg.jit(f)(Tensor(np.ones(2)))
    with pytest.raises(gg.TracingError):
        ops.add(leaked[0], 1.0)
    with pytest.raises(gg.TracingError):
        leaked[0].asnumpy()


# -- errors at the user's line --

def test_shape_mismatch_while_tracing_points_at_the_users_line():
    def f(x, w):
        return ops.add(x, w)  # the failing line
    line = inspect.getsourcelines(f)[1] + 1
    with pytest.raises(ValueError) as e:
        gg.grad(f, (0, 1))(Tensor(np.ones((4, 5))), Tensor(np.ones(3)))
    msg = str(e.value)
    assert f"{THIS_FILE}:{line}" in msg
    assert "add" in msg and "[4,5]" in nospace(msg) and "[3]" in nospace(msg)


def test_matmul_mismatch_in_a_cell_points_at_construct():
    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.w = Parameter(Tensor(np.ones((3, 2))), name="w")

        def construct(self, x):
            return ops.matmul(x, self.w)  # the failing line
    line = inspect.getsourcelines(Net.construct)[1] + 1
    net = Net()
    with pytest.raises(ValueError) as e:
        gg.grad(lambda x: net(x), None, net.trainable_params())(Tensor(np.ones((2, 4))))
    msg = str(e.value)
    assert f"{THIS_FILE}:{line}" in msg
    assert "matmul" in msg and "[2,4]" in nospace(msg) and "[3,2]" in nospace(msg)


def test_failed_trace_leaves_no_broken_cache_and_parameters_unchanged():
    w = Parameter(Tensor(np.arange(3.0)), name="w")
    f = gg.value_and_grad(lambda x: ops.add(x, w), None, w)
    with pytest.raises(ValueError):
        f(Tensor(np.ones(4)))
    np.testing.assert_array_equal(w.asnumpy(), np.arange(3.0))
    v, g = f(Tensor(np.ones((2, 3))))
    np.testing.assert_array_equal(v.asnumpy(), np.ones((2, 3)) + np.arange(3.0))
    np.testing.assert_array_equal(g.asnumpy(), np.full(3, 2.0))
    with pytest.raises(ValueError):
        f(Tensor(np.ones(4)))  # still an error, not a stale graph


# -- jit --

def test_jit_function_matches_eager():
    def f(x, w, b, y):
        z = ops.matmul(x, w) + b
        return ops.binary_cross_entropy_with_logits(z, y, reduction="sum"), z

    r = rng(7)
    x, w, b, y = r.standard_normal((4, 3)), r.standard_normal((3, 2)), r.standard_normal(2), r.uniform(0, 1, (4, 2))
    j = gg.jit(f)
    loss, z = j(Tensor(x), Tensor(w), Tensor(b), Tensor(y))
    np.testing.assert_allclose(z.asnumpy(), x @ w + b, rtol=1e-12)
    np.testing.assert_allclose(loss.asnumpy(), np_bce(x @ w + b, y, reduction="sum"), rtol=1e-12)
    assert loss.shape == ()
    j(Tensor(x), Tensor(w), Tensor(b), Tensor(y))
    assert j.trace_count == 1


def test_jit_as_decorator_single_output():
    @gg.jit
    def f(a, b):
        return ops.add(a, b)

    out = f(Tensor(np.ones(2)), Tensor(np.ones(2)))
    assert isinstance(out, Tensor)
    np.testing.assert_array_equal(out.asnumpy(), [2.0, 2.0])


def test_jit_of_a_cell():
    loss_fn = nn.BCEWithLogitsLoss(reduction="none")
    j = gg.jit(loss_fn)
    r = rng(8)
    x, y = r.standard_normal((3, 2)), r.uniform(0, 1, (3, 2))
    np.testing.assert_allclose(j(Tensor(x), Tensor(y)).asnumpy(), np_bce(x, y, reduction="none"), rtol=1e-12)
    np.testing.assert_allclose(j(Tensor(x), Tensor(y)).asnumpy(), loss_fn(Tensor(x), Tensor(y)).asnumpy(),
                               rtol=1e-12)


def test_jit_inside_grad_is_inlined():
    inner = gg.jit(lambda a, b: ops.matmul(a, b))
    r = rng(9)
    a, b = r.standard_normal((2, 3)), r.standard_normal((3, 4))
    ga = gg.grad(lambda a, b: inner(a, b), 0)(Tensor(a), Tensor(b))
    np.testing.assert_allclose(ga.asnumpy(), np.ones((2, 4)) @ b.T, rtol=1e-12)


def test_grad_of_a_cell_directly():
    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.w = Parameter(Tensor(rng(10).standard_normal((3, 2))), name="w")

        def construct(self, x):
            return ops.matmul(x, self.w)

    net = Net()
    x = rng(11).standard_normal((4, 3))
    gx, (gw,) = gg.grad(net, 0, net.trainable_params())(Tensor(x))
    np.testing.assert_allclose(gx.asnumpy(), np.ones((4, 2)) @ net.w.asnumpy().T, rtol=1e-12)
    np.testing.assert_allclose(gw.asnumpy(), x.T @ np.ones((4, 2)), rtol=1e-12)


def test_jit_as_a_method_decorator():
    class Net(nn.Cell):
        def __init__(self, scale):
            super().__init__()
            self.s = Parameter(Tensor(np.full(2, scale)), name="s")

        @gg.jit
        def shifted(self, x):
            return ops.add(x, self.s)

    a, b = Net(1.0), Net(5.0)
    x = Tensor(np.zeros(2))
    np.testing.assert_array_equal(a.shifted(x).asnumpy(), [1.0, 1.0])
    np.testing.assert_array_equal(b.shifted(x).asnumpy(), [5.0, 5.0])  # not a's compiled graph
