"""Initializers: MindSpore's names, defaults, fans and gains (statistics compared with what
MindSpore 2.7.2 drew, tests/fixtures/ms_references.json), driven by the global seed."""
import json
import math
import os

import numpy as np
import pytest

import graphgrad as gg
from graphgrad.common import initializer as init_mod
from graphgrad.common.initializer import (Constant, HeNormal, HeUniform, Normal, One, Orthogonal,  # noqa: F401
                                          TruncatedNormal, Uniform, XavierNormal, XavierUniform, Zero, initializer)

REF = json.load(open(os.path.join(os.path.dirname(__file__), "fixtures", "ms_references.json")))


@pytest.mark.parametrize("case", REF["initializers"], ids=lambda c: f"{c['init']}-{c['shape']}")
def test_statistics_match_mindspore(case):
    gg.set_seed(3)
    spec = eval(case["init"], vars(init_mod))  # the spelling make_ms_references.py used in MindSpore
    t = initializer(spec, tuple(case["shape"]), gg.float32)
    assert isinstance(t, gg.Tensor) and t.shape == tuple(case["shape"]) and t.dtype == gg.float32
    a = t.asnumpy().astype(np.float64)
    n = a.size
    std = case["std"]
    # Same distribution: the two means within 7 standard errors of their difference, the spreads
    # within 3% (n >= 60000 makes both tight), and where the range is a bound (uniform, a truncation
    # that cuts), the same range within 1%.
    assert abs(a.mean() - case["mean"]) <= 7 * math.sqrt(2) * std / math.sqrt(n) + 1e-12
    assert a.std() == pytest.approx(std, rel=0.03, abs=1e-12)
    if "uniform" in case["init"].lower() or "a=-0.5" in case["init"]:
        width = case["max"] - case["min"]
        assert a.min() >= case["min"] - 0.01 * width and a.max() <= case["max"] + 0.01 * width
        assert a.min() <= case["min"] + 0.01 * width and a.max() >= case["max"] - 0.01 * width


def test_seeded_draws_repeat_and_differ():
    gg.set_seed(7)
    a1, b1 = initializer("normal", (50,)), initializer("normal", (50,))
    gg.set_seed(7)
    a2, b2 = initializer("normal", (50,)), initializer("normal", (50,))
    assert np.array_equal(a1.asnumpy(), a2.asnumpy()) and np.array_equal(b1.asnumpy(), b2.asnumpy())
    assert not np.array_equal(a1.asnumpy(), b1.asnumpy())  # two layers never get the same weights


def test_names_ignore_case_and_numbers_are_constants():
    for name in ("truncatedNormal", "TruncatedNormal", "HE_UNIFORM", "Zeros"):
        assert initializer(name, (4, 4)).shape == (4, 4)
    assert np.array_equal(initializer(2, (2, 2)).asnumpy(), np.full((2, 2), 2, np.float32))
    assert initializer(0.5, 3, gg.float64).dtype == gg.float64  # an int shape is a 1-d shape
    assert np.array_equal(initializer(One, (2,)).asnumpy(), [1, 1])  # a class is instantiated


def test_tensor_init_must_match_the_shape():
    t = gg.Tensor(np.arange(3.0))
    assert np.array_equal(initializer(t, (3,)).asnumpy(), [0, 1, 2])
    with pytest.raises(ValueError, match=r"shape \(3,\) is not the shape asked for, \(4,\)"):
        initializer(t, (4,))


def test_an_initializer_fills_a_numpy_array_in_place():
    a = np.zeros((3, 4), np.float32)
    Constant(1.5)(a)
    assert (a == 1.5).all()


@pytest.mark.parametrize("call, error, words", [
    (lambda: initializer("kaiming", (2, 2)), ValueError, r"unknown initializer name 'kaiming'; known names: .*he_unif"),
    (lambda: initializer("he_uniform", (5,)), ValueError, "fewer than 2 dimensions"),
    (lambda: initializer(object(), (2,)), TypeError, "init must be"),
    (lambda: initializer("zeros", (2, -1)), ValueError, "non-negative"),
    (lambda: initializer("zeros"), ValueError, "shape is required"),
    (lambda: HeUniform(mode="fan_avg"), ValueError, "fan_in"),
    (lambda: HeNormal(nonlinearity="swish"), ValueError, "unsupported nonlinearity"),
    (lambda: TruncatedNormal(a=1.0, b=-1.0), ValueError, "a must be less than b"),
    (lambda: initializer(TruncatedNormal(sigma=0.01, a=5.0, b=6.0), (3,)), ValueError, "almost none"),
    (lambda: Constant("1"), TypeError, "number"),
])
def test_bad_input(call, error, words):
    with pytest.raises(error, match=words):
        call()


@pytest.mark.skipif(not hasattr(gg, "int32"), reason="graphgrad has no int32 dtype yet")
def test_integer_dtype():
    t = initializer("ones", (2,), gg.int32)
    assert t.dtype == gg.int32 and t.asnumpy().tolist() == [1, 1]


def test_seed_arguments():
    with pytest.raises(ValueError, match="2\\*\\*32"):
        gg.set_seed(2**32)
    with pytest.raises(TypeError, match="int"):
        gg.set_seed(1.5)
    with pytest.raises(TypeError, match="int"):
        gg.set_seed(True)
    gg.set_seed(5)
    assert gg.get_seed() == 5


def test_orthogonal_and_identity():
    w = initializer("orthogonal", (30, 20), gg.float64).asnumpy()
    np.testing.assert_allclose(w.T @ w, np.eye(20), atol=1e-12)  # more rows: orthonormal columns
    w = initializer(Orthogonal(gain=2.0), (20, 30), gg.float64).asnumpy()
    np.testing.assert_allclose(w @ w.T, 4 * np.eye(20), atol=1e-12)
    assert initializer(Orthogonal(), (6, 2, 3)).shape == (6, 2, 3)  # flattened to (6, 6) and back
    assert np.array_equal(initializer("identity", (2, 3)).asnumpy(), np.eye(2, 3))
    with pytest.raises(ValueError, match="Identity: needs a 2-d shape"):
        initializer("identity", (2, 2, 2))


def test_a_tensor_made_from_shape_and_init_as_the_tensor_tutorial_makes_it():
    ones = gg.Tensor(shape=(2, 2), dtype=gg.float32, init=One())
    np.testing.assert_array_equal(ones.asnumpy(), np.ones((2, 2), np.float32))
    assert ones.dtype is gg.float32 and ones.init_data() is ones
    gg.set_seed(3)
    a = gg.Tensor(shape=(64, 32), dtype=gg.float64, init=Normal(sigma=0.5)).asnumpy()
    gg.set_seed(3)
    b = initializer(Normal(sigma=0.5), (64, 32), gg.float64).asnumpy()
    np.testing.assert_array_equal(a, b)  # the same draw as initializer() with the same seed
    assert a.dtype == np.float64 and 0.45 < a.std() < 0.55
    assert gg.Tensor(shape=[3], init="zeros").dtype is gg.float32  # a name; float32 by default
    for kwargs, words in [(dict(shape=(2,)), "needs both"), (dict(init=One()), "needs both"),
                          (dict(input_data=[1.0], shape=(1,), init=One()), "not both")]:
        with pytest.raises(TypeError, match=words):
            gg.Tensor(**kwargs)
    with pytest.raises(ValueError, match="unknown initializer name 'nope'"):
        gg.Tensor(shape=(2,), init="nope")
