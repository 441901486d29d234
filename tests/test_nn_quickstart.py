"""examples/quickstart.py --quick runs end to end (needs the 'examples' extra; skipped without it)."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_quickstart_quick(tmp_path):
    for mod in ("sklearn", "scipy", "tqdm", "matplotlib", "google.protobuf"):
        pytest.importorskip(mod)
    p = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "quickstart.py"), "--quick",
                        "--out-dir", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    assert "Accuracy:" in p.stdout and "Done!" in p.stdout
    assert (tmp_path / "model.ckpt").stat().st_size > 0
    assert (tmp_path / "quickstart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
