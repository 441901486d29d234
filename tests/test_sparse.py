"""CSRTensor and COOTensor: MindSpore's tutorial snippet and reprs (strings printed by MindSpore
2.7.2), values against dense numpy references, dtype rules, errors, and gradients with respect to
the values and the dense operand."""
import contextlib
import io

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import COOTensor, CSRTensor, Tensor, TracingError
from helpers import check_grads

# A 2 x 4 matrix with an empty-free layout: row 0 holds (0, 0); row 1 holds (1, 1) and (1, 3).
INDPTR, COLS, VALS = [0, 1, 3], [0, 1, 3], [1.0, -2.0, 3.0]
DENSE = np.array([[1, 0, 0, 0], [0, -2, 0, 3]], np.float64)


def csr(values=VALS, dtype=gg.float32, index=gg.int32):
    values = values if isinstance(values, Tensor) else Tensor(values, dtype)
    return CSRTensor(Tensor(INDPTR, index), Tensor(COLS, index), values, (2, 4))


def dense_of(indices, values, shape):
    """The dense reference: each (row, col) gets its values added, repeats summed."""
    out = np.zeros(shape, np.float64)
    for (r, c), v in zip(indices, values):
        out[r, c] += v
    return out


# -- what MindSpore 2.7.2 prints (observed there, pasted here)

TUTORIAL = """\
import graphgrad as mindspore
from graphgrad import Tensor, CSRTensor, COOTensor
indptr = Tensor([0, 1, 2]); indices = Tensor([0, 1]); values = Tensor([1, 2], dtype=mindspore.float32); shape = (2, 4)
csr_tensor = CSRTensor(indptr, indices, values, shape)
print(csr_tensor.astype(mindspore.float64).dtype)
indices = Tensor([[0, 1], [1, 2]], dtype=mindspore.int32); values = Tensor([1, 2], dtype=mindspore.float32); shape = (3, 4)
coo_tensor = COOTensor(indices, values, shape)
print(coo_tensor.values); print(coo_tensor.indices); print(coo_tensor.shape); print(coo_tensor.astype(mindspore.float64).dtype)
"""


def test_tutorial_snippet_prints_what_mindspore_prints():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(TUTORIAL, {})
    assert out.getvalue() == "Float64\n[1. 2.]\n[[0 1]\n [1 2]]\n(3, 4)\nFloat64\n"


I32 = gg.int32
REPRS = [
    (lambda: CSRTensor(Tensor([0, 1, 2]), Tensor([0, 1]), Tensor([1, 2], dtype=gg.float32), (2, 4)),
     "CSRTensor(shape=[2, 4], dtype=Float32, indptr=Tensor(shape=[3], dtype=Int64, value=[0 1 2]), indices=Tensor("
     "shape=[2], dtype=Int64, value=[0 1]), values=Tensor(shape=[2], dtype=Float32, value=[ 1.00000000e+00  "
     "2.00000000e+00]))"),
    (lambda: COOTensor(Tensor([[0, 1], [1, 2]], dtype=I32), Tensor([1, 2], dtype=gg.float32), (3, 4)),
     "COOTensor(shape=[3, 4], dtype=Float32, indices=Tensor(shape=[2, 2], dtype=Int32, value=\n[[0 1]\n [1 2]]), "
     "values=Tensor(shape=[2], dtype=Float32, value=[ 1.00000000e+00  2.00000000e+00]))"),
    (lambda: COOTensor(Tensor([[0, 1], [1, 2]], dtype=I32), Tensor([3, -20], gg.int64), (3, 4)),
     "COOTensor(shape=[3, 4], dtype=Int64, indices=Tensor(shape=[2, 2], dtype=Int32, value=\n[[0 1]\n [1 2]]), "
     "values=Tensor(shape=[2], dtype=Int64, value=[  3 -20]))"),
    (lambda: COOTensor(Tensor([[0, 1], [1, 2]], dtype=I32), Tensor([True, False]), (3, 4)),
     "COOTensor(shape=[3, 4], dtype=Bool, indices=Tensor(shape=[2, 2], dtype=Int32, value=\n[[0 1]\n [1 2]]), "
     "values=Tensor(shape=[2], dtype=Bool, value=[ True False]))"),
    (lambda: COOTensor(Tensor([[0, 1]], dtype=I32), Tensor([-2.5], gg.float16), (3, 4)),
     "COOTensor(shape=[3, 4], dtype=Float16, indices=Tensor(shape=[1, 2], dtype=Int32, value=\n[[0 1]]), "
     "values=Tensor(shape=[1], dtype=Float16, value=[-2.5000e+00]))"),
    (lambda: CSRTensor(Tensor(np.arange(14).astype(np.int32)), Tensor(np.zeros(13, np.int32)),
                       Tensor(np.arange(13, dtype=np.float32) - 6), (13, 4)),
     "CSRTensor(shape=[13, 4], dtype=Float32, indptr=Tensor(shape=[14], dtype=Int32, value=[ 0  1  2  3  4  5  6  7  "
     "8  9 10 11 12 13]), indices=Tensor(shape=[13], dtype=Int32, value=[0 0 0 0 0 0 0 0 0 0 0 0 0]), values=Tensor("
     "shape=[13], dtype=Float32, value=[-6.00000000e+00 -5.00000000e+00 -4.00000000e+00 -3.00000000e+00 "
     "-2.00000000e+00 -1.00000000e+00  0.00000000e+00  1.00000000e+00  2.00000000e+00  3.00000000e+00  "
     "4.00000000e+00  5.00000000e+00 \n  6.00000000e+00]))"),
    (lambda: CSRTensor(Tensor([0, 12], I32), Tensor(np.arange(12, dtype=np.int32)),
                       Tensor(np.arange(12, dtype=np.float32) / 4), (1, 12)),  # a full line of 12: then "\n ]"
     "CSRTensor(shape=[1, 12], dtype=Float32, indptr=Tensor(shape=[2], dtype=Int32, value=[ 0 12]), indices=Tensor("
     "shape=[12], dtype=Int32, value=[ 0  1  2  3  4  5  6  7  8  9 10 11]), values=Tensor(shape=[12], dtype=Float32,"
     " value=[ 0.00000000e+00  2.50000000e-01  5.00000000e-01  7.50000000e-01  1.00000000e+00  1.25000000e+00  "
     "1.50000000e+00  1.75000000e+00  2.00000000e+00  2.25000000e+00  2.50000000e+00  2.75000000e+00\n ]))"),
    (lambda: CSRTensor(Tensor(np.arange(8).astype(np.int32)), Tensor(np.zeros(7, np.int32)),
                       Tensor(np.arange(21, dtype=np.float64).reshape(7, 3)), (7, 4, 3)),
     "CSRTensor(shape=[7, 4, 3], dtype=Float64, indptr=Tensor(shape=[8], dtype=Int32, value=[0 1 2 3 4 5 6 7]), "
     "indices=Tensor(shape=[7], dtype=Int32, value=[0 0 0 0 0 0 0]), values=Tensor(shape=[7, 3], dtype=Float64, "
     "value=\n[[ 0.00000000e+00  1.00000000e+00  2.00000000e+00]\n [ 3.00000000e+00  4.00000000e+00  "
     "5.00000000e+00]\n [ 6.00000000e+00  7.00000000e+00  8.00000000e+00]\n ...\n [ 1.20000000e+01  1.30000000e+01"
     "  1.40000000e+01]\n [ 1.50000000e+01  1.60000000e+01  1.70000000e+01]\n [ 1.80000000e+01  1.90000000e+01  "
     "2.00000000e+01]]))"),
    (lambda: CSRTensor(Tensor([0, 1, 3], I32), Tensor([0, 1, 2], I32), Tensor(np.arange(21, dtype=np.int32)
                                                                                .reshape(3, 7)), (2, 4, 7)),
     "CSRTensor(shape=[2, 4, 7], dtype=Int32, indptr=Tensor(shape=[3], dtype=Int32, value=[0 1 3]), indices=Tensor("
     "shape=[3], dtype=Int32, value=[0 1 2]), values=Tensor(shape=[3, 7], dtype=Int32, value=\n[[ 0  1  2 ...  4  5  "
     "6]\n [ 7  8  9 ... 11 12 13]\n [14 15 16 ... 18 19 20]]))"),
    (lambda: CSRTensor(Tensor(np.arange(11).astype(np.int32)), Tensor(np.zeros(10, np.int32)),
                       Tensor(np.arange(30, dtype=np.float32).reshape(10, 3)), (10, 4, 3)),
     "CSRTensor(shape=[10, 4, 3], dtype=Float32, indptr=Tensor(shape=[11], dtype=Int32, value=[ 0  1  2  3  4  5  6  "
     "7  8  9 10]), indices=Tensor(shape=[10], dtype=Int32, value=[0 0 0 0 0 0 0 0 0 0]), values=Tensor(shape=[10, 3]"
     ", dtype=Float32, value=[...]))"),
    (lambda: COOTensor(Tensor(np.zeros((0, 2), np.int32)), Tensor(np.zeros(0, np.float32)), (3, 4)),
     "COOTensor(shape=[3, 4], dtype=Float32, indices=Tensor(shape=[0, 2], dtype=Int32, value=\n), values=Tensor("
     "shape=[0], dtype=Float32, value=))"),
]


@pytest.mark.parametrize("make, expected", REPRS)
def test_repr_and_str_are_mindspores(make, expected):
    t = make()
    assert repr(t) == expected and str(t) == expected


def test_repr_inside_a_trace_names_the_traced_values():
    seen = []

    def f(v):
        seen.append(repr(csr(v)))
        return v
    gg.jit(f)(Tensor(VALS))
    assert seen[0].endswith("values=Tensor(shape=[3], dtype=Float32, traced))")


# -- properties and conversions

def test_properties_and_copy_constructors():
    t = csr(dtype=gg.float64)
    assert t.shape == (2, 4) and isinstance(t.shape, tuple)
    assert (t.dtype, t.size, t.itemsize, t.ndim) == (gg.float64, 3, 8, 2)
    assert t.indptr.tolist() == INDPTR and t.indices.tolist() == COLS and t.values.tolist() == VALS
    indptr, indices, values, shape = t.to_tuple()
    assert (indptr is t.indptr, indices is t.indices, values is t.values, shape) == (True, True, True, (2, 4))
    copy = CSRTensor(csr_tensor=t)
    assert copy is not t and copy.values is t.values and copy.shape == t.shape
    c = COOTensor(Tensor([[0, 1], [2, 3]]), Tensor([1, 2], gg.int32), (3, 4))
    assert (c.dtype, c.size, c.itemsize, c.ndim, c.shape) == (gg.int32, 2, 4, 2, (3, 4))
    assert len(c.to_tuple()) == 3 and c.to_tuple()[0] is c.indices
    assert COOTensor(coo_tensor=c).values is c.values
    assert gg.common.CSRTensor is CSRTensor and gg.common.COOTensor is COOTensor
    assert {"CSRTensor", "COOTensor"} <= set(gg.__all__)


@pytest.mark.parametrize("dtype", [gg.float32, gg.float64, gg.float16, gg.int32, gg.int64])
def test_csr_to_dense(dtype):
    d = csr(dtype=dtype).to_dense()
    assert d.dtype is dtype and d.shape == (2, 4)
    np.testing.assert_array_equal(d.asnumpy(), DENSE)


def test_to_dense_of_more_dims_empty_rows_and_bool():
    values = np.arange(6, dtype=np.float32).reshape(2, 3)  # row 1 empty, row 2 holds column 3
    t = CSRTensor(Tensor([0, 1, 1, 2], I32), Tensor([2, 3], I32), Tensor(values), (3, 4, 3))
    expected = np.zeros((3, 4, 3), np.float32)
    expected[0, 2], expected[2, 3] = values
    np.testing.assert_array_equal(t.to_dense().asnumpy(), expected)
    b = COOTensor(Tensor([[0, 1], [2, 2]]), Tensor([True, True]), (3, 4)).to_dense()
    assert b.dtype is gg.bool_ and b.asnumpy().sum() == 2 and b.asnumpy()[0, 1] and b.asnumpy()[2, 2]


def test_coo_to_dense_sums_repeats():
    ix, vals = [[0, 1], [1, 2], [0, 1]], [1.0, 2.0, 4.0]
    d = COOTensor(Tensor(ix, I32), Tensor(vals), (3, 4)).to_dense()
    np.testing.assert_array_equal(d.asnumpy(), dense_of(ix, vals, (3, 4)))
    assert d.asnumpy()[0, 1] == 5  # (MindSpore 2.7.2: 5 too)
    e = COOTensor(Tensor(np.zeros((0, 2), np.int64)), Tensor(np.zeros(0, np.float32)), (2, 2)).to_dense()
    np.testing.assert_array_equal(e.asnumpy(), np.zeros((2, 2)))


def test_to_coo_and_to_csr():
    coo = csr().to_coo()
    assert coo.indices.tolist() == [[0, 0], [1, 1], [1, 3]] and coo.indices.dtype is I32
    np.testing.assert_array_equal(coo.to_dense().asnumpy(), DENSE)
    # MindSpore's to_csr sorts by row and keeps the order within a row and any repeats
    t = COOTensor(Tensor([[2, 1], [0, 2], [0, 0]], I32), Tensor([1.0, -2.0, 5.0]), (3, 4)).to_csr()
    assert (t.indptr.tolist(), t.indices.tolist(), t.values.tolist()) == ([0, 2, 2, 3], [2, 0, 1], [-2.0, 5.0, 1.0])
    assert t.indptr.dtype is I32
    dup = COOTensor(Tensor([[0, 1], [0, 1]], I32), Tensor([1.0, -2.0]), (3, 4)).to_csr()
    assert (dup.indptr.tolist(), dup.indices.tolist()) == ([0, 2, 2, 2], [1, 1])
    with pytest.raises(ValueError, match="only a 2-D CSRTensor"):
        CSRTensor(Tensor([0, 1]), Tensor([0]), Tensor([[1.0]]), (1, 2, 1)).to_coo()


def test_astype_abs_neg():
    t = csr()
    assert t.astype(gg.float64).dtype is gg.float64 and t.astype("int32").values.tolist() == [1, -2, 3]
    assert t.astype(gg.bool_).values.tolist() == [True, True, True]
    assert t.abs().values.tolist() == [1, 2, 3] and (-t).values.tolist() == [-1, 2, -3]
    assert (-t).indptr is t.indptr
    c = COOTensor(Tensor([[0, 1], [1, 2]]), Tensor([1, -2], gg.int64), (3, 4))
    assert c.abs().values.tolist() == [1, 2] and (-c).values.tolist() == [-1, 2] and c.abs().dtype is gg.int64


# -- arithmetic (expected values as MindSpore 2.7.2 computes them)

def test_mv_mm_sum():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    mm = csr().mm(Tensor(x))
    assert mm.dtype is gg.float32 and mm.tolist() == [[0, 1, 2], [21, 22, 23]]
    np.testing.assert_allclose(mm.asnumpy(), DENSE @ x)
    mv = csr().mv(Tensor([[1.0], [2.0], [3.0], [4.0]]))
    assert mv.shape == (2, 1) and mv.tolist() == [[1], [8]]
    assert csr().sum(1).tolist() == [[1], [1]] and csr().sum(-1).shape == (2, 1)
    rng = np.random.default_rng(0)  # a bigger one, with empty rows, against the dense product
    a = rng.standard_normal((7, 5)) * (rng.random((7, 5)) < 0.4)
    a[3] = 0
    rows, cols = np.nonzero(a)
    t = CSRTensor(Tensor(np.searchsorted(rows, np.arange(8))), Tensor(cols), Tensor(a[rows, cols]), (7, 5))
    b = rng.standard_normal((5, 4))
    np.testing.assert_allclose(t.mm(Tensor(b)).asnumpy(), a @ b, rtol=1e-12)
    np.testing.assert_allclose(t.sum(1).asnumpy(), a.sum(1, keepdims=True), rtol=1e-12)
    np.testing.assert_array_equal(t.to_dense().asnumpy(), a)


def test_product_dtypes():
    ints = csr(dtype=gg.int32).mm(Tensor(np.ones((4, 2), np.int32)))
    assert ints.dtype is gg.int32 and ints.tolist() == [[1, 1], [1, 1]]
    assert csr().mm(Tensor(np.ones((4, 2)))).dtype is gg.float64  # float32 with float64 promotes
    assert csr(index=gg.int64).mv(Tensor(np.ones((4, 1), np.float32))).tolist() == [[1], [1]]


@pytest.mark.parametrize("dense, expected", [
    (np.arange(8, dtype=np.float32).reshape(2, 4) + 1, [1, -12, 24]),
    (np.arange(4, dtype=np.float32) + 1, [1, -4, 12]),        # a row, broadcast
    (np.array([[1.0], [10.0]], np.float32), [1, -20, 30]),    # a column, broadcast
    (np.float32(2), [2, -4, 6]),
])
def test_csr_mul_by_dense(dense, expected):
    base = csr()
    t = base * Tensor(dense)
    assert isinstance(t, CSRTensor) and t.indices is base.indices and t.indptr is base.indptr
    assert t.values.tolist() == expected and t.dtype is gg.float32


def test_mul_div_keep_the_pattern():
    t = csr()
    assert (t * 2).values.tolist() == [2, -4, 6] and (2 * t).values.tolist() == [2, -4, 6]
    assert (t * Tensor(np.ones((2, 4), np.int32))).dtype is gg.float32
    d = t / Tensor(np.arange(8, dtype=np.float32).reshape(2, 4) + 1)
    np.testing.assert_allclose(d.values.asnumpy(), [1, -1 / 3, 3 / 8], rtol=1e-6)
    assert (t / Tensor(np.zeros((2, 4), np.float32))).values.tolist() == [np.inf, -np.inf, np.inf]
    c = COOTensor(Tensor([[0, 1], [1, 2]]), Tensor([1.0, -2.0]), (3, 4))
    w = Tensor(np.arange(12, dtype=np.float32).reshape(3, 4))
    assert (c * w).values.tolist() == [1, -12] and (c / (w + 1)).values.tolist()[0] == 0.5
    assert (c * w).indices is c.indices


def test_dense_on_the_left_defers_to_the_sparse_operand():
    # Tensor's operators hand an operand they do not take, whose type has the reflected operator,
    # back to Python, which then calls it: dense * sparse is sparse * dense, as in MindSpore
    w = Tensor(np.arange(8, dtype=np.float32).reshape(2, 4) + 1)
    left, right = w * csr(), csr() * w
    assert isinstance(left, CSRTensor) and left.values.tolist() == right.values.tolist() == [1, -12, 24]
    c = COOTensor(Tensor([[0, 1], [1, 2]]), Tensor([1.0, -2.0]), (3, 4))
    assert (Tensor(np.full((3, 4), 3, np.float32)) * c).values.tolist() == [3, -6]
    with pytest.raises(TypeError, match="mul: operands must be Tensors or Python numbers, got object"):
        w * object()  # no __rmul__: still graphgrad's own error


def test_csr_add_and_sub():
    b = CSRTensor(Tensor([0, 2, 2], I32), Tensor([1, 2], I32), Tensor([10.0, 20.0]), (2, 4))
    s = csr() + b
    assert (s.indptr.tolist(), s.indices.tolist(), s.values.tolist()) == ([0, 3, 5], [0, 1, 2, 1, 3], [1, 10, 20, -2, 3])
    assert s.indptr.dtype is I32
    assert (csr() - b).values.tolist() == [1, -10, -20, -2, 3]
    w = csr().add(b, Tensor(1.0), Tensor(2.0))
    assert w.values.tolist() == [1, 20, 40, -2, 3]
    assert (csr() - csr()).values.tolist() == [0, 0, 0]  # explicit zeros stay, as in MindSpore
    assert (csr(dtype=gg.int32) + csr(dtype=gg.int32)).dtype is gg.int32
    assert (csr() + csr(dtype=gg.float64)).dtype is gg.float64


def test_coo_add_coalesce_and_dense_operands():
    a = COOTensor(Tensor([[0, 1], [1, 2]]), Tensor([1.0, -2.0]), (3, 4))
    s = a.add(COOTensor(Tensor([[0, 1], [2, 3]]), Tensor([5.0, 6.0]), (3, 4)), Tensor(0.0))
    assert (s.indices.tolist(), s.values.tolist()) == ([[0, 1], [1, 2], [2, 3]], [6, -2, 6])
    assert s.indices.dtype is gg.int64
    # thresh drops a position both hold whose sum is below it, never one only one holds
    t = a.add(COOTensor(Tensor([[0, 1], [2, 3]]), Tensor([-1.0, 0.25]), (3, 4)), Tensor(0.5))
    assert (t.indices.tolist(), t.values.tolist()) == ([[1, 2], [2, 3]], [-2, 0.25])
    kept = a.add(COOTensor(Tensor([[2, 3]]), Tensor([0.1]), (3, 4)), 0.5)
    assert kept.indices.tolist() == [[0, 1], [1, 2], [2, 3]]
    assert (a + a).values.tolist() == [2, -4] and (a - a).values.tolist() == [0, 0]
    ones = Tensor(np.ones((3, 4), np.float32))
    np.testing.assert_array_equal((a + ones).asnumpy(), dense_of([[0, 1], [1, 2]], [1, -2], (3, 4)) + 1)
    np.testing.assert_array_equal((a - ones).asnumpy(), dense_of([[0, 1], [1, 2]], [1, -2], (3, 4)) - 1)
    c = COOTensor(Tensor([[1, 1], [0, 1], [0, 1]]), Tensor([1.0, 2.0, -2.0]), (3, 4)).coalesce()
    assert (c.indices.tolist(), c.values.tolist()) == ([[0, 1], [1, 1]], [0, 1])


# -- errors

def _csr(indptr=INDPTR, indices=COLS, values=VALS, shape=(2, 4)):
    return lambda: CSRTensor(Tensor(indptr, I32) if isinstance(indptr, list) else indptr,
                             Tensor(indices, I32) if isinstance(indices, list) else indices,
                             Tensor(values) if isinstance(values, list) else values, shape)


def _coo(indices=((0, 1), (1, 2)), values=(1.0, 2.0), shape=(3, 4)):
    return lambda: COOTensor(Tensor(indices, I32) if isinstance(indices, tuple) else indices,
                             Tensor(values) if isinstance(values, tuple) else values, shape)


ERRORS = [
    (_csr(indptr=[0, 1, 3], shape=[2, 4]), TypeError, r"CSRTensor: shape must be a tuple of ints, got list"),
    (_csr(shape=(2, 4.0)), TypeError, r"shape must be a tuple of ints, got \(2, 4.0\)"),
    (_csr(shape=(2, -4)), ValueError, r"every dimension of shape must be positive, got \(2, -4\)"),
    (_csr(indptr=Tensor([0.0, 1, 3])), TypeError, r"CSRTensor: indptr must be int32 or int64, got Float32"),
    (_csr(indices=Tensor([0.0, 1, 3])), TypeError, r"CSRTensor: indices must be int32 or int64, got Float32"),
    (_csr(indptr=[0, 1, 3], indices=[[0, 1, 3]]), ValueError, r"indices must be a 1-D Tensor, got shape \(1, 3\)"),
    (_csr(indptr=[0, 1, 3, 3]), ValueError, r"indptr must have shape\[0\] \+ 1 = 3 elements, got 4"),
    (_csr(indices=[0, 1]), ValueError, r"indices and values must have one length, got indices of shape \(2,\) and "
                                       r"values of shape \(3,\)"),
    (_csr(values=[1.0, 2.0, 3.0], shape=(2, 4, 3)), ValueError, r"values of shape \(3,\) need a shape of 2 dims"),
    (_csr(values=Tensor(np.ones((3, 2))), shape=(2, 4, 3)), ValueError, r"shape\[2:\] must equal values.shape\[1:\]"),
    (_csr(indptr=[0, 1, 2]), ValueError, r"indptr must start at 0, never decrease and end at the number of values "
                                         r"\(3\), got \[0, 1, 2\]"),
    (_csr(indptr=[0, 2, 1]), ValueError, r"never decrease"),
    (_csr(indptr=[1, 1, 3]), ValueError, r"indptr must start at 0"),
    (_csr(indices=[0, 1, 4]), ValueError, r"indices must be in \[0, 4\) for shape \(2, 4\), got 4"),
    (lambda: CSRTensor(Tensor(INDPTR), csr_tensor=csr()), TypeError, r"given csr_tensor, indptr, indices"),
    (lambda: CSRTensor(csr_tensor=5), TypeError, r"csr_tensor must be a CSRTensor, got int"),
    (lambda: CSRTensor(), TypeError, r"CSRTensor: indptr must be a Tensor, got NoneType"),
    (_coo(shape=(3, 4, 2)), ValueError, r"COOTensor: shape must have 2 dims, got \(3, 4, 2\)"),
    (_coo(indices=Tensor([[0.0, 1], [1, 2]])), TypeError, r"COOTensor: indices must be int32 or int64, got Float32"),
    (_coo(indices=Tensor([0, 1])), ValueError, r"COOTensor: indices must be a 2-D Tensor, got shape \(2,\)"),
    (_coo(indices=((0, 1, 0), (1, 2, 0))), ValueError, r"indices must have shape \(n, 2\) for shape \(3, 4\), got "
                                                       r"\(2, 3\)"),
    (_coo(values=Tensor([[1.0], [2.0]])), ValueError, r"COOTensor: values must be a 1-D Tensor, got shape \(2, 1\)"),
    (_coo(values=(1.0, 2.0, 3.0)), ValueError, r"indices and values must have one length"),
    (_coo(indices=((0, 1), (3, 2))), ValueError, r"indices\[1\] = \[3, 2\] is out of range for shape \(3, 4\)"),
    (_coo(values=[1.0, 2.0]), TypeError, r"COOTensor: values must be a Tensor, got list"),
    (lambda: COOTensor(coo_tensor=csr()), TypeError, r"coo_tensor must be a COOTensor, got CSRTensor"),
    (lambda: csr().mv(Tensor(np.ones((3, 1), np.float32))), ValueError,
     r"dense_vector must have shape \(4, 1\) for a CSRTensor of shape \(2, 4\), got \(3, 1\)"),
    (lambda: csr().mv(Tensor(np.ones(4, np.float32))), ValueError, r"dense_vector must have shape \(4, 1\)"),
    (lambda: csr().mm(Tensor(np.ones((3, 3), np.float32))), ValueError,
     r"matrix must be 2-D with shape\[0\] = 4 \(the CSRTensor's shape \(2, 4\)\), got shape \(3, 3\)"),
    (lambda: csr().mm(csr()), TypeError, r"a CSRTensor operand is not supported"),
    (lambda: csr().sum(0), ValueError, r"CSRTensor.sum: axis must be 1 or -1, got 0"),
    (lambda: csr() * Tensor(np.ones((3, 4), np.float32)), ValueError,
     r"dense operand of shape \(3, 4\) cannot broadcast to the sparse shape \(2, 4\)"),
    (lambda: csr() * csr(), TypeError, r"CSRTensor mul a CSRTensor is not supported"),
    (lambda: csr() + Tensor(DENSE), TypeError, r"CSRTensor \+ Tensor is not supported"),
    (lambda: csr() + CSRTensor(Tensor([0, 0, 0, 0]), Tensor([], gg.int64), Tensor([], gg.float32), (3, 4)),
     ValueError, r"the shapes must match, got \(2, 4\) and \(3, 4\)"),
    (lambda: csr().add(csr(), "1", 1), TypeError, r"alpha must be a Tensor or a number, got str"),
    (lambda: _coo()().add(_coo(shape=(4, 4))(), 0), ValueError, r"COOTensor.add: the shapes must match"),
    (lambda: _coo()() + 1, TypeError, r"COOTensor \+ int is not supported"),
    (lambda: csr().astype("complex64"), TypeError, r"CSRTensor.astype: dtype must be one of"),
]


@pytest.mark.parametrize("make, error, match", ERRORS)
def test_errors_name_the_class_and_argument(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_new_patterns_need_concrete_indices():
    f = gg.jit(lambda i, v: COOTensor(i, v, (3, 4)).to_csr().values)
    with pytest.raises(TracingError, match="COOTensor.to_csr"):
        f(Tensor([[0, 1], [1, 2]]), Tensor([1.0, 2.0]))
    # with thresh > 0 the values decide which positions stay: concrete values needed
    g = gg.jit(lambda v: COOTensor(Tensor([[0, 1]]), v, (3, 4)).add(COOTensor(Tensor([[0, 1]]), v, (3, 4)), 1.0).values)
    with pytest.raises(TracingError, match="thresh > 0"):
        g(Tensor([1.0]))
    # thresh 0 drops nothing, so traced values are fine
    h = gg.jit(lambda v: COOTensor(Tensor([[0, 1]]), v, (3, 4)).add(COOTensor(Tensor([[0, 1]]), v, (3, 4)), 0).values)
    assert h(Tensor([1.5])).tolist() == [3.0]


# -- gradients (float64 against central differences) and traced sparse tensors

def _f64(values):
    return CSRTensor(Tensor(INDPTR, I32), Tensor(COLS, I32), values, (2, 4))


def test_gradients_of_to_dense_and_products():
    w = Tensor(np.arange(8, dtype=np.float64).reshape(2, 4) - 3)
    rng = np.random.default_rng(1)
    v, x, col = rng.standard_normal(3), rng.standard_normal((4, 3)), rng.standard_normal((4, 1))
    check_grads(lambda v: gg.ops.exp(_f64(v).to_dense()) * w, [v])
    check_grads(lambda v, x: gg.ops.tanh(_f64(v).mm(x)), [v, x])
    check_grads(lambda v, x: _f64(v).mv(x) ** 2, [v, col])
    check_grads(lambda v: _f64(v).sum(1) ** 3, [v])
    check_grads(lambda v, d: (_f64(v) * d).values ** 2, [v, rng.standard_normal((2, 4))])
    check_grads(lambda v, d: (_f64(v) / d).values, [v, rng.standard_normal(4) + 3])  # a broadcast row
    ix = Tensor([[0, 1], [1, 2], [0, 1]])
    check_grads(lambda v: gg.ops.sin(COOTensor(ix, v, (3, 4)).to_dense()), [v])
    check_grads(lambda v: COOTensor(ix, v, (3, 4)).coalesce().values ** 2, [v])
    check_grads(lambda v: COOTensor(ix, v, (3, 4)).to_csr().mm(Tensor(np.ones((4, 2)))) ** 2, [v])
    check_grads(lambda v, u: (_f64(v) + _f64(u) * 2).values ** 2, [v, rng.standard_normal(3)])


def test_gradients_match_the_dense_equivalent():
    x = Tensor(np.arange(12, dtype=np.float32).reshape(4, 3))
    dv, dx = gg.grad(lambda v, x: csr(v).mm(x).sum(), (0, 1))(Tensor(VALS), x)
    ddense, dx_dense = gg.grad(lambda a, x: gg.ops.matmul(a, x).sum(), (0, 1))(Tensor(DENSE.astype(np.float32)), x)
    np.testing.assert_allclose(dv.asnumpy(), ddense.asnumpy()[[0, 1, 1], COLS])
    np.testing.assert_allclose(dx.asnumpy(), dx_dense.asnumpy())
    loss, g = gg.value_and_grad(lambda v: csr(v).sum(1).sum())(Tensor(VALS))
    assert float(loss) == 2.0 and g.tolist() == [1, 1, 1]


def test_traced_indptr_and_indices_in_jit():
    x = Tensor(np.arange(12, dtype=np.float32).reshape(4, 3))
    f = gg.jit(lambda p, i, v, x: CSRTensor(p, i, v, (2, 4)).mm(x))
    assert f(Tensor(INDPTR, I32), Tensor(COLS, I32), Tensor(VALS), x).tolist() == [[0, 1, 2], [21, 22, 23]]
    # another pattern, same shapes: the compiled graph reads the new indices (an empty row too)
    out = f(Tensor([0, 0, 3], I32), Tensor([0, 1, 2], I32), Tensor([1.0, 1.0, 1.0]), x)
    assert out.tolist() == [[0, 0, 0], [9, 12, 15]]
    d = gg.jit(lambda p, i, v: CSRTensor(p, i, v, (2, 4)).to_dense())(Tensor(INDPTR), Tensor(COLS), Tensor(VALS))
    np.testing.assert_array_equal(d.asnumpy(), DENSE)
    g = gg.grad(lambda v, p: CSRTensor(p, Tensor(COLS), v, (2, 4)).sum(1)[1, 0])(Tensor(VALS), Tensor(INDPTR))
    assert g.tolist() == [0, 1, 1]


def test_sparse_tensors_as_jit_arguments():
    # their index and value Tensors are graph inputs: another matrix with the same shape and
    # number of stored values runs the same compiled graph
    x = Tensor(np.arange(8, dtype=np.float32).reshape(4, 2))
    mm = gg.jit(lambda a, x: a.mm(x))
    other = CSRTensor(Tensor([0, 1, 3], I32), Tensor([3, 0, 2], I32), Tensor([5.0, 6.0, -1.0]), (2, 4))
    for a in (csr(), other):
        np.testing.assert_array_equal(mm(a, x).asnumpy(), a.to_dense().asnumpy() @ x.asnumpy())
    assert mm.trace_count == 1
    mm(CSRTensor(Tensor([0, 1, 1], I32), Tensor([2], I32), Tensor([4.0]), (2, 4)), x)  # one stored value fewer
    assert mm.trace_count == 2
    coo = COOTensor(Tensor([[0, 1], [2, 3]]), Tensor([1.0, -2.0]), (3, 4))
    np.testing.assert_array_equal(gg.jit(lambda c: c.to_dense())(coo).asnumpy(), coo.to_dense().asnumpy())
