"""MindSpore's sparse tensors, CSRTensor and COOTensor.

Each holds plain Tensors (its indices and its values) and computes with graphgrad ops (gather,
scatter_add, elementwise), so to_dense, mm, mv, sum, mul and div differentiate with respect to the
values and the dense operand under grad, value_and_grad and jit, also when the sparse tensor is
made inside the traced function. What makes a new sparsity pattern (to_csr, coalesce, add) works
the pattern out with numpy from concrete indices; its values still go through ops.
"""
import numpy as np

from . import ops
from ._errors import type_name
from ._tensor import Tensor, _concrete, as_dtype, float32, float64, int64
from ._trace import apply


# --- arguments

def _tensor_arg(cls, name, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{cls}: {name} must be a Tensor, got {type_name(x)}")
    return x


def _index_arg(cls, name, x, ndim):
    _tensor_arg(cls, name, x)
    if x.dtype.kind != "i":
        raise TypeError(f"{cls}: {name} must be int32 or int64, got {x.dtype}")
    if x.ndim != ndim:
        raise ValueError(f"{cls}: {name} must be a {ndim}-D Tensor, got shape {x.shape}")
    return x


def _shape_arg(cls, shape):
    # (a tuple, as MindSpore wants: a list or a Tensor is refused there too)
    if not isinstance(shape, tuple):
        raise TypeError(f"{cls}: shape must be a tuple of ints, got {type(shape).__name__}")
    for d in shape:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
            raise TypeError(f"{cls}: shape must be a tuple of ints, got {shape!r}")
        if d <= 0:
            raise ValueError(f"{cls}: every dimension of shape must be positive, got {shape}")
    return tuple(int(d) for d in shape)


def _scalar(what, x):
    """alpha, beta, thresh: a Tensor (MindSpore's only form) or a Python number."""
    if isinstance(x, bool) or not isinstance(x, (Tensor, int, float)):
        raise TypeError(f"{what} must be a Tensor or a number, got {type_name(x)}")
    return x


# --- the computations every method shares

def _scatter(values, index, n):
    """Zeros [n, *values.shape[1:]] with values[k] added at index[k] (repeats add up). scatter_add
    computes in float32/float64: ints go through float64 (exact below 2**53), float16 and bool
    through float32 (bool: any of the values)."""
    dtype = values.dtype
    v = values if dtype in (float32, float64) else ops.cast(values, float64 if dtype.kind == "i" else float32)
    out = apply("scatter_add", [v, index], {"axis": 0, "shape": [n, *values.shape[1:]]})
    return out if out.dtype is dtype else ops.cast(out, dtype)


def _dense_at(cls, dense, rows, cols, shape):
    """dense, broadcast to the 2-D `shape`, at the stored positions (rows, cols): a gather from the
    flat dense operand, never a broadcast copy of it."""
    _tensor_arg(cls, "the dense operand", dense)
    if dense.ndim > 2:
        raise ValueError(f"{cls}: a dense operand of shape {dense.shape} cannot broadcast to the sparse "
                         f"shape {shape}")
    d0, d1 = (1,) * (2 - dense.ndim) + tuple(dense.shape)
    if d0 not in (1, shape[0]) or d1 not in (1, shape[1]):
        raise ValueError(f"{cls}: a dense operand of shape {dense.shape} cannot broadcast to the sparse "
                         f"shape {shape}")
    index = Tensor(np.zeros(rows.shape[0], np.int64))
    if d0 != 1:
        index = index + ops.cast(rows, int64) * d1
    if d1 != 1:
        index = index + ops.cast(cols, int64)
    return ops.gather(ops.reshape(dense, (d0 * d1,)), index, 0)


def _numpy(t, what):
    return np.asarray(_concrete(t, what), np.int64)


def _pattern(flat, n_cols, dtype):
    """(rows, cols) of the flat row-major positions, as Tensors of dtype."""
    return Tensor(flat // n_cols, dtype), Tensor(flat % n_cols, dtype)


# --- printing

def _format(t):
    """A Tensor inside a sparse tensor's repr as MindSpore 2.7.2 prints it there (not Tensor's own
    repr): elements apart by a space, an axis over 6 long as 3 ... 3 unless the tensor is 1-D, a
    1-D one 12 floats or 24 ints a line, and "[...]" from 30 elements on."""
    if t._symbolic_:
        return repr(t)
    a = t._numpy()
    head = f"Tensor(shape={list(a.shape)}, dtype={t.dtype}, value="
    lead = "\n" if a.ndim > 1 else ""
    if a.size >= 30:
        return head + "[...])"
    if a.size == 0:
        return head + lead + ")"

    def shown(n):
        return list(range(n)) if a.ndim == 1 or n <= 6 else [0, 1, 2, None, n - 3, n - 2, n - 1]

    def elements(sub):
        if sub.ndim == 0:
            return [sub.item()]
        return [v for i in shown(sub.shape[0]) if i is not None for v in elements(sub[i])]

    kind = a.dtype.kind
    width = max(len(str(v)) for v in elements(a)) if kind in "iu" else 0
    form = "%11.4e" if a.dtype == np.float16 else "%15.8e"

    def text(v):
        return form % v if kind == "f" else "%5s" % v if kind == "b" else str(v).rjust(width)

    def block(sub, depth):
        if sub.ndim > 1:
            rows = ("..." if i is None else block(sub[i], depth + 1) for i in shown(sub.shape[0]))
            return "[" + ("\n" + " " * (depth + 1)).join(rows) + "]"
        items = ["..." if i is None else text(sub[i].item()) for i in shown(sub.shape[0])]
        per_line = 24 if kind in "iu" else 12
        out = ""
        for k, item in enumerate(items):
            out += item + (" " if k < len(items) - 1 else "")
            if (k + 1) % per_line == 0:
                out += "\n "
        return "[" + out + "]"

    return head + lead + block(a, 0) + ")"


# --- the sparse tensors: what both share, then CSRTensor

class _Sparse:
    """What CSRTensor and COOTensor share: their values and shape, and what changes the values
    alone (the pattern stays)."""
    values = property(lambda self: self._values)
    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._values.dtype)
    size = property(lambda self: self._values.size)
    itemsize = property(lambda self: self._values.itemsize)
    ndim = property(lambda self: len(self._shape))

    def __str__(self):
        return repr(self)

    def astype(self, dtype):
        return self._with_values(ops.cast(self._values, as_dtype(dtype, f"{type(self).__name__}.astype: dtype")))

    def abs(self):
        return self._with_values(ops.abs(self._values))

    def __neg__(self):
        return self._with_values(-self._values)

    def _elementwise(self, other, fn, name):
        cls = type(self).__name__
        if isinstance(other, _Sparse):
            raise TypeError(f"{cls} {name} a {type(other).__name__} is not supported")
        if isinstance(other, (list, tuple, np.ndarray)):
            other = Tensor(other)
        if isinstance(other, Tensor) and other.ndim:
            rows, cols = self._positions(name)
            other = _dense_at(cls, other, rows, cols, self._shape)
        return self._with_values(fn(self._values, other))

    def __mul__(self, other):
        """Times a dense Tensor (broadcast to shape) or a number: the same pattern, new values."""
        return self._elementwise(other, lambda v, o: v * o, "mul")

    def __truediv__(self, other):
        """Divided by a dense Tensor (broadcast to shape) or a number: the same pattern, new values."""
        return self._elementwise(other, lambda v, o: v / o, "div")

    __rmul__ = __mul__


class CSRTensor(_Sparse):
    """A sparse matrix in compressed sparse row form: row i's elements are values[indptr[i]:
    indptr[i+1]], in the columns indices[indptr[i]:indptr[i+1]]. values may have more dims than 1:
    then shape is (rows, columns, *values.shape[1:]).
    CSRTensor(indptr, indices, values, shape) or CSRTensor(csr_tensor=other)."""

    def __init__(self, indptr=None, indices=None, values=None, shape=None, csr_tensor=None):
        if csr_tensor is not None:
            if not isinstance(csr_tensor, CSRTensor):
                raise TypeError(f"CSRTensor: csr_tensor must be a CSRTensor, got {type_name(csr_tensor)}")
            if indptr is not None or indices is not None or values is not None or shape is not None:
                raise TypeError("CSRTensor: given csr_tensor, indptr, indices, values and shape must all be None")
            indptr, indices, values, shape = csr_tensor.to_tuple()
        _index_arg("CSRTensor", "indptr", indptr, 1)
        _index_arg("CSRTensor", "indices", indices, 1)
        _tensor_arg("CSRTensor", "values", values)
        shape = _shape_arg("CSRTensor", shape)
        if values.ndim < 1:
            raise ValueError("CSRTensor: values must have at least 1 dim, got a 0-d Tensor")
        if len(shape) != values.ndim + 1:
            raise ValueError(f"CSRTensor: values of shape {values.shape} need a shape of {values.ndim + 1} dims "
                             f"(rows, columns, *values.shape[1:]), got {shape}")
        if shape[2:] != values.shape[1:]:
            raise ValueError(f"CSRTensor: shape[2:] must equal values.shape[1:], got shape {shape} and values "
                             f"of shape {values.shape}")
        if indptr.shape[0] != shape[0] + 1:
            raise ValueError(f"CSRTensor: indptr must have shape[0] + 1 = {shape[0] + 1} elements, got {indptr.shape[0]}")
        if indices.shape[0] != values.shape[0]:
            raise ValueError(f"CSRTensor: indices and values must have one length, got indices of shape "
                             f"{indices.shape} and values of shape {values.shape}")
        # Concrete indices are checked here (MindSpore 2.7.2 takes bad ones and drops or misplaces
        # elements later); traced ones fail in gather's range check when used.
        if not indptr._symbolic_:
            p = indptr._numpy()
            if p[0] != 0 or p[-1] != values.shape[0] or (np.diff(p) < 0).any():
                raise ValueError(f"CSRTensor: indptr must start at 0, never decrease and end at the number of values "
                                 f"({values.shape[0]}), got {p.tolist() if p.size <= 20 else p}")
        if not indices._symbolic_ and indices.shape[0]:
            c = indices._numpy()
            if c.min() < 0 or c.max() >= shape[1]:
                bad = c[(c < 0) | (c >= shape[1])][0]
                raise ValueError(f"CSRTensor: indices must be in [0, {shape[1]}) for shape {shape}, got {bad}")
        self._indptr, self._indices, self._values, self._shape = indptr, indices, values, shape
        self._row_ids = None

    indptr = property(lambda self: self._indptr)
    indices = property(lambda self: self._indices)

    def __repr__(self):
        return (f"CSRTensor(shape={list(self._shape)}, dtype={self.dtype}, indptr={_format(self._indptr)}, "
                f"indices={_format(self._indices)}, values={_format(self._values)})")

    def _rows(self):
        """The row of each stored element (int64)."""
        if self._indptr._symbolic_:  # row k is how many row ends indptr[1:-1] are <= k: nnz x rows compares
            ends = ops.expand_dims(ops.cast(self._indptr[1:-1], int64), 0)
            k = ops.expand_dims(ops.arange(self._values.shape[0], dtype=int64), 1)
            return ops.sum(ops.cast(ends <= k, int64), 1)
        if self._row_ids is None:  # (kept only when concrete: a traced one must not outlive its trace)
            p = self._indptr._numpy().astype(np.int64)
            self._row_ids = Tensor(np.repeat(np.arange(self._shape[0], dtype=np.int64), np.diff(p)))
        return self._row_ids

    def _with_values(self, values):
        return CSRTensor(self._indptr, self._indices, values, self._shape)

    def to_tuple(self):
        """(indptr, indices, values, shape)."""
        return self._indptr, self._indices, self._values, self._shape

    def to_dense(self):
        m, n = self._shape[:2]
        flat = self._rows() * n + ops.cast(self._indices, int64)
        return ops.reshape(_scatter(self._values, flat, m * n), self._shape)

    def to_coo(self):
        if len(self._shape) != 2:
            raise ValueError(f"CSRTensor.to_coo: only a 2-D CSRTensor converts to a COOTensor, got shape {self._shape}")
        rows = ops.cast(self._rows(), self._indices.dtype)
        return COOTensor(ops.stack([rows, self._indices], 1), self._values, self._shape)

    def _matrix(self, what):
        if len(self._shape) != 2:
            raise ValueError(f"CSRTensor.{what}: only a 2-D CSRTensor, got shape {self._shape}")

    def mm(self, matrix):
        """self @ matrix for a dense 2-D matrix: a dense [rows, matrix.shape[1]]."""
        self._matrix("mm")
        if isinstance(matrix, CSRTensor):
            raise TypeError("CSRTensor.mm: a CSRTensor operand is not supported (MindSpore 2.7.2 fails on the CPU "
                            "too); use matrix.to_dense()")
        _tensor_arg("CSRTensor.mm", "matrix", matrix)
        if matrix.ndim != 2 or matrix.shape[0] != self._shape[1]:
            raise ValueError(f"CSRTensor.mm: matrix must be 2-D with shape[0] = {self._shape[1]} (the CSRTensor's "
                             f"shape {self._shape}), got shape {matrix.shape}")
        products = ops.expand_dims(self._values, 1) * ops.gather(matrix, self._indices, 0)
        return _scatter(products, self._rows(), self._shape[0])

    def mv(self, dense_vector):
        """self @ dense_vector for a column (shape (columns, 1), as MindSpore's): a dense [rows, 1]."""
        self._matrix("mv")
        _tensor_arg("CSRTensor.mv", "dense_vector", dense_vector)
        if dense_vector.shape != (self._shape[1], 1):
            raise ValueError(f"CSRTensor.mv: dense_vector must have shape ({self._shape[1]}, 1) for a CSRTensor of "
                             f"shape {self._shape}, got {dense_vector.shape}")
        return self.mm(dense_vector)

    def sum(self, axis):
        """The sum of each row, a dense [rows, 1] (MindSpore sums along axis 1 only)."""
        self._matrix("sum")
        if isinstance(axis, bool) or axis not in (1, -1):
            raise ValueError(f"CSRTensor.sum: axis must be 1 or -1, got {axis!r}")
        return ops.reshape(_scatter(self._values, self._rows(), self._shape[0]), (self._shape[0], 1))

    def _positions(self, what):
        self._matrix(what)
        return self._rows(), self._indices

    def add(self, b, alpha, beta):
        """alpha * self + beta * b for a CSRTensor b of the same shape; the result holds the union of
        both patterns, each row's columns in order (the pattern needs concrete indices)."""
        self._matrix("add")
        if not isinstance(b, CSRTensor):
            raise TypeError(f"CSRTensor.add: b must be a CSRTensor, got {type_name(b)}")
        if b.shape != self._shape:
            raise ValueError(f"CSRTensor.add: the shapes must match, got {self._shape} and {b.shape}")
        m, n = self._shape
        flats = [_numpy(t._rows(), "CSRTensor.add") * n + _numpy(t._indices, "CSRTensor.add") for t in (self, b)]
        union = np.unique(np.concatenate(flats))
        scales = _scalar("CSRTensor.add: alpha", alpha), _scalar("CSRTensor.add: beta", beta)
        values = [_scatter(s * t._values, Tensor(np.searchsorted(union, f)), union.size)
                  for s, t, f in zip(scales, (self, b), flats)]
        indptr = np.searchsorted(union // n, np.arange(m + 1))
        dtype = self._indices.dtype
        return CSRTensor(Tensor(indptr, dtype), Tensor(union % n, dtype), values[0] + values[1], self._shape)

    def __add__(self, other):
        if not isinstance(other, CSRTensor):
            raise TypeError(f"CSRTensor + {type_name(other)} is not supported (only CSRTensor + CSRTensor)")
        return self.add(other, 1, 1)

    def __sub__(self, other):
        if not isinstance(other, CSRTensor):
            raise TypeError(f"CSRTensor - {type_name(other)} is not supported (only CSRTensor - CSRTensor)")
        return self.add(other, 1, -1)


# --- COOTensor

class COOTensor(_Sparse):
    """A sparse matrix as coordinates: values[k] is at row indices[k, 0], column indices[k, 1].
    COOTensor(indices, values, shape) or COOTensor(coo_tensor=other)."""

    def __init__(self, indices=None, values=None, shape=None, coo_tensor=None):
        if coo_tensor is not None:
            if not isinstance(coo_tensor, COOTensor):
                raise TypeError(f"COOTensor: coo_tensor must be a COOTensor, got {type_name(coo_tensor)}")
            if indices is not None or values is not None or shape is not None:
                raise TypeError("COOTensor: given coo_tensor, indices, values and shape must all be None")
            indices, values, shape = coo_tensor.to_tuple()
        _index_arg("COOTensor", "indices", indices, 2)
        _tensor_arg("COOTensor", "values", values)
        shape = _shape_arg("COOTensor", shape)
        if len(shape) != 2:
            raise ValueError(f"COOTensor: shape must have 2 dims, got {shape}")
        if values.ndim != 1:
            raise ValueError(f"COOTensor: values must be a 1-D Tensor, got shape {values.shape}")
        if indices.shape[1] != 2:
            raise ValueError(f"COOTensor: indices must have shape (n, 2) for shape {shape}, got {indices.shape}")
        if indices.shape[0] != values.shape[0]:
            raise ValueError(f"COOTensor: indices and values must have one length, got indices of shape "
                             f"{indices.shape} and values of shape {values.shape}")
        if not indices._symbolic_ and indices.shape[0]:  # (as CSRTensor's check)
            ix = indices._numpy()
            bad = (ix < 0) | (ix >= np.array(shape))
            if bad.any():
                k = int(np.argwhere(bad.any(1))[0, 0])
                raise ValueError(f"COOTensor: indices[{k}] = {ix[k].tolist()} is out of range for shape {shape}")
        self._indices, self._values, self._shape = indices, values, shape

    indices = property(lambda self: self._indices)

    def __repr__(self):
        return (f"COOTensor(shape={list(self._shape)}, dtype={self.dtype}, indices={_format(self._indices)}, "
                f"values={_format(self._values)})")

    def _with_values(self, values):
        return COOTensor(self._indices, values, self._shape)

    def to_tuple(self):
        """(indices, values, shape)."""
        return self._indices, self._values, self._shape

    def _flat(self):
        ix = ops.cast(self._indices, int64)
        return ix[:, 0] * self._shape[1] + ix[:, 1]

    def to_dense(self):
        """The dense matrix; repeated indices add up."""
        return ops.reshape(_scatter(self._values, self._flat(), self._shape[0] * self._shape[1]), self._shape)

    def to_csr(self):
        """The same elements ordered by row (stable: within a row in their order here, repeats kept,
        as MindSpore's). The order needs concrete indices."""
        ix = _numpy(self._indices, "COOTensor.to_csr")
        order = np.argsort(ix[:, 0], kind="stable")
        indptr = np.searchsorted(ix[order, 0], np.arange(self._shape[0] + 1))
        dtype = self._indices.dtype
        return CSRTensor(Tensor(indptr, dtype), Tensor(ix[order, 1], dtype),
                         ops.gather(self._values, Tensor(order), 0), self._shape)

    def _union(self, others, what):
        """The sorted distinct positions of self's and others' elements and, per tensor, its values
        summed into them."""
        flats = []
        for t in (self, *others):
            ix = _numpy(t._indices, what)
            flats.append(ix[:, 0] * self._shape[1] + ix[:, 1])
        union = np.unique(np.concatenate(flats))
        sums = [_scatter(t._values, Tensor(np.searchsorted(union, f)), union.size)
                for t, f in zip((self, *others), flats)]
        return union, flats, sums

    def coalesce(self):
        """Each position once, repeats summed, in row-major order (needs concrete indices)."""
        union, _, (values,) = self._union((), "COOTensor.coalesce")
        rows, cols = _pattern(union, self._shape[1], self._indices.dtype)
        return COOTensor(ops.stack([rows, cols], 1), values, self._shape)

    def add(self, other, thresh):
        """self + other, a COOTensor of the positions of both in row-major order with int64
        indices. A position both hold is dropped when its sum's magnitude is below thresh (as
        MindSpore's SparseAdd; a position only one holds is kept). Needs concrete indices, and
        concrete values when thresh > 0."""
        if not isinstance(other, COOTensor):
            raise TypeError(f"COOTensor.add: other must be a COOTensor, got {type_name(other)}")
        if other.shape != self._shape:
            raise ValueError(f"COOTensor.add: the shapes must match, got {self._shape} and {other.shape}")
        thresh = _scalar("COOTensor.add: thresh", thresh)
        union, flats, (a, b) = self._union((other,), "COOTensor.add")
        values = a + b
        limit = float(_concrete(thresh, "COOTensor.add's thresh")) if isinstance(thresh, Tensor) else thresh
        both = np.isin(union, flats[0]) & np.isin(union, flats[1])
        if limit > 0 and both.any():
            small = np.abs(np.asarray(_concrete(values, "COOTensor.add with thresh > 0"), np.float64)) < limit
            keep = np.flatnonzero(~(both & small))
            union, values = union[keep], ops.gather(values, Tensor(keep), 0)
        rows, cols = _pattern(union, self._shape[1], int64)
        return COOTensor(ops.stack([rows, cols], 1), values, self._shape)

    def __add__(self, other):
        """+ a COOTensor: add(other, 0); + a dense Tensor: a dense Tensor."""
        if isinstance(other, COOTensor):
            return self.add(other, 0)
        if isinstance(other, Tensor):
            return self.to_dense() + other
        raise TypeError(f"COOTensor + {type_name(other)} is not supported (a COOTensor or a Tensor)")

    def __sub__(self, other):
        if isinstance(other, COOTensor):
            return self.add(-other, 0)
        if isinstance(other, Tensor):
            return self.to_dense() - other
        raise TypeError(f"COOTensor - {type_name(other)} is not supported (a COOTensor or a Tensor)")

    def _positions(self, what):
        return self._indices[:, 0], self._indices[:, 1]


CSRTensor.__module__ = COOTensor.__module__ = "graphgrad"
