"""MindSpore's Primitive classes (ops.MatMul(transpose_b=True)(a, b), ops.ReduceSum(keep_dims=True)(x, 1),
...): a callable made once, usually in a Cell's __init__, and applied in construct. Each is the
functional op underneath, so it runs eagerly, is traced under jit and differentiated under grad
like that op. Its init arguments are checked when it is made and kept as attributes; its repr is
MindSpore's (Prim[MatMul]<transpose_a=False, transpose_b=True>). Where a primitive's meaning
differs from its functional op (ReduceSum's () for all axes and kept dtype, ArgMaxWithValue's
(index, value), Argmax's int32, RealDiv's int division) the primitive's is followed, as MindSpore
2.7.2 behaves."""
import numpy as np

from .._tensor import DType as _DType, Tensor, bool_, float32, int32, int64
from . import _array, _conv, _math, _nn
from ._base import check_tensor


class Primitive:
    """The base: the primitive's name, its init arguments (attrs, also attributes), and a call
    that names the primitive in any error."""

    def __init__(self, **attrs):
        self.attrs = attrs
        self.__dict__.update(attrs)

    @property
    def name(self):
        return type(self).__name__

    def __repr__(self):  # MindSpore shows the values with str(): epsilon=1e-07, output_type=34
        args = ", ".join(f"{k}={v}" for k, v in self.attrs.items())
        return f"Prim[{self.name}]<{args}>" if args else f"Prim[{self.name}]"

    def __call__(self, *args, **kwargs):
        try:
            return self.forward(*args, **kwargs)
        except (ValueError, TypeError, IndexError, NotImplementedError) as e:
            msg = str(e)
            raise type(e)(msg if msg.startswith(f"{self.name}:") else f"{self.name}: {msg}") from None

    def forward(self, *args, **kwargs):
        return self.fn(*args, **kwargs)


# --- init argument checks (MindSpore's own run at the first call; these at construction)

def _bool(prim, arg, value):
    if not isinstance(value, bool):
        raise TypeError(f"{prim}: {arg} must be a bool, got {value!r}")
    return value


def _int(prim, arg, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{prim}: {arg} must be an int, got {value!r}")
    return int(value)


def _float(prim, arg, value):  # (an int epsilon is refused by MindSpore too)
    if not isinstance(value, float):
        raise TypeError(f"{prim}: {arg} must be a float, got {value!r}")
    return value


def _ints(prim, arg, value):
    """An int, or a tuple or list of them, as a tuple."""
    items = value if isinstance(value, (tuple, list)) else (value,)
    for v in items:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{prim}: {arg} must be an int or a tuple of ints, got {value!r}")
    return tuple(int(v) for v in items)


def _same_dtype(prim, tensors):
    """MindSpore's primitives that join tensors take one dtype (the functional ops promote)."""
    for i, t in enumerate(tensors):
        check_tensor(t, prim, f"input {i}")
        if t.dtype is not tensors[0].dtype:
            raise TypeError(f"{prim}: the inputs must have one dtype, got {tensors[0].dtype} and {t.dtype}")
    return tensors


def _tensors(prim, xs):
    if not isinstance(xs, (tuple, list)):
        raise TypeError(f"{prim}: the input must be a tuple or list of Tensors, got {type(xs).__name__}")
    return _same_dtype(prim, list(xs))


# --- no init arguments: the functional op as it is

def _plain(name, fn):
    globals()[name] = type(name, (Primitive,), {"fn": staticmethod(fn), "__doc__": fn.__doc__, "__module__": __name__})


for _name, _fn in {
    "Neg": _math.neg, "Abs": _math.abs, "Exp": _math.exp, "Log": _math.log, "Sqrt": _math.sqrt,
    "Rsqrt": _math.rsqrt, "Square": _math.square, "Reciprocal": _math.reciprocal, "Sin": _math.sin,
    "Cos": _math.cos, "Tanh": _math.tanh, "Sigmoid": _math.sigmoid, "ReLU": _math.relu,
    "Softplus": _math.softplus, "Erf": _math.erf, "Atan": _math.atan, "Floor": _math.floor, "Ceil": _math.ceil,
    "Round": _math.round, "Sign": _math.sign, "Log1p": _math.log1p, "Expm1": _math.expm1,
    "IsNan": _math.isnan, "IsInf": _math.isinf, "IsFinite": _math.isfinite, "LogicalNot": _math.logical_not,
    "Add": _math.add, "Sub": _math.sub, "Mul": _math.mul, "Div": _math.div, "Pow": _math.pow,
    "Maximum": _math.maximum, "Minimum": _math.minimum, "FloorDiv": _math.floor_divide,
    "FloorMod": _math.remainder, "Equal": _math.eq, "NotEqual": _math.ne, "Greater": _math.gt,
    "GreaterEqual": _math.ge, "Less": _math.lt, "LessEqual": _math.le, "LogicalAnd": _math.logical_and,
    "LogicalOr": _math.logical_or, "Select": _math.where, "ExpandDims": _array.expand_dims,
    "Reshape": _array.reshape, "Tile": _array.tile, "ZerosLike": _array.zeros_like, "OnesLike": _array.ones_like,
    "Flatten": _array.flatten,
}.items():
    _plain(_name, _fn)


class GeLU(Primitive):
    """gelu in its tanh form, as MindSpore's primitive computes it."""

    def forward(self, x):
        return _math.gelu(x, approximate="tanh")


class ReLU6(Primitive):
    """min(max(x, 0), 6)."""

    def forward(self, x):
        return _math.clamp(x, 0, 6)


class RealDiv(Primitive):
    """x / y; two int tensors divide as ints, truncated towards 0 (Div gives float32)."""

    def forward(self, x, y):
        both_int = all(isinstance(v, Tensor) and v.dtype.kind == "i" for v in (x, y))
        return _math.div(x, y, rounding_mode="trunc" if both_int else None)


class Mod(Primitive):
    """x - trunc(x / y) * y: the dividend's sign (FloorMod takes the divisor's)."""

    def forward(self, x, y):
        return _math.sub(x, _math.mul(_math.div(x, y, rounding_mode="trunc"), y))


class Identity(Primitive):
    fn = staticmethod(lambda x: check_tensor(x, "Identity", "x"))


class StopGradient(Primitive):
    """x, through which no gradient flows; a Python number as it is (MindSpore's passes it)."""

    def forward(self, x):
        return _math.stop_gradient(x) if isinstance(x, Tensor) else x


class Depend(Primitive):
    fn = staticmethod(_math.depend)


class Assign(Primitive):
    """variable (a Parameter) takes value, which must have its shape (no broadcast); returns it."""

    def forward(self, variable, value):
        if isinstance(value, Tensor) and isinstance(variable, Tensor) and tuple(value.shape) != tuple(variable.shape):
            raise ValueError(f"value of shape {tuple(value.shape)} for a variable of shape {tuple(variable.shape)}")
        return _array.assign(variable, value)


class Cast(Primitive):
    """x (a Tensor or a number) as dtype, a graphgrad dtype."""

    def forward(self, x, dtype):
        if not isinstance(dtype, _DType):
            raise TypeError(f"dtype must be a graphgrad dtype (mindspore.float32, ...), got {dtype!r}")
        return _array.cast(x if isinstance(x, Tensor) else Tensor(x), dtype)


class Transpose(Primitive):
    fn = staticmethod(lambda x, perm: _array.transpose(x, tuple(perm) if isinstance(perm, list) else perm))


class Shape(Primitive):
    fn = staticmethod(lambda x: tuple(check_tensor(x, "Shape", "x").shape))


class DType(Primitive):
    fn = staticmethod(lambda x: check_tensor(x, "DType", "x").dtype)


class Rank(Primitive):
    fn = staticmethod(lambda x: check_tensor(x, "Rank", "x").ndim)


class Size(Primitive):
    fn = staticmethod(lambda x: check_tensor(x, "Size", "x").size)


class Fill(Primitive):
    """A tensor of dtype and shape filled with value (an int dtype truncates it: 3.7 is 3)."""

    def forward(self, dtype, shape, value):
        if not isinstance(dtype, _DType):
            raise TypeError(f"type must be a graphgrad dtype, got {dtype!r}")
        value = value.item() if isinstance(value, Tensor) else value
        value = bool(value) if dtype is bool_ else int(value) if dtype.kind == "i" else value
        return _array.full(shape, value, dtype=dtype)


class Zeros(Primitive):
    fn = staticmethod(lambda shape, dtype=float32: _array.zeros(shape, dtype))


class Ones(Primitive):
    fn = staticmethod(lambda shape, dtype=float32: _array.ones(shape, dtype))


class AddN(Primitive):
    """The sum of a tuple of tensors of one dtype and shape."""

    def forward(self, x):
        xs = _tensors("AddN", x)
        out = xs[0]
        for t in xs[1:]:
            out = _math.add(out, t)
        return out


# --- products


class MatMul(Primitive):
    """The product of two 2-D tensors of one dtype, either transposed first."""

    def __init__(self, transpose_a=False, transpose_b=False):
        super().__init__(transpose_a=_bool(self.name, "transpose_a", transpose_a),
                         transpose_b=_bool(self.name, "transpose_b", transpose_b))

    batched = False

    def forward(self, x, y):
        _same_dtype(self.name, [x, y])
        if min(x.ndim, y.ndim) < 2 or (not self.batched and max(x.ndim, y.ndim) > 2):
            want = "at least 2-D" if self.batched else "2-D"
            raise ValueError(f"the inputs must be {want}, got shapes {tuple(x.shape)} and {tuple(y.shape)}")
        return _math.matmul(_array.swapaxes(x, -1, -2) if self.transpose_a else x,
                            _array.swapaxes(y, -1, -2) if self.transpose_b else y)


class BatchMatMul(MatMul):
    """The product of the last two dims, batched over the others (which broadcast)."""
    batched = True


class BiasAdd(Primitive):
    """x + bias along the channel axis: 1 for 'NCHW' and 'NCDHW' (5-D only), the last for 'NHWC'.
    data_format is kept as MindSpore's Format number, as its repr shows it."""
    _FORMATS = {"NCHW": 0, "NHWC": 1, "NCDHW": 14}

    def __init__(self, data_format="NCHW"):
        if not isinstance(data_format, str):
            raise TypeError(f"BiasAdd: data_format must be a str, got {data_format!r}")
        if data_format not in self._FORMATS:
            raise ValueError(f"BiasAdd: data_format must be 'NCHW', 'NHWC' or 'NCDHW', got {data_format!r}")
        super().__init__(data_format=self._FORMATS[data_format])

    def forward(self, input_x, bias):
        _same_dtype("BiasAdd", [input_x, bias])
        if not 2 <= input_x.ndim <= 5 or bias.ndim != 1 or (self.data_format == 14 and input_x.ndim != 5):
            raise ValueError(f"input_x must be 2-D to 5-D (5-D for NCDHW) and bias 1-D, got shapes "
                             f"{tuple(input_x.shape)} and {tuple(bias.shape)}")
        axis = input_x.ndim - 1 if self.data_format == 1 else 1
        if bias.shape[0] != input_x.shape[axis]:
            raise ValueError(f"bias of shape {tuple(bias.shape)} for channel axis {axis} of input_x of shape "
                             f"{tuple(input_x.shape)}")
        return _math.add(input_x, _array.reshape(bias, [-1] + [1] * (input_x.ndim - 1 - axis)))


# --- reductions: (x, axis=()), where () means every axis


def _axis_arg(axis):
    """A call's axis: an int, a tuple or list, or a Tensor of them; () or [] is all (None)."""
    if isinstance(axis, Tensor):
        axis = tuple(int(v) for v in axis.asnumpy().reshape(-1)) if axis.ndim else int(axis.item())
    if axis is None:
        raise TypeError("axis must be an int, a tuple of ints or () for all axes, got None")
    return None if isinstance(axis, (tuple, list)) and not len(axis) else axis


class _Reduce(Primitive):
    def __init__(self, keep_dims=False):
        super().__init__(keep_dims=_bool(self.name, "keep_dims", keep_dims))

    def forward(self, x, axis=()):
        return self.reduce(check_tensor(x, self.name, "x"), _axis_arg(axis), self.keep_dims)


class ReduceSum(_Reduce):
    """The sum over axis in x's dtype (int32 stays int32; a bool sum is any). skip_mode with
    axis () returns x as it is."""

    def __init__(self, keep_dims=False, skip_mode=False):
        super().__init__(keep_dims)
        self.attrs["skip_mode"] = self.skip_mode = _bool("ReduceSum", "skip_mode", skip_mode)

    def forward(self, x, axis=()):
        return x if self.skip_mode and _axis_arg(axis) is None else super().forward(x, axis)

    @staticmethod
    def reduce(x, axis, keep_dims):
        if x.dtype is bool_:
            return _math.any(x, axis, keep_dims)
        return _array.cast(_math.sum(x, axis, keep_dims), x.dtype)


class ReduceProd(_Reduce):
    """The product over axis in x's dtype (a bool product is all)."""

    @staticmethod
    def reduce(x, axis, keep_dims):
        if x.dtype is bool_:
            return _math.all(x, axis, keep_dims)
        return _array.cast(_math.prod(x, axis, keep_dims), x.dtype)


class ReduceMean(_Reduce):
    reduce = staticmethod(_math.mean)


class ReduceMax(_Reduce):
    reduce = staticmethod(_math.amax)


class ReduceMin(_Reduce):
    reduce = staticmethod(_math.amin)


class ReduceAll(_Reduce):
    reduce = staticmethod(_math.all)


class ReduceAny(_Reduce):
    reduce = staticmethod(_math.any)


class ArgMaxWithValue(Primitive):
    """(index, value) of the first maximum along axis; the index is int64. The value's gradient
    goes to that one element."""
    find = staticmethod(_math.max)

    def __init__(self, axis=0, keep_dims=False):
        super().__init__(axis=_int(self.name, "axis", axis), keep_dims=_bool(self.name, "keep_dims", keep_dims))

    def forward(self, x):
        value, index = self.find(check_tensor(x, self.name, "x"), self.axis, self.keep_dims)
        return index, value


class ArgMinWithValue(ArgMaxWithValue):
    """(index, value) of the first minimum along axis; the index is int64."""
    find = staticmethod(_math.min)


class Argmax(Primitive):
    """The index of the first maximum along axis, as output_type (int32 or int64; int32 by
    default, where ops.argmax gives int64). output_type is kept as MindSpore's type number
    (34 int32, 35 int64), as its repr shows it."""
    find = staticmethod(_math.argmax)
    _TYPE_IDS = {int32: 34, int64: 35}

    def __init__(self, axis=-1, output_type=int32):
        if not isinstance(output_type, _DType) or output_type not in self._TYPE_IDS:
            raise ValueError(f"{self.name}: output_type must be mindspore.int32 or int64, got {output_type!r}")
        super().__init__(axis=_int(self.name, "axis", axis), output_type=self._TYPE_IDS[output_type])

    def forward(self, x):
        dtype = int32 if self.output_type == 34 else int64
        return _array.cast(self.find(check_tensor(x, self.name, "x"), self.axis), dtype)


class Argmin(Argmax):
    """The index of the first minimum along axis, as output_type (int32 by default)."""
    find = staticmethod(_math.argmin)


# --- shapes


class Concat(Primitive):
    """A tuple of tensors of one dtype joined along axis."""

    def __init__(self, axis=0):
        super().__init__(axis=_int("Concat", "axis", axis))

    def forward(self, input_x):
        return _array.concat(_tensors("Concat", input_x), self.axis)


class Stack(Primitive):
    """A tuple of tensors of one dtype and shape joined along a new axis."""

    def __init__(self, axis=0):
        super().__init__(axis=_int("Stack", "axis", axis))

    def forward(self, input_x):
        return _array.stack(_tensors("Stack", input_x), self.axis)


class Unstack(Primitive):
    """x's slices along axis, as a tuple (num, if given, must be that axis's size)."""

    def __init__(self, axis=0, num=None):
        super().__init__(axis=_int("Unstack", "axis", axis), num=None if num is None else _int("Unstack", "num", num))

    def forward(self, x):
        pieces = _array.split(check_tensor(x, "Unstack", "x"), 1, self.axis)
        if self.num is not None and self.num != len(pieces):
            raise ValueError(f"num is {self.num} but axis {self.axis} of shape {tuple(x.shape)} has {len(pieces)}")
        return tuple(_array.squeeze(p, self.axis) for p in pieces)


class Split(Primitive):
    """x in output_num equal pieces along axis, as a tuple."""

    def __init__(self, axis=0, output_num=1):
        if _int("Split", "output_num", output_num) <= 0:
            raise ValueError(f"Split: output_num must be positive, got {output_num}")
        super().__init__(axis=_int("Split", "axis", axis), output_num=int(output_num))

    def forward(self, x):
        n = check_tensor(x, "Split", "x").shape[_array._axis(self.axis, x.ndim, "Split", x.shape)]
        if n % self.output_num:
            raise ValueError(f"axis {self.axis} of shape {tuple(x.shape)} does not split into {self.output_num} "
                             "equal pieces")
        return _array.split(x, n // self.output_num, self.axis)


class Squeeze(Primitive):
    """x without its size-1 dims in axis (all of them when axis is ()); a listed dim whose size
    is not 1 stays, as in MindSpore 2.7.2."""

    def __init__(self, axis=()):
        super().__init__(axis=_ints("Squeeze", "axis", axis))

    def forward(self, x):
        return _array.squeeze(x, self.axis if self.axis else None)


class BroadcastTo(Primitive):
    """x repeated along new or size-1 dims to shape (-1 keeps a dim of x)."""

    def __init__(self, shape):
        if not isinstance(shape, (tuple, list)):
            raise TypeError(f"BroadcastTo: shape must be a tuple of ints, got {shape!r}")
        shape = _ints("BroadcastTo", "shape", shape)
        if any(d < -1 for d in shape):
            raise ValueError(f"BroadcastTo: shape must hold sizes or -1, got {shape}")
        super().__init__(shape=shape)

    def forward(self, x):
        return _array.broadcast_to(x, self.shape)


class Gather(Primitive):
    """input_params' slices at input_indices along axis (batch_dims 0 only)."""

    def __init__(self, batch_dims=0):
        super().__init__(batch_dims=_int("Gather", "batch_dims", batch_dims))

    def forward(self, input_params, input_indices, axis):
        return _array.gather(input_params, input_indices, axis, self.batch_dims)


class OneHot(Primitive):
    """A new axis of size depth: on_value at each index, off_value elsewhere (an index outside
    [0, depth) gives a row of off_value); the result has on_value's dtype."""

    def __init__(self, axis=-1):
        super().__init__(axis=_int("OneHot", "axis", axis))

    def forward(self, indices, depth, on_value, off_value):
        if isinstance(on_value, Tensor) and isinstance(off_value, Tensor):
            _same_dtype("OneHot", [on_value, off_value])
            on_value, off_value = (_array.reshape(v, ()) if v.size == 1 else v for v in (on_value, off_value))
        depth = int(depth.item()) if isinstance(depth, Tensor) else depth
        return _array.one_hot(indices, depth, on_value, off_value, self.axis)


# --- nn


class Softmax(Primitive):
    """softmax along axis; axis is kept as a tuple, as MindSpore keeps it (one axis on CPU)."""

    def __init__(self, axis=-1):
        if isinstance(axis, bool) or not isinstance(axis, (int, tuple)):
            raise TypeError(f"Softmax: axis must be an int or a tuple of one int, got {axis!r}")
        axis = _ints("Softmax", "axis", axis)
        if len(axis) != 1:
            raise ValueError(f"Softmax: axis must name one axis, got {axis}")
        super().__init__(axis=axis)

    def forward(self, x):
        return _math.softmax(x, self.axis[0])


class LogSoftmax(Primitive):
    """log_softmax along axis."""

    def __init__(self, axis=-1):
        super().__init__(axis=_int("LogSoftmax", "axis", axis))

    def forward(self, logits):
        return _math.log_softmax(logits, self.axis)


def _check_logits(prim, logits, labels, dense):
    """logits (N, C) and labels (N, C) of their dtype (dense) or (N,) class indices."""
    if dense:
        _same_dtype(prim, [logits, labels])
    check_tensor(logits, prim, "logits")
    check_tensor(labels, prim, "labels")
    want = tuple(logits.shape) if dense else tuple(logits.shape[:1])
    if logits.ndim != 2 or tuple(labels.shape) != want:
        raise ValueError(f"logits must be (N, C) and labels {'(N, C)' if dense else '(N,)'}, got shapes "
                         f"{tuple(logits.shape)} and {tuple(labels.shape)}")


class SoftmaxCrossEntropyWithLogits(Primitive):
    """(loss, backprop) of logits (N, C) against class probabilities (N, C): the per-row loss
    -sum(labels * log_softmax(logits)) and its gradient softmax(logits) - labels."""

    def forward(self, logits, labels):
        _check_logits(self.name, logits, labels, True)
        loss = _math.neg(_math.sum(_math.mul(labels, _math.log_softmax(logits, -1)), -1))
        return loss, _math.sub(_math.softmax(logits, -1), labels)


class SparseSoftmaxCrossEntropyWithLogits(Primitive):
    """The mean cross-entropy of logits (N, C) against class indices (N,); with is_grad its
    gradient instead, (softmax(logits) - one_hot(labels)) / N."""

    def __init__(self, is_grad=False):
        super().__init__(is_grad=_bool("SparseSoftmaxCrossEntropyWithLogits", "is_grad", is_grad))

    def forward(self, logits, labels):
        _check_logits(self.name, logits, labels, False)
        if not self.is_grad:
            return _nn.cross_entropy(logits, labels)
        hot = _array.one_hot(labels, logits.shape[1], 1.0, 0.0)
        return _math.div(_math.sub(_math.softmax(logits, -1), _array.cast(hot, logits.dtype)), logits.shape[0])


class SigmoidCrossEntropyWithLogits(Primitive):
    """The elementwise binary cross-entropy of logits against labels of one dtype and shape."""

    def forward(self, logits, label):
        _same_dtype(self.name, [logits, label])
        return _nn.binary_cross_entropy_with_logits(logits, label, reduction="none")


class LayerNorm(Primitive):
    """(y, mean, variance): x normalised over the dims from begin_norm_axis on, scaled by gamma
    and shifted by beta (of the shape of the dims from begin_params_axis on); mean and variance
    keep the normalised dims as size 1. The third output is the variance, as MindSpore 2.7.2's CPU
    primitive gives it (not 1/std)."""

    def __init__(self, begin_norm_axis=1, begin_params_axis=1, epsilon=1e-7):
        super().__init__(begin_norm_axis=_int("LayerNorm", "begin_norm_axis", begin_norm_axis),
                         begin_params_axis=_int("LayerNorm", "begin_params_axis", begin_params_axis),
                         epsilon=_float("LayerNorm", "epsilon", epsilon))

    def forward(self, input_x, gamma, beta):
        x = check_tensor(input_x, "LayerNorm", "input_x")
        norm = _array._axis(self.begin_norm_axis, x.ndim, "LayerNorm", x.shape, "begin_norm_axis")
        params = _array._axis(self.begin_params_axis, x.ndim, "LayerNorm", x.shape, "begin_params_axis")
        for arg, t in (("gamma", gamma), ("beta", beta)):
            if tuple(check_tensor(t, "LayerNorm", arg).shape) != tuple(x.shape[params:]):
                raise ValueError(f"{arg} of shape {tuple(t.shape)} for input_x of shape {tuple(x.shape)} "
                                 f"(begin_params_axis {self.begin_params_axis} wants {tuple(x.shape[params:])})")
        axes = tuple(range(norm, x.ndim))
        mean = _math.mean(x, axes, True)
        centred = _math.sub(x, mean)
        var = _math.mean(_math.square(centred), axes, True)
        y = _math.mul(centred, _math.rsqrt(_math.add(var, self.epsilon)))
        return _math.add(_math.mul(y, gamma), beta), mean, var


# --- convolution and pooling (NCHW), their attributes kept as MindSpore shows them

def _pair(prim, arg, value):
    """kernel, stride or dilation: an int or a pair of positive ints, as (h, w)."""
    v = _ints(prim, arg, value)
    if len(v) == 1:
        v = v * 2
    if len(v) == 4 and v[:2] == (1, 1):
        v = v[2:]
    if len(v) != 2 or min(v) < 1:
        raise ValueError(f"{prim}: {arg} must be a positive int or a tuple of two positive ints, got {value!r}")
    return v


def _nchw(prim, data_format):
    if data_format != "NCHW":
        raise NotImplementedError(f"{prim}: data_format {data_format!r} (graphgrad computes NCHW only)")


class Conv2D(Primitive):
    """conv2d(x, weight) of x (N, C, H, W) and weight (out_channel, C / group, kh, kw); pad_mode
    'valid', 'same' (the odd padding row at the bottom) or 'pad' with pad = one int or (top,
    bottom, left, right). stride and dilation show as MindSpore's 4-tuples."""

    def __init__(self, out_channel, kernel_size, mode=1, pad_mode="valid", pad=0, stride=1, dilation=1, group=1,
                 data_format="NCHW"):
        if _int("Conv2D", "out_channel", out_channel) <= 0:
            raise ValueError(f"Conv2D: out_channel must be a positive int, got {out_channel}")
        _pair("Conv2D", "kernel_size", kernel_size)
        if _int("Conv2D", "mode", mode) != 1:
            raise ValueError(f"Conv2D: mode must be 1, got {mode}")
        if pad_mode not in ("valid", "same", "pad"):
            raise ValueError(f"Conv2D: pad_mode must be 'valid', 'same' or 'pad', got {pad_mode!r}")
        pads = _ints("Conv2D", "pad", pad)
        pads = pads * 4 if len(pads) == 1 else pads
        if len(pads) != 4 or min(pads) < 0:
            raise ValueError(f"Conv2D: pad must be a non-negative int or 4 of them, got {pad!r}")
        if pad_mode != "pad" and any(pads):
            raise ValueError(f"Conv2D: pad must be zero when pad_mode is not 'pad', got pad {pad!r} and pad_mode "
                             f"{pad_mode!r}")
        _nchw("Conv2D", data_format)
        g = _int("Conv2D", "group", group)
        super().__init__(out_channel=out_channel, kernel_size=kernel_size, mode=mode, pad_mode=pad_mode, pad=pads,
                         stride=(1, 1) + _pair("Conv2D", "stride", stride),
                         dilation=(1, 1) + _pair("Conv2D", "dilation", dilation), group=g, data_format=data_format,
                         groups=g)

    def forward(self, x, weight):
        check_tensor(weight, "Conv2D", "weight")
        kernel = _pair("Conv2D", "kernel_size", self.kernel_size)
        if weight.ndim != 4 or weight.shape[0] != self.out_channel or tuple(weight.shape[2:]) != kernel:
            raise ValueError(f"the weight must have shape ({self.out_channel}, C/{self.group}, {kernel[0]}, "
                             f"{kernel[1]}), got {tuple(weight.shape)}")
        return _conv.conv2d(x, weight, stride=self.stride[2:], pad_mode=self.pad_mode, padding=self.pad,
                            dilation=self.dilation[2:], groups=self.group)


class MaxPool(Primitive):
    """The maximum over each window of x (N, C, H, W); pad_mode 'VALID' or 'SAME' (either case)."""

    def __init__(self, kernel_size=1, strides=1, pad_mode="valid", data_format="NCHW"):
        if not isinstance(pad_mode, str) or pad_mode.upper() not in ("VALID", "SAME"):
            raise ValueError(f"{self.name}: pad_mode must be 'valid' or 'same', got {pad_mode!r}")
        _nchw(self.name, data_format)
        kernel, stride = _pair(self.name, "kernel_size", kernel_size), _pair(self.name, "strides", strides)
        self._window = kernel, stride, pad_mode.upper() == "SAME"
        super().__init__(kernel_size=(1, 1) + kernel, strides=(1, 1) + stride, pad_mode=pad_mode.upper(),
                         data_format=data_format)

    def _pads(self, x):
        kernel, stride, same = self._window
        _conv._image(x, self.name)
        return _conv.same_padding(x.shape[2:], kernel, stride, (1, 1)) if same else [0] * 4

    def forward(self, x):
        pads = self._pads(x)
        return _conv.max_pool2d_padded(x, *self._window[:2], pads, (1, 1))


class AvgPool(MaxPool):
    """The mean over each window; with 'SAME' over the positions inside the image, as MindSpore's.
    Its attributes show as MindSpore 2.7.2's do: (h, w) pairs, pad_mode 1 (SAME) or 2 (VALID),
    data_format 0."""

    def __init__(self, kernel_size=1, strides=1, pad_mode="VALID", data_format="NCHW"):
        super().__init__(kernel_size, strides, pad_mode, data_format)
        kernel, stride, same = self._window
        self.attrs.update(kernel_size=kernel, strides=stride, pad_mode=1 if same else 2, data_format=0)
        self.__dict__.update(self.attrs)

    def forward(self, x):
        pads = self._pads(x)
        return _conv.avg_pool2d_padded(x, *self._window[:2], pads, count_include_pad=not self._window[2])

__all__ = ["Primitive"] + sorted(n for n, v in globals().items()
                                 if isinstance(v, type) and issubclass(v, Primitive) and not n.startswith("_")
                                 and n != "Primitive")
