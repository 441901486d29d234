"""Transformations that nest (trace levels), state updates, vjp/jvp, and the compile cache:
grad of grad, grad inside jit, jit inside grad, closures over outer traced values, keyword
arguments, ops.assign, Parameters replaced after compiling, bounded caches."""
import gc
import warnings
import weakref

import numpy as np
import pytest

import graphgrad as ms
from graphgrad import Parameter, Tensor, nn, ops


def t(*values):
    return Tensor(np.array(values, np.float64))


def fd(f, x, eps=1e-6):
    """Central finite differences of a scalar numpy function."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


def test_grad_of_grad_to_third_order():
    f = lambda x: ops.sum(ops.sin(x) * x)  # noqa: E731
    d1 = ms.grad(f)
    d2 = ms.grad(lambda x: ops.sum(d1(x)))
    d3 = ms.grad(lambda x: ops.sum(d2(x)))
    x = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(d1(Tensor(x)).asnumpy(), np.cos(x) * x + np.sin(x), rtol=1e-12)
    np.testing.assert_allclose(d2(Tensor(x)).asnumpy(), 2 * np.cos(x) - x * np.sin(x), rtol=1e-12)
    np.testing.assert_allclose(d3(Tensor(x)).asnumpy(), -3 * np.sin(x) - x * np.cos(x), rtol=1e-12)


def test_second_order_through_bce_and_matmul_bias():
    rng = np.random.default_rng(0)
    x, w, b, y = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2), rng.uniform(size=(4, 2))
    loss = lambda w: ops.binary_cross_entropy_with_logits(ops.matmul(Tensor(x), w) + Tensor(b), Tensor(y))  # noqa
    gw = ms.grad(loss)
    hv = ms.grad(lambda w: ops.sum(gw(w) * Tensor(np.ones((3, 2)))))(Tensor(w)).asnumpy()

    def np_grad_sum(w):
        z = x @ w + b
        return ((1 / (1 + np.exp(-z)) - y) / z.size).T.__matmul__(x).T.sum()
    np.testing.assert_allclose(hv, fd(np_grad_sum, w), rtol=1e-6, atol=1e-9)


def test_grad_inside_jit_and_jit_inside_grad():
    f = lambda x: ops.sum(x ** 3)  # noqa: E731
    x = t(1.0, 2.0)
    np.testing.assert_allclose(ms.jit(ms.grad(f))(x).asnumpy(), [3.0, 12.0])
    np.testing.assert_allclose(ms.grad(ms.jit(f))(x).asnumpy(), [3.0, 12.0])
    inner = ms.jit(lambda x: x * x)
    np.testing.assert_allclose(ms.grad(lambda x: ops.sum(inner(x)))(x).asnumpy(), [2.0, 4.0])


def test_closure_over_an_outer_traced_value():
    def outer(x):
        g = ms.grad(lambda y: ops.sum(x * y * y))  # x comes from the outer trace
        return ops.sum(g(x))  # d/dy sum(x y^2) at y = x: 2 x^2
    x = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(ms.jit(outer)(Tensor(x)).asnumpy(), np.sum(2 * x ** 2))
    np.testing.assert_allclose(ms.grad(outer)(Tensor(x)).asnumpy(), 4 * x)


def test_vjp_and_jvp_against_finite_differences():
    f = lambda a, b: ops.tanh(a) * b  # noqa: E731
    a, b = np.array([0.1, -0.7]), np.array([2.0, 3.0])
    out, pullback = ms.vjp(f, Tensor(a), Tensor(b))
    np.testing.assert_allclose(out.asnumpy(), np.tanh(a) * b)
    ga, gb = pullback(t(1.0, -1.0))
    np.testing.assert_allclose(ga.asnumpy(), (1 - np.tanh(a) ** 2) * b * [1, -1], rtol=1e-12)
    np.testing.assert_allclose(gb.asnumpy(), np.tanh(a) * [1, -1], rtol=1e-12)
    out, tangent = ms.jvp(f, (Tensor(a), Tensor(b)), (t(1.0, 0.0), t(0.0, 1.0)))
    np.testing.assert_allclose(tangent.asnumpy(), [(1 - np.tanh(a[0]) ** 2) * b[0], np.tanh(a[1])], rtol=1e-12)


def test_keyword_arguments_to_compiled_functions():
    f = ms.jit(lambda x, y, scale=2.0: (x - y) * scale)
    np.testing.assert_allclose(f(t(3.0), y=t(1.0)).asnumpy(), [4.0])
    np.testing.assert_allclose(f(t(3.0), t(1.0), scale=3.0).asnumpy(), [6.0])
    with pytest.raises(TypeError, match="nope"):
        f(t(1.0), t(1.0), nope=1)


def test_assign_in_a_jitted_train_step_updates_the_parameter_once_per_call():
    w = Parameter(Tensor(np.array([1.0, 2.0])), name="w")
    grad_fn = ms.value_and_grad(lambda x: ops.sum((w * x) ** 2), None, [w])

    @ms.jit
    def step(x):
        loss, (dw,) = grad_fn(x)
        ops.assign(w, w - 0.1 * dw)
        return loss

    held = Tensor(w)  # a Tensor the user holds never changes under an update
    ref = np.array([1.0, 2.0])
    for _ in range(3):
        loss = step(t(1.0, 1.0))
        assert loss.asnumpy() == pytest.approx(np.sum(ref ** 2))
        ref = ref - 0.1 * 2 * ref
        np.testing.assert_allclose(w.asnumpy(), ref)
    np.testing.assert_array_equal(held.asnumpy(), [1.0, 2.0])
    assert step.trace_count == 1


def test_a_jitted_function_that_returns_none_only_updates():
    w = Parameter(Tensor(np.array([1.0, 2.0])), name="w")

    @ms.jit
    def bump(x):
        ops.assign(w, w + x)
    for k in range(1, 4):  # the first call compiles, the others take the C++ path: once each
        assert bump(t(1.0, 1.0)) is None
        np.testing.assert_allclose(w.asnumpy(), [1.0 + k, 2.0 + k])
    assert bump.trace_count == 1


def test_reads_after_assign_see_the_new_value_and_a_failed_call_changes_nothing():
    w = Parameter(Tensor(np.ones(3)), name="w")

    def f(x):
        ops.assign(w, w + x)
        return ops.sum(w)
    np.testing.assert_allclose(ms.jit(f)(t(1.0, 1.0, 1.0)).asnumpy(), 6.0)
    np.testing.assert_allclose(w.asnumpy(), [2.0, 2.0, 2.0])
    with pytest.raises(ValueError):
        ms.jit(f)(t(1.0, 1.0))  # a shape error while tracing
    np.testing.assert_allclose(w.asnumpy(), [2.0, 2.0, 2.0])


def test_a_parameter_replaced_after_compiling_is_used_by_the_next_call():
    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.w = Parameter(Tensor(np.array([3.0])), name="w")

        def construct(self, x):
            return self.w * x
    net = Net()
    f = ms.jit(net.construct)
    assert f(t(1.0)).asnumpy() == 3.0
    net.w = Parameter(Tensor(np.array([30.0])), name="w")
    assert f(t(1.0)).asnumpy() == 30.0


def test_jit_on_a_method_does_not_keep_instances_alive():
    class Model:
        @ms.jit
        def run(self, x):
            return x * 2.0
    m = Model()
    assert m.run(t(1.0)).asnumpy() == 2.0
    ref = weakref.ref(m)
    del m
    gc.collect()
    assert ref() is None


def test_a_changing_float_argument_warns_and_the_cache_stays_bounded():
    f = ms.jit(lambda x, s: x * s)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(100):
            f(t(1.0), float(i))
    assert any("mutable" in str(w.message) for w in caught)
    assert len(f._cache) <= ms._grad.MAX_SIGNATURES
    g = ms.jit(lambda x, s: x * s)
    for i in range(5):
        assert g(t(1.0), ms.mutable(float(i))).asnumpy() == float(i)
    assert g.trace_count == 1


def test_tuple_list_and_dict_arguments_are_traced_once_per_structure():
    from collections import namedtuple
    Pair = namedtuple("Pair", "x y")

    @ms.jit
    def f(xs, d, p):
        return xs[0] * xs[1][0] + d["b"] * d["scale"] + p.x - p.y
    for i in range(5):  # new Tensors every call, as a data loader gives: one trace
        a, b, c = t(1.0 + i, 2.0), t(3.0, -1.0), t(0.5, 0.25)
        out = f((a, [b]), {"b": c, "scale": 2.0}, Pair(a, c))
        np.testing.assert_allclose(out.asnumpy(), a.asnumpy() * b.asnumpy() + 2 * c.asnumpy() + a.asnumpy() - c.asnumpy())
    assert f.trace_count == 1
    f((a, [b]), {"b": c, "scale": 3.0}, Pair(a, c))  # a non-tensor leaf is a constant, as an argument is
    f((a, (b,)), {"b": c, "scale": 3.0}, Pair(a, c))  # another structure (a tuple for the list)
    f((a, [t(1.0, 2.0, 3.0)[:2]]), {"b": c, "scale": 3.0}, Pair(a, c))  # same shapes: no new trace
    assert f.trace_count == 3
    assert "%xs[1][0]: f64[2]" in str(f.stages((a, [b]), {"b": c, "scale": 2.0}, Pair(a, c))[0][1])
    assert f.trace_count == 3

    # A tuple of Tensors and the same Tensors as separate arguments are different calls.
    g = ms.jit(lambda *xs: xs[0] - xs[1] if len(xs) == 2 else xs[0][0] * xs[0][1])
    np.testing.assert_allclose(g((t(3.0), t(2.0))).asnumpy(), [6.0])
    np.testing.assert_allclose(g(t(3.0), t(2.0)).asnumpy(), [1.0])
    np.testing.assert_allclose(g((t(3.0), t(2.0))).asnumpy(), [6.0])
    assert g.trace_count == 2
    # mutable() makes the numbers of a tuple runtime inputs.
    h = ms.jit(lambda x, s: x * s[0] + s[1])
    for i in range(4):
        np.testing.assert_allclose(h(t(2.0), ms.mutable((float(i), 1.0))).asnumpy(), [2.0 * i + 1.0])
    assert h.trace_count == 1


def test_cse_keeps_nan_and_signed_zero_fills_apart():
    f = ms.jit(lambda x: (x + 1.0, x + float("nan"), x * 0.0, x * -0.0))
    a, b, c, d = f(t(1.0, 2.0))
    np.testing.assert_array_equal(a.asnumpy(), [2.0, 3.0])
    assert np.isnan(b.asnumpy()).all()
    assert not np.signbit(c.asnumpy()).any() and np.signbit(d.asnumpy()).all()


def test_constant_folding_gives_what_the_kernels_give():
    rng = np.random.default_rng(3)
    for _ in range(50):
        v = float(rng.normal() * 10)
        fn = lambda x: ops.sigmoid(ops.exp(ops.ones_like(x) * v) - v) * x + ops.softplus(ops.zeros_like(x) + v)  # noqa
        x = Tensor(np.ones(5, np.float32))
        np.testing.assert_array_equal(ms.jit(fn)(x).asnumpy(), fn(x).asnumpy())
    k0 = ms.jit(lambda x: ops.matmul(ops.zeros((1, 2)), ops.full((2, 1), float("inf"))) + x)
    np.testing.assert_array_equal(k0(Tensor(np.zeros((1, 1), np.float32))).asnumpy(),
                                  ops.matmul(ops.zeros((1, 2)), ops.full((2, 1), float("inf"))).asnumpy())


def test_unknown_attributes_are_errors():
    g = ms._core.Graph("g")
    x = g.add_input(0, [2], "x", "arg")
    with pytest.raises(ValueError, match="unknown attribute 'axis'"):
        g.add("relu", [x], {"axis": 0})


def test_zero_size_shapes_are_zero_bytes_in_any_dimension_order():
    for shape in [(0, 1 << 40, 1 << 40), (1 << 40, 1 << 40, 0)]:
        assert ops.zeros(shape).size == 0


def test_atan_the_op_contributing_md_adds():
    x = np.array([-2.0, 0.0, 0.5, 3.0])
    np.testing.assert_allclose(ops.atan(Tensor(x)).asnumpy(), np.arctan(x), rtol=1e-15)
    d1 = ms.grad(lambda v: ops.sum(ops.atan(v)))
    np.testing.assert_allclose(d1(Tensor(x)).asnumpy(), 1 / (1 + x ** 2), rtol=1e-15)
    d2 = ms.grad(lambda v: ops.sum(d1(v)))(Tensor(x)).asnumpy()
    np.testing.assert_allclose(d2, -2 * x / (1 + x ** 2) ** 2, rtol=1e-14)


def test_an_update_is_written_into_the_parameters_own_buffer_unless_a_tensor_shares_it():
    w = Parameter(Tensor(np.arange(4.0)), name="w")

    @ms.jit
    def step(x):
        ops.assign(w, w - x)
        return ops.sum(w)
    one = t(1.0, 1.0, 1.0, 1.0)
    step(one)
    before = w._numpy().__array_interface__["data"][0]  # (a view of w's storage, not a copy)
    step(one)
    assert w._numpy().__array_interface__["data"][0] == before  # donated: no new buffer
    held = Tensor(w)  # shares w's storage: the next update must not write into it
    step(one)
    np.testing.assert_array_equal(held.asnumpy(), np.arange(4.0) - 2)
    np.testing.assert_array_equal(w.asnumpy(), np.arange(4.0) - 3)
    assert "-> into %w (donated)" in str(step.stages(one)[-1][1])


def test_graph_mode_compiles_a_cells_construct():
    class Scale(nn.Cell):
        def __init__(self):
            super().__init__()
            self.w = Parameter(Tensor(np.array([2.0])), name="w")

        def construct(self, x):
            return self.w * x
    net = Scale()
    ms.set_context(mode=ms.GRAPH_MODE, device_target="CPU")
    try:
        assert net(t(3.0)).asnumpy() == 6.0 and net(t(4.0)).asnumpy() == 8.0
        assert net._compiled_construct.trace_count == 1
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)
    with pytest.raises(ValueError, match="CPU"):
        ms.set_context(device_target="GPU")


def test_each_weight_update_runs_right_after_the_last_read_of_the_old_weight():
    # The update streams the weight through the cache: it runs straight after the backward
    # product that read it (only that product's column sum, the bias gradient, comes between,
    # reading it while it is in cache), and the first layer's weight (read only by the forward
    # pass) last.
    net = nn.SequentialCell(nn.Dense(12, 16), nn.ReLU(), nn.Dense(16, 16), nn.ReLU(), nn.Dense(16, 3))
    opt = nn.SGD(net.trainable_params(), 0.1)
    grad_fn = ms.value_and_grad(lambda x, y: nn.CrossEntropyLoss()(net(x), y), None, opt.parameters)

    @ms.jit
    def step(x, y):
        loss, grads = grad_fn(x, y)
        opt(grads)
        return loss
    rng = np.random.default_rng(6)
    x, y = Tensor(rng.standard_normal((8, 12)).astype(np.float32)), Tensor(rng.integers(0, 3, 8).astype(np.int32))
    before = [p.asnumpy().copy() for p in net.trainable_params()]
    loss = step(x, y)
    lines = [line for line in str(step.stages(x, y)[-1][1]).splitlines() if " = " in line]
    updates = {w: i for i, line in enumerate(lines) if "matmul_update(" in line
               for w in ("%0.weight", "%2.weight", "%4.weight") if f"matmul_update({w}," in line}
    assert list(updates) == ["%4.weight", "%2.weight", "%0.weight"], lines
    for w, i in updates.items():
        last_read = max(j for j, line in enumerate(lines) if w in line and "matmul_update(" not in line)
        assert w == "%0.weight" or all("reduce_sum(" in line for line in lines[last_read + 1:i]), (w, lines)
    defined = {line.split(" = ")[0].strip(): j for j, line in enumerate(lines)}
    sums = [(j, line.split("reduce_sum(")[1].split(")")[0]) for j, line in enumerate(lines) if "reduce_sum(" in line]
    assert len(sums) == 3, lines
    for j, of in sums:  # each bias gradient straight after the product it sums
        assert all("reduce_sum(" in line for line in lines[defined[of] + 1:j]), (of, lines)
    assert updates["%0.weight"] == updates["%2.weight"] + 1, lines
    # and the values are plain SGD's on the eager gradients
    for p in net.trainable_params():
        p.set_data(Tensor(before.pop(0)))
    want_loss, grads = grad_fn(x, y)
    want = [p.asnumpy() - np.float32(0.1) * g.asnumpy() for p, g in zip(net.trainable_params(), grads)]
    step(x, y)
    np.testing.assert_allclose(loss.asnumpy(), want_loss.asnumpy(), rtol=1e-6)
    for p, w in zip(net.trainable_params(), want):
        np.testing.assert_allclose(p.asnumpy(), w, rtol=1e-5, atol=1e-6)


def test_an_sgd_update_accumulates_in_its_matmul_and_matches_the_unfused_step():
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((16, 24)), rng.standard_normal((16, 8))
    w0 = rng.standard_normal((24, 8))
    w = Parameter(Tensor(w0.copy()), name="w")
    lr = Parameter(Tensor(np.float64(0.1)), name="lr")

    @ms.jit
    def step(x, y):
        ops.assign(w, w - lr * ops.matmul(x.T, y))
        return ops.sum(lr)
    step(Tensor(a), Tensor(b))
    np.testing.assert_allclose(w.asnumpy(), w0 - 0.1 * a.T @ b, rtol=1e-12, atol=1e-12)
    final = str(step.stages(Tensor(a), Tensor(b))[-1][1])
    assert "matmul_update" in final and "-> into %w (donated)" in final
    held = Tensor(w)  # shared: the update starts from a copy, and the held tensor stays
    step(Tensor(a), Tensor(b))
    np.testing.assert_allclose(held.asnumpy(), w0 - 0.1 * a.T @ b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(w.asnumpy(), w0 - 0.2 * a.T @ b, rtol=1e-12, atol=1e-12)


def test_two_weight_updates_run_as_one_batch_with_the_bits_of_one_thread():
    # Two independent updates (matmul_update) run as one batch: on 2 threads each takes one, then
    # shares the larger one's rest. The weights must come out the same bits as on one thread,
    # and as the float64 reference; a tensor holding a weight's old value keeps it.
    rng = np.random.default_rng(6)
    x, d1, d2 = rng.standard_normal((256, 300)), rng.standard_normal((256, 200)), rng.standard_normal((256, 120))
    w10, w20 = rng.standard_normal((300, 200)), rng.standard_normal((300, 120))
    old = ms.get_num_threads()
    got = {}
    try:
        for threads in (1, 2):
            ms.set_num_threads(threads)
            w1, w2 = Parameter(Tensor(w10.copy()), name="w1"), Parameter(Tensor(w20.copy()), name="w2")

            @ms.jit
            def step(x, d1, d2):
                ops.assign(w1, w1 - 0.1 * ops.matmul(x.T, d1))
                ops.assign(w2, w2 - 0.1 * ops.matmul(x.T, d2))
                return ops.sum(d1)
            args = Tensor(x), Tensor(d1), Tensor(d2)
            step(*args)
            held = Tensor(w2)
            step(*args)
            final = str(step.stages(*args)[-1][1])
            assert final.count("matmul_update") == 2 and final.count("batched with") == 2, final
            np.testing.assert_allclose(held.asnumpy(), w20 - 0.1 * x.T @ d2, rtol=1e-12, atol=1e-12)
            got[threads] = w1.asnumpy().copy(), w2.asnumpy().copy()
    finally:
        ms.set_num_threads(old)
    for a, b in zip(got[1], got[2]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(got[2][0], w10 - 0.2 * x.T @ d1, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got[2][1], w20 - 0.2 * x.T @ d2, rtol=1e-12, atol=1e-12)


def test_a_jitted_function_may_return_tuples_in_tuples():
    # MindSpore's graph mode returns `x, ops.split(x, 1)` as it is; it raised "must return a
    # Tensor or a tuple of Tensors". Lists come back as tuples, as there.
    f = ms.jit(lambda x: (x * 2, ops.split(x, 1)))
    x = Tensor(np.arange(4.0).reshape(2, 2))
    for _ in range(2):  # traced once, then the C++ call path builds the same nesting
        a, (b, c) = f(x)
        np.testing.assert_array_equal(a.asnumpy(), [[0, 2], [4, 6]])
        np.testing.assert_array_equal(b.asnumpy(), [[0, 1]])
        np.testing.assert_array_equal(c.asnumpy(), [[2, 3]])
    assert f.trace_count == 1
    out = ms.jit(lambda x: [x, [x + 1, (x,)]])(x)
    assert isinstance(out[1][1], tuple) and out[1][1][0].shape == (2, 2)
    with pytest.raises(TypeError, match=r"output\[1\]\[1\] is int"):
        ms.jit(lambda x: (x, (x, 3)))(x)
