"""MindSpore's Primitive classes (ops.MatMul(transpose_b=True)(a, b), ...): values, dtypes and shapes
against numpy, eagerly and under jit and GRAPH_MODE; gradients through them; MindSpore's reprs; the
init-argument and call errors. Numbers marked "MindSpore 2.7.2" were observed from mindspore==2.7.2
(CPU) on the same inputs."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Parameter, Tensor, nn, ops

X = np.arange(6, dtype=np.float32).reshape(2, 3)  # [[0 1 2] [3 4 5]]
N = np.arange(6, dtype=np.int32).reshape(2, 3)
B = np.array([[True, False, True], [False, False, True]])


def check(got, want, dtype=None, atol=1e-6):
    """got (a Tensor) has want's values and shape, and dtype (a graphgrad dtype) when given
    (atol=1e-5 for numbers MindSpore printed to 5 places)."""
    assert isinstance(got, Tensor), type(got)
    if dtype is not None:
        assert got.dtype is dtype, (got.dtype, dtype)
    want = np.asarray(want)
    assert tuple(got.shape) == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got.asnumpy().astype(np.float64), want.astype(np.float64), rtol=1e-5, atol=atol)


def both(fn, *args):
    """fn(*args) eagerly and under jit; the two must agree exactly (tuples item by item)."""
    eager, traced = fn(*args), gg.jit(fn)(*args)
    pairs = zip(eager, traced) if isinstance(eager, tuple) else [(eager, traced)]
    for a, b in pairs:
        assert a.dtype is b.dtype and tuple(a.shape) == tuple(b.shape)
        np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
    return eager


def _erf(x):
    from math import erf
    return np.vectorize(erf)(x)


# --- primitives without init arguments, against numpy (eager and jit)

UNARY = {  # name: (numpy reference, input)
    "Neg": (np.negative, X), "Abs": (np.abs, X - 3), "Exp": (np.exp, X), "Log": (np.log, X + 1),
    "Sqrt": (np.sqrt, X), "Rsqrt": (lambda a: 1 / np.sqrt(a), X + 1), "Square": (np.square, X - 2),
    "Reciprocal": (np.reciprocal, X + 1), "Sin": (np.sin, X), "Cos": (np.cos, X), "Tanh": (np.tanh, X - 2),
    "Sigmoid": (lambda a: 1 / (1 + np.exp(-a)), X - 2), "ReLU": (lambda a: np.maximum(a, 0), X - 2),
    "Softplus": (lambda a: np.log1p(np.exp(a)), X - 2), "Erf": (_erf, X / 4), "Atan": (np.arctan, X),
    "Floor": (np.floor, X / 4), "Ceil": (np.ceil, X / 4), "Round": (np.round, X / 4), "Sign": (np.sign, X - 2),
    "Log1p": (np.log1p, X), "Expm1": (np.expm1, X), "IsNan": (np.isnan, X), "IsInf": (np.isinf, X),
    "IsFinite": (np.isfinite, X), "LogicalNot": (np.logical_not, B), "ReLU6": (lambda a: np.clip(a, 0, 6), X * 2 - 3),
    "StopGradient": (lambda a: a, X), "Identity": (lambda a: a, X), "ZerosLike": (np.zeros_like, X),
    "OnesLike": (np.ones_like, N), "Flatten": (lambda a: a.reshape(2, -1), X.reshape(2, 3, 1)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name):
    ref, a = UNARY[name]
    out = both(getattr(ops, name)(), Tensor(a))
    check(out, ref(a))
    assert out.dtype.np == (np.bool_ if ref(a).dtype == np.bool_ else a.dtype)  # predicates bool, the rest x's


BINARY = {  # name: (numpy reference, a, b)
    "Add": (np.add, X, X), "Sub": (np.subtract, X, X[0]), "Mul": (np.multiply, X, X), "Div": (np.divide, X, X + 1),
    "Pow": (np.power, X, 2.0 * np.ones_like(X)), "Maximum": (np.maximum, X, 2 + 0 * X),
    "Minimum": (np.minimum, X, 2 + 0 * X), "FloorDiv": (np.floor_divide, N - 3, N * 0 + 2),
    "FloorMod": (np.mod, N - 3, N * 0 - 4), "Mod": (np.fmod, N - 3, N * 0 - 4), "Equal": (np.equal, X, X[::-1]),
    "NotEqual": (np.not_equal, X, X[::-1]), "Greater": (np.greater, X, X[::-1]),
    "GreaterEqual": (np.greater_equal, X, X[::-1]), "Less": (np.less, X, X[::-1]),
    "LessEqual": (np.less_equal, X, X[::-1]), "LogicalAnd": (np.logical_and, B, B[::-1]),
    "LogicalOr": (np.logical_or, B, B[::-1]),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary(name):
    ref, a, b = BINARY[name]
    out = both(getattr(ops, name)(), Tensor(a), Tensor(b))
    check(out, ref(a, b))
    assert out.dtype.np == ref(a, b).dtype


def test_div_and_realdiv_of_ints():
    a, b = Tensor(N - 3), Tensor(N * 0 + 2)
    check(ops.Div()(a, b), (N - 3) / 2, gg.float32)
    # MindSpore 2.7.2: RealDiv of two int32 tensors is int32, truncated towards 0
    check(both(ops.RealDiv(), a, b), [[-1, -1, 0], [0, 0, 1]], gg.int32)
    check(ops.RealDiv()(Tensor(X), 2), X / 2, gg.float32)
    # MindSpore 2.7.2: Mod takes the dividend's sign, FloorMod the divisor's
    check(ops.Mod()(a, -4), [[-3, -2, -1], [0, 1, 2]], gg.int32)
    check(ops.FloorMod()(a, -4), [[-3, -2, -1], [0, -3, -2]], gg.int32)


def test_select_gelu_addn():
    check(both(ops.Select(), Tensor(B), Tensor(X), Tensor(-X)), np.where(B, X, -X), gg.float32)
    check(ops.Select()(Tensor(B), Tensor(N), 2), np.where(B, N, 2), gg.int32)  # MindSpore 2.7.2: int32
    # MindSpore 2.7.2's GeLU primitive is the tanh form: 0.841190 at 1 (the exact gelu is 0.841345)
    check(ops.GeLU()(Tensor([1.0, 2.0])), [0.84119, 1.9546], gg.float32, atol=1e-5)
    check(both(ops.AddN(), (Tensor(X), Tensor(X), Tensor(X))), 3 * X, gg.float32)


# --- products


def test_matmul_and_batch_matmul():
    a, b = Tensor(X), Tensor(X.T.copy())
    check(both(ops.MatMul(), a, b), X @ X.T, gg.float32)
    check(both(ops.MatMul(transpose_b=True), a, a), X @ X.T)
    check(both(ops.MatMul(transpose_a=True), a, a), X.T @ X)
    check(ops.MatMul(True, True)(b, a), X @ X.T)
    check(ops.MatMul()(Tensor(N), Tensor(N.T.copy())), N @ N.T, gg.int32)  # MindSpore 2.7.2: int32
    x3 = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    check(both(ops.BatchMatMul(), Tensor(x3), Tensor(x3.transpose(0, 2, 1).copy())), x3 @ x3.transpose(0, 2, 1))
    check(ops.BatchMatMul(transpose_a=False, transpose_b=True)(Tensor(x3), Tensor(x3)), x3 @ x3.transpose(0, 2, 1))
    check(ops.BatchMatMul(transpose_a=True)(Tensor(x3), Tensor(x3)), x3.transpose(0, 2, 1) @ x3)


def test_bias_add():
    bias = np.array([1.0, 2.0, 3.0], np.float32)
    check(both(ops.BiasAdd(), Tensor(X), Tensor(bias)), X + bias)
    # NCHW: the bias runs along axis 1 whatever the rank (MindSpore 2.7.2: (2, 3, 1) + [1, 2, 3])
    x3 = X.reshape(2, 3, 1)
    check(ops.BiasAdd()(Tensor(x3), Tensor(bias)), x3 + bias[:, None])
    check(ops.BiasAdd("NHWC")(Tensor(X.reshape(2, 1, 3)), Tensor(bias)), X.reshape(2, 1, 3) + bias)
    x5 = np.zeros((1, 3, 1, 1, 2), np.float32)
    check(ops.BiasAdd("NCDHW")(Tensor(x5), Tensor(bias)), x5 + bias[:, None, None, None])


# --- reductions


@pytest.mark.parametrize("name, ref", [("ReduceSum", np.sum), ("ReduceMean", np.mean), ("ReduceMax", np.max),
                                       ("ReduceMin", np.min), ("ReduceProd", np.prod)])
def test_reductions(name, ref):
    p, x = getattr(ops, name), Tensor(X + 1)
    check(both(p(), x), ref(X + 1), gg.float32)  # no axis: all of them
    check(p()(x, ()), ref(X + 1))  # (): all of them too
    check(p(keep_dims=True)(x), ref(X + 1, keepdims=True))
    check(both(lambda t: p(True)(t, 1), x), ref(X + 1, axis=1, keepdims=True))
    check(p()(x, (0, -1)), ref(X + 1, axis=(0, 1)))
    check(p()(x, [0]), ref(X + 1, axis=0))
    check(p()(x, Tensor(1)), ref(X + 1, axis=1))


def test_reductions_keep_the_dtype_as_mindspore():
    # MindSpore 2.7.2: ReduceSum and ReduceProd of int32 are int32 (ops.sum gives int64); a bool
    # sum is any and a bool product all; ReduceMean of ints truncates towards 0
    check(ops.ReduceSum()(Tensor(N), 1), [3, 12], gg.int32)
    check(ops.ReduceProd()(Tensor(N + 1), 1), [6, 120], gg.int32)
    check(ops.ReduceSum()(Tensor(B), 1), [True, True], gg.bool_)
    check(ops.ReduceProd()(Tensor(B), 1), [False, False], gg.bool_)
    check(ops.ReduceMean()(Tensor(N - 4), 1), [-3, 0], gg.int32)
    check(ops.ReduceAll()(Tensor(B), 1), [False, False], gg.bool_)
    check(ops.ReduceAny(True)(Tensor(B)), [[True]], gg.bool_)
    check(ops.ReduceAll()(Tensor(X), 1), [False, True], gg.bool_)  # nonzero is true
    x = Tensor(X)
    assert ops.ReduceSum(skip_mode=True)(x, ()) is x  # skip_mode: no axes, no sum
    check(ops.ReduceSum(skip_mode=True)(x, 0), X.sum(0))


def test_arg_max_with_value_and_argmax():
    t = Tensor(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], np.float32))
    index, value = both(ops.ArgMaxWithValue(), t)  # MindSpore 2.7.2: axis 0, (index int64, value)
    check(index, [1, 0, 0], gg.int64)
    check(value, [2.0, 3.0, 3.0], gg.float32)
    index, value = ops.ArgMaxWithValue(axis=1, keep_dims=True)(t)
    check(index, [[1], [0]], gg.int64)  # the first of a tie
    check(value, [[3.0], [2.0]])
    index, value = ops.ArgMinWithValue(1)(t)
    check(index, [0, 2], gg.int64)
    check(value, [1.0, 0.0])
    check(both(ops.Argmax(), t), [1, 0], gg.int32)  # MindSpore 2.7.2: axis -1, int32 (ops.argmax: int64)
    check(ops.Argmax(0, gg.int64)(t), [1, 0, 0], gg.int64)
    check(ops.Argmin(output_type=gg.int64)(t), [0, 2], gg.int64)
    check(ops.Argmin(axis=0)(t), [0, 1, 1], gg.int32)


# --- shapes


def test_concat_stack_split_unstack():
    a, b = Tensor(X), Tensor(X + 10)
    check(both(lambda s, t: ops.Concat(axis=1)((s, t)), a, b), np.concatenate([X, X + 10], 1))
    check(ops.Concat()([a, b]), np.concatenate([X, X + 10], 0))
    check(ops.Concat(-1)((a,)), X)
    check(both(lambda s, t: ops.Stack(1)((s, t)), a, b), np.stack([X, X + 10], 1))
    pieces = both(ops.Split(1, 3), a)  # MindSpore 2.7.2: a tuple of output_num equal pieces
    assert isinstance(pieces, tuple) and len(pieces) == 3
    for got, want in zip(pieces, np.split(X, 3, 1)):
        check(got, want)
    assert len(ops.Split()(a)) == 1
    rows = both(ops.Unstack(), a)
    assert len(rows) == 2
    check(rows[1], X[1])
    check(ops.Unstack(axis=1)(a)[2], X[:, 2])


def test_reshape_transpose_expand_squeeze_tile_broadcast():
    x = Tensor(X)
    check(both(lambda t: ops.Reshape()(t, (3, -1)), x), X.reshape(3, 2))
    check(ops.Reshape()(x, Tensor(np.array([3, 2]))), X.reshape(3, 2))
    check(both(lambda t: ops.Transpose()(t, (1, 0)), x), X.T)
    check(ops.Transpose()(x, [-1, 0]), X.T)
    check(both(lambda t: ops.ExpandDims()(t, -1), x), X[..., None])
    y = Tensor(X.reshape(1, 2, 1, 3))
    check(both(ops.Squeeze(), y), X)
    check(ops.Squeeze(0)(y), X.reshape(2, 1, 3))
    check(ops.Squeeze((0, 2))(y), X)
    check(ops.Squeeze(1)(y), X.reshape(1, 2, 1, 3))  # MindSpore 2.7.2: a dim that is not 1 stays
    check(both(lambda t: ops.Tile()(t, (2, 1)), x), np.tile(X, (2, 1)))
    check(ops.Tile()(x, (2,)), np.tile(X, 2))  # shorter multiples: leading 1s
    check(ops.Tile()(x, (2, 1, 1)), np.tile(X, (2, 1, 1)))
    check(both(ops.BroadcastTo((2, 2, 3)), x), np.broadcast_to(X, (2, 2, 3)))
    check(ops.BroadcastTo((2, -1, 3))(x), np.broadcast_to(X, (2, 2, 3)))


def test_gather_and_one_hot():
    x = Tensor(X)
    check(both(lambda t: ops.Gather()(t, Tensor(np.array([2, 0], np.int32)), 1), x), X[:, [2, 0]])
    check(ops.Gather()(x, Tensor(np.array([[1, 0]])), 1), X[:, [[1, 0]]])
    check(ops.Gather()(x, Tensor(np.array([-1], np.int32)), 1), [[2.0], [5.0]])  # MindSpore 2.7.2 wraps -1
    i = Tensor(np.array([0, 2, 5], np.int32))
    on, off = Tensor(1.0), Tensor(0.0)
    # MindSpore 2.7.2: an index outside [0, depth) gives a row of off_value; the dtype is on_value's
    check(both(lambda t: ops.OneHot()(t, 3, on, off), i), [[1, 0, 0], [0, 0, 1], [0, 0, 0]], gg.float32)
    check(ops.OneHot(axis=0)(i, 3, on, off), [[1, 0, 0], [0, 0, 0], [0, 1, 0]])
    check(ops.OneHot()(i, Tensor(3), Tensor(np.array(5, np.int64)), Tensor(np.array(-1, np.int64))),
          [[5, -1, -1], [-1, -1, 5], [-1, -1, -1]], gg.int64)
    check(ops.OneHot()(i, 3, Tensor([2.0]), off), [[2, 0, 0], [0, 0, 2], [0, 0, 0]])  # MindSpore takes (1,)


def test_cast_fill_zeros_ones_and_the_static_ones():
    x = Tensor(X)
    check(both(lambda t: ops.Cast()(t, gg.int32), x), X.astype(np.int32), gg.int32)
    check(ops.Cast()(x, gg.bool_), X != 0, gg.bool_)
    check(ops.Cast()(1.5, gg.int32), 1, gg.int32)  # MindSpore 2.7.2 takes a number too
    check(ops.Fill()(gg.float32, (2, 2), 1.5), np.full((2, 2), 1.5), gg.float32)
    check(ops.Fill()(gg.int32, (2,), -3.7), [-3, -3], gg.int32)  # MindSpore 2.7.2: truncated
    check(ops.Fill()(gg.bool_, (2,), 1), [True, True], gg.bool_)
    check(ops.Fill()(gg.float32, (), Tensor(2.0)), 2.0, gg.float32)
    check(ops.Zeros()((2, 2), gg.float32), np.zeros((2, 2)), gg.float32)
    check(ops.Ones()(3, gg.int32), [1, 1, 1], gg.int32)
    check(ops.Zeros()((2,)), [0, 0], gg.float32)
    assert ops.Shape()(x) == (2, 3) and ops.Shape()(Tensor(1.0)) == ()
    assert ops.DType()(x) is gg.float32 and ops.DType()(Tensor(N)) is gg.int32
    assert ops.Rank()(x) == 2 and ops.Size()(x) == 6

    def f(t):  # static under jit: plain Python values while tracing
        assert ops.Shape()(t) == (2, 3) and ops.Rank()(t) == 2 and ops.DType()(t) is gg.float32
        return ops.Fill()(ops.DType()(t), ops.Shape()(t), float(ops.Size()(t)))
    check(gg.jit(f)(x), np.full((2, 3), 6.0), gg.float32)


def test_assign_and_depend():
    p = Parameter(Tensor(np.zeros(3, np.float32)), name="p")
    out = ops.Assign()(p, Tensor(np.ones(3, np.float32)))
    check(out, [1, 1, 1])
    check(p, [1, 1, 1])

    @gg.jit
    def step(v):
        return ops.Depend()(v * 2, ops.Assign()(p, v))
    check(step(Tensor(np.full(3, 4.0, np.float32))), [8, 8, 8])
    check(p, [4, 4, 4])
    with pytest.raises(ValueError, match="Assign: value of shape"):  # MindSpore: no broadcast
        ops.Assign()(p, Tensor(np.ones(1, np.float32)))
    check(ops.Depend()(Tensor(X), Tensor(N)), X)


# --- nn


def test_softmax_log_softmax():
    x = Tensor(X)
    e = np.exp(X - X.max(-1, keepdims=True))
    check(both(ops.Softmax(), x), e / e.sum(-1, keepdims=True))
    check(ops.Softmax(axis=(0,))(x), np.exp(X) / np.exp(X).sum(0))
    # MindSpore 2.7.2: softmax over axis 0 of X
    check(ops.Softmax(0)(x), [[0.04743] * 3, [0.95257] * 3], atol=1e-5)
    check(both(ops.LogSoftmax(), x), np.log(e / e.sum(-1, keepdims=True)))
    check(ops.LogSoftmax(0)(x), np.log(np.exp(X) / np.exp(X).sum(0)))


def test_cross_entropy_primitives():
    x = Tensor(X)
    labels = Tensor(np.array([[0.0, 1.0, 0.0], [0.5, 0.5, 0.0]], np.float32))
    loss, backprop = both(ops.SoftmaxCrossEntropyWithLogits(), x, labels)
    check(loss, [1.4076059, 1.9076059], gg.float32)  # MindSpore 2.7.2
    check(backprop, [[0.09003057, -0.75527155, 0.66524094], [-0.40996942, -0.25527152, 0.66524094]])
    idx = Tensor(np.array([1, 2], np.int32))
    check(both(ops.SparseSoftmaxCrossEntropyWithLogits(), x, idx), 0.9076062, gg.float32)  # MindSpore 2.7.2
    check(ops.SparseSoftmaxCrossEntropyWithLogits(is_grad=True)(x, idx),
          [[0.04502, -0.37764, 0.33262], [0.04502, 0.12236, -0.16738]], atol=1e-5)
    check(both(ops.SigmoidCrossEntropyWithLogits(), x, labels),  # MindSpore 2.7.2
          [[0.69315, 0.31326, 2.12693], [1.54859, 2.01815, 5.00672]], atol=1e-5)


def test_layer_norm():
    x3 = np.arange(12, dtype=np.float32).reshape(2, 2, 3)
    y, mean, var = both(ops.LayerNorm(), Tensor(X), Tensor(np.ones(3, np.float32)), Tensor(np.zeros(3, np.float32)))
    # MindSpore 2.7.2: mean and the variance (not 1/std) keep the normalised dims
    check(y, [[-1.2247448, 0, 1.2247448]] * 2)
    check(mean, [[1.0], [4.0]])
    check(var, [[0.6666667], [0.6666667]])
    g, b = np.array([1.0, 2.0, 3.0], np.float32), np.array([0.0, 1.0, 0.0], np.float32)
    y, _, _ = ops.LayerNorm(-1, -1)(Tensor(X), Tensor(g), Tensor(b))
    check(y, [[-1.2247448, 1.0, 3.6742344]] * 2)
    y, mean, var = ops.LayerNorm(1, 2)(Tensor(x3), Tensor(g * 0 + 1), Tensor(b * 0))  # MindSpore 2.7.2
    check(mean, [[[2.5]], [[8.5]]])
    check(var, [[[2.9166667]], [[2.9166667]]])
    check(y[0, 0], [-1.46385, -0.87831, -0.29277], atol=1e-5)
    ones, zeros = Tensor(np.ones((2, 3), np.float32)), Tensor(np.zeros((2, 3), np.float32))
    y, mean, _ = ops.LayerNorm(2, 1)(Tensor(x3), ones, zeros)  # gamma over dims 1.., the norm over 2..
    check(mean, x3.mean(2, keepdims=True))
    check(y, (x3 - x3.mean(2, keepdims=True)) / np.sqrt(x3.var(2, keepdims=True) + 1e-7))


# --- gradients: the functional ops' gradients, through the primitives


def test_gradients_through_primitives():
    w_np = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float64)
    x_np = np.random.default_rng(1).standard_normal((2, 3)).astype(np.float64)
    matmul, reduce_sum, softmax = ops.MatMul(transpose_b=True), ops.ReduceSum(keep_dims=False), ops.Softmax(-1)

    def loss(x, w):
        return reduce_sum(ops.Square()(softmax(matmul(x, w))), ())

    def reference(x, w):
        return ops.sum(ops.square(ops.softmax(ops.matmul(x, ops.transpose(w, (1, 0))), -1)))
    x, w = Tensor(x_np), Tensor(w_np)
    for got, want in zip(gg.grad(loss, (0, 1))(x, w), gg.grad(reference, (0, 1))(x, w)):
        np.testing.assert_allclose(got.asnumpy(), want.asnumpy(), rtol=1e-12)
    dx = gg.jit(gg.grad(loss, 0))(x, w)
    np.testing.assert_allclose(dx.asnumpy(), gg.grad(reference, 0)(x, w).asnumpy(), rtol=1e-12)

    def with_value(t):  # ArgMaxWithValue: the value's gradient goes to the first maximum only
        _, v = ops.ArgMaxWithValue(axis=1)(t)
        return ops.ReduceSum()(v)
    check(gg.grad(with_value)(Tensor(np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]]))), [[0, 1, 0], [1, 0, 0]])

    def split_concat(t):
        a, b = ops.Split(1, 2)(t)
        return ops.ReduceSum()(ops.Concat(1)((a * 2, b * 3)))
    check(gg.grad(split_concat)(Tensor(np.ones((2, 4)))), [[2, 2, 3, 3]] * 2)


def test_layer_norm_gradient_matches_nn_layer_norm():
    x = Tensor(np.random.default_rng(2).standard_normal((3, 4)).astype(np.float64))
    g, b = Tensor(np.linspace(0.5, 2, 4)), Tensor(np.linspace(-1, 1, 4))
    prim = ops.LayerNorm(begin_norm_axis=-1, begin_params_axis=-1, epsilon=1e-5)

    def by_prim(t, gamma, beta):
        return ops.sum(ops.sin(prim(t, gamma, beta)[0]))

    def by_hand(t, gamma, beta):
        mean = ops.mean(t, -1, True)
        var = ops.mean(ops.square(t - mean), -1, True)
        return ops.sum(ops.sin((t - mean) / ops.sqrt(var + 1e-5) * gamma + beta))
    for got, want in zip(gg.grad(by_prim, (0, 1, 2))(x, g, b), gg.grad(by_hand, (0, 1, 2))(x, g, b)):
        np.testing.assert_allclose(got.asnumpy(), want.asnumpy(), rtol=1e-10, atol=1e-12)


def test_primitives_in_a_cell_under_graph_mode():
    class Net(nn.Cell):  # the way MindSpore code uses them: made in __init__, applied in construct
        def __init__(self):
            super().__init__()
            self.w = Parameter(Tensor(np.ones((4, 3), np.float32)), name="w")
            self.matmul = ops.MatMul(transpose_b=True)
            self.bias_add = ops.BiasAdd()
            self.b = Parameter(Tensor(np.arange(4, dtype=np.float32)), name="b")
            self.mean = ops.ReduceMean(keep_dims=True)

        def construct(self, x):
            return self.mean(ops.ReLU()(self.bias_add(self.matmul(x, self.w), self.b)), 1)
    want = np.maximum(X @ np.ones((3, 4)) + np.arange(4), 0).mean(1, keepdims=True)
    net = Net()
    check(net(Tensor(X)), want)
    gg.set_context(mode=gg.GRAPH_MODE)
    try:
        check(Net()(Tensor(X)), want)
    finally:
        gg.set_context(mode=gg.PYNATIVE_MODE)
    grads = gg.value_and_grad(net, None, net.trainable_params())(Tensor(X))[1]
    check(grads[1], [0.5, 0.5, 0.5, 0.5])  # two rows, each the mean of 4 positive columns: 2 * 1/4


# --- reprs, as MindSpore 2.7.2 prints them


@pytest.mark.parametrize("prim, text", [
    (lambda: ops.MatMul(transpose_b=True), "Prim[MatMul]<transpose_a=False, transpose_b=True>"),
    (lambda: ops.BatchMatMul(), "Prim[BatchMatMul]<transpose_a=False, transpose_b=False>"),
    (lambda: ops.ReduceSum(keep_dims=True), "Prim[ReduceSum]<keep_dims=True, skip_mode=False>"),
    (lambda: ops.ReduceMean(), "Prim[ReduceMean]<keep_dims=False>"),
    (lambda: ops.Concat(axis=1), "Prim[Concat]<axis=1>"),
    (lambda: ops.Reshape(), "Prim[Reshape]"),
    (lambda: ops.Add(), "Prim[Add]"),
    (lambda: ops.Cast(), "Prim[Cast]"),
    (lambda: ops.Softmax(), "Prim[Softmax]<axis=(-1,)>"),
    (lambda: ops.Softmax(axis=1), "Prim[Softmax]<axis=(1,)>"),
    (lambda: ops.LogSoftmax(0), "Prim[LogSoftmax]<axis=0>"),
    (lambda: ops.Argmax(), "Prim[Argmax]<axis=-1, output_type=34>"),
    (lambda: ops.Argmax(1, gg.int64), "Prim[Argmax]<axis=1, output_type=35>"),
    (lambda: ops.Squeeze(1), "Prim[Squeeze]<axis=(1,)>"),
    (lambda: ops.Squeeze([0, 1]), "Prim[Squeeze]<axis=(0, 1)>"),
    (lambda: ops.Split(1, 2), "Prim[Split]<axis=1, output_num=2>"),
    (lambda: ops.BroadcastTo([2, 3]), "Prim[BroadcastTo]<shape=(2, 3)>"),
    (lambda: ops.LayerNorm(), "Prim[LayerNorm]<begin_norm_axis=1, begin_params_axis=1, epsilon=1e-07>"),
    (lambda: ops.BiasAdd(), "Prim[BiasAdd]<data_format=0>"),
    (lambda: ops.BiasAdd("NHWC"), "Prim[BiasAdd]<data_format=1>"),
    (lambda: ops.ArgMaxWithValue(1, True), "Prim[ArgMaxWithValue]<axis=1, keep_dims=True>"),
    (lambda: ops.Stack(1), "Prim[Stack]<axis=1>"),
    (lambda: ops.OneHot(), "Prim[OneHot]<axis=-1>"),
    (lambda: ops.Gather(), "Prim[Gather]<batch_dims=0>"),
])
def test_repr_is_mindspores(prim, text):
    p = prim()
    assert repr(p) == text and str(p) == text
    assert p.name == text[5:].split("]")[0]
    assert isinstance(p, ops.Primitive)


def test_init_arguments_are_attributes():
    m = ops.MatMul(transpose_b=True)
    assert (m.transpose_a, m.transpose_b) == (False, True) and m.attrs == {"transpose_a": False, "transpose_b": True}
    assert ops.Softmax(1).axis == (1,) and ops.Split(1, 2).output_num == 2 and ops.ReduceSum(True).keep_dims is True
    assert ops.LayerNorm(epsilon=1e-5).epsilon == 1e-5 and ops.Squeeze(1).axis == (1,)


# --- errors


@pytest.mark.parametrize("make, error, text", [
    (lambda: ops.MatMul(transpose_a=1), TypeError, "MatMul: transpose_a must be a bool, got 1"),
    (lambda: ops.BatchMatMul(transpose_b=None), TypeError, "BatchMatMul: transpose_b must be a bool"),
    (lambda: ops.ReduceSum(keep_dims="a"), TypeError, "ReduceSum: keep_dims must be a bool"),
    (lambda: ops.ReduceSum(skip_mode=1), TypeError, "ReduceSum: skip_mode must be a bool"),
    (lambda: ops.ReduceMax(None), TypeError, "ReduceMax: keep_dims must be a bool"),
    (lambda: ops.Concat(axis=1.5), TypeError, "Concat: axis must be an int"),
    (lambda: ops.Concat(axis=True), TypeError, "Concat: axis must be an int"),
    (lambda: ops.Stack(axis="a"), TypeError, "Stack: axis must be an int"),
    (lambda: ops.Softmax(axis=1.5), TypeError, "Softmax: axis must be an int"),
    (lambda: ops.Softmax(axis=[0]), TypeError, "Softmax: axis must be an int"),
    (lambda: ops.Softmax(axis=(0, 1)), ValueError, "Softmax: axis must name one axis"),
    (lambda: ops.Softmax(axis=()), ValueError, "Softmax: axis must name one axis"),
    (lambda: ops.LogSoftmax(axis=(0,)), TypeError, "LogSoftmax: axis must be an int"),
    (lambda: ops.Argmax(axis=(0,)), TypeError, "Argmax: axis must be an int"),
    (lambda: ops.Argmax(output_type=gg.float32), ValueError, "Argmax: output_type must be"),
    (lambda: ops.Argmin(output_type="int32"), ValueError, "Argmin: output_type must be"),
    (lambda: ops.ArgMaxWithValue(axis=1.5), TypeError, "ArgMaxWithValue: axis must be an int"),
    (lambda: ops.ArgMinWithValue(keep_dims=1), TypeError, "ArgMinWithValue: keep_dims must be a bool"),
    (lambda: ops.Squeeze(axis=1.5), TypeError, "Squeeze: axis must be an int or a tuple of ints"),
    (lambda: ops.Squeeze(axis=(0, "a")), TypeError, "Squeeze: axis must be an int or a tuple of ints"),
    (lambda: ops.Split(axis=1.5), TypeError, "Split: axis must be an int"),
    (lambda: ops.Split(0, 0), ValueError, "Split: output_num must be positive, got 0"),
    (lambda: ops.Split(0, True), TypeError, "Split: output_num must be an int"),
    (lambda: ops.BroadcastTo(2), TypeError, "BroadcastTo: shape must be a tuple of ints"),
    (lambda: ops.BroadcastTo((2, 1.5)), TypeError, "BroadcastTo: shape must be an int or a tuple of ints"),
    (lambda: ops.BroadcastTo((2, -2)), ValueError, "BroadcastTo: shape must hold sizes or -1"),
    (lambda: ops.LayerNorm(epsilon="x"), TypeError, "LayerNorm: epsilon must be a float"),
    (lambda: ops.LayerNorm(epsilon=1), TypeError, "LayerNorm: epsilon must be a float"),
    (lambda: ops.LayerNorm(begin_norm_axis=1.5), TypeError, "LayerNorm: begin_norm_axis must be an int"),
    (lambda: ops.LayerNorm(begin_params_axis=True), TypeError, "LayerNorm: begin_params_axis must be an int"),
    (lambda: ops.BiasAdd(data_format="XX"), ValueError, "BiasAdd: data_format must be 'NCHW', 'NHWC' or 'NCDHW'"),
    (lambda: ops.BiasAdd(data_format=0), TypeError, "BiasAdd: data_format must be a str"),
    (lambda: ops.OneHot(axis=1.5), TypeError, "OneHot: axis must be an int"),
    (lambda: ops.Gather(batch_dims=1.5), TypeError, "Gather: batch_dims must be an int"),
    (lambda: ops.Unstack(num="2"), TypeError, "Unstack: num must be an int"),
    (lambda: ops.SparseSoftmaxCrossEntropyWithLogits(is_grad=1), TypeError,
     "SparseSoftmaxCrossEntropyWithLogits: is_grad must be a bool"),
])
def test_bad_init_argument_raises_at_construction(make, error, text):
    with pytest.raises(error) as info:
        make()
    assert str(info.value).startswith(text), str(info.value)


F, I = Tensor(X), Tensor(N)


@pytest.mark.parametrize("call, error, text", [
    (lambda: ops.Concat(2)((F, F)), ValueError, "Concat: concat: axis 2 is out of range"),
    (lambda: ops.Concat()(F), TypeError, "Concat: the input must be a tuple or list of Tensors, got Tensor"),
    (lambda: ops.Concat(1)((F, I)), TypeError, "Concat: the inputs must have one dtype"),
    (lambda: ops.Stack()((F, I)), TypeError, "Stack: the inputs must have one dtype"),
    (lambda: ops.AddN()((F, I)), TypeError, "AddN: the inputs must have one dtype"),
    (lambda: ops.MatMul()(F, I), TypeError, "MatMul: the inputs must have one dtype"),
    (lambda: ops.MatMul()(F[0], F), ValueError, "MatMul: the inputs must be 2-D"),
    (lambda: ops.MatMul()(F, F), ValueError, "MatMul: "),  # (2, 3) @ (2, 3)
    (lambda: ops.BatchMatMul()(F[0], F), ValueError, "BatchMatMul: the inputs must be at least 2-D"),
    (lambda: ops.Split(0, 4)(F), ValueError, "Split: axis 0 of shape (2, 3) does not split into 4 equal pieces"),
    (lambda: ops.Cast()(F, "float32"), TypeError, "Cast: dtype must be a graphgrad dtype"),
    (lambda: ops.Fill()(np.float32, (2,), 1), TypeError, "Fill: type must be a graphgrad dtype"),
    (lambda: ops.ReduceSum()(F, None), TypeError, "ReduceSum: axis must be an int, a tuple of ints or ()"),
    (lambda: ops.ReduceSum()(F, 2), ValueError, "ReduceSum: sum: axis 2 is out of range"),
    (lambda: ops.ReduceMean()(F, 1.5), TypeError, "ReduceMean: mean: axis must be"),
    (lambda: ops.BiasAdd()(F, Tensor([1.0, 2.0])), ValueError, "BiasAdd: bias of shape (2,) for channel axis 1"),
    (lambda: ops.BiasAdd()(F[0], Tensor([1.0, 2.0, 3.0])), ValueError, "BiasAdd: input_x must be 2-D to 5-D"),
    (lambda: ops.BiasAdd()(F, Tensor([1, 2, 3])), TypeError, "BiasAdd: the inputs must have one dtype"),
    (lambda: ops.LayerNorm()(F, Tensor([1.0, 1.0]), Tensor([0.0, 0.0])), ValueError, "LayerNorm: gamma of shape (2,)"),
    (lambda: ops.LayerNorm(3)(F, Tensor([1.0] * 3), Tensor([0.0] * 3)), ValueError, "LayerNorm: begin_norm_axis 3"),
    (lambda: ops.OneHot()(Tensor([0, 1]), 3, Tensor(1.0), Tensor(0)), TypeError, "OneHot: the inputs must have one"),
    (lambda: ops.SoftmaxCrossEntropyWithLogits()(F[0], F[0]), ValueError, "SoftmaxCrossEntropyWithLogits: logits"),
    (lambda: ops.Unstack(num=3)(F), ValueError, "Unstack: num is 3 but axis 0 of shape (2, 3) has 2"),
    (lambda: ops.Assign()(F, F), TypeError, "Assign: assign: variable must be a Parameter"),
    (lambda: ops.Shape()(1.0), TypeError, "Shape: x must be a Tensor"),
    (lambda: ops.Gather(1)(F, Tensor([0]), 1), NotImplementedError, "Gather: gather: batch_dims"),
    (lambda: ops.Add()(F), TypeError, "Add: "),
])
def test_call_errors_name_the_primitive(call, error, text):
    with pytest.raises(error) as info:
        call()
    assert str(info.value).startswith(text), str(info.value)


def test_call_error_under_jit_names_the_primitive_and_the_line():
    def f(t):
        return ops.Concat(axis=3)((t, t))
    with pytest.raises(ValueError) as info:
        gg.jit(f)(F)
    assert str(info.value).startswith("Concat: ") and "test_primitives.py" in str(info.value)


def test_every_exported_primitive_is_tested():
    import pathlib
    source = pathlib.Path(__file__).read_text()
    names = [n for n in ops._primitives.__all__ if n != "Primitive"]
    assert len(names) > 90
    untested = [n for n in names if f"ops.{n}(" not in source and f'"{n}"' not in source]
    assert not untested


def test_the_operations_module_older_code_imports():
    # from mindspore.ops import operations as P; P.MatMul(...): the same classes as ops', collectives too
    from graphgrad.ops import operations as P
    assert P.MatMul is ops.MatMul and P.AllReduce is ops.AllReduce and P.ReduceOp is ops.ReduceOp
    assert set(P.__all__) == {n for n in ops.__all__ if n[0].isupper()}
    x = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert P.ReduceSum(keep_dims=True)(x, 1).tolist() == [[3.0], [12.0]]


# Conv2D, MaxPool, AvgPool: numbers and reprs printed by MindSpore 2.7.2 for these inputs
X5 = np.arange(2 * 1 * 5 * 5, dtype=np.float32).reshape(2, 1, 5, 5) / 10
W3 = np.ones((2, 1, 3, 3), np.float32) * np.array([1, -1], np.float32).reshape(2, 1, 1, 1)


def test_conv_and_pool_primitives_as_mindspores():
    conv = ops.Conv2D(out_channel=2, kernel_size=3, pad_mode="same", stride=2)
    assert repr(conv) == ("Prim[Conv2D]<out_channel=2, kernel_size=3, mode=1, pad_mode=same, pad=(0, 0, 0, 0), "
                          "stride=(1, 1, 2, 2), dilation=(1, 1, 1, 1), group=1, data_format=NCHW, groups=1>")
    y = conv(Tensor(X5), Tensor(W3))
    assert y.shape == (2, 2, 3, 3)
    np.testing.assert_allclose(y.asnumpy()[0, :, 0, :], [[1.2, 2.7, 2.4], [-1.2, -2.7, -2.4]], rtol=1e-6)
    assert repr(ops.MaxPool(kernel_size=2, strides=2)) == \
        "Prim[MaxPool]<kernel_size=(1, 1, 2, 2), strides=(1, 1, 2, 2), pad_mode=VALID, data_format=NCHW>"
    np.testing.assert_allclose(ops.MaxPool(kernel_size=2, strides=2, pad_mode="same")(Tensor(X5)).asnumpy()[0, 0],
                               [[0.6, 0.8, 0.9], [1.6, 1.8, 1.9], [2.1, 2.3, 2.4]], rtol=1e-6)
    avg = ops.AvgPool(kernel_size=2, strides=1, pad_mode="SAME")
    assert repr(avg) == "Prim[AvgPool]<kernel_size=(2, 2), strides=(1, 1), pad_mode=1, data_format=0>"
    np.testing.assert_allclose(avg(Tensor(X5)).asnumpy()[0, 0, -1], [2.05, 2.15, 2.25, 2.35, 2.4], rtol=1e-6)
    # jit and a gradient through them (the weight's is the sum of each output's window)
    f = gg.jit(lambda x, w: ops.MaxPool(2, 2)(ops.Conv2D(2, 3, pad_mode="pad", pad=1)(x, w)))
    np.testing.assert_array_equal(f(Tensor(X5), Tensor(W3)).asnumpy(),
                                  ops.MaxPool(2, 2)(ops.Conv2D(2, 3, pad_mode="pad", pad=1)(Tensor(X5), Tensor(W3))).asnumpy())
    dw = gg.grad(lambda w: ops.Conv2D(2, 3)(Tensor(X5), w).sum())(Tensor(W3))
    windows = np.lib.stride_tricks.sliding_window_view(X5, (3, 3), axis=(2, 3)).sum(axis=(0, 2, 3))
    np.testing.assert_allclose(dw.asnumpy(), np.broadcast_to(windows, (2, 1, 3, 3)), rtol=1e-5)


def test_conv_and_pool_primitive_arguments():
    with pytest.raises(ValueError, match="pad_mode must be 'valid', 'same' or 'pad', got 'x'"):
        ops.Conv2D(2, 3, pad_mode="x")
    with pytest.raises(ValueError, match="pad must be zero when pad_mode is not 'pad'"):
        ops.Conv2D(2, 3, pad=1)
    with pytest.raises(ValueError, match="out_channel must be a positive int"):
        ops.Conv2D(0, 3)
    with pytest.raises(ValueError, match="mode must be 1"):
        ops.Conv2D(2, 3, mode=2)
    with pytest.raises(ValueError, match="kernel_size must be a positive int"):
        ops.MaxPool(kernel_size=0)
    with pytest.raises(NotImplementedError, match="NCHW only"):
        ops.AvgPool(data_format="NHWC")
    with pytest.raises(ValueError, match="Conv2D: the weight must have shape \\(3, C/1, 3, 3\\), got \\(2, 1, 3, 3\\)"):
        ops.Conv2D(3, 3)(Tensor(X5), Tensor(W3))
