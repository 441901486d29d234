"""Layers: Dense, activations, Flatten, Dropout, LayerNorm, BatchNorm1d, with MindSpore's
signatures and defaults."""
import math

import numpy as np

from .. import ops
from .._tensor import Parameter, Tensor, float32
from .._trace import apply
from ..common.initializer import HeUniform, Uniform, initializer
from .cell import Cell, CellDict


def _positive_int(value, name, cls):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{cls}: {name} must be a positive int, got {value!r}")
    return int(value)


def _init_param(init, shape, dtype, name, cls, arg):
    """A Parameter from a Tensor (its shape checked), an initializer name or object, or a number."""
    if isinstance(init, Tensor) and tuple(init.shape) != tuple(shape):
        raise ValueError(f"{cls}: {arg} must have shape {tuple(shape)}, got {tuple(init.shape)}")
    try:
        value = initializer(init, shape, dtype if not isinstance(init, Tensor) else init.dtype)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{cls}: {arg}: {e}") from None
    return Parameter(value, name=name)


# --- activations


class ReLU(Cell):
    def construct(self, x):
        return ops.relu(x)


class Sigmoid(Cell):
    def construct(self, x):
        return ops.sigmoid(x)


class Tanh(Cell):
    def construct(self, x):
        return ops.tanh(x)


class GELU(Cell):
    """MindSpore's default is the tanh approximation (approximate=True)."""

    def __init__(self, approximate=True):
        super().__init__()
        self.approximate = bool(approximate)

    def construct(self, x):
        return ops.gelu(x, "tanh" if self.approximate else "none")


class Softmax(Cell):
    def __init__(self, axis=-1):
        super().__init__()
        self.axis = axis

    def construct(self, x):
        return ops.softmax(x, self.axis)


class LogSoftmax(Cell):
    def __init__(self, axis=-1):
        super().__init__()
        self.axis = axis

    def construct(self, x):
        return ops.log_softmax(x, self.axis)


def _number(value, name, cls):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{cls}: {name} must be a number, got {type(value).__name__}")
    return float(value)


def _int(value, name, cls):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{cls}: {name} must be an int, got {type(value).__name__}")
    return int(value)


def _neg_part(x):
    """min(x, 0): exp of it cannot overflow, so a where() that discards the branch for x > 0
    does not turn its zero gradient into 0 * inf."""
    return ops.minimum(x, 0.0)


class LeakyReLU(Cell):
    """x for x > 0, else alpha * x."""

    def __init__(self, alpha=0.2):
        super().__init__()
        self.alpha = _number(alpha, "alpha", "LeakyReLU")

    def construct(self, x):
        return ops.where(x > 0, x, x * self.alpha)


class ReLU6(Cell):
    def construct(self, x):
        return ops.clamp(x, 0.0, 6.0)


class SiLU(Cell):
    def construct(self, x):
        return x * ops.sigmoid(x)


class ELU(Cell):
    """x for x > 0, else alpha * (exp(x) - 1). (MindSpore 2.7.2's CPU kernel accepts only
    alpha=1.0, failing at the call; here any alpha works.)"""

    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = _number(alpha, "alpha", "ELU")

    def construct(self, x):
        return ops.where(x > 0, x, ops.expm1(_neg_part(x)) * self.alpha)


class CELU(Cell):
    """x for x > 0, else alpha * (exp(x / alpha) - 1); alpha must not be 0."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = _number(alpha, "alpha", "CELU")
        if self.alpha == 0:
            raise ValueError("CELU: alpha must not be 0")

    def construct(self, x):
        return ops.where(x > 0, x, ops.expm1(_neg_part(x) / self.alpha) * self.alpha)


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


class SeLU(Cell):
    """scale * elu(x, alpha) with the self-normalising constants."""

    def construct(self, x):
        return ops.where(x > 0, x, ops.expm1(_neg_part(x)) * _SELU_ALPHA) * _SELU_SCALE


class HSigmoid(Cell):
    """relu6(x + 3) / 6."""

    def construct(self, x):
        return ops.clamp(x + 3.0, 0.0, 6.0) / 6.0


class HSwish(Cell):
    """x * relu6(x + 3) / 6."""

    def construct(self, x):
        return x * (ops.clamp(x + 3.0, 0.0, 6.0) / 6.0)


class Mish(Cell):
    """x * tanh(softplus(x))."""

    def construct(self, x):
        return x * ops.tanh(ops.softplus(x))


class Softsign(Cell):
    """x / (1 + |x|)."""

    def construct(self, x):
        return x / (ops.abs(x) + 1.0)


class LogSigmoid(Cell):
    """log(sigmoid(x)) = -softplus(-x), finite for large |x|."""

    def construct(self, x):
        return -ops.softplus(-x)


class Softmin(Cell):
    """softmax(-x) along axis (an int or a tuple of ints)."""

    def __init__(self, axis=-1):
        super().__init__()
        if isinstance(axis, tuple):
            for a in axis:
                _int(a, "axis", "Softmin")
        else:
            _int(axis, "axis", "Softmin")
        self.axis = axis

    def construct(self, x):
        return ops.softmax(-x, self.axis)


class Hardtanh(Cell):
    """x limited to [min_val, max_val]."""

    def __init__(self, min_val=-1.0, max_val=1.0):
        super().__init__()
        self.min_val = _number(min_val, "min_val", "Hardtanh")
        self.max_val = _number(max_val, "max_val", "Hardtanh")
        if self.min_val >= self.max_val:
            raise ValueError(f"Hardtanh: min_val must be less than max_val, got {min_val} and {max_val}")

    def construct(self, x):
        return ops.clamp(x, self.min_val, self.max_val)


class Tanhshrink(Cell):
    """x - tanh(x)."""

    def construct(self, x):
        return x - ops.tanh(x)


class SoftShrink(Cell):
    """x - lambd above lambd, x + lambd below -lambd, 0 between; lambd >= 0."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = _number(lambd, "lambd", "SoftShrink")
        if self.lambd < 0:
            raise ValueError(f"SoftShrink: lambd must be >= 0, got {lambd}")

    def construct(self, x):
        return ops.where(x > self.lambd, x - self.lambd, ops.where(x < -self.lambd, x + self.lambd, 0.0))


class HShrink(Cell):
    """x where |x| > lambd, else 0 (a negative lambd keeps every x, as MindSpore's does)."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = _number(lambd, "lambd", "HShrink")

    def construct(self, x):
        return ops.where(ops.abs(x) > self.lambd, x, 0.0)


class Threshold(Cell):
    """x where x > threshold, else value."""

    def __init__(self, threshold, value):
        super().__init__()
        self.threshold = _number(threshold, "threshold", "Threshold")
        self.value = _number(value, "value", "Threshold")

    def construct(self, x):
        return ops.where(x > self.threshold, x, self.value)


class GLU(Cell):
    """a * sigmoid(b), a and b the two halves of x along axis (its size must be even)."""

    def __init__(self, axis=-1):
        super().__init__()
        self.axis = _int(axis, "axis", "GLU")

    def construct(self, x):
        if x.ndim == 0 or x.shape[self.axis] % 2:
            raise ValueError(f"GLU: the size of axis {self.axis} must be even, got shape {tuple(x.shape)}")
        a, b = ops.split(x, x.shape[self.axis] // 2, self.axis)
        return a * ops.sigmoid(b)


class PReLU(Cell):
    """x for x > 0, else w * x, with a learnt slope per channel (dim 1 of the input; a
    1-channel w serves any input). The Parameter is ``w`` (named 'a' on its own, as MindSpore's)."""

    def __init__(self, channel=1, w=0.25):
        super().__init__()
        if isinstance(channel, bool) or not isinstance(channel, (int, np.integer)):
            raise TypeError(f"PReLU: channel must be an int, got {type(channel).__name__}")
        if channel <= 0:
            raise ValueError(f"PReLU: channel must be a positive int, got {channel}")
        self.channel = int(channel)
        if isinstance(w, (list, Tensor)):
            w = Tensor(np.asarray(w.asnumpy() if isinstance(w, Tensor) else w, np.float32))
            if tuple(w.shape) != (self.channel,):
                raise ValueError(f"PReLU: w must be 1-D with channel={self.channel} elements, got shape "
                                 f"{tuple(w.shape)}")
        elif isinstance(w, (int, float)) and not isinstance(w, bool):
            w = Tensor(np.full((self.channel,), w, np.float32))
        else:
            raise TypeError(f"PReLU: w must be a float, a list or a Tensor, got {type(w).__name__}")
        self.w = Parameter(w, name="a")

    def construct(self, x):
        w = self.w
        if self.channel > 1:
            if x.ndim < 2 or x.shape[1] != self.channel:
                raise ValueError(f"PReLU: input's dim 1 must be channel={self.channel}, got shape {tuple(x.shape)}")
            w = ops.reshape(w, (1, self.channel) + (1,) * (x.ndim - 2))
        elif x.ndim == 0:
            w = ops.reshape(w, ())
        return ops.where(x > 0, x, x * w)


class Identity(Cell):
    """Its input, unchanged (arguments to the constructor are accepted and ignored)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def construct(self, x):
        return x


_ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "gelu": GELU, "softmax": Softmax,
                "logsoftmax": LogSoftmax, "log_softmax": LogSoftmax, "leakyrelu": LeakyReLU, "relu6": ReLU6,
                "silu": SiLU, "elu": ELU, "hswish": HSwish, "hsigmoid": HSigmoid, "mish": Mish, "softsign": Softsign,
                "logsigmoid": LogSigmoid, "prelu": PReLU, "softmin": Softmin, "hardtanh": Hardtanh,
                "tanhshrink": Tanhshrink, "softshrink": SoftShrink, "hshrink": HShrink, "threshold": Threshold}


def get_activation(name):
    """An activation Cell by MindSpore's name ('relu', 'leakyrelu', 'silu', 'hswish', ...: the keys
    of _ACTIVATIONS), made with its defaults."""
    cls = _ACTIVATIONS.get(name.lower()) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"unknown activation {name!r}; known: {', '.join(sorted(_ACTIVATIONS))}")
    return cls()


class Flatten(Cell):
    """Dims start_dim..end_dim merged (the default keeps the batch dim)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def construct(self, x):
        return ops.flatten(x, self.start_dim, self.end_dim)


class Unflatten(Cell):
    """Dim axis split into unflattened_size (a list or tuple; one -1 is inferred)."""

    def __init__(self, axis, unflattened_size):
        super().__init__()
        self.axis = _int(axis, "axis", "Unflatten")
        if not isinstance(unflattened_size, (list, tuple)):
            raise TypeError(f"Unflatten: unflattened_size must be a list or tuple, got {type(unflattened_size).__name__}")
        self.unflattened_size = tuple(_int(n, "unflattened_size", "Unflatten") for n in unflattened_size)

    def construct(self, x):
        if not -x.ndim <= self.axis < x.ndim:
            raise ValueError(f"Unflatten: axis {self.axis} is out of range for an input of shape {tuple(x.shape)}")
        axis = self.axis % x.ndim
        return ops.reshape(x, tuple(x.shape[:axis]) + self.unflattened_size + tuple(x.shape[axis + 1:]))


# --- Dense


class Dense(Cell):
    """x @ weight.T + bias, then the activation. weight is (out_channels, in_channels), as in
    MindSpore; by default HeUniform(sqrt(5)) and the bias uniform in +-1/sqrt(in_channels)."""

    def __init__(self, in_channels, out_channels, weight_init=None, bias_init=None, has_bias=True,
                 activation=None, dtype=float32):
        super().__init__()
        self.in_channels = _positive_int(in_channels, "in_channels", "Dense")
        self.out_channels = _positive_int(out_channels, "out_channels", "Dense")
        if not isinstance(has_bias, bool):
            raise TypeError(f"Dense: has_bias must be a bool, got {type(has_bias).__name__}")
        self.has_bias = has_bias
        if weight_init is None:
            weight_init = HeUniform(math.sqrt(5))
        self.weight = _init_param(weight_init, (self.out_channels, self.in_channels), dtype, "weight", "Dense",
                                  "weight_init")
        self.bias = None
        if has_bias:
            if bias_init is None:
                bias_init = Uniform(scale=1 / math.sqrt(self.in_channels))
            self.bias = _init_param(bias_init, (self.out_channels,), dtype, "bias", "Dense", "bias_init")
        if isinstance(activation, str):
            activation = get_activation(activation)
        elif activation is not None and not isinstance(activation, Cell):
            raise TypeError(f"Dense: activation must be a name, a Cell or None, got {type(activation).__name__}")
        self.activation = activation

    def construct(self, x):
        if x.ndim == 0 or x.shape[-1] != self.in_channels:
            raise ValueError(f"Dense: input's last dim must be in_channels={self.in_channels}, got shape "
                             f"{tuple(x.shape)}")
        lead = tuple(x.shape[:-1])
        if x.ndim != 2:
            x = ops.reshape(x, (-1, self.in_channels))
        if x.dtype is self.weight.dtype:  # x @ weight.T + bias as one product: eagerly, no transposed copy
            operands = [x, self.weight] + ([] if self.bias is None else [self.bias])
            y = apply("matmul", operands, {"trans_b": 1, "has_bias": int(self.bias is not None)})
        else:  # (promoted as ops.matmul does)
            y = ops.matmul(x, ops.transpose(self.weight, (1, 0)))
            if self.bias is not None:
                y = y + self.bias
        if self.activation is not None:
            y = self.activation(y)
        if len(lead) != 1:
            y = ops.reshape(y, lead + (y.shape[-1],))
        return y

    def extend_repr(self):  # MindSpore's: has_bias and the activation only when there are
        s = f"input_channels={self.in_channels}, output_channels={self.out_channels}"
        if self.has_bias:
            s += ", has_bias=True"
        if self.activation is not None:
            s += f", activation={self.activation!r}"
        return s


# --- Dropout


class Dropout(Cell):
    """Zeroes each element with probability p (MindSpore 2.x; ``keep_prob`` is the deprecated
    1 - p) and scales the rest by 1 / (1 - p) while training; the identity in eval mode. The mask
    comes from ops.rand_like: seeded by set_seed, and fresh on every call, compiled or not."""

    def __init__(self, keep_prob=0.5, p=None, dtype=float32):
        super().__init__()
        self._by_keep_prob = p is None  # how it prints: as it was given, as MindSpore's does
        if p is None:
            if isinstance(keep_prob, bool) or not isinstance(keep_prob, (int, float)) or not 0 < keep_prob <= 1:
                raise ValueError(f"Dropout: keep_prob must be a number in (0, 1], got {keep_prob!r}")
            p = 1.0 - keep_prob
        elif isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p < 1:
            raise ValueError(f"Dropout: p must be a number in [0, 1), got {p!r}")
        else:
            keep_prob = 1.0 - p
        self.p, self.keep_prob = float(p), float(keep_prob)  # each as given (1 - (1 - 0.8) is not 0.8)

    def construct(self, x):
        if not self.training or self.p == 0:
            return x
        return ops.where(ops.rand_like(x) >= self.p, x * (1.0 / self.keep_prob), 0.0)

    def extend_repr(self):
        return f"keep_prob={self.keep_prob}" if self._by_keep_prob else f"p={self.p}"


class _ChannelDropout(Cell):
    """Whole channels zeroed with probability p and the rest scaled by 1 / (1 - p) while
    training; the identity in eval mode. The mask has the input's shape with the dims after the
    channel dim set to 1, drawn by ops.rand (seeded by set_seed, fresh every call)."""
    _ranks = ()

    def __init__(self, p=0.5):
        super().__init__()
        name = type(self).__name__
        if not isinstance(p, float):  # MindSpore's takes a float only, not even 0
            raise TypeError(f"{name}: p must be a float, got {type(p).__name__}")
        if not 0 <= p <= 1:
            raise ValueError(f"{name}: p must be in [0, 1], got {p}")
        self.p = p

    def construct(self, x):
        if x.ndim not in self._ranks:
            raise ValueError(f"{type(self).__name__}: input must have rank {' or '.join(map(str, self._ranks))}, "
                             f"got shape {tuple(x.shape)}")
        if not self.training or self.p == 0:
            return x
        if self.p == 1:
            return x * 0.0
        lead = 2 if x.ndim == max(self._ranks) else 1  # batch and channel dims, or channel alone
        keep = ops.rand(*(tuple(x.shape[:lead]) + (1,) * (x.ndim - lead)), dtype=x.dtype) >= self.p
        return ops.where(keep, x * (1.0 / (1.0 - self.p)), 0.0)


class Dropout1d(_ChannelDropout):
    """Channel dropout for (N, C, L) or (C, L) inputs."""
    _ranks = (2, 3)


class Dropout2d(_ChannelDropout):
    """Channel dropout for (N, C, H, W) inputs. (MindSpore 2.7.2 prints its keep probability as
    ``p``; this prints p.)"""
    _ranks = (4,)

    def extend_repr(self):
        return f"p={self.p}"


# --- Embedding


class Embedding(Cell):
    """Rows of embedding_table (vocab_size, embedding_size) looked up by int32/int64 indices of
    any shape: the output is indices.shape + (embedding_size,). padding_idx's row starts at 0
    (its gradient is not masked, as in MindSpore). With use_one_hot the lookup is a one-hot
    product, so out-of-range indices give zero rows, as in MindSpore; otherwise they raise."""

    def __init__(self, vocab_size, embedding_size, use_one_hot=False, embedding_table="normal", dtype=float32,
                 padding_idx=None):
        super().__init__()
        self.vocab_size = _positive_int(_int(vocab_size, "vocab_size", "Embedding"), "vocab_size", "Embedding")
        self.embedding_size = _positive_int(_int(embedding_size, "embedding_size", "Embedding"), "embedding_size",
                                            "Embedding")
        if not isinstance(use_one_hot, bool):
            raise TypeError(f"Embedding: use_one_hot must be a bool, got {type(use_one_hot).__name__}")
        self.use_one_hot = use_one_hot
        if padding_idx is not None and not 0 <= _int(padding_idx, "padding_idx", "Embedding") < self.vocab_size:
            raise ValueError(f"Embedding: padding_idx must be in [0, {self.vocab_size}), got {padding_idx}")
        self.padding_idx = padding_idx
        self.dtype = dtype  # printed only: the table is float32 whatever it says, as in MindSpore 2.7.2
        table = _init_param(embedding_table, (self.vocab_size, self.embedding_size), float32, "embedding_table",
                            "Embedding", "embedding_table")
        if padding_idx is not None:
            rows = table.asnumpy().copy()
            rows[padding_idx] = 0
            table = Parameter(Tensor(rows), name="embedding_table")
        self.embedding_table = table

    def construct(self, ids):
        if ids.dtype.kind != "i":
            raise TypeError(f"Embedding: indices must be int32 or int64, got {ids.dtype}")
        if not self.use_one_hot:
            return ops.gather(self.embedding_table, ids, 0)
        hot = ops.one_hot(ops.reshape(ids, (-1,)), self.vocab_size, 1.0, 0.0)
        out = ops.matmul(hot, self.embedding_table)
        return ops.reshape(out, tuple(ids.shape) + (self.embedding_size,))

    def extend_repr(self):
        return (f"vocab_size={self.vocab_size}, embedding_size={self.embedding_size}, use_one_hot={self.use_one_hot}, "
                f"embedding_table={self.embedding_table!r}, dtype={self.dtype}, padding_idx={self.padding_idx}")


# --- normalisation


def _biased_var(x, axes, mean):
    return ops.mean(ops.square(x - mean), axes, True)


class LayerNorm(Cell):
    """Normalises over the dims from begin_norm_axis on; gamma and beta have the shape of the
    dims from begin_params_axis on (MindSpore's normalized_shape)."""

    def __init__(self, normalized_shape, begin_norm_axis=-1, begin_params_axis=-1, gamma_init="ones",
                 beta_init="zeros", epsilon=1e-7, dtype=float32):
        super().__init__()
        if not isinstance(normalized_shape, (tuple, list)):
            raise TypeError(f"LayerNorm: normalized_shape must be a tuple or list, got {type(normalized_shape).__name__}")
        self.normalized_shape = tuple(normalized_shape)
        self.begin_norm_axis, self.begin_params_axis = begin_norm_axis, begin_params_axis
        self.epsilon = float(epsilon)
        self.gamma = _init_param(gamma_init, self.normalized_shape, dtype, "gamma", "LayerNorm", "gamma_init")
        self.beta = _init_param(beta_init, self.normalized_shape, dtype, "beta", "LayerNorm", "beta_init")

    def construct(self, x):
        axes = tuple(range(self.begin_norm_axis % x.ndim, x.ndim))
        if tuple(x.shape[self.begin_params_axis % x.ndim:]) != self.normalized_shape:
            raise ValueError(f"LayerNorm: input of shape {tuple(x.shape)} does not end in normalized_shape "
                             f"{self.normalized_shape}")
        mean = ops.mean(x, axes, True)
        var = _biased_var(x, axes, mean)
        return (x - mean) * ops.rsqrt(var + self.epsilon) * self.gamma + self.beta

    def extend_repr(self):
        return f"normalized_shape={self.normalized_shape}, begin_norm_axis={self.begin_norm_axis}"


class BatchNorm1d(Cell):
    """Batch normalisation of (N, C) or (N, C, L) inputs over all but the channel dim. In
    training it normalises with the batch's statistics and updates moving_mean/moving_variance
    (moving = momentum * moving + (1 - momentum) * batch, the variance unbiased); in eval it
    uses the moving ones. use_batch_statistics=None follows the training flag."""

    def __init__(self, num_features, eps=1e-5, momentum=0.9, affine=True, gamma_init="ones", beta_init="zeros",
                 moving_mean_init="zeros", moving_var_init="ones", use_batch_statistics=None, data_format="NCHW",
                 dtype=float32):
        super().__init__()
        self.num_features = _positive_int(num_features, "num_features", "BatchNorm1d")
        if not 0 <= momentum <= 1:
            raise ValueError(f"BatchNorm1d: momentum must be in [0, 1], got {momentum!r}")
        self.eps, self.momentum = float(eps), float(momentum)
        self.use_batch_statistics = use_batch_statistics
        shape = (self.num_features,)
        self.moving_mean = _init_param(moving_mean_init, shape, dtype, "mean", "BatchNorm1d", "moving_mean_init")
        self.moving_mean.requires_grad = False
        self.moving_variance = _init_param(moving_var_init, shape, dtype, "variance", "BatchNorm1d",
                                           "moving_var_init")
        self.moving_variance.requires_grad = False
        self.gamma = _init_param(gamma_init, shape, dtype, "gamma", "BatchNorm1d", "gamma_init")
        self.beta = _init_param(beta_init, shape, dtype, "beta", "BatchNorm1d", "beta_init")
        self.gamma.requires_grad = self.beta.requires_grad = bool(affine)

    def construct(self, x):
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm1d: input must be (N, {self.num_features}) or (N, {self.num_features}, L), "
                             f"got {tuple(x.shape)}")
        axes = (0,) if x.ndim == 2 else (0, 2)
        bshape = (1, self.num_features) + (1,) * (x.ndim - 2)
        batch_stats = self.training if self.use_batch_statistics is None else self.use_batch_statistics
        if batch_stats:
            mean = ops.mean(x, axes, True)
            var = _biased_var(x, axes, mean)
            if self.training:
                n = x.size // self.num_features
                m = self.momentum
                bm = ops.stop_gradient(ops.reshape(mean, (self.num_features,)))
                bv = ops.stop_gradient(ops.reshape(var, (self.num_features,))) * (n / max(n - 1, 1))
                ops.assign(self.moving_mean, self.moving_mean * m + bm * (1 - m))
                ops.assign(self.moving_variance, self.moving_variance * m + bv * (1 - m))
        else:
            mean = ops.reshape(self.moving_mean, bshape)
            var = ops.reshape(self.moving_variance, bshape)
        y = (x - mean) * ops.rsqrt(var + self.eps)
        return y * ops.reshape(self.gamma, bshape) + ops.reshape(self.beta, bshape)

    def extend_repr(self):
        return f"num_features={self.num_features}, eps={self.eps}, momentum={self.momentum}"


__all__ = ["CELU", "CellDict", "Dense", "Dropout", "Dropout1d", "Dropout2d", "ELU", "Embedding", "Flatten", "GELU",
           "GLU", "HShrink", "HSigmoid", "HSwish", "Hardtanh", "Identity", "LayerNorm", "LeakyReLU", "LogSigmoid",
           "LogSoftmax", "Mish", "PReLU", "ReLU", "ReLU6", "SeLU", "SiLU", "Sigmoid", "SoftShrink", "Softmax",
           "Softmin", "Softsign", "Tanh", "Tanhshrink", "Threshold", "Unflatten", "BatchNorm1d", "get_activation"]
