"""mindspore.communication for graphgrad: process groups over MPI (mpi4py with Open MPI or
MPICH). Start the same script on N processes (``mpirun -n N python train.py``); without mpirun it
runs as a group of one. Only the world group exists; collectives are in ``comm_func`` and as
``ops.AllReduce`` and friends, eager or inside compiled graphs."""
import atexit
import sys
import traceback

from .. import _core
from .._context import get_context
from ._backend import LocalBackend, MPIBackend, launched_by_mpi

HCCL_WORLD_COMM_GROUP = "hccl_world_group"
NCCL_WORLD_COMM_GROUP = "nccl_world_group"
MCCL_WORLD_COMM_GROUP = "mccl_world_group"
_WORLD_GROUPS = (HCCL_WORLD_COMM_GROUP, NCCL_WORLD_COMM_GROUP, MCCL_WORLD_COMM_GROUP)


class GlobalComm:
    """MindSpore's record of the communication set-up."""
    BACKEND = "mpi"
    WORLD_COMM_GROUP = HCCL_WORLD_COMM_GROUP
    INITED = False
    CHECK_ENVS = True


_backend = None


def init(backend_name=None):
    """Joins the group of processes mpirun started (MPI through mpi4py), or makes a group of one
    when there is no launcher. MindSpore's backend names (hccl, nccl, mccl) are accepted and mean
    MPI here. From now on an uncaught exception on any rank aborts every rank (no rank is left
    waiting in a collective for one that died)."""
    global _backend
    if backend_name not in (None, "mpi", "hccl", "nccl", "mccl"):
        raise ValueError(f"init: backend_name must be None, 'mpi', 'hccl', 'nccl' or 'mccl', got {backend_name!r}")
    if _backend is not None:
        return
    deterministic = get_context("deterministic") == "ON"
    if launched_by_mpi():
        try:
            _backend = MPIBackend(deterministic)
        except ImportError:
            raise RuntimeError("init: this process was started by an MPI launcher but mpi4py is not installed; "
                               "pip install 'graphgrad[mpi]' (mpi4py and Open MPI)") from None
    else:
        _backend = LocalBackend()
    _core._set_comm_backend(_backend)
    # Registered after mpi4py's own exit handler, so it runs first: the executor lets go of the
    # backend (and stops its progress thread) before MPI is finalised.
    atexit.register(_core._set_comm_backend, None)
    GlobalComm.INITED = True
    if _backend.size > 1:
        _abort_on_uncaught_exception()


def release():
    """Leaves the group: collectives need init() again."""
    global _backend
    _core._set_comm_backend(None)
    _backend = None
    GlobalComm.INITED = False


def _abort_on_uncaught_exception():
    previous = sys.excepthook

    def excepthook(kind, value, tb):
        rank = _backend.rank
        sys.stderr.write(f"[graphgrad rank {rank}] uncaught {kind.__name__}: aborting every rank\n"
                         + "".join(traceback.format_exception(kind, value, tb)))
        sys.stderr.flush()
        if kind is KeyboardInterrupt:
            previous(kind, value, tb)
        _backend.abort(1)

    sys.excepthook = excepthook


def backend():
    """The backend init() made (for graphgrad's own modules)."""
    if _backend is None:
        raise RuntimeError("communication has not been initialised: call graphgrad.communication.init() first")
    return _backend


def is_initialized():
    return _backend is not None


def _check_group(group, what):
    if group not in _WORLD_GROUPS:
        raise ValueError(f"{what}: graphgrad has only the world group ({HCCL_WORLD_COMM_GROUP!r}), got {group!r}")


def get_rank(group=GlobalComm.WORLD_COMM_GROUP):
    """This process's rank in the group (0 .. group size - 1)."""
    _check_group(group, "get_rank")
    return backend().rank


def get_group_size(group=GlobalComm.WORLD_COMM_GROUP):
    """The number of processes in the group."""
    _check_group(group, "get_group_size")
    return backend().size


def get_local_rank(group=GlobalComm.WORLD_COMM_GROUP):
    """This process's rank among those on the same machine."""
    _check_group(group, "get_local_rank")
    return backend().local_rank


def get_local_rank_size(group=GlobalComm.WORLD_COMM_GROUP):
    """The number of processes of the group on this machine."""
    _check_group(group, "get_local_rank_size")
    return backend().local_size


def shard_range(n, rank=None, size=None):
    """This rank's part of range(n): every size-th index from rank (what a sharded dataset takes,
    so the ranks' batches together are the whole batch of one process)."""
    rank = get_rank() if rank is None else rank
    size = get_group_size() if size is None else size
    if not 0 <= rank < size:
        raise ValueError(f"shard_range: rank {rank} is not in a group of {size}")
    return range(rank, n, size)


from . import comm_func  # noqa: E402

__all__ = ["GlobalComm", "HCCL_WORLD_COMM_GROUP", "NCCL_WORLD_COMM_GROUP", "MCCL_WORLD_COMM_GROUP", "init", "release",
           "get_rank", "get_group_size", "get_local_rank", "get_local_rank_size", "shard_range", "comm_func"]
