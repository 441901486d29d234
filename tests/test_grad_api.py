"""grad and value_and_grad: MindSpore 2.x return structures and argument errors."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Parameter, Tensor, ops
from helpers import np_bce, sigmoid

RNG = np.random.default_rng(11)
X = RNG.standard_normal(4)
W = RNG.standard_normal((4, 3))
B = RNG.standard_normal(3)
Y = RNG.uniform(0, 1, 3)


def linear(x, w, b):
    return ops.matmul(x, w) + b


def y64():
    return Tensor(Y, gg.float64)


def args():
    return Tensor(X), Tensor(W), Tensor(B)


# analytic gradients of sum(linear(x, w, b)) and of the BCE loss of it
D_LIN = {0: W.sum(axis=1), 1: np.outer(X, np.ones(3)), 2: np.ones(3)}
Z = X @ W + B
DZ_LOSS = (sigmoid(Z) - Y) / 3  # d mean(bce(z, y)) / dz
D_LOSS = {0: W @ DZ_LOSS, 1: np.outer(X, DZ_LOSS), 2: DZ_LOSS}


def close(t, ref):
    assert isinstance(t, Tensor), f"expected a Tensor, got {type(t).__name__}"
    assert t.shape == np.shape(ref)
    np.testing.assert_allclose(t.asnumpy(), ref, rtol=1e-10, atol=1e-12)


# -- grad_position --

def test_default_position_is_0():
    close(gg.grad(linear)(*args()), D_LIN[0])


@pytest.mark.parametrize("p", [0, 1, 2])
def test_int_position_returns_a_tensor(p):
    close(gg.grad(linear, p)(*args()), D_LIN[p])


def test_tuple_position_returns_a_tuple():
    g = gg.grad(linear, (2, 0))(*args())
    assert isinstance(g, tuple) and len(g) == 2
    close(g[0], D_LIN[2])
    close(g[1], D_LIN[0])


def test_one_tuple_position_returns_a_single_tensor():
    close(gg.grad(linear, (1,))(*args()), D_LIN[1])


def test_grads_have_the_input_dtype():
    x, w, b = (Tensor(a, gg.float32) for a in (X, W, B))
    g = gg.grad(linear, (0, 1, 2))(x, w, b)
    assert all(t.dtype is gg.float32 for t in g)
    np.testing.assert_allclose(g[1].asnumpy(), D_LIN[1], rtol=1e-6)


# -- weights --

def make_params():
    return Parameter(Tensor(W), name="w"), Parameter(Tensor(B), name="b")


def test_single_weight_returns_a_tensor():
    w, b = make_params()
    f = lambda x: ops.matmul(x, w) + b  # noqa: E731
    close(gg.grad(f, None, w)(Tensor(X)), D_LIN[1])


@pytest.mark.parametrize("container", [list, tuple])
def test_weight_list_returns_a_tuple(container):
    w, b = make_params()
    f = lambda x: ops.matmul(x, w) + b  # noqa: E731
    g = gg.grad(f, None, container([b, w]))(Tensor(X))
    assert isinstance(g, tuple) and len(g) == 2
    close(g[0], D_LIN[2])
    close(g[1], D_LIN[1])


def test_single_weight_in_a_list_is_still_a_tuple():
    w, b = make_params()
    g = gg.grad(lambda x: ops.matmul(x, w) + b, None, [w])(Tensor(X))
    assert isinstance(g, tuple) and len(g) == 1
    close(g[0], D_LIN[1])


def test_positions_and_weights():
    w, b = make_params()
    f = lambda x: ops.matmul(x, w) + b  # noqa: E731
    pos, wts = gg.grad(f, 0, [w, b])(Tensor(X))
    close(pos, D_LIN[0])
    assert isinstance(wts, tuple) and len(wts) == 2
    close(wts[0], D_LIN[1])
    close(wts[1], D_LIN[2])
    pos, wt = gg.grad(f, (0,), b)(Tensor(X))
    close(pos, D_LIN[0])
    close(wt, D_LIN[2])


def test_weights_read_through_a_cell():
    w, b = make_params()

    class Net(gg.nn.Cell):
        def __init__(self):
            super().__init__()
            self.w, self.b = w, b

        def construct(self, x):
            return ops.matmul(x, self.w) + self.b

    net = Net()
    g = gg.grad(lambda x, y: ops.binary_cross_entropy_with_logits(net(x), y), None, net.trainable_params())(
        Tensor(X), y64())
    close(g[0], D_LOSS[1])
    close(g[1], D_LOSS[2])


# -- unused inputs and weights --

def test_unused_input_gets_zeros():
    g = gg.grad(lambda x, w, b: w + b, (0, 1, 2))(*args())
    close(g[0], np.zeros(4))
    close(g[1], np.ones((4, 3)))
    close(g[2], np.full(3, 4.0))


def test_unused_weight_gets_zeros_of_its_shape():
    w, b = make_params()
    other = Parameter(Tensor(np.ones((2, 5), np.float32)), name="other")
    g = gg.grad(lambda x: ops.matmul(x, w) + b, None, [w, other])(Tensor(X))
    assert g[1].shape == (2, 5) and g[1].dtype is gg.float32
    np.testing.assert_array_equal(g[1].asnumpy(), np.zeros((2, 5)))


def test_input_reached_only_through_stop_gradient_gets_zeros():
    g = gg.grad(lambda x, w, b: ops.stop_gradient(ops.matmul(x, w)) + b, (0, 1, 2))(*args())
    close(g[0], np.zeros(4))
    close(g[1], np.zeros((4, 3)))
    close(g[2], np.ones(3))


# -- several outputs --

def test_tuple_output_differentiates_every_output():
    def f(x, w, b):
        z = ops.matmul(x, w) + b
        return ops.binary_cross_entropy_with_logits(z, y64()), z

    g = gg.grad(f, (0, 1, 2))(*args())
    for p in range(3):
        close(g[p], D_LOSS[p] + D_LIN[p])


def test_has_aux_differentiates_only_the_first_output():
    def f(x, w, b):
        z = ops.matmul(x, w) + b
        return ops.binary_cross_entropy_with_logits(z, y64()), z

    grads, aux = gg.grad(f, (1, 2), has_aux=True)(*args())
    assert isinstance(aux, tuple) and len(aux) == 1
    close(aux[0], Z)
    close(grads[0], D_LOSS[1])
    close(grads[1], D_LOSS[2])


def test_has_aux_with_two_aux_outputs():
    def f(x, w, b):
        z = ops.matmul(x, w) + b
        return ops.binary_cross_entropy_with_logits(z, y64()), z, b

    grads, aux = gg.grad(f, 2, has_aux=True)(*args())
    close(grads, D_LOSS[2])
    assert isinstance(aux, tuple) and len(aux) == 2
    close(aux[0], Z)
    close(aux[1], B)


def test_value_and_grad_single_output():
    def f(x, w, b):
        return ops.binary_cross_entropy_with_logits(ops.matmul(x, w) + b, y64())

    value, g = gg.value_and_grad(f, 1)(*args())
    close(value, np_bce(Z, Y))
    close(g, D_LOSS[1])


def test_value_and_grad_tuple_output_without_aux():
    value, g = gg.value_and_grad(lambda x, w, b: (ops.matmul(x, w), b), 2)(*args())
    assert isinstance(value, tuple) and len(value) == 2
    close(value[0], X @ W)
    close(value[1], B)
    close(g, np.ones(3))


def test_value_and_grad_has_aux():
    def f(x, w, b):
        z = ops.matmul(x, w) + b
        return ops.binary_cross_entropy_with_logits(z, y64()), z

    (loss, z), g = gg.value_and_grad(f, (1, 2), has_aux=True)(*args())
    close(loss, np_bce(Z, Y))
    close(z, Z)
    close(g[0], D_LOSS[1])
    close(g[1], D_LOSS[2])


def test_value_and_grad_weights_only():
    w, b = make_params()
    value, g = gg.value_and_grad(lambda x: ops.matmul(x, w) + b, None, weights=[w, b])(Tensor(X))
    close(value, Z)
    close(g[0], D_LIN[1])
    close(g[1], D_LIN[2])


def test_same_tensor_passed_twice():
    x = Tensor(X)
    g = gg.grad(lambda a, b: ops.matmul(a, b), (0, 1))(x, x)
    close(g[0], X)
    close(g[1], X)


# -- errors --

def raises(exc, fn, *call_args, match=()):
    """fn's error (raised when making the gradient function or when calling it) with each fragment."""
    with pytest.raises(exc) as e:
        gfn = fn()
        gfn(*call_args)
    msg = str(e.value)
    for frag in match:
        assert frag in msg, f"{frag!r} not in message {msg!r}"
    return msg


@pytest.mark.parametrize("pos, frag", [(-1, "-1"), ((0, -2), "-2")])
def test_negative_position_is_value_error(pos, frag):
    raises(ValueError, lambda: gg.grad(linear, pos), *args(), match=("grad_position", frag))


def test_duplicate_position_is_value_error():
    raises(ValueError, lambda: gg.grad(linear, (1, 1)), *args(), match=("grad_position", "(1, 1)"))


@pytest.mark.parametrize("pos, given", [(1.0, "float"), ([0, 1], "list"), (True, "bool"), ((0, 1.5), "1.5"),
                                        ("0", "str")])
def test_position_of_wrong_type_is_type_error(pos, given):
    raises(TypeError, lambda: gg.grad(linear, pos), *args(), match=("grad_position", "int", given))


def test_position_out_of_range_is_index_error():
    raises(IndexError, lambda: gg.grad(linear, (0, 3)), *args(), match=("3",))
    raises(IndexError, lambda: gg.value_and_grad(linear, 7), *args(), match=("7",))


def test_position_and_weights_both_none_is_value_error():
    raises(ValueError, lambda: gg.grad(linear, None), *args(), match=("grad_position", "weights", "None"))
    raises(ValueError, lambda: gg.value_and_grad(linear, None, None), *args(), match=("None",))


def test_has_aux_with_a_single_output_is_value_error():
    raises(ValueError, lambda: gg.grad(linear, 0, has_aux=True), *args(), match=("has_aux",))
    raises(ValueError, lambda: gg.value_and_grad(linear, 0, has_aux=True), *args(), match=("has_aux",))


def test_has_aux_with_a_one_tuple_is_value_error():
    raises(ValueError, lambda: gg.grad(lambda x, w, b: (linear(x, w, b),), 0, has_aux=True), *args(),
           match=("has_aux",))


def test_weight_that_is_a_tensor_is_type_error():
    raises(TypeError, lambda: gg.grad(linear, None, Tensor(W)), *args(), match=("Parameter", "Tensor"))


def test_weight_list_with_a_tensor_is_type_error():
    w, _ = make_params()
    raises(TypeError, lambda: gg.grad(linear, None, [w, Tensor(B)]), *args(), match=("weights[1]", "Parameter"))


def test_weights_of_wrong_type_is_type_error():
    raises(TypeError, lambda: gg.grad(linear, 0, "w"), *args(), match=("Parameter", "str"))


def test_differentiating_a_non_tensor_argument_is_type_error():
    raises(TypeError, lambda: gg.grad(lambda x, k: x, 1), Tensor(X), 3.0, match=("1", "float"))


def test_function_returning_a_non_tensor_is_type_error():
    raises(TypeError, lambda: gg.grad(lambda x: 1.0), Tensor(X), match=("Tensor", "float"))


def test_grad_of_a_non_callable_is_type_error():
    with pytest.raises(TypeError):
        gg.grad(3)


# -- more return structures --

def test_identity_and_constant_outputs():
    x = Tensor(X)
    np.testing.assert_array_equal(gg.grad(lambda x: x)(x).asnumpy(), np.ones(4))
    g = gg.grad(lambda x: ops.ones(3, gg.float64))(x)  # output does not depend on x
    np.testing.assert_array_equal(g.asnumpy(), np.zeros(4))
    v, g = gg.value_and_grad(lambda x: x)(x)
    np.testing.assert_array_equal(v.asnumpy(), X)


def test_same_value_returned_twice_counts_twice():
    g = gg.grad(lambda x, w, b: (ops.add(w, b), ops.add(w, b)), 2)(*args())
    close(g, np.full(3, 8.0))
    z_twice = gg.grad(lambda x: (x, x))(Tensor(X))
    close(z_twice, np.full(4, 2.0))


def test_keyword_arguments_bind_to_their_positions():
    by_keyword = gg.grad(linear, (0, 1))(Tensor(X), w=Tensor(W), b=Tensor(B))
    by_position = gg.grad(linear, (0, 1))(Tensor(X), Tensor(W), Tensor(B))
    for a, b in zip(by_keyword, by_position):
        np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
    with pytest.raises(TypeError) as e:
        gg.grad(linear)(Tensor(X), Tensor(W), Tensor(B), nope=Tensor(W))
    assert "nope" in str(e.value)


def test_concurrent_calls_give_each_caller_its_own_result():
    import threading

    fn = gg.value_and_grad(lambda a, b: ops.binary_cross_entropy_with_logits(ops.matmul(a, b), y64()), 1)
    r = np.random.default_rng(12)
    cases = [(r.standard_normal((4,)), r.standard_normal((4, 3))) for _ in range(8)]
    fn(Tensor(cases[0][0]), Tensor(cases[0][1]))  # compile once up front
    results = [None] * len(cases)

    def work(i):
        for _ in range(20):
            results[i] = fn(Tensor(cases[i][0]), Tensor(cases[i][1]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(cases))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for (a, b), (v, g) in zip(cases, results):
        z = a @ b
        close(v, np_bce(z, Y))
        close(g, np.outer(a, (sigmoid(z) - Y) / 3))
    assert fn.trace_count == 1
