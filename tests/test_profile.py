"""The profiler: graphgrad.profile() and GRAPHGRAD_PROFILE annotate the plan's dump with each
kernel's time, bytes and rate, list the top kernels, and write a Chrome trace."""
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Parameter, Tensor, _core, ops

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNEL_LINE = re.compile(r"^\s*[\d.]+ (ns|us|ms|s)\s+[\d.]+%\s+[\d.]+ (B|kB|MB|GB)\s+[\d.]+ (GFLOP/s|GB/s) \| +%\d+ = ")


def model():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((64, 32)), gg.float32)
    y = Tensor(rng.uniform(size=(64, 8)), gg.float32)
    w = Parameter(Tensor(rng.standard_normal((32, 8)), gg.float32), name="w")
    b = Parameter(Tensor(rng.standard_normal(8), gg.float32), name="b")

    def loss(x, y):
        return ops.binary_cross_entropy_with_logits(ops.matmul(x, w) + b, y)

    return gg.value_and_grad(loss, None, weights=(w, b)), x, y


def test_report_annotates_every_kernel_of_the_plan():
    f, x, y = model()
    f(x, y)  # compiled outside the block: only the runs are timed
    with gg.profile(file=None) as prof:
        for _ in range(20):
            f(x, y)
    text = prof.report()
    plan = f.stages(x, y)[-1][1]
    kernel_lines = [line for line in text.splitlines() if KERNEL_LINE.match(line)]
    assert len(kernel_lines) == plan.kernel_count
    assert any("GFLOP/s" in line and "matmul" in line for line in kernel_lines)
    assert any("GB/s" in line and "bce" in line for line in kernel_lines)
    assert "loss: 20 calls, the last 20 timed" in text
    # the plan's own dump is all there, line for line, after the annotation column
    body = [line.split("| ", 1)[1] for line in text.split("\n\ntop kernels")[0].splitlines()[1:]]
    assert body == str(plan).splitlines()
    top = text.split("top kernels")[1].splitlines()[1:]
    assert len(top) == plan.kernel_count and top[0].lstrip().startswith("1.")
    shares = [float(re.search(r"([\d.]+)%", line).group(1)) for line in top]
    assert shares == sorted(shares, reverse=True) and abs(sum(shares) - 100) < 1


def test_last_n_calls_are_kept_and_timing_stops_after_the_block():
    f, x, y = model()
    with gg.profile(last=5, file=None) as prof:
        for _ in range(12):
            f(x, y)
    (plan,) = prof.plans
    assert plan["calls"] == 12 and len(plan["last"]) == 5
    assert all(ns > 0 for call in plan["last"] for ns in call["step_ns"])
    f(x, y)
    assert not _core._profile_enabled() and _core._profile_snapshot() == []


def test_matmul_flops_and_bytes_are_the_real_ones():
    x = Tensor(np.ones((16, 32)), gg.float32)
    w = Tensor(np.ones((32, 8)), gg.float32)
    f = gg.jit(lambda x, w: ops.matmul(x, w))
    with gg.profile(file=None) as prof:
        f(x, w)
    (step,) = prof.plans[0]["steps"]
    assert step["op"] == "matmul" and step["flops"] == 2 * 16 * 32 * 8
    assert step["bytes"] == 4 * (16 * 32 + 32 * 8 + 16 * 8)


def test_a_batch_of_updates_is_timed_as_one_and_shared_by_flops():
    # On 2 threads two independent weight updates run as one batch: the profile gives each its
    # share of the batch's time by flops (w1's update has three times w2's), and counts their flops.
    rng = np.random.default_rng(3)
    x, d1, d2 = (Tensor(rng.standard_normal(s).astype(np.float32)) for s in ((128, 300), (128, 240), (128, 80)))
    w1 = Parameter(Tensor(np.zeros((300, 240), np.float32)), name="w1")
    w2 = Parameter(Tensor(np.zeros((300, 80), np.float32)), name="w2")

    @gg.jit
    def step(x, d1, d2):
        ops.assign(w1, w1 - 0.1 * ops.matmul(x.T, d1))
        ops.assign(w2, w2 - 0.1 * ops.matmul(x.T, d2))
        return ops.sum(d2)
    old = gg.get_num_threads()
    gg.set_num_threads(2)
    try:
        step(x, d1, d2)
        with gg.profile(last=4, file=None) as prof:
            for _ in range(4):
                step(x, d1, d2)
    finally:
        gg.set_num_threads(old)
    (plan,) = prof.plans
    assert plan["text"].count("batched with") == 2, plan["text"]
    updates = [i for i, s in enumerate(plan["steps"]) if s["op"] == "matmul_update"]
    assert [plan["steps"][i]["flops"] for i in updates] == [2 * 300 * 240 * 128, 2 * 300 * 80 * 128]
    for call in plan["last"]:
        a, b = (call["step_ns"][i] for i in updates)
        assert b > 0 and abs(a / b - 3) < 0.01, (a, b)


def test_chrome_trace(tmp_path):
    f, x, y = model()
    path = tmp_path / "trace.json"
    with gg.profile(last=3, file=None, trace=str(path)):
        for _ in range(3):
            f(x, y)
    trace = json.loads(path.read_text())
    events = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    kernels = [e for e in events if e["cat"] == "kernel"]
    calls = [e for e in events if e["cat"] == "graph"]
    assert len(calls) == 3 and len(kernels) == 3 * f.stages(x, y)[-1][1].kernel_count
    assert all(e["dur"] >= 0 and e["ts"] >= 0 and isinstance(e["tid"], int) for e in events)
    assert any(e["name"].startswith("matmul %") and "GFLOP/s" in e["args"]["rate"] for e in kernels)
    for c in calls:  # each call's kernels lie inside it
        inside = [k for k in kernels if c["ts"] - 1e-6 <= k["ts"] <= c["ts"] + c["dur"] + 1e-6 and k["tid"] == c["tid"]]
        assert len(inside) >= f.stages(x, y)[-1][1].kernel_count


def test_blocks_do_not_nest():
    with gg.profile(file=None):
        with pytest.raises(RuntimeError, match="already profiling"):
            with gg.profile(file=None):
                pass


def test_nothing_ran():
    with gg.profile(file=None) as prof:
        ops.ones(3) + ops.ones(3)  # eager: not timed
    assert "no compiled graph ran" in prof.report()


def test_environment_switch_profiles_the_tutorial(tmp_path):
    trace = tmp_path / "t.json"
    env = dict(os.environ, GRAPHGRAD_PROFILE=str(trace))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "autograd_tutorial.py")],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "top kernels" in proc.stderr and "bce_with_logits_and_grad" in proc.stderr
    assert any(e.get("cat") == "kernel" for e in json.loads(trace.read_text())["traceEvents"])
    assert proc.stdout.splitlines()[0] == "1.3423151"  # the program's own output is unchanged


def test_a_graph_dropped_inside_the_block_is_still_reported():
    import gc

    with gg.profile(file=None) as prof:
        f, x, y = model()
        f(x, y)
        del f
        gc.collect()  # its plan is destroyed: the profiler keeps the record, not the pointer
        g, x, y = model()
        g(x, y)
    assert [p["calls"] for p in prof.plans] == [1, 1]
    assert prof.report().count("loss: 1 calls") == 2
