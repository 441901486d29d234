"""The CPU line every benchmark script prints: graphgrad's own (show_config's, in
python/graphgrad/_cpuinfo.py), loaded from the source tree by path, so that the scripts that time
the C++ harness need no built package."""
import importlib.util
import os

_spec = importlib.util.spec_from_file_location(
    "graphgrad_cpuinfo", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python", "graphgrad", "_cpuinfo.py"))
_cpuinfo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_cpuinfo)
cpu_name = _cpuinfo.cpu_name
