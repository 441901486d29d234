"""mindspore.vjp, mindspore.jvp and ops.GradOperation, written with grad: a vjp is the gradient
of <fn(x), v>, a jvp the gradient of a vjp (which is linear in its cotangent) against the tangent,
and GradOperation a vjp whose cotangent is the call's last argument or ones."""
from . import ops
from ._grad import grad
from ._tensor import Parameter, Tensor


def _as_tuple(x, what):
    xs = x if isinstance(x, tuple) else (x,)
    for i, t in enumerate(xs):
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}[{i}] must be a Tensor, got {type(t).__name__}")
    return xs


def _outputs(fn, xs, has_aux):
    out = fn(*xs)
    aux = ()
    if has_aux:
        if not isinstance(out, tuple) or len(out) < 2:
            raise ValueError("has_aux=True: fn must return a tuple (output, aux, ...)")
        out, aux = out[0], out[1:]
    return out, aux


def _inner(a, b):
    """<a, b> for matching (tuples of) tensors."""
    a, b = _as_tuple(a, "output"), _as_tuple(b, "v")
    if len(a) != len(b):
        raise ValueError(f"v must match fn's outputs: {len(a)} output(s), got {len(b)}")
    total = None
    for x, y in zip(a, b):
        if x.shape != y.shape:
            raise ValueError(f"v must have the shapes of fn's outputs: {x.shape} vs {y.shape}")
        term = ops.sum(x * y)
        total = term if total is None else total + term
    return total


def vjp(fn, *inputs, weights=None, has_aux=False):
    """(fn(*inputs), vjp_fn[, aux]); vjp_fn(v) gives the gradient of <fn(*inputs), v> with
    respect to the inputs (a Tensor for one input, else a tuple), and to weights if given."""
    xs = _as_tuple(inputs, "inputs")
    out, aux = _outputs(fn, xs, has_aux)
    positions = 0 if len(xs) == 1 else tuple(range(len(xs)))

    def vjp_fn(*v):
        v = v[0] if len(v) == 1 else v
        return grad(lambda *a: _inner(_outputs(fn, a, has_aux)[0], v), positions, weights)(*xs)

    return (out, vjp_fn, aux[0] if len(aux) == 1 else aux) if has_aux else (out, vjp_fn)


def jvp(fn, inputs, v, has_aux=False):
    """(fn(inputs), J v[, aux]): the directional derivative of fn at inputs along v."""
    xs, vs = _as_tuple(inputs, "inputs"), _as_tuple(v, "v")
    if len(xs) != len(vs) or any(a.shape != b.shape for a, b in zip(xs, vs)):
        raise ValueError("jvp: v must have the structure and shapes of inputs")
    out, aux = _outputs(fn, xs, has_aux)
    outs = _as_tuple(out, "output")
    n = len(xs)

    def through_vjp(*args):  # <vjp(u), v> as a function of the cotangent u
        x, u = args[:n], args[n:]
        pullback = grad(lambda *a: _inner(_outputs(fn, a, has_aux)[0], u if len(u) > 1 else u[0]),
                        tuple(range(n)))(*x)
        return _inner(pullback, vs)

    cotangent = tuple(ops.zeros_like(o) for o in outs)
    tangent = grad(through_vjp, tuple(range(n, n + len(outs))))(*xs, *cotangent)  # a Tensor for one output
    return (out, tangent, aux[0] if len(aux) == 1 else aux) if has_aux else (out, tangent)


class GradOperation:
    """MindSpore's ``ops.GradOperation(get_all, get_by_list, sens_param)``: applied to a function
    or Cell (and, with get_by_list, its weights), the function that returns its gradient with
    respect to the first input (the default), every input (get_all), the weights (get_by_list),
    or both ((inputs' gradients), (weights' gradients)). With sens_param the call's last argument
    is the cotangent of fn's output (a tuple for a tuple output); otherwise it is ones. Works
    eagerly and inside jit or a Cell's construct; each (fn, weights) compiles once per signature."""

    _MAX_FUNCTIONS = 16  # gradient functions kept (a new lambda each call must not grow this forever)

    def __init__(self, get_all=False, get_by_list=False, sens_param=False):
        for name, v in (("get_all", get_all), ("get_by_list", get_by_list), ("sens_param", sens_param)):
            if not isinstance(v, bool):
                raise TypeError(f"GradOperation: {name} must be a bool, got {type(v).__name__}")
        self.get_all, self.get_by_list, self.sens_param = get_all, get_by_list, sens_param
        self._grads = {}

    def __repr__(self):
        return f"GradOperation(get_all={self.get_all}, get_by_list={self.get_by_list}, sens_param={self.sens_param})"

    def __call__(self, fn, weights=None):
        if not callable(fn):
            raise TypeError(f"GradOperation: fn must be a function or a Cell, got {type(fn).__name__}")
        if self.get_by_list:
            if weights is None:
                raise TypeError("GradOperation(get_by_list=True) needs the weights: grad_op(fn, weights)")
            weights = (weights,) if isinstance(weights, Parameter) else tuple(weights)
            for i, w in enumerate(weights):
                if not isinstance(w, Parameter):
                    raise TypeError(f"GradOperation: weights[{i}] must be a Parameter, got {type(w).__name__}")
        elif weights is not None:
            raise TypeError("GradOperation: weights are given only with get_by_list=True")

        def gradient(*args):
            n = len(args) - self.sens_param
            if n < 0 or self.sens_param and args[-1] is None:
                raise TypeError("GradOperation(sens_param=True): the last argument is the output's sensitivity")
            sens = () if not self.sens_param else args[-1] if isinstance(args[-1], tuple) else (args[-1],)
            return self._gradient(fn, weights, n, len(sens), isinstance(args[-1], tuple) if sens else False)(
                *args[:n], *sens)
        return gradient

    def _gradient(self, fn, weights, n, n_sens, sens_tuple):
        key = (fn, tuple(map(id, weights or ())), n, n_sens, sens_tuple)
        g = self._grads.get(key)
        if g is None:
            def objective(*a):  # <fn(inputs), sens>; the sens are inputs too, never differentiated
                out = fn(*a[:n])
                if not n_sens:
                    return _inner(out, tuple(ops.ones_like(o) for o in _as_tuple(out, "output")))
                return _inner(out, a[n:] if sens_tuple else a[n])
            positions = tuple(range(n)) if self.get_all else None if self.get_by_list else 0
            if len(self._grads) >= self._MAX_FUNCTIONS:
                self._grads.clear()
            g = self._grads[key] = grad(objective, positions, weights)
        return g
