"""examples/quickstart.py --quick runs end to end (needs the 'examples' extra; skipped without it)."""
import os
import re
import subprocess
import sys

import numpy as np
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


def test_quickstart_on_mnist_files_as_the_tutorial_reads_them(tmp_path):
    """--mnist reads MindSpore's MNIST_Data layout (train/, test/ of idx files) with
    MnistDataset; here a small made-up MNIST whose label is the brightest of ten image bands."""
    for mod in ("sklearn", "scipy", "tqdm", "matplotlib", "google.protobuf"):
        pytest.importorskip(mod)
    rng = np.random.default_rng(0)
    for folder, prefix, n in (("train", "train", 640), ("test", "t10k", 128)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        for i, y in enumerate(labels):
            images[i, 2 * y + 4:2 * y + 6] = 255
        (tmp_path / "MNIST_Data" / folder).mkdir(parents=True)
        for kind, magic, data in (("images-idx3", 2051, images), ("labels-idx1", 2049, labels)):
            header = np.array([magic, *data.shape], ">u4").tobytes()
            (tmp_path / "MNIST_Data" / folder / f"{prefix}-{kind}-ubyte").write_bytes(header + data.tobytes())
    p = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "quickstart.py"), "--mnist",
                        str(tmp_path / "MNIST_Data"), "--epochs", "2", "--out-dir", str(tmp_path)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    accuracies = [float(a) for a in re.findall(r"Accuracy: ([\d.]+)%", p.stdout)]
    assert len(accuracies) == 3 and accuracies[1] > 90  # two epochs, then the reloaded model
    assert accuracies[2] == accuracies[1] and "after 2 epochs" in p.stdout
