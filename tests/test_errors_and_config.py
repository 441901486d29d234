"""Public exceptions, the names messages use, Tensor() misuse, type hints, and show_config."""
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Tensor, ops

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_exceptions_are_exported_with_mindsporeish_bases():
    assert issubclass(gg.ShapeError, ValueError)
    assert issubclass(gg.DTypeError, TypeError)
    assert issubclass(gg.TracingError, TypeError)
    for cls in (gg.ShapeError, gg.DTypeError, gg.TracingError):
        assert cls.__module__ == "graphgrad" and cls.__name__ in gg.__all__


def test_shape_error_is_caught_by_name_and_prints_as_graphgrad():
    with pytest.raises(gg.ShapeError, match=r"add: shapes f32\[3\] and f32\[4\]"):
        ops.add(ops.ones(3), ops.ones(4))
    proc = subprocess.run([sys.executable, "-c", "import graphgrad as g; g.ops.ones(3) + g.ops.ones(4)"],
                          capture_output=True, text=True)
    assert "graphgrad.ShapeError: add: shapes f32[3] and f32[4]" in proc.stderr
    assert "_core" not in proc.stderr


def test_dtype_error_is_caught_by_name():
    with pytest.raises(gg.DTypeError):
        ops.binary_cross_entropy_with_logits(ops.ones(3, gg.float32), ops.ones(3, gg.float64))


def test_messages_name_tensor_not_the_extension_class():
    assert Tensor.__name__ == "Tensor" and Tensor.__qualname__ == "Tensor" and Tensor.__module__ == "graphgrad"
    assert repr(Tensor) == "<class 'graphgrad.Tensor'>"
    with pytest.raises(TypeError) as e:
        ops.ones(3) << 1
    assert str(e.value) == "unsupported operand type(s) for <<: 'Tensor' and 'int'"


def test_type_name_hints_at_wrapping():
    from graphgrad._errors import type_name
    assert "wrap it in Tensor(...)" in type_name(np.ones(3))
    assert "wrap it in Tensor(...)" in type_name([1.0, 2.0])
    assert type_name(1.5) == "float"


def test_tensor_shape_without_init_is_a_clear_type_error():
    with pytest.raises(TypeError) as e:
        Tensor(shape=(2, 3), dtype=gg.float32)
    msg = str(e.value)
    assert "needs both" in msg and "initializer" in msg and "incompatible" not in msg and "_core" not in msg


def test_tensor_unknown_keyword():
    with pytest.raises(TypeError, match="unexpected keyword argument.*const_arg"):
        Tensor([1.0], const_arg=True)
    assert Tensor(input_data=[1.0], dtype=gg.float64).dtype is gg.float64
    with pytest.raises(TypeError, match=r"^Tensor.__init__\(\) takes"):
        Tensor([1.0], gg.float32, "extra")


def test_py_typed_is_shipped():
    import graphgrad
    assert os.path.exists(os.path.join(os.path.dirname(graphgrad.__file__), "py.typed"))
    assert os.path.exists(os.path.join(os.path.dirname(graphgrad.__file__), "_core.pyi"))


def test_show_config(capsys):
    gg.show_config()
    out = capsys.readouterr().out
    facts = dict(line.split(None, 1) for line in out.splitlines() if line.split(None, 1)[0] in
                 ("graphgrad", "compiler", "isa", "threads", "flags"))
    assert facts["graphgrad"] == gg.__version__
    assert facts["isa"].split()[0] == gg._core.isa()
    assert facts["threads"].split()[0] == str(gg.get_num_threads())
    assert "-O" in facts["flags"]  # the flags the build really used, baked in by CMake
    assert facts["compiler"].split()[0] in ("GNU", "Clang", "AppleClang", "IntelLLVM")


def test_show_config_names_the_matmul_kernel_this_cpus_vendor_gets():
    # From CPUID in the core; here from /proc/cpuinfo: AMD keeps A's broadcasts apart, Intel folds them.
    try:
        with open("/proc/cpuinfo") as f:
            vendor = next((line.split(":", 1)[1].strip() for line in f if line.startswith("vendor_id")), None)
    except OSError:
        vendor = None
    if vendor not in ("AuthenticAMD", "GenuineIntel") or gg._core.isa() != "avx512":
        pytest.skip(f"AVX-512 kernels on an AMD or Intel CPU (here: {vendor}, {gg._core.isa()})")
    line = gg._config.config()["matmul"]
    assert ("apart" if vendor == "AuthenticAMD" else "folded") in line, line


def test_show_config_tells_zen_4_from_zen_5_under_one_brand_string(monkeypatch):
    # A VM's brand string may be just "AMD EPYC" for both, whose FMA peaks differ twofold: the cpu
    # line (and every benchmark script's) names family, model and microarchitecture.
    from graphgrad import _cpuinfo

    monkeypatch.setattr(_cpuinfo, "_caches", lambda: "L1d 32 KiB, L2 1024 KiB")
    cpus = {("AuthenticAMD", "25", "17", "AMD EPYC"): "AMD EPYC (family 25 model 17: Zen 4; L1d 32 KiB, L2 1024 KiB)",
            ("AuthenticAMD", "26", "2", "AMD EPYC"): "AMD EPYC (family 26 model 2: Zen 5; L1d 32 KiB, L2 1024 KiB)",
            ("GenuineIntel", "6", "143", "Intel Xeon"): "Intel Xeon (family 6 model 143: Sapphire Rapids; L1d 32 KiB, L2 1024 KiB)",
            ("GenuineIntel", "6", "999", "Intel Xeon"): "Intel Xeon (family 6 model 999; L1d 32 KiB, L2 1024 KiB)"}
    for (vendor, family, model, brand), expected in cpus.items():
        info = {"vendor_id": vendor, "cpu family": family, "model": model, "model name": brand}
        monkeypatch.setattr(_cpuinfo, "_cpuinfo", lambda info=info: info)
        assert _cpuinfo.cpu_name() == expected
        assert gg._config.config()["cpu"].startswith(expected + ", ")
    # On this machine: the first CPU's brand string as /proc/cpuinfo gives it (where there is one).
    monkeypatch.undo()
    if os.path.exists("/proc/cpuinfo"):
        assert _cpuinfo.cpu_name().startswith(_cpuinfo._cpuinfo().get("model name", ""))


def test_python_m_graphgrad():
    env = dict(os.environ, GRAPHGRAD_ISA="avx2")
    proc = subprocess.run([sys.executable, "-m", "graphgrad"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    isa = next(line for line in proc.stdout.splitlines() if line.startswith("isa"))
    assert isa.split()[1] in ("avx2", "portable")  # capped by GRAPHGRAD_ISA (portable on a CPU without AVX2)
    assert "GRAPHGRAD_ISA=avx2" in proc.stdout
