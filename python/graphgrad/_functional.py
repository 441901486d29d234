"""mindspore.vjp and mindspore.jvp, written with grad: a vjp is the gradient of <fn(x), v>, and
a jvp the gradient of a vjp (which is linear in its cotangent) against the tangent."""
from . import ops
from ._grad import grad
from ._tensor import Tensor


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
