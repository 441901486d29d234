"""Checkpoints in MindSpore's own file formats, so files pass both ways between the two:

- ``.ckpt``: MindSpore's protobuf ``Checkpoint`` message (checkpoint.proto beside this file says
  what each field holds), read and written with the ``protobuf`` package (``pip install
  'graphgrad[ckpt]'``);
- ``.safetensors`` (``format='safetensors'``), through the ``safetensors`` package.

Saving writes a temporary file beside the target, fsyncs it and renames it over the target, so a
crash leaves the previous file whole. Loading reads and checks the whole file before it returns
anything: a truncated or corrupt file raises ValueError naming the file and loads nothing. Loading
into a network checks every shape and dtype first and changes no Parameter unless all fit.
"""
import binascii
import json
import math
import os
import struct

import numpy as np

from .._tensor import Parameter, Tensor
from ._proto import message_classes

# MindSpore's tensor_type names, their numpy types, and the name of the graphgrad dtype each loads
# as. graphgrad may not have every dtype yet: such an entry loads once graphgrad grows it.
_TYPES = [
    ("Float16", np.float16, "float16"), ("Float32", np.float32, "float32"), ("Float64", np.float64, "float64"),
    ("Int8", np.int8, "int8"), ("Int16", np.int16, "int16"), ("Int32", np.int32, "int32"),
    ("Int64", np.int64, "int64"), ("UInt8", np.uint8, "uint8"), ("UInt16", np.uint16, "uint16"),
    ("UInt32", np.uint32, "uint32"), ("UInt64", np.uint64, "uint64"), ("Bool", np.bool_, "bool_"),
]
_NP_BY_NAME = {name: np.dtype(t) for name, t, _ in _TYPES}
_NAME_BY_NP = {np.dtype(t): name for name, t, _ in _TYPES}
_GG_ATTR = {np.dtype(t): attr for _, t, attr in _TYPES}
# load_param_into_net converts within one of these families unless strict_load (as MindSpore does).
_FLOATS = {np.dtype(t) for t in (np.float16, np.float32, np.float64)}
_INTS = {np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64)}

_CRC_MARK = b"crc_num"  # MindSpore's trailer: the mark, then the CRC-32 as 10 big-endian bytes
_SLICE = 512 * 1024 * 1024  # bytes per entry at most, as MindSpore splits them (protobuf's 2 GiB limit)
_FORMATS = ("ckpt", "safetensors")


# checkpoint.proto beside this file, as message_classes takes it (the Value's oneof is left out:
# the wire format is the same).
_SCHEMA = {
    "Checkpoint": [("value", 1, "repeated", "Value")],
    "Value": [("tag", 1, "required", "string"), ("tensor", 2, "optional", "TensorProto"),
              ("maptensor", 3, "optional", "MapTensorProto")],
    "TensorProto": [("dims", 1, "repeated", "int64"), ("tensor_type", 2, "required", "string"),
                    ("tensor_content", 3, "required", "bytes")],
    "MapTensorProto": [("tensor", 1, "repeated", "TensorProto")],
}
_CHECKPOINT = None


def _checkpoint_class():
    global _CHECKPOINT
    if _CHECKPOINT is None:
        _CHECKPOINT = message_classes("ckpt", _SCHEMA)["Checkpoint"]
    return _CHECKPOINT


# ---------------------------------------------------------------------------------------------
# What to save: (name, numpy array or str) pairs.

def _named_parameters(net):
    """(name, Parameter) for each Parameter of a Cell, each once, under its full name."""
    if hasattr(net, "parameters_and_names"):
        pairs = [(p.name, p) for _, p in net.parameters_and_names()]
    elif hasattr(net, "get_parameters"):
        pairs = [(p.name, p) for p in net.get_parameters()]
    else:
        raise TypeError(f"expected a Cell (with get_parameters), got {type(net).__name__}")
    return pairs


def _as_array(value, name):
    if isinstance(value, str):
        return value
    if isinstance(value, Tensor):
        a = value.asnumpy()
    elif isinstance(value, bool):
        a = np.array(value)
    elif isinstance(value, int):
        a = np.array(value, np.int64)  # MindSpore's Tensor(int)
    elif isinstance(value, float):
        a = np.array(value, np.float32)  # MindSpore's Tensor(float)
    elif isinstance(value, (np.ndarray, np.generic)):
        a = np.asarray(value)
    else:
        raise TypeError(f"save_checkpoint: {name!r} is a {type(value).__name__}; values must be Parameters, "
                        "Tensors, numpy arrays, numbers or str")
    if a.dtype.newbyteorder("=") not in _NAME_BY_NP:
        raise TypeError(f"save_checkpoint: {name!r} has dtype {a.dtype}, which a checkpoint cannot hold "
                        f"(it holds {', '.join(_NP_BY_NAME)})")
    # Little-endian, as the format is; not np.ascontiguousarray, which makes a 0-d array 1-d.
    return np.asarray(a, dtype=a.dtype.newbyteorder("<"), order="C")


def _entries(save_obj, append_dict, choice_func):
    if hasattr(save_obj, "get_parameters"):
        pairs = _named_parameters(save_obj)
    elif isinstance(save_obj, dict):
        pairs = list(save_obj.items())
    elif isinstance(save_obj, (list, tuple)):
        pairs = []
        for i, item in enumerate(save_obj):
            if isinstance(item, Parameter):
                pairs.append((item.name, item))
            elif isinstance(item, dict) and set(item) == {"name", "data"}:
                pairs.append((item["name"], item["data"]))
            else:
                raise TypeError(f"save_checkpoint: save_obj[{i}] must be a Parameter or a dict "
                                f"{{'name': ..., 'data': ...}}, got {type(item).__name__}")
    else:
        raise TypeError("save_checkpoint: save_obj must be a Cell, a list of Parameters (or of "
                        f"{{'name', 'data'}} dicts) or a dict of name -> value, got {type(save_obj).__name__}")
    if append_dict is not None:
        if not isinstance(append_dict, dict):
            raise TypeError(f"save_checkpoint: append_dict must be a dict, got {type(append_dict).__name__}")
        pairs += list(append_dict.items())
    out, seen = [], set()
    for name, value in pairs:
        if not isinstance(name, str) or not name:
            raise ValueError(f"save_checkpoint: every value needs a name (a non-empty str), got {name!r} for "
                             f"{value!r:.80}")
        if choice_func is not None and not choice_func(name):
            continue
        if name in seen:
            raise ValueError(f"save_checkpoint: two values are named {name!r}; names must be unique")
        seen.add(name)
        out.append((name, _as_array(value, name)))
    return out


# ---------------------------------------------------------------------------------------------
# Writing.

def _atomic_write(path, write):
    """Writes through ``write(file)`` into a temporary file in path's folder, fsyncs it, then
    renames it over path: readers see the old file or the whole new one, never a part."""
    folder = os.path.dirname(os.path.abspath(path))
    tmp = f"{path}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # 0o666 & ~umask, like open()
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable; not every platform lets a folder be opened
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def _write_ckpt(f, entries, crc_check):
    Checkpoint = _checkpoint_class()
    crc = 0
    for name, a in entries:
        if isinstance(a, str):  # MindSpore's strings: UTF-32-LE characters, dims [0]
            dims, ttype, data = [0], "str", np.array(a, dtype=f"<U{max(len(a), 1)}").tobytes()[:4 * len(a)]
        else:
            dims, ttype = list(a.shape), _NAME_BY_NP[a.dtype.newbyteorder("=")]
            data = memoryview(a.reshape(-1).view(np.uint8))  # the raw bytes, no copy
        # One message per entry, big tensors split over consecutive entries of one tag (as MindSpore
        # does): no message near protobuf's 2 GiB limit, no second copy of the whole file in memory.
        for start in range(0, max(len(data), 1), _SLICE):
            msg = Checkpoint()
            v = msg.value.add()
            v.tag = name
            v.tensor.dims.extend(dims)
            v.tensor.tensor_type = ttype
            v.tensor.tensor_content = bytes(data[start:start + _SLICE])
            out = msg.SerializeToString()
            if crc_check:
                crc = binascii.crc32(out, crc)
            f.write(out)
    if crc_check:
        f.write(_CRC_MARK + crc.to_bytes(10, "big"))


def _safetensors_crc(arrays):
    # MindSpore's: over the names in sorted order, each followed by its raw bytes.
    crc = 0
    for name in sorted(arrays):
        crc = binascii.crc32(name.encode(), crc)
        crc = binascii.crc32(arrays[name].tobytes(), crc)
    return crc


def _write_safetensors(f, entries, crc_check):
    arrays = {}
    for name, a in entries:
        if isinstance(a, str):
            raise TypeError(f"save_checkpoint: {name!r} is a str, which a safetensors file cannot hold")
        arrays[name] = a
    try:
        from safetensors.numpy import save
    except ImportError:
        raise ImportError("format='safetensors' needs the safetensors package: pip install "
                          "'graphgrad[safetensors]' (or pip install safetensors)") from None
    metadata = {"format": "ms"}  # what MindSpore writes
    if crc_check:
        metadata["crc_num"] = str(_safetensors_crc(arrays))
    f.write(save(arrays, metadata=metadata))


def save_checkpoint(save_obj, ckpt_file_name, integrated_save=True, async_save=False, append_dict=None,
                    enc_key=None, enc_mode="AES-GCM", choice_func=None, crc_check=False, format="ckpt", **kwargs):
    """Saves ``save_obj`` (a Cell, a list of Parameters or of {'name', 'data'} dicts, or a dict of
    name -> Parameter/Tensor/str such as load_checkpoint returns) to ``ckpt_file_name`` in MindSpore's
    format; the name gets '.ckpt' (or '.safetensors') appended unless it ends so. ``append_dict``
    adds values (int -> Int64, float -> Float32, bool, str, Tensor). ``choice_func(name)`` picks
    what is saved. ``crc_check`` appends MindSpore's CRC-32 trailer, with which load_checkpoint
    detects any damage (without it, a file cut exactly between two entries reads as the entries
    before the cut)."""
    if format not in _FORMATS:
        raise ValueError(f"save_checkpoint: format must be 'ckpt' or 'safetensors', got {format!r}")
    if not isinstance(ckpt_file_name, (str, os.PathLike)):
        raise TypeError(f"save_checkpoint: ckpt_file_name must be a str, got {type(ckpt_file_name).__name__}")
    ckpt_file_name = os.fspath(ckpt_file_name)
    if os.path.isdir(ckpt_file_name):
        raise IsADirectoryError(f"save_checkpoint: {ckpt_file_name!r} is a folder; give a file name")
    if not ckpt_file_name.endswith("." + format):
        ckpt_file_name += "." + format
    if enc_key is not None:
        raise NotImplementedError("save_checkpoint: graphgrad does not encrypt checkpoints (enc_key)")
    if async_save:
        raise NotImplementedError("save_checkpoint: graphgrad saves synchronously (async_save=False)")
    if not isinstance(crc_check, bool):
        raise TypeError(f"save_checkpoint: crc_check must be a bool, got {crc_check!r}")
    from .. import communication
    if communication.is_initialized() and communication.get_rank() != 0:
        return  # data parallel: every rank holds the same weights, rank 0 writes them
    entries = _entries(save_obj, append_dict, choice_func)
    write = _write_ckpt if format == "ckpt" else _write_safetensors
    _atomic_write(ckpt_file_name, lambda f: write(f, entries, crc_check))


# ---------------------------------------------------------------------------------------------
# Reading: the whole file is parsed and checked into (name, numpy array or str) pairs first.

def _corrupt(path, why):
    return ValueError(f"{path}: not a readable checkpoint ({why}); the file is truncated or corrupt")


def _read_ckpt(path, data, crc_check):
    if data[-17:-10] == _CRC_MARK:
        stored, data = int.from_bytes(data[-10:], "big"), data[:-17]
        if binascii.crc32(data) != stored:
            raise _corrupt(path, "its CRC-32 does not match its contents")
    elif crc_check:  # MindSpore only warns; but a file cut before its trailer looks just like this
        raise _corrupt(path, "crc_check=True but it ends without MindSpore's CRC-32 trailer")
    from google.protobuf.message import DecodeError

    msg = _checkpoint_class()()
    try:
        msg.ParseFromString(data)
    except DecodeError as e:
        raise _corrupt(path, f"protobuf: {e}") from None
    entries, chunks, done = [], [], set()
    values = list(msg.value)
    for k, v in enumerate(values):
        if not v.HasField("tensor"):
            raise ValueError(f"{path}: {v.tag!r} is a MindSpore MapParameter, which graphgrad cannot load")
        chunks.append(v.tensor.tensor_content)
        if k + 1 < len(values) and values[k + 1].tag == v.tag:
            continue  # one tensor split over consecutive entries
        if v.tag in done:
            raise _corrupt(path, f"{v.tag!r} appears twice")
        done.add(v.tag)
        entries.append((v.tag, _decode(path, v.tag, list(v.tensor.dims), v.tensor.tensor_type, b"".join(chunks))))
        chunks = []
    return entries


def _decode(path, name, dims, ttype, content):
    if ttype == "str":
        if len(content) % 4:
            raise _corrupt(path, f"the str {name!r} is {len(content)} bytes, not whole UTF-32 characters")
        try:
            return np.frombuffer(content, dtype=f"<U{len(content) // 4}")[0].item() if content else ""
        except (ValueError, UnicodeDecodeError) as e:
            raise _corrupt(path, f"the str {name!r}: {e}") from None
    if ttype not in _NP_BY_NAME:
        raise ValueError(f"{path}: {name!r} has tensor_type {ttype!r}, which graphgrad cannot load "
                         f"(it loads {', '.join(_NP_BY_NAME)})")
    if any(d < 0 for d in dims):
        raise _corrupt(path, f"{name!r} has a negative dimension in its shape {dims}")
    dtype = _NP_BY_NAME[ttype].newbyteorder("<")
    if dims == [0] and len(content) == dtype.itemsize:
        dims = []  # a 0-d tensor as some MindSpore versions write it (MindSpore's loader does the same)
    need = math.prod(dims) * dtype.itemsize
    if len(content) != need:
        raise _corrupt(path, f"{name!r} of shape {tuple(dims)} and type {ttype} needs {need} bytes but has "
                             f"{len(content)}")
    return np.frombuffer(content, dtype=dtype).reshape(dims).astype(dtype.newbyteorder("="))


def _read_safetensors(path, data, crc_check):
    try:
        from safetensors import SafetensorError
        from safetensors.numpy import load
    except ImportError:
        raise ImportError("format='safetensors' needs the safetensors package: pip install "
                          "'graphgrad[safetensors]' (or pip install safetensors)") from None
    try:
        arrays = load(data)
        (header_len,) = struct.unpack("<Q", data[:8])
        metadata = json.loads(data[8:8 + header_len]).get("__metadata__") or {}
    except (SafetensorError, ValueError, struct.error) as e:
        raise _corrupt(path, f"safetensors: {e}") from None
    # safetensors keeps names sorted; MindSpore writes them sorted too, so that order is the file's.
    entries = sorted(arrays.items())
    if "crc_num" in metadata:
        if str(_safetensors_crc(dict(entries))) != metadata["crc_num"]:
            raise _corrupt(path, "its CRC-32 does not match its contents")
    elif crc_check:
        raise _corrupt(path, "crc_check=True but it has no crc_num in its metadata")
    for name, a in entries:
        if a.dtype not in _NAME_BY_NP:
            raise ValueError(f"{path}: {name!r} has dtype {a.dtype}, which graphgrad cannot load")
    return entries


def _graphgrad_dtype(np_dtype):
    import graphgrad

    return getattr(graphgrad, _GG_ATTR[np_dtype], None)


def _to_parameter(path, name, value):
    if isinstance(value, str):
        return value
    dtype = _graphgrad_dtype(value.dtype)
    if dtype is None:
        raise TypeError(f"{path}: {name!r} is {_NAME_BY_NP[value.dtype]}, a dtype graphgrad does not have yet; "
                        f"skip it with choice_func=lambda name: name != {name!r}")
    return Parameter(Tensor(value, dtype), name=name)


def _prefixes(prefix, arg):
    if prefix is None:
        return ()
    prefix = (prefix,) if isinstance(prefix, str) else tuple(prefix)
    if not prefix or not all(isinstance(p, str) and p for p in prefix):
        raise ValueError(f"load_checkpoint: {arg} must be a non-empty str or a list of them, got {prefix!r}")
    return prefix


def load_checkpoint(ckpt_file_name, net=None, strict_load=False, filter_prefix=None, dec_key=None,
                    dec_mode="AES-GCM", specify_prefix=None, choice_func=None, crc_check=False,
                    remove_redundancy=False, format="ckpt"):
    """Reads a MindSpore checkpoint into a dict of name -> Parameter (str for saved strings), in
    file order, then loads it into ``net`` if given (see load_param_into_net). Which names load:
    those starting with one of ``specify_prefix``, none starting with ``filter_prefix``, and
    those ``choice_func(name)`` accepts. A CRC-32 in the file is always checked; ``crc_check=True``
    also requires one (MindSpore only warns), so that a file saved with crc_check=True and cut
    anywhere raises."""
    if format not in _FORMATS:
        raise ValueError(f"load_checkpoint: format must be 'ckpt' or 'safetensors', got {format!r}")
    if not isinstance(ckpt_file_name, (str, os.PathLike)):
        raise TypeError(f"load_checkpoint: ckpt_file_name must be a str, got {type(ckpt_file_name).__name__}")
    path = os.fspath(ckpt_file_name)
    if format == "ckpt" and path.endswith(".safetensors"):
        raise ValueError(f"load_checkpoint: {path} is a safetensors file: pass format='safetensors'")
    if dec_key is not None:
        raise NotImplementedError("load_checkpoint: graphgrad does not read encrypted checkpoints (dec_key)")
    keep, drop = _prefixes(specify_prefix, "specify_prefix"), _prefixes(filter_prefix, "filter_prefix")
    with open(path, "rb") as f:
        data = f.read()
    if not data:
        raise _corrupt(path, "it is empty")
    entries = (_read_ckpt if format == "ckpt" else _read_safetensors)(path, data, crc_check)
    chosen = [(n, v) for n, v in entries
              if (not keep or n.startswith(keep)) and not (drop and n.startswith(drop))
              and (choice_func is None or choice_func(n))]
    params = {n: _to_parameter(path, n, v) for n, v in chosen}
    if net is not None:
        load_param_into_net(net, params, strict_load)
    return params


def load_param_into_net(net, parameter_dict, strict_load=False, remove_redundancy=False):
    """Sets each of ``net``'s Parameters whose name is in ``parameter_dict`` to that value and
    returns (param_not_load, ckpt_not_load): the net's names the dict lacks and the dict's names the
    net lacks. Every value is checked before any is set: a shape mismatch (ValueError) or a dtype
    mismatch (TypeError) names the parameter and changes nothing. Unless ``strict_load``, a float
    value loads into a float Parameter of another width (and int into int), as in MindSpore."""
    if not hasattr(net, "get_parameters"):
        raise TypeError(f"load_param_into_net: net must be a Cell, got {type(net).__name__}")
    if not isinstance(parameter_dict, dict):
        raise TypeError(f"load_param_into_net: parameter_dict must be a dict, got {type(parameter_dict).__name__}")
    pairs = _named_parameters(net)
    updates, param_not_load = [], []
    for name, p in pairs:
        if name not in parameter_dict:
            param_not_load.append(name)
            continue
        new = parameter_dict[name]
        if isinstance(new, str):
            raise TypeError(f"load_param_into_net: {name!r} in parameter_dict is a str, not a tensor")
        if not isinstance(new, Tensor):
            new = Tensor(np.asarray(new), None) if not isinstance(new, np.ndarray) else Tensor(new)
        if tuple(new.shape) != tuple(p.shape):
            raise ValueError(f"load_param_into_net: {name!r} has shape {tuple(p.shape)} in the net but "
                             f"{tuple(new.shape)} in parameter_dict; no parameter was changed")
        mine, theirs = np.dtype(p.dtype.np), np.dtype(new.dtype.np)
        if mine != theirs:
            same_family = {mine, theirs} <= _FLOATS or {mine, theirs} <= _INTS
            if strict_load or not same_family:
                raise TypeError(f"load_param_into_net: {name!r} is {p.dtype} in the net but {new.dtype} in "
                                f"parameter_dict{' (strict_load)' if same_family else ''}; no parameter was changed")
            new = Tensor(new.asnumpy().astype(mine), p.dtype)
        updates.append((p, new))
    for p, new in updates:
        p.set_data(new)
    used = {name for name, _ in pairs}
    ckpt_not_load = [n for n in parameter_dict if n not in used]
    return param_not_load, ckpt_not_load


__all__ = ["save_checkpoint", "load_checkpoint", "load_param_into_net"]
