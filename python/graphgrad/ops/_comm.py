"""MindSpore's collective primitives (ops.AllReduce, ops.AllGather, ops.ReduceScatter,
ops.Broadcast): callables made once (in a Cell's __init__) and applied in construct."""
from ..communication import GlobalComm, _check_group
from ..communication import comm_func
from ..communication.comm_func import ReduceOp


class _Collective:
    def __init__(self, group):
        _check_group(group, type(self).__name__)
        self.group = group


class AllReduce(_Collective):
    """x reduced elementwise over the ranks (op: ReduceOp.SUM, MAX, MIN or PROD)."""

    def __init__(self, op=ReduceOp.SUM, group=GlobalComm.WORLD_COMM_GROUP):
        super().__init__(group)
        comm_func._reduce_op(op, "AllReduce")
        self.op = op

    def __call__(self, x):
        return comm_func.all_reduce(x, self.op)[0]


class AllGather(_Collective):
    """The ranks' x joined along axis 0, in rank order."""

    def __init__(self, group=GlobalComm.WORLD_COMM_GROUP):
        super().__init__(group)

    def __call__(self, x):
        return comm_func.all_gather_into_tensor(x)[0]


class ReduceScatter(_Collective):
    """x reduced over the ranks and split along axis 0: rank r gets block r."""

    def __init__(self, op=ReduceOp.SUM, group=GlobalComm.WORLD_COMM_GROUP):
        super().__init__(group)
        comm_func._reduce_op(op, "ReduceScatter")
        self.op = op

    def __call__(self, x):
        return comm_func.reduce_scatter_tensor(x, self.op)[0]


class Broadcast(_Collective):
    """Rank root_rank's tensors, on every rank: takes and returns a tuple of Tensors."""

    def __init__(self, root_rank, group=GlobalComm.WORLD_COMM_GROUP):
        super().__init__(group)
        if isinstance(root_rank, bool) or not isinstance(root_rank, int):
            raise TypeError(f"Broadcast: root_rank must be an int, got {root_rank!r}")
        self.root_rank = root_rank

    def __call__(self, input_x):
        if not isinstance(input_x, (tuple, list)):
            raise TypeError(f"Broadcast: input_x must be a tuple of Tensors, got {type(input_x).__name__}")
        return tuple(comm_func.broadcast(x, self.root_rank) for x in input_x)


__all__ = ["AllReduce", "AllGather", "ReduceScatter", "Broadcast", "ReduceOp"]
