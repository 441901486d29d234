"""Layers: Dense, activations, Flatten, Dropout, LayerNorm, BatchNorm1d, with MindSpore's
signatures and defaults."""
import math

import numpy as np

from .. import ops
from .._tensor import Parameter, Tensor, float32
from .._trace import apply
from ..common.initializer import HeUniform, Uniform, initializer
from .cell import Cell


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


_ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "gelu": GELU, "softmax": Softmax,
                "logsoftmax": LogSoftmax, "log_softmax": LogSoftmax}


def get_activation(name):
    """An activation Cell by MindSpore's name ('relu', 'sigmoid', 'tanh', 'gelu', 'softmax', 'logsoftmax')."""
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


__all__ = ["GELU", "BatchNorm1d", "Dense", "Dropout", "Flatten", "LayerNorm", "LogSoftmax", "ReLU", "Sigmoid", "Softmax",
           "Tanh", "get_activation"]
