"""Operators and elementwise ops outside a trace run in C++ (csrc/python/eager.cpp) when their
operands need no promotion, the rest in the Python path. Whichever path takes a call, the user
sees the same thing: the same bits and dtype, the same errors at their own line, and the op
recorded, not run, while tracing."""
import copy
import inspect
import operator
import pickle
import threading

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Tensor, ops

DTYPES = {"float32": gg.float32, "float64": gg.float64, "int32": gg.int32, "int64": gg.int64, "bool": gg.bool_}


def values(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype.startswith("int"):
        return rng.integers(-9, 10, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def same(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    g, w = got.asnumpy(), want.asnumpy()
    assert np.array_equal(g, w, equal_nan=True), (g, w)


def outcome(fn, *args):
    """The result, or the error's type and message (its first line: the location differs)."""
    try:
        return fn(*args)
    except Exception as e:  # noqa: BLE001 (compared below)
        return type(e), str(e).split("\n")[0]


def same_as_python_path(fn, *args):
    """fn(*args) as the user calls it gives what the Python path alone (the op's public
    function) gives: the same bits and dtype, or the same error."""
    got, want = outcome(fn, *args), outcome(fn.__wrapped__, *args)
    if isinstance(want, tuple):
        assert got == want
    else:
        same(got, want)


BINARY = [ops.add, ops.sub, ops.mul, ops.div, ops.floor_divide, ops.remainder, ops.pow, ops.maximum, ops.minimum,
          ops.eq, ops.ne, ops.lt, ops.le, ops.gt, ops.ge]


@pytest.mark.parametrize("fn", BINARY, ids=lambda f: f.__name__)
@pytest.mark.parametrize("left,right", [("float32", "float32"), ("float64", "float64"), ("int32", "int32"),
                                        ("int64", "int64"), ("bool", "bool"), ("int32", "float32"),
                                        ("float32", "float64"), ("int32", "int64"), ("bool", "float32")])
def test_every_dtype_pair_gives_what_the_python_path_gives(fn, left, right):
    # Same dtypes run in C++; mixed ones are promoted by the Python path (MindSpore's rules).
    a = Tensor(values(left, (3, 4), 0))
    b = Tensor(values(right, (4,), 1) + (1 if right != "bool" else 0))  # (broadcast; few zero divisors)
    same_as_python_path(fn, a, b)


@pytest.mark.parametrize("fn", BINARY, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "bool"])
@pytest.mark.parametrize("number", [2, -3, 1.5, True, 2 ** 40, np.float32(0.5)], ids=repr)
def test_python_numbers_take_the_tensors_dtype_as_in_the_python_path(fn, dtype, number):
    a = Tensor(values(dtype, (2, 3), 2))
    same_as_python_path(fn, a, number)
    same_as_python_path(fn, number, a)


@pytest.mark.parametrize("name,fn", [("add", ops.add), ("sub", ops.sub), ("mul", ops.mul), ("truediv", ops.div),
                                     ("floordiv", ops.floor_divide), ("mod", ops.remainder), ("pow", ops.pow)])
def test_reflected_operators_put_the_number_first(name, fn):
    a = Tensor(np.array([[1.5, -2.0, 4.0]], np.float32))
    got = getattr(operator, name)(3.0, a)
    assert got.dtype == gg.float32
    np.testing.assert_allclose(got.asnumpy(), getattr(operator, name)(np.float32(3.0), a.asnumpy()), rtol=1e-6)
    same(got, fn.__wrapped__(3.0, a))


UNARY = [ops.neg, ops.abs, ops.exp, ops.log, ops.sqrt, ops.square, ops.tanh, ops.sigmoid, ops.relu, ops.sign,
         ops.floor, ops.isnan, ops.reciprocal]


@pytest.mark.parametrize("fn", UNARY, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "bool"])
def test_unary_ops_give_what_the_python_path_gives(fn, dtype):
    same_as_python_path(fn, Tensor(values(dtype, (5,), 3)))


def test_matmul_and_the_operators_and_methods_agree_with_numpy():
    a = values("float32", (3, 5), 4)
    b = values("float32", (5, 2), 5)
    ta, tb = Tensor(a), Tensor(b)
    for got in (ta @ tb, ops.matmul(ta, tb), ta.matmul(tb), Tensor.matmul(ta, tb)):
        np.testing.assert_allclose(got.asnumpy(), a @ b, rtol=1e-5)
    np.testing.assert_array_equal((ta + ta).asnumpy(), a + a)
    np.testing.assert_array_equal(ta.add(ta).asnumpy(), a + a)
    np.testing.assert_array_equal(ta.__add__(ta).asnumpy(), a + a)
    np.testing.assert_array_equal((-ta).asnumpy(), -a)
    np.testing.assert_array_equal(abs(ta).asnumpy(), np.abs(a))
    np.testing.assert_array_equal(ta.relu().asnumpy(), np.maximum(a, 0))
    # Integer operands multiply in the Python path, in their dtype (MindSpore's int64 [[1, 2], [3, 4]]
    # @ [[1, -2], [0, 3]] is int64 [[1, 4], [3, 6]]); bools are refused.
    ints = Tensor(np.array([[1, 2], [3, 4]], np.int64)) @ Tensor(np.array([[1, -2], [0, 3]], np.int64))
    assert ints.dtype == gg.int64
    np.testing.assert_array_equal(ints.asnumpy(), [[1, 4], [3, 6]])
    with pytest.raises(TypeError, match="matmul: number operands expected"):
        Tensor(np.ones((2, 2), bool)) @ Tensor(np.ones((2, 2), bool))


def test_a_shape_error_names_the_op_the_shapes_and_the_users_line():
    a, b = Tensor(np.ones((2, 3), np.float32)), Tensor(np.ones((4,), np.float32))
    line = inspect.currentframe().f_lineno + 2
    with pytest.raises(ValueError) as e:
        a + b
    message = str(e.value)
    assert "add" in message and "[2,3]" in message.replace(" ", "") and "[4]" in message.replace(" ", "")
    assert f"test_eager.py:{line}" in message


def test_while_tracing_the_ops_are_recorded_and_differentiated():
    x = Tensor(np.array([1.0, -2.0, 3.0], np.float32))

    def f(x):
        return ops.sum((x * 2.0 + x) * x - ops.relu(x) / 4.0)

    g = gg.grad(f)(x)
    # d/dx (3x^2 - relu(x)/4) = 6x - (x > 0)/4
    np.testing.assert_allclose(g.asnumpy(), 6 * x.asnumpy() - (x.asnumpy() > 0) / 4, rtol=1e-6)
    jitted = gg.jit(lambda a, b: a @ b + 1.0)
    a = Tensor(values("float32", (2, 3), 6))
    b = Tensor(values("float32", (3, 2), 7))
    np.testing.assert_allclose(jitted(a, b).asnumpy(), a.asnumpy() @ b.asnumpy() + 1, rtol=1e-5)


def test_a_traced_tensor_used_outside_its_trace_is_refused_by_both_paths():
    leaked = []
    gg.grad(lambda x: (leaked.append(x), ops.sum(x * x))[1])(Tensor(np.ones(2, np.float32)))
    with pytest.raises(gg.TracingError):
        leaked[0] + Tensor(np.ones(2, np.float32))
    with pytest.raises(gg.TracingError):
        ops.exp(leaked[0])


def test_the_ops_keep_their_names_docs_and_signatures():
    assert ops.add.__name__ == "add" and "input + other" in ops.add.__doc__
    assert list(inspect.signature(ops.add).parameters) == ["input", "other"]
    assert list(inspect.signature(ops.matmul).parameters) == ["input", "other"]
    assert ops.relu.__name__ == "relu"
    # Pickled and copied by reference, as functions are (a Cell holding one deep-copies).
    assert pickle.loads(pickle.dumps(ops.relu)) is ops.relu and copy.deepcopy(ops.add) is ops.add


def test_parameters_take_the_eager_path_and_stay_unchanged():
    p = gg.Parameter(Tensor(np.array([1.0, 2.0], np.float32)), name="p")
    out = p * 3.0 + p
    np.testing.assert_array_equal(out.asnumpy(), [4.0, 8.0])
    assert type(out) is Tensor
    np.testing.assert_array_equal(p.asnumpy(), [1.0, 2.0])


def test_large_operands_from_several_threads_give_the_right_values():
    # Large results run with the GIL released: each thread's operands stay alive and its own.
    a = values("float32", (256, 512), 8)
    ta = Tensor(a)
    errors = []

    def work(k):
        for _ in range(20):
            got = (ta * float(k) + ta).asnumpy()
            if not np.array_equal(got, a * np.float32(k) + a):
                errors.append(k)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_only_calls_that_need_no_promotion_run_in_cpp():
    taken = []

    def fallback(*args, **kwargs):
        taken.append(args)
        return "python"

    add = gg._core.eager_op("add", [gg.float32.code, gg.int32.code], fallback, 2, True)
    f32, i32 = Tensor(np.ones(3, np.float32)), Tensor(np.ones(3, np.int32))
    for args in [(f32, f32), (i32, i32), (f32, 2.5), (2, i32)]:
        assert isinstance(add(*args), Tensor)
    assert taken == []
    misses = [(f32, i32), (i32, 2.5), (f32, True), (f32, np.float32(1)), (f32, Tensor(np.ones(3, np.float64))),
              (Tensor(np.ones(3, np.float64)),) * 2, (f32, "1"), (i32, 2 ** 40), (1, 2)]
    for args in misses:
        assert add(*args) == "python"
    assert add(f32, f32, f32) == "python" and add(f32, other=f32) == "python"
    assert len(taken) == len(misses) + 2

    def traced(x):
        assert add(f32, f32) == "python"  # concrete operands, but a trace is recording: it gets the op
        return ops.sum(x)

    gg.grad(traced)(f32)
    assert len(taken) == len(misses) + 3


def test_every_other_op_runs_with_its_own_attributes_each_call():
    # run_op compiles each (op, input types, attributes) once: calls that differ only in their
    # attributes, alternating, each get their own.
    x = np.arange(24, dtype=np.float32).reshape(4, 6)
    t = Tensor(x)
    for _ in range(2):
        assert ops.reshape(t, (6, 4)).shape == (6, 4) and ops.reshape(t, (3, 8)).shape == (3, 8)
        np.testing.assert_array_equal(ops.sum(t, 0).asnumpy(), x.sum(0))
        np.testing.assert_array_equal(ops.sum(t, 1).asnumpy(), x.sum(1))
        np.testing.assert_array_equal(ops.sum(t, 1, keepdim=True).asnumpy(), x.sum(1, keepdims=True))
        assert t.astype(gg.float64).dtype == gg.float64 and t.astype(gg.int32).dtype == gg.int32
        np.testing.assert_array_equal(t[1:3, ::2].asnumpy(), x[1:3, ::2])
        np.testing.assert_array_equal(t[2].asnumpy(), x[2])


def test_random_ops_draw_new_values_each_eager_call_and_repeat_under_a_seed():
    gg.set_seed(5)
    first, second = ops.randn(3, 4).asnumpy(), ops.randn(3, 4).asnumpy()
    assert not np.array_equal(first, second)
    gg.set_seed(5)
    np.testing.assert_array_equal(ops.randn(3, 4).asnumpy(), first)
    np.testing.assert_array_equal(ops.randn(3, 4).asnumpy(), second)


@pytest.mark.parametrize("key", [0, 2, -1, -3, slice(1, 3), slice(None), slice(-2, None), slice(3, 1), slice(5, 9),
                                 slice(0, 4, 2), (1, 2), (slice(None), 1), Ellipsis, None, 4, -4, True])
def test_indexing_gives_what_ops_getitem_gives(key):
    # An int or a step-1 slice of the first axis is a view made in C++; the rest go to ops.
    x = np.arange(24, dtype=np.float32).reshape(3, 2, 4)
    t = Tensor(x)
    got, want = outcome(lambda: t[key]), outcome(lambda: ops._array.getitem(t, key))
    if isinstance(want, tuple):
        assert got == want
    else:
        same(got, want)
        np.testing.assert_array_equal(got.asnumpy(), x[key])
    for row, want_row in zip(t, x):  # iteration indexes too
        np.testing.assert_array_equal(row.asnumpy(), want_row)


def test_a_parameter_indexed_while_tracing_is_read_by_the_graph():
    # Eagerly t[0] is a view; traced, it must stay an op on the Parameter (its new value read at
    # each call, and differentiated), never a constant taken while tracing.
    p = gg.Parameter(Tensor(np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)), name="p")
    f = gg.jit(lambda x: p[1] * x)
    np.testing.assert_array_equal(f(Tensor(np.ones(2, np.float32))).asnumpy(), [3.0, 4.0])
    p.set_data(Tensor(np.array([[0.0, 0.0], [5.0, 6.0]], np.float32)))
    np.testing.assert_array_equal(f(Tensor(np.ones(2, np.float32))).asnumpy(), [5.0, 6.0])
    g = gg.grad(lambda x: ops.sum(p[0] * x), None, [p])(Tensor(np.array([2.0, 3.0], np.float32)))
    np.testing.assert_array_equal(g[0].asnumpy(), [[2.0, 3.0], [0.0, 0.0]])


@pytest.mark.parametrize("shape,want", [((6, 4), (6, 4)), ((-1,), (24,)), ((2, -1, 3), (2, 4, 3)), ([4, 6], (4, 6)),
                                        (24, (24,)), ((1, 24, 1), (1, 24, 1)), ((np.int64(4), 6), (4, 6)),
                                        ((0, -1), ValueError), ((5, 5), ValueError), ((-1, -1), ValueError),
                                        ((-2, 12), ValueError), ((2.0, 12), TypeError), ((True, 24), TypeError)])
def test_reshape_gives_numpys_result_or_a_clear_error(shape, want):
    # Eagerly a shape of plain ints is a view made in C++; the rest (and bad shapes) go to the checks.
    x = np.arange(24, dtype=np.float32).reshape(4, 6)
    t = Tensor(x)
    if not isinstance(want, tuple):
        with pytest.raises(want, match="reshape"):
            ops.reshape(t, shape)
        return
    for got in (ops.reshape(t, shape), t.reshape(shape), t.view(shape)):
        assert got.shape == want and got.dtype == gg.float32
        np.testing.assert_array_equal(got.asnumpy(), x.reshape(want))
    assert ops.reshape(t, (4, 6)) is t
