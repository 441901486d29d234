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
    name = trace.graph.name if trace is not None else "?"
    if trace is not None and trace.active:
        return TracingError(
            f"{what} needs the value of a traced tensor {t.dtype}{list(t.shape)} while tracing '{name}'. "
            "Python code runs once, while tracing, on symbolic tensors, so it cannot branch on or read "
            "tensor values; compute with graphgrad.ops instead, or return the tensor and inspect the result.")
    return leak_error(t)


def leak_error(t):
    return TracingError(
        f"a traced tensor {t.dtype}{list(t.shape)} from the trace of '{t._trace.graph.name}' was used after "
        "that trace ended (it escaped, e.g. through a global or an attribute). Return values from the "
        "traced function instead.")


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

    def capture(self, t, name=None):
        """The graph input for a concrete tensor read while tracing (once per tensor)."""
        entry = self.captured.get(id(t))
        if entry is None:
            kind = "param" if isinstance(t, Parameter) else "const"
            if name is None:
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


def _with_location(e, where):
    """The same exception type, its message followed by the user's file and line."""
    err = type(e)(f"{e}\n  at {where}")
    return err


def apply(op, inputs, attrs=None):
    """Runs op now (eager) or records it into the current trace."""
    attrs = attrs or {}
    trace = current()
    if trace is None:
        for t in inputs:
            if t._symbolic_:
                raise leak_error(t)
        try:
            return _core.run_op(op, inputs, attrs)
        except (ValueError, TypeError, IndexError) as e:
            raise _with_location(e, user_location()[1]) from None
    nodes = [trace.node_of(t) for t in inputs]
    short, where = user_location()
    try:
        node = trace.graph.add(op, nodes, attrs, short)
    except (ValueError, TypeError, IndexError) as e:
        raise _with_location(e, where) from None
    return trace.symbolic(node)
