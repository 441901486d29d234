"""Tensor, Parameter and the dtypes. A Tensor's storage lives in C++ (``_core.Tensor``); a Tensor
made while tracing is symbolic instead: it names a value in the graph being built."""
import numpy as np

from . import _core


class DType:
    """A tensor element type; prints as MindSpore does (``Float32``)."""

    __slots__ = ("name", "code", "np")

    def __init__(self, name, code, np_type):
        self.name, self.code, self.np = name, code, np.dtype(np_type)

    def __repr__(self):
        return self.name

    __str__ = __repr__

    def __reduce__(self):
        return (_dtype_from_code, (self.code,))


float32 = DType("Float32", 0, np.float32)
float64 = DType("Float64", 1, np.float64)
_DTYPES = (float32, float64)
_BY_NAME = {"float32": float32, "float64": float64, "Float32": float32, "Float64": float64}


def _dtype_from_code(code):
    return _DTYPES[code]


def as_dtype(dtype, what="dtype"):
    """graphgrad.float32/float64, their names, or the numpy types; anything else is a TypeError."""
    if isinstance(dtype, DType):
        return dtype
    if isinstance(dtype, str) and dtype in _BY_NAME:
        return _BY_NAME[dtype]
    try:
        npd = np.dtype(dtype) if not isinstance(dtype, str) else None
    except TypeError:
        npd = None
    if npd == np.float32:
        return float32
    if npd == np.float64:
        return float64
    raise TypeError(f"{what} must be graphgrad.float32 or graphgrad.float64, got {dtype!r}")


def _to_numpy(data, dtype):
    """Validates and converts user data to a C-contiguous float array of the target dtype."""
    if isinstance(data, (str, bytes)):
        raise TypeError(f"Tensor: cannot make a tensor from a {type(data).__name__} ({data!r:.40})")
    try:
        arr = np.asarray(data)
    except ValueError as e:  # numpy >= 1.24 refuses ragged nested lists
        raise ValueError(f"Tensor: data must be rectangular (all rows the same length): {e}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"Tensor: data must be numbers, got an array of dtype {arr.dtype}")
    if dtype is None:
        # float64 arrays stay float64 (as in MindSpore); Python numbers, ints and bools become float32.
        dtype = float64 if arr.dtype == np.float64 and isinstance(data, (np.ndarray, np.generic)) else float32
    # Not np.ascontiguousarray, which turns a 0-d array into shape (1,). No copy here: the C++
    # side copies into the tensor's own storage.
    return np.asarray(arr, dtype=dtype.np, order="C")


def _format_value(a):
    """MindSpore's repr of the values: %15.8e elements, a dimension over 6 shown as 3 ... 3."""
    if a.ndim == 0:
        return "% g" % a
    ndim = a.ndim

    def block(sub, depth):
        items = list(range(sub.shape[0]))
        if len(items) > 6:
            items = items[:3] + [None] + items[-3:]
        if sub.ndim == 1:
            return "[" + ", ".join("..." if i is None else "%15.8e" % sub[i] for i in items) + "]"
        sep = ",\n" + "\n" * (ndim - depth - 2) + " " * (depth + 2)
        return "[" + sep.join("..." if i is None else block(sub[i], depth + 1) for i in items) + "]"

    return block(a, 0)


def convert(input_data, dtype):
    """What Tensor(input_data, dtype) stores: a C-contiguous float array, or a Tensor to share."""
    if dtype is not None:
        dtype = as_dtype(dtype)
    if isinstance(input_data, Tensor):
        _concrete(input_data, "Tensor(...) of it")
        if dtype is None or dtype is input_data.dtype:
            return input_data  # storage is immutable: share it
        input_data = input_data._numpy()
    if input_data is None:
        raise TypeError("Tensor: input_data is required (a numpy array, a nested list or a number)")
    return _to_numpy(input_data, dtype)


# The tensor class lives in C++ (storage, shape, the call path); its Python-level behaviour is
# added here. A Tensor made while tracing is symbolic: it names a value in the traced graph.
Tensor = _core.Tensor
Tensor.__doc__ = "An n-dimensional float32/float64 array. Tensor(input_data, dtype=None) copies input_data."
Tensor.__module__ = "graphgrad"
_core._set_converter(convert)


def _dtype(self):
    return _DTYPES[self._dtype_code]


def _concrete(self, what):
    if self._symbolic_:
        from ._trace import concretization_error

        raise concretization_error(self, what)
    return self._numpy()


def _asnumpy(self):
    """A copy of the values as a numpy array."""
    return np.array(_concrete(self, "asnumpy()"))


def _array(self, dtype=None, copy=None):
    return np.array(_concrete(self, "__array__ (conversion to numpy)"), dtype=dtype)


def _len(self):
    if not self.shape:
        raise TypeError("len() of a 0-d tensor")
    return self.shape[0]


def _index(self):
    raise TypeError("a graphgrad Tensor cannot be used as an index")


def _repr(self):
    shape = "[" + ", ".join(str(d) for d in self.shape) + "]"
    if self._symbolic_:
        return f"Tensor(shape={shape}, dtype={self.dtype}, traced)"
    a = self._numpy()
    # "% g" already leads with a space (or the sign) for 0-d; others get one space of indent.
    lead = "\n " if a.ndim > 1 else " " if a.ndim == 1 else ""
    return f"Tensor(shape={shape}, dtype={self.dtype}, value={lead}{_format_value(a)})"


def _str(self):
    return repr(self) if self._symbolic_ else str(self._numpy())


for _name, _fn in {
    "dtype": property(_dtype),
    "asnumpy": _asnumpy,
    "__array__": _array,
    "item": lambda self: _concrete(self, "item()").item(),
    "__bool__": lambda self: bool(_concrete(self, "bool()")),
    "__float__": lambda self: float(_concrete(self, "float()")),
    "__int__": lambda self: int(_concrete(self, "int()")),
    "__index__": _index,
    "__len__": _len,
    "__repr__": _repr,
    "__str__": _str,
    # Arithmetic goes through ops (imported at the end of this module).
    "__add__": lambda self, other: _ops.add(self, other),
    "__radd__": lambda self, other: _ops.add(other, self),
    "__matmul__": lambda self, other: _ops.matmul(self, other),
    "T": property(lambda self: _ops.transpose(self, tuple(reversed(range(self.ndim))))),
    "__rmatmul__": lambda self, other: _ops.matmul(other, self),
}.items():
    setattr(Tensor, _name, _fn)


class Parameter(Tensor):
    """A Tensor with a name whose value a model learns. Read while tracing, it becomes a graph
    input (never a constant), so ``set_data`` is seen by the next call of a compiled function."""

    def __init__(self, default_input, name=None, requires_grad=True):
        if isinstance(default_input, Tensor):
            _concrete(default_input, "Parameter(...) of it")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Parameter: name must be a str, got {type(name).__name__}")
        super().__init__(default_input)
        self.name = name
        self.requires_grad = bool(requires_grad)

    def set_data(self, data):
        """Replaces the value; the new one must have the same shape and dtype."""
        if not isinstance(data, Tensor):
            data = Tensor(data, self.dtype)
        if data._symbolic_:
            _concrete(data, "set_data()")
        if data.dtype is not self.dtype:
            raise TypeError(f"Parameter {self.name}: set_data expects dtype {self.dtype}, got {data.dtype}")
        if data.shape != self.shape:
            raise ValueError(f"Parameter {self.name}: set_data expects shape {self.shape}, got {data.shape}")
        self._assign(data)
        return self

    def __repr__(self):
        return (f"Parameter (name={self.name}, shape={self.shape}, dtype={self.dtype}, "
                f"requires_grad={self.requires_grad})")


from . import ops as _ops  # noqa: E402  (ops imports this module)
