"""The training benchmark runs end to end and reports both ratios: bench/compare_train.py, briefly,
with the peers every machine has (graphgrad and numpy by hand)."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_compare_train_checks_the_losses_and_prints_both_ratios():
    p = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "compare_train.py"), "--batches", "64",
                        "--threads", "1", "--impls", "graphgrad,numpy", "--repeats", "3", "--sample-s", "0.005",
                        "--no-extra"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    # Both implementations agreed with the float64 reference, so both were timed.
    assert "DISAGREES" not in out
    assert re.search(r"max rel err vs float64: graphgrad \S+, numpy \S+", out)
    # The ratio of the medians, then the per-round ratios: median (min-max), the median inside.
    ratio = re.search(r"^\s+1\s+64\s+.*ms \(\d+\)\s+.*ms \(\d+\)\s+(\d+\.\d+)$", out, re.M)
    rounds = re.search(r"^\s+1\s+64\s+(\d+\.\d+) \((\d+\.\d+)-(\d+\.\d+)\)$", out, re.M)
    assert ratio and rounds, out
    med, lo, hi = map(float, rounds.groups())
    assert 0 < lo <= med <= hi
    assert float(ratio.group(1)) > 0
