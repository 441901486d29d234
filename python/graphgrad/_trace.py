"""Tracing: while a function is traced, every op records a node in a C++ graph instead of
running. Concrete tensors read during the trace (Parameters above all) become graph inputs."""
import os
import sys
import threading

from . import _core
from ._tensor import Parameter, Tensor

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class _Local(threading.local):
    trace = None  # this thread's current Trace (None: not tracing)


_local = _Local()


class TracingError(TypeError):
    """A traced tensor was used where a concrete value is needed, or outside its trace."""


_INSIDE = {}  # a code's file name -> whether it lies in this package (every traced op asks)


def _in_package(filename):
    inside = _INSIDE.get(filename)
    if inside is None:
        inside = os.path.abspath(filename).startswith(_PACKAGE_DIR + os.sep)
        if os.path.isabs(filename):  # a relative name moves with the working directory
            _INSIDE[filename] = inside
    return inside


def user_frame():
    """The innermost stack frame outside graphgrad: where the user's code called us."""
    f = sys._getframe(1)
    while f is not None and _in_package(f.f_code.co_filename):
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
    """One level of tracing. A trace started while another is active (a grad inside a jit, a grad
    of a grad) is its child: tensors of the enclosing levels it reads become its graph inputs,
    and its finished graph is inlined into the parent's (autodidax's trace levels)."""

    def __init__(self, name):
        self.graph = _core.Graph(name)
        self.active = True
        self.parent = current()
        self.captured = {}  # id(tensor) -> (tensor, node): tensors from outside read while tracing
        self.updates = {}  # id(Parameter) -> (Parameter, node): its value after the call (ops.assign)
        self.collectives = []  # (kind, name, dtype, shape) of each collective, in order (communication)

    def arg(self, t, name):
        """A graph input for a positional argument of the traced function."""
        node = self.graph.add_input(t.dtype.code, list(t.shape), name, "arg")
        return self.symbolic(node)

    def symbolic(self, node):
        return Tensor._symbolic(self, node, self.graph.dtype(node), list(self.graph.shape(node)))

    def capture(self, t):
        """The graph input for a tensor from outside this trace: a concrete one (a Parameter, a
        constant) or a traced one of an enclosing level. Once per tensor."""
        entry = self.captured.get(id(t))
        if entry is None:
            kind = "param" if isinstance(t, Parameter) else "outer" if t._symbolic_ else "const"
            name = (t.name if kind == "param" else None) or f"{kind}{len(self.captured)}"
            entry = (t, self.graph.add_input(t.dtype.code, list(t.shape), name, kind))
            self.captured[id(t)] = entry
        return entry[1]

    def encloses(self, other):
        level = self.parent
        while level is not None and level is not other:
            level = level.parent
        return level is other and other is not None

    def assign(self, param, node):
        """Records that `param` holds `node` once the call is done; later reads see it."""
        self.updates[id(param)] = (param, node)

    def node_of(self, t):
        if not t._symbolic_:
            update = self.updates.get(id(t))
            return update[1] if update is not None else self.capture(t)
        if t._trace is self:
            return t._node
        if t._trace.active and self.encloses(t._trace):
            return self.capture(t)
        raise leak_error(t)


def current():
    return _local.trace


class tracing:
    """Context manager: makes `trace` the current one on this thread; its parent again after."""

    def __init__(self, trace):
        self.trace = trace

    def __enter__(self):
        _local.trace = self.trace
        _core.set_tracing(True)  # what the C++ call path of compiled functions reads
        return self.trace

    def __exit__(self, *exc):
        _local.trace = self.trace.parent
        _core.set_tracing(_local.trace is not None)
        self.trace.active = False


def apply(op, inputs, attrs=None):
    """Runs op now (eager) or records it into the current trace. Errors are located by the
    public op that called this (ops._op)."""
    attrs = attrs or {}
    trace = _local.trace
    if trace is None:
        try:
            return _core.run_op(op, inputs, attrs)
        except TypeError:  # (run_op refuses a traced tensor; the leak's own error says more)
            for t in inputs:
                if isinstance(t, Tensor) and t._symbolic_:
                    raise leak_error(t) from None
            raise
    nodes = [trace.node_of(t) for t in inputs]
    return trace.symbolic(trace.graph.add(op, nodes, attrs, user_location()[0]))


def inline(graph, trace, args, positions):
    """Records `graph` (built from `trace`, fn traced on `args`) into the enclosing trace: its
    argument inputs become the values of args[positions], its captured ones the values those
    tensors have there. Returns the symbolic outputs, in order."""
    outer = trace.parent
    inputs = [outer.node_of(args[p]) for p in positions] + [outer.node_of(t) for t, _ in trace.captured.values()]
    return [outer.symbolic(i) for i in _core.inline_into(outer.graph, graph, inputs)]


def assign(param, value):
    """param's value becomes value: now when eager; when the compiled call ends when traced
    (reads after it in the trace see value)."""
    trace = current()
    if trace is None:
        return param.set_data(value)
    trace.assign(param, trace.node_of(value))
    return value
