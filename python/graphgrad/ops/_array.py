"""Creation, shapes, joining and splitting, gathering, indexing."""
import builtins

import numpy as np

from .. import _core
from .._tensor import Tensor, as_dtype, bool_, float32, int64
from ._base import _is_number, apply, cast as cast_to, check_tensor, dtype_arg, fill, op, operands, shape_arg


def _int_arg(value, op_name, what):
    """An int argument (a bool is not one)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op_name}: {what} must be an int, got {value!r}")
    return int(value)


def _axis(axis, ndim, op_name, shape, what="axis"):
    """axis in [0, ndim) (counted from the end when negative)."""
    a = _int_arg(axis, op_name, what)
    if not -ndim <= a < ndim:
        raise ValueError(f"{op_name}: {what} {a} is out of range for input of shape {tuple(shape)}")
    return a % ndim

# --- creation


def _fill_op(op_name, shape, dtype, value):
    dims = shape_arg(shape, op_name)
    if any(d < 0 for d in dims):
        raise ValueError(f"{op_name}: shape must not have negative dimensions, got {shape!r}")
    return fill(dims, value, dtype_arg(dtype, op_name, float32))


@op
def ones(shape, dtype=None):
    """A tensor of ones; dtype defaults to float32."""
    return _fill_op("ones", shape, dtype, 1.0)


@op
def zeros(shape, dtype=None):
    """A tensor of zeros; dtype defaults to float32."""
    return _fill_op("zeros", shape, dtype, 0.0)


@op
def full(size, fill_value, *, dtype=None):
    """A tensor of fill_value; dtype from fill_value when not given (bool, int64 or float32)."""
    if not _is_number(fill_value) and not isinstance(fill_value, Tensor):
        raise TypeError(f"full: fill_value must be a number, got {fill_value!r}")
    if dtype is None:
        dtype = bool_ if isinstance(fill_value, bool) else int64 if isinstance(fill_value, int) else float32
    return _fill_op("full", size, dtype, fill_value)


def _fill_like(op_name, input, dtype, value):
    check_tensor(input, op_name, "input")
    if dtype is not None and as_dtype(dtype, f"{op_name}: dtype") is not input.dtype:
        return fill(input.shape, value, as_dtype(dtype))
    if op_name in ("ones_like", "zeros_like"):
        return apply(op_name, [input])  # keeps the link to input: the dump shows what it is shaped like
    return fill(input.shape, value, input.dtype)


@op
def ones_like(input, dtype=None):
    """Ones with input's shape (and dtype, unless given)."""
    return _fill_like("ones_like", input, dtype, 1.0)


@op
def zeros_like(input, dtype=None):
    """Zeros with input's shape (and dtype, unless given)."""
    return _fill_like("zeros_like", input, dtype, 0.0)


@op
def full_like(input, fill_value, *, dtype=None):
    """fill_value with input's shape (and dtype, unless given)."""
    return _fill_like("full_like", input, dtype, fill_value)


@op
def tensor(input_data, dtype=None):
    """A Tensor of input_data (as Tensor(...))."""
    return Tensor(input_data, dtype)


@op
def arange(start=0, end=None, step=1, *, dtype=None):
    """start, start + step, ... below end; int64 for int arguments, else float32."""
    # 0-d tensors count as their values (MindSpore: arange(Tensor(3)) is int64)
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must not be 0")
    ints = builtins.all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    dtype = dtype_arg(dtype, "arange", int64 if ints else float32)
    return Tensor(np.arange(start, end, step).astype(dtype.np), dtype)


@op
def linspace(start, end, steps, *, dtype=None):
    """steps evenly spaced values from start to end, both included."""
    if _int_arg(steps, "linspace", "steps") < 0:
        raise ValueError(f"linspace: steps must be a non-negative int, got {steps!r}")
    dtype = dtype_arg(dtype, "linspace", float32)
    return Tensor(np.linspace(float(start), float(end), steps).astype(dtype.np), dtype)


@op
def eye(n, m=None, dtype=None):
    """The n x m identity matrix."""
    dtype = dtype_arg(dtype, "eye", float32)
    m = n if m is None else m
    for name, v in (("n", n), ("m", m)):
        if _int_arg(v, "eye", name) < 0:
            raise ValueError(f"eye: {name} must not be negative, got {v}")
    return Tensor(np.eye(n, m, dtype=dtype.np), dtype)


@op
def cast(input, dtype):
    """input converted to dtype (numpy's conversions)."""
    check_tensor(input, "cast", "input")
    if dtype is None:  # (numpy's dtype(None) is float64)
        raise TypeError("cast: dtype must be a graphgrad dtype, got None")
    return cast_to(input, as_dtype(dtype, "cast: dtype"))


# --- shapes


def _resolve_shape(shape, numel, op_name):
    dims = shape_arg(shape, op_name)
    unknown = [i for i, d in enumerate(dims) if d == -1]
    if len(unknown) > 1:
        raise ValueError(f"{op_name}: only one dimension can be -1, got {tuple(dims)}")
    if builtins.any(d < -1 for d in dims):
        raise ValueError(f"{op_name}: invalid dimension in {tuple(dims)}")
    if unknown:
        known = int(np.prod([d for d in dims if d != -1]))
        if known == 0 or numel % known:
            raise ValueError(f"{op_name}: cannot infer the -1 in {tuple(dims)} for {numel} elements")
        dims[unknown[0]] = numel // known
    return dims


@op
def reshape(input, shape):
    """The same elements under a new shape (one dimension may be -1)."""
    view = _core.reshape_view(input, shape)  # eagerly, for a shape of plain ints: at once, in C++
    if view is not None:
        return view
    check_tensor(input, "reshape", "input")
    dims = _resolve_shape(shape, input.size, "reshape")
    return input if list(input.shape) == dims else apply("reshape", [input], {"shape": dims})


@op
def flatten(input, start_dim=1, end_dim=-1):
    """Dims start_dim..end_dim merged into one (MindSpore's default keeps the batch dim)."""
    check_tensor(input, "flatten", "input")
    if input.ndim == 0 or (input.ndim == 1 and start_dim == 1):  # (MindSpore: a 1-D input as it is)
        return reshape(input, (-1,))
    s = _axis(start_dim, input.ndim, "flatten", input.shape, "start_dim")
    e = _axis(end_dim, input.ndim, "flatten", input.shape, "end_dim")
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for input of shape "
                         f"{tuple(input.shape)}")
    shape = list(input.shape[:s]) + [-1 if input.size else 0] + list(input.shape[e + 1:])
    return reshape(input, shape)


@op
def broadcast_to(input, shape):
    """input repeated along new or size-1 dims to shape (-1 keeps a dim)."""
    check_tensor(input, "broadcast_to", "input")
    dims = shape_arg(shape, "broadcast_to")
    lead = len(dims) - input.ndim
    if -1 in dims[:lead]:
        raise ValueError(f"broadcast_to: -1 keeps a dim of the input, and the new leading dims of {tuple(dims)} "
                         f"have none (input of shape {tuple(input.shape)})")
    dims = [input.shape[i - lead] if d == -1 and i >= lead else d for i, d in enumerate(dims)]
    return input if list(input.shape) == dims else apply("broadcast_to", [input], {"shape": dims})


def _transpose(input, input_perm, op_name):
    check_tensor(input, op_name, "input")
    perm = input_perm
    if not isinstance(perm, (tuple, list)) or builtins.any(isinstance(p, bool) or not isinstance(p, int) for p in perm):
        raise TypeError(f"{op_name}: the axes must be a tuple of ints, got {input_perm!r}")
    perm = [p % input.ndim if input.ndim else p for p in perm]
    if sorted(perm) != list(range(input.ndim)):
        raise ValueError(f"{op_name}: the axes must be a permutation of 0..{input.ndim - 1} for a tensor of "
                         f"shape {input.shape}, got {input_perm!r}")
    return apply("transpose", [input], {"perm": perm})


@op
def transpose(input, dims):
    """input with its axes permuted: axis i of the result is axis dims[i] of input."""
    return _transpose(input, dims, "transpose")


@op
def permute(input, *dims, axis=None):
    """input with its axes permuted; the dims as a tuple (or axis=) or one by one (x.permute(2, 0, 1),
    as MindSpore's Tensor.permute)."""
    dims = dims if axis is None else (axis,)
    return _transpose(input, tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims,
                      "permute")


@op
def swapaxes(input, axis0, axis1):
    """input with two axes exchanged."""
    check_tensor(input, "swapaxes", "input")
    axis0, axis1 = (_axis(a, input.ndim, "swapaxes", input.shape) for a in (axis0, axis1))
    perm = list(range(input.ndim))
    perm[axis0], perm[axis1] = perm[axis1], perm[axis0]
    return transpose(input, tuple(perm))


def _expand(input, axis, op_name):
    check_tensor(input, op_name, "input")
    shape = list(input.shape)
    shape.insert(_axis(axis, input.ndim + 1, op_name, input.shape), 1)  # (the result's axis)
    return reshape(input, shape)


@op
def expand_dims(input_x, axis):
    """A size-1 dim inserted at axis."""
    return _expand(input_x, axis, "expand_dims")


@op
def unsqueeze(input, dim):
    """A size-1 dim inserted at dim (expand_dims under MindSpore's other name)."""
    return _expand(input, dim, "unsqueeze")


@op
def squeeze(input, axis=None):
    """Size-1 dims removed (all of them, or those in axis; an axis whose dim is not 1 stays, as
    in MindSpore)."""
    check_tensor(input, "squeeze", "input")
    if axis is None:
        axes = [i for i, d in enumerate(input.shape) if d == 1]
    else:
        axes = (axis,) if not isinstance(axis, (tuple, list)) else tuple(axis)
        for a in axes:
            _int_arg(a, "squeeze", "axis")
        if input.ndim == 0 and builtins.all(a in (0, -1) for a in axes):
            return input  # a 0-d tensor's axis 0 (MindSpore); a % 0 raised ZeroDivisionError
        for a in axes:
            if not -input.ndim <= a < input.ndim:
                raise ValueError(f"squeeze: axis {a} is out of range for a {input.ndim}-d tensor")
        axes = [a % input.ndim for a in axes if input.shape[a] == 1]
    return reshape(input, [d for i, d in enumerate(input.shape) if i not in axes])


@op
def concat(tensors, axis=0):
    """The tensors joined along axis."""
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"concat: tensors must be a list or tuple of Tensors, got {type(tensors).__name__}")
    if not tensors:  # (ValueError, as MindSpore's)
        raise ValueError("concat: tensors must not be empty")
    for i, t in enumerate(tensors):
        check_tensor(t, "concat", f"tensors[{i}]")
    axis = _int_arg(axis, "concat", "axis")
    ts, _ = operands("concat", *tensors)
    out, rest = apply("concat", ts[:64], {"axis": axis}), ts[64:]  # the op takes at most 64 operands
    while rest:  # the result so far and the next 63
        out, rest = apply("concat", [out] + rest[:63], {"axis": axis}), rest[63:]
    return out


cat = concat


@op
def stack(tensors, axis=0):
    """The tensors (all of one shape) joined along a new axis."""
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"stack: tensors must be a list or tuple of Tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError("stack: tensors must not be empty")
    for i, t in enumerate(tensors):
        if check_tensor(t, "stack", f"tensors[{i}]").shape != tensors[0].shape:
            raise ValueError(f"stack: tensors must all have one shape, got {tensors[0].shape} (tensors[0]) and "
                             f"{t.shape} (tensors[{i}])")
    axis = _axis(axis, tensors[0].ndim + 1, "stack", tensors[0].shape)  # (the result's axis)
    return concat([_expand(t, axis, "stack") for t in tensors], axis)


def _slice_axis(x, axis, start, count):
    shape = list(x.shape)
    shape[axis] = count
    st = [0] * x.ndim
    st[axis] = start
    if count == x.shape[axis]:
        return x
    return apply("slice", [x], {"start": st, "step": [1] * x.ndim, "shape": shape})


@op
def split(tensor, split_size_or_sections, axis=0):
    """Pieces of tensor along axis: of split_size each (the last may be smaller), or of the
    sizes listed."""
    check_tensor(tensor, "split", "tensor")
    axis = _axis(axis, tensor.ndim, "split", tensor.shape)
    n = tensor.shape[axis]
    if not isinstance(split_size_or_sections, (tuple, list)):
        split_size_or_sections = _int_arg(split_size_or_sections, "split", "split_size_or_sections")
        if split_size_or_sections <= 0:
            raise ValueError(f"split: split_size must be positive, got {split_size_or_sections}")
        sizes = [split_size_or_sections] * (n // split_size_or_sections)
        if n % split_size_or_sections or not n:  # an empty axis: one empty piece (MindSpore, torch)
            sizes.append(n % split_size_or_sections)
    else:
        sizes = [_int_arg(s, "split", "a section") for s in split_size_or_sections]
        if builtins.any(s < 0 for s in sizes):
            raise ValueError(f"split: sections must not be negative, got {sizes}")
        if builtins.sum(sizes) != n:
            raise ValueError(f"split: sections {sizes} do not add up to the axis size {n}")
    out, at = [], 0
    for s in sizes:
        out.append(_slice_axis(tensor, axis, at, s))
        at += s
    return tuple(out)


@op
def chunk(input, chunks, axis=0):
    """input in `chunks` pieces along axis (the last may be smaller)."""
    check_tensor(input, "chunk", "input")
    if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)):
        raise TypeError(f"chunk: chunks must be an int, got {chunks!r}")
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    axis = _axis(axis, input.ndim, "chunk", input.shape)
    n = input.shape[axis]
    return split(input, -(-n // chunks), axis)


@op
def gather(input_params, input_indices, axis, batch_dims=0):
    """input_params' slices at input_indices along axis (numpy's take)."""
    check_tensor(input_params, "gather", "input_params")
    if input_indices is None:
        raise TypeError("gather: input_indices must be a Tensor of int32 or int64, got None")
    axis = _int_arg(axis, "gather", "axis")
    idx = input_indices if isinstance(input_indices, Tensor) else Tensor(input_indices)
    if batch_dims:
        raise NotImplementedError("gather: batch_dims is not supported yet")
    return apply("gather", [input_params, idx], {"axis": axis})


@op
def one_hot(indices, depth, on_value=1, off_value=0, axis=-1):
    """A new axis of size depth: on_value at each index, off_value elsewhere."""
    check_tensor(indices, "one_hot", "indices")
    if indices.dtype.kind != "i":
        raise TypeError(f"one_hot: indices must be int32 or int64, got {indices.dtype}")
    if _int_arg(depth, "one_hot", "depth") < 0:
        raise ValueError(f"one_hot: depth must be a non-negative int, got {depth!r}")
    if not -1 <= _int_arg(axis, "one_hot", "axis") <= indices.ndim:  # (MindSpore's range)
        raise ValueError(f"one_hot: axis must be in [-1, {indices.ndim}] for indices of shape {indices.shape}, "
                         f"got {axis}")
    hot = apply("one_hot", [indices], {"depth": int(depth)})
    on, off = (on_value, off_value)
    from ._math import where
    out = where(hot, on, off) if isinstance(on, Tensor) or isinstance(off, Tensor) else \
        apply("select", [hot, *operands("one_hot", Tensor(on), Tensor(off))[0]])  # (1.0 is float32, 1 int64)
    if axis not in (-1, out.ndim - 1):
        perm = list(range(out.ndim - 1))
        perm.insert(axis % out.ndim, out.ndim - 1)
        out = transpose(out, tuple(perm))
    return out


@op
def tile(input, dims):
    """input repeated dims[i] times along axis i (numpy's tile: the shorter of input's shape and
    dims is padded with leading 1s)."""
    check_tensor(input, "tile", "input")
    if not isinstance(dims, (tuple, list)) or builtins.any(
            isinstance(d, bool) or not isinstance(d, (int, np.integer)) for d in dims):
        raise TypeError(f"tile: dims must be a tuple of ints, got {dims!r}")
    if builtins.any(d < 0 for d in dims):
        raise ValueError(f"tile: dims must not be negative, got {tuple(dims)} for input of shape {input.shape}")
    n = builtins.max(len(dims), input.ndim)
    dims = [1] * (n - len(dims)) + [int(d) for d in dims]
    shape = [1] * (n - input.ndim) + list(input.shape)
    # each axis i as a (dims[i], shape[i]) pair: the copies are a broadcast of a new axis before it
    pairs = reshape(input, [v for d in shape for v in (1, d)])
    out = broadcast_to(pairs, [v for r, d in zip(dims, shape) for v in (r, d)])
    return reshape(out, [r * d for r, d in zip(dims, shape)])


def numel(input):
    """The number of elements, an int."""
    return check_tensor(input, "numel", "input").size


def rank(input_x):
    """The number of dims, an int."""
    return check_tensor(input_x, "rank", "input_x").ndim


# --- indexing


def _dims_taken(k):
    """How many of the indexed tensor's dims an index takes."""
    if k is None or k is Ellipsis:
        return 0
    return k.ndim if isinstance(k, Tensor) and k.dtype is bool_ else 1


def getitem(x, key):
    """x[key] with ints, slices, None, Ellipsis, and integer Tensors / lists / arrays (adjacent
    advanced indices gather jointly). Bool masks work on concrete tensors only."""
    if not isinstance(key, tuple):
        key = (key,)
    # a list, array or tuple inside the key indexes as a tensor of its values (x[(0, 1),] is x[[0, 1]])
    key = [Tensor(np.asarray(k)) if isinstance(k, (list, tuple, np.ndarray)) else k for k in key]
    # A bool mask of concrete values becomes its integer positions.
    expanded = []
    for i, k in enumerate(key):
        if isinstance(k, Tensor) and k.dtype is bool_:
            if k._symbolic_:
                raise TypeError("indexing with a bool mask needs its values (the result's shape depends on "
                                "them); use ops.where inside compiled functions")
            # the dims it covers: counted from the end when an Ellipsis comes before it
            if builtins.any(k2 is Ellipsis for k2 in key[:i]):
                at = x.ndim - builtins.sum(_dims_taken(k2) for k2 in key[i:])
            else:
                at = builtins.sum(_dims_taken(k2) for k2 in key[:i])
            if at < 0 or tuple(x.shape[at:at + k.ndim]) != tuple(k.shape):
                raise IndexError(f"a bool mask of shape {tuple(k.shape)} does not match the indexed tensor's shape "
                                 f"{tuple(x.shape)} at dimension {at}")
            expanded.extend(Tensor(i.astype(np.int64)) for i in np.nonzero(k.asnumpy()))
        else:
            expanded.append(k)
    key = expanded
    n_ellipsis = builtins.sum(k is Ellipsis for k in key)
    if n_ellipsis > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = builtins.sum(k is not None and k is not Ellipsis for k in key)
    if used > x.ndim:
        raise IndexError(f"too many indices for a tensor of dimension {x.ndim}")
    if n_ellipsis:
        i = next(i for i, k in enumerate(key) if k is Ellipsis)
        key = key[:i] + [slice(None)] * (x.ndim - used) + key[i + 1:]
    key = key + [slice(None)] * (x.ndim - used if not n_ellipsis else 0)

    start, step, count, out_shape, dim = [], [], [], [], 0
    advanced = []  # (position in out_shape, dim of x, index tensor)
    # With an index tensor present, numpy counts ints as advanced indices too (x[0, :, idx]).
    any_tensor = builtins.any(isinstance(k, Tensor) for k in key)
    for k in key:
        if k is None:
            out_shape.append(1)
            continue
        size = x.shape[dim]
        if isinstance(k, slice):
            s = range(*k.indices(size))
            start.append(s.start if len(s) else 0)
            step.append(s.step)
            count.append(len(s))
            out_shape.append(len(s))
        elif isinstance(k, Tensor):
            if k.dtype.kind != "i":
                raise IndexError(f"tensor indices must be integers or bool, got {k.dtype}")
            if not k._symbolic_ and k.size:  # (a traced index is checked by the gather it becomes)
                v = k.asnumpy()
                bad = v[(v < -size) | (v >= size)]
                if bad.size:
                    raise IndexError(f"index {int(bad.flat[0])} is out of bounds for dimension {dim} with size {size}")
            start.append(0)
            step.append(1)
            count.append(size)
            advanced.append((len(out_shape), dim, k))
            out_shape.append(size)
        elif isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            i = int(k)
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {size}")
            start.append(i % size)
            step.append(1)
            count.append(1)
            if any_tensor:  # kept as a size-1 dim that a 0-d index 0 picks
                advanced.append((len(out_shape), dim, Tensor(np.array(0, np.int64))))
                out_shape.append(1)
        else:
            raise IndexError(f"only integers, slices, None, Ellipsis and integer tensors are valid indices, "
                             f"got {type(k).__name__}")
        dim += 1
    out = x
    if count != list(x.shape) or builtins.any(st != 1 for st in step):  # x[::-1] keeps the shape, not the order
        out = apply("slice", [x], {"start": start, "step": step, "shape": count})
    out = reshape(out, out_shape)
    if not advanced:
        return out
    positions = [p for p, _, _ in advanced]
    if positions != list(range(positions[0], positions[0] + len(positions))):
        # Separated advanced indices: numpy puts their broadcast dims first.
        rest = [p for p in range(out.ndim) if p not in positions]
        out = transpose(out, tuple(positions + rest))
        positions = list(range(len(positions)))
        advanced = [(p, d, t) for p, (_, d, t) in zip(positions, advanced)]
    # Adjacent index tensors address their dims jointly: one flat index over the merged dims.
    p0, sizes = positions[0], [out.shape[p] for p in positions]
    from ._math import add, mul
    idx = None
    for (p, _, t), size in zip(advanced, sizes):
        t = cast_to(t, int64)
        if len(advanced) > 1:  # one flat index over several dims: each counted from the start
            t = add(t, mul(cast_to(apply("lt", [t, fill([], 0, int64)]), int64), size))
        idx = t if idx is None else add(mul(idx, size), t)
    merged = list(out.shape[:p0]) + [int(np.prod(sizes))] + list(out.shape[p0 + len(sizes):])
    return gather(reshape(out, merged), idx, p0)





# --- state


@op
def assign(variable, value):
    """variable (a Parameter) takes value (cast to its dtype, broadcast to its shape). Eager: at
    once. Inside a compiled function: when the call ends, and only if it succeeds; reads after
    the assign in the function see the new value."""
    from .._tensor import Parameter
    from .._trace import assign as record
    if not isinstance(variable, Parameter):
        raise TypeError(f"assign: variable must be a Parameter, got {type(variable).__name__}")
    (value,), _ = operands("assign", value if isinstance(value, Tensor) else Tensor(np.asarray(value)))
    value = broadcast_to(cast_to(value, variable.dtype), variable.shape)
    return record(variable, value)


__all__ = [n for n in globals() if not n.startswith("_") and n not in (
    "Tensor", "apply", "as_dtype", "bool_", "check_tensor", "dtype_arg", "fill", "float32", "getitem", "int64", "np",
    "op", "operands", "shape_arg", "builtins", "cast_to")]
