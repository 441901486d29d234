"""Writing a Parameter's value from a layer or an optimizer.

ops.assign (on main soon) writes eagerly with set_data and, inside a trace, records a state
update the compiled function applies. Until it lands here, a traced write cannot be expressed,
so it says so instead of silently dropping the update."""
from .. import ops
from .._trace import current


def assign(param, value):
    core_assign = getattr(ops, "assign", None)
    if core_assign is not None:
        return core_assign(param, value)
    if current() is not None:
        raise NotImplementedError(
            f"updating Parameter {param.name!r} inside a compiled function needs ops.assign, which this build lacks; "
            "run the update eagerly (outside jit/grad)")
    param.set_data(value)
    return param
