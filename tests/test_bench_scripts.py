"""The training benchmark runs end to end and reports both ratios: bench/compare_train.py, briefly,
with the peers every machine has (graphgrad and numpy by hand)."""
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


def test_the_cpu_line_tells_zen_4_from_zen_5_under_one_brand_string(monkeypatch):
    # A VM's brand string may be just "AMD EPYC" for both, whose FMA peaks differ twofold: every
    # benchmark script names the family, model and microarchitecture beside its figures.
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    try:
        import _machine
    finally:
        sys.path.pop(0)
    monkeypatch.setattr(_machine, "_caches", lambda: "L1d 32 KiB, L2 1024 KiB")
    cpus = {("AuthenticAMD", "25", "17", "AMD EPYC"): "AMD EPYC (family 25 model 17: Zen 4; L1d 32 KiB, L2 1024 KiB)",
            ("AuthenticAMD", "26", "2", "AMD EPYC"): "AMD EPYC (family 26 model 2: Zen 5; L1d 32 KiB, L2 1024 KiB)",
            ("GenuineIntel", "6", "143", "Intel Xeon"): "Intel Xeon (family 6 model 143: Sapphire Rapids; L1d 32 KiB, L2 1024 KiB)",
            ("GenuineIntel", "6", "999", "Intel Xeon"): "Intel Xeon (family 6 model 999; L1d 32 KiB, L2 1024 KiB)"}
    for (vendor, family, model, brand), expected in cpus.items():
        info = {"vendor_id": vendor, "cpu family": family, "model": model, "model name": brand}
        monkeypatch.setattr(_machine, "_cpuinfo", lambda info=info: info)
        assert _machine.cpu_name() == expected
    # And on this machine it names the first CPU's model as /proc/cpuinfo does (where there is one).
    monkeypatch.undo()
    if os.path.exists("/proc/cpuinfo"):
        assert _machine.cpu_name().startswith(_machine._cpuinfo().get("model name", ""))
