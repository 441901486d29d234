"""What every op shares: the public-op wrapper (errors located at the user's line), operand
checks, and MindSpore's type promotion (Python numbers are weakly typed: they take the
tensor's dtype unless they are of a higher kind)."""
import functools

import numpy as np

from .. import _core
from .._errors import type_name
from .._tensor import _DTYPES, DType, Tensor, as_dtype, bool_, float16, float32, float64, int32, int64, promote_types
from .._trace import apply, current, with_location


def op(fn):
    """A public op: its errors (argument checks here, shape rules in C++) end with the user's
    file and line, and a MemoryError names the op."""
    name = fn.__name__

    @functools.wraps(fn)
    def public(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (ValueError, TypeError, IndexError, MemoryError) as e:
            raise with_location(e, name) from None

    return public


FLOATS = (float16, float32, float64)
NUMERIC = FLOATS + (int32, int64)
ALL = _DTYPES


def eager(public, name, dtypes, arity=2, numbers=True):
    """`public` (an op) as an _core.EagerOp (csrc/python/eager.cpp): a call outside a trace whose
    operands are Tensors of one of `dtypes` (with numbers, one may be a Python int or float,
    which takes the tensor's dtype) runs the C++ op `name` at once; any other goes to `public`.
    Only for ops whose Python path runs `name` unchanged on such operands."""
    return functools.update_wrapper(_core.eager_op(name, [d.code for d in dtypes], public, arity, numbers), public)


def check_tensor(x, op_name, arg):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op_name}: {arg} must be a Tensor, got {type_name(x)}")
    return x


def _is_number(x):
    return isinstance(x, (bool, int, float, np.number, np.bool_))


_scalars = {}  # (dtype code, value's bits) -> 0-d Tensor: eager constants, shared (tensors are immutable)


def scalar(value, dtype):
    """A 0-d constant."""
    if current() is not None or (dtype.kind == "i" and abs(int(value)) > 2 ** 53):
        return fill([], value, dtype)
    key = (dtype.code, float(value).hex())
    t = _scalars.get(key)
    if t is None:
        if len(_scalars) > 1024:
            _scalars.clear()
        t = _scalars[key] = fill([], value, dtype)
    return t


def fill(shape, value, dtype):
    """A constant. (A fill's value is a double: an int beyond 2**53 becomes a tensor instead.)"""
    if dtype.kind == "i" and isinstance(value, (int, np.integer)) and abs(int(value)) > 2 ** 53:
        return Tensor(np.full(shape, value, dtype.np))
    return apply("fill", [], {"shape": list(shape), "value": float(value), "dtype": dtype.code})


def cast(x, dtype):
    return x if x.dtype is dtype else apply("cast", [x], {"dtype": dtype.code})


def _weak(dtype, kind):
    """A tensor's dtype next to a Python number of `kind`."""
    if "bif".index(kind) <= "bif".index(dtype.kind):
        return dtype
    return float32 if kind == "f" else int64


_KIND = {bool: "b", int: "i", float: "f"}


def operands(op_name, *xs):
    """The operands as Tensors of one dtype (numbers and numpy arrays converted), and that dtype."""
    dtype, kinds = None, []
    for x in xs:
        if isinstance(x, Tensor):
            dtype = x.dtype if dtype is None else promote_types(dtype, x.dtype)
        elif type(x) in _KIND:
            kinds.append(_KIND[type(x)])
        elif isinstance(x, np.ndarray) or _is_number(x):
            return operands(op_name, *(Tensor(x) if isinstance(x, np.ndarray) else
                                       x.item() if isinstance(x, (np.number, np.bool_)) else x for x in xs))
        else:
            raise TypeError(f"{op_name}: operands must be Tensors or Python numbers, got {type_name(x)}")
    if dtype is None:  # numbers alone: MindSpore's ops.add(2, 3) is int64, ops.add(2.0, 3) float32
        dtype = {"b": bool_, "i": int64, "f": float32}[max(kinds, key="bif".index)]
    for kind in kinds:
        dtype = _weak(dtype, kind)
    return [cast(x, dtype) if isinstance(x, Tensor) else scalar(x, dtype) for x in xs], dtype


# Arithmetic on two bools stays bool, as MindSpore's: + and max are or, * and min and, - xor.
_BOOL_ARITHMETIC = {"add": "logical_or", "maximum": "logical_or", "mul": "logical_and", "minimum": "logical_and",
                    "sub": "ne"}


def binary(name, a, b, float_result=False):
    """A binary elementwise op; float_result: int and bool operands compute in float32."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._dtype_code == b._dtype_code and (
            a.dtype.kind == "f" or (not float_result and a.dtype.kind == "i")):
        return apply(name, [a, b])  # the common case: nothing to promote
    (a, b), dtype = operands(name, a, b)
    if float_result and dtype.kind != "f":
        a, b = cast(a, float32), cast(b, float32)
    elif dtype.kind == "b" and name in _BOOL_ARITHMETIC:
        name = _BOOL_ARITHMETIC[name]
    elif dtype.kind == "b" and name in ("lt", "le", "gt", "ge"):  # MindSpore 2.7.2 orders bools: False < True
        a, b = cast(a, int32), cast(b, int32)
    return apply(name, [a, b])


def unary(name, x, float_only=False):
    """A unary elementwise op; float_only: int and bool tensors compute in float32."""
    check_tensor(x, name, "input")
    if float_only and x.dtype.kind != "f":
        x = cast(x, float32)
    return apply(name, [x])


def axes_arg(axis, ndim, op_name):
    """A reduction's axes as a list (None: all)."""
    if axis is None or axis == ():
        return list(range(ndim))
    if isinstance(axis, (list, tuple)):
        if any(isinstance(a, bool) or not isinstance(a, int) for a in axis):
            raise TypeError(f"{op_name}: axis must be an int, a tuple of ints or None, got {axis!r}")
        return list(axis)
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError(f"{op_name}: axis must be an int, a tuple of ints or None, got {axis!r}")
    return [axis]


def shape_arg(shape, op_name):
    if isinstance(shape, Tensor):
        shape = tuple(int(v) for v in shape.asnumpy().reshape(-1))
    if isinstance(shape, bool) or not isinstance(shape, (int, tuple, list)):
        raise TypeError(f"{op_name}: shape must be an int or a tuple of ints, got {shape!r}")
    dims = (shape,) if isinstance(shape, int) else tuple(shape)
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
            raise TypeError(f"{op_name}: shape must be an int or a tuple of ints, got {shape!r}")
    return [int(d) for d in dims]


def dtype_arg(dtype, op_name, default=None):
    return default if dtype is None else as_dtype(dtype, f"{op_name}: dtype")


__all__ = ["DType", "Tensor", "apply", "bool_", "float32", "int64"]
