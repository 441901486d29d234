"""Tensor and Parameter: construction, properties, numpy conversion, MindSpore's repr, numpy's str."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Parameter, Tensor, ops


# -- construction and properties --

def test_dtypes_print_like_mindspore():
    assert repr(gg.float32) == "Float32" and str(gg.float32) == "Float32"
    assert repr(gg.float64) == "Float64" and str(gg.float64) == "Float64"


def test_mindspore_dtype_module_and_byte_sizes():
    from graphgrad import dtype as mstype  # the Data Loading tutorial's import
    assert mstype.float32 is gg.float32 and mstype.int32 is gg.int32 and mstype.bool_ is gg.bool_
    x = Tensor(np.ones((2, 3), np.float32))
    assert (x.itemsize, x.nbytes, x.strides) == (4, 24, (12, 4))  # as MindSpore's
    y = Tensor(np.ones((4, 2, 5), np.float64))
    assert (y.itemsize, y.nbytes, y.strides) == (8, 320, (80, 40, 8))
    assert Tensor(np.float32(1)).strides == () and Tensor(np.zeros((0, 3), np.int32)).nbytes == 0


def test_jit_syntax_level_is_checked_and_kept():
    gg.set_context(jit_syntax_level=gg.STRICT)
    assert gg.get_context("jit_syntax_level") == gg.STRICT == 0 and (gg.COMPATIBLE, gg.LAX) == (1, 2)
    gg.set_context(jit_syntax_level=gg.LAX)
    with pytest.raises(ValueError, match="jit_syntax_level"):
        gg.set_context(jit_syntax_level=7)
    assert gg.get_context("jit_syntax_level") == gg.LAX


@pytest.mark.parametrize("np_dtype, expected", [(np.float32, gg.float32), (np.float64, gg.float64)])
def test_from_numpy_keeps_dtype_and_values(np_dtype, expected):
    a = np.arange(15, dtype=np_dtype).reshape(5, 3) / 7
    t = Tensor(a)
    assert t.dtype is expected
    assert t.shape == (5, 3) and isinstance(t.shape, tuple)
    assert t.ndim == 2 and t.size == 15
    out = t.asnumpy()
    assert isinstance(out, np.ndarray) and out.dtype == np_dtype
    np.testing.assert_array_equal(out, a)


def test_from_nested_list_is_float32():
    t = Tensor([[1, 2, 3], [4.5, 5, 6]])
    assert t.dtype is gg.float32
    assert t.shape == (2, 3)
    np.testing.assert_array_equal(t.asnumpy(), np.array([[1, 2, 3], [4.5, 5, 6]], np.float32))


@pytest.mark.parametrize("value", [2.5, 3, -0.125])
def test_from_python_scalar_is_0d(value):
    t = Tensor(value)
    assert t.shape == () and t.ndim == 0 and t.size == 1
    assert t.dtype is (gg.int64 if isinstance(value, int) else gg.float32)  # as MindSpore
    assert t.asnumpy().shape == ()
    assert float(t.asnumpy()) == pytest.approx(value)


def test_0d_numpy_array_stays_0d():
    t = Tensor(np.array(1.5, np.float32))
    assert t.shape == ()
    assert t.asnumpy().shape == ()


def test_explicit_dtype_converts():
    t = Tensor(np.random.default_rng(0).standard_normal((5, 3)), gg.float32)
    assert t.dtype is gg.float32 and t.asnumpy().dtype == np.float32
    t64 = Tensor([1, 2, 3], gg.float64)
    assert t64.dtype is gg.float64
    np.testing.assert_array_equal(t64.asnumpy(), [1.0, 2.0, 3.0])


def test_tensor_copies_its_data():
    a = np.ones(3, np.float32)
    t = Tensor(a)
    a[0] = 7
    assert t.asnumpy()[0] == 1.0
    out = t.asnumpy()
    out[1] = 9  # asnumpy hands back an array the user may write to without touching the tensor
    assert t.asnumpy()[1] == 1.0


def test_array_protocol():
    a = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    t = Tensor(a)
    np.testing.assert_array_equal(np.asarray(t), a)
    as64 = np.asarray(t, dtype=np.float64)
    assert as64.dtype == np.float64
    np.testing.assert_array_equal(as64, a)
    np.testing.assert_allclose(np.sum(t), 10.0)


def test_bad_data_is_rejected():
    with pytest.raises(TypeError):
        Tensor("abc")
    with pytest.raises(ValueError):
        Tensor([[1, 2], [3]])
    with pytest.raises(TypeError):
        Tensor([1, 2], dtype="int31")


# -- repr: MindSpore's format --

def test_repr_2d_matches_mindspore():
    t = Tensor(np.array([[1.0, -2.5], [0.125, 3.0]], np.float32))
    assert repr(t) == ("Tensor(shape=[2, 2], dtype=Float32, value=\n"
                       " [[ 1.00000000e+00, -2.50000000e+00],\n"
                       "  [ 1.25000000e-01,  3.00000000e+00]])")


def test_repr_of_integer_rows_lines_them_up():
    t = Tensor(np.arange(6, dtype=np.int32).reshape(2, 3) * 5)
    assert repr(t) == ("Tensor(shape=[2, 3], dtype=Int32, value=\n"
                       " [[ 0,  5, 10],\n"
                       "  [15, 20, 25]])")


def test_repr_1d_matches_mindspore():
    t = Tensor(np.array([0.32618925, 0.015891464, 0.042164546], np.float64))
    assert repr(t) == "Tensor(shape=[3], dtype=Float64, value= [ 3.26189250e-01,  1.58914640e-02,  4.21645460e-02])"


def test_repr_0d_prints_6_significant_digits():
    t = Tensor(np.array(1.3423151, np.float32))
    assert repr(t) == "Tensor(shape=[], dtype=Float32, value= 1.34232)"


def test_repr_of_0d_op_result():
    # a 0-d tensor made by an op prints the same as one made from data
    loss = gg.ops.binary_cross_entropy_with_logits(Tensor([0.0]), Tensor([0.0]), reduction="sum")
    assert loss.shape == ()
    assert repr(loss) == "Tensor(shape=[], dtype=Float32, value= %g)" % np.log(2.0)


def test_repr_summarizes_long_1d():
    t = Tensor(np.arange(10, dtype=np.float64))
    expected = ("Tensor(shape=[10], dtype=Float64, value= [" +
                ", ".join(["%15.8e" % v for v in (0, 1, 2)] + ["..."] + ["%15.8e" % v for v in (7, 8, 9)]) + "])")
    assert repr(t) == expected


def test_repr_summarizes_long_rows_and_columns():
    a = np.arange(80, dtype=np.float64).reshape(8, 10)
    r = repr(Tensor(a))
    assert r.startswith("Tensor(shape=[8, 10], dtype=Float64, value=\n [[")
    # first three rows and last three rows appear; the middle ones do not
    for row in (0, 1, 2, 5, 6, 7):
        assert "%15.8e" % a[row, 0] in r
    for row in (3, 4):
        assert "%15.8e" % a[row, 0] not in r
    # within a row: first 3, '...', last 3 columns
    first_row = r.split("\n")[1]
    assert first_row == " [[" + ", ".join(["%15.8e" % v for v in a[0, :3]] + ["..."] +
                                          ["%15.8e" % v for v in a[0, -3:]]) + "],"
    assert r.count("...") == 7  # one per shown row (6) and one row of '...'


def test_repr_6_elements_is_not_summarized():
    r = repr(Tensor(np.arange(6, dtype=np.float32)))
    assert "..." not in r
    assert r.count("e+0") == 6


# -- str: numpy's --

def test_str_is_numpys_str():
    z = Tensor(np.array([3.8211915, -2.994512, -1.932323], np.float32))
    assert str(z) == "[ 3.8211915 -2.994512  -1.932323 ]"
    loss = Tensor(np.array(1.3423151, np.float32))
    assert str(loss) == "1.3423151"


def test_print_shows_str(capsys):
    print(Tensor(np.array([[1, 2], [3, 4]], np.float32)))
    assert capsys.readouterr().out == str(np.array([[1, 2], [3, 4]], np.float32)) + "\n"


# -- Parameter --

def test_parameter_repr_and_attributes():
    w = Parameter(Tensor(np.zeros((5, 3)), gg.float32), name="w")
    assert repr(w) == "Parameter (name=w, shape=(5, 3), dtype=Float32, requires_grad=True)"
    assert isinstance(w, Tensor)
    assert w.name == "w" and w.requires_grad is True
    assert w.shape == (5, 3) and w.dtype is gg.float32
    frozen = Parameter(Tensor([1.0, 2.0]), name="b", requires_grad=False)
    assert frozen.requires_grad is False
    assert repr(frozen) == "Parameter (name=b, shape=(2,), dtype=Float32, requires_grad=False)"


def test_parameter_name_defaults_to_none():
    p = Parameter(Tensor([1.0]))
    assert p.name is None


def test_parameter_from_numpy():
    p = Parameter(np.ones((2, 2), np.float64), name="p")
    assert p.dtype is gg.float64 and p.shape == (2, 2)


def test_set_data_replaces_value():
    w = Parameter(Tensor(np.zeros((2, 3), np.float32)), name="w")
    new = np.arange(6, dtype=np.float32).reshape(2, 3)
    w.set_data(Tensor(new))
    np.testing.assert_array_equal(w.asnumpy(), new)
    w.set_data(np.ones((2, 3), np.float32))
    np.testing.assert_array_equal(w.asnumpy(), np.ones((2, 3)))


def test_set_data_wrong_shape_is_value_error_and_keeps_value():
    w = Parameter(Tensor(np.zeros((2, 3), np.float32)), name="w")
    with pytest.raises(ValueError) as e:
        w.set_data(Tensor(np.ones((3, 2), np.float32)))
    assert "(2, 3)" in str(e.value) and "(3, 2)" in str(e.value)
    np.testing.assert_array_equal(w.asnumpy(), np.zeros((2, 3)))


def test_set_data_wrong_dtype_is_type_error_and_keeps_value():
    w = Parameter(Tensor(np.zeros((2, 3), np.float32)), name="w")
    with pytest.raises(TypeError) as e:
        w.set_data(Tensor(np.ones((2, 3), np.float64)))
    assert "Float32" in str(e.value) and "Float64" in str(e.value)
    np.testing.assert_array_equal(w.asnumpy(), np.zeros((2, 3)))


def test_set_data_does_not_change_the_source_tensor():
    src = Tensor(np.zeros(3, np.float32))
    p = Parameter(src, name="p")
    p.set_data(Tensor(np.ones(3, np.float32)))
    np.testing.assert_array_equal(src.asnumpy(), np.zeros(3))


# -- operators --

def test_plus_and_matmul_operators():
    rng = np.random.default_rng(1)
    a, b, v = rng.standard_normal((4, 5)), rng.standard_normal((5, 3)), rng.standard_normal(3)
    ta, tb, tv = Tensor(a), Tensor(b), Tensor(v)
    np.testing.assert_allclose((ta @ tb).asnumpy(), a @ b, rtol=1e-12)
    np.testing.assert_allclose((ta @ tb + tv).asnumpy(), a @ b + v, rtol=1e-12)
    np.testing.assert_allclose((tv + 2.0).asnumpy(), v + 2.0, rtol=1e-12)
    np.testing.assert_allclose((1.5 + tv).asnumpy(), v + 1.5, rtol=1e-12)
    assert (tv + 2.0).dtype is gg.float64


# --- Tensor methods and operators as MindSpore 2.7.2's (its outputs quoted in each test)


def _x():
    return Tensor(np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], np.float32))


def test_max_and_min_take_torchs_dim_and_numpys_axis_forms():
    x = _x()
    assert x.max().asnumpy() == 7.0 and x.max(None).asnumpy() == 7.0
    # MindSpore: x.max(1) and x.max(dim=1) are (values [5, 7], indices [1, 0]); x.max(dim=1) was the global 7.
    for values, indices in (x.max(1), x.max(dim=1)):
        np.testing.assert_array_equal(values.asnumpy(), [5.0, 7.0])
        np.testing.assert_array_equal(indices.asnumpy(), [1, 0])
    for values, indices in (x.max(1, keepdim=True), x.max(1, True)):  # keepdim was swallowed
        assert values.shape == (2, 1) and indices.shape == (2, 1)
    np.testing.assert_array_equal(x.max(axis=1).asnumpy(), [5.0, 7.0])
    assert x.max(axis=1, keepdims=True).shape == (2, 1)
    values, indices = x.min(dim=0)
    np.testing.assert_array_equal(values.asnumpy(), [1.0, 0.0, 2.0])
    np.testing.assert_array_equal(indices.asnumpy(), [0, 1, 0])


def test_sum_takes_dim_keepdim_and_a_bool_second_argument():
    x = _x()
    for s in (x.sum(1, True), x.sum(1, keepdim=True), x.sum(axis=1, keepdims=True)):
        np.testing.assert_array_equal(s.asnumpy(), [[8.0], [10.0]])
    np.testing.assert_array_equal(x.sum(dim=1).asnumpy(), [8.0, 10.0])
    assert np.sum(x) == 18.0  # numpy's np.sum calls Tensor.sum with its own keywords


def test_flatten_method_flattens_every_dim_and_shape_methods():
    y = Tensor(np.ones((2, 3, 4), np.float32))
    assert y.flatten().shape == (24,)  # MindSpore's Tensor.flatten starts at dim 0 (ops.flatten at 1)
    assert y.flatten(1).shape == (2, 12) and y.flatten(start_dim=1).shape == (2, 12)
    assert (y.dim(), y.numel(), y.nelement()) == (3, 24, 24)


def test_operators_with_lists_none_and_membership():
    f = Tensor(np.array([1.0, 2.0, 3.0], np.float32))
    i = Tensor(np.array([1, 2, 3], np.int32))
    # A list beside a tensor takes its dtype: MindSpore's int32 + [1., 2., 3.] is int32 [2, 4, 6].
    for got, dtype, want in ((f + [1.0, 2.0, 3.0], gg.float32, [2, 4, 6]), (i + [1.0, 2.0, 3.0], gg.int32, [2, 4, 6]),
                             ([1.0, 2.0, 3.0] * f, gg.float32, [1, 4, 9]), (f + (1.0, 2.0, 3.0), gg.float32, [2, 4, 6])):
        assert got.dtype == dtype
        np.testing.assert_array_equal(got.asnumpy(), want)
    assert (f == None) is False and (f != "a") is True  # noqa: E711 (the comparison is the test)
    assert 2.0 in f and 9.0 not in f
    b = Tensor(np.array([True, False]))
    np.testing.assert_array_equal((b ^ Tensor(np.array([True, True]))).asnumpy(), [False, True])
    # Numbers alone: MindSpore's ops.add(2, 3) is Int64 5, ops.add(2.0, 3) Float32 5.0.
    assert ops.add(2, 3).dtype == gg.int64 and ops.add(2, 3).asnumpy() == 5
    assert ops.add(2.0, 3).dtype == gg.float32 and ops.mul(2.5, True).asnumpy() == 2.5
