"""grad, value_and_grad and jit: trace once per signature into a C++ graph, differentiate it in
C++, compile it to a plan, and run the plan on every later call with that signature."""
import functools
import inspect
import os
import threading
import time
import warnings

from . import _core
from ._errors import type_name
from ._sparse import _Sparse
from ._tensor import Parameter, Tensor
from ._trace import Trace, TracingError, current, inline, tracing
from . import dump as _dump


def _check_positions(grad_position):
    if grad_position is None:
        return None
    bad = TypeError(f"grad_position must be an int, a tuple of ints or None, got "
                    f"{type(grad_position).__name__} {grad_position!r}")
    if isinstance(grad_position, bool) or not isinstance(grad_position, (int, tuple)):
        raise bad
    positions = (grad_position,) if isinstance(grad_position, int) else grad_position
    if not positions:
        raise ValueError("grad_position must not be an empty tuple")
    for p in positions:
        if isinstance(p, bool) or not isinstance(p, int):
            raise bad
        if p < 0:
            raise ValueError(f"grad_position must be non-negative, got {grad_position!r}")
    if len(set(positions)) != len(positions):
        raise ValueError(f"grad_position must not repeat a position, got {grad_position!r}")
    return positions


def _check_weights(weights):
    """(tuple of Parameters or None, whether a single Parameter was given)."""
    if weights is None:
        return None, False
    if isinstance(weights, Parameter):
        return (weights,), True
    hint = " (wrap it: Parameter(tensor, name=...))"
    if isinstance(weights, Tensor):
        raise TypeError("weights must be a Parameter or a list/tuple of Parameters, got a Tensor" + hint)
    if not isinstance(weights, (list, tuple)):
        raise TypeError(f"weights must be a Parameter or a list/tuple of Parameters, got {type(weights).__name__}")
    for i, w in enumerate(weights):
        if not isinstance(w, Parameter):
            raise TypeError(f"weights[{i}] must be a Parameter, got {type(w).__name__}"
                            + (hint if isinstance(w, Tensor) else ""))
    return tuple(weights), False


def _flatten_outputs(out, name, none_ok):
    """(list of output Tensors, whether fn returned a tuple; None if it returned None, which a
    jitted function may: one that only updates Parameters). A jitted function may also return
    tuples of Tensors and tuples (MindSpore's `return x, ops.split(x, 1)`): then the second is
    that nesting, tuples of the outputs' indices."""
    if out is None and none_ok:
        return [], None
    if isinstance(out, Tensor):
        return [out], False
    if none_ok and isinstance(out, (tuple, list)) and any(isinstance(o, (tuple, list)) for o in out):
        outs = []

        def nest(o, where):
            if isinstance(o, Tensor):
                outs.append(o)
                return len(outs) - 1
            if isinstance(o, (tuple, list)) and o:
                return tuple(nest(x, f"{where}[{i}]") for i, x in enumerate(o))
            raise TypeError(f"'{name}' must return Tensors in tuples; output{where} is "
                            + (f"{type(o).__name__}" if o != () else "an empty tuple"))
        return outs, nest(out, "")
    if isinstance(out, (tuple, list)) and out:
        for i, o in enumerate(out):
            if not isinstance(o, Tensor):
                raise TypeError(f"'{name}' must return a Tensor or a tuple of Tensors; output {i} is "
                                f"{type(o).__name__}")
        return list(out), True
    allowed = "a Tensor, a tuple of Tensors or None" if none_ok else "a Tensor or a tuple of Tensors"
    raise TypeError(f"'{name}' must return {allowed}, got {type(out).__name__}"
                    + (" (an empty tuple)" if isinstance(out, (tuple, list)) else ""))


# Compiled signatures kept per function: past this the cache starts over (each signature is a
# graph and a plan; a float argument that changes every call must not grow memory forever).
MAX_SIGNATURES = 64

# Bumped whenever a Cell's Parameter or child Cell is replaced: compiled graphs captured the old
# objects, so every cache is dropped (nn.Cell.__setattr__ calls invalidate()).
_generation = [0]


def invalidate():
    _generation[0] += 1


def _structure(result, outs):
    """The nested tuples of output indices `result` with the outputs in place of the indices."""
    if result is None:
        return None
    if isinstance(result, tuple):
        return tuple(_structure(r, outs) for r in result)
    return outs[result]


# Tuple, list and dict arguments holding Tensors (pytrees), and sparse tensors, as jax.jit and
# MindSpore's graph mode take them: their Tensors are graph inputs; their structure and other
# leaves are part of the signature, as non-tensor arguments are.

def _holds_tensor(a):
    if isinstance(a, (Tensor, _Sparse)):
        return True
    if isinstance(a, (tuple, list)):
        return any(_holds_tensor(x) for x in a)
    return isinstance(a, dict) and any(_holds_tensor(x) for x in a.values())


def _flatten(a, name, leaves, names):
    """Appends a's leaves and their names (``grads[0]``) in order; returns a's structure (None:
    a is a leaf)."""
    if isinstance(a, (tuple, list)):
        return type(a), tuple(_flatten(x, f"{name}[{i}]", leaves, names) for i, x in enumerate(a))
    if isinstance(a, dict):
        return type(a), tuple(a), tuple(_flatten(x, f"{name}[{k!r}]", leaves, names) for k, x in a.items())
    if isinstance(a, _Sparse):  # its index and value Tensors are inputs; its shape is part of the signature
        *tensors, shape = a.to_tuple()
        return type(a), tuple(_flatten(t, f"{name}[{i}]", leaves, names) for i, t in enumerate(tensors)), shape
    leaves.append(a)
    names.append(name)
    return None


def _unflatten(tree, leaves):
    """The value of structure `tree` with the next leaves of the iterator `leaves` in it."""
    if tree is None:
        return next(leaves)
    cls, *rest = tree
    if issubclass(cls, dict):
        keys, subtrees = rest
        return cls(zip(keys, [_unflatten(t, leaves) for t in subtrees]))
    items = [_unflatten(t, leaves) for t in rest[0]]
    if issubclass(cls, _Sparse):
        return cls(*items, rest[1])
    return cls(*items) if hasattr(cls, "_fields") else cls(items)  # (a namedtuple takes fields)


class _Entry:
    """One compiled signature: the C++ callable (plan, where its inputs come from, the shape of
    its result) and the stages the compiler went through."""

    __slots__ = ("compiled", "stages")


class _GraphFunction(_core.GraphCall):
    """A function compiled per signature (shapes and dtypes of tensor arguments, values of the
    others). Subclasses say what graph to build from the traced forward graph. Calling one runs
    GraphCall's __call__ (C++): a hit in self._fast, else self._call."""

    def __init__(self, fn):
        if not callable(fn):
            raise TypeError(f"expected a function or a Cell, got {type(fn).__name__}")
        self.fn = fn
        self.name = getattr(fn, "__name__", None) or type(fn).__name__
        self.trace_count = 0
        self._cache = {}  # every signature (including non-tensor arguments) -> _Entry
        self._lock = threading.Lock()
        self._generation = _generation[0]
        self._fast = _core.CallCache(self._generation)  # all-tensor signatures, looked up in C++
        self._attr = None  # the attribute name when used as a method decorator
        try:
            self._signature = inspect.signature(fn)
        except (TypeError, ValueError):
            self._signature = None
        functools.update_wrapper(self, fn, updated=())

    def __set_name__(self, owner, name):
        self._attr = name

    def __get__(self, obj, objtype=None):
        """As a method decorator: one compiled function per instance, kept in the instance's
        __dict__ so it dies with it (a class-level cache keyed on the instance would keep every
        instance alive)."""
        if obj is None:
            return self
        inst = getattr(obj, "__dict__", None)
        if self._attr is None or inst is None:
            return functools.partial(self, obj)
        bound = inst.get(self._attr)
        if bound is None:
            bound = inst[self._attr] = self._rebind(functools.partial(self.fn, obj))
        return bound

    def _positional(self, args, kwargs):
        """Keyword arguments bound to their positions (compiled functions key on positions)."""
        if not kwargs:
            return args
        if self._signature is None:
            raise TypeError(f"'{self.name}': keyword arguments need a function with a signature")
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"'{self.name}': {e}") from None
        bound.apply_defaults()
        if bound.kwargs:
            raise TypeError(f"'{self.name}': keyword-only or **kwargs arguments are not supported by compiled "
                            f"functions, got {sorted(bound.kwargs)}")
        return tuple(bound.args)

    def _key(self, args):
        key = []
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                if a._symbolic_:
                    raise TracingError(f"'{self.name}': argument {i} is a traced tensor from another trace")
                key.append((a.shape, a._dtype_code))
            else:
                try:
                    hash(a)
                except TypeError:
                    raise TypeError(f"'{self.name}': argument {i} ({type_name(a)}) is neither a Tensor nor "
                                    "hashable; non-tensor arguments are compile-time constants") from None
                # Floats by their bits: NaN must match itself, and -0.0 is not 0.0 (1/x differs).
                key.append((float, a.hex()) if type(a) is float else (type(a), a))
        return tuple(key)

    def _arg_names(self, n):
        try:
            params = [p.name for p in inspect.signature(self.fn).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        except (TypeError, ValueError):
            params = []
        return [params[i] if i < len(params) else f"arg{i}" for i in range(n)]

    def _inline(self, args):
        """Called inside another trace: trace fn as a level of its own, build this function's
        graph from it and record that graph into the enclosing trace."""
        trace, outs, is_tuple, positions = self._trace(args)
        stages = self._build(trace, outs, is_tuple, positions)
        results = inline(stages[-1][1], trace, args, positions)
        for k, (param, _) in enumerate(trace.updates.values()):  # the state updates move up a level
            trace.parent.assign(param, trace.parent.node_of(results[len(outs) + k]))
        return _structure(self._result(len(outs), is_tuple, len(trace.updates)), results)

    def _trace(self, args, tree=None):
        """Traces fn on symbolic arguments; returns (trace, outputs, returned a tuple, arg positions).
        tree: (structure, leaf names) when args are the leaves of tuple, list or dict arguments."""
        trace = Trace(self.name)
        names = self._arg_names(len(args)) if tree is None else tree[1]
        sym, positions = [], []
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                sym.append(trace.arg(a, names[i]))
                positions.append(i)
            else:
                sym.append(a)
        self._before_trace(trace, args)
        if tree is not None:
            leaves = iter(sym)
            sym = [_unflatten(t, leaves) for t in tree[0]]
        with tracing(trace):
            out = self.fn(*sym)
        outs, is_tuple = _flatten_outputs(out, self.name, isinstance(self, _Jit))
        # The Parameters' new values (ops.assign) follow the function's outputs.
        trace.graph.outputs = [trace.node_of(o) for o in outs] + [node for _, node in trace.updates.values()]
        self.trace_count += 1
        return trace, outs, is_tuple, positions

    def _before_trace(self, trace, args):
        pass

    def _compile(self, args, key, tree=None):
        with self._lock:
            entry = self._cache.get(key)
            if entry is not None:
                return entry
            start = time.perf_counter()
            check = os.environ.get("GRAPHGRAD_VERIFY", "") not in ("", "0")
            trace, outs, is_tuple, positions = self._trace(args, tree)
            if trace.collectives:  # every rank must have traced the same collectives (communication)
                from .communication import backend
                backend().check(trace.collectives)
            e = _Entry()
            stages = self._build(trace, outs, is_tuple, positions)
            if check:
                for _, g in stages:
                    g.verify()
            stages += _core.optimize(stages[-1][1], check)
            captured = [t for t, _ in trace.captured.values()]
            updates = [(p, len(outs) + k) for k, (p, _) in enumerate(trace.updates.values())]
            # An updated Parameter's buffer may hold its new value (the graph's inputs are the
            # tensor arguments, then the captured tensors).
            where = {id(t): j for j, t in enumerate(captured)}
            donations = [(i, len(positions) + where[id(p)]) for p, i in updates if id(p) in where]
            plan = _core.Plan(stages[-1][1], donations)
            e.stages = stages + [("final", plan)]  # the plan prints its graph with the memory plan
            e.compiled = _core.Compiled(plan, positions, captured, self._result(len(outs), is_tuple, len(updates)),
                                        updates)
            if len(self._cache) >= MAX_SIGNATURES:
                self._cache.clear()
                self._fast = _core.CallCache(self._generation)
            if self.trace_count >= 16 and self.trace_count & (self.trace_count - 1) == 0:
                warnings.warn(
                    f"'{self.name}' has been traced {self.trace_count} times. Non-tensor arguments are "
                    "compile-time constants: one that changes from call to call (a float learning rate, a "
                    "step count) compiles a new graph each time. Pass it as a Tensor or wrap it in "
                    "graphgrad.mutable(...).", RuntimeWarning, stacklevel=4)
            self._cache[key] = e
            if tree is None:  # (the leaves of a tuple argument are not this function's arguments)
                self._fast.add(args, e.compiled)
            _dump.on_compile(self.name, key, e.stages, time.perf_counter() - start)
            return e

    # Whether tuple, list and dict arguments holding Tensors are flattened (jit; grad keeps them
    # as constants, its grad_position counting the arguments as given).
    _takes_trees = False

    def _entry(self, args):
        """The compiled signature for args, and the arguments it runs on (the leaves, if args
        hold tuples, lists or dicts of Tensors)."""
        tree = None
        if self._takes_trees and any(not isinstance(a, Tensor) and _holds_tensor(a) for a in args):
            leaves, names = [], []
            structure = tuple(_flatten(a, n, leaves, names) for a, n in zip(args, self._arg_names(len(args))))
            args, tree = tuple(leaves), (structure, names)
        key = self._key(args) if tree is None else ("tree", tree[0]) + self._key(args)
        entry = self._cache.get(key)
        return (entry if entry is not None else self._compile(args, key, tree)), args

    def _call(self, args, kwargs):
        if current() is not None:  # inside another trace (a jit, a grad): part of its graph
            return self._inside_trace(args, kwargs)
        if self._generation != _generation[0]:  # a Parameter was replaced: recompile
            with self._lock:
                self._cache.clear()
                self._generation = _generation[0]
                self._fast = _core.CallCache(self._generation)
        entry, args = self._entry(self._positional(args, kwargs))
        return entry.compiled(args)

    def stages(self, *args):
        """The graphs compiled for these arguments' signature, in pipeline order: a list of
        (stage name, graph) pairs, from the traced "forward" graph to the one that runs (the
        last). A graph's str() is its text IR; graph.to_dot() is Graphviz."""
        return list(self._entry(args)[0].stages)


_core.set_generation(_generation)


class _Jit(_GraphFunction):
    _takes_trees = True

    def _rebind(self, fn):
        return _Jit(fn)

    def _build(self, trace, outs, is_tuple, positions):
        return [("forward", trace.graph)]

    def _result(self, n_out, is_tuple, n_updates=0):
        if is_tuple is None or isinstance(is_tuple, tuple):  # (None, or tuples in tuples)
            return is_tuple
        return tuple(range(n_out)) if is_tuple else 0

    def _inside_trace(self, args, kwargs):
        return self.fn(*args, **kwargs)


class _Grad(_GraphFunction):
    def __init__(self, fn, grad_position, weights, has_aux, return_value):
        super().__init__(fn)
        self.positions = _check_positions(grad_position)
        self.weights, self.single_weight = _check_weights(weights)
        if self.positions is None and not self.weights:
            raise ValueError("grad_position is None and weights is "
                             + ("None" if self.weights is None else "empty") + ": nothing to differentiate")
        if not isinstance(has_aux, bool):
            raise TypeError(f"has_aux must be a bool, got {type(has_aux).__name__}")
        self.has_aux = has_aux
        self.return_value = return_value
        self.single_position = isinstance(grad_position, int) or (
            isinstance(grad_position, tuple) and len(grad_position) == 1)

    def _before_trace(self, trace, args):
        for p in self.positions or ():
            if p >= len(args):
                raise IndexError(f"grad_position {p} is out of range: '{self.name}' was called with "
                                 f"{len(args)} positional argument(s)")
            if not isinstance(args[p], Tensor):
                raise TypeError(f"grad_position {p}: argument {p} of '{self.name}' must be a Tensor to be "
                                f"differentiated, got {type(args[p]).__name__}")
        for w in self.weights or ():
            trace.capture(w)

    def _build(self, trace, outs, is_tuple, positions):
        if self.has_aux and not is_tuple or self.has_aux and len(outs) < 2:
            raise ValueError(f"has_aux=True: '{self.name}' must return a tuple (output, aux, ...) of at least "
                             "two Tensors, got a single output")
        inputs = list(trace.graph.inputs)
        wrt = [positions.index(p) for p in self.positions or ()]
        wrt += [inputs.index(trace.captured[id(w)][1]) for w in self.weights or ()]
        grad = _core.autodiff(trace.graph, wrt, 1 if self.has_aux else len(outs))
        return [("forward", trace.graph), ("grad", grad)]

    def _result(self, n_out, is_tuple, n_updates=0):
        """The result's structure as nested tuples of output indices: the plan returns the
        function's outputs, the Parameters' new values, then the gradients (positions first,
        then weights)."""
        n_pos = len(self.positions or ())
        first = n_out + n_updates
        grads = list(range(first, first + n_pos + len(self.weights or ())))
        pos = grads[0] if self.single_position else tuple(grads[:n_pos])
        wts = grads[n_pos] if self.single_weight else tuple(grads[n_pos:])
        result = wts if self.positions is None else pos if self.weights is None else (pos, wts)
        if self.return_value:
            return (tuple(range(n_out)) if is_tuple else 0), result
        if self.has_aux:
            return result, tuple(range(1, n_out))
        return result

    def _rebind(self, fn):
        g = _Grad.__new__(_Grad)
        g.__dict__.update(self.__dict__)
        _GraphFunction.__init__(g, fn)
        return g

    def _inside_trace(self, args, kwargs):
        return self._inline(self._positional(args, kwargs))


def mutable(input_data, dynamic_len=False):
    """A Python number as a runtime input (a 0-d Tensor) rather than a compile-time constant,
    so a compiled function called with changing values is traced once; in a tuple or list, each
    number. Tensors are runtime inputs already and come back as they are (so are the Tensors in
    a tuple, list or dict argument of a jitted function)."""
    if isinstance(input_data, bool) or not isinstance(input_data, (int, float, Tensor, tuple, list)):
        raise TypeError(f"mutable: expected a number, a Tensor, or a tuple or list of them, got "
                        f"{type(input_data).__name__}")
    if isinstance(input_data, (tuple, list)):
        items = [mutable(x) for x in input_data]
        return type(input_data)(*items) if hasattr(input_data, "_fields") else type(input_data)(items)
    return Tensor(input_data) if isinstance(input_data, (int, float)) else input_data


def grad(fn, grad_position=0, weights=None, has_aux=False):
    """The gradient function of fn (MindSpore 2.x semantics): gradients w.r.t. the positional
    arguments in grad_position and the Parameters in weights."""
    return _Grad(fn, grad_position, weights, has_aux, return_value=False)


def value_and_grad(fn, grad_position=0, weights=None, has_aux=False):
    """Like grad, but returns (fn's outputs, gradients)."""
    return _Grad(fn, grad_position, weights, has_aux, return_value=True)


def jit(fn=None):
    """Forward-only graph mode for a function or a Cell; usable as a decorator."""
    if fn is None:
        return jit
    return _Jit(fn)
