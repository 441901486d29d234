"""graphgrad.ops: the operations, eager outside a trace and recorded into the graph inside one.
Each function checks its Python arguments and hands the op to the C++ core, where its shape
rule, kernel and gradient live."""
import functools

from ._tensor import Tensor, as_dtype, float32
from ._trace import apply, with_location

_REDUCTIONS = ("mean", "sum", "none")


def _op(fn):
    """A public op: its errors (argument checks here, shape rules in C++) end with the user's
    file and line, and a MemoryError names the op."""
    name = fn.__name__

    @functools.wraps(fn)
    def op(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (ValueError, TypeError, IndexError, MemoryError) as e:
            raise with_location(e, name) from None

    return op


def _check_tensor(x, op, arg):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {arg} must be a Tensor, got {type(x).__name__}")
    return x


def _shape_arg(shape, op):
    if isinstance(shape, bool) or not isinstance(shape, (int, tuple, list)):
        raise TypeError(f"{op}: shape must be an int or a tuple of ints, got {shape!r}")
    dims = (shape,) if isinstance(shape, int) else tuple(shape)
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, int):
            raise TypeError(f"{op}: shape must be an int or a tuple of ints, got {shape!r}")
        if d < 0:
            raise ValueError(f"{op}: shape must not have negative dimensions, got {shape!r}")
    return list(dims)


def _fill(op, shape, dtype, value):
    dtype = float32 if dtype is None else as_dtype(dtype, f"{op}: dtype")
    return apply("fill", [], {"shape": _shape_arg(shape, op), "value": value, "dtype": dtype.code})


@_op
def ones(shape, dtype=None):
    """A tensor of ones; dtype defaults to float32."""
    return _fill("ones", shape, dtype, 1.0)


@_op
def zeros(shape, dtype=None):
    """A tensor of zeros; dtype defaults to float32."""
    return _fill("zeros", shape, dtype, 0.0)


def _fill_like(op, input, dtype, value):
    _check_tensor(input, op, "input")
    if dtype is not None and as_dtype(dtype, f"{op}: dtype") is not input.dtype:
        return _fill(op, input.shape, dtype, value)
    return apply(op, [input])  # keeps the link to input: the dump shows what it is shaped like


@_op
def ones_like(input, dtype=None):
    """Ones with input's shape (and dtype, unless given)."""
    return _fill_like("ones_like", input, dtype, 1.0)


@_op
def zeros_like(input, dtype=None):
    """Zeros with input's shape (and dtype, unless given)."""
    return _fill_like("zeros_like", input, dtype, 0.0)


def _scalar_as_tensor(x, like, op):
    """Python numbers next to a Tensor become 0-d tensors of its dtype."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return _fill(op, [], like.dtype, float(x))
    raise TypeError(f"{op}: operands must be Tensors or Python numbers, got {type(x).__name__}")


@_op
def add(input, other):
    """input + other with numpy broadcasting."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"add: at least one operand must be a Tensor, got {type(input).__name__} "
                        f"and {type(other).__name__}")
    input = _scalar_as_tensor(input, other, "add")
    other = _scalar_as_tensor(other, input, "add")
    return apply("add", [input, other])


@_op
def matmul(input, other):
    """Matrix product with numpy's rules for 1-D and 2-D operands."""
    _check_tensor(input, "matmul", "input")
    _check_tensor(other, "matmul", "other")
    return apply("matmul", [input, other])


@_op
def transpose(input, input_perm):
    """input with its axes permuted: axis i of the result is axis input_perm[i] of input."""
    _check_tensor(input, "transpose", "input")
    perm = input_perm
    if not isinstance(perm, (tuple, list)) or any(isinstance(p, bool) or not isinstance(p, int) for p in perm):
        raise TypeError(f"transpose: input_perm must be a tuple of ints, got {input_perm!r}")
    if sorted(perm) != list(range(input.ndim)):
        raise ValueError(f"transpose: input_perm must be a permutation of 0..{input.ndim - 1} for a tensor of "
                         f"shape {input.shape}, got {input_perm!r}")
    return apply("transpose", [input], {"perm": list(perm)})


@_op
def stop_gradient(input):
    """input's value, through which no gradient flows back."""
    _check_tensor(input, "stop_gradient", "input")
    return apply("stop_gradient", [input])


def check_reduction(reduction, op):
    if not isinstance(reduction, str):
        raise TypeError(f"{op}: reduction must be a str ('mean', 'sum' or 'none'), got {type(reduction).__name__}")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


@_op
def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction="mean"):
    """Sigmoid + binary cross-entropy in the numerically stable form:
    L = weight * (pos_weight * y * -log(sigmoid(x)) + (1 - y) * -log(1 - sigmoid(x))),
    weight and pos_weight broadcast to the logits' shape; then 'mean', 'sum' or 'none'."""
    op = "binary_cross_entropy_with_logits"
    _check_tensor(input, op, "input (logits)")
    _check_tensor(target, op, "target (label)")
    check_reduction(reduction, op)
    inputs = [input, target]
    attrs = {"reduction": reduction}
    if weight is not None:
        inputs.append(_check_tensor(weight, op, "weight"))
        attrs["has_weight"] = 1
    if pos_weight is not None:
        inputs.append(_check_tensor(pos_weight, op, "pos_weight"))
        attrs["has_pos_weight"] = 1
    return apply("bce_with_logits", inputs, attrs)
