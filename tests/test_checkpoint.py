"""Checkpoints: files MindSpore 2.7.2 wrote (tests/fixtures, made by make_ms_checkpoints.py) load
in graphgrad, graphgrad writes the very bytes MindSpore writes, saving is atomic, and a damaged
file or a mismatched network raises a clear error and changes nothing. (That MindSpore loads
graphgrad's files is checked by hand with fixtures/mindspore_roundtrip.py: CI has no MindSpore.)"""
import importlib.util
import os
import sys

import numpy as np
import pytest

pytest.importorskip("google.protobuf")

import graphgrad as gg  # noqa: E402
from graphgrad import Parameter, Tensor, nn  # noqa: E402
from graphgrad.train import serialization  # noqa: E402

needs_safetensors = pytest.mark.skipif(importlib.util.find_spec("safetensors") is None,
                                       reason="the safetensors package is not installed")
FIX = os.path.join(os.path.dirname(__file__), "fixtures")
MS_NAMES = ["0.weight", "0.bias", "2.weight", "2.bias"]  # SequentialCell([Dense(4, 3), ReLU(), Dense(3, 2)])


def fixture(name):
    return os.path.join(FIX, name)


class Dense(nn.Cell):
    def __init__(self, n_in, n_out, dtype=gg.float32, seed=0):
        super().__init__()
        r = np.random.default_rng(seed)
        self.weight = Parameter(Tensor(r.standard_normal((n_out, n_in)), dtype))
        self.bias = Parameter(Tensor(r.standard_normal(n_out), dtype))


class Net(nn.Cell):
    """MindSpore's parameter names for SequentialCell([Dense(4, 3), ReLU(), Dense(3, 2)])."""

    def __init__(self, dtype=gg.float32, seed=0, out=2):
        super().__init__()
        setattr(self, "0", Dense(4, 3, dtype, seed))
        setattr(self, "2", Dense(3, out, dtype, seed + 1))


def values(net):
    return {p.name: p.asnumpy() for p in net.get_parameters()}


# --- MindSpore's files load -------------------------------------------------------------------

@pytest.mark.parametrize("name, kw", [("ms_dense.ckpt", {}), ("ms_dense_crc.ckpt", {"crc_check": True}),
                                      pytest.param("ms_dense.safetensors", {"format": "safetensors"}, marks=needs_safetensors)])
def test_mindspore_files_load(name, kw):
    want = dict(np.load(fixture("ms_dense.npz")))
    d = gg.load_checkpoint(fixture(name), **kw)
    assert sorted(d) == sorted(MS_NAMES)
    for k, p in d.items():
        assert isinstance(p, Parameter) and p.name == k and p.dtype == gg.float32
        assert np.array_equal(p.asnumpy(), want[k])
    if name.endswith(".ckpt"):
        assert list(d) == MS_NAMES  # file order


def test_load_into_a_net_as_mindspore_names_it():
    net = Net()
    d = gg.load_checkpoint(fixture("ms_dense.ckpt"), net=net)
    for k, v in np.load(fixture("ms_dense.npz")).items():
        assert np.array_equal(values(net)[k], v)
    assert set(d) == set(MS_NAMES)


def test_every_mindspore_dtype_reads_exactly():
    want = np.load(fixture("ms_dtypes.npz"))
    data = open(fixture("ms_dtypes.ckpt"), "rb").read()
    got = dict(serialization._read_ckpt("ms_dtypes.ckpt", data, False))
    assert got.pop("note") == "héllo"  # append_dict's str
    assert sorted(got) == sorted(want.files)
    for k, v in got.items():
        assert v.dtype == want[k].dtype and v.shape == want[k].shape and np.array_equal(v, want[k]), k


def test_float_entries_load_by_choice():
    d = gg.load_checkpoint(fixture("ms_dtypes.ckpt"), choice_func=lambda n: n in ("f32", "f64", "scalar", "note"))
    assert list(d) == ["f32", "f64", "scalar", "note"]
    assert d["f64"].dtype == gg.float64 and d["scalar"].shape == () and d["scalar"].item() == 3.25
    assert d["note"] == "héllo"


_ALL = ("float16", "int8", "int32", "int64", "uint8", "bool_")


@pytest.mark.skipif(hasattr(gg, "float16"), reason="graphgrad has float16")
def test_a_dtype_graphgrad_lacks_is_named():
    # 'f16' is the file's first entry of a dtype other than float32/float64.
    with pytest.raises(TypeError, match="'f16' is Float16, a dtype graphgrad does not have yet; skip it with"):
        gg.load_checkpoint(fixture("ms_dtypes.ckpt"))


@pytest.mark.skipif(not all(hasattr(gg, n) for n in _ALL), reason="graphgrad lacks some dtypes yet")
def test_every_dtype_loads_as_a_parameter():
    want = np.load(fixture("ms_dtypes.npz"))
    d = gg.load_checkpoint(fixture("ms_dtypes.ckpt"))
    for k in want.files:
        assert d[k].asnumpy().dtype == want[k].dtype and np.array_equal(d[k].asnumpy(), want[k]), k


# --- graphgrad writes MindSpore's bytes --------------------------------------------------------

@pytest.mark.parametrize("name, kw", [("ms_dense.ckpt", {}), ("ms_dense_crc.ckpt", {"crc_check": True}),
                                      pytest.param("ms_dense.safetensors", {"format": "safetensors"}, marks=needs_safetensors)])
def test_saving_writes_what_mindspore_writes(tmp_path, name, kw):
    fmt = kw.get("format", "ckpt")
    d = gg.load_checkpoint(fixture(name), format=fmt)
    out = tmp_path / f"out.{fmt}"
    gg.save_checkpoint(d, str(out), **kw)
    assert out.read_bytes() == open(fixture(name), "rb").read()


def test_dtypes_and_append_dict_write_what_mindspore_writes(tmp_path):
    want = dict(np.load(fixture("ms_dtypes.npz")))
    append = {"epoch_num": 7, "lr": 0.125, "flag": True, "note": "héllo"}
    tensors = {k: v for k, v in want.items() if k not in append}
    gg.save_checkpoint(tensors, str(tmp_path / "d.ckpt"), append_dict=append)
    assert (tmp_path / "d.ckpt").read_bytes() == open(fixture("ms_dtypes.ckpt"), "rb").read()


@pytest.mark.parametrize("fmt", ["ckpt", pytest.param("safetensors", marks=needs_safetensors)])
def test_round_trip_through_a_net(tmp_path, fmt):
    src, dst = Net(seed=1), Net(seed=5)
    path = str(tmp_path / "model")
    gg.save_checkpoint(src, path, format=fmt)  # the suffix is added, as MindSpore does
    assert os.path.exists(f"{path}.{fmt}")
    d = gg.load_checkpoint(f"{path}.{fmt}", format=fmt)
    assert gg.load_param_into_net(dst, d) == ([], [])
    for k, v in values(src).items():
        assert np.array_equal(values(dst)[k], v)


def test_save_a_list_choice_and_prefixes(tmp_path):
    net = Net()
    path = str(tmp_path / "a.ckpt")
    gg.save_checkpoint(net.trainable_params(), path, choice_func=lambda n: n.endswith("weight"))
    assert list(gg.load_checkpoint(path)) == ["0.weight", "2.weight"]
    gg.save_checkpoint([{"name": "w", "data": Tensor([1.0, 2.0])}], path, append_dict={"lr": 0.5})
    assert list(gg.load_checkpoint(path, specify_prefix="w")) == ["w"]
    d = gg.load_checkpoint(path, filter_prefix=["w"])
    assert list(d) == ["lr"] and d["lr"].dtype == gg.float32 and d["lr"].shape == ()  # a float is Float32


def test_large_tensors_split_over_entries(tmp_path, monkeypatch):
    monkeypatch.setattr(serialization, "_SLICE", 7)  # split every tensor into 7-byte pieces
    net = Net()
    path = str(tmp_path / "s.ckpt")
    gg.save_checkpoint(net, path)
    msg = serialization._checkpoint_class()()
    msg.ParseFromString(open(path, "rb").read())
    assert len(msg.value) > 4 and msg.value[0].tag == msg.value[1].tag == "0.weight"
    got = gg.load_checkpoint(path)
    for k, v in values(net).items():
        assert np.array_equal(got[k].asnumpy(), v)


# --- load_param_into_net checks everything first --------------------------------------------

def test_missing_and_unused_names():
    net = Net()
    d = {"0.weight": Parameter(Tensor(np.ones((3, 4)), gg.float32)), "extra": Parameter(Tensor([1.0]))}
    assert gg.load_param_into_net(net, d) == (["0.bias", "2.weight", "2.bias"], ["extra"])
    assert (values(net)["0.weight"] == 1).all()


def test_shape_mismatch_names_the_parameter_and_changes_nothing():
    net, before = Net(), values(Net())
    d = {k: Parameter(Tensor(np.zeros_like(v))) for k, v in before.items()}
    d["2.bias"] = Parameter(Tensor(np.zeros(5, np.float32)))  # the last one is wrong
    with pytest.raises(ValueError, match=r"'2\.bias' has shape \(2,\) in the net but \(5,\) in parameter_dict"):
        gg.load_param_into_net(net, d)
    for k, v in values(net).items():
        assert np.array_equal(v, before[k]), f"{k} changed"


def test_dtype_mismatch():
    net = Net()
    d = {k: Parameter(Tensor(np.full(v.shape, 0.5), gg.float64)) for k, v in values(net).items()}
    before = values(net)
    with pytest.raises(TypeError, match=r"'0\.weight' is Float32 in the net but Float64 in .* \(strict_load\)"):
        gg.load_param_into_net(net, d, strict_load=True)
    assert all(np.array_equal(v, before[k]) for k, v in values(net).items())
    gg.load_param_into_net(net, d)  # float into float converts, as in MindSpore
    assert all(p.dtype == gg.float32 and (p.asnumpy() == 0.5).all() for p in net.get_parameters())


@pytest.mark.skipif(not hasattr(gg, "int32"), reason="graphgrad has no int32 dtype yet")
def test_int_into_float_is_refused():
    net = Net()
    d = {"0.bias": Parameter(Tensor(np.zeros(3, np.int32), gg.int32))}
    with pytest.raises(TypeError, match="'0.bias' is Float32 in the net but Int32"):
        gg.load_param_into_net(net, d)


def test_a_str_is_not_a_tensor():
    with pytest.raises(TypeError, match="'0.bias' in parameter_dict is a str"):
        gg.load_param_into_net(Net(), {"0.bias": "hello"})


# --- damaged files -------------------------------------------------------------------------

def entry_ends(data):
    """Byte offsets where one serialized entry ends and the next begins."""
    Checkpoint = serialization._checkpoint_class()
    ends, pos = set(), 0
    for v in Checkpoint.FromString(data).value:
        one = Checkpoint()
        one.value.add().CopyFrom(v)
        pos += len(one.SerializeToString())
        ends.add(pos)
    return ends


def test_every_truncation_of_a_crc_file_raises(tmp_path):
    data = open(fixture("ms_dense_crc.ckpt"), "rb").read()
    path = tmp_path / "t.ckpt"
    for n in range(len(data)):
        path.write_bytes(data[:n])
        with pytest.raises(ValueError, match="truncated or corrupt"):
            gg.load_checkpoint(str(path), crc_check=True)


def test_truncation_inside_an_entry_raises(tmp_path):
    data = open(fixture("ms_dense.ckpt"), "rb").read()
    ends = entry_ends(data)
    path = tmp_path / "t.ckpt"
    for n in range(len(data)):
        if n in ends:
            continue  # a cut between two entries is undetectable without the CRC (save with crc_check=True)
        path.write_bytes(data[:n])
        with pytest.raises(ValueError, match="truncated or corrupt"):
            gg.load_checkpoint(str(path))


def test_a_flipped_bit_is_caught_by_the_crc(tmp_path):
    data = bytearray(open(fixture("ms_dense_crc.ckpt"), "rb").read())
    data[-40] ^= 0x01  # inside the last tensor's values: protobuf alone cannot see it
    path = tmp_path / "f.ckpt"
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="CRC-32 does not match"):
        gg.load_checkpoint(str(path))


@pytest.mark.parametrize("name, fmt", [("ms_dense.ckpt", "ckpt"),
                                       pytest.param("ms_dense.safetensors", "safetensors", marks=needs_safetensors)])
def test_crc_check_requires_a_crc(name, fmt):
    with pytest.raises(ValueError, match="crc_check=True but"):
        gg.load_checkpoint(fixture(name), crc_check=True, format=fmt)


@needs_safetensors
def test_safetensors_crc_is_checked(tmp_path):
    path = tmp_path / "c.safetensors"
    gg.save_checkpoint(Net(), str(path), format="safetensors", crc_check=True)
    assert len(gg.load_checkpoint(str(path), format="safetensors", crc_check=True)) == 4
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x10  # a value, not the header
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="CRC-32 does not match"):
        gg.load_checkpoint(str(path), format="safetensors")


@needs_safetensors
def test_truncated_safetensors_raises(tmp_path):
    data = open(fixture("ms_dense.safetensors"), "rb").read()
    path = tmp_path / "t.safetensors"
    for n in (1, 8, 20, len(data) // 2, len(data) - 1):
        path.write_bytes(data[:n])
        with pytest.raises(ValueError, match="truncated or corrupt"):
            gg.load_checkpoint(str(path), format="safetensors")


@pytest.mark.parametrize("content, words", [(b"", "it is empty"), (b"\xff" * 64, "protobuf"),
                                            (b"not a checkpoint at all", "truncated or corrupt")])
def test_garbage_raises(tmp_path, content, words):
    path = tmp_path / "g.ckpt"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=words):
        gg.load_checkpoint(str(path))


# --- atomic save -----------------------------------------------------------------------------

def test_a_crash_mid_save_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "m.ckpt"
    gg.save_checkpoint(Net(seed=1), str(path))
    old = path.read_bytes()

    def crash(f, entries, crc_check):
        f.write(b"half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(serialization, "_write_ckpt", crash)
    with pytest.raises(KeyboardInterrupt):
        gg.save_checkpoint(Net(seed=2), str(path))
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["m.ckpt"]  # no temporary file left behind


def test_overwrites_a_read_only_file(tmp_path):
    path = tmp_path / "r.ckpt"
    gg.save_checkpoint(Net(seed=1), str(path))
    os.chmod(path, 0o400)  # MindSpore leaves its checkpoints read-only
    gg.save_checkpoint(Net(seed=2), str(path))
    assert np.array_equal(gg.load_checkpoint(str(path))["0.bias"].asnumpy(), values(Net(seed=2))["0.bias"])


# --- bad arguments -----------------------------------------------------------------------------

@pytest.mark.parametrize("call, error, words", [
    (lambda p: gg.save_checkpoint(42, p), TypeError, "save_obj must be a Cell"),
    (lambda p: gg.save_checkpoint([Tensor([1.0])], p), TypeError, r"save_obj\[0\] must be a Parameter"),
    (lambda p: gg.save_checkpoint([Parameter(Tensor([1.0]))], p), ValueError, "needs a name"),
    (lambda p: gg.save_checkpoint({"a": Tensor([1.0])}, p, append_dict={"a": 1}), ValueError, "two values are named"),
    (lambda p: gg.save_checkpoint({"a": [1, 2]}, p), TypeError, "'a' is a list"),
    (lambda p: gg.save_checkpoint({"a": np.array([1j])}, p), TypeError, "complex128"),
    (lambda p: gg.save_checkpoint({"a": "s"}, p, format="safetensors"), TypeError, "'a' is a str"),
    (lambda p: gg.save_checkpoint(Net(), p, format="h5"), ValueError, "format must be"),
    (lambda p: gg.load_checkpoint(p + ".missing"), FileNotFoundError, "missing"),
    (lambda p: gg.load_checkpoint(fixture("ms_dense.safetensors")), ValueError, "format='safetensors'"),
    (lambda p: gg.load_param_into_net(Net(), [1]), TypeError, "parameter_dict must be a dict"),
    (lambda p: gg.load_param_into_net("net", {}), TypeError, "net must be a Cell"),
])
def test_bad_arguments(tmp_path, call, error, words):
    with pytest.raises(error, match=words):
        call(str(tmp_path / "x.ckpt"))


def test_without_protobuf_the_error_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(serialization, "_CHECKPOINT", None)
    monkeypatch.setitem(sys.modules, "google.protobuf", None)
    with pytest.raises(ImportError, match=r"pip install 'graphgrad\[ckpt\]'"):
        gg.save_checkpoint(Net(), str(tmp_path / "x.ckpt"))


def test_a_mindspore_batch_norm_checkpoint_loads_every_statistic():
    # MindSpore names a nested BatchNorm1d's statistics by attribute path ("1.moving_mean"); so
    # must graphgrad, or load_param_into_net leaves the running statistics as they were.
    net = nn.SequentialCell([nn.Dense(4, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Dense(3, 2)])
    want = dict(np.load(fixture("ms_batchnorm.npz")))
    assert [p.name for p in net.get_parameters()] == list(want)
    not_loaded, unused = gg.load_param_into_net(net, gg.load_checkpoint(fixture("ms_batchnorm.ckpt")))
    assert (not_loaded, unused) == ([], [])
    for p in net.get_parameters():
        assert np.array_equal(p.asnumpy(), want[p.name]), p.name
