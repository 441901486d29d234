"""MindSpore's MindIR model files (``.mindir``): ``export`` writes a network's inference graph,
``load`` reads one (written by MindSpore 2.x or by graphgrad) and ``nn.GraphCell`` runs it.

A MindIR file is one protobuf ``ModelProto``: a graph of nodes, each a primitive (``MatMul``,
``Add``, ...) applied to named values: the graph's inputs, its parameters (raw little-endian
data), constants and other nodes' outputs. The messages are built from _SCHEMA (the fields
graphgrad reads and writes; numbers as in MindSpore's mind_ir.proto).

- export traces ``net.construct`` on the example inputs, as ``jit`` does, and writes each op of
  the traced graph as the primitive MindSpore 2.7 has for it. The file is specialized to the
  inputs' shapes and dtypes (a reshape keeps its traced shape), as a compiled signature is.
- load reads the file whole and checks it; GraphCell evaluates its nodes with graphgrad's ops, so
  a loaded model runs eagerly, under ``jit`` and under ``grad`` (its parameters are the Cell's
  Parameters, named as MindSpore names them, and train like any others). A primitive graphgrad
  does not know is an error naming it, raised by load, before anything runs.
"""
import os

import numpy as np

from .. import ops
from .._tensor import Parameter, Tensor, _DTYPES
from ..nn.cell import Cell
from ._proto import message_classes

_SCHEMA = {
    "ModelProto": [("ir_version", 1, "optional", "string"), ("producer_name", 2, "optional", "string"),
                   ("model_version", 5, "optional", "string"), ("graph", 7, "optional", "GraphProto"),
                   ("functions", 8, "repeated", "GraphProto"), ("little_endian", 10, "optional", "bool"),
                   ("primitives", 12, "repeated", "PrimitiveProto"), ("mind_ir_version", 13, "optional", "int64")],
    "GraphProto": [("node", 1, "repeated", "NodeProto"), ("name", 2, "optional", "string"),
                   ("parameter", 3, "repeated", "TensorProto"), ("input", 5, "repeated", "ValueInfoProto"),
                   ("output", 6, "repeated", "ValueInfoProto")],
    "NodeProto": [("input", 1, "repeated", "string"), ("output", 2, "repeated", "string"),
                  ("name", 3, "optional", "string"), ("op_type", 4, "optional", "string"),
                  ("attribute", 5, "repeated", "AttributeProto"), ("domain", 7, "optional", "string")],
    "AttributeProto": [("name", 1, "optional", "string"), ("f", 2, "optional", "float"), ("i", 3, "optional", "int64"),
                       ("d", 4, "optional", "double"), ("s", 5, "optional", "bytes"),
                       ("floats", 8, "repeated", "float"), ("doubles", 9, "repeated", "double"),
                       ("ints", 10, "repeated", "int64"), ("tensors", 12, "repeated", "TensorProto"),
                       ("type", 16, "optional", "int32"), ("values", 17, "repeated", "AttributeProto"),
                       ("seq_info", 18, "optional", "SeqInfoProto")],
    "SeqInfoProto": [("is_dyn_len", 1, "optional", "bool")],
    "ValueInfoProto": [("name", 1, "optional", "string"), ("tensor", 2, "repeated", "TensorProto"),
                       ("denotation", 4, "optional", "string"), ("attr_info", 5, "optional", "AttributeProto")],
    "TensorProto": [("dims", 1, "repeated", "int64"), ("data_type", 2, "optional", "int32"),
                    ("float_data", 3, "repeated", "float"), ("int32_data", 4, "repeated", "int32"),
                    ("int64_data", 6, "repeated", "int64"), ("name", 7, "optional", "string"),
                    ("raw_data", 9, "optional", "bytes"), ("double_data", 10, "repeated", "double"),
                    ("external_data", 12, "optional", "ExternalDataProto"), ("ref_key", 13, "optional", "string"),
                    ("compression_type", 16, "optional", "int32")],
    "ExternalDataProto": [("location", 1, "optional", "string")],
    "PrimitiveProto": [("name", 1, "optional", "string"), ("op_type", 2, "optional", "string"),
                       ("attribute", 3, "repeated", "AttributeProto"), ("instance_name", 4, "optional", "string"),
                       ("prim_type", 5, "optional", "int32")],
}
_MESSAGES = None


def _messages():
    global _MESSAGES
    if _MESSAGES is None:
        _MESSAGES = message_classes("mindir", _SCHEMA)
    return _MESSAGES


# AttributeProto.type values, and TensorProto.data_type's numpy types (float64 has two codes).
FLOAT, INT32, INT64, STRING, BOOL, DOUBLE, TENSORS, TUPLE, LIST, UMONAD, IOMONAD, NONE = 1, 6, 7, 8, 9, 11, 19, 20, 21, 23, 24, 25
_NP_OF_CODE = {1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32, 7: np.int64, 9: np.bool_,
               10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64, 17: np.float64}
_CODE_OF_NP = {np.dtype(t): c for c, t in _NP_OF_CODE.items() if c != 17}
# MindSpore's TypeId numbers, as Cast and Argmax take a dtype.
_TYPE_ID = {"Bool": 30, "Int32": 34, "Int64": 35, "Float16": 42, "Float32": 43, "Float64": 44}
_DTYPE_OF_TYPE_ID = {i: d for d in _DTYPES for n, i in _TYPE_ID.items() if d.name == n}


class _Monad:
    """MindSpore's U/IO monads: ordering tokens for side effects, nothing to compute here."""


_MONAD = _Monad()


# ---------------------------------------------------------------------------------------------
# Values <-> AttributeProto / TensorProto

def _tensor_proto(T, a, name=""):
    a = np.asarray(a)  # (not ascontiguousarray: it makes a 0-d array 1-d; tobytes() is row-major anyway)
    code = _CODE_OF_NP.get(a.dtype)
    if code is None:
        raise TypeError(f"export: MindIR has no data type for {a.dtype}")
    return T(dims=a.shape, data_type=code, raw_data=a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes(),
             name=name)


def _array_of(t, what):
    """A TensorProto's contents as a numpy array, checked against its dims."""
    np_type = _NP_OF_CODE.get(t.data_type)
    if np_type is None:
        raise ValueError(f"{what}: data type {t.data_type} is not one graphgrad reads")
    if t.HasField("external_data") or t.compression_type:
        raise ValueError(f"{what}: the data is stored outside the file or compressed, which graphgrad does not read")
    shape = tuple(t.dims)
    if t.raw_data or not (t.float_data or t.int32_data or t.int64_data or t.double_data):
        dt = np.dtype(np_type).newbyteorder("<")
        if len(t.raw_data) != int(np.prod(shape)) * dt.itemsize:
            raise ValueError(f"{what}: {len(t.raw_data)} bytes of data for shape {list(shape)} of {np.dtype(np_type)}")
        return np.frombuffer(t.raw_data, dt).astype(np_type).reshape(shape)
    data = t.float_data or t.int32_data or t.int64_data or t.double_data
    return np.array(data, np_type).reshape(shape)


def _attr(A, value, name="value"):
    """value as MindSpore writes a constant: bool, int, float, str, None, a tuple/list of them, an array."""
    T = _messages()["TensorProto"]
    if isinstance(value, (bool, np.bool_)):
        return A(name=name, i=int(value), type=BOOL)
    if isinstance(value, (int, np.integer)):
        return A(name=name, i=int(value), type=INT64)
    if isinstance(value, (float, np.floating)):
        return A(name=name, f=float(value), type=FLOAT)
    if isinstance(value, str):
        return A(name=name, s=value.encode(), type=STRING)
    if value is None:
        return A(name=name, type=NONE)
    if isinstance(value, (tuple, list)):
        a = A(name=name, type=TUPLE if isinstance(value, tuple) else LIST)
        for v in value:  # scalars of a sequence go in the repeated fields, as MindSpore writes them
            if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
                a.values.add(ints=[int(v)], type=INT64)
            else:
                a.values.append(_attr(A, v, ""))
        a.seq_info.is_dyn_len = False
        return a
    return A(name=name, tensors=[_tensor_proto(T, np.asarray(value), "value0")], type=TENSORS)


def _value_of(a, what):
    """A Constant node's value (or a primitive's attribute) as Python: Tensor for a tensor."""
    t = a.type
    if t == BOOL:
        return bool(a.i)
    if t in (INT64, INT32):
        return int(a.ints[0]) if a.ints and not a.HasField("i") else int(a.i)
    if t == FLOAT:
        return float(a.floats[0]) if a.floats and not a.HasField("f") else float(a.f)
    if t == DOUBLE:
        return float(a.d)
    if t == STRING:
        return a.s.decode()
    if t == NONE:
        return None
    if t in (UMONAD, IOMONAD):
        return _MONAD
    if t in (TUPLE, LIST):
        items = [_value_of(v, what) for v in a.values]
        return tuple(items) if t == TUPLE else items
    if t == TENSORS and len(a.tensors) == 1:
        return Tensor(_array_of(a.tensors[0], what))
    raise ValueError(f"{what}: a constant of attribute type {t}, which graphgrad does not read")


# ---------------------------------------------------------------------------------------------
# load: MindIR primitives as graphgrad ops. Each takes the node's inputs and the primitive's
# attributes (MindSpore 2.x passes most arguments as inputs; older primitives as attributes).

def _axes(axis):
    return None if axis is None or axis == () or axis == [] else tuple(axis) if isinstance(axis, (tuple, list)) else axis


def _batch_norm(x, scale, bias, mean, variance, is_training=False, epsilon=1e-5, momentum=0.1, data_format=0):
    if is_training:
        raise NotImplementedError("BatchNorm in training mode (export the network after set_train(False))")
    shape = (-1,) + (1,) * (x.ndim - 2) if data_format != 1 else (-1,)
    y = (x - mean.reshape(shape)) * ops.rsqrt(variance.reshape(shape) + epsilon) * scale.reshape(shape)
    return y + bias.reshape(shape), mean, variance, mean, variance


def _strided_slice(x, begin, end, strides, begin_mask=0, end_mask=0, ellipsis_mask=0, new_axis_mask=0,
                   shrink_axis_mask=0):
    if ellipsis_mask or new_axis_mask:
        raise NotImplementedError("StridedSlice with an ellipsis or a new axis")
    index = []
    for d, (b, e, s) in enumerate(zip(begin, end, strides)):
        if shrink_axis_mask >> d & 1:
            index.append(b)
        else:
            index.append(slice(None if begin_mask >> d & 1 else b, None if end_mask >> d & 1 else e, s))
    return x[tuple(index)]


def _dtype(type_id):
    d = _DTYPE_OF_TYPE_ID.get(type_id)
    if d is None:
        raise ValueError(f"MindSpore type id {type_id} is not a dtype graphgrad has")
    return d


def _cast_to(y, dtype):
    return y if dtype is None else ops.cast(y, _dtype(dtype))


def _sum_ext(x, axis=None, keep_dims=False, dtype=None):  # Tensor.sum's primitive: None is every axis
    return _cast_to(ops.sum(x, _axes(axis), keep_dims), dtype)


def _primitive(cls, n_init):
    """MindSpore 2.x's form of a primitive with init arguments: one node whose inputs are the
    call's n_init arguments, then the init arguments; run as graphgrad's cls(*init)(*call)."""
    return lambda *a: cls(*a[n_init:])(*a[:n_init])


def _tensor_or(x, like):
    return x if isinstance(x, Tensor) else Tensor(x, like.dtype)


# op_type -> f(*inputs, **primitive attributes it takes)
_LOAD = {
    # MindSpore's graph plumbing: parameter loads and side-effect ordering.
    "Load": lambda x, u=None: x, "UpdateState": lambda *a: _MONAD, "Depend": lambda x, *a: x,
    "MakeTuple": lambda *a: tuple(a), "make_tuple": lambda *a: tuple(a), "make_list": lambda *a: list(a),
    "TupleGetItem": lambda t, i: t[i], "tuple_getitem": lambda t, i: t[i], "list_getitem": lambda t, i: t[i],
    "StopGradient": ops.stop_gradient, "Identity": lambda x: x,
    # Arithmetic (a scalar operand becomes a tensor of the other's dtype, as MindSpore's are).
    "Add": ops.add, "Sub": ops.sub, "Mul": ops.mul, "Div": ops.div, "RealDiv": ops.div, "Pow": ops.pow,
    "Muls": lambda x, y: x * _tensor_or(y, x), "AddExt": lambda x, y, alpha=1: x + y * alpha,
    "SubExt": lambda x, y, alpha=1: x - y * alpha, "Maximum": ops.maximum, "Minimum": ops.minimum,
    "FloorDiv": ops.floor_divide, "FloorMod": ops.remainder,
    "Neg": ops.neg, "Abs": ops.abs, "Exp": ops.exp, "Log": ops.log, "Sqrt": ops.sqrt, "Rsqrt": ops.rsqrt,
    "Square": ops.square, "Reciprocal": ops.reciprocal, "Sin": ops.sin, "Cos": ops.cos, "Tanh": ops.tanh,
    "Sigmoid": ops.sigmoid, "ReLU": ops.relu, "Erf": ops.erf, "Sign": ops.sign, "Log1p": ops.log1p,
    "Expm1": ops.expm1, "Softplus": ops.softplus, "Floor": ops.floor, "Ceil": ops.ceil, "Atan": ops.atan,
    "GeLU": lambda x: ops.gelu(x, approximate="tanh"),
    "Equal": ops.equal, "NotEqual": ops.ne, "Less": ops.less, "LessEqual": ops.le, "Greater": ops.greater,
    "GreaterEqual": ops.ge, "LogicalAnd": ops.logical_and, "LogicalOr": ops.logical_or,
    "LogicalNot": ops.logical_not, "Select": ops.where,
    "Cast": lambda x, dtype: ops.cast(x, _dtype(dtype)),
    # Products.
    "MatMul": _primitive(ops.MatMul, 2), "BatchMatMul": _primitive(ops.BatchMatMul, 2), "MatMulExt": ops.matmul,
    "BiasAdd": lambda x, b, data_format=0: _BIAS_ADD[data_format](x, b),
    "Dense": lambda x, w, b=None: ops.matmul(x, w.swapaxes(-1, -2)) + (0 if b is None else b),
    # Shapes.
    "Reshape": lambda x, shape: ops.reshape(x, tuple(shape)), "Flatten": lambda x: x.reshape(x.shape[0], -1),
    "Transpose": lambda x, perm: ops.transpose(x, tuple(perm)), "ExpandDims": ops.expand_dims,
    "Squeeze": _primitive(ops.Squeeze, 1), "BroadcastTo": lambda x, shape: ops.broadcast_to(x, tuple(shape)),
    "Tile": lambda x, dims: ops.tile(x, tuple(dims)), "Concat": _primitive(ops.Concat, 1),
    "Stack": lambda xs, axis=0, **_: ops.Stack(axis)(xs), "Split": _primitive(ops.Split, 1),
    "Gather": _primitive(ops.Gather, 3),
    "StridedSlice": _strided_slice, "OneHot": _primitive(ops.OneHot, 4),
    # Reductions (axis () is every axis) and normalizations.
    "SumExt": _sum_ext, "ReduceSum": _primitive(ops.ReduceSum, 2), "ReduceMean": _primitive(ops.ReduceMean, 2),
    "MeanExt": lambda x, axis=None, keep_dims=False, dtype=None: _cast_to(ops.mean(x, _axes(axis), keep_dims), dtype),
    "ReduceMax": _primitive(ops.ReduceMax, 2), "ReduceMin": _primitive(ops.ReduceMin, 2),
    "ReduceProd": _primitive(ops.ReduceProd, 2),
    "ProdExt": lambda x, axis=None, keep_dims=False, dtype=None: ops.prod(x, _axes(axis), keep_dims),
    "ArgMaxWithValue": _primitive(ops.ArgMaxWithValue, 1), "ArgMinWithValue": _primitive(ops.ArgMinWithValue, 1),
    "Argmax": lambda x, axis=-1, dtype=35: ops.Argmax(axis, _dtype(dtype))(x),
    "Argmin": lambda x, axis=-1, dtype=35: ops.Argmin(axis, _dtype(dtype))(x),
    "Softmax": _primitive(ops.Softmax, 1), "LogSoftmax": _primitive(ops.LogSoftmax, 1),
    "LayerNorm": _primitive(ops.LayerNorm, 3), "BatchNorm": _batch_norm,
    # Convolutions and pooling (MindSpore 2.7's Conv2D and MaxPool keep their arguments as attributes;
    # Conv2D's pad_list is the padding it worked out for any pad_mode).
    "Conv2D": lambda x, w, stride=1, pad_list=0, dilation=1, group=1, format="NCHW", mode=1: ops.Conv2D(
        w.shape[0], tuple(w.shape[2:]), mode, "pad", tuple(pad_list), stride, dilation, group, format)(x, w),
    "MaxPool": lambda x, kernel_size=1, strides=1, pad_mode="VALID", format="NCHW": ops.MaxPool(
        kernel_size, strides, pad_mode, format)(x),
    "AvgPool": lambda x, kernel_size, strides, pad_mode, data_format=0: ops.AvgPool(  # PadMode: SAME 1, VALID 2
        kernel_size, strides, "SAME" if pad_mode == 1 else "VALID", "NCHW" if data_format == 0 else data_format)(x),
}
_BIAS_ADD = {0: ops.BiasAdd("NCHW"), 1: ops.BiasAdd("NHWC"), 14: ops.BiasAdd("NCDHW")}  # by MindSpore's Format number
# Primitive attributes a loader passes on (the rest, such as input_names, describe the primitive).
_PRIM_ATTRS = {"Stack": ("axis",), "Conv2D": ("stride", "pad_list", "dilation", "group", "format", "mode"),
               "MaxPool": ("kernel_size", "strides", "pad_mode", "format")}


class MindIRGraph:
    """A loaded MindIR graph: what ``graphgrad.load`` returns and ``nn.GraphCell`` runs.

    inputs: [(name, shape, dtype)]; parameters: {name: numpy array}, by MindSpore's parameter
    names ('1.weight'); parameter_values: {the graph's name for a parameter: its name};
    outputs: the names of the graph's results; nodes: [(output name, primitive, input names,
    primitive attributes)] in order; constants: {name: value}."""

    def __init__(self, file_name, inputs, parameters, parameter_values, constants, nodes, outputs):
        self.file_name = file_name
        self.inputs, self.parameters, self.parameter_values = inputs, parameters, parameter_values
        self.constants, self.nodes, self.outputs = constants, nodes, outputs

    def __repr__(self):
        ins = ", ".join(f"{n}: {d.name}{list(s)}" for n, s, d in self.inputs)
        return f"MindIRGraph({os.path.basename(self.file_name)!r}, inputs=({ins}), {len(self.nodes)} nodes, " \
               f"{len(self.parameters)} parameters)"

    def run(self, args, params):
        """The graph's result for input Tensors `args`, parameter values `params` (by name)."""
        values = dict(zip((n for n, _, _ in self.inputs), args))
        values.update(self.constants)
        values.update((v, params[p]) for v, p in self.parameter_values.items())
        for out, prim, inputs, attrs in self.nodes:
            try:
                values[out] = _LOAD[prim](*(values[i] for i in inputs), **attrs)
            except (TypeError, ValueError, IndexError, NotImplementedError) as e:
                raise type(e)(f"{os.path.basename(self.file_name)}: node {out} ({prim}): {e}") from None
        results = [values[o] for o in self.outputs]
        return results[0] if len(results) == 1 else tuple(results)


def load(file_name, **kwargs):
    """Reads a MindIR file (written by MindSpore 2.x's ``export`` or graphgrad's) into a
    MindIRGraph for ``nn.GraphCell``. The whole file is read and checked first: a missing,
    truncated or foreign file, or a primitive graphgrad cannot run, raises ValueError (or
    NotImplementedError naming the primitive) and nothing is made."""
    if kwargs.get("dec_key") is not None or kwargs.get("obf_func") is not None:
        raise NotImplementedError("load: encrypted or obfuscated MindIR files (dec_key, obf_func) are not supported")
    unknown = set(kwargs) - {"dec_key", "dec_mode", "obf_func"}
    if unknown:
        raise TypeError(f"load: unexpected keyword arguments {sorted(unknown)}")
    if not isinstance(file_name, (str, os.PathLike)):
        raise TypeError(f"load: file_name must be a str path, got {type(file_name).__name__}")
    file_name = os.fspath(file_name)
    if not os.path.isfile(file_name):
        raise ValueError(f"load: the MindIR file {file_name!r} does not exist")
    m = _messages()["ModelProto"]()  # (first: without protobuf, its error says how to install it)
    from google.protobuf.message import DecodeError
    try:
        with open(file_name, "rb") as f:
            m.ParseFromString(f.read())
    except DecodeError as e:
        raise ValueError(f"load: {file_name!r} is not a MindIR file, or it is truncated or corrupt ({e})") from None
    g = m.graph
    if not m.HasField("graph") or not g.node and not g.output:
        raise ValueError(f"load: {file_name!r} holds no MindIR graph")
    if len(m.functions):
        raise NotImplementedError(f"load: {file_name!r} calls {len(m.functions)} sub-graphs (control flow or "
                                  "reused cells), which graphgrad does not load")
    what = os.path.basename(file_name)
    prims = {p.name: p for p in m.primitives}
    inputs = []
    for v in g.input:
        if len(v.tensor) != 1 or v.tensor[0].data_type not in _NP_OF_CODE:
            raise ValueError(f"load: {what}: input {v.name} is not a tensor graphgrad reads")
        t = v.tensor[0]
        dtype = next(d for d in _DTYPES if d.np == np.dtype(_NP_OF_CODE[t.data_type]))
        inputs.append((v.name, tuple(t.dims), dtype))
    parameters, parameter_values = {}, {}
    for p in g.parameter:
        name = p.ref_key or p.name.rsplit(":", 1)[-1]
        if name in parameters:
            raise ValueError(f"load: {what}: two parameters are named {name!r}")
        parameters[name] = _array_of(p, f"load: {what}: parameter {name}")
        parameter_values[p.name] = name
    constants, nodes = {}, []
    known = set(parameter_values) | {n for n, _, _ in inputs}
    for n in g.node:
        if len(n.output) != 1:
            raise ValueError(f"load: {what}: node {n.name} has {len(n.output)} outputs")
        if n.op_type == "Constant":
            constants[n.output[0]] = _value_of(n.attribute[0], f"load: {what}: constant {n.name}")
        else:
            op, attrs = n.op_type, {}
            if op.startswith("REF::"):
                p = prims.get(op[5:])
                if p is None:
                    raise ValueError(f"load: {what}: node {n.name} refers to primitive {op[5:]}, which the file lacks")
                op = p.op_type
                attrs = {a.name: _value_of(a, f"load: {what}: {op}.{a.name}") for a in p.attribute
                         if a.name in _PRIM_ATTRS.get(op, ())}
            if op not in _LOAD:
                raise NotImplementedError(f"load: {what}: node {n.name} applies the primitive {op}, which graphgrad "
                                          f"does not run")
            missing = [i for i in n.input if i not in known and i not in constants]
            if missing:
                raise ValueError(f"load: {what}: node {n.name} reads {missing[0]}, which no earlier node makes")
            nodes.append((n.output[0], op, tuple(n.input), attrs))
        known.add(n.output[0])
    outputs = [o.name for o in g.output]
    for o in outputs:
        if o not in known and o not in constants:
            raise ValueError(f"load: {what}: the output {o} is made by no node")
    return MindIRGraph(file_name, inputs, parameters, parameter_values, constants, nodes, outputs)


class GraphCell(Cell):
    """MindSpore's ``nn.GraphCell``: runs a graph ``graphgrad.load`` read. Its Parameters are
    the graph's, under the file's names ('1.weight'); ``params_init`` ({name: Tensor}) gives
    some of them other starting values. Called with the graph's inputs (same dtypes; shapes the
    graph's ops accept), it returns the graph's result, eagerly, under jit or under grad."""

    def __init__(self, graph, params_init=None, obf_random_seed=None):
        super().__init__(auto_prefix=False)
        if not isinstance(graph, MindIRGraph):
            raise TypeError(f"GraphCell: graph must be what graphgrad.load returns, got {type(graph).__name__}")
        if obf_random_seed is not None:
            raise NotImplementedError("GraphCell: obfuscated graphs (obf_random_seed) are not supported")
        init = dict(params_init or {})
        unknown = sorted(set(init) - set(graph.parameters))
        if unknown:
            raise ValueError(f"GraphCell: params_init names {unknown}, which the graph does not have "
                             f"(it has {sorted(graph.parameters)})")
        for name, array in graph.parameters.items():
            value = np.array(init[name].asnumpy() if isinstance(init.get(name), Tensor) else init.get(name, array))
            if value.shape != array.shape or value.dtype != array.dtype:
                raise ValueError(f"GraphCell: params_init[{name!r}] is {value.dtype}{list(value.shape)}; the graph's "
                                 f"parameter is {array.dtype}{list(array.shape)}")
            setattr(self, name, Parameter(Tensor(value), name=name))
        object.__setattr__(self, "graph", graph)

    def construct(self, *inputs):
        g = self.graph
        if len(inputs) != len(g.inputs):
            raise TypeError(f"GraphCell: the graph takes {len(g.inputs)} inputs, got {len(inputs)}")
        for i, (x, (name, shape, dtype)) in enumerate(zip(inputs, g.inputs)):
            if not isinstance(x, Tensor) or x.dtype != dtype:
                got = f"{x.dtype}{list(x.shape)}" if isinstance(x, Tensor) else type(x).__name__
                raise TypeError(f"GraphCell: input {i} ({name.rsplit(':', 1)[-1]}) must be a {dtype} Tensor "
                                f"(exported as {dtype}{list(shape)}), got {got}")
        return g.run(inputs, {name: getattr(self, name) for name in g.parameters})


# ---------------------------------------------------------------------------------------------
# export: graphgrad ops as MindIR primitives.

_UNARY = {"neg": "Neg", "abs": "Abs", "exp": "Exp", "log": "Log", "sqrt": "Sqrt", "rsqrt": "Rsqrt", "square": "Square",
          "reciprocal": "Reciprocal", "sin": "Sin", "cos": "Cos", "tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "ReLU",
          "erf": "Erf", "sign": "Sign", "log1p": "Log1p", "expm1": "Expm1", "softplus": "Softplus", "floor": "Floor",
          "ceil": "Ceil", "atan": "Atan", "gelu_tanh": "GeLU", "logical_not": "LogicalNot", "stop_gradient": "StopGradient"}
_BINARY = {"add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "pow": "Pow", "maximum": "Maximum", "minimum": "Minimum",
           "floor_divide": "FloorDiv", "mod": "FloorMod", "eq": "Equal", "ne": "NotEqual", "lt": "Less", "le": "LessEqual",
           "gt": "Greater", "ge": "GreaterEqual", "logical_and": "LogicalAnd", "logical_or": "LogicalOr"}
_PLAIN = {"MakeTuple", "TupleGetItem", "Depend", "Load", "UpdateState"}  # MindSpore's PRIMITIVE kind; the rest PRIMITIVE_FUNCTION


class _Writer:
    def __init__(self, name):
        M = _messages()
        self.A, self.T = M["AttributeProto"], M["TensorProto"]
        self.model = M["ModelProto"](ir_version="0.1.1", producer_name="graphgrad", model_version="2.7.2",
                                     little_endian=True, mind_ir_version=3)
        self.g = self.model.graph
        self.g.name = name
        self.prims = {}
        self.count = 0

    def _name(self, stem):
        self.count += 1
        return f"{self.g.name}:{stem}_{self.count}"

    def const(self, value):
        name = self._name("ValueNode")
        self.g.node.add(output=[name], name=name, op_type="Constant", attribute=[_attr(self.A, value)])
        return name

    def shape_attr(self, dtype, shape):
        return self.A(name="shape", tensors=[self.T(dims=shape, data_type=_CODE_OF_NP[np.dtype(dtype.np)])], type=TENSORS)

    def node(self, prim, inputs, dtype, shape, tuple_types=None):
        """prim(inputs) -> its output's name; inputs are value names or constants."""
        if prim not in self.prims:
            self.prims[prim] = f"{prim}:{len(self.prims) + 1}"
            self.model.primitives.add(name=self.prims[prim], op_type=prim, instance_name="",
                                      prim_type=1 if prim in _PLAIN else 2)
        names = [i if isinstance(i, _Name) else self.const(i) for i in inputs]
        if tuple_types is None:
            shape_attr = self.shape_attr(dtype, shape)
        else:
            shape_attr = _attr(self.A, (), "shape")
            shape_attr.values.extend(self.shape_attr(d, s) for d, s in tuple_types)
        out = _Name(self._name("CNode"))
        self.g.node.add(input=names, output=[out], name=out, op_type=f"REF::{self.prims[prim]}",
                        attribute=[shape_attr], domain=f"Default/{prim}-op{self.count}")
        return out


class _Name(str):
    """A value's name in the graph being written (what is not a _Name is a constant)."""


def _export_node(w, op, x, attrs, dtype, shape, types):
    """Writes graphgrad node `op` over the MindIR values x; returns its value's name."""
    node = lambda prim, *inputs: w.node(prim, inputs, dtype, shape)  # noqa: E731
    if op in _UNARY:
        return node(_UNARY[op], x[0])
    if op in _BINARY:
        return node(_BINARY[op], x[0], x[1])
    if op == "gelu":  # x (1 + erf(x / sqrt 2)) / 2, as MindSpore writes ops.gelu: its GeLU primitive is tanh's
        cdf = node("Add", node("Erf", node("Div", x[0], np.array(np.sqrt(2), dtype.np))), np.array(1, dtype.np))
        return node("Mul", node("Mul", x[0], cdf), np.array(0.5, dtype.np))
    if op == "matmul":
        if attrs.get("has_mask"):
            raise NotImplementedError("matmul with a mask (a gradient)")
        prim = "MatMul" if len(types[0][1]) == 2 and len(types[1][1]) == 2 else "BatchMatMul"
        y = node(prim, x[0], x[1], bool(attrs.get("trans_a", 0)), bool(attrs.get("trans_b", 0)))
        if attrs.get("has_bias"):  # BiasAdd is the channel axis: the last only for 2-D
            y = node("BiasAdd", y, x[2], 0) if len(shape) == 2 else node("Add", y, x[2])
        return node("ReLU", y) if attrs.get("relu") else y
    if op == "reshape":
        return node("Reshape", x[0], tuple(shape))
    if op == "transpose":
        return node("Transpose", x[0], tuple(attrs["perm"]))
    if op == "broadcast_to":
        return node("BroadcastTo", x[0], tuple(shape))
    if op in ("reduce_sum", "reduce_max", "reduce_min", "reduce_prod"):
        prim = {"reduce_max": "ReduceMax", "reduce_min": "ReduceMin", "reduce_prod": "ReduceProd"}.get(op)
        axes, keep = tuple(attrs["axes"]), bool(attrs.get("keep_dims", 0))
        if not axes:  # a reduction over no axes is the input (MindSpore's empty axes means all)
            return x[0]
        return node("SumExt", x[0], axes, keep, None) if op == "reduce_sum" else node(prim, x[0], axes, keep)
    if op in ("argmax", "argmin"):
        axis = attrs["axis"]
        if attrs.get("keep_dims"):
            flat = w.node("Argmax" if op == "argmax" else "Argmin", [x[0], axis, _TYPE_ID["Int64"]], dtype,
                          shape[:axis % len(shape)] + shape[axis % len(shape) + 1:])
            return node("ExpandDims", flat, axis)
        return node("Argmax" if op == "argmax" else "Argmin", x[0], axis, _TYPE_ID["Int64"])
    if op == "softmax":
        return node("Softmax", x[0], (attrs["axis"],))
    if op == "log_softmax":
        return node("LogSoftmax", x[0], attrs["axis"])
    if op == "cast":
        return node("Cast", x[0], _TYPE_ID[dtype.name])
    if op == "select":
        return node("Select", x[0], x[1], x[2])
    if op == "concat":
        tup = w.node("MakeTuple", x, None, None, tuple_types=types)
        return node("Concat", tup, attrs["axis"])
    if op == "gather":
        return node("Gather", x[0], x[1], attrs["axis"], 0)
    if op == "one_hot":  # graphgrad's one_hot is bool; MindSpore's takes on/off values
        hot = w.node("OneHot", [x[0], attrs["depth"], np.float32(1), np.float32(0), -1], _DTYPES[0], shape)
        return node("Cast", hot, _TYPE_ID["Bool"])
    if op == "slice":
        start, step = list(attrs["start"]), list(attrs["step"])
        end = [b + s * n for b, s, n in zip(start, step, shape)]
        end_mask = sum(1 << d for d, e in enumerate(end) if e < 0)  # a backward walk to the first element
        return node("StridedSlice", x[0], tuple(start), tuple(e if e >= 0 else 0 for e in end), tuple(step), 0,
                    end_mask, 0, 0, 0)
    if op == "check_index":  # a label check of a loss: the indices pass through
        return x[0]
    if op == "random":
        raise NotImplementedError("random numbers (a Dropout in training mode? call net.set_train(False) first)")
    raise NotImplementedError(f"the op {op}")


def export(net, *inputs, file_name, file_format="MINDIR", **kwargs):
    """Writes ``net``'s inference graph for ``inputs`` (Tensors, as MindSpore's export takes them)
    to ``file_name`` (".mindir" is appended when missing), atomically. The graph is net.construct
    traced on the inputs, in the net's current mode; it loads with ``graphgrad.load`` and with
    MindSpore's ``mindspore.load`` + ``nn.GraphCell``. Returns nothing."""
    from .._grad import jit
    from .serialization import _atomic_write
    if file_format != "MINDIR":
        raise ValueError(f"export: file_format must be 'MINDIR' (graphgrad writes no {file_format!r}), got {file_format!r}")
    if kwargs.get("enc_key") is not None or kwargs.get("obf_config") is not None:
        raise NotImplementedError("export: encrypted or obfuscated MindIR (enc_key, obf_config) is not supported")
    if not isinstance(file_name, (str, os.PathLike)):
        raise TypeError(f"export: file_name must be a str path, got {type(file_name).__name__}")
    for i, a in enumerate(inputs):
        if not isinstance(a, Tensor):
            raise TypeError(f"export: input {i} must be a Tensor, got {type(a).__name__}")
    fn = jit(net.construct if hasattr(net, "construct") else net)
    trace = fn._trace(inputs)[0]
    g = trace.graph
    if trace.updates:
        raise ValueError(f"export: {type(net).__name__} updates Parameters when called (BatchNorm in training "
                         "mode?); call net.set_train(False) before exporting")
    w = _Writer(f"{type(net).__name__}_construct")
    captured = {node: t for t, node in trace.captured.values()}
    names = {}
    for i in range(len(g)):
        op, x, attrs, code, shape = g.node(i)
        dtype = _DTYPES[code]
        if op == "input":
            kind, name = attrs["kind"], attrs["name"]
            if kind == "arg":
                names[i] = _Name(f"{w.g.name}:{name}")
                w.g.input.add(name=names[i], tensor=[w.shape_attr(dtype, shape).tensors[0]])
            elif kind == "param":
                names[i] = _Name(f"{w.g.name}:{name}")
                w.g.parameter.append(_tensor_proto(w.T, captured[i].asnumpy(), names[i]))
                w.g.parameter[-1].ref_key = name
            else:
                names[i] = _Name(w.const(captured[i].asnumpy()))
        elif op == "fill":
            names[i] = _Name(w.const(np.full(shape, attrs["value"], dtype.np)))
        else:
            try:
                names[i] = _export_node(w, op, [names[j] for j in x], attrs, dtype, tuple(shape),
                                        [(_DTYPES[g.node(j)[3]], tuple(g.node(j)[4])) for j in x])
            except NotImplementedError as e:
                raise NotImplementedError(f"export: {type(net).__name__}: MindIR export does not cover {e}") from None
    results = [names[o] for o in g.outputs]
    types = [(_DTYPES[g.node(o)[3]], tuple(g.node(o)[4])) for o in g.outputs]
    if len(results) == 1:
        w.g.output.add(name=results[0], tensor=[w.shape_attr(*types[0]).tensors[0]])
    else:
        tup = w.node("MakeTuple", results, None, None, tuple_types=types)
        info = w.g.output.add(name=tup, denotation="Tuple")
        info.attr_info.CopyFrom(w.g.node[-1].attribute[0])
        info.attr_info.name = ""
    path = os.fspath(file_name)
    if not path.endswith(".mindir"):
        path += ".mindir"
    data = w.model.SerializeToString()
    _atomic_write(path, lambda f: f.write(data))
