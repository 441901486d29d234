"""Tensor, Parameter and the dtypes. A Tensor's storage lives in C++ (``_core.Tensor``); a Tensor
made while tracing is symbolic instead: it names a value in the graph being built."""
import numpy as np

from . import _core


class DType:
    """A tensor element type; prints as MindSpore does (``Float32``)."""

    __slots__ = ("name", "code", "np", "kind", "rank")

    def __init__(self, name, code, np_type, kind, rank):
        self.name, self.code, self.np = name, code, np.dtype(np_type)
        self.kind, self.rank = kind, rank  # kind: "b", "i" or "f"; rank: width within the kind

    def __repr__(self):
        return self.name

    __str__ = __repr__

    def __reduce__(self):
        return (_dtype_from_code, (self.code,))

    @property
    def is_floating_point(self):
        return self.kind == "f"


# The codes are the C++ DType's (csrc/ir/types.h).
float32 = DType("Float32", 0, np.float32, "f", 1)
float64 = DType("Float64", 1, np.float64, "f", 2)
float16 = DType("Float16", 2, np.float16, "f", 0)
int32 = DType("Int32", 3, np.int32, "i", 0)
int64 = DType("Int64", 4, np.int64, "i", 1)
bool_ = DType("Bool", 5, np.bool_, "b", 0)
_DTYPES = (float32, float64, float16, int32, int64, bool_)
_BY_NAME = {n: d for d in _DTYPES for n in (d.name, d.name.lower(), d.np.name)}
_BY_NAME.update({"bool_": bool_, "float": float32, "int": int64, "half": float16, "double": float64})
# numpy dtypes graphgrad stores in a wider type that holds every value exactly.
_WIDENED = {np.dtype(np.int8): int32, np.dtype(np.int16): int32, np.dtype(np.uint8): int32,
            np.dtype(np.uint16): int32, np.dtype(np.uint32): int64}


def _dtype_from_code(code):
    return _DTYPES[code]


def as_dtype(dtype, what="dtype"):
    """A graphgrad dtype from a DType, its name, a numpy dtype or the Python types bool/int/float."""
    if isinstance(dtype, DType):
        return dtype
    if isinstance(dtype, str) and dtype in _BY_NAME:
        return _BY_NAME[dtype]
    if dtype is bool or dtype is int or dtype is float:
        return {bool: bool_, int: int64, float: float32}[dtype]
    try:
        npd = np.dtype(dtype) if not isinstance(dtype, str) else None
    except TypeError:
        npd = None
    for d in _DTYPES:
        if npd is not None and npd == d.np:  # (numpy takes None for float64)
            return d
    raise TypeError(f"{what} must be one of graphgrad.float16, float32, float64, int32, int64, bool_, got {dtype!r}")


def promote_types(a, b):
    """The dtype two tensors compute in: the higher kind (bool < int < float), the wider within a
    kind (int32 + float16 is float16, int32 + int64 is int64), as MindSpore does."""
    order = "bif"
    if a.kind != b.kind:
        return a if order.index(a.kind) > order.index(b.kind) else b
    return a if a.rank >= b.rank else b


def _to_numpy(data, dtype):
    """Validates and converts user data to a C-contiguous array of the target dtype."""
    if isinstance(data, (str, bytes)):
        raise TypeError(f"Tensor: cannot make a tensor from a {type(data).__name__} ({data!r:.40})")
    try:
        arr = np.asarray(data)
    except ValueError as e:  # numpy >= 1.24 refuses ragged nested lists
        raise ValueError(f"Tensor: data must be rectangular (all rows the same length): {e}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"Tensor: data must be numbers, got an array of dtype {arr.dtype}")
    if dtype is None:
        # As MindSpore: arrays keep their dtype; Python floats become float32, ints int64.
        if arr.dtype in _WIDENED:
            dtype = _WIDENED[arr.dtype]
        elif not isinstance(data, (np.ndarray, np.generic)) and arr.dtype.kind == "f":
            dtype = float32
        else:
            try:
                dtype = as_dtype(arr.dtype)
            except TypeError:
                raise TypeError(f"Tensor: unsupported array dtype {arr.dtype}") from None
    # Not np.ascontiguousarray, which turns a 0-d array into shape (1,). No copy here: the C++
    # side copies into the tensor's own storage.
    return np.asarray(arr, dtype=dtype.np, order="C")


def _format_value(a):
    """MindSpore's repr of the values: %15.8e elements, a dimension over 6 shown as 3 ... 3."""
    if a.dtype.kind in "biu":  # (rows after the first line up under the one-space lead _repr gives)
        return np.array2string(a, separator=", ", prefix=" ") if a.ndim else str(a)
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
Tensor.__doc__ = "An n-dimensional array. Tensor(input_data, dtype=None) copies input_data."
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


def _itemsize(self):
    """Bytes per element."""
    return _dtype(self).np.itemsize


def _strides(self):
    """Bytes from one element to the next along each axis (row-major, as MindSpore's)."""
    strides, step = [], _itemsize(self)
    for d in reversed(self.shape):
        strides.append(step)
        step *= d
    return tuple(reversed(strides))


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


def _tolist(self):
    return _concrete(self, "tolist()").tolist()


def _iter(self):
    if not self.shape:
        raise TypeError("iteration over a 0-d tensor")
    return (self[i] for i in range(self.shape[0]))


def _method(name, fn):
    fn.__name__ = name
    return fn


for _name, _fn in {
    "dtype": property(_dtype),
    "init_data": lambda self, slice_index=None, shape=None, opt_shard_group=None: self,  # (filled at creation)
    "itemsize": property(_itemsize),
    "nbytes": property(lambda self: self.size * _itemsize(self)),
    "strides": property(_strides),
    "asnumpy": _asnumpy,
    "numpy": _asnumpy,
    "item": lambda self: _concrete(self, "item()").item(),
    "tolist": _tolist,
    "__bool__": lambda self: bool(_concrete(self, "bool()")),
    "__float__": lambda self: float(_concrete(self, "float()")),
    "__int__": lambda self: int(_concrete(self, "int()")),
    "__index__": _index,
    "__len__": _len,
    "__iter__": _iter,
    "__repr__": _repr,
    "__str__": _str,
    "__hash__": object.__hash__,  # identity, as MindSpore's (== is elementwise)
}.items():
    setattr(Tensor, _name, _fn)

# Operators and methods go through ops (imported at the end of this module).
_OPERATORS = {
    "__add__": "add", "__sub__": "sub", "__mul__": "mul", "__truediv__": "div", "__floordiv__": "floor_divide",
    "__mod__": "remainder", "__pow__": "pow", "__matmul__": "matmul", "__eq__": "eq", "__ne__": "ne",
    "__lt__": "lt", "__le__": "le", "__gt__": "gt", "__ge__": "ge", "__and__": "logical_and",
    "__or__": "logical_or", "__xor__": "logical_xor",
}


def _operand(self, other):
    """A list or tuple beside a Tensor in an operator is a Tensor of its dtype, as in MindSpore
    (int32 tensor + [1.5, 2.0] is int32)."""
    return Tensor(other, self.dtype) if isinstance(other, (list, tuple)) else other


_OPERANDS = (Tensor, int, float, list, tuple, np.ndarray, np.generic)


def _operator(op_name, reflected):
    """Tensor <op> other. An operand of a type graphgrad does not take that has the reflected
    operator (a CSRTensor's __rmul__) gets NotImplemented, so that Python asks it next."""
    def method(self, other):
        if reflected and not isinstance(other, _OPERANDS) and hasattr(type(other), reflected):
            return NotImplemented
        return getattr(_ops, op_name)(self, _operand(self, other))
    return method


for _name, _op_name in _OPERATORS.items():
    _rname = "__r" + _name[2:]
    if _name not in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"):
        setattr(Tensor, _name, _operator(_op_name, _rname))
        setattr(Tensor, _rname, (lambda o: lambda self, other: getattr(_ops, o)(_operand(self, other), self))(_op_name))
    else:
        setattr(Tensor, _name, _operator(_op_name, None))
# t == None is False and t != "a" True, as in MindSpore (Python's identity comparison decides).
Tensor.__eq__ = lambda self, other: (NotImplemented if other is None or isinstance(other, str)
                                     else _ops.eq(self, _operand(self, other)))
Tensor.__ne__ = lambda self, other: (NotImplemented if other is None or isinstance(other, str)
                                     else _ops.ne(self, _operand(self, other)))
Tensor.__contains__ = lambda self, value: bool(_ops.any(self == value))
Tensor.__neg__ = lambda self: _ops.neg(self)
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = lambda self: _ops.abs(self)
Tensor.__invert__ = lambda self: _ops.logical_not(self)


def _getitem(self, key):
    """t[key]. An int or a step-1 slice of the first axis outside a trace is a view of t's storage
    (csrc/python/eager.cpp); ops' getitem takes every other index."""
    view = _core.first_axis_view(self, key)
    return _ops._array.getitem(self, key) if view is None else view


Tensor.__getitem__ = _getitem
Tensor.T = property(lambda self: _ops.transpose(self, tuple(reversed(range(self.ndim)))))

# Methods named as MindSpore's Tensor methods: ops with the tensor first.
_METHODS = ("abs", "exp", "log", "sqrt", "square", "sin", "cos", "tanh", "sigmoid", "relu", "neg", "floor", "ceil",
            "round", "sign", "reciprocal", "rsqrt", "log1p", "expm1", "isnan", "isinf", "isfinite", "logical_not",
            "sum", "mean", "prod", "argmax", "argmin", "amax", "amin", "reshape", "transpose", "permute",
            "expand_dims", "unsqueeze", "squeeze", "broadcast_to", "clip", "clamp", "softmax",
            "log_softmax", "logsumexp", "matmul", "add", "sub", "mul", "div", "pow", "maximum", "minimum",
            "swapaxes", "split", "chunk", "gather", "tile", "all", "any", "std", "var", "norm", "masked_fill")
for _name in _METHODS:
    setattr(Tensor, _name, (lambda o: lambda self, *a, **k: getattr(_ops, o)(self, *a, **k))(_name))


def _reshape_method(self, *shape):
    return _ops.reshape(self, shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape)


def _reduce_with_index(name):
    """MindSpore's Tensor.max/min: (values, indices) along a dim given positionally or as dim=
    (torch's form, with keepdim); the values alone for none, or along axis= (numpy's form, with
    keepdims)."""
    def method(self, dim=None, keepdim=False, *, axis=None, keepdims=False):
        if dim is not None:
            return getattr(_ops, name)(self, dim, keepdim)
        return getattr(_ops, "a" + name)(self, axis, keepdims)
    method.__name__ = name
    return method


def _transpose_method(self, *axes):
    """x.transpose() reverses the axes; x.transpose(1, 0) and x.transpose((1, 0)) permute them."""
    if not axes:
        axes = tuple(reversed(range(self.ndim)))
    elif len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    return _ops.transpose(self, axes)


def _sum_method(self, axis=None, dtype=None, keepdims=False, initial=None, out=None, *, dim=None, keepdim=False):
    """MindSpore's Tensor.sum: numpy's signature (numpy's np.sum(tensor) calls it) and torch's
    (dim, keepdim); a bool second argument is keepdim, as in x.sum(1, True)."""
    if out is not None:
        raise TypeError("Tensor.sum: out= is not supported (tensors are immutable)")
    if isinstance(dtype, bool):
        dtype, keepdims = None, dtype
    s = _ops.sum(self, axis if dim is None else dim, keepdims or keepdim, dtype=dtype)
    return s if initial is None else s + initial


Tensor.sum = _sum_method
Tensor.transpose = _transpose_method
Tensor.reshape = _reshape_method
Tensor.view = _reshape_method
Tensor.max = _reduce_with_index("max")
Tensor.min = _reduce_with_index("min")
Tensor.astype = lambda self, dtype: _ops.cast(self, dtype)
Tensor.to = Tensor.astype
Tensor.float = lambda self: _ops.cast(self, float32)
Tensor.int = lambda self: _ops.cast(self, int32)
Tensor.long = lambda self: _ops.cast(self, int64)
Tensor.bool = lambda self: _ops.cast(self, bool_)
Tensor.is_floating_point = lambda self: self.dtype.kind == "f"
Tensor.flatten = lambda self, start_dim=0, end_dim=-1: _ops.flatten(self, start_dim, end_dim)  # (all dims, as MindSpore's)
Tensor.dim = lambda self: self.ndim
Tensor.numel = Tensor.nelement = lambda self: self.size


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

    def assign_value(self, value):
        """ops.assign(self, value): also inside compiled functions."""
        return _ops.assign(self, value)

    def clone(self, init="same"):
        """A new Parameter of the same name, shape, dtype and requires_grad: a copy of the value
        ("same"), or filled by an initializer (a name such as "zeros", or an Initializer)."""
        if isinstance(init, str) and init == "same":
            value = Tensor(self.asnumpy())
        else:
            from .common.initializer import initializer
            value = initializer(init, self.shape, self.dtype)
        return Parameter(value, name=self.name, requires_grad=self.requires_grad)

    def value(self):
        """The current value as a plain Tensor (shares the storage; Tensors are immutable)."""
        return Tensor(self)

    def __repr__(self):
        return (f"Parameter (name={self.name}, shape={self.shape}, dtype={self.dtype}, "
                f"requires_grad={self.requires_grad})")


class ParameterTuple(tuple):
    """MindSpore's tuple of Parameters (``ops.GradOperation``'s weights, an optimizer's state)."""

    def __new__(cls, iterable):
        if not isinstance(iterable, (list, tuple)):
            raise TypeError(f"ParameterTuple: expected a list or tuple of Parameters, got {type(iterable).__name__}")
        for i, p in enumerate(iterable):
            if not isinstance(p, Parameter):
                raise TypeError(f"ParameterTuple: element {i} must be a Parameter, got {type(p).__name__}")
        return super().__new__(cls, iterable)

    def clone(self, prefix, init="same"):
        """New Parameters named prefix.<name>, copies ("same") or filled by an initializer."""
        if not isinstance(prefix, str) or not prefix:
            raise ValueError(f"ParameterTuple.clone: prefix must be a non-empty str, got {prefix!r}")
        clones = []
        for p in self:
            c = p.clone(init)
            c.name = f"{prefix}.{p.name}"
            clones.append(c)
        return ParameterTuple(clones)


from . import ops as _ops  # noqa: E402  (ops imports this module)


def _install_eager_ops():
    """Operators and methods whose op runs eagerly in C++ (ops._base.eager) become that op, taking
    what it can and handing the rest to the Python method above (reflected operators: its mirror).
    Called once by graphgrad/__init__.py, when ops is whole."""
    for name in list(_OPERATORS) + list(_METHODS) + ["__neg__", "__abs__"]:
        fn = getattr(_ops, _OPERATORS.get(name, name.strip("_")))
        if isinstance(fn, _core.EagerOp):
            reflected = "__r" + name[2:]
            if name in _OPERATORS and reflected in Tensor.__dict__:
                setattr(Tensor, reflected, fn.bind(Tensor.__dict__[reflected], True))
            setattr(Tensor, name, fn.bind(Tensor.__dict__[name], False))
