"""The benchmark scripts run end to end and report their ratios: bench/compare_train.py and
bench/compare_eager.py, briefly, with the peers every machine has (graphgrad and numpy)."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_compare_train_checks_the_losses_and_prints_both_ratios_and_the_strongest_peer():
    p = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "compare_train.py"), "--batches", "64",
                        "--threads", "1", "--impls", "graphgrad,numpy", "--repeats", "3", "--sample-s", "0.005",
                        "--no-extra"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    # Both implementations agreed with the float64 reference, so both were timed.
    assert "DISAGREES" not in out
    assert re.search(r"max rel err vs float64: graphgrad \S+, numpy \S+", out)
    # The ratio of the medians, then the per-round ratios: median (min-max), the median inside.
    # (A time under 1 ms prints in us: graphgrad's batch-64 step does on a fast core.)
    ratio = re.search(r"^\s+1\s+64\s+.*[mu]s \(\d+\)\s+.*[mu]s \(\d+\)\s+(\d+\.\d+)$", out, re.M)
    # The last column is against the strongest peer: here numpy, the only one.
    rounds = re.search(r"^\s+1\s+64\s+((\d+\.\d+) \((\d+\.\d+)-(\d+\.\d+)\))\s+(.*) numpy$", out, re.M)
    assert ratio and rounds, out
    med, lo, hi = map(float, rounds.group(2, 3, 4))
    assert 0 < lo <= med <= hi
    assert rounds.group(5) == rounds.group(1)
    assert float(ratio.group(1)) > 0


def test_compare_train_names_an_unknown_implementation_before_it_starts():
    # 'jax' for 'jax.jit': a usage error naming the choices, not a KeyError from a worker process.
    p = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "compare_train.py"), "--impls", "graphgrad,jax"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    assert "unknown 'jax'; choose from graphgrad, numpy, torch, torch.compile, jax.jit" in p.stderr
    assert "Traceback" not in p.stderr


def test_the_scripts_name_the_cpu_as_show_config_does():
    # bench/_machine.py loads graphgrad's own description from the source tree (no built package).
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    try:
        import _machine
    finally:
        sys.path.pop(0)
    from graphgrad._cpuinfo import cpu_name
    assert _machine.cpu_name() == cpu_name()


def test_compare_eager_checks_the_values_and_prints_a_ratio_per_op():
    p = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "compare_eager.py"), "--impls", "graphgrad,numpy",
                        "--repeats", "3", "--sample-s", "0.002"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    rows = re.findall(r"^(.+?)\s+(\d+\.\d+)us\s+(\d+\.\d+)us\s+(\d+\.\d+) \((\d+\.\d+)-(\d+\.\d+)\) numpy$", p.stdout, re.M)
    assert [r[0] for r in rows] == ["a + b (4x4)", "a * 2.0 (4x4)", "a < b (4x4)", "relu(a) (4x4)", "exp(a) (4x4)",
                                    "matmul(a, b) (4x4)", "a.reshape(2, 8)", "a[1] (4x4)", "a.sum() (4x4)",
                                    "a.mean() (4x4)", "a + b (256x256)", "MLP forward (64x784)",
                                    "Quick Start net (64)"], p.stdout
    for _, gg_us, np_us, med, lo, hi in rows:
        # (a round that a busy machine slowed 200-fold prints its ratio as 0.00: 0 is allowed)
        assert float(gg_us) > 0 and float(np_us) > 0 and 0 <= float(lo) <= float(med) <= float(hi)
