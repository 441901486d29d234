"""Elementwise math and reductions."""
import numpy as np

from .._tensor import Tensor, as_dtype, bool_, float16, float32, float64, int32, int64
from ._base import (ALL, FLOATS, NUMERIC, _is_number, apply, axes_arg, binary, cast, check_tensor, eager, op, operands,
                    scalar, unary)


def _unary_op(name, float_only, doc):
    keeps_bool = name in ("abs", "relu")  # MindSpore's abs and relu of a bool tensor are that tensor

    def fn(input):
        if keeps_bool and isinstance(input, Tensor) and input.dtype is bool_:
            return input
        return unary(name, input, float_only)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return eager(op(fn), name, FLOATS if float_only else NUMERIC if keeps_bool else ALL, arity=1, numbers=False)


# name: (computes in float, doc)
_UNARY = {
    "neg": (False, "-input."), "abs": (False, "|input|."), "sign": (False, "-1, 0 or 1 (0 for NaN)."),
    "exp": (True, "e ** input."), "log": (True, "Natural logarithm."), "log1p": (True, "log(1 + input)."),
    "expm1": (True, "exp(input) - 1."), "sqrt": (True, "Square root."), "rsqrt": (True, "1 / sqrt(input)."),
    "square": (False, "input * input."), "reciprocal": (True, "1 / input."), "sin": (True, "Sine."),
    "cos": (True, "Cosine."), "tanh": (True, "Hyperbolic tangent."), "sigmoid": (True, "1 / (1 + exp(-input))."),
    "relu": (False, "max(input, 0); 0 for NaN."), "softplus": (True, "log(1 + exp(input)), stable."),
    "erf": (True, "The error function."), "atan": (True, "Arctangent."), "floor": (True, "Round down."),
    "ceil": (True, "Round up."), "isnan": (False, "Where input is NaN."),
    "isinf": (False, "Where input is +-inf."), "isfinite": (False, "Where input is neither inf nor NaN."),
}
for _name, (_float, _doc) in _UNARY.items():
    globals()[_name] = _unary_op(_name, _float, _doc)
negative = neg  # noqa: F821 (defined just above)


@op
def round(input):
    """Round half to even; an int tensor is returned as it is (MindSpore keeps its dtype)."""
    if check_tensor(input, "round", "input").dtype.kind == "i":
        return input
    return unary("round", input, True)


@op
def logical_not(input):
    """not input, as bool."""
    return apply("logical_not", [check_tensor(input, "logical_not", "input")])


@op
def gelu(input_x, approximate="none"):
    """x * Phi(x); approximate='tanh' uses the tanh form."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return unary("gelu" if approximate == "none" else "gelu_tanh", input_x, True)


def _binary_op(name, doc, float_result=False):
    def fn(input, other):
        return binary(name, input, other, float_result)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc + " Numpy broadcasting; MindSpore's type promotion."
    return eager(op(fn), name, FLOATS if float_result else NUMERIC)  # (ints divide in float32: binary casts)


add = _binary_op("add", "input + other.")
sub = _binary_op("sub", "input - other.")
mul = _binary_op("mul", "input * other.")
maximum = _binary_op("maximum", "The larger of input and other (NaN if either is).")
minimum = _binary_op("minimum", "The smaller of input and other (NaN if either is).")
floor_divide = _binary_op("floor_divide", "floor(input / other).")
remainder = _binary_op("mod", "input - floor(input / other) * other (the divisor's sign).")
eq = equal = _binary_op("eq", "input == other, as bool.")
ne = not_equal = _binary_op("ne", "input != other, as bool.")
lt = less = _binary_op("lt", "input < other, as bool.")
le = less_equal = _binary_op("le", "input <= other, as bool.")
gt = greater = _binary_op("gt", "input > other, as bool.")
ge = greater_equal = _binary_op("ge", "input >= other, as bool.")


@op
def div(input, other, *, rounding_mode=None):
    """input / other, true division (ints give float32); rounding_mode "floor" or "trunc" rounds
    the quotient down or towards 0 and keeps the operands' dtype (MindSpore: int32 stays int32)."""
    if rounding_mode is None:
        return binary("div", input, other, True)
    if rounding_mode == "floor":
        return binary("floor_divide", input, other)
    if rounding_mode != "trunc":
        raise ValueError(f"div: rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}")
    (a, b), dtype = operands("div", input, other)
    if dtype.kind != "f":  # ints: through float64, exact below 2 ** 53
        a, b = cast(a, float64), cast(b, float64)
    q = binary("div", a, b)
    return cast(where(binary("lt", q, 0), ceil(q), floor(q)), dtype)  # noqa: F821 (ceil, floor from the table)


div = eager(div, "div", FLOATS)  # (ints divide in float32: binary casts)
subtract, multiply, divide, true_divide = sub, mul, div, div


@op
def pow(input, exponent):
    """input ** exponent."""
    return binary("pow", input, exponent)


pow = eager(pow, "pow", NUMERIC)


def _logical(name):
    def fn(input, other):
        (a, b), _ = operands(name, input, other)
        return apply(name, [cast(a, bool_), cast(b, bool_)])
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{name.split('_')[1]} of the operands' truth values, as bool."
    return op(fn)


logical_and = _logical("logical_and")
logical_or = _logical("logical_or")


@op
def logical_xor(input, other):
    """xor of the operands' truth values, as bool."""
    (a, b), _ = operands("logical_xor", input, other)
    return apply("ne", [cast(a, bool_), cast(b, bool_)])


@op
def where(condition, input, other):
    """input where condition holds, else other; all three broadcast together."""
    x, y = input, other
    check_tensor(condition, "where", "condition")
    if not isinstance(x, Tensor) and not isinstance(y, Tensor) and _is_number(x) and _is_number(y):
        x = Tensor(x)  # two numbers: MindSpore's where(c, 1, 0) is int64 (a float, float32)
    (x, y), _ = operands("where", x, y)
    return apply("select", [cast(condition, bool_), x, y])


@op
def clamp(input, min=None, max=None):
    """input limited to [min, max] (either may be None), in input's dtype (MindSpore's
    clip(int32 tensor, 0.5, 3) is int32)."""
    check_tensor(input, "clamp", "input")
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    out = input
    if min is not None:
        out = binary("maximum", out, min)
    if max is not None:
        out = binary("minimum", out, max)
    return cast(out, input.dtype)


clip = clamp


@op
def clip_by_value(x, clip_value_min=None, clip_value_max=None):
    """clamp of x, or of each tensor of a list or tuple of them."""
    if isinstance(x, (list, tuple)):
        return type(x)(clamp(t, clip_value_min, clip_value_max) for t in x)
    return clamp(x, clip_value_min, clip_value_max)


@op
def masked_fill(input_x, mask, value):
    """value where mask holds (the two broadcast), else input_x; in input_x's dtype."""
    check_tensor(input_x, "masked_fill", "input_x")
    check_tensor(mask, "masked_fill", "mask")
    return cast(where(mask, value, input_x), input_x.dtype)


select = where


def depend(value, expr):
    """value. (MindSpore orders expr, an optimizer step, before value's use in graph mode; here a
    compiled function runs its steps in the order they were traced.)"""
    return value


# --- reductions


def _alias(value, alias):
    """The argument under its other name when that is given: MindSpore's functions and Tensor
    methods name it either way (axis or dim, keep_dims, keepdims or keepdim)."""
    return value if alias is None else alias


def _axes(x, axis, op_name):
    """A reduction's axes, each in [0, ndim) and listed once (None or (): all of them). A 0-d
    tensor takes axis 0 or -1, as MindSpore's does."""
    if axis is None:  # (the common case, first)
        return list(range(x.ndim))
    axes = axes_arg(axis, x.ndim, op_name)
    if x.ndim == 0 and set(axes) <= {0, -1}:
        return []
    out = []
    for a in axes:
        if not -x.ndim <= a < x.ndim:
            raise ValueError(f"{op_name}: axis {a} is out of range for input of shape {tuple(x.shape)}")
        if a % x.ndim in out:
            raise ValueError(f"{op_name}: axis {a} is repeated in {axis!r} (input of shape {tuple(x.shape)})")
        out.append(a % x.ndim)
    return out


def _reduce(name, x, axis, keep_dims, op_name):
    check_tensor(x, op_name, "input")
    return apply(name, [x], {"axes": _axes(x, axis, op_name), "keep_dims": bool(keep_dims)})


@op
def sum(input, dim=None, keepdim=False, *, dtype=None):
    """The sum over dim (an int, a tuple or None for all); bool and int32 sum as int64."""
    check_tensor(input, "sum", "input")
    x = input
    if dtype is not None:
        x = cast(x, as_dtype(dtype))
    elif x.dtype in (bool_, int32):
        x = cast(x, int64)
    if x.dtype is float16:  # summed in float32
        return cast(_reduce("reduce_sum", cast(x, float32), dim, keepdim, "sum"), x.dtype)
    return _reduce("reduce_sum", x, dim, keepdim, "sum")


@op
def mean(input, axis=None, keep_dims=False, *, dim=None, keepdim=None):
    """The mean over axis (an int, a tuple or None for all). Int tensors give it truncated
    towards 0 (-7 / 2 is -3), as MindSpore does."""
    check_tensor(input, "mean", "input")
    if input.dtype.kind == "b":  # (MindSpore's ReduceMean refuses bool too)
        raise TypeError("mean: no mean of a bool tensor; cast it to a float dtype first")
    axes, keep_dims = _axes(input, _alias(axis, dim), "mean"), _alias(keep_dims, keepdim)
    n = 1
    for a in axes:
        n *= input.shape[a]
    if input.dtype in (float32, float64):  # (what sum does for them, and div's fast path)
        return div(apply("reduce_sum", [input], {"axes": axes, "keep_dims": bool(keep_dims)}), float(n))
    s = sum(input, tuple(axes), keep_dims)
    if input.dtype.kind == "f":
        return cast(binary("div", s, float(n)), input.dtype)
    q = binary("floor_divide", abs(s), n)  # noqa: F821 (abs from the table above)
    return cast(where(binary("lt", s, 0), neg(q), q), input.dtype)  # noqa: F821


def _extreme(name, input, axis, keepdims, op_name):
    check_tensor(input, op_name, "input")
    x = input
    if x.dtype.kind == "b" or x.dtype.name == "Float16":
        x = cast(x, float32 if x.dtype.kind == "f" else int64)
    return cast(_reduce(name, x, axis, keepdims, op_name), input.dtype)


@op
def amax(input, axis=None, keepdims=False):
    """The maximum over axis (NaN if any element is NaN)."""
    return _extreme("reduce_max", input, axis, keepdims, "amax")


@op
def amin(input, axis=None, keepdims=False):
    """The minimum over axis (NaN if any element is NaN)."""
    return _extreme("reduce_min", input, axis, keepdims, "amin")


def _arg(name, input, axis, keepdims, op_name):
    check_tensor(input, op_name, "input")
    x = input
    if x.dtype.kind == "b" or x.dtype.name == "Float16":
        x = cast(x, float32 if x.dtype.kind == "f" else int64)
    if axis is None or (x.ndim == 0 and axis in (0, -1)):
        # over everything: a 0-d index (MindSpore's keepdims has no effect here)
        from ._array import reshape
        x, axis, keepdims = reshape(x, (-1,)), 0, False
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError(f"{op_name}: axis must be an int or None, got {axis!r}")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"{op_name}: axis {axis} is out of range for input of shape {tuple(input.shape)}")
    return apply(name, [x], {"axis": axis, "keep_dims": bool(keepdims)})


@op
def all(input, axis=None, keep_dims=False, *, keepdim=None):
    """Whether every element along axis is true (nonzero), as bool."""
    check_tensor(input, "all", "input")
    return _extreme("reduce_min", cast(input, bool_), axis, _alias(keep_dims, keepdim), "all")


@op
def any(input, axis=None, keep_dims=False, *, keepdim=None):
    """Whether any element along axis is true (nonzero), as bool."""
    check_tensor(input, "any", "input")
    return _extreme("reduce_max", cast(input, bool_), axis, _alias(keep_dims, keepdim), "any")


@op
def argmax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The index of the first maximum along dim (of the flattened input when None), int64."""
    return _arg("argmax", input, _alias(dim, axis), _alias(keepdim, keepdims), "argmax")


@op
def argmin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The index of the first minimum along dim (of the flattened input when None), int64."""
    return _arg("argmin", input, _alias(dim, axis), _alias(keepdim, keepdims), "argmin")


def _at_index(input, index, axis):
    """input's elements at index (argmax's or argmin's) along axis: the value gathered, so its
    gradient goes to that one element, as MindSpore's ArgMaxWithValue (amax shares a tie)."""
    from ._array import gather, reshape, transpose
    axis %= input.ndim
    x = cast(input, float32) if input.dtype.name == "Float16" else input
    perm = [d for d in range(x.ndim) if d != axis] + [axis]
    n = x.shape[axis]
    rows = x.size // n
    flat = reshape(transpose(x, tuple(perm)), (-1,))
    starts = Tensor(np.arange(0, rows * n, n, dtype=np.int64))
    value = gather(flat, binary("add", reshape(index, (-1,)), starts), 0)
    return cast(reshape(value, index.shape), input.dtype)


@op
def max(input, axis=None, keepdims=False):
    """(maximum, index of the first maximum) along axis, as MindSpore's ops.max."""
    index = _arg("argmax", input, axis, keepdims, "max")
    if axis is None or input.ndim == 0:  # over everything: MindSpore shares the gradient of a tie, as amax
        return amax(input), index
    return _at_index(input, index, axis), index


@op
def min(input, axis=None, keepdims=False):
    """(minimum, index of the first minimum) along axis, as MindSpore's ops.min."""
    index = _arg("argmin", input, axis, keepdims, "min")
    if axis is None or input.ndim == 0:
        return amin(input), index
    return _at_index(input, index, axis), index


@op
def prod(input, axis=None, keep_dims=False, dtype=None, *, dim=None, keepdim=None):
    """The product over axis, in dtype when given; bool and int32 multiply as int64 (MindSpore)."""
    check_tensor(input, "prod", "input")
    x = cast(input, int64) if input.dtype.kind == "b" or input.dtype.name == "Int32" else input
    if dtype is not None:
        x = cast(input, as_dtype(dtype, "prod: dtype"))
    return _reduce("reduce_prod", x, _alias(axis, dim), _alias(keep_dims, keepdim), "prod")


@op
def clip_by_global_norm(x, clip_norm=1.0, use_norm=None):
    """The tensors of x scaled by clip_norm / max(global norm, clip_norm), where the global norm
    is the 2-norm of all their elements together (a tuple, as MindSpore's)."""
    if not isinstance(x, (list, tuple)) or not x:
        raise TypeError(f"clip_by_global_norm: x must be a non-empty list or tuple of Tensors, got {type(x).__name__}")
    if use_norm is not None:
        raise ValueError("clip_by_global_norm: use_norm must be None (as in MindSpore)")
    total = None
    for i, t in enumerate(x):
        s = sum(square(check_tensor(t, "clip_by_global_norm", f"x[{i}]")))  # noqa: F821 (square from the table)
        total = s if total is None else binary("add", total, s)
    norm = sqrt(total)  # noqa: F821
    scale = binary("div", clip_norm, maximum(norm, clip_norm))
    return tuple(cast(binary("mul", t, scale), t.dtype) for t in x)


def _variance(input, axis, ddof, keepdims, op_name):
    check_tensor(input, op_name, "input")
    if input.dtype.kind != "f":  # (MindSpore's raises TypeError too)
        raise TypeError(f"{op_name}: input must be a float tensor, got {input.dtype}")
    axes = tuple(_axes(input, axis, op_name))
    n = 1
    for a in axes:
        n *= input.shape[a]
    d = binary("sub", input, mean(input, axes, True))
    return binary("div", sum(square(d), axes, keepdims), float(n - ddof))  # noqa: F821 (square from the table)


@op
def var(input, axis=None, ddof=0, keepdims=False):
    """The variance over axis: the mean squared deviation, divided by n - ddof."""
    return _variance(input, axis, ddof, keepdims, "var")


@op
def std(input, axis=None, ddof=0, keepdims=False):
    """The standard deviation over axis: sqrt(var)."""
    return sqrt(_variance(input, axis, ddof, keepdims, "std"))  # noqa: F821


def _vector_norm(x, ord, dims, keepdim):
    a = abs(x)  # noqa: F821 (abs from the table)
    if ord is None or ord == 2:
        return sqrt(sum(square(a), dims, keepdim))  # noqa: F821
    if ord == float("inf"):
        return amax(a, dims, keepdim)
    if ord == float("-inf"):
        return amin(a, dims, keepdim)
    if ord == 0:  # the count of nonzero elements
        return cast(sum(binary("ne", x, 0), dims, keepdim), x.dtype)
    return binary("pow", sum(binary("pow", a, float(ord)), dims, keepdim), 1.0 / ord)


@op
def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """The vector or matrix norm, as MindSpore's (torch.linalg.norm's rules): with no ord and no
    dim the 2-norm of all elements; a vector norm (ord a number, inf or -inf) over one dim or a
    1-D input; a matrix norm ('fro', 1, -1, inf, -inf) over two dims or a 2-D input. The spectral
    and nuclear norms (2, -2, 'nuc') need an SVD, which graphgrad lacks."""
    x = check_tensor(A, "norm", "A")
    if dtype is not None:
        x = cast(x, as_dtype(dtype, "norm: dtype"))
    elif x.dtype.kind != "f":
        x = cast(x, float32)
    if dim is None and (ord is None or x.ndim == 1):
        return _vector_norm(x, ord, tuple(range(x.ndim)), keepdim)
    dims = _axes(x, tuple(range(x.ndim)) if dim is None else dim, "norm")
    if len(dims) == 1:
        if isinstance(ord, str):
            raise ValueError(f"norm: ord {ord!r} is a matrix norm; dim {dim!r} names one dim")
        return _vector_norm(x, ord, tuple(dims), keepdim)
    if len(dims) != 2:
        raise ValueError(f"norm: dim must name one or two dims, got {dim!r} for input of shape {tuple(x.shape)}")
    if ord is None or ord == "fro":
        return _vector_norm(x, None, tuple(dims), keepdim)
    if ord not in (1, -1, float("inf"), float("-inf")):
        raise NotImplementedError(f"norm: the matrix norm ord={ord!r} is not supported (1, -1, inf, -inf, 'fro')")
    # 1: the largest column sum (sum over the rows, dims[0]); inf: the largest row sum
    inner, outer = (dims[0], dims[1]) if ord in (1, -1) else (dims[1], dims[0])
    sums = sum(abs(x), inner, True)  # noqa: F821
    out = (amax if ord > 0 else amin)(sums, outer, True)
    if not keepdim:
        from ._array import reshape
        out = reshape(out, [d for i, d in enumerate(x.shape) if i not in dims])
    return out


@op
def logsumexp(input, dim=None, keepdim=False, *, axis=None, keep_dims=None):
    """log(sum(exp(input))) over dim (an int or a tuple), shifted by the maximum so nothing
    overflows."""
    check_tensor(input, "logsumexp", "input")
    x = cast(input, float32) if input.dtype.kind != "f" else input
    axis, keep_dims = _alias(dim, axis), _alias(keepdim, keep_dims)
    if axis is None:
        raise TypeError("logsumexp: dim (an int or a tuple of ints) is required")
    axes = _axes(x, axis, "logsumexp")
    if len(axes) == 1:
        return apply("logsumexp", [x], {"axis": axes[0], "keep_dims": bool(keep_dims)})
    from ._array import reshape, transpose  # several axes (or none, of a 0-d input): moved last and merged into one
    rest = [a for a in range(x.ndim) if a not in axes]
    moved = transpose(x, tuple(rest + axes))
    merged = reshape(moved, [x.shape[a] for a in rest] + [-1])
    out = apply("logsumexp", [merged], {"axis": -1, "keep_dims": False})
    if keep_dims:
        out = reshape(out, [1 if a in axes else d for a, d in enumerate(x.shape)])
    return out


def _int_axis(axis, op_name):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op_name}: axis must be an int, got {axis!r}")
    return int(axis)


@op
def softmax(input, axis=-1, *, dtype=None):
    """exp(input) / sum(exp(input)) along axis, shifted by the maximum; input cast to dtype first
    when given."""
    x = check_tensor(input, "softmax", "input")
    if dtype is not None:
        x = cast(x, as_dtype(dtype, "softmax: dtype"))
    axis = _int_axis(axis, "softmax")
    return apply("softmax", [cast(x, float32) if x.dtype.kind != "f" else x], {"axis": axis})


@op
def log_softmax(logits, axis=-1):
    """input - logsumexp(input) along axis."""
    x = check_tensor(logits, "log_softmax", "logits")
    axis = _int_axis(axis, "log_softmax")
    return apply("log_softmax", [cast(x, float32) if x.dtype.kind != "f" else x], {"axis": axis})


@op
def stop_gradient(input):
    """input's value, through which no gradient flows back."""
    return apply("stop_gradient", [check_tensor(input, "stop_gradient", "input")])


@op
def matmul(input, other):
    """Matrix product with numpy's rules (1-D operands, broadcast batch dims), in the operands'
    dtype as MindSpore's: ints multiply in float64 (exact while the sums stay within 2**53) and
    float16 in float32, each cast back."""
    check_tensor(input, "matmul", "input")
    check_tensor(other, "matmul", "other")
    (a, b), dtype = operands("matmul", input, other)
    if dtype is bool_:
        raise TypeError(f"matmul: number operands expected, got {input.dtype} and {other.dtype}")
    if dtype in (float32, float64):
        return apply("matmul", [a, b])
    wide = float32 if dtype is float16 else float64
    return cast(apply("matmul", [cast(a, wide), cast(b, wide)]), dtype)


matmul = eager(matmul, "matmul", (float32, float64), numbers=False)


__all__ = [n for n in globals() if not n.startswith("_") and n not in (
    "Tensor", "apply", "axes_arg", "binary", "cast", "check_tensor", "op", "operands", "scalar", "unary", "np",
    "bool_", "float16", "float32", "float64", "int32", "int64", "as_dtype", "eager", "ALL", "FLOATS", "NUMERIC")]
