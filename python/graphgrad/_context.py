"""mindspore.set_context / get_context: the execution mode (GRAPH_MODE compiles a Cell's
construct on call, as MindSpore does; PYNATIVE_MODE runs it op by op) and the device target,
which is the CPU here. Other keys MindSpore knows are accepted and kept, so scripts run."""
GRAPH_MODE = 0
PYNATIVE_MODE = 1

_context = {"mode": PYNATIVE_MODE, "device_target": "CPU", "device_id": 0}


def set_context(**kwargs):
    for key, value in kwargs.items():
        if key == "mode" and value not in (GRAPH_MODE, PYNATIVE_MODE):
            raise ValueError(f"set_context: mode must be GRAPH_MODE (0) or PYNATIVE_MODE (1), got {value!r}")
        if key == "device_target" and value not in ("CPU", "cpu"):
            raise ValueError(f"set_context: graphgrad runs on the CPU only, got device_target={value!r}")
        _context[key] = "CPU" if key == "device_target" else value


def get_context(attr_key):
    if attr_key not in _context:
        raise ValueError(f"get_context: unknown key {attr_key!r}; set keys: {sorted(_context)}")
    return _context[attr_key]


def graph_mode():
    return _context["mode"] == GRAPH_MODE
