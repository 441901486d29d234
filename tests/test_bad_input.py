"""Bad input (issue 6): every mistake raises a Python exception of the right type whose message
names the op or argument, what was expected and what was given (and the user's file and line when
it happens while tracing); afterwards every cached graph, every Parameter and the process are as
before.

"As before" is checked by a witness: a value_and_grad function with two Parameters, compiled
once at import. After every failing call `intact()` runs it again and checks its numbers against
a float64 numpy reference, that it did not trace again, that its Parameters kept their values and
that no trace was left active (an eager op still returns a concrete tensor)."""
import inspect
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Parameter, Tensor, nn, ops
from helpers import np_bce, sigmoid

THIS_FILE = os.path.basename(__file__)
F32, F64 = gg.float32, gg.float64
BCE = "binary_cross_entropy_with_logits"


def nospace(s):
    return re.sub(r"\s", "", s)


def line_of(fn, marker):
    """The absolute line number of the line of fn's source that contains marker."""
    lines, start = inspect.getsourcelines(fn)
    for i, text in enumerate(lines):
        if marker in text:
            return start + i
    raise AssertionError(f"{marker!r} not in the source of {fn.__name__}")


# -- the witness --

_R = np.random.default_rng(606)
WX = _R.standard_normal((4, 5))
WY = _R.uniform(0, 1, (4, 3))
W0 = _R.standard_normal((5, 3))
B0 = _R.standard_normal(3)


class Witness:
    def __init__(self):
        self.w = Parameter(Tensor(W0.copy()), name="w")
        self.b = Parameter(Tensor(B0.copy()), name="b")

        def loss(x, y):
            return ops.binary_cross_entropy_with_logits(ops.matmul(x, self.w) + self.b, y)

        self.fn = gg.value_and_grad(loss, 0, (self.w, self.b))
        self.check(first=True)
        self.traces = self.fn.trace_count

    def check(self, first=False):
        v, (gx, (gw, gb)) = self.fn(Tensor(WX), Tensor(WY))
        z = WX @ W0 + B0
        dz = (sigmoid(z) - WY) / z.size
        np.testing.assert_allclose(v.asnumpy(), np_bce(z, WY), rtol=1e-12)
        np.testing.assert_allclose(gx.asnumpy(), dz @ W0.T, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(gw.asnumpy(), WX.T @ dz, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(gb.asnumpy(), dz.sum(0), rtol=1e-10, atol=1e-14)
        np.testing.assert_array_equal(self.w.asnumpy(), W0)
        np.testing.assert_array_equal(self.b.asnumpy(), B0)
        assert self.w.shape == (5, 3) and self.w.dtype is F64 and self.w.name == "w"
        if not first:
            assert self.fn.trace_count == self.traces, "a cached signature was traced again"
        # no trace left active: eager ops run at once
        e = ops.add(Tensor(np.ones(2)), 1.0)
        np.testing.assert_array_equal(e.asnumpy(), [2.0, 2.0])


WITNESS = None


@pytest.fixture(scope="module", autouse=True)
def _fresh_witness():
    """Made when this module's tests start, not at collection: tests of other modules that ran
    first may replace a Parameter of a Cell, which drops every compiled cache (a retrace then
    would be right, not a bug the witness should report)."""
    global WITNESS
    WITNESS = Witness()


def intact():
    WITNESS.check()


def fails(exc, call, *frags, exact=False):
    """call() raises exc (exactly exc if exact) with every fragment in its message (spaces
    ignored); then the witness is intact. Returns the message."""
    with pytest.raises(BaseException) as info:
        call()
    e = info.value
    assert isinstance(e, exc), f"expected {exc.__name__}, got {type(e).__name__}: {e}"
    if exact:
        assert type(e) is exc, f"expected exactly {exc.__name__}, got {type(e).__name__}: {e}"
    msg = str(e)
    for frag in frags:
        assert nospace(str(frag)) in nospace(msg), f"{frag!r} not in the message {msg!r}"
    intact()
    return msg


def t64(*shape):
    return Tensor(np.ones(shape, np.float64))


def t32(*shape):
    return Tensor(np.ones(shape, np.float32))


MODES = ["eager", "jit", "grad", "value_and_grad"]


def run(mode, fn, *args):
    """fn(*args) eagerly or through a fresh transformed function (grad w.r.t. argument 0)."""
    if mode == "eager":
        return fn(*args)
    return {"jit": gg.jit, "grad": gg.grad, "value_and_grad": gg.value_and_grad}[mode](fn)(*args)


def fails_in(mode, exc, fn, args, *frags, marker=None):
    """Like fails; while tracing the message must also give the user's file and the line of fn
    holding marker."""
    if mode != "eager" and marker is not None:
        frags = frags + (f"{THIS_FILE}:{line_of(fn, marker)}",)
    return fails(exc, lambda: run(mode, fn, *args), *frags)


# -- shape mismatches in every op, eager and traced --

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("sa, sb", [((3,), (4,)), ((2, 3), (3, 2)), ((4, 1, 3), (2, 4)), ((0,), (2,))])
def test_add_shapes_that_do_not_broadcast(mode, sa, sb):
    def f(a, b):
        return ops.add(a, b)  # HERE
    fails_in(mode, ValueError, f, (t64(*sa), t64(*sb)), "add", list(sa), list(sb), marker="HERE")


@pytest.mark.parametrize("mode", MODES)
def test_add_operator_mismatch_points_at_the_operator(mode):
    def f(a, b):
        return a + b  # HERE
    fails_in(mode, ValueError, f, (t64(2, 3), t64(2)), "add", "[2,3]", "[2]", marker="HERE")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("sa, sb", [((2, 3), (4, 5)), ((3,), (4,)), ((3,), (4, 2)), ((2, 4), (3,)),
                                    ((2, 3, 2), (4, 2, 2)), ((), (2,))])
def test_matmul_shapes_that_do_not_match(mode, sa, sb):
    def f(a, b):
        return ops.matmul(a, b)  # HERE
    fails_in(mode, ValueError, f, (t64(*sa), t64(*sb)), "matmul", list(sa), list(sb), marker="HERE")


@pytest.mark.parametrize("mode", MODES)
def test_matmul_operator_mismatch_points_at_the_operator(mode):
    def f(a, b):
        return a @ b  # HERE
    fails_in(mode, ValueError, f, (t64(2, 3), t64(2, 3)), "matmul", "[2,3]", marker="HERE")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("sx, sy", [((2, 3), (3, 2)), ((3,), (1, 3)), ((2, 3), (3,)), ((4,), ())])
def test_bce_label_shape_must_equal_logits_shape(mode, sx, sy):
    def f(x, y):
        return ops.binary_cross_entropy_with_logits(x, y)  # HERE
    fails_in(mode, ValueError, f, (t64(*sx), t64(*sy)), "bce", list(sx), list(sy), marker="HERE")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("which", ["weight", "pos_weight"])
@pytest.mark.parametrize("sw", [(2,), (3, 3), (2, 2, 3), (4, 1)])
def test_bce_weight_that_does_not_broadcast_to_the_logits(mode, which, sw):
    # (2, 2, 3) broadcasts with (2, 3) but to a bigger shape: that is an error too.
    def f(x, y, w):
        return ops.binary_cross_entropy_with_logits(x, y, **{which: w})  # HERE
    fails_in(mode, ValueError, f, (t64(2, 3), t64(2, 3), t64(*sw)), which, list(sw), "[2,3]", marker="HERE")


@pytest.mark.parametrize("mode", MODES)
def test_bce_loss_cell_with_a_bad_weight(mode):
    loss = nn.BCEWithLogitsLoss(weight=t64(4))

    def f(x, y):
        return loss(x, y)
    fails_in(mode, ValueError, f, (t64(2, 3), t64(2, 3)), "weight", "[4]", "[2,3]")


def test_shape_error_in_a_cached_function_with_a_new_signature_keeps_the_cache():
    def f(x, y):
        return ops.binary_cross_entropy_with_logits(ops.matmul(x, WITNESS.w) + WITNESS.b, y)
    # Through the witness itself: a new signature that fails while tracing.
    fails(ValueError, lambda: WITNESS.fn(t64(4, 6), t64(4, 3)), "matmul", "[4,6]", "[5,3]")
    fails(ValueError, lambda: WITNESS.fn(t64(4, 5), t64(4, 2)), "[4,3]", "[4,2]")
    fails(ValueError, lambda: WITNESS.fn(t64(4, 6), t64(4, 3)), "matmul")  # still an error, not stale
    # a good new signature after the failures traces once and is right
    before = WITNESS.fn.trace_count
    v, _ = WITNESS.fn(Tensor(WX[:2]), Tensor(WY[:2]))
    np.testing.assert_allclose(v.asnumpy(), np_bce(WX[:2] @ W0 + B0, WY[:2]), rtol=1e-12)
    assert WITNESS.fn.trace_count == before + 1
    WITNESS.traces = WITNESS.fn.trace_count
    intact()


# -- reduction --

BAD_REDUCTION_VALUES = ["MEAN", "avg", "", " mean", "elementwise_mean"]
BAD_REDUCTION_TYPES = [None, 1, 0.5, b"mean", ["mean"], True]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("reduction", BAD_REDUCTION_VALUES)
def test_bad_reduction_value_is_value_error(mode, reduction):
    def f(x, y):
        return ops.binary_cross_entropy_with_logits(x, y, reduction=reduction)  # HERE
    fails_in(mode, ValueError, f, (t64(3), t64(3)), "reduction", "'mean'", "'sum'", "'none'", repr(reduction),
             marker="HERE")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("reduction", BAD_REDUCTION_TYPES)
def test_bad_reduction_type_is_type_error(mode, reduction):
    def f(x, y):
        return ops.binary_cross_entropy_with_logits(x, y, reduction=reduction)  # HERE
    fails_in(mode, TypeError, f, (t64(3), t64(3)), "reduction", "str", type(reduction).__name__, marker="HERE")


@pytest.mark.parametrize("reduction, exc", [(r, ValueError) for r in BAD_REDUCTION_VALUES]
                         + [(r, TypeError) for r in BAD_REDUCTION_TYPES])
def test_bad_reduction_in_the_loss_cell(reduction, exc):
    fails(exc, lambda: nn.BCEWithLogitsLoss(reduction=reduction), "BCEWithLogitsLoss", "reduction")


# -- mixed dtypes --

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", ["bce_label", "bce_weight", "bce_pos_weight"])
def test_mixed_float_dtypes_in_bce_are_type_errors(mode, op):
    fns = {
        "add": lambda a, b: ops.add(a, b),  # HERE
        "matmul": lambda a, b: ops.matmul(a, b),  # HERE
        "bce_label": lambda a, b: ops.binary_cross_entropy_with_logits(a, b),  # HERE
        "bce_weight": lambda a, b: ops.binary_cross_entropy_with_logits(a, ops.zeros_like(a), b),  # HERE
        "bce_pos_weight": lambda a, b: ops.binary_cross_entropy_with_logits(a, ops.zeros_like(a), None, b),  # HERE
    }
    f = fns[op]
    name = "add" if op == "add" else "matmul" if op == "matmul" else "bce"
    extra = () if mode == "eager" else (f"{THIS_FILE}:{inspect.getsourcelines(f)[1]}",)
    fails(TypeError, lambda: run(mode, f, t32(3, 3), t64(3, 3)), name, "f32", "f64", *extra)
    fails(TypeError, lambda: run(mode, f, t64(3, 3), t32(3, 3)), name, "f32", "f64", *extra)


def test_mixed_dtype_arguments_are_a_new_signature_not_a_stale_graph():
    g = gg.grad(lambda a, b: ops.add(a, b), (0, 1))
    ga, gb = g(t64(3), t64(3))
    assert g.trace_count == 1
    ga, gb = g(t32(3), t64(3))  # promoted to f64; each gradient in its argument's dtype
    assert ga.dtype is F32 and gb.dtype is F64
    assert g.trace_count == 2
    ga, gb = g(t32(3), t32(3))
    assert ga.dtype is F32 and gb.dtype is F32
    assert g.trace_count == 3


# -- making tensors --

@pytest.mark.parametrize("data", ["1.0", "abc", "", b"12", ["1", "2"], [["a"]], np.array(["1.5"]),
                                  np.array([b"x"])])
def test_tensor_from_strings_is_type_error(data):
    fails(TypeError, lambda: Tensor(data), "Tensor")
    if isinstance(data, (str, bytes)):
        fails(TypeError, lambda: Tensor(data), type(data).__name__)


@pytest.mark.parametrize("data", [[[1, 2], [3]], [[1.0], [2.0, 3.0]], [1, [2]], [[[1], [2]], [[3]]],
                                  [np.ones(2), np.ones(3)]])
def test_ragged_lists_are_value_errors(data):
    fails(ValueError, lambda: Tensor(data), "Tensor", "rectangular")
    fails(ValueError, lambda: Parameter(data), "rectangular")


@pytest.mark.parametrize("data", [np.array([1, None], dtype=object), np.array([1.0, 2.0], dtype=object),
                                  [None, 1.0], [10 ** 400], {"a": 1}, object(), np.array([1 + 2j]),
                                  np.array(["2020-01-01"], dtype="datetime64[D]")])
def test_object_and_non_numeric_arrays_are_type_errors(data):
    fails(TypeError, lambda: Tensor(data), "Tensor", "number")


@pytest.mark.parametrize("dtype", ["flaot32", "Float", "f4x", np.int8, np.uint16, 3, object, "bfloat16"])
def test_bad_dtype_names_are_type_errors(dtype):
    given = dtype if isinstance(dtype, str) else getattr(dtype, "__name__", dtype)
    for call in (lambda: Tensor([1.0], dtype), lambda: ops.ones(2, dtype), lambda: ops.zeros((2, 2), dtype),
                 lambda: ops.ones_like(t64(2), dtype), lambda: ops.zeros_like(t64(2), dtype)):
        fails(TypeError, call, "dtype", "float32", "float64", str(given))


@pytest.mark.parametrize("name", ["float32", "float64", "Float32", "Float64"])
def test_dtype_names_that_are_accepted(name):
    assert Tensor([1.0], name).dtype is getattr(gg, name.lower())


# -- shapes: negative and absurd --

@pytest.mark.parametrize("mode", ["eager", "jit"])
@pytest.mark.parametrize("shape", [(-1,), (2, -3), -1, (3, 0, -2)])
def test_negative_shapes_are_value_errors(mode, shape):
    def f(x):
        return ops.add(x, ops.ones(shape, F64))  # HERE
    fails_in(mode, ValueError, f, (t64(1),), "ones", "negative", str(shape), marker="HERE")


@pytest.mark.parametrize("shape", [(2.0,), "3", (None,), (True, 2), [[2]]])
def test_non_integer_shapes_are_type_errors(shape):
    fails(TypeError, lambda: ops.zeros(shape), "zeros", "shape", "int")


ABSURD = [(2 ** 40,), (2 ** 32, 2 ** 32), (2 ** 62 + 1, 4), (2 ** 21, 2 ** 21, 2 ** 22)]


@pytest.mark.parametrize("shape", ABSURD)
def test_absurdly_large_eager_shape_is_memory_error(shape):
    msg = fails(MemoryError, lambda: ops.ones(shape, F64))
    assert "ones" in msg and nospace(str(list(shape))) in nospace(msg), \
        f"the MemoryError should name the op and the shape, got {msg!r}"
    fails(MemoryError, lambda: ops.zeros(shape, F32))


def test_absurdly_large_numpy_input_is_memory_error():
    fails(MemoryError, lambda: Tensor(np.broadcast_to(np.float64(1), (2 ** 20, 2 ** 20))))


def run_isolated(code):
    """Runs code in a fresh interpreter (a crash must not take the test run with it); returns
    (exit code, stdout, stderr)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    flags = ["-S"] if sys.flags.no_site else []
    p = subprocess.run([sys.executable, *flags, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                       env=env, timeout=120, cwd=os.path.dirname(os.path.abspath(__file__)))
    return p.returncode, p.stdout, p.stderr


# Traced: the plan sizes its buffers from the shape, so an overflowing element count must be
# caught before any kernel runs (not wrap around to a small buffer).
ABSURD_TRACED = {
    "fill_add": "lambda x: ops.add(x, ops.ones({s}, F64))",
    "matmul": "lambda x: ops.matmul(ops.ones({s}, F64), x)",
    "bce_sum": "lambda x: ops.binary_cross_entropy_with_logits(ops.add(ops.zeros({s}, F64), x), "
               "ops.zeros({s}, F64), reduction='sum')",
}


@pytest.mark.parametrize("transform", ["jit", "grad"])
@pytest.mark.parametrize("kind", sorted(ABSURD_TRACED))
@pytest.mark.parametrize("shape", [(2 ** 62 + 1, 4), (2 ** 31, 2 ** 31, 4), (2 ** 40, 4)])
def test_absurdly_large_traced_shape_is_memory_error_not_a_crash(transform, kind, shape):
    if kind == "matmul" and len(shape) > 2:  # matmul takes 2-D operands: fold the leading dimensions
        shape = (shape[0] * shape[1], shape[2])
    fn = ABSURD_TRACED[kind].format(s=shape)
    code = f"""
        import numpy as np, graphgrad as gg
        from graphgrad import ops, Tensor
        F64 = gg.float64
        f = gg.{transform}({fn})
        try:
            r = f(Tensor(np.ones(4)))
            print("RETURNED", getattr(r, "shape", r))
        except MemoryError as e:
            print("MemoryError", e)
        except Exception as e:
            print("OTHER", type(e).__name__, e)
        # the process is usable afterwards
        g = gg.grad(lambda a: ops.matmul(a, a))
        print("AFTER", g(Tensor(np.eye(2))).asnumpy().tolist())
        """
    rc, out, err = run_isolated(code)
    assert rc == 0, f"the process died (exit code {rc}); stdout {out!r}; stderr {err[-600:]!r}"
    assert "MemoryError" in out, f"expected a MemoryError, got {out.strip()!r}"
    assert "AFTER [[2.0, 2.0], [2.0, 2.0]]" in out


# -- grad and value_and_grad arguments --

def lin(x, w):
    return ops.matmul(x, w)


def xw():
    return t64(2, 3), t64(3, 4)


TRANSFORMS = [gg.grad, gg.value_and_grad]
BAD_GRAD_ARGS = [
    # (kwargs, exception, fragments)
    (dict(grad_position=-1), ValueError, ("grad_position", "-1")),
    (dict(grad_position=(0, -1)), ValueError, ("grad_position", "-1")),
    (dict(grad_position=()), ValueError, ("grad_position", "empty")),
    (dict(grad_position=(1, 1)), ValueError, ("grad_position", "(1, 1)")),
    (dict(grad_position=1.0), TypeError, ("grad_position", "int", "float")),
    (dict(grad_position="0"), TypeError, ("grad_position", "int", "str")),
    (dict(grad_position=[0]), TypeError, ("grad_position", "int", "list")),
    (dict(grad_position=False), TypeError, ("grad_position", "int", "bool")),
    (dict(grad_position=(0, None)), TypeError, ("grad_position", "int", "None")),
    (dict(grad_position=None), ValueError, ("grad_position", "weights", "None")),
    (dict(weights=Tensor(np.ones((3, 4)))), TypeError, ("weights", "Parameter", "Tensor")),
    (dict(weights="w"), TypeError, ("weights", "Parameter", "str")),
    (dict(weights=3), TypeError, ("weights", "Parameter", "int")),
    (dict(weights={"w": 1}), TypeError, ("weights", "Parameter", "dict")),
    (dict(weights=[1.0]), TypeError, ("weights[0]", "Parameter", "float")),
    (dict(weights=(Parameter(np.ones(2), "p"), None)), TypeError, ("weights[1]", "Parameter", "NoneType")),
    (dict(weights=np.ones(3)), TypeError, ("weights", "Parameter", "ndarray")),
    (dict(has_aux="yes"), TypeError, ("has_aux", "bool", "str")),
    (dict(has_aux=1), TypeError, ("has_aux", "bool", "int")),
    (dict(has_aux=None), TypeError, ("has_aux", "bool", "NoneType")),
    (dict(grad_position=2), IndexError, ("grad_position", "2", "2 positional")),
    (dict(grad_position=(0, 5)), IndexError, ("grad_position", "5")),
]


@pytest.mark.parametrize("transform", TRANSFORMS, ids=["grad", "value_and_grad"])
@pytest.mark.parametrize("kwargs, exc, frags", BAD_GRAD_ARGS, ids=[repr(k) for k, _, _ in BAD_GRAD_ARGS])
def test_wrong_arguments_to_grad(transform, kwargs, exc, frags):
    def make_and_call():
        transform(lin, **kwargs)(*xw())
    fails(exc, make_and_call, *frags)


@pytest.mark.parametrize("transform", TRANSFORMS, ids=["grad", "value_and_grad"])
@pytest.mark.parametrize("fn", [None, 3, "lin", Tensor(np.ones(2)), np.ones(2)], ids=repr)
def test_grad_of_something_not_callable(transform, fn):
    fails(TypeError, lambda: transform(fn), "function", type(fn).__name__)


@pytest.mark.parametrize("transform", TRANSFORMS, ids=["grad", "value_and_grad"])
def test_grad_with_unknown_or_too_many_arguments(transform):
    fails(TypeError, lambda: transform(lin, 0, None, False, 1))
    fails(TypeError, lambda: transform(lin, position=0), "position")
    fails(TypeError, lambda: transform(lin)(*xw(), sens=1.0), "sens")


@pytest.mark.parametrize("transform", TRANSFORMS, ids=["grad", "value_and_grad"])
def test_differentiating_a_non_tensor_argument(transform):
    g = transform(lambda x, k: ops.add(x, k), (0, 1))
    fails(TypeError, lambda: g(t64(2), 3.0), "grad_position 1", "Tensor", "float")
    fails(TypeError, lambda: g(t64(2), None), "grad_position 1", "Tensor", "NoneType")


# -- what fn returns --

RETURNS = [None, 1.0, 3, np.float64(1.0), np.ones(2), (), [], "x", {"a": 1}]


# (A jitted function may return None: tests/test_transforms.py.)
@pytest.mark.parametrize("transform,value", [(t, v) for t in ["grad", "value_and_grad", "jit"] for v in RETURNS
                                             if not (t == "jit" and v is None)], ids=repr)
def test_fn_returning_a_non_tensor(transform, value):
    f = {"grad": gg.grad, "value_and_grad": gg.value_and_grad, "jit": gg.jit}[transform]
    g = f(lambda x: value)
    fails(TypeError, lambda: g(t64(2)), "<lambda>", "Tensor", type(value).__name__)
    assert g.trace_count == 0


@pytest.mark.parametrize("transform", ["grad", "value_and_grad", "jit"])
@pytest.mark.parametrize("value", [(None,), (1.0,), ("tensor", None), ("tensor", 2), ("tensor", ("tensor",))],
                         ids=repr)
def test_fn_returning_a_tuple_with_a_non_tensor(transform, value):
    def f(x):
        return tuple(ops.add(x, 1.0) if v == "tensor" else v for v in value)
    g = {"grad": gg.grad, "value_and_grad": gg.value_and_grad, "jit": gg.jit}[transform](f)
    bad = next(i for i, v in enumerate(value) if v != "tensor")
    if transform == "jit" and isinstance(value[bad], tuple):  # jit takes tuples in tuples: the str inside is named
        fails(TypeError, lambda: g(t64(2)), "'f'", "Tensor", f"output[{bad}][0]", "str")
        return
    fails(TypeError, lambda: g(t64(2)), "'f'", "Tensor", f"output {bad}", type(value[bad]).__name__)


def test_the_same_grad_function_recovers_after_returning_none_for_one_signature():
    def f(x, mode):
        if mode == "bad":
            return None
        return ops.binary_cross_entropy_with_logits(x, ops.zeros_like(x), reduction="sum")
    g = gg.grad(f)
    x = np.array([0.5, -1.0])
    np.testing.assert_allclose(g(Tensor(x), "good").asnumpy(), sigmoid(x), rtol=1e-12)
    fails(TypeError, lambda: g(Tensor(x), "bad"), "'f'", "NoneType")
    fails(TypeError, lambda: g(Tensor(x), "bad"), "'f'", "NoneType")
    np.testing.assert_allclose(g(Tensor(x), "good").asnumpy(), sigmoid(x), rtol=1e-12)
    assert g.trace_count == 1


# -- fn raising while tracing --

class UserError(Exception):
    pass


@pytest.mark.parametrize("transform", ["grad", "value_and_grad", "jit"])
def test_fn_raising_while_tracing_propagates_unchanged_and_leaves_no_trace(transform):
    calls = []
    err = UserError("boom")

    def f(x, fail):
        calls.append(fail)
        y = ops.add(x, 1.0)
        if fail:
            raise err
        return ops.matmul(y, y)
    g = {"grad": gg.grad, "value_and_grad": gg.value_and_grad, "jit": gg.jit}[transform](f)
    good = g(Tensor(np.arange(3.0)), False)
    with pytest.raises(UserError) as info:
        g(Tensor(np.arange(3.0)), True)
    assert info.value is err, "the user's exception must propagate as it is"
    assert "f" in {fr.name for fr in info.traceback}
    intact()
    again = g(Tensor(np.arange(3.0)), False)
    assert g.trace_count == 1 and calls == [False, True]
    for a, b in zip(good if isinstance(good, tuple) else (good,), again if isinstance(again, tuple) else (again,)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # the failing signature traces again (and fails again): nothing half-built was cached
    with pytest.raises(UserError):
        g(Tensor(np.arange(3.0)), True)
    assert calls == [False, True, True]


def test_fn_raising_on_its_first_trace_then_succeeding():
    state = {"n": 0}

    def f(x):
        state["n"] += 1
        if state["n"] == 1:
            raise KeyError("first time")
        return ops.add(x, x)
    g = gg.grad(f)
    fails(KeyError, lambda: g(t64(3)), "first time")
    np.testing.assert_array_equal(g(t64(3)).asnumpy(), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(g(t64(3)).asnumpy(), [2.0, 2.0, 2.0])
    assert state["n"] == 2 and g.trace_count == 1


def test_fn_raising_inside_a_jit_inlined_into_grad():
    inner = gg.jit(lambda a: ops.matmul(a, ops.ones((5, 2), F64)))  # shape error inside the inner function
    g = gg.grad(lambda a: inner(a))
    fails(ValueError, lambda: g(t64(2, 3)), "matmul", "[2,3]", "[5,2]")
    assert inner.trace_count == 0


def test_nested_grad_while_tracing_is_part_of_the_outer_graph():
    inner = gg.grad(lambda a: ops.sum(a * a))
    np.testing.assert_array_equal(gg.jit(lambda x: inner(x))(t64(2)).asnumpy(), 2 * t64(2).asnumpy())
    np.testing.assert_array_equal(gg.grad(lambda x: ops.sum(inner(x)))(t64(2)).asnumpy(), [2.0, 2.0])


# -- needing a traced value while tracing --

def _branch(x):
    if x:  # HERE
        return x
    return ops.add(x, 1.0)


def _while(x):
    while ops.add(x, -1.0):  # HERE
        x = ops.add(x, -1.0)
    return x


def _float(x):
    return ops.add(x, float(x))  # HERE


def _int(x):
    return ops.add(x, int(x))  # HERE


def _item(x):
    return ops.add(x, x.item())  # HERE


def _numpy(x):
    return ops.add(x, float(np.asarray(x)[0]))  # HERE


def _tensor_copy(x):
    return ops.add(x, Tensor(x))  # HERE


@pytest.mark.parametrize("transform", ["grad", "jit"])
@pytest.mark.parametrize("fn, what", [(_branch, "bool"), (_while, "bool"), (_float, "float"), (_int, "int"),
                                      (_item, "item"), (_numpy, "numpy"), (_tensor_copy, "Tensor")])
def test_needing_a_traced_value_names_what_and_where(transform, fn, what):
    g = (gg.grad if transform == "grad" else gg.jit)(fn)
    fails(gg.TracingError, lambda: g(t64(1)), what, fn.__name__, "traced", f"{THIS_FILE}:{line_of(fn, 'HERE')}")
    assert g.trace_count == 0


# -- a traced tensor leaking out of its trace --

def leak():
    """A traced tensor f64[2] from the trace of 'leaky' that escaped through a list."""
    box = []

    def leaky(x):
        y = ops.add(x, 1.0)
        box.append(y)
        return y
    g = gg.grad(leaky)
    g(t64(2))
    return box[0], g


LEAK_USES = {
    "add": lambda t: ops.add(t, 1.0),
    "radd": lambda t: 1.0 + t,
    "matmul": lambda t: t @ t,
    "stop_gradient": lambda t: ops.stop_gradient(t),
    "ones_like": lambda t: ops.ones_like(t),
    "bce_weight": lambda t: ops.binary_cross_entropy_with_logits(t64(2), t64(2), t),
    "asnumpy": lambda t: t.asnumpy(),
    "np.asarray": lambda t: np.asarray(t),
    "bool": lambda t: bool(t),
    "float": lambda t: float(t),
    "item": lambda t: t.item(),
    "Tensor": lambda t: Tensor(t),
    "Parameter": lambda t: Parameter(t),
    "set_data": lambda t: Parameter(t64(2), "p").set_data(t),
    "argument": lambda t: gg.grad(lambda a, b: ops.add(a, b))(t64(2), t),
    "closure_grad": lambda t: gg.grad(lambda a: ops.add(a, t))(t64(2)),
    "closure_jit": lambda t: gg.jit(lambda a: ops.matmul(a, t))(t64(2)),
}


@pytest.mark.parametrize("use", sorted(LEAK_USES))
def test_leaked_traced_tensor_used_later_is_a_tracing_error(use):
    t, g = leak()
    fails(gg.TracingError, lambda: LEAK_USES[use](t), "traced", "argument 1" if use == "argument" else "leaky")
    assert "traced" in repr(t) and t.shape == (2,) and t.dtype is F64  # inspecting it is fine
    np.testing.assert_array_equal(g(Tensor(np.zeros(2))).asnumpy(), [1.0, 1.0])
    assert g.trace_count == 1


def test_leaked_tensor_used_in_a_later_trace_points_at_the_users_line():
    t, _ = leak()

    def later(a):
        return ops.add(a, t)  # HERE
    fails(gg.TracingError, lambda: gg.grad(later)(t64(2)), "leaky", f"{THIS_FILE}:{line_of(later, 'HERE')}")


def test_a_function_that_leaks_from_its_first_trace_into_its_second():
    box = []

    def f(x):
        y = ops.add(x, 1.0)
        if box:
            y = ops.add(y, box[0])  # a tensor from the previous trace (another signature)
        box.append(y)
        return y
    g = gg.grad(f)
    g(t64(2))
    fails(gg.TracingError, lambda: g(t64(3)), "traced", "'f'")
    fails(gg.TracingError, lambda: g(t64(3)), "traced", "'f'")  # not cached half-built
    np.testing.assert_array_equal(g(t64(2)).asnumpy(), [1.0, 1.0])
    assert g.trace_count == 1


# -- argument counts and kinds --

@pytest.mark.parametrize("transform", ["grad", "value_and_grad", "jit"])
def test_wrong_argument_counts(transform):
    g = {"grad": gg.grad, "value_and_grad": gg.value_and_grad, "jit": gg.jit}[transform](lin)
    g(*xw())
    fails(TypeError, lambda: g(t64(2, 3)), "lin", "missing", "w")
    fails(TypeError, lambda: g(*xw(), t64(2)), "lin", "3")
    if transform == "jit":
        fails(TypeError, lambda: g(), "lin", "missing")
    else:  # grad_position 0 names an argument that is not there
        fails(IndexError, lambda: g(), "grad_position 0", "'lin'", "0 positional")
    g(*xw())
    assert g.trace_count == 1


def test_wrong_argument_count_to_a_cell():
    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.w = Parameter(Tensor(np.ones((3, 2))), name="w")

        def construct(self, x):
            return ops.matmul(x, self.w)
    net = Net()
    g = gg.grad(net, None, net.trainable_params())
    fails(TypeError, lambda: g(t64(2, 3), t64(2, 3)), "construct")
    np.testing.assert_array_equal(net.w.asnumpy(), np.ones((3, 2)))
    (gw,) = g(t64(2, 3))
    np.testing.assert_array_equal(gw.asnumpy(), np.full((3, 2), 2.0))


@pytest.mark.parametrize("arg, frags", [(np.ones((4, 5)), ("argument 0", "ndarray")),
                                        ([[1.0] * 5] * 4, ("argument 0", "list")),
                                        ({"x": 1}, ("argument 0", "dict"))], ids=["ndarray", "list", "dict"])
def test_unhashable_non_tensor_argument(arg, frags):
    fails(TypeError, lambda: WITNESS.fn(arg, Tensor(WY)), *frags, "Tensor")


@pytest.mark.parametrize("arg", [None, 1.0, "x", (1, 2), np.float64(2.0)], ids=repr)
def test_non_tensor_argument_where_fn_needs_a_tensor(arg):
    def f(x, y):
        return ops.matmul(x, y)  # HERE
    fails(TypeError, lambda: gg.grad(f)(t64(2), arg), "matmul", "other", "Tensor", type(arg).__name__,
          f"{THIS_FILE}:{line_of(f, 'HERE')}")


@pytest.mark.parametrize("arg", [None, "x", (1, 2)], ids=repr)
def test_non_number_operand_of_add_while_tracing(arg):
    def f(x, y):
        return ops.add(x, y)  # HERE
    fails(TypeError, lambda: gg.jit(f)(t64(2), arg), "add", "Tensor", type(arg).__name__,
          f"{THIS_FILE}:{line_of(f, 'HERE')}")


# -- set_data --

@pytest.mark.parametrize("data, exc, frags", [
    (np.ones((3, 5)), ValueError, ("Parameter w", "set_data", "(5, 3)", "(3, 5)")),
    (np.ones(15), ValueError, ("set_data", "(5, 3)", "(15,)")),
    (Tensor(np.ones((5, 3), np.float32)), TypeError, ("Parameter w", "set_data", "Float64", "Float32")),
    (Tensor(np.ones((5, 4))), ValueError, ("set_data", "(5, 3)", "(5, 4)")),
    (1.0, ValueError, ("set_data", "(5, 3)", "()")),
    ("abc", TypeError, ("str",)),
    ([[1.0, 2.0], [3.0]], ValueError, ("rectangular",)),
    (np.array([None] * 15, dtype=object).reshape(5, 3), TypeError, ("number",)),
], ids=["transposed", "flat", "float32", "5x4", "scalar", "str", "ragged", "object"])
def test_set_data_with_a_wrong_value_keeps_the_parameter_and_the_cache(data, exc, frags):
    fails(exc, lambda: WITNESS.w.set_data(data), *frags)


def test_set_data_while_tracing_with_a_traced_tensor():
    p = Parameter(Tensor(np.ones(2)), name="p")
    g = gg.grad(lambda x: ops.add(x, p) if p.set_data(ops.add(x, 1.0)) else x)
    fails(gg.TracingError, lambda: g(t64(2)), "set_data")
    np.testing.assert_array_equal(p.asnumpy(), [1.0, 1.0])


def test_set_data_with_a_good_value_after_failures_is_seen():
    p = Parameter(Tensor(np.arange(3.0)), name="p")
    g = gg.value_and_grad(lambda x: ops.add(x, p), None, p)
    g(t64(3))
    fails(ValueError, lambda: p.set_data(np.ones(4)), "p", "(3,)", "(4,)")
    fails(TypeError, lambda: p.set_data(Tensor(np.ones(3, np.float32))), "p", "Float32")
    v, _ = g(t64(3))
    np.testing.assert_array_equal(v.asnumpy(), 1.0 + np.arange(3.0))
    p.set_data([5.0, 6.0, 7.0])
    v, gp = g(t64(3))
    np.testing.assert_array_equal(v.asnumpy(), [6.0, 7.0, 8.0])
    np.testing.assert_array_equal(gp.asnumpy(), [1.0, 1.0, 1.0])
    assert g.trace_count == 1


def test_a_compiled_call_that_fails_at_run_time_leaves_its_updated_parameter_as_it_was():
    # The update is traced before the gather whose index is out of range: the call must not have
    # written the doubled value into the Parameter's buffer by the time the gather fails.
    w = Parameter(Tensor(np.ones((4, 3), np.float32)), name="w")

    @gg.jit
    def step(x, idx):
        ops.assign(w, w * 2)
        return ops.gather(x, idx, 0) + ops.sum(w)

    x = Tensor(np.arange(5, dtype=np.float32))
    np.testing.assert_array_equal(step(x, Tensor(np.array([1], np.int32))).asnumpy(), [1.0 + 24.0])
    fails(IndexError, lambda: step(x, Tensor(np.array([7], np.int32))), "gather", "index 7", "size 5")
    np.testing.assert_array_equal(w.asnumpy(), np.full((4, 3), 2.0, np.float32))
    np.testing.assert_array_equal(step(x, Tensor(np.array([4], np.int32))).asnumpy(), [4.0 + 48.0])
    assert step.trace_count == 1


# -- Cells --

class NoConstruct(nn.Cell):
    def __init__(self):
        super().__init__()
        self.w = Parameter(Tensor(np.ones(2)), name="w")


@pytest.mark.parametrize("transform", ["call", "jit", "grad", "value_and_grad_weights"])
def test_cell_without_construct(transform):
    cell = NoConstruct()
    calls = {
        "call": lambda: cell(t64(2)),
        "jit": lambda: gg.jit(cell)(t64(2)),
        "grad": lambda: gg.grad(cell)(t64(2)),
        "value_and_grad_weights": lambda: gg.value_and_grad(cell, None, cell.trainable_params())(t64(2)),
    }
    fails(NotImplementedError, calls[transform], "NoConstruct", "construct")
    np.testing.assert_array_equal(cell.w.asnumpy(), [1.0, 1.0])


# -- NaN and inf --

NAN, INF = np.nan, np.inf


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", ["eager", "jit"])
def test_nan_and_inf_propagate_through_add_and_matmul(dtype, mode):
    a = np.array([[NAN, 1.0, 2.0], [3.0, INF, 4.0], [5.0, 6.0, -INF]], dtype)
    b = np.arange(9.0, dtype=dtype).reshape(3, 3) + 1
    with np.errstate(invalid="ignore"):
        expect_add = a + b
        expect_mm = a.astype(np.float64) @ b.astype(np.float64)
    out = run(mode, lambda a, b: (ops.add(a, b), ops.matmul(a, b)), Tensor(a), Tensor(b))
    np.testing.assert_array_equal(out[0].asnumpy(), expect_add)
    got = out[1].asnumpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expect_mm))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(expect_mm))
    np.testing.assert_array_equal(np.sign(got[np.isinf(got)]), np.sign(expect_mm[np.isinf(expect_mm)]))
    intact()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nan_input_gives_nan_gradients_not_a_crash(dtype):
    x = np.array([[0.5, NAN], [1.0, -2.0]], dtype)
    w = np.ones((2, 2), dtype)
    g = gg.grad(lambda x, w: ops.binary_cross_entropy_with_logits(ops.matmul(x, w), ops.zeros_like(x)), (0, 1))
    gx, gw = g(Tensor(x), Tensor(w))
    assert np.isnan(gx.asnumpy()).any() and np.isnan(gw.asnumpy()).any()
    gx, gw = g(Tensor(np.abs(np.nan_to_num(x))), Tensor(w))  # the same plan, good input: finite again
    assert np.isfinite(gx.asnumpy()).all() and np.isfinite(gw.asnumpy()).all()
    assert g.trace_count == 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("n", [4, 37])  # 37: the SIMD body and its tail
def test_bce_with_infinite_logits_has_finite_gradients(dtype, reduction, n):
    r = np.random.default_rng(n)
    x = np.resize(np.array([INF, -INF, INF, -INF, 0.0]), n).astype(dtype)
    y = np.resize(np.array([1.0, 0.0, 0.0, 1.0, 0.5]), n).astype(dtype)
    w = r.uniform(0.5, 2, n).astype(dtype)
    pw = r.uniform(0.5, 2, n).astype(dtype)
    f = gg.value_and_grad(lambda x, y, w, pw: ops.binary_cross_entropy_with_logits(x, y, w, pw, reduction), 0)
    loss, gx = f(Tensor(x), Tensor(y), Tensor(w), Tensor(pw))
    x64, y64, w64, pw64 = (a.astype(np.float64) for a in (x, y, w, pw))
    s = sigmoid(x64)
    expect_g = w64 * ((1 - y64) * s - pw64 * y64 * (1 - s))
    if reduction == "mean":
        expect_g = expect_g / n
    assert np.isfinite(gx.asnumpy()).all(), gx.asnumpy()
    np.testing.assert_allclose(gx.asnumpy(), expect_g, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-7)
    # the loss: exactly 0 where the logit is right with certainty, +inf where it is certainly wrong
    per = loss.asnumpy() if reduction == "none" else None
    if per is not None:
        np.testing.assert_array_equal(per[(x == INF) & (y == 1)], 0.0)
        np.testing.assert_array_equal(per[(x == -INF) & (y == 0)], 0.0)
        assert np.isposinf(per[(x == INF) & (y == 0)]).all() and np.isposinf(per[(x == -INF) & (y == 1)]).all()
    else:
        assert np.isposinf(loss.asnumpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_nan_labels_or_weights_propagates(dtype):
    x = np.linspace(-2, 2, 19).astype(dtype)
    y = np.full(19, 0.5, dtype)
    y[3] = NAN
    w = np.ones(19, dtype)
    w[7] = NAN
    loss, gx = gg.value_and_grad(lambda x, y, w: ops.binary_cross_entropy_with_logits(x, y, w, None, "none"))(
        Tensor(x), Tensor(y), Tensor(w))
    got, g = loss.asnumpy(), gx.asnumpy()
    assert np.isnan(got[[3, 7]]).all() and np.isfinite(np.delete(got, [3, 7])).all()
    assert np.isnan(g[[3, 7]]).all() and np.isfinite(np.delete(g, [3, 7])).all()


# -- empty batches --

@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [F32, F64])
def test_empty_batch_through_a_linear_bce_model(reduction, dtype):
    w = Parameter(Tensor(np.ones((4, 3)), dtype), name="w")
    b = Parameter(Tensor(np.ones(3), dtype), name="b")

    def f(x, y):
        return ops.binary_cross_entropy_with_logits(ops.matmul(x, w) + b, y, reduction=reduction)
    g = gg.value_and_grad(f, 0, (w, b))
    for _ in range(2):  # twice: the second run reuses the plan's (now dirty) arena
        loss, (gx, (gw, gb)) = g(Tensor(np.zeros((0, 4)), dtype), Tensor(np.zeros((0, 3)), dtype))
        assert gx.shape == (0, 4) and gw.shape == (4, 3) and gb.shape == (3,)
        np.testing.assert_array_equal(gw.asnumpy(), 0.0)
        np.testing.assert_array_equal(gb.asnumpy(), 0.0)
        if reduction == "none":
            assert loss.shape == (0, 3)
        elif reduction == "sum":
            assert loss.asnumpy() == 0.0
        else:
            assert np.isnan(loss.asnumpy())  # the mean of nothing, as numpy's
        # the same function with a real batch is still right
        x, y = np.ones((2, 4)), np.zeros((2, 3))
        loss, (gx, (gw, gb)) = g(Tensor(x, dtype), Tensor(y, dtype))
        np.testing.assert_allclose(loss.asnumpy(), np_bce(x @ np.ones((4, 3)) + 1, y, reduction=reduction),
                                   rtol=1e-6)
    assert g.trace_count == 2
    np.testing.assert_array_equal(w.asnumpy(), 1.0)


def test_empty_inner_dimension_matmul_is_zeros():
    g = gg.value_and_grad(lambda a, b, c: ops.add(ops.matmul(a, b), c), (0, 1, 2))
    for _ in range(3):
        v, (ga, gb, gc) = g(t64(3, 0), t64(0, 2), Tensor(np.full((3, 2), 7.0)))
        np.testing.assert_array_equal(v.asnumpy(), np.full((3, 2), 7.0))
        assert ga.shape == (3, 0) and gb.shape == (0, 2)
        np.testing.assert_array_equal(gc.asnumpy(), np.ones((3, 2)))
    np.testing.assert_array_equal(ops.matmul(t64(3, 0), t64(0, 2)).asnumpy(), np.zeros((3, 2)))
    np.testing.assert_array_equal(ops.matmul(t64(0), t64(0)).asnumpy(), 0.0)


def test_empty_tensors_in_every_op():
    e = t64(0, 3)
    np.testing.assert_array_equal(ops.add(e, t64(3)).asnumpy(), np.ones((0, 3)))
    assert ops.ones_like(e).shape == (0, 3) and ops.zeros((0,)).shape == (0,)
    assert ops.stop_gradient(e).shape == (0, 3)
    g = gg.grad(lambda a, b: ops.add(ops.stop_gradient(a), b), (0, 1))(e, t64(1, 3))
    assert g[0].shape == (0, 3) and g[1].shape == (1, 3)
    np.testing.assert_array_equal(g[1].asnumpy(), 0.0)


# -- set_num_threads --

@pytest.mark.parametrize("n, exc", [(0, ValueError), (-2, ValueError), ("2", TypeError), (2.5, TypeError),
                                    (None, TypeError)])
def test_set_num_threads_bad_values(n, exc):
    before = gg.get_num_threads()
    fails(exc, lambda: gg.set_num_threads(n), "set_num_threads")
    assert gg.get_num_threads() == before
