"""Learning-rate schedules as per-step lists (MindSpore's ``nn.dynamic_lr``): element i is the
learning rate of step i, for an optimizer's ``learning_rate`` argument. Values match MindSpore 2.7
to the last bit (tests/test_lr.py compares against lists it made). "Epoch" is step // step_per_epoch."""
import math
import numbers


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


__all__ = ["piecewise_constant_lr", "exponential_decay_lr", "natural_exp_decay_lr", "inverse_decay_lr",
           "cosine_decay_lr", "polynomial_decay_lr", "warmup_lr"]
