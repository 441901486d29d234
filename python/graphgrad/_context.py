"""mindspore.set_context / get_context: the execution mode (GRAPH_MODE compiles a Cell's
construct on call, as MindSpore does; PYNATIVE_MODE runs it op by op), the device target, which
is the CPU here, and deterministic ("ON": collectives reduce in a fixed order). Other keys
MindSpore knows are accepted and kept, so scripts run. Also the auto-parallel context: graphgrad
runs stand-alone or data parallel."""
GRAPH_MODE = 0
PYNATIVE_MODE = 1
# jit_syntax_level's values. graphgrad traces Python (any syntax runs, once); the level is kept.
STRICT, COMPATIBLE, LAX = 0, 1, 2

_context = {"mode": PYNATIVE_MODE, "device_target": "CPU", "device_id": 0, "deterministic": "OFF"}


def set_context(**kwargs):
    for key, value in kwargs.items():
        if key == "mode" and value not in (GRAPH_MODE, PYNATIVE_MODE):
            raise ValueError(f"set_context: mode must be GRAPH_MODE (0) or PYNATIVE_MODE (1), got {value!r}")
        if key == "device_target" and value not in ("CPU", "cpu"):
            raise ValueError(f"set_context: graphgrad runs on the CPU only, got device_target={value!r}")
        if key == "jit_syntax_level" and value not in (STRICT, COMPATIBLE, LAX):
            raise ValueError(f"set_context: jit_syntax_level must be STRICT, COMPATIBLE or LAX, got {value!r}")
        if key == "deterministic" and value not in ("ON", "OFF"):
            raise ValueError(f"set_context: deterministic must be 'ON' or 'OFF', got {value!r}")
        _context[key] = "CPU" if key == "device_target" else value


def get_context(attr_key):
    if attr_key not in _context:
        raise ValueError(f"get_context: unknown key {attr_key!r}; set keys: {sorted(_context)}")
    return _context[attr_key]


def graph_mode():
    return _context["mode"] == GRAPH_MODE


class ParallelMode:
    STAND_ALONE = "stand_alone"
    DATA_PARALLEL = "data_parallel"
    HYBRID_PARALLEL = "hybrid_parallel"
    SEMI_AUTO_PARALLEL = "semi_auto_parallel"
    AUTO_PARALLEL = "auto_parallel"


# comm_fusion's allreduce "config" is the gradient bucket size in MB (see nn.DistributedGradReducer).
_PARALLEL_DEFAULTS = {"parallel_mode": ParallelMode.STAND_ALONE, "gradients_mean": False, "device_num": 1,
                      "global_rank": 0, "parameter_broadcast": True,
                      "comm_fusion": {"allreduce": {"mode": "size", "config": 1}}}
_parallel = dict(_PARALLEL_DEFAULTS)


def set_auto_parallel_context(**kwargs):
    """MindSpore's parallel settings. parallel_mode is STAND_ALONE or DATA_PARALLEL (each rank a
    full model on its shard of the batch); gradients_mean averages rather than sums the ranks'
    gradients; comm_fusion={"allreduce": {"mode": "size", "config": MB}} sets the gradient bucket
    size. Other keys are kept, so scripts run."""
    for key, value in kwargs.items():
        if key == "parallel_mode" and value not in (ParallelMode.STAND_ALONE, ParallelMode.DATA_PARALLEL):
            raise ValueError(f"set_auto_parallel_context: graphgrad runs stand_alone or data_parallel, got "
                             f"parallel_mode={value!r}")
        if key == "gradients_mean" and not isinstance(value, bool):
            raise TypeError(f"set_auto_parallel_context: gradients_mean must be a bool, got {value!r}")
        if key == "comm_fusion":
            config = value.get("allreduce", {}) if isinstance(value, dict) else None
            if config is None or config.get("mode", "size") != "size" or not (
                    isinstance(config.get("config"), (int, float)) and config["config"] > 0):
                raise ValueError("set_auto_parallel_context: comm_fusion must be {'allreduce': {'mode': 'size', "
                                 f"'config': MB > 0}}, got {value!r}")
        _parallel[key] = value


def get_auto_parallel_context(attr_key):
    if attr_key not in _parallel:
        raise ValueError(f"get_auto_parallel_context: unknown key {attr_key!r}; known: {sorted(_parallel)}")
    return _parallel[attr_key]


def reset_auto_parallel_context():
    _parallel.clear()
    _parallel.update(_PARALLEL_DEFAULTS)


def data_parallel():
    return _parallel["parallel_mode"] == ParallelMode.DATA_PARALLEL
