"""The small part of ``mindspore.dataset`` that training scripts use: NumpySlicesDataset,
GeneratorDataset and MnistDataset with shuffle and shards, then ``map``, ``shuffle``, ``batch``,
``take``, ``skip``, ``repeat``, ``rename``, ``project`` and the iterators.

A dataset is a recipe: each pass (epoch) over it runs the pipeline again in the calling thread,
row by row, as tuples of numpy arrays; the iterators turn rows into graphgrad Tensors unless
``output_numpy=True``. Shuffling draws a new order every epoch from a Generator taken from the
global seed (``graphgrad.set_seed``) when the dataset is made, so a seeded script repeats itself.
Semantics follow MindSpore 2.7 (tests/test_dataset.py holds what MindSpore printed): Python ints
become int64 and floats float64; a source with ``__getitem__`` and ``__len__`` is shuffled by
default; shards take every num_shards-th sample and the shorter shards wrap around to the start,
so every shard has ceil(n / num_shards) rows; the last short batch is kept unless drop_remainder."""
import math
import os

import numpy as np

from .. import _random
from .._tensor import Tensor

_IGNORED = ("num_parallel_workers", "python_multiprocessing", "max_rowsize", "cache")  # speed only


def _no_other_options(what, kwargs):
    """MindSpore's options that only tune speed are accepted and ignored; any other is refused,
    so that no option changes nothing silently."""
    other = sorted(k for k, v in kwargs.items() if k not in _IGNORED and v is not None)
    if other:
        raise TypeError(f"{what}: graphgrad's dataset does not support {', '.join(other)}")


def _names(column_names, what):
    if isinstance(column_names, str):
        column_names = [column_names]
    if not isinstance(column_names, (list, tuple)) or not all(isinstance(c, str) for c in column_names):
        raise TypeError(f"{what}: column_names must be a str or a list of str, got {column_names!r}")
    if len(set(column_names)) != len(column_names):
        raise ValueError(f"{what}: column_names has duplicates: {list(column_names)}")
    return list(column_names)


_INT32_MAX = 2**31 - 1  # MindSpore's bound on counts and buffer sizes


def _int_arg(what, arg, v, allow_none=False):
    """MindSpore's type check: an int and not a bool (numpy ints are refused too)."""
    if (v is None and allow_none) or (type(v) is int):
        return v
    raise TypeError(f"{what}: {arg} must be an int{' or None' if allow_none else ''}, got {v!r}")


def _column_list(columns, what, arg):
    """A str or a non-empty list of distinct str, as MindSpore's rename and project take (not a tuple)."""
    if isinstance(columns, str):
        columns = [columns]
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise TypeError(f"{what}: {arg} must be a str or a list of str, got {columns!r}")
    if not columns:
        raise ValueError(f"{what}: {arg} must not be empty")
    if len(set(columns)) != len(columns):
        raise ValueError(f"{what}: {arg} has duplicates: {columns}")
    return columns


def _as_row(item, n_columns, what):
    """One sample from user code as a tuple of numpy arrays, one per column."""
    if not isinstance(item, (tuple, list)):
        item = (item,)
    if len(item) != n_columns:
        raise ValueError(f"{what}: a sample has {len(item)} values but there are {n_columns} columns")
    row = []
    for v in item:
        a = np.asarray(v.asnumpy() if isinstance(v, Tensor) else v)
        if a.dtype == object:
            raise TypeError(f"{what}: a sample's value {v!r:.60} is not a number or an array of numbers")
        row.append(a)
    return tuple(row)


class _Iterator:
    """What create_tuple_iterator/create_dict_iterator return: iterating it again starts a new epoch."""

    def __init__(self, dataset, columns, as_dict, output_numpy):
        names = dataset.get_col_names()
        columns = names if columns is None else _names(columns, "create_tuple_iterator")
        missing = [c for c in columns if c not in names]
        if missing:
            raise ValueError(f"create_tuple_iterator: no column {missing[0]!r}; the columns are {names}")
        self._dataset, self._as_dict, self._numpy = dataset, as_dict, output_numpy
        self._pick = [names.index(c) for c in columns]
        self._columns = columns
        self._current = None

    def _epoch(self):
        for row in self._dataset._rows():
            values = [row[i] if self._numpy else Tensor(row[i]) for i in self._pick]
            yield dict(zip(self._columns, values)) if self._as_dict else values

    def __iter__(self):
        self._current = self._epoch()
        return self._current

    def __next__(self):
        if self._current is None:
            self._current = self._epoch()
        return next(self._current)


class Dataset:
    """Base of every dataset: ``_rows()`` yields one epoch of rows (tuples of numpy arrays)."""

    def get_col_names(self):
        return list(self._columns)

    def get_dataset_size(self):
        """The number of rows (batches, after batch) one epoch yields."""
        n = self._size()
        return sum(1 for _ in self._rows()) if n is None else n

    def map(self, operations=None, input_columns=None, output_columns=None, **kwargs):
        """Applies ``operations`` (a callable or a list of them, in order) to ``input_columns``
        (default: the first column); their results replace those columns, renamed to
        ``output_columns`` when given. A tuple result is several columns; anything else, a list
        too, is one column."""
        _no_other_options("map", kwargs)
        return _MapDataset(self, operations, input_columns, output_columns)

    def batch(self, batch_size, drop_remainder=False, **kwargs):
        """Stacks batch_size consecutive rows into one, column by column."""
        _no_other_options("batch", kwargs)
        return _BatchDataset(self, batch_size, drop_remainder)

    def shuffle(self, buffer_size):
        """Shuffles the rows flowing through with a buffer of buffer_size rows (>= 2): each row
        out is drawn at random from the buffer, which the next row in then refills. A buffer as
        large as the dataset shuffles it fully. A new order every epoch; seeded by graphgrad.set_seed."""
        return _ShuffleDataset(self, buffer_size)

    def take(self, count=-1):
        """The first count rows (all of them for -1)."""
        return _TakeDataset(self, count)

    def skip(self, count):
        """All but the first count rows."""
        return _SkipDataset(self, count)

    def repeat(self, count=None):
        """count epochs of this dataset as one; None or -1 repeats forever."""
        return _RepeatDataset(self, count)

    def rename(self, input_columns, output_columns):
        """The columns input_columns renamed to output_columns, in place."""
        return _RenameDataset(self, input_columns, output_columns)

    def project(self, columns):
        """Only the given columns, in the order given."""
        return _ProjectDataset(self, columns)

    def _first_row(self):
        return next(iter(self._rows()), None)

    def output_shapes(self):
        """Each column's shape, as a list, in the first row (MindSpore's default, estimate=False);
        [] for an empty dataset."""
        row = self._first_row()
        return [] if row is None else [list(a.shape) for a in row]

    def output_types(self):
        """Each column's numpy dtype in the first row; [] for an empty dataset."""
        row = self._first_row()
        return [] if row is None else [a.dtype for a in row]

    def create_tuple_iterator(self, columns=None, num_epochs=-1, output_numpy=False, do_copy=True):
        return _Iterator(self, columns, False, output_numpy)

    def create_dict_iterator(self, num_epochs=-1, output_numpy=False, do_copy=True):
        return _Iterator(self, None, True, output_numpy)

    # No __len__ (MindSpore has none): `if dataset:` would run a generator source to count it.
    def __iter__(self):
        return iter(self.create_tuple_iterator())


class _SourceDataset(Dataset):
    """Samples drawn by index (shuffled or not, sharded) or, for a plain iterable, in its order."""

    def __init__(self, what, column_names, count, get, iterate, shuffle, num_samples, num_shards, shard_id):
        self._what, self._columns, self._count, self._get, self._iterate = what, column_names, count, get, iterate
        if shuffle is not None and not isinstance(shuffle, bool):
            raise TypeError(f"{what}: shuffle must be a bool or None, got {shuffle!r}")
        if count is None and (shuffle or num_shards is not None):
            raise ValueError(f"{what}: shuffle and num_shards need a source with __getitem__ and __len__; "
                             "this one can only be iterated")
        self._shuffle = count is not None and shuffle is not False  # None means shuffle, as in MindSpore
        if (num_shards is None) != (shard_id is None):
            raise ValueError(f"{what}: num_shards and shard_id go together, got num_shards={num_shards}, "
                             f"shard_id={shard_id}")
        if num_shards is not None:
            for arg, v in (("num_shards", num_shards), ("shard_id", shard_id)):
                if isinstance(v, bool) or not isinstance(v, int):
                    raise TypeError(f"{what}: {arg} must be an int, got {v!r}")
            if num_shards < 1 or not 0 <= shard_id < num_shards:
                raise ValueError(f"{what}: need num_shards >= 1 and 0 <= shard_id < num_shards, got "
                                 f"num_shards={num_shards}, shard_id={shard_id}")
        _int_arg(what, "num_samples", num_samples, allow_none=True)
        if num_samples is not None and num_samples < 0:
            raise ValueError(f"{what}: num_samples must be a non-negative int or None, got {num_samples!r}")
        # MindSpore reads num_samples=0 as "all of them", as None, for every source.
        self._num_samples = None if num_samples == 0 else num_samples
        self._num_shards, self._shard_id = num_shards, shard_id
        self._rng = _random.dataset_generator(0)

    def _indices(self):
        order = self._rng.permutation(self._count) if self._shuffle else np.arange(self._count)
        if self._num_shards is not None and self._count:
            per_shard = math.ceil(self._count / self._num_shards)
            order = np.resize(order, per_shard * self._num_shards)  # wraps around to the start
            order = order[self._shard_id::self._num_shards]
        return order if self._num_samples is None else order[:self._num_samples]

    def _size(self):
        return None if self._count is None else len(self._indices())

    def _rows(self):
        n = len(self._columns)
        if self._count is None:
            for i, item in enumerate(self._iterate()):
                if self._num_samples is not None and i >= self._num_samples:
                    return
                yield _as_row(item, n, self._what)
        else:
            for i in self._indices():
                yield _as_row(self._get(int(i)), n, self._what)


class NumpySlicesDataset(_SourceDataset):
    """Rows sliced along the first axis of ``data``: a list or array (one column), a tuple (one
    column per element) or a dict (its keys name the columns)."""

    def __init__(self, data, column_names=None, num_samples=None, num_parallel_workers=1, shuffle=None,
                 sampler=None, num_shards=None, shard_id=None):
        what = "NumpySlicesDataset"
        _no_other_options(what, {"sampler": sampler})
        if isinstance(data, dict):
            names, columns = [str(k) for k in data], list(data.values())
        elif isinstance(data, tuple):
            names, columns = None, list(data)
        else:
            names, columns = None, [data]
        columns = [np.asarray(c.asnumpy() if isinstance(c, Tensor) else c) for c in columns]
        for c in columns:
            if c.ndim == 0 or c.dtype == object:
                raise ValueError(f"{what}: each column must be an array of numbers to slice along its first "
                                 f"axis, got {c!r:.60}")
        if len({len(c) for c in columns}) > 1:
            raise ValueError(f"{what}: the columns have different lengths {[len(c) for c in columns]}")
        if column_names is not None:
            names = _names(column_names, what)
        elif names is None:
            names = [f"column_{i}" for i in range(len(columns))]
        if len(names) != len(columns):
            raise ValueError(f"{what}: {len(names)} column_names for {len(columns)} columns")
        self._data = columns
        super().__init__(what, names, len(columns[0]), lambda i: tuple(c[i] for c in columns), None,
                         shuffle, num_samples, num_shards, shard_id)


class GeneratorDataset(_SourceDataset):
    """Rows from ``source``: a random-access object (``__getitem__`` and ``__len__``: shuffled by
    default, can be sharded), an iterable, or a function returning an iterable (called each
    epoch). Each sample is a tuple of arrays, one per column (a single array for one column)."""

    def __init__(self, source, column_names=None, column_types=None, schema=None, num_samples=None,
                 num_parallel_workers=1, shuffle=None, sampler=None, num_shards=None, shard_id=None,
                 python_multiprocessing=True, max_rowsize=None):
        what = "GeneratorDataset"
        _no_other_options(what, {"sampler": sampler, "schema": schema, "column_types": column_types})
        if column_names is None:
            raise ValueError(f"{what}: column_names is required (the names of the values each sample holds)")
        names = _names(column_names, what)
        if hasattr(source, "__getitem__") and hasattr(source, "__len__"):
            super().__init__(what, names, len(source), source.__getitem__, None, shuffle, num_samples,
                             num_shards, shard_id)
        elif hasattr(source, "__iter__"):
            super().__init__(what, names, None, None, lambda: iter(source), shuffle, num_samples,
                             num_shards, shard_id)
        elif callable(source):
            super().__init__(what, names, None, None, lambda: iter(source()), shuffle, num_samples,
                             num_shards, shard_id)
        else:
            raise TypeError(f"{what}: source must be random-access (__getitem__ and __len__), iterable or "
                            f"a function returning an iterable, got {type(source).__name__}")


def _read_idx(path, magic, item_shape, what):
    """The items of one MNIST idx file as uint8, shape (n, *item_shape). The header is big-endian
    uint32s: the magic number, n, then the item dimensions; the uint8 data must fill the rest
    exactly, so that a truncated or foreign file is refused rather than read as garbage."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{what}: no file {path}")
    with open(path, "rb") as f:
        data = f.read()
    header = 4 * (2 + len(item_shape))
    if len(data) < header:
        raise ValueError(f"{what}: {path} is truncated: {len(data)} bytes, shorter than its {header}-byte header")
    found_magic, n, *dims = np.frombuffer(data, ">u4", count=header // 4).tolist()
    if found_magic != magic:
        raise ValueError(f"{what}: {path} has magic number {found_magic}, not {magic}; it is not an MNIST "
                         f"{'image' if item_shape else 'label'} file")
    if tuple(dims) != item_shape:
        raise ValueError(f"{what}: {path} holds items of shape {tuple(dims)}, MNIST's are {item_shape}")
    expected = header + n * math.prod(item_shape)
    if len(data) != expected:
        raise ValueError(f"{what}: {path} has {len(data)} bytes but its header promises {n} items, "
                         f"{expected} bytes; the file is {'truncated' if len(data) < expected else 'too long'}")
    return np.frombuffer(data, np.uint8, offset=header).reshape(n, *item_shape)


class MnistDataset(_SourceDataset):
    """The MNIST idx files in ``dataset_dir``: columns "image" (uint8, (28, 28, 1)) and "label"
    (uint32, ()), as MindSpore gives them. usage is "train", "test" or "all" (None): all puts the
    test files first, as MindSpore 2.7 does (it sorts the file names), and takes whichever of the
    two sets is present. Files are read and checked once, when the dataset is made."""

    _PREFIX = {"test": "t10k", "train": "train"}

    def __init__(self, dataset_dir, usage=None, num_samples=None, num_parallel_workers=None, shuffle=None,
                 sampler=None, num_shards=None, shard_id=None, cache=None):
        what = "MnistDataset"
        _no_other_options(what, {"sampler": sampler})
        usage = "all" if usage is None else usage
        if usage not in ("train", "test", "all"):
            raise ValueError(f"{what}: usage must be 'train', 'test', 'all' or None, got {usage!r}")
        if not os.path.isdir(dataset_dir):
            raise FileNotFoundError(f"{what}: dataset_dir {dataset_dir} is not a directory")
        parts = ["test", "train"] if usage == "all" else [usage]
        files = {u: (os.path.join(dataset_dir, f"{self._PREFIX[u]}-images-idx3-ubyte"),
                     os.path.join(dataset_dir, f"{self._PREFIX[u]}-labels-idx1-ubyte")) for u in parts}
        if usage == "all":
            present = [u for u in parts if any(os.path.exists(f) for f in files[u])]
            parts = present or parts  # neither set there: the error below names the test files
        images, labels = [], []
        for u in parts:
            image_file, label_file = files[u]
            img = _read_idx(image_file, 2051, (28, 28), what)
            lab = _read_idx(label_file, 2049, (), what)
            if len(img) != len(lab):
                raise ValueError(f"{what}: {image_file} has {len(img)} images but {label_file} has "
                                 f"{len(lab)} labels")
            images.append(img)
            labels.append(lab)
        self._images = np.concatenate(images)[..., None]
        self._labels = np.concatenate(labels).astype(np.uint32)

        def get(i):
            # A copy: the file's bytes are read-only, and a transform may write to its input.
            return self._images[i].copy(), self._labels[i].copy()

        super().__init__(what, ["image", "label"], len(self._labels), get, None, shuffle, num_samples,
                         num_shards, shard_id)


class _MapDataset(Dataset):
    def __init__(self, parent, operations, input_columns, output_columns):
        names = parent.get_col_names()
        ops = operations if isinstance(operations, (list, tuple)) else [operations]
        if not ops or not all(callable(op) for op in ops):
            raise TypeError(f"map: operations must be a callable or a list of callables, got {operations!r}")
        inputs = [names[0]] if input_columns is None else _names(input_columns, "map (input_columns)")
        missing = [c for c in inputs if c not in names]
        if missing:
            raise ValueError(f"map: no column {missing[0]!r} to map; the columns are {names}")
        outputs = inputs if output_columns is None else _names(output_columns, "map (output_columns)")
        # The outputs take the place of the first input column; the other input columns go.
        first = names.index(inputs[0])
        kept = [c for c in names if c not in inputs]
        at = sum(1 for c in names[:first] if c not in inputs)
        self._columns = kept[:at] + outputs + kept[at:]
        if len(set(self._columns)) != len(self._columns):
            raise ValueError(f"map: output_columns {outputs} clash with the columns kept, {kept}")
        self._parent, self._ops, self._at = parent, ops, at
        self._in = [names.index(c) for c in inputs]
        self._kept = [names.index(c) for c in kept]
        self._n_out = len(outputs)

    def _size(self):
        return self._parent._size()

    def _rows(self):
        for row in self._parent._rows():
            values = tuple(row[i] for i in self._in)
            for op in self._ops:
                out = op(*values)
                # As MindSpore: a tuple is several columns; anything else, a list too, is one
                # (a list becomes one array, and goes on to the next operation as it is).
                values = out if isinstance(out, tuple) else (out,)
            values = _as_row(values, self._n_out, "map (an operation's results, one per output column)")
            kept = [row[i] for i in self._kept]
            yield tuple(kept[:self._at]) + values + tuple(kept[self._at:])


class _BatchDataset(Dataset):
    def __init__(self, parent, batch_size, drop_remainder):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch: batch_size must be a positive int, got {batch_size!r}")
        if not isinstance(drop_remainder, bool):
            raise TypeError(f"batch: drop_remainder must be a bool, got {drop_remainder!r}")
        self._parent, self._n, self._drop = parent, batch_size, drop_remainder
        self._columns = parent.get_col_names()

    def _size(self):
        n = self._parent._size()
        if n is None:
            return None
        return n // self._n if self._drop else math.ceil(n / self._n)

    def _stack(self, rows):
        out = []
        for j, name in enumerate(self._columns):
            shapes = {r[j].shape for r in rows}
            if len(shapes) > 1:
                raise ValueError(f"batch: column {name!r} has rows of different shapes {sorted(shapes)}; "
                                 "rows in one batch must have the same shape")
            out.append(np.stack([r[j] for r in rows]))
        return tuple(out)

    def _rows(self):
        rows = []
        for row in self._parent._rows():
            rows.append(row)
            if len(rows) == self._n:
                yield self._stack(rows)
                rows = []
        if rows and not self._drop:
            yield self._stack(rows)


class _ShuffleDataset(Dataset):
    def __init__(self, parent, buffer_size):
        _int_arg("shuffle", "buffer_size", buffer_size)
        if not 2 <= buffer_size <= _INT32_MAX:
            raise ValueError(f"shuffle: buffer_size must be in [2, {_INT32_MAX}], got {buffer_size}")
        self._parent, self._n, self._columns = parent, buffer_size, parent.get_col_names()
        self._rng = _random.dataset_generator(1)

    def _size(self):
        return self._parent._size()

    def _pop_random(self, buffer):
        # Swap a random row to the end and pop it: O(1), and the buffer's order does not matter.
        i = int(self._rng.integers(len(buffer)))
        buffer[i], buffer[-1] = buffer[-1], buffer[i]
        return buffer.pop()

    def _rows(self):
        buffer = []
        for row in self._parent._rows():
            buffer.append(row)
            if len(buffer) == self._n:
                yield self._pop_random(buffer)
        while buffer:
            yield self._pop_random(buffer)


class _TakeDataset(Dataset):
    def __init__(self, parent, count):
        _int_arg("take", "count", count)
        if count != -1 and not 0 < count <= _INT32_MAX:
            raise ValueError(f"take: count must be -1 (all) or in (0, {_INT32_MAX}], got {count}")
        self._parent, self._count, self._columns = parent, count, parent.get_col_names()

    def _size(self):
        n = self._parent._size()
        return n if n is None or self._count == -1 else min(n, self._count)

    def _rows(self):
        if self._count == -1:
            yield from self._parent._rows()
            return
        for i, row in enumerate(self._parent._rows()):
            yield row
            if i + 1 == self._count:
                return  # without asking the parent for one row more (it may repeat forever)


class _SkipDataset(Dataset):
    def __init__(self, parent, count):
        _int_arg("skip", "count", count)
        if not 0 <= count <= _INT32_MAX:
            raise ValueError(f"skip: count must be in [0, {_INT32_MAX}], got {count}")
        self._parent, self._count, self._columns = parent, count, parent.get_col_names()

    def _size(self):
        n = self._parent._size()
        return None if n is None else max(0, n - self._count)

    def _rows(self):
        for i, row in enumerate(self._parent._rows()):
            if i >= self._count:
                yield row


class _RepeatDataset(Dataset):
    def __init__(self, parent, count):
        _int_arg("repeat", "count", count, allow_none=True)
        if count is not None and count != -1 and not 0 < count <= _INT32_MAX:
            raise ValueError(f"repeat: count must be None or -1 (forever) or in [1, {_INT32_MAX}], got {count}")
        self._parent, self._columns = parent, parent.get_col_names()
        self._count = None if count == -1 else count

    def _size(self):
        if self._count is None:
            # MindSpore gives one pass's size for an endless repeat (Model.train takes it as the
            # steps per epoch); counting the rows would never end.
            return self._parent.get_dataset_size()
        n = self._parent._size()
        return None if n is None else n * self._count

    def _rows(self):
        done = 0
        while self._count is None or done < self._count:
            yield from self._parent._rows()  # each pass is a new epoch of the parent: reshuffled
            done += 1


class _RenameDataset(Dataset):
    def __init__(self, parent, input_columns, output_columns):
        inputs = _column_list(input_columns, "rename", "input_columns")
        outputs = _column_list(output_columns, "rename", "output_columns")
        if len(inputs) != len(outputs):
            raise ValueError(f"rename: {len(inputs)} input_columns but {len(outputs)} output_columns")
        names = parent.get_col_names()
        missing = [c for c in inputs if c not in names]
        if missing:
            raise ValueError(f"rename: no column {missing[0]!r} to rename; the columns are {names}")
        new = dict(zip(inputs, outputs))
        self._columns = [new.get(c, c) for c in names]
        if len(set(self._columns)) != len(self._columns):
            raise ValueError(f"rename: renaming {inputs} to {outputs} gives duplicate columns {self._columns}")
        self._parent = parent

    def _size(self):
        return self._parent._size()

    def _rows(self):
        return self._parent._rows()


class _ProjectDataset(Dataset):
    def __init__(self, parent, columns):
        columns = _column_list(columns, "project", "columns")
        names = parent.get_col_names()
        missing = [c for c in columns if c not in names]
        if missing:
            raise ValueError(f"project: no column {missing[0]!r}; the columns are {names}")
        self._parent, self._columns = parent, columns
        self._pick = [names.index(c) for c in columns]

    def _size(self):
        return self._parent._size()

    def _rows(self):
        for row in self._parent._rows():
            yield tuple(row[i] for i in self._pick)


from . import config, transforms, vision  # noqa: E402

__all__ = ["Dataset", "NumpySlicesDataset", "GeneratorDataset", "MnistDataset", "config", "transforms", "vision"]
