"""Data-parallel training over MPI: the scripts in tests/distributed run under mpirun with 2 and
4 ranks (4 oversubscribe this 2-core machine), and without mpirun as a group of one."""
import os
import re
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "distributed")
pytest.importorskip("mpi4py")
MPIRUN = shutil.which("mpirun", path=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
pytestmark = pytest.mark.skipif(MPIRUN is None, reason="no mpirun (pip install 'graphgrad[mpi]')")


def _launcher(n):
    version = subprocess.run([MPIRUN, "--version"], capture_output=True, text=True).stdout
    if "Open MPI" in version or "OpenRTE" in version:  # CI runs as root; 4 ranks on 2 cores
        return [MPIRUN, "--allow-run-as-root", "--oversubscribe", "-n", str(n)]
    return [MPIRUN, "-n", str(n)]  # MPICH's hydra needs neither


def _clean_env(**extra):
    """Without the variables of an enclosing MPI job (pytest itself may run under one)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMPI_", "PMIX_", "PMI_", "PRTE_"))}
    env.update(OMP_NUM_THREADS="1", **extra)
    return env


def run(n, script, *args, timeout=240, **env):
    cmd = ([] if n is None else _launcher(n)) + [sys.executable, os.path.join(HERE, script), *map(str, args)]
    start = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=_clean_env(**env),
                       errors="replace")
    return r, time.monotonic() - start


def ok(r, n):
    """Every rank said ok (MPICH may interleave the ranks' lines without their newlines)."""
    assert r.returncode == 0, r.stdout + r.stderr
    assert sorted(re.findall(r"rank (\d+) of (\d+): ok", r.stdout)) == [(str(k), str(n)) for k in range(n)], r.stdout


@pytest.mark.parametrize("n", [2, 4])
def test_collectives_eager_and_compiled_match_numpy(n):
    r, _ = run(n, "collectives.py")
    ok(r, n)


@pytest.mark.parametrize("n", [2, 4])
def test_data_parallel_training_matches_one_process(n, tmp_path):
    r, _ = run(n, "train_equivalence.py", tmp_path)
    ok(r, n)
    # Rank 0 alone wrote the checkpoint; every rank ended with the same bits (checked in the script).
    assert sorted(p.name for p in tmp_path.glob("*.ckpt")) == ["model_rank0.ckpt"]
    weights = [np.load(tmp_path / f"weights_rank{k}.npy") for k in range(n)]
    assert all(np.array_equal(weights[0], w) for w in weights)


def test_compiled_step_overlaps_all_reduce_with_backward(tmp_path):
    r, _ = run(2, "train_equivalence.py", tmp_path)
    ok(r, 2)
    ir = (tmp_path / "train_step.ir").read_text().splitlines()
    starts = [i for i, line in enumerate(ir) if "collective_start(" in line]
    waits = [i for i, line in enumerate(ir) if "collective_wait(" in line]
    matmuls = [i for i, line in enumerate(ir) if "matmul(" in line]
    assert len(starts) >= 3, "4 KB buckets should give several all-reduces"
    assert starts[0] < matmuls[-1], "the first all-reduce must start before the backward pass ends"
    assert min(waits) > matmuls[-1], "no wait before the backward pass is done"


def test_deterministic_reduction_is_bitwise_reproducible(tmp_path):
    runs = []
    for k in range(2):
        out = tmp_path / str(k)
        out.mkdir()
        r, _ = run(4, "train_equivalence.py", out, "--deterministic")
        ok(r, 4)
        runs.append(np.load(out / "weights_rank0.npy"))
    assert np.array_equal(runs[0], runs[1])


def test_without_mpirun_is_a_group_of_one(tmp_path):
    r, _ = run(None, "collectives.py")
    ok(r, 1)
    r, _ = run(None, "train_equivalence.py", tmp_path)
    ok(r, 1)


def test_a_rank_that_raises_aborts_every_rank():
    r, seconds = run(2, "faults.py", "raise", timeout=120)
    assert r.returncode != 0
    assert "injected failure on rank 1" in r.stderr and "[graphgrad rank 1] uncaught RuntimeError" in r.stderr
    assert seconds < 60, f"took {seconds:.0f} s"


def test_a_rank_that_skips_a_collective_times_out_the_others():
    r, seconds = run(2, "faults.py", "skip", timeout=120, GRAPHGRAD_COMM_TIMEOUT="3")
    assert r.returncode != 0
    assert "did not complete within 3 s on rank 0 of 2" in r.stderr, r.stderr
    assert seconds < 60, f"took {seconds:.0f} s"


@pytest.mark.parametrize("n", [2, 4])
def test_shape_and_dtype_mismatch_across_ranks_is_a_clear_error(n):
    r, _ = run(n, "faults.py", "mismatch")
    ok(r, n)
