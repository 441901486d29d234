"""Tracing: while a function is traced, every op records a node in a C++ graph instead of
running. Concrete tensors read during the trace (Parameters above all) become graph inputs."""
import os
import sys
import threading

from . import _core
from ._tensor import Parameter, Tensor

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_local = threading.local()


class TracingError(TypeError):
    """A traced tensor was used where a concrete value is needed, or outside its trace."""


def user_frame():
    """The innermost stack frame outside graphgrad: where the user's code called us."""
    f = sys._getframe(1)
    while f is not None and os.path.dirname(os.path.abspath(f.f_code.co_filename)) == _PACKAGE_DIR:
        f = f.f_back
    return f


def user_location():
    """(short "file.py:21" for the IR, "path/file.py:21" for messages)."""
    f = user_frame()
    if f is None:
        return "", "<unknown>"
    path = f.f_code.co_filename
    return f"{os.path.basename(path)}:{f.f_lineno}", f"{path}:{f.f_lineno}"


def concretization_error(t, what):
    trace = t._trace
    if trace.active:
        return TracingError(
            f"{what} needs the value of a traced tensor {t.dtype}{list(t.shape)} while tracing "
            f"'{trace.graph.name}'. Python code runs once, while tracing, on symbolic tensors, so it cannot "
            "branch on or read tensor values; compute with graphgrad.ops instead, or return the tensor and "
            f"inspect the result.\n  at {user_location()[1]}")
    return leak_error(t)


def leak_error(t):
    return TracingError(
        f"a traced tensor {t.dtype}{list(t.shape)} from the trace of '{t._trace.graph.name}' was used after "
        "that trace ended (it escaped, e.g. through a global or an attribute). Return values from the "
        f"traced function instead.\n  at {user_location()[1]}")


def with_location(e, op=None):
    """The same exception with the user's file and line appended (once); a MemoryError also
    names the op."""
    msg = str(e)
    if "\n  at " in msg:
        return e
    if op and isinstance(e, MemoryError) and not msg.startswith(op):
        msg = f"{op}: {msg}"
    return type(e)(f"{msg}\n  at {user_location()[1]}")


class Trace:
    def __init__(self, name):
        self.graph = _core.Graph(name)
        self.active = True
        self.captured = {}  # id(tensor) -> (tensor, node): concrete tensors read while tracing

    def arg(self, t, name):
        """A graph input for a positional argument of the traced function."""
        node = self.graph.add_input(t.dtype.code, list(t.shape), name, "arg")
        return self.symbolic(node)

    def symbolic(self, node):
        return Tensor._symbolic(self, node, self.graph.dtype(node), list(self.graph.shape(node)))

    def capture(self, t):
        """The graph input for a concrete tensor read while tracing (once per tensor)."""
        entry = self.captured.get(id(t))
        if entry is None:
            kind = "param" if isinstance(t, Parameter) else "const"
            name = (t.name if kind == "param" else None) or f"{kind}{len(self.captured)}"
            entry = (t, self.graph.add_input(t.dtype.code, list(t.shape), name, kind))
            self.captured[id(t)] = entry
        return entry[1]

    def node_of(self, t):
        if not t._symbolic_:
            return self.capture(t)
        if t._trace is not self:
            raise leak_error(t)
        return t._node


def current():
    return getattr(_local, "trace", None)


class tracing:
    """Context manager: makes `trace` the current one on this thread."""

    def __init__(self, trace):
        self.trace = trace

    def __enter__(self):
        if current() is not None:
            raise NotImplementedError(
                "calling a grad or value_and_grad function inside a traced function is not supported yet")
        _local.trace = self.trace
        return self.trace

    def __exit__(self, *exc):
        _local.trace = None
        self.trace.active = False


def apply(op, inputs, attrs=None):
    """Runs op now (eager) or records it into the current trace. Errors are located by the
    public op that called this (ops._op)."""
    attrs = attrs or {}
    trace = current()
    if trace is None:
        for t in inputs:
            if t._symbolic_:
                raise leak_error(t)
        return _core.run_op(op, inputs, attrs)
    nodes = [trace.node_of(t) for t in inputs]
    return trace.symbolic(trace.graph.add(op, nodes, attrs, user_location()[0]))
