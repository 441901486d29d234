"""Random ops, seeded by mindspore.set_seed: each call takes its own stream from the global
seed (or from its seed argument), and inside a compiled function each call of the function
draws fresh values."""
import numpy as np

from .._random import generator
from .._tensor import Tensor, float32, int64
from ._base import apply, check_tensor, dtype_arg, op, shape_arg

_UNIFORM, _NORMAL, _INT = 0, 1, 2


def _random(op_name, shape, dtype, dist, low, high, seed):
    dims = shape_arg(shape, op_name)
    if any(d < 0 for d in dims):
        raise ValueError(f"{op_name}: shape must not have negative dimensions, got {tuple(dims)}")
    if (dist == _INT) != (dtype.kind == "i") or dtype.name == "Float16":
        wanted = "int32 or int64" if dist == _INT else "float32 or float64"
        raise TypeError(f"{op_name}: dtype must be {wanted}, got {dtype}")
    stream = int(generator(seed).integers(0, 2**62))
    return apply("random", [], {"shape": dims, "dtype": dtype.code, "dist": dist, "seed": stream,
                                "low": float(low), "high": float(high)})


def _size(size):
    return size[0] if len(size) == 1 and isinstance(size[0], (tuple, list)) else size


def _value(x, op_name, what):
    if isinstance(x, Tensor):
        if x.size != 1:
            raise ValueError(f"{op_name}: {what} must be a single value, got shape {x.shape}")
        return float(x.asnumpy().reshape(()))
    if isinstance(x, bool) or not isinstance(x, (int, float, np.number)):
        raise TypeError(f"{op_name}: {what} must be a number or a 1-element Tensor, got {type(x).__name__}")
    return float(x)


@op
def rand(*size, dtype=None, seed=None):
    """Uniform samples in [0, 1)."""
    return _random("rand", _size(size), dtype_arg(dtype, "rand", float32), _UNIFORM, 0.0, 1.0, seed)


@op
def randn(*size, dtype=None, seed=None):
    """Standard normal samples."""
    return _random("randn", _size(size), dtype_arg(dtype, "randn", float32), _NORMAL, 0.0, 1.0, seed)


@op
def randint(low, high, size, seed=None, *, dtype=None):
    """Integers uniform in [low, high); int64 unless dtype says int32."""
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"randint: {name} must be an int, got {v!r}")
    if high <= low:
        raise ValueError(f"randint: need low < high, got {low!r} and {high!r}")
    return _random("randint", size, dtype_arg(dtype, "randint", int64), _INT, low, high, seed)


@op
def uniform(shape, minval, maxval, seed=None, dtype=float32):
    """Samples uniform in [minval, maxval)."""
    lo, hi = _value(minval, "uniform", "minval"), _value(maxval, "uniform", "maxval")
    if hi < lo:
        raise ValueError(f"uniform: maxval {hi} is below minval {lo}")
    return _random("uniform", shape, dtype_arg(dtype, "uniform"), _UNIFORM, lo, hi, seed)


@op
def normal(shape, mean, stddev, seed=None):
    """Normal samples of the given mean and standard deviation. A mean or stddev tensor of 1 or
    more dims broadcasts with shape (MindSpore's normal((2, 3), mean of shape (3,), 1.0) is (2, 3))."""
    if any(isinstance(v, Tensor) and v.ndim for v in (mean, stddev)):
        from ._math import add, mul
        dims = shape_arg(shape, "normal")
        shapes = [tuple(dims)] + [tuple(v.shape) for v in (mean, stddev) if isinstance(v, Tensor)]
        try:
            out = np.broadcast_shapes(*shapes)
        except ValueError:
            raise ValueError(f"normal: shape {tuple(dims)}, the mean's and the stddev's shapes do not broadcast "
                             f"together: {shapes}") from None
        z = _random("normal", out, float32, _NORMAL, 0.0, 1.0, seed)
        return add(mul(z, stddev), mean)
    sd = _value(stddev, "normal", "stddev")
    if sd < 0:
        raise ValueError(f"normal: stddev must not be negative, got {sd}")
    return _random("normal", shape, float32, _NORMAL, _value(mean, "normal", "mean"), sd, seed)


@op
def rand_like(input, seed=None, *, dtype=None):
    """rand with input's shape (and dtype, unless given)."""
    check_tensor(input, "rand_like", "input")
    return _random("rand_like", input.shape, dtype_arg(dtype, "rand_like", input.dtype), _UNIFORM, 0.0, 1.0, seed)


@op
def randn_like(input, seed=None, *, dtype=None):
    """randn with input's shape (and dtype, unless given)."""
    check_tensor(input, "randn_like", "input")
    return _random("randn_like", input.shape, dtype_arg(dtype, "randn_like", input.dtype), _NORMAL, 0.0, 1.0, seed)


__all__ = ["rand", "randn", "randint", "uniform", "normal", "rand_like", "randn_like"]
