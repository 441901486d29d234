"""MindSpore's ``mindspore.amp``: loss scaling and overflow detection, written in ops so they run
eagerly and inside ``jit`` (an adjust is ``ops.where`` and ``ops.assign``, not a Python ``if``).

``auto_mixed_precision`` takes ``'O0'`` (and ``'auto'``, which on CPU is O0 in MindSpore too): the
other levels run cells in float16, which graphgrad computes in float32 on the CPU, so asking for
them is an error rather than a silent float32 run."""
import numbers

import numpy as np

from . import ops
from ._tensor import Parameter, Tensor, float16, float32


def _number(owner, arg, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"For '{owner}', the '{arg}' must be a number, but got {type(value).__name__}")
    return value


def _map(inputs, fn):
    return tuple(fn(x) for x in inputs) if isinstance(inputs, (tuple, list)) else fn(inputs)


def all_finite(inputs):
    """A bool 0-d Tensor: whether every element of every Tensor in inputs (a tuple or list, such
    as gradients) is finite."""
    if not isinstance(inputs, (tuple, list)) or not all(isinstance(x, Tensor) for x in inputs):
        raise TypeError(f"all_finite: inputs must be a tuple or list of Tensors, got {type(inputs).__name__}")
    flags = [ops.all(ops.isfinite(x)) for x in inputs]
    return ops.all(ops.stack(flags)) if flags else Tensor(True)


class LossScaler:
    """The base: scale multiplies by scale_value, unscale divides by it (a Tensor or a tuple of
    them); adjust(grads_finite) updates scale_value."""

    def scale(self, inputs):
        return _map(inputs, lambda x: x * ops.cast(self.scale_value, x.dtype))

    def unscale(self, inputs):
        return _map(inputs, lambda x: x / ops.cast(self.scale_value, x.dtype))

    def adjust(self, grads_finite):
        raise NotImplementedError(f"{type(self).__name__}.adjust")


class StaticLossScaler(LossScaler):
    """A fixed scale_value; adjust changes nothing and returns False."""

    def __init__(self, scale_value):
        if _number("StaticLossScaler", "scale_value", scale_value) <= 0:
            raise ValueError(f"For 'StaticLossScaler', the 'scale_value' must be > 0, but got {scale_value}")
        self.scale_value = Parameter(Tensor(np.float32(scale_value)), name="scale_value")

    def adjust(self, grads_finite):
        return False


class DynamicLossScaler(LossScaler):
    """scale_value grows by scale_factor after scale_window finite steps in a row and shrinks by it
    (not below 1) after a step that overflowed, which also restarts the count; adjust returns True."""

    def __init__(self, scale_value, scale_factor, scale_window):
        if _number("DynamicLossScaler", "scale_value", scale_value) <= 0:
            raise ValueError(f"For 'DynamicLossScaler', the 'scale_value' must be > 0, but got {scale_value}")
        for arg, v in (("scale_factor", scale_factor), ("scale_window", scale_window)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"For 'DynamicLossScaler', the '{arg}' must be an int >= 1, but got {v!r}")
        self.scale_value = Parameter(Tensor(np.float32(scale_value)), name="scale_value")
        self.scale_factor, self.scale_window = scale_factor, scale_window
        self.counter = Parameter(Tensor(np.int32(0)), name="counter")

    def adjust(self, grads_finite):
        finite = ops.reshape(ops.cast(grads_finite, float32), ()) > 0
        count = self.counter + 1
        grow = ops.logical_and(finite, count >= self.scale_window)
        scale = ops.where(grow, self.scale_value * self.scale_factor,
                          ops.where(finite, self.scale_value, ops.maximum(self.scale_value / self.scale_factor, 1.0)))
        ops.assign(self.scale_value, scale)
        ops.assign(self.counter, ops.where(ops.logical_and(finite, ops.logical_not(grow)), count,
                                           ops.zeros_like(count)))
        return True


def auto_mixed_precision(network, amp_level="O0", dtype=float16):
    """The network for amp_level 'O0' (or 'auto', O0 on CPU): unchanged, the object itself."""
    from .nn.cell import Cell
    if not isinstance(network, Cell):
        raise TypeError(f"auto_mixed_precision: network must be a Cell, got {type(network).__name__}")
    if amp_level not in ("O0", "O1", "O2", "O3", "auto"):
        raise ValueError(f"auto_mixed_precision: amp_level must be 'O0', 'O1', 'O2', 'O3' or 'auto', got {amp_level!r}")
    if amp_level not in ("O0", "auto"):
        raise NotImplementedError(f"auto_mixed_precision: amp_level {amp_level!r} runs cells in {dtype}, which "
                                  "graphgrad computes in float32 on the CPU; use 'O0'")
    return network


__all__ = ["all_finite", "LossScaler", "StaticLossScaler", "DynamicLossScaler", "auto_mixed_precision"]
