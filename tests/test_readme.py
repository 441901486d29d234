"""The README is tried, not trusted: the tutorial's output it shows is what the script prints,
its `python` and `sh` blocks run, and its `bash` blocks are run verbatim by .ci/run."""
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = open(os.path.join(ROOT, "README.md")).read()
BLOCKS = re.findall(r"^```(\w*)\n(.*?)^```$", README, flags=re.S | re.M)
NUMBER = re.compile(r"[-+]?\d+\.\d+(?:e[-+]?\d+)?")


def blocks(lang):
    return [body for tag, body in BLOCKS if tag == lang]


def run_env():
    # the interpreter running the tests is the `python` the README's commands mean
    return dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))


def test_every_block_says_how_it_is_checked():
    assert all(tag in ("bash", "sh", "python", "text") for tag, _ in BLOCKS), [t for t, _ in BLOCKS]


def test_tutorial_output_is_the_scripts_output():
    shown = next(b for b in blocks("text") if b.startswith("1.3423151"))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "autograd_tutorial.py")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    # the same text, numbers equal to float32 precision (another SIMD path may round the last digit)
    assert NUMBER.sub("#", proc.stdout) == NUMBER.sub("#", shown)
    np.testing.assert_allclose([float(v) for v in NUMBER.findall(proc.stdout)],
                               [float(v) for v in NUMBER.findall(shown)], rtol=1e-6, atol=1e-7)


def test_bash_blocks_are_run_verbatim_by_ci():
    ci = open(os.path.join(ROOT, ".ci", "run")).read().splitlines()
    for block in blocks("bash"):
        for line in block.splitlines():
            command = line.split("  #")[0].strip()
            if command and not command.startswith("#"):
                assert command in ci, f".ci/run does not run the README's command {command!r}"


@pytest.fixture
def workdir(tmp_path):
    shutil.copytree(os.path.join(ROOT, "examples"), tmp_path / "examples")
    return tmp_path


@pytest.mark.parametrize("index", range(len(blocks("python"))))
def test_python_blocks_run(index, workdir):
    proc = subprocess.run([sys.executable, "-c", blocks("python")[index]], capture_output=True, text=True,
                          timeout=300, cwd=workdir, env=run_env())
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("index", range(len(blocks("sh"))))
def test_sh_blocks_run(index, workdir):
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", blocks("sh")[index]], capture_output=True, text=True,
                          timeout=300, cwd=workdir, env=run_env())
    assert proc.returncode == 0, proc.stderr
