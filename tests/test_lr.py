"""Learning-rate schedules: the same per-step lists as MindSpore 2.7.2 (tests/fixtures/ms_references.json,
made by make_ms_references.py), and clear errors for bad arguments."""
import json
import os

import pytest

from graphgrad import nn_lr

REF = json.load(open(os.path.join(os.path.dirname(__file__), "fixtures", "ms_references.json")))


@pytest.mark.parametrize("case", REF["lr"], ids=lambda c: f"{c['fn']}-{sorted(c['kwargs'].items())}")
def test_matches_mindspore(case):
    got = getattr(nn_lr, case["fn"])(**case["kwargs"])
    assert got == case["values"]  # bit for bit: the same formulas in the same order


def test_shapes_users_rely_on():
    lr = nn_lr.cosine_decay_lr(0.0, 0.1, total_step=10, step_per_epoch=2, decay_epoch=5)
    assert len(lr) == 10 and lr[0] == 0.1 and lr[1] == 0.1 and lr[-1] < lr[0]
    assert nn_lr.warmup_lr(0.1, 6, 2, 3)[:2] == [0.0, 0.0]  # MindSpore's warmup starts at 0
    assert nn_lr.piecewise_constant_lr([1, 3], [0.5, 0.1]) == [0.5, 0.1, 0.1]


@pytest.mark.parametrize("call, error, words", [
    (lambda: nn_lr.piecewise_constant_lr([2, 5], [0.1]), ValueError, "same length"),
    (lambda: nn_lr.piecewise_constant_lr([5, 2], [0.1, 0.2]), ValueError, "must not decrease"),
    (lambda: nn_lr.exponential_decay_lr(0.1, 0.9, 0, 2, 1), ValueError, "total_step"),
    (lambda: nn_lr.exponential_decay_lr(0.1, 0.9, 10, 2, 1.5), ValueError, "decay_epoch"),
    (lambda: nn_lr.exponential_decay_lr("0.1", 0.9, 10, 2, 1), TypeError, "learning_rate"),
    (lambda: nn_lr.exponential_decay_lr(-0.1, 0.9, 10, 2, 1), ValueError, "learning_rate must be positive"),
    (lambda: nn_lr.exponential_decay_lr(0.1, 0.9, 10, 2, 1, is_stair=1), TypeError, "is_stair"),
    (lambda: nn_lr.cosine_decay_lr(0.2, 0.1, 10, 2, 1), ValueError, "greater than min_lr"),
    (lambda: nn_lr.polynomial_decay_lr(0.1, 0.01, 10, 2, 2, power=0.0), ValueError, "power"),
    (lambda: nn_lr.warmup_lr(0.1, 10, 0, 2), ValueError, "step_per_epoch"),
])
def test_bad_arguments(call, error, words):
    with pytest.raises(error, match=words):
        call()
