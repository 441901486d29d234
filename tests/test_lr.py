"""Learning-rate schedules: the same per-step lists as MindSpore 2.7.2 (tests/fixtures/ms_references.json,
made by make_ms_references.py), the schedule Cells' values against MindSpore 2.7.2's, and clear
errors for bad arguments."""
import json
import os
import re

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Tensor, nn, nn_lr

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


# --- schedule Cells: lr at global_step 0..11, from mindspore==2.7.2 (nn.<Cell>(...)(Tensor(step, int32)))
MS_SCHEDULES = {
    "exp": (lambda: nn.ExponentialDecayLR(0.1, 0.9, 4), [
        0.10000000149011612, 0.09740037471055984, 0.09486832469701767, 0.09240210801362991, 0.08999999612569809,
        0.08766033500432968, 0.08538150042295456, 0.08316189795732498, 0.08099999278783798, 0.07889430224895477,
        0.07684334367513657, 0.07484570145606995]),
    "exp_stair": (lambda: nn.ExponentialDecayLR(0.1, 0.9, 4, True), [0.10000000149011612] * 4 + [
        0.08999999612569809] * 4 + [0.08099999278783798] * 4),
    "natural_exp": (lambda: nn.NaturalExpDecayLR(0.1, 0.9, 4), [
        0.10000000149011612, 0.04065696895122528, 0.01652989163994789, 0.006720553617924452, 0.0027323728427290916,
        0.0011108998442068696, 0.0004516583576332778, 0.0001836305600591004, 7.465861563105136e-05,
        3.035394001926761e-05, 1.234098363056546e-05, 5.017471721657785e-06]),
    "natural_exp_stair": (lambda: nn.NaturalExpDecayLR(0.1, 0.9, 4, True), [0.10000000149011612] * 4 + [
        0.0027323728427290916] * 4 + [7.465861563105136e-05] * 4),
    "inverse": (lambda: nn.InverseDecayLR(0.1, 0.5, 4), [
        0.10000000149011612, 0.08888889104127884, 0.07999999821186066, 0.072727270424366, 0.06666667014360428,
        0.0615384615957737, 0.05714285746216774, 0.0533333346247673, 0.05000000074505806, 0.0470588244497776,
        0.04444444552063942, 0.04210526496171951]),
    "inverse_stair": (lambda: nn.InverseDecayLR(0.1, 0.5, 4, True), [0.10000000149011612] * 4 + [
        0.06666667014360428] * 4 + [0.05000000074505806] * 4),
    "cosine": (lambda: nn.CosineDecayLR(0.01, 0.1, 8), [
        0.10000000149011612, 0.0965745821595192, 0.08681980520486832, 0.07222075015306473, 0.054999999701976776,
        0.037779249250888824, 0.023180190473794937, 0.013425414450466633] + [0.009999999776482582] * 4),
    "polynomial": (lambda: nn.PolynomialDecayLR(0.1, 0.01, 8, 0.5), [
        0.10000000149011612, 0.09418729692697525, 0.08794228732585907, 0.08115124702453613, 0.07363960891962051,
        0.06511352211236954, 0.054999999701976776, 0.04181980341672897] + [0.009999999776482582] * 4),
    "polynomial_update_decay_steps": (lambda: nn.PolynomialDecayLR(0.1, 0.01, 4, 2.0, True), [
        0.10000000149011612, 0.06062500178813934, 0.032499998807907104, 0.015625, 0.009999999776482582,
        0.02265625074505806, 0.015625, 0.011406250298023224, 0.009999999776482582, 0.015625, 0.012500000186264515,
        0.010624999180436134]),
    "warmup": (lambda: nn.WarmUpLR(0.1, 5), [
        0.0, 0.020000001415610313, 0.04000000283122063, 0.06000000238418579, 0.08000000566244125] + [
        0.10000000149011612] * 7),
}


@pytest.mark.parametrize("name", list(MS_SCHEDULES))
def test_schedule_cells_match_mindspore(name):
    make, expected = MS_SCHEDULES[name]
    cell = make()
    got = [cell(Tensor(np.array(i, np.int32))) for i in range(12)]
    assert all(v.shape == () and v.dtype == gg.float32 for v in got)
    # float32 ops as MindSpore's; exp and cos may differ from its kernels in the last bit
    np.testing.assert_allclose([float(v.asnumpy()) for v in got], expected, rtol=1e-6, atol=1e-9)
    # an optimizer's global_step is an int32 [1]; MindSpore's answer has that shape, as does a Python int step
    one = cell(Tensor(np.array([3], np.int32)))
    assert one.shape == (1,) and one.dtype == gg.float32
    np.testing.assert_allclose(one.asnumpy(), [expected[3]], rtol=1e-6)
    np.testing.assert_allclose(float(cell(3).asnumpy()), expected[3], rtol=1e-6)


def test_a_schedule_runs_inside_jit():
    cell = nn.CosineDecayLR(0.01, 0.1, 8)
    step = gg.jit(lambda s: cell(s) * 2)
    np.testing.assert_allclose(float(step(Tensor(np.array(2, np.int32))).asnumpy()), 2 * 0.08681980520486832,
                               rtol=1e-6)


def test_the_base_schedule_has_no_construct_and_a_subclass_is_a_schedule():
    with pytest.raises(NotImplementedError, match="construct"):
        nn.LearningRateSchedule()(Tensor(np.array(0, np.int32)))

    class Halving(nn.LearningRateSchedule):
        def construct(self, global_step):
            return 0.1 / (1.0 + global_step.astype(gg.float32))

    assert isinstance(Halving(), nn.Cell)
    np.testing.assert_allclose(float(Halving()(Tensor(np.array(1, np.int32))).asnumpy()), 0.05)


# MindSpore 2.7.2's errors (types and words) for the same bad arguments
@pytest.mark.parametrize("call, error, words", [
    (lambda: nn.ExponentialDecayLR(1, 0.9, 4), TypeError, "For 'ExponentialDecayLR', the 'learning_rate' must be float, but got 'int'"),
    (lambda: nn.ExponentialDecayLR(0.0, 0.9, 4), ValueError, "'learning_rate' must be float and must > 0"),
    (lambda: nn.ExponentialDecayLR("a", 0.9, 4), TypeError, "'learning_rate' must be float, but got 'str'"),
    (lambda: nn.ExponentialDecayLR(0.1, 1, 4), TypeError, "'decay_rate' must be float"),
    (lambda: nn.NaturalExpDecayLR(0.1, -0.9, 4), ValueError, "'decay_rate' must be float and must > 0"),
    (lambda: nn.InverseDecayLR(0.1, 0.5, 0), ValueError, "'decay_steps' must be int and must > 0, but got '0'"),
    (lambda: nn.InverseDecayLR(0.1, 0.5, 4.0), TypeError, "'decay_steps' must be int, but got 'float'"),
    (lambda: nn.InverseDecayLR(0.1, 0.5, True), TypeError, "'decay_steps' must be int"),
    (lambda: nn.ExponentialDecayLR(0.1, 0.9, 4, 1), TypeError, "the type of 'is_stair' should be 'bool'"),
    (lambda: nn.CosineDecayLR(0.2, 0.1, 4), ValueError, "'max_lr' must be greater than the 'min_lr'"),
    (lambda: nn.CosineDecayLR(0.1, 0.1, 4), ValueError, "'max_lr' must be greater than the 'min_lr'"),
    (lambda: nn.CosineDecayLR(-0.1, 0.1, 4), ValueError, "'min_lr' must be float and must >= 0"),
    (lambda: nn.CosineDecayLR(0, 0.1, 4), TypeError, "'min_lr' must be float"),
    (lambda: nn.PolynomialDecayLR(0.1, 0.01, 4, 0.0), ValueError, "'power' must be float and must > 0"),
    (lambda: nn.PolynomialDecayLR(0.1, 0.01, 4, 1), TypeError, "'power' must be float"),
    (lambda: nn.PolynomialDecayLR(0.1, -0.01, 4, 1.0), ValueError, "'end_learning_rate' must be float and must >= 0"),
    (lambda: nn.PolynomialDecayLR(0.1, 0.01, 4, 1.0, 1), TypeError, "'update_decay_steps' should be 'bool'"),
    (lambda: nn.WarmUpLR(1, 4), TypeError, "For 'WarmUpLR', the 'learning_rate' must be float"),
    (lambda: nn.WarmUpLR(-0.1, 4), ValueError, "'learning_rate' must be float and must >= 0"),
    (lambda: nn.WarmUpLR(0.1, 0), ValueError, "'warmup_steps' must be int and must > 0"),
])
def test_schedule_bad_arguments(call, error, words):
    with pytest.raises(error, match=re.escape(words)):
        call()


def test_schedule_edge_arguments_mindspore_accepts():
    assert float(nn.WarmUpLR(0.0, 4)(2).asnumpy()) == 0.0
    assert float(nn.CosineDecayLR(0.0, 0.1, 4)(4).asnumpy()) == 0.0
    nn.PolynomialDecayLR(0.1, 0.5, 4, 1.0)  # an end above the start is not checked
