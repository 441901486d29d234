"""The transports behind graphgrad's collectives: MPI through mpi4py (Open MPI or MPICH), or a
group of one when the script was not started by mpirun. The C++ executor calls a backend's
start / wait / progress from the kernels of collective_start and collective_wait (with numpy
views of the graph's buffers), so eager and compiled collectives run the same code."""
import hashlib
import itertools
import os
import threading
import time

import numpy as np


def timeout_seconds():
    """How long a collective may wait for the other ranks before it is an error (a rank that
    failed, exited or skipped a collective must not hang the others)."""
    value = os.environ.get("GRAPHGRAD_COMM_TIMEOUT", "300")
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"GRAPHGRAD_COMM_TIMEOUT must be a number of seconds, got {value!r}") from None
    if not seconds > 0:
        raise ValueError(f"GRAPHGRAD_COMM_TIMEOUT must be positive, got {value!r}")
    return seconds


def launched_by_mpi():
    """Whether an MPI launcher (Open MPI's mpirun, MPICH's hydra, any PMIx one) started us."""
    return any(k in os.environ for k in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"))


def _same_buffer(a, b):
    return a.__array_interface__["data"][0] == b.__array_interface__["data"][0]


class LocalBackend:
    """A group of one: every collective is its input."""

    rank, size, local_rank, local_size = 0, 1, 0, 1

    def start(self, kind, op, root, name, data, work):
        if not _same_buffer(data, work):
            np.copyto(work, data)
        return 0

    def wait(self, handle):
        pass

    def progress(self):
        pass

    def check(self, signatures):
        pass

    def barrier(self):
        pass


class MPIBackend:
    """MPI_COMM_WORLD through mpi4py. Every collective is non-blocking (MPI_Iallreduce, ...) on
    memory the graph keeps for it until its wait; waits poll under a deadline."""

    def __init__(self, deterministic):
        # Open MPI's default non-blocking all-reduce for large buffers (recursive doubling on 2
        # ranks) took 19 ms for 4 MB here where Rabenseifner's takes 0.8, as blocking MPI_Allreduce
        # does; MPI reads this at initialisation (other MPIs ignore it; the user's value wins).
        os.environ.setdefault("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "rabenseifner")
        from mpi4py import MPI  # initialises MPI (thread level: mpi4py's default, multiple)

        self.MPI = MPI
        self.comm = MPI.COMM_WORLD
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()
        node = self.comm.Split_type(MPI.COMM_TYPE_SHARED)
        self.local_rank, self.local_size = node.Get_rank(), node.Get_size()
        node.Free()
        self.deterministic = deterministic
        self.timeout = timeout_seconds()
        self._ops = {"sum": MPI.SUM, "max": MPI.MAX, "min": MPI.MIN, "prod": MPI.PROD}
        self._pending = {}  # handle -> (request, what to do when it is done, kind, name)
        self._handles = itertools.count(1)
        # The executor's progress thread tests requests too: MPI forbids two threads completing
        # one request at once, so every Test (and _pending) is under this lock.
        self._lock = threading.Lock()

    def start(self, kind, op, root, name, data, work):
        MPI, comm, finish = self.MPI, self.comm, None
        if kind == "all_reduce" and self.deterministic:
            # A fixed order: every rank sums the same rows in rank order, so every rank (and every
            # run) gets the same bits, whatever algorithm the MPI library picks.
            rows = np.empty((self.size,) + data.shape, data.dtype)
            rows[self.rank] = data
            request = comm.Iallgather(MPI.IN_PLACE, rows)
            reduce = {"sum": np.add, "max": np.maximum, "min": np.minimum, "prod": np.multiply}[op]
            finish = lambda: reduce.reduce(rows, axis=0, out=work)  # noqa: E731
        elif kind in ("all_reduce", "broadcast"):
            if not _same_buffer(data, work):
                np.copyto(work, data)
            request = (comm.Iallreduce(MPI.IN_PLACE, work, op=self._ops[op]) if kind == "all_reduce"
                       else comm.Ibcast(work, root=root))
        elif kind == "all_gather":
            block = data.shape[0]
            work[self.rank * block:(self.rank + 1) * block] = data
            request = comm.Iallgather(MPI.IN_PLACE, work)
        elif kind == "reduce_scatter":
            send = data.copy()  # the graph may reuse `data` once the start has run
            recv = np.empty((data.shape[0] // self.size,) + data.shape[1:], data.dtype)
            request = comm.Ireduce_scatter_block(send, recv, op=self._ops[op])
            finish = lambda: np.copyto(work[:recv.shape[0]], recv)  # noqa: E731  (its block comes first)
        else:
            raise ValueError(f"unknown collective {kind!r}")
        handle = next(self._handles)
        with self._lock:
            self._pending[handle] = (request, finish, kind, name)
        return handle

    def wait(self, handle):
        request, finish, kind, name = self._pending[handle]
        self._complete(request, f"{kind} of '{name}'")
        with self._lock:
            del self._pending[handle]
        if finish is not None:
            finish()

    def _complete(self, request, what):
        """Waits for request; past the timeout, a RuntimeError saying what was waited for."""
        # Polling Test (as MPI's own Wait polls) keeps the transfer moving; Open MPI yields the
        # core inside it when ranks outnumber cores.
        deadline = time.monotonic() + self.timeout
        spins = 0
        while not self._test(request, what):
            spins += 1
            if spins % 1024 == 0 and time.monotonic() > deadline:
                raise RuntimeError(
                        f"{what} did not complete within {self.timeout:g} s on rank {self.rank} of {self.size}: "
                        "another rank failed, exited or did not call this collective (GRAPHGRAD_COMM_TIMEOUT "
                        "sets the limit)")

    def _test(self, request, what):
        try:
            with self._lock:
                return request.Test()
        except self.MPI.Exception as e:
            raise RuntimeError(f"{what} failed on rank {self.rank} of {self.size}: {e.Get_error_string()} (the "
                               "ranks' collectives do not match: one skipped this one or called another)") from None

    def progress(self):
        if self._lock.acquire(blocking=False):  # else a wait is testing: that moves them along
            try:
                entry = next(iter(self._pending.values()), None)
                if entry is not None:
                    entry[0].Test()  # any MPI call moves every pending transfer along
            finally:
                self._lock.release()

    def check(self, signatures):
        """Every rank must run the same collectives on the same shapes and dtypes: compares this
        rank's list of (kind, name, dtype, shape) with every other rank's (digests first, under the
        timeout); raises ValueError naming the first tensor that differs."""
        digest = np.frombuffer(hashlib.blake2b(repr(signatures).encode(), digest_size=16).digest(), np.uint8)
        digests = np.empty((self.size, 16), np.uint8)
        digests[self.rank] = digest
        first = f"{signatures[0][0]} of '{signatures[0][1]}'"
        more = f" and {len(signatures) - 1} more collectives" if len(signatures) > 1 else ""
        self._complete(self.comm.Iallgather(self.MPI.IN_PLACE, digests), f"the cross-rank check of {first}{more}")
        if (digests == digest).all():
            return
        everyone = self.comm.allgather(signatures)  # every rank saw a difference: all are here

        def show(s):
            return "nothing" if s is None else f"{s[0]} of '{s[1]}' on {s[2]}{list(s[3])}"

        for r, theirs in enumerate(everyone):
            for k, (mine, other) in enumerate(itertools.zip_longest(signatures, theirs)):
                if mine != other:
                    raise ValueError(f"collective {k} differs across ranks: rank {self.rank} runs {show(mine)}, "
                                     f"rank {r} runs {show(other)}; every rank must run the same collectives on "
                                     "tensors of the same shape and dtype")

    def barrier(self):
        self._complete(self.comm.Ibarrier(), "barrier")

    def abort(self, code):
        self.comm.Abort(code)
