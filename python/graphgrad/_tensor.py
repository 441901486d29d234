"""Tensor, Parameter and the dtypes. A Tensor's storage lives in C++ (``_core.Array``); a Tensor
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
        dtype = float64 if arr.dtype == np.float64 and isinstance(data, np.ndarray) else float32
    # np.array, not np.ascontiguousarray: the latter turns a 0-d array into shape (1,).
    return np.array(arr, dtype=dtype.np, order="C")


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


class Tensor:
    """An n-dimensional float32/float64 array. ``Tensor(data, dtype=None)`` copies ``data``."""

    __slots__ = ("_arr", "_trace", "_node", "_sym_shape", "_sym_dtype", "__weakref__")

    def __init__(self, input_data=None, dtype=None):
        if dtype is not None:
            dtype = as_dtype(dtype)
        self._trace = None
        if isinstance(input_data, Tensor):
            if input_data._arr is None:
                raise TypeError("Tensor: cannot copy a traced tensor into a concrete one while tracing")
            input_data = input_data.asnumpy()
        if input_data is None:
            raise TypeError("Tensor: input_data is required (a numpy array, a nested list or a number)")
        self._arr = _core.Array.from_numpy(_to_numpy(input_data, dtype))

    @classmethod
    def _wrap(cls, arr):
        t = Tensor.__new__(Tensor)
        t._arr, t._trace = arr, None
        return t

    @classmethod
    def _symbolic(cls, trace, node):
        t = Tensor.__new__(Tensor)
        t._arr, t._trace, t._node = None, trace, node
        t._sym_shape = trace.graph.shape(node)
        t._sym_dtype = _DTYPES[trace.graph.dtype(node)]
        return t

    # -- properties --
    @property
    def shape(self):
        return self._arr.shape if self._arr is not None else self._sym_shape

    @property
    def dtype(self):
        return _DTYPES[self._arr.dtype] if self._arr is not None else self._sym_dtype

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        n = 1
        for d in self.shape:
            n *= d
        return n

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    # -- values --
    def _concrete(self, what):
        if self._arr is None:
            from ._trace import concretization_error

            raise concretization_error(self, what)
        return self._arr

    def asnumpy(self):
        return np.array(self._concrete("asnumpy()").numpy())

    def __array__(self, dtype=None, copy=None):
        view = self._concrete("__array__ (conversion to numpy)").numpy()
        return np.array(view, dtype=dtype)

    def item(self):
        return self._concrete("item()").numpy().item()

    def __bool__(self):
        return bool(self._concrete("bool()").numpy())

    def __float__(self):
        return float(self._concrete("float()").numpy())

    def __int__(self):
        return int(self._concrete("int()").numpy())

    def __index__(self):
        raise TypeError("a graphgrad Tensor cannot be used as an index")

    def __repr__(self):
        shape = "[" + ", ".join(str(d) for d in self.shape) + "]"
        if self._arr is None:
            return f"Tensor(shape={shape}, dtype={self.dtype}, traced)"
        a = self._arr.numpy()
        # "% g" already leads with a space (or the sign) for 0-d; others get one space of indent.
        lead = "\n " if a.ndim > 1 else " " if a.ndim == 1 else ""
        return f"Tensor(shape={shape}, dtype={self.dtype}, value={lead}{_format_value(a)})"

    def __str__(self):
        if self._arr is None:
            return repr(self)
        return str(self._arr.numpy())

    # Arithmetic goes through ops (bound below, after ops is importable).
    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(other, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)


class Parameter(Tensor):
    """A Tensor with a name whose value a model learns. Read while tracing, it becomes a graph
    input (never a constant), so ``set_data`` is seen by the next call of a compiled function."""

    __slots__ = ("name", "requires_grad")

    def __init__(self, default_input, name=None, requires_grad=True):
        if isinstance(default_input, Tensor):
            if default_input._arr is None:
                raise TypeError("Parameter: cannot make a Parameter from a traced tensor")
            self._arr, self._trace = default_input._arr, None
        else:
            Tensor.__init__(self, default_input)
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Parameter: name must be a str, got {type(name).__name__}")
        self.name = name
        self.requires_grad = bool(requires_grad)

    def set_data(self, data):
        """Replaces the value; the new one must have the same shape and dtype."""
        if not isinstance(data, Tensor):
            data = Tensor(data, self.dtype)
        arr = data._concrete("set_data()")
        if data.dtype is not self.dtype:
            raise TypeError(f"Parameter {self.name}: set_data expects dtype {self.dtype}, got {data.dtype}")
        if data.shape != self.shape:
            raise ValueError(f"Parameter {self.name}: set_data expects shape {self.shape}, got {data.shape}")
        self._arr = arr
        return self

    def __repr__(self):
        return (f"Parameter (name={self.name}, shape={self.shape}, dtype={self.dtype}, "
                f"requires_grad={self.requires_grad})")


from . import ops as _ops  # noqa: E402  (ops imports this module)
