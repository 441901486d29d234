"""The graph dump: text IR (golden), DOT, verify, the GRAPHGRAD_DUMP switch and the command line."""
import os
import re
import shutil
import subprocess
import sys

import pytest

import graphgrad as gg
from graphgrad import Parameter, ops

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden")
sys.path.insert(0, GOLDEN)
import tutorial_function  # noqa: E402

# Set GRAPHGRAD_REGEN_GOLDEN=1 to rewrite the golden files after an intended change of the IR.
REGEN = os.environ.get("GRAPHGRAD_REGEN_GOLDEN") == "1"


def tutorial_stages():
    grad_fn = gg.grad(tutorial_function.function, (2, 3))
    return grad_fn.stages(*tutorial_function.arguments())


def test_stages_are_forward_grad_passes_then_final():
    names = [name for name, _ in tutorial_stages()]
    assert names[:2] == ["forward", "grad"] and names[-1] == "final"
    assert len(names) >= 4


def test_final_stage_shows_the_memory_plan():
    final = str(tutorial_stages()[-1][1])
    assert re.match(r"# \d+ kernels; planned peak \d+ bytes \(arena \d+, outputs \d+\)\n", final)
    assert re.search(r"= matmul\(%x, %w, %b\) \{has_bias=1\} +: f32\[3\] +@ arena\[0:12\] +# tutorial_function.py:9",
                     final)


def test_tutorial_gradient_runs_no_more_kernels_than_a_hand_written_backward():
    # By hand: z = x @ w + b (one matmul with bias), loss = bce(z, y), dz = bce'(z, y),
    # dw = outer(x, dz), db = dz: four kernels. graphgrad also computes loss and dz in one pass.
    plan = tutorial_stages()[-1][1]
    assert plan.kernel_count == 3
    text = str(plan)
    assert "ones_like" not in text and "fill" not in text
    assert "bce_with_logits_and_grad(%0, %y) {reduction=mean, unit_grad=1}" in text


def test_every_node_points_to_the_users_line():
    final = str(tutorial_stages()[-1][1])
    body = [line for line in final.splitlines() if line.startswith("  %")]
    assert body
    for line in body:
        assert re.search(r"# (grad of )?tutorial_function\.py:\d+$", line), line
    # Gradient nodes name the forward line they differentiate.
    assert "# grad of tutorial_function.py:10" in final


def test_header_lists_inputs_with_types_and_parameter_names():
    w = Parameter(gg.Tensor([[1.0], [2.0]]), name="w")

    def model(x):
        return ops.matmul(x, w)

    text = str(gg.dump.trace(model, gg.Tensor([[1.0, 2.0]])))
    assert [line for line in text.splitlines() if line.startswith("graph ")][0] == "graph model(%x: f32[1,2], %w: f32[2,1] param) -> (f32[1,1]) {"


def test_trace_with_grad_options_returns_the_graph_that_runs():
    args = tutorial_function.arguments()
    g = gg.dump.trace(tutorial_function.function, *args, grad_position=(2, 3))
    assert str(g) == str(tutorial_stages()[-1][1])
    assert "bce_with_logits_and_grad" in str(g)


def parse_dot(text):
    """A structural check of the DOT we emit: balanced braces, every edge between declared nodes."""
    assert text.startswith("digraph ") and text.rstrip().endswith("}")
    assert text.count("{") == text.count("}")
    declared = set(re.findall(r"^\s*(n\d+|outputs) \[", text, re.M))
    edges = re.findall(r"^\s*(n\d+|outputs) -> (n\d+|outputs) \[label=\"([^\"]*)\"\]", text, re.M)
    for a, b, label in edges:
        assert a in declared and b in declared, (a, b)
    return declared, edges


def test_dot_is_well_formed_and_separates_gradient():
    g = tutorial_stages()[-1][1]
    declared, edges = parse_dot(g.to_dot())
    assert "subgraph cluster_gradient" in g.to_dot() and "subgraph cluster_forward" in g.to_dot()
    assert any(label == "f32[5,3]" for _, _, label in edges)  # values are typed edges
    assert len(declared) == len(g) + 1  # every node, plus the return


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_dot_parses_with_graphviz():
    g = tutorial_stages()[-1][1]
    r = subprocess.run(["dot", "-Tsvg"], input=g.to_dot(), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "<svg" in r.stdout


def test_verify_runs_after_every_stage(monkeypatch):
    monkeypatch.setenv("GRAPHGRAD_VERIFY", "1")
    for _, g in tutorial_stages():
        g.verify()  # raises on a broken invariant


def test_shape_error_quotes_ir_line_and_source_line():
    w = Parameter(gg.Tensor([[1.0, 2.0, 3.0]]), name="w")
    b = Parameter(gg.Tensor([1.0, 2.0]), name="b")

    def f(x):
        return ops.matmul(x, w) + b

    with pytest.raises(ValueError) as e:
        gg.grad(f, weights=[w, b])(gg.Tensor([1.0]))
    msg = str(e.value)
    assert "add: shapes f32[3] and f32[2] cannot be broadcast" in msg
    assert "%1 = add(%0, %b) where %0: f32[3], %b: f32[2]" in msg
    assert f"test_dump.py:{f.__code__.co_firstlineno + 1}" in msg


SCRIPT = """
import graphgrad as gg
from graphgrad import ops
def double_loss(x):
    return ops.binary_cross_entropy_with_logits(x + x, ops.zeros_like(x))
print(gg.grad(double_loss)(ops.ones((2, 3))))
"""


def run_script(tmp_path, argv, env_extra):
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, **env_extra)
    return subprocess.run([sys.executable, *argv, str(script)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)


def test_dump_switch_writes_every_stage(tmp_path):
    out = tmp_path / "dump"
    r = run_script(tmp_path, [], {"GRAPHGRAD_DUMP": str(out)})
    assert r.returncode == 0, r.stderr
    files = sorted(os.listdir(out))
    irs = [f for f in files if f.endswith(".ir")]
    assert irs[:2] == ["01_forward_double_loss.ir", "02_grad_double_loss.ir"]
    assert all(f.replace(".ir", ".dot") in files for f in irs)
    log = [line for line in r.stderr.splitlines() if line.startswith("graphgrad: compiled")]
    assert len(log) == 1 and "double_loss(f32[2,3])" in log[0] and " ms " in log[0]
    forward = (out / "01_forward_double_loss.ir").read_text()
    assert "add(%x, %x)" in forward and "# script.py:5" in forward


def test_dump_command_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "GRAPHGRAD_DUMP"}
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    r = subprocess.run([sys.executable, "-m", "graphgrad.dump", str(script)], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "graphgrad_dump" / "01_forward_double_loss.ir").exists()
    assert "01_forward_double_loss.ir" in r.stderr and "graphgrad.dump:" in r.stderr
    assert "0.293599" in r.stdout  # the script ran as __main__: d/dx mean(bce(2x, 0)) = 2 sigmoid(2) / 6


def test_quickstart_train_step_loss_is_two_fused_kernels():
    # The Quick Start step (bench/compare_train.py, smaller): CrossEntropyLoss was ~35 kernels of
    # log_softmax, masks, gather and scatter_add before softmax_cross_entropy fused them.
    import numpy as np
    from graphgrad import Tensor, nn

    model = nn.SequentialCell(nn.Flatten(), nn.Dense(12, 8), nn.ReLU(), nn.Dense(8, 8), nn.ReLU(), nn.Dense(8, 10))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = nn.SGD(model.trainable_params(), 1e-2)
    grad_fn = gg.value_and_grad(lambda x, y: loss_fn(model(x), y), None, optimizer.parameters)

    def train_step(x, y):
        loss, grads = grad_fn(x, y)
        optimizer(grads)
        return loss

    x = Tensor(np.ones((4, 3, 4), np.float32))
    y = Tensor(np.array([1, 0, 9, 3], np.int32))
    plan = gg.dump.trace(train_step, x, y)
    text = str(plan)
    assert "softmax_cross_entropy(" in text and "softmax_cross_entropy_grad(" in text
    assert "log_softmax" not in text and "gather" not in text and "scatter_add" not in text
    assert plan.kernel_count <= 26, text
