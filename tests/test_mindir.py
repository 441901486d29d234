"""MindIR model files: graphgrad.export, graphgrad.load and nn.GraphCell.

Files MindSpore 2.7.2 wrote (fixtures/mindir, made by fixtures/make_ms_mindir.py, with the outputs
MindSpore's own GraphCell gave) must run here to the same results; files graphgrad writes must load
back here to the same results. That MindSpore runs graphgrad's files is checked by hand with
fixtures/mindir_roundtrip.py: CI has no MindSpore."""
import importlib.util
import os
import sys

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Tensor, nn, ops
from graphgrad.train import mindir

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
REF = np.load(os.path.join(HERE, "mindir", "ms_mindir.npz"))
NAMES = sorted({k.split(".")[0] for k in REF.files})


def ms_file(name):
    return os.path.join(HERE, "mindir", f"ms_{name}.mindir")


def as_tuple(out):
    return out if isinstance(out, tuple) else (out,)


def assert_close(got, expected, what):
    got = got.asnumpy()
    assert got.dtype == expected.dtype and got.shape == expected.shape, \
        f"{what}: {got.dtype}{list(got.shape)}, expected {expected.dtype}{list(expected.shape)}"
    # float32 through other kernels than MindSpore's, relative to the output's scale: the normalizing
    # network (MindSpore's fused LayerNorm) differs by 1.1e-5 of it, the others by 1e-7 at most
    tol = 2e-5 if what.startswith("net") else 2e-6
    np.testing.assert_allclose(got, expected, rtol=0, atol=tol * max(1, np.abs(expected).max(initial=0)), err_msg=what)


def expected_outputs(name):
    return [REF[k] for k in sorted(k for k in REF.files if k.startswith(f"{name}.out"))]


@pytest.fixture(scope="module")
def fixture_nets():
    """make_ms_mindir.py's networks built on graphgrad: its source, `import mindspore` answered by graphgrad."""
    spec = importlib.util.spec_from_file_location("mindir_roundtrip", os.path.join(HERE, "mindir_roundtrip.py"))
    roundtrip = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(roundtrip)
    saved = sys.modules.get("mindspore")
    sys.modules["mindspore"] = gg
    try:
        module = roundtrip.fixture_nets()
    finally:
        if saved is None:
            del sys.modules["mindspore"]
        else:
            sys.modules["mindspore"] = saved
    net = module.NETS["net"][0]
    for name, p in net.parameters_and_names():
        p.set_data(Tensor(REF[f"net.param.{name}"]))
    for cell, _ in module.NETS.values():
        cell.set_train(False)
    return module


# --- files MindSpore wrote ----------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_mindspore_file_gives_mindspores_outputs(name):
    cell = nn.GraphCell(gg.load(ms_file(name)))
    outs = as_tuple(cell(Tensor(REF[f"{name}.x"])))
    expected = expected_outputs(name)
    assert len(outs) == len(expected)
    for k, (o, e) in enumerate(zip(outs, expected)):
        assert_close(o, e, f"{name} output {k}")


@pytest.mark.parametrize("name", ["net", "shapes", "reductions", "primitives", "lenet"])
def test_mindspore_file_compiles_under_jit_and_graph_mode(name):
    cell = nn.GraphCell(gg.load(ms_file(name)))
    x = Tensor(REF[f"{name}.x"])
    eager = as_tuple(cell(x))
    for got in (as_tuple(gg.jit(cell)(x)), as_tuple(gg.jit(lambda t: cell(t))(x))):
        for a, b in zip(got, eager):
            np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
    gg.set_context(mode=gg.GRAPH_MODE)
    try:
        for a, b in zip(as_tuple(nn.GraphCell(gg.load(ms_file(name)))(x)), eager):
            np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
    finally:
        gg.set_context(mode=gg.PYNATIVE_MODE)


def test_graph_cell_parameters_are_the_files_under_mindspores_names():
    graph = gg.load(ms_file("net"))
    cell = nn.GraphCell(graph)
    names = [k[len("net.param."):] for k in REF.files if k.startswith("net.param.")]
    assert [n for n, _ in cell.parameters_and_names()] == list(graph.parameters)  # the file's order
    assert sorted(cell.parameters_dict()) == sorted(names)
    for n, p in cell.parameters_and_names():
        assert p.name == n and p.requires_grad
        np.testing.assert_array_equal(p.asnumpy(), REF[f"net.param.{n}"])
    assert "inputs=(" in repr(graph) and "Float32[3, 1, 4, 4]" in repr(graph)


def test_graph_cell_gradients_match_the_network_it_came_from(fixture_nets):
    """A loaded graph trains: its gradients are those of the same network built from layers."""
    loaded = nn.GraphCell(gg.load(ms_file("net")))
    built = fixture_nets.NETS["net"][0]
    x = Tensor(REF["net.x"])
    for cell in (loaded, built):
        cell.set_train(False)

    def grads(cell):
        fn = gg.value_and_grad(lambda t: (cell(t) ** 2).mean(), 0, cell.trainable_params())
        loss, (dx, dw) = fn(x)
        return loss, dx, {p.name: g for p, g in zip(cell.trainable_params(), dw)}
    loss_l, dx_l, dw_l = grads(loaded)
    loss_b, dx_b, dw_b = grads(built)
    np.testing.assert_allclose(loss_l.asnumpy(), loss_b.asnumpy(), rtol=1e-5)
    np.testing.assert_allclose(dx_l.asnumpy(), dx_b.asnumpy(), rtol=1e-4, atol=1e-5)
    trainable = [n for n in dw_b if "moving" not in n]
    assert sorted(trainable) == sorted(n for n in dw_l if "moving" not in n)
    for n in trainable:
        np.testing.assert_allclose(dw_l[n].asnumpy(), dw_b[n].asnumpy(), rtol=1e-4, atol=1e-5, err_msg=n)
    # and an optimizer step on the loaded graph lowers the loss
    opt = nn.SGD([p for p in loaded.trainable_params() if "moving" not in p.name], 1e-3)
    before = float(loss_l.asnumpy())
    for _ in range(3):
        _, (_, g) = gg.value_and_grad(lambda t: (loaded(t) ** 2).mean(), 0, opt.parameters)(x)
        opt(g)
    assert float((loaded(x) ** 2).mean().asnumpy()) < before


def test_params_init_and_checkpoints(tmp_path):
    graph = gg.load(ms_file("net"))
    w = np.full(REF["net.param.dense_relu_sequential.0.weight"].shape, 0.25, np.float32)
    cell = nn.GraphCell(graph, params_init={"dense_relu_sequential.0.weight": Tensor(w)})
    np.testing.assert_array_equal(cell.parameters_dict()["dense_relu_sequential.0.weight"].asnumpy(), w)
    gg.save_checkpoint(cell, str(tmp_path / "g.ckpt"))
    other = nn.GraphCell(graph)
    assert gg.load_param_into_net(other, gg.load_checkpoint(str(tmp_path / "g.ckpt"))) == ([], [])
    x = Tensor(REF["net.x"])
    np.testing.assert_array_equal(other(x).asnumpy(), cell(x).asnumpy())
    with pytest.raises(ValueError, match="params_init names \\['nope'\\]"):
        nn.GraphCell(graph, params_init={"nope": Tensor(w)})
    with pytest.raises(ValueError, match="dense_relu_sequential.0.weight'\\] is float32\\[2\\]; the graph's parameter is float32\\[12, 16\\]"):
        nn.GraphCell(graph, params_init={"dense_relu_sequential.0.weight": Tensor(np.ones(2, np.float32))})


# --- files graphgrad writes ---------------------------------------------------------------------

EXPORTABLE = [n for n in NAMES if n not in ("primitives", "lenet")]  # the fixture's IMPORT_ONLY


@pytest.mark.parametrize("name", EXPORTABLE)
def test_export_then_load_gives_the_networks_outputs(name, fixture_nets, tmp_path):
    assert name not in fixture_nets.IMPORT_ONLY
    cell = fixture_nets.NETS[name][0]
    x = Tensor(REF[f"{name}.x"])
    gg.export(cell, x, file_name=str(tmp_path / name), file_format="MINDIR")
    back = as_tuple(nn.GraphCell(gg.load(str(tmp_path / f"{name}.mindir")))(x))
    direct = as_tuple(cell(x))
    assert len(back) == len(direct) == len(expected_outputs(name))
    for k, (b, d, e) in enumerate(zip(back, direct, expected_outputs(name))):
        assert_close(b, d.asnumpy(), f"{name} output {k}, reloaded")
        assert_close(b, e, f"{name} output {k}, against MindSpore")


def quickstart():
    return nn.SequentialCell(nn.Flatten(), nn.Dense(28 * 28, 512), nn.ReLU(), nn.Dense(512, 512), nn.ReLU(),
                             nn.Dense(512, 10))


def test_the_save_and_load_tutorial(tmp_path, monkeypatch):
    """The tutorial's MindIR section, as written (import changed)."""
    monkeypatch.chdir(tmp_path)
    gg.set_context(mode=gg.GRAPH_MODE, jit_syntax_level=gg.STRICT)
    try:
        model = quickstart()
        inputs = Tensor(np.ones([1, 1, 28, 28]).astype(np.float32))
        gg.export(model, inputs, file_name="model", file_format="MINDIR")
        graph = gg.load("model.mindir")
        model2 = nn.GraphCell(graph)
        outputs = model2(inputs)
    finally:
        gg.set_context(mode=gg.PYNATIVE_MODE)
    assert outputs.shape == (1, 10)
    np.testing.assert_allclose(outputs.asnumpy(), model(inputs).asnumpy(), rtol=1e-6, atol=1e-7)


def test_exported_file_is_mindspores_layout(tmp_path):
    """What MindSpore's loader reads: primitives referenced from nodes, parameters by name with
    their data, typed inputs and outputs (mindir_roundtrip.py checks MindSpore runs it)."""
    model = quickstart()
    gg.export(model, Tensor(np.zeros((2, 1, 28, 28), np.float32)), file_name=str(tmp_path / "q.mindir"))
    assert not os.path.exists(tmp_path / "q.mindir.mindir")
    m = mindir._messages()["ModelProto"]()
    m.ParseFromString((tmp_path / "q.mindir").read_bytes())
    prims = {p.name: p for p in m.primitives}
    ops_in_order = [prims[n.op_type[5:]].op_type for n in m.graph.node if n.op_type != "Constant"]
    assert ops_in_order == ["Reshape", "MatMul", "BiasAdd", "ReLU", "MatMul", "BiasAdd", "ReLU", "MatMul", "BiasAdd"]
    assert all(p.prim_type == 2 for p in m.primitives)  # PRIMITIVE_FUNCTION: arguments are inputs
    params = {p.ref_key: p for p in m.graph.parameter}
    assert list(params) == [name for name, _ in model.parameters_and_names()]
    for name, p in model.parameters_and_names():
        assert list(params[name].dims) == list(p.shape) and params[name].data_type == 1
        np.testing.assert_array_equal(np.frombuffer(params[name].raw_data, "<f4").reshape(p.shape), p.asnumpy())
    assert [list(t.dims) for t in m.graph.input[0].tensor] == [[2, 1, 28, 28]]
    assert [list(t.dims) for t in m.graph.output[0].tensor] == [[2, 10]]
    matmul = next(n for n in m.graph.node if n.op_type != "Constant" and prims[n.op_type[5:]].op_type == "MatMul")
    consts = {n.output[0]: n.attribute[0] for n in m.graph.node if n.op_type == "Constant"}
    assert [(consts[i].type, consts[i].i) for i in matmul.input[2:]] == [(mindir.BOOL, 0), (mindir.BOOL, 1)]


def test_export_refuses_what_it_cannot_write(tmp_path):
    x = Tensor(np.ones((2, 4), np.float32))
    dense = nn.Dense(4, 3)
    with pytest.raises(ValueError, match="file_format must be 'MINDIR'"):
        gg.export(dense, x, file_name=str(tmp_path / "m"), file_format="ONNX")
    with pytest.raises(TypeError, match="input 0 must be a Tensor"):
        gg.export(dense, np.ones((2, 4), np.float32), file_name=str(tmp_path / "m"))
    drop = nn.SequentialCell(nn.Dense(4, 3), nn.Dropout(p=0.5))
    drop.set_train(True)
    with pytest.raises(NotImplementedError, match="set_train\\(False\\)"):
        gg.export(drop, x, file_name=str(tmp_path / "m"))
    bn = nn.SequentialCell(nn.Dense(4, 3), nn.BatchNorm1d(3))
    bn.set_train(True)
    with pytest.raises(ValueError, match="set_train\\(False\\)"):
        gg.export(bn, x, file_name=str(tmp_path / "m"))

    class WithLoss(nn.Cell):
        def construct(self, x):
            return ops.cross_entropy(x, Tensor(np.array([0, 1], np.int32)))
    # a failed export leaves the file that was there
    gg.export(dense, x, file_name=str(tmp_path / "m"))
    before = (tmp_path / "m.mindir").read_bytes()
    with pytest.raises(NotImplementedError, match="WithLoss: MindIR export does not cover the op softmax_cross_entropy"):
        gg.export(WithLoss(), x, file_name=str(tmp_path / "m"))
    assert (tmp_path / "m.mindir").read_bytes() == before
    assert os.listdir(tmp_path) == ["m.mindir"]


def rewrite(src, dst, change):
    m = mindir._messages()["ModelProto"]()
    with open(src, "rb") as f:
        m.ParseFromString(f.read())
    change(m)
    dst.write_bytes(m.SerializeToString())
    return str(dst)


def test_load_refuses_bad_files(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        gg.load(str(tmp_path / "none.mindir"))
    data = open(ms_file("net"), "rb").read()
    (tmp_path / "cut.mindir").write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        gg.load(str(tmp_path / "cut.mindir"))
    (tmp_path / "text.mindir").write_bytes(b"not a model at all\n" * 10)
    with pytest.raises(ValueError, match="cut.mindir|text.mindir"):
        gg.load(str(tmp_path / "text.mindir"))

    def unknown_primitive(m):
        next(p for p in m.primitives if p.op_type == "MatMul").op_type = "Conv3D"
    with pytest.raises(NotImplementedError, match="primitive Conv3D"):
        gg.load(rewrite(ms_file("net"), tmp_path / "conv3d.mindir", unknown_primitive))

    def dangling_input(m):
        next(n for n in m.graph.node if n.op_type != "Constant").input[0] = "nowhere"
    with pytest.raises(ValueError, match="reads nowhere, which no earlier node makes"):
        gg.load(rewrite(ms_file("net"), tmp_path / "dangling.mindir", dangling_input))

    def short_parameter(m):
        m.graph.parameter[0].raw_data = m.graph.parameter[0].raw_data[:-4]
    with pytest.raises(ValueError, match="parameter dense_relu_sequential.0.weight: .* bytes of data for shape"):
        gg.load(rewrite(ms_file("net"), tmp_path / "short.mindir", short_parameter))


def test_graph_cell_refuses_bad_calls():
    cell = nn.GraphCell(gg.load(ms_file("net")))
    x = REF["net.x"]
    with pytest.raises(TypeError, match="takes 1 inputs, got 2"):
        cell(Tensor(x), Tensor(x))
    with pytest.raises(TypeError, match="input 0 .* must be a Float32 Tensor .*got Float64"):
        cell(Tensor(x.astype(np.float64)))
    with pytest.raises(ValueError, match="ms_net.mindir: node .* \\((Reshape|MatMul)\\)"):
        cell(Tensor(np.ones((3, 1, 5, 5), np.float32)))
    with pytest.raises(TypeError, match="graph must be what graphgrad.load returns"):
        nn.GraphCell("ms_net.mindir")
    # a batch of another size runs where the graph holds no shape (MindSpore's GraphCell takes one too)
    assert nn.GraphCell(gg.load(ms_file("softmax")))(Tensor(np.ones((5, 3, 4), np.float32))).shape == (5, 3, 4)


def test_mean_and_sum_primitives_keep_their_axes():
    # MeanExt and SumExt (Tensor.mean/sum's primitives): the reduction over the given axis only, then
    # the dtype (a MeanExt once summed its mean over every axis)
    x = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    mean = mindir._LOAD["MeanExt"](x, (1,), False, None)
    np.testing.assert_array_equal(mean.asnumpy(), [1.0, 4.0])
    assert mindir._LOAD["SumExt"](x, (0,), True, 35).dtype == gg.int64
