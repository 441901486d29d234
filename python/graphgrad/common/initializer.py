"""MindSpore's weight initializers (``mindspore.common.initializer``), drawn from the global seed.

``initializer(init, shape, dtype)`` returns a Tensor of that shape. ``init`` is an Initializer
object, one of the names in ``KNOWN_NAMES`` ('normal', 'zeros', 'he_uniform', ...; case does not
matter, as in MindSpore), a number (a constant) or a Tensor of exactly that shape. Defaults,
fan_in/fan_out and gain follow MindSpore 2.7 (checked against it in tests/test_initializer.py).
An Initializer called on a numpy array fills it in place, as MindSpore's do."""
import math
import numbers

import numpy as np

from .. import _random
from .._tensor import Tensor, float32


def _fans(shape):
    # MindSpore's weight layout is (out, in, *kernel): the kernel's size multiplies both fans.
    if len(shape) < 2:
        raise ValueError("'fan_in' and 'fan_out' can not be computed for a tensor with fewer than 2 "
                         f"dimensions, got shape {tuple(shape)}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (MindSpore's and PyTorch's calculate_gain)."""
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                        "conv_transpose3d", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, numbers.Real):
            raise ValueError(f"negative_slope must be a number, got {slope!r}")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}: expected one of 'linear', 'conv1d', "
                     "'conv2d', 'conv3d', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu'")


def _fan(shape, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(shape)
    return fan_in if mode == "fan_in" else fan_out


class Initializer:
    """Base class: a subclass defines ``_sample(shape, rng)`` returning a float64 numpy array."""

    def __init__(self, **kwargs):
        self._kwargs = kwargs

    def _sample(self, shape, rng):
        raise NotImplementedError

    def __call__(self, arr):
        """Fills the numpy array ``arr`` in place."""
        if not isinstance(arr, np.ndarray):
            raise TypeError(f"{type(self).__name__}: expected a numpy array to fill, got {type(arr).__name__}")
        arr[...] = self._sample(arr.shape, _random.generator())

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._kwargs.items())
        return f"{type(self).__name__}({args})"


class Zero(Initializer):
    def _sample(self, shape, rng):
        return np.zeros(shape)


class One(Initializer):
    def _sample(self, shape, rng):
        return np.ones(shape)


class Constant(Initializer):
    def __init__(self, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"Constant: value must be a number, got {type(value).__name__}")
        super().__init__(value=value)
        self.value = value

    def _sample(self, shape, rng):
        return np.full(shape, self.value, dtype=np.float64)


class Normal(Initializer):
    """N(mean, sigma**2)."""

    def __init__(self, sigma=0.01, mean=0.0):
        super().__init__(sigma=sigma, mean=mean)
        self.sigma, self.mean = sigma, mean

    def _sample(self, shape, rng):
        return rng.normal(self.mean, self.sigma, shape)


class Uniform(Initializer):
    """U(-scale, scale)."""

    def __init__(self, scale=0.07):
        super().__init__(scale=scale)
        self.scale = scale

    def _sample(self, shape, rng):
        return rng.uniform(-self.scale, self.scale, shape)


class TruncatedNormal(Initializer):
    """N(mean, sigma**2) restricted to [a, b] (absolute bounds, as in MindSpore 2.x)."""

    def __init__(self, sigma=0.01, mean=0.0, a=-2.0, b=2.0):
        super().__init__(sigma=sigma, mean=mean, a=a, b=b)
        if not a < b:
            raise ValueError(f"TruncatedNormal: a must be less than b, got a={a}, b={b}")
        self.sigma, self.mean, self.a, self.b = sigma, mean, a, b

    def _sample(self, shape, rng):
        cdf = lambda x: 0.5 * (1 + math.erf((x - self.mean) / (self.sigma * math.sqrt(2))))  # noqa: E731
        if cdf(self.b) - cdf(self.a) < 1e-4:  # rejection sampling would (nearly) never finish
            raise ValueError(f"TruncatedNormal: [{self.a}, {self.b}] holds almost none of N({self.mean}, "
                             f"{self.sigma}**2)")
        out = rng.normal(self.mean, self.sigma, shape)
        bad = (out < self.a) | (out > self.b)
        while bad.any():
            out[bad] = rng.normal(self.mean, self.sigma, int(bad.sum()))
            bad = (out < self.a) | (out > self.b)
        return out


class XavierUniform(Initializer):
    """U(-bound, bound), bound = gain * sqrt(6 / (fan_in + fan_out))."""

    def __init__(self, gain=1):
        super().__init__(gain=gain)
        self.gain = gain

    def _sample(self, shape, rng):
        fan_in, fan_out = _fans(shape)
        bound = self.gain * math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-bound, bound, shape)


class XavierNormal(Initializer):
    """N(0, std**2), std = gain * sqrt(2 / (fan_in + fan_out))."""

    def __init__(self, gain=1):
        super().__init__(gain=gain)
        self.gain = gain

    def _sample(self, shape, rng):
        fan_in, fan_out = _fans(shape)
        return rng.normal(0.0, self.gain * math.sqrt(2.0 / (fan_in + fan_out)), shape)


class HeUniform(Initializer):
    """U(-bound, bound), bound = gain * sqrt(3 / fan); gain from nonlinearity and negative_slope."""

    def __init__(self, negative_slope=0, mode="fan_in", nonlinearity="leaky_relu"):
        super().__init__(negative_slope=negative_slope, mode=mode, nonlinearity=nonlinearity)
        self.gain = _gain(nonlinearity, negative_slope)
        _fan((1, 1), mode)  # an unknown mode fails here, not at the first draw
        self.mode = mode

    def _sample(self, shape, rng):
        bound = self.gain * math.sqrt(3.0 / _fan(shape, self.mode))
        return rng.uniform(-bound, bound, shape)


class HeNormal(Initializer):
    """N(0, std**2), std = gain / sqrt(fan)."""

    def __init__(self, negative_slope=0, mode="fan_in", nonlinearity="leaky_relu"):
        super().__init__(negative_slope=negative_slope, mode=mode, nonlinearity=nonlinearity)
        self.gain = _gain(nonlinearity, negative_slope)
        _fan((1, 1), mode)
        self.mode = mode

    def _sample(self, shape, rng):
        return rng.normal(0.0, self.gain / math.sqrt(_fan(shape, self.mode)), shape)


class Identity(Initializer):
    """The 2-d identity (ones on the main diagonal of a possibly non-square matrix)."""

    def _sample(self, shape, rng):
        if len(shape) != 2:
            raise ValueError(f"Identity: needs a 2-d shape, got {tuple(shape)}")
        return np.eye(*shape)


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix times gain, over the shape flattened to (shape[0], rest): the
    rows (or the columns, whichever are fewer) are orthonormal."""

    def __init__(self, gain=1.0):
        super().__init__(gain=gain)
        self.gain = gain

    def _sample(self, shape, rng):
        if len(shape) < 2:
            raise ValueError(f"Orthogonal: needs a shape of 2 or more dimensions, got {tuple(shape)}")
        rows = shape[0]
        cols = math.prod(shape) // rows if rows else 0
        a = rng.standard_normal((rows, cols) if rows >= cols else (cols, rows))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))  # makes the draw uniform over orthogonal matrices
        q = q if rows >= cols else q.T
        return (self.gain * q).reshape(shape)


# MindSpore's names (it lower-cases the name first, so 'truncatedNormal' and 'HeUniform' work too).
_BY_NAME = {
    "zeros": Zero, "zero": Zero, "ones": One, "one": One,
    "normal": Normal, "uniform": Uniform, "truncatednormal": TruncatedNormal,
    "xavier_uniform": XavierUniform, "xavieruniform": XavierUniform,
    "xavier_normal": XavierNormal, "xaviernormal": XavierNormal,
    "he_uniform": HeUniform, "heuniform": HeUniform, "he_normal": HeNormal, "henormal": HeNormal,
    "identity": Identity, "orthogonal": Orthogonal,
}
KNOWN_NAMES = tuple(sorted(_BY_NAME))


def _shape(shape):
    if shape is None:
        raise ValueError("initializer: shape is required (a tuple of ints) unless init is a Tensor")
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(f"initializer: shape must be an int or a tuple of ints, got {shape!r}") from None
    if not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 0 for d in shape):
        raise ValueError(f"initializer: shape must hold non-negative ints, got {shape!r}")
    return tuple(int(d) for d in shape)


def _np_dtype(dtype):
    np_type = getattr(dtype, "np", None)  # a graphgrad DType carries its numpy type
    return np_type if np_type is not None else np.dtype(dtype)


def initializer(init, shape=None, dtype=float32):
    """A Tensor of ``shape`` and ``dtype`` filled by ``init`` (an Initializer, a name, a number or
    a Tensor of that shape)."""
    if isinstance(init, Tensor):
        if shape is not None and tuple(init.shape) != _shape(shape):
            raise ValueError(f"initializer: the init Tensor's shape {tuple(init.shape)} is not the shape "
                             f"asked for, {_shape(shape)}")
        return Tensor(init.asnumpy().astype(_np_dtype(dtype)), dtype)
    if isinstance(init, str):
        cls = _BY_NAME.get(init.lower())
        if cls is None:
            raise ValueError(f"initializer: unknown initializer name {init!r}; known names: "
                             f"{', '.join(KNOWN_NAMES)}")
        init = cls()
    elif isinstance(init, numbers.Real) and not isinstance(init, bool):
        init = Constant(init)
    elif isinstance(init, type) and issubclass(init, Initializer):
        init = init()
    elif not isinstance(init, Initializer):
        raise TypeError("initializer: init must be an Initializer, a name, a number or a Tensor, "
                        f"got {type(init).__name__}")
    shape = _shape(shape)
    values = init._sample(shape, _random.generator())
    return Tensor(np.asarray(values).astype(_np_dtype(dtype)), dtype)


__all__ = ["Initializer", "Zero", "One", "Constant", "Normal", "Uniform", "TruncatedNormal", "XavierUniform",
           "XavierNormal", "HeUniform", "HeNormal", "Identity", "Orthogonal", "initializer", "KNOWN_NAMES"]
