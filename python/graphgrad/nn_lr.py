"""Learning-rate schedules, for an optimizer's ``learning_rate`` argument, in MindSpore's two forms:

- per-step lists (MindSpore's ``nn.dynamic_lr``): element i is the learning rate of step i. Values
  match MindSpore 2.7 to the last bit (tests/test_lr.py compares against lists it made). "Epoch" is
  step // step_per_epoch.
- schedule Cells (MindSpore's ``nn.learning_rate_schedule``): called with the optimizer's
  global_step, they compute the step's learning rate in float32 ops, so they also run inside a
  compiled train step."""
import math
import numbers

import numpy as np

from . import ops
from ._tensor import Tensor, float32
from .nn.cell import Cell


def _positive_int(value, name, fn):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{fn}: {name} must be a positive int, got {value!r}")


def _number(value, name, fn, positive=True):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{fn}: {name} must be a float, got {type(value).__name__}")
    if positive and not value > 0:
        raise ValueError(f"{fn}: {name} must be positive, got {value}")
    if not positive and not value >= 0:
        raise ValueError(f"{fn}: {name} must be non-negative, got {value}")


def _steps(fn, total_step, step_per_epoch, epochs, epochs_name):
    _positive_int(total_step, "total_step", fn)
    _positive_int(step_per_epoch, "step_per_epoch", fn)
    _positive_int(epochs, epochs_name, fn)


def _decay_args(fn, learning_rate, decay_rate, total_step, step_per_epoch, decay_epoch, is_stair):
    _number(learning_rate, "learning_rate", fn)
    _number(decay_rate, "decay_rate", fn)
    _steps(fn, total_step, step_per_epoch, decay_epoch, "decay_epoch")
    if not isinstance(is_stair, bool):
        raise TypeError(f"{fn}: is_stair must be a bool, got {type(is_stair).__name__}")


def piecewise_constant_lr(milestone, learning_rates):
    """learning_rates[j] for steps milestone[j-1] <= i < milestone[j]; milestone[-1] steps in all."""
    fn = "piecewise_constant_lr"
    if not isinstance(milestone, (list, tuple)) or not isinstance(learning_rates, (list, tuple)):
        raise TypeError(f"{fn}: milestone and learning_rates must be lists or tuples")
    if len(milestone) != len(learning_rates):
        raise ValueError(f"{fn}: milestone has {len(milestone)} entries but learning_rates has "
                         f"{len(learning_rates)}; they must be the same length")
    lr, last = [], 0
    for i, (m, rate) in enumerate(zip(milestone, learning_rates)):
        _positive_int(m, f"milestone[{i}]", fn)
        _number(rate, f"learning_rates[{i}]", fn, positive=False)
        if m < last:
            raise ValueError(f"{fn}: milestone must not decrease, but milestone[{i}] = {m} < "
                             f"milestone[{i - 1}] = {last}")
        lr += [rate] * (m - last)
        last = m
    return lr


def exponential_decay_lr(learning_rate, decay_rate, total_step, step_per_epoch, decay_epoch, is_stair=False):
    """learning_rate * decay_rate ** (epoch / decay_epoch), the exponent floored if is_stair."""
    _decay_args("exponential_decay_lr", learning_rate, decay_rate, total_step, step_per_epoch, decay_epoch, is_stair)
    lr = []
    for i in range(total_step):
        p = (i // step_per_epoch) / decay_epoch
        lr.append(learning_rate * decay_rate ** (math.floor(p) if is_stair else p))
    return lr


def natural_exp_decay_lr(learning_rate, decay_rate, total_step, step_per_epoch, decay_epoch, is_stair=False):
    """learning_rate * e ** (-decay_rate * epoch), epoch rounded down to a multiple of decay_epoch if is_stair."""
    _decay_args("natural_exp_decay_lr", learning_rate, decay_rate, total_step, step_per_epoch, decay_epoch, is_stair)
    lr = []
    for i in range(total_step):
        epoch = i // step_per_epoch
        if is_stair:
            epoch = epoch // decay_epoch * decay_epoch
        lr.append(learning_rate * math.e ** (-decay_rate * epoch))
    return lr


def inverse_decay_lr(learning_rate, decay_rate, total_step, step_per_epoch, decay_epoch, is_stair=False):
    """learning_rate / (1 + decay_rate * epoch / decay_epoch), the ratio floored if is_stair."""
    _decay_args("inverse_decay_lr", learning_rate, decay_rate, total_step, step_per_epoch, decay_epoch, is_stair)
    lr = []
    for i in range(total_step):
        epoch = i // step_per_epoch
        if is_stair:
            lr.append(learning_rate / (1 + decay_rate * math.floor(epoch / decay_epoch)))
        else:
            lr.append(learning_rate / (1 + decay_rate * epoch / decay_epoch))
    return lr


def cosine_decay_lr(min_lr, max_lr, total_step, step_per_epoch, decay_epoch):
    """From max_lr down to min_lr along half a cosine over decay_epoch epochs, then min_lr."""
    fn = "cosine_decay_lr"
    _number(min_lr, "min_lr", fn, positive=False)
    _number(max_lr, "max_lr", fn)
    _steps(fn, total_step, step_per_epoch, decay_epoch, "decay_epoch")
    if min_lr >= max_lr:
        raise ValueError(f"{fn}: max_lr must be greater than min_lr, got max_lr={max_lr}, min_lr={min_lr}")
    delta = 0.5 * (max_lr - min_lr)
    return [min_lr + delta * (1 + math.cos(math.pi * min(i // step_per_epoch, decay_epoch) / decay_epoch))
            for i in range(total_step)]


def polynomial_decay_lr(learning_rate, end_learning_rate, total_step, step_per_epoch, decay_epoch, power,
                        update_decay_epoch=False):
    """(learning_rate - end) * (1 - epoch / decay_epoch) ** power + end, epoch capped at decay_epoch;
    with update_decay_epoch, decay_epoch grows to the next multiple of itself instead of capping."""
    fn = "polynomial_decay_lr"
    _number(learning_rate, "learning_rate", fn)
    _number(end_learning_rate, "end_learning_rate", fn, positive=False)
    _number(power, "power", fn)
    _steps(fn, total_step, step_per_epoch, decay_epoch, "decay_epoch")
    if not isinstance(update_decay_epoch, bool):
        raise TypeError(f"{fn}: update_decay_epoch must be a bool, got {type(update_decay_epoch).__name__}")
    delta = learning_rate - end_learning_rate
    lr = []
    for i in range(total_step):
        epoch = i // step_per_epoch
        if update_decay_epoch:
            span = decay_epoch * max(math.ceil(epoch / decay_epoch), 1)
        else:
            span, epoch = decay_epoch, min(epoch, decay_epoch)
        lr.append(delta * (1 - epoch / span) ** power + end_learning_rate)
    return lr


def warmup_lr(learning_rate, total_step, step_per_epoch, warmup_epoch):
    """learning_rate * min(epoch, warmup_epoch) / warmup_epoch: 0 in the first epoch, as in MindSpore."""
    fn = "warmup_lr"
    _number(learning_rate, "learning_rate", fn, positive=False)
    _steps(fn, total_step, step_per_epoch, warmup_epoch, "warmup_epoch")
    return [learning_rate * min(i // step_per_epoch, warmup_epoch) / warmup_epoch for i in range(total_step)]


def _sched_float(cls, name, value, low, strict):
    """MindSpore's check: a Python float (an int is refused) above (strict) or at least low."""
    if isinstance(value, bool) or not isinstance(value, float):
        raise TypeError(f"For '{cls}', the '{name}' must be float, but got '{type(value).__name__}'")
    if not (value > low if strict else value >= low):
        raise ValueError(f"For '{cls}', the '{name}' must be float and must {'>' if strict else '>='} {low}, "
                         f"but got '{value}' with type 'float'.")
    return value


def _sched_steps(cls, name, value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"For '{cls}', the '{name}' must be int, but got '{type(value).__name__}'")
    if value <= 0:
        raise ValueError(f"For '{cls}', the '{name}' must be int and must > 0, but got '{value}' with type 'int'.")
    return value


def _sched_bool(cls, name, value):
    if not isinstance(value, bool):
        raise TypeError(f"For '{cls}', the type of '{name}' should be 'bool', but got type '{type(value).__name__}'.")
    return value


class LearningRateSchedule(Cell):
    """Base of the schedule Cells: construct(global_step) returns that step's learning rate as a
    float32 Tensor of global_step's shape. An optimizer given one calls it with its global_step
    (an int32 Parameter of shape [1]) at every step; subclass it for a schedule of your own."""

    def construct(self, global_step):
        raise NotImplementedError(f"{type(self).__name__}: a LearningRateSchedule must define "
                                  "construct(self, global_step) returning the learning rate")


def _step(global_step):
    """The step as float32; MindSpore's schedules also take a Python number."""
    if not isinstance(global_step, Tensor):
        global_step = Tensor(np.float32(global_step))
    return ops.cast(global_step, float32)


class _DecayLR(LearningRateSchedule):
    def __init__(self, learning_rate, decay_rate, decay_steps, is_stair=False):
        super().__init__()
        cls = type(self).__name__
        self.learning_rate = _sched_float(cls, "learning_rate", learning_rate, 0.0, True)
        self.decay_rate = _sched_float(cls, "decay_rate", decay_rate, 0.0, True)
        self.decay_steps = _sched_steps(cls, "decay_steps", decay_steps)
        self.is_stair = _sched_bool(cls, "is_stair", is_stair)


class ExponentialDecayLR(_DecayLR):
    """learning_rate * decay_rate ** p, p = step / decay_steps (floored if is_stair)."""

    def construct(self, global_step):
        p = _step(global_step) / self.decay_steps
        if self.is_stair:
            p = ops.floor(p)
        return self.learning_rate * ops.pow(self.decay_rate, p)


class NaturalExpDecayLR(_DecayLR):
    """learning_rate * e ** (-decay_rate * step); decay_steps only matters with is_stair, which
    rounds the step down to a multiple of it (as MindSpore does)."""

    def construct(self, global_step):
        p = _step(global_step)
        if self.is_stair:
            p = ops.floor(p / self.decay_steps) * self.decay_steps
        return self.learning_rate * ops.exp(-self.decay_rate * p)


class InverseDecayLR(_DecayLR):
    """learning_rate / (1 + decay_rate * p), p = step / decay_steps (floored if is_stair)."""

    def construct(self, global_step):
        p = _step(global_step) / self.decay_steps
        if self.is_stair:
            p = ops.floor(p)
        return self.learning_rate / (1.0 + self.decay_rate * p)


class CosineDecayLR(LearningRateSchedule):
    """From max_lr at step 0 down half a cosine to min_lr at decay_steps, then min_lr."""

    def __init__(self, min_lr, max_lr, decay_steps):
        super().__init__()
        cls = "CosineDecayLR"
        self.min_lr = _sched_float(cls, "min_lr", min_lr, 0.0, False)
        self.max_lr = _sched_float(cls, "max_lr", max_lr, 0.0, True)
        if min_lr >= max_lr:
            raise ValueError(f"For '{cls}', the 'max_lr' must be greater than the 'min_lr', but got 'max_lr' "
                             f"value: {max_lr}, 'min_lr' value: {min_lr}.")
        self.decay_steps = _sched_steps(cls, "decay_steps", decay_steps)

    def construct(self, global_step):
        p = ops.minimum(_step(global_step), float(self.decay_steps)) / self.decay_steps
        return self.min_lr + 0.5 * (self.max_lr - self.min_lr) * (1.0 + ops.cos(math.pi * p))


class PolynomialDecayLR(LearningRateSchedule):
    """(learning_rate - end_learning_rate) * (1 - step / decay_steps) ** power + end_learning_rate,
    the step capped at decay_steps; with update_decay_steps, decay_steps grows to the next multiple
    of itself instead, so the decay starts again from a higher point."""

    def __init__(self, learning_rate, end_learning_rate, decay_steps, power, update_decay_steps=False):
        super().__init__()
        cls = "PolynomialDecayLR"
        self.learning_rate = _sched_float(cls, "learning_rate", learning_rate, 0.0, True)
        self.end_learning_rate = _sched_float(cls, "end_learning_rate", end_learning_rate, 0.0, False)
        self.decay_steps = _sched_steps(cls, "decay_steps", decay_steps)
        self.power = _sched_float(cls, "power", power, 0.0, True)
        self.update_decay_steps = _sched_bool(cls, "update_decay_steps", update_decay_steps)

    def construct(self, global_step):
        step, span = _step(global_step), float(self.decay_steps)
        if self.update_decay_steps:
            span = span * ops.maximum(ops.ceil(step / span), 1.0)
        else:
            step = ops.minimum(step, span)
        delta = self.learning_rate - self.end_learning_rate
        return delta * ops.pow(1.0 - step / span, self.power) + self.end_learning_rate


class WarmUpLR(LearningRateSchedule):
    """learning_rate * min(step, warmup_steps) / warmup_steps: 0 at step 0."""

    def __init__(self, learning_rate, warmup_steps):
        super().__init__()
        self.learning_rate = _sched_float("WarmUpLR", "learning_rate", learning_rate, 0.0, False)
        self.warmup_steps = _sched_steps("WarmUpLR", "warmup_steps", warmup_steps)

    def construct(self, global_step):
        return self.learning_rate * (ops.minimum(_step(global_step), float(self.warmup_steps)) / self.warmup_steps)


__all__ = ["LearningRateSchedule", "ExponentialDecayLR", "NaturalExpDecayLR", "InverseDecayLR", "CosineDecayLR",
           "PolynomialDecayLR", "WarmUpLR", "piecewise_constant_lr", "exponential_decay_lr", "natural_exp_decay_lr", "inverse_decay_lr",
           "cosine_decay_lr", "polynomial_decay_lr", "warmup_lr"]
