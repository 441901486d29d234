"""mindspore.communication.comm_func: collectives as functions, eager or inside a compiled graph
(there they are a collective_start / collective_wait pair of nodes that the executor overlaps with
the kernels between them). Every rank must call the same collectives in the same order on tensors
of the same shape and dtype; a mismatch is a ValueError naming the tensor (checked on every eager
call, and once per compiled graph)."""
from .._trace import current, user_location
from ..ops._base import apply, check_tensor, op
from . import GlobalComm, _check_group, backend


class ReduceOp:
    SUM = "sum"
    MAX = "max"
    MIN = "min"
    PROD = "prod"


class CommHandle:
    """What an async_op=True call returns: graphgrad's eager collectives are complete when they
    return, so wait() has nothing left to do."""

    def wait(self):
        pass


def _root(trace):
    while trace.parent is not None:
        trace = trace.parent
    return trace


def collective(kind, x, reduce_op="sum", root=0, name=None):
    """kind(x) over the world group: the start/wait pair, and the cross-rank agreement check."""
    check_tensor(x, kind, "tensor")
    group = backend()
    name = name or getattr(x, "name", None) or f"tensor at {user_location()[0]}"
    signature = (kind, name, str(x.dtype), tuple(x.shape))
    trace = current()
    if trace is None:
        group.check([signature])
    else:
        _root(trace).collectives.append(signature)
    attrs = {"kind": kind, "n": group.size, "name": name}
    work = apply("collective_start", [x], dict(attrs, op=reduce_op, root=root))
    return apply("collective_wait", [work], attrs)


def _reduce_op(value, what):
    ops = ("sum", "max", "min", "prod") + (("mean",) if what == "all_reduce" else ())
    if value not in ops:
        raise ValueError(f"{what}: op must be one of {', '.join(map(repr, ops))}, got {value!r}")
    return value


def _result(out, async_op):
    return out, (CommHandle() if async_op else None)


@op
def all_reduce(tensor, op=ReduceOp.SUM, group=GlobalComm.WORLD_COMM_GROUP, async_op=False):
    """The elementwise sum (max, min, prod; 'mean' divides the sum by the group size) of
    ``tensor`` over the ranks, on every rank. Returns (Tensor, CommHandle or None)."""
    _check_group(group, "all_reduce")
    if _reduce_op(op, "all_reduce") == "mean":
        check_tensor(tensor, "all_reduce", "tensor")
        if tensor.dtype.kind != "f":
            raise TypeError(f"all_reduce: op 'mean' needs a float tensor, got {tensor.dtype}")
        return _result(collective("all_reduce", tensor, "sum") / backend().size, async_op)
    return _result(collective("all_reduce", tensor, op), async_op)


@op
def all_gather_into_tensor(tensor, group=GlobalComm.WORLD_COMM_GROUP, async_op=False):
    """The ranks' tensors joined along axis 0, in rank order, on every rank."""
    _check_group(group, "all_gather_into_tensor")
    return _result(collective("all_gather", tensor), async_op)


@op
def reduce_scatter_tensor(tensor, op=ReduceOp.SUM, group=GlobalComm.WORLD_COMM_GROUP, async_op=False):
    """The elementwise reduction over the ranks, split along axis 0: rank r gets block r."""
    _check_group(group, "reduce_scatter_tensor")
    return _result(collective("reduce_scatter", tensor, _reduce_op(op, "reduce_scatter_tensor")), async_op)


@op
def broadcast(tensor, src=0, group=GlobalComm.WORLD_COMM_GROUP):
    """Rank src's tensor, on every rank."""
    _check_group(group, "broadcast")
    if isinstance(src, bool) or not isinstance(src, int):
        raise TypeError(f"broadcast: src must be an int rank, got {src!r}")
    return collective("broadcast", tensor, root=src)


def barrier(group=GlobalComm.WORLD_COMM_GROUP):
    """Returns once every rank has called it."""
    _check_group(group, "barrier")
    backend().barrier()


__all__ = ["ReduceOp", "CommHandle", "all_reduce", "all_gather_into_tensor", "reduce_scatter_tensor", "broadcast",
           "barrier"]
