"""graphgrad.show_config() and ``python -m graphgrad``: what this install is and what it chose
on this machine, for bug reports and for reading benchmark numbers."""
import os
import platform
import sys
from importlib import metadata
from typing import Any, Dict, Optional, TextIO

from . import _core
from ._cpuinfo import cpu_name


def _version(dist: str) -> Optional[str]:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def config() -> Dict[str, Any]:
    """The facts show_config() prints, as a dict."""
    from . import __version__

    build = _core._build_info()
    isa = _core.isa()
    fold = "folded into the FMAs (as on Intel)" if build["fold_broadcasts"] else "apart from the FMAs (as on AMD)"
    return {
        "graphgrad": __version__,
        "core": _core.__file__,
        "python": f"{platform.python_version()} ({sys.executable})",
        "compiler": build["compiler"],
        "build type": build["build_type"] + (" + ASan/UBSan" if build["sanitize"] else ""),
        "flags": build["cxx_flags"],
        "pybind11": build["pybind11"],
        "cpu": f"{cpu_name()}, {os.cpu_count()} logical cores",
        "isa": f"{isa} (best on this CPU: {build['best_isa']}; GRAPHGRAD_ISA=portable|avx2|avx512 caps it)",
        "matmul": f"AVX-512 float microkernel: A's broadcasts {fold}" if isa == "avx512" else f"the {isa} microkernels",
        "threads": f"{_core.get_num_threads()} (graphgrad.set_num_threads(n) changes it)",
        "numpy": _version("numpy"),
        "torch": _version("torch") or "not installed",
        "jax": _version("jax") or "not installed",
        "environment": " ".join(f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith("GRAPHGRAD_"))
                       or "no GRAPHGRAD_* variables set",
    }


def show_config(file: Optional[TextIO] = None) -> None:
    """Prints graphgrad's version, build (compiler, flags), the SIMD path and thread count its
    kernels use here, and the versions of the libraries it exchanges data with."""
    facts = config()
    width = max(map(len, facts)) + 2
    print("\n".join(f"{k:<{width}}{v}" for k, v in facts.items()), file=file or sys.stdout)
