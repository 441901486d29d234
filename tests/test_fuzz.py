"""Property-based fuzzing (issue 6): random graphs of the ops (matmul, broadcasting add, BCE with
random weights and reductions, stop_gradient, constants, tuple outputs, has_aux, Parameters as
weights) over random shapes and values, run through value_and_grad / grad and checked against an
independent float64 numpy reference written here: the forward pass and the backward pass by hand
(one vjp rule per op), not by finite differences.

Profiles (GRAPHGRAD_FUZZ=<name>): "ci" (the default: 200 examples, derandomized, no example
database, well under 30 s) and "long" (10,000 examples, random seed):

    GRAPHGRAD_FUZZ=long python -m pytest -q tests/test_fuzz.py
"""
import os

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import graphgrad as gg  # noqa: E402
from graphgrad import Parameter, Tensor, ops  # noqa: E402

_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
               database=None, print_blob=True)
settings.register_profile("ci", max_examples=200, derandomize=True, **_COMMON)
settings.register_profile("long", max_examples=10_000, **_COMMON)
PROFILE = os.environ.get("GRAPHGRAD_FUZZ", "ci")
FUZZ = settings.get_profile(PROFILE)

REDUCTIONS = ("mean", "sum", "none")


# -- the numpy reference: float64, forward and backward by hand --

def softplus(x):
    return np.logaddexp(0.0, x)


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def sum_to(g, shape):
    """The adjoint of broadcasting `shape` to g.shape."""
    g = np.asarray(g, np.float64)
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, d in enumerate(shape):
        if d == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g.reshape(shape)


def ref_forward(prog, inputs):
    vals = [np.asarray(a, np.float64) for a in inputs]
    for op, args, attrs in prog["nodes"]:
        a = [vals[i] if i is not None else None for i in args]
        if op == "add":
            v = a[0] + a[1]
        elif op == "add_const":
            v = a[0] + attrs["c"]
        elif op == "matmul":
            v = np.matmul(a[0], a[1])
        elif op in ("stop_gradient",):
            v = a[0].copy()
        elif op == "ones_like":
            v = np.ones_like(a[0])
        elif op == "bce":
            x, y, w, pw = a
            w = np.ones_like(x) if w is None else np.broadcast_to(w, x.shape)
            pw = np.ones_like(x) if pw is None else np.broadcast_to(pw, x.shape)
            loss = w * (pw * y * softplus(-x) + (1.0 - y) * softplus(x))
            red = attrs["reduction"]
            with np.errstate(invalid="ignore", divide="ignore"):
                v = loss.mean() if red == "mean" and loss.size else np.float64(np.nan) if red == "mean" else \
                    loss.sum() if red == "sum" else loss
        else:
            raise AssertionError(op)
        vals.append(np.asarray(v, np.float64))
    return vals


def ref_backward(prog, vals, diff_outputs):
    adj = [np.zeros_like(v) for v in vals]
    # Only values on a gradient-carrying path to a differentiated output receive an adjoint; the
    # rest must not pass on 0 * (a NaN or inf partial) = NaN to inputs the outputs do not use.
    reached = [False] * len(vals)
    for o in diff_outputs:
        adj[o] = adj[o] + 1.0
        reached[o] = True
    n_in = len(prog["inputs"])
    for k in reversed(range(len(prog["nodes"]))):
        op, args, attrs = prog["nodes"][k]
        if not reached[n_in + k] or op in ("stop_gradient", "ones_like"):
            continue
        for i in args:
            if i is not None:
                reached[i] = True
        g = adj[n_in + k]
        a = [vals[i] if i is not None else None for i in args]
        if op == "add":
            adj[args[0]] = adj[args[0]] + sum_to(g, a[0].shape)
            adj[args[1]] = adj[args[1]] + sum_to(g, a[1].shape)
        elif op == "add_const":
            adj[args[0]] = adj[args[0]] + g
        elif op == "matmul":
            x, w = a
            if x.ndim == 1 and w.ndim == 1:
                gx, gw = g * w, g * x
            elif x.ndim == 1:
                gx, gw = w @ g, np.outer(x, g)
            elif w.ndim == 1:
                gx, gw = np.outer(g, w), x.T @ g
            else:
                gx, gw = g @ w.T, x.T @ g
            adj[args[0]] = adj[args[0]] + gx
            adj[args[1]] = adj[args[1]] + gw
        elif op == "bce":
            x, y, w0, pw0 = a
            w = np.ones_like(x) if w0 is None else np.broadcast_to(w0, x.shape)
            pw = np.ones_like(x) if pw0 is None else np.broadcast_to(pw0, x.shape)
            red = attrs["reduction"]
            G = np.broadcast_to(g / x.size if red == "mean" and x.size else g, x.shape)
            s = sigmoid(x)
            adj[args[0]] = adj[args[0]] + G * w * ((1.0 - y) * s - pw * y * (1.0 - s))
            adj[args[1]] = adj[args[1]] + G * w * (pw * softplus(-x) - softplus(x))
            if args[2] is not None:
                adj[args[2]] = adj[args[2]] + sum_to(G * (pw * y * softplus(-x) + (1.0 - y) * softplus(x)), w0.shape)
            if args[3] is not None:
                adj[args[3]] = adj[args[3]] + sum_to(G * w * y * softplus(-x), pw0.shape)
        # stop_gradient, ones_like: no gradient flows back
    return adj[:n_in]


# -- the same program through graphgrad --

def gg_forward(prog, args):
    vals = list(args)
    for op, idx, attrs in prog["nodes"]:
        a = [vals[i] if i is not None else None for i in idx]
        if op == "add":
            v = a[0] + a[1] if attrs.get("operator") else ops.add(a[0], a[1])
        elif op == "add_const":
            v = ops.add(attrs["c"], a[0]) if attrs.get("left") else ops.add(a[0], attrs["c"])
        elif op == "matmul":
            v = a[0] @ a[1] if attrs.get("operator") else ops.matmul(a[0], a[1])
        elif op == "stop_gradient":
            v = ops.stop_gradient(a[0])
        elif op == "ones_like":
            v = ops.ones_like(a[0])
        elif op == "bce":
            v = ops.binary_cross_entropy_with_logits(a[0], a[1], a[2], a[3], attrs["reduction"])
        vals.append(v)
    return vals


# -- random programs --

def dim(draw, allow_zero):
    """Mostly small; now and then big enough for the SIMD bodies and their tails; 0 if allowed."""
    kind = draw(st.integers(0, 9))
    if kind == 0 and allow_zero:
        return 0
    return draw(st.integers(5, 37)) if kind == 1 else draw(st.integers(1, 4))


def dims(draw, n, allow_zero):
    return tuple(dim(draw, allow_zero) for _ in range(n))


def broadcast_partner(draw, shape):
    """A shape that broadcasts with `shape` (possibly to a bigger one)."""
    s = list(shape)
    if s and draw(st.booleans()):
        s = s[draw(st.integers(0, len(s))):]  # drop leading dimensions
    s = [1 if draw(st.integers(0, 3)) == 0 else d for d in s]
    if len(s) == len(shape) < 3 and draw(st.integers(0, 4)) == 0:
        s = [draw(st.integers(1, 3))] + s  # a new leading dimension: the result grows
    return tuple(s)


def weight_shape(draw, shape):
    """A shape that broadcasts *to* `shape`."""
    s = list(shape)[draw(st.integers(0, len(shape))):] if shape else []
    return tuple(1 if draw(st.booleans()) else d for d in s)


@st.composite
def programs(draw):
    allow_zero = draw(st.integers(0, 5)) == 5  # empty batches now and then
    nodes = []
    # Values are ("in", i) or ("node", k) while building; at the end inputs are renumbered
    # 0..n_in-1 and nodes follow. An input is (shape, kind): kind is "x", "label" or "weight".
    pending = []

    def fresh(shape, kind):
        pending.append((tuple(shape), kind))
        return ("in", len(pending) - 1)

    first = fresh(dims(draw, draw(st.integers(0, 2)), allow_zero), "x")
    pool = [first]
    node_shapes = {first: pending[0][0]}

    def shape_of(v):
        return pending[v[1]][0] if v[0] == "in" else node_shapes[v]

    def add_node(op, args, attrs, shape):
        nodes.append((op, args, attrs))
        v = ("node", len(nodes) - 1)
        node_shapes[v] = tuple(shape)
        pool.append(v)
        return v

    for _ in range(draw(st.integers(1, 6))):
        a = draw(st.sampled_from(pool))
        sa = shape_of(a)
        op = draw(st.sampled_from(["add", "add", "matmul", "matmul", "bce", "bce", "stop_gradient", "add_const",
                                   "ones_like"]))
        if op == "add":
            partners = [b for b in pool if _broadcastable(sa, shape_of(b))]
            if partners and draw(st.booleans()):
                b = draw(st.sampled_from(partners))
            else:
                b = fresh(broadcast_partner(draw, sa), "x")
            if draw(st.booleans()):
                a, b = b, a
            out = np.broadcast_shapes(shape_of(a), shape_of(b))
            add_node("add", [a, b], {"operator": draw(st.booleans())}, out)
        elif op == "add_const":
            c = draw(st.floats(-3, 3, allow_nan=False, width=32))
            add_node("add_const", [a], {"c": float(c), "left": draw(st.booleans())}, sa)
        elif op == "matmul":
            if len(sa) not in (1, 2):
                continue
            k = sa[-1]
            if len(sa) == 2 and sa[0] == sa[1] and draw(st.integers(0, 3)) == 0:
                add_node("matmul", [a, a], {}, (sa[0], sa[0]))  # a value used twice
                continue
            if draw(st.booleans()):  # a @ b
                n = dim(draw, allow_zero)
                bshape = (k,) if draw(st.integers(0, 3)) == 0 else (k, n)
                b = fresh(bshape, "x")
                out = np.matmul(np.zeros(sa), np.zeros(bshape)).shape
                add_node("matmul", [a, b], {"operator": draw(st.booleans())}, out)
            else:  # b @ a
                m = dim(draw, False)
                lead = sa[0]
                bshape = (lead,) if draw(st.integers(0, 3)) == 0 else (m, lead)
                b = fresh(bshape, "x")
                out = np.matmul(np.zeros(bshape), np.zeros(sa)).shape
                add_node("matmul", [b, a], {"operator": draw(st.booleans())}, out)
        elif op == "bce":
            same = [b for b in pool if shape_of(b) == sa]
            y = draw(st.sampled_from(same)) if draw(st.integers(0, 4)) == 0 else fresh(sa, "label")
            w = fresh(weight_shape(draw, sa), "weight") if draw(st.booleans()) else None
            pw = fresh(weight_shape(draw, sa), "weight") if draw(st.booleans()) else None
            red = draw(st.sampled_from(REDUCTIONS))
            add_node("bce", [a, y, w, pw], {"reduction": red}, sa if red == "none" else ())
        elif op == "stop_gradient":
            add_node("stop_gradient", [a], {}, sa)
        elif op == "ones_like":
            add_node("ones_like", [a], {}, sa)

    # renumber: inputs first, then nodes
    n_in = len(pending)

    def index(v):
        return None if v is None else v[1] if v[0] == "in" else n_in + v[1]

    nodes = [(op, [index(v) for v in args], attrs) for op, args, attrs in nodes]
    values = list(range(n_in + len(nodes)))
    n_out = draw(st.integers(1, 3))
    # The last node is always an output (the graph is about something); others are any value.
    outputs = [values[-1]] + [draw(st.sampled_from(values)) for _ in range(n_out - 1)]
    if draw(st.booleans()):
        outputs.reverse()
    return {"inputs": pending, "nodes": nodes, "outputs": outputs}


def _broadcastable(a, b):
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


def make_inputs(prog, rng):
    arrays = []
    for shape, kind in prog["inputs"]:
        if kind == "label":
            arrays.append(rng.uniform(0, 1, shape))
        elif kind == "weight":
            arrays.append(rng.uniform(0.1, 2.0, shape))
        else:
            arrays.append(rng.standard_normal(shape) * rng.choice([0.5, 1.0, 3.0]))
    return arrays


@st.composite
def cases(draw):
    prog = draw(programs())
    n_in = len(prog["inputs"])
    # Each input is an argument or a Parameter read through a closure (and maybe listed in weights).
    is_param = [draw(st.integers(0, 3)) == 0 for _ in range(n_in)]
    args = [i for i in range(n_in) if not is_param[i]]
    params = [i for i in range(n_in) if is_param[i]]
    wrt_args = [i for i, a in enumerate(args) if draw(st.booleans())]  # positions among the arguments
    wrt_params = [i for i in params if draw(st.booleans())]
    if not wrt_args and not wrt_params:
        if args:
            wrt_args = [draw(st.integers(0, len(args) - 1))]
        else:
            wrt_params = [params[0]]
    has_aux = len(prog["outputs"]) >= 2 and draw(st.booleans())
    single_out = len(prog["outputs"]) == 1 and draw(st.booleans())  # return a Tensor, not a 1-tuple
    int_position = len(wrt_args) == 1 and draw(st.booleans())
    single_weight = len(wrt_params) == 1 and draw(st.booleans())
    return dict(prog=prog, args=args, params=params, wrt_args=wrt_args, wrt_params=wrt_params, has_aux=has_aux,
                single_out=single_out, int_position=int_position, single_weight=single_weight,
                value=draw(st.booleans()), dtype=draw(st.sampled_from(["float64", "float64", "float32"])),
                seed=draw(st.integers(0, 2 ** 32 - 1)))


def check_close(got, ref, dtype, what):
    assert isinstance(got, Tensor), f"{what}: expected a Tensor, got {type(got).__name__}"
    assert got.shape == ref.shape, f"{what}: shape {got.shape}, expected {ref.shape}"
    assert got.dtype is getattr(gg, dtype), f"{what}: dtype {got.dtype}"
    tol = 1e-9 if dtype == "float64" else 2e-4
    scale = 1.0 + (np.max(np.abs(ref[np.isfinite(ref)])) if np.isfinite(ref).any() else 0.0)
    np.testing.assert_allclose(got.asnumpy(), ref, rtol=tol, atol=tol * scale, err_msg=what)


def run_case(c):
    prog = c["prog"]
    npdt = np.float32 if c["dtype"] == "float32" else np.float64
    params = {i: Parameter(Tensor(np.zeros(prog["inputs"][i][0], npdt)), name=f"p{i}") for i in c["params"]}
    n_in = len(prog["inputs"])

    def fn(*targs):
        vals = [None] * n_in
        for pos, i in enumerate(c["args"]):
            vals[i] = targs[pos]
        for i, p in params.items():
            vals[i] = p
        outs = gg_forward(prog, vals)
        res = [outs[o] for o in prog["outputs"]]
        return res[0] if c["single_out"] else tuple(res)

    position = (c["wrt_args"][0] if c["int_position"] else tuple(c["wrt_args"])) if c["wrt_args"] else None
    weights = None
    if c["wrt_params"]:
        ws = [params[i] for i in c["wrt_params"]]
        weights = ws[0] if c["single_weight"] else ws
    transform = gg.value_and_grad if c["value"] else gg.grad
    gfn = transform(fn, position, weights, c["has_aux"])

    rng = np.random.default_rng(c["seed"])
    for call in range(2):  # the second call runs the cached plan on new values
        arrays = [a.astype(npdt) for a in make_inputs(prog, rng)]
        for i, p in params.items():
            p.set_data(Tensor(arrays[i], c["dtype"]))
        result = gfn(*[Tensor(arrays[i], c["dtype"]) for i in c["args"]])
        assert gfn.trace_count == 1

        vals = ref_forward(prog, arrays)
        outs = prog["outputs"]
        diff_outputs = outs[:1] if c["has_aux"] else outs
        grads = ref_backward(prog, vals, diff_outputs)
        ref_pos = [grads[c["args"][p]] for p in c["wrt_args"]]
        ref_w = [grads[i] for i in c["wrt_params"]]

        if c["value"]:
            value, g = result
            got_vals = [value] if c["single_out"] else list(value)
            assert len(got_vals) == len(outs)
            for k, (gv, o) in enumerate(zip(got_vals, outs)):
                check_close(gv, vals[o], c["dtype"], f"output {k}")
        elif c["has_aux"]:
            g, aux = result
            assert isinstance(aux, tuple) and len(aux) == len(outs) - 1
            for k, (gv, o) in enumerate(zip(aux, outs[1:])):
                check_close(gv, vals[o], c["dtype"], f"aux {k}")
        else:
            g = result
        # MindSpore's structure: positions, weights or (positions, weights); singles unwrapped.
        if c["wrt_args"] and c["wrt_params"]:
            gp, gw = g
        elif c["wrt_args"]:
            gp, gw = g, None
        else:
            gp, gw = None, g
        if c["wrt_args"]:
            gp = [gp] if len(c["wrt_args"]) == 1 else list(gp)  # an int or a 1-tuple: a single Tensor
            assert len(gp) == len(ref_pos)
            for k, (got, ref) in enumerate(zip(gp, ref_pos)):
                check_close(got, ref, c["dtype"], f"gradient of argument {c['wrt_args'][k]}")
        if c["wrt_params"]:
            gw = [gw] if c["single_weight"] else list(gw)
            assert len(gw) == len(ref_w)
            for k, (got, ref) in enumerate(zip(gw, ref_w)):
                check_close(got, ref, c["dtype"], f"gradient of weight p{c['wrt_params'][k]}")


@FUZZ
@given(cases())
def test_random_graphs_match_the_numpy_reference(c):
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        run_case(c)


def test_reference_rules_against_central_differences():
    """The hand-written reference itself, checked once against finite differences on a graph that
    uses every rule (so a wrong rule here cannot make a wrong gradient look right)."""
    prog = {"inputs": [((3, 4), "x"), ((4,), "x"), ((4, 2), "x"), ((3, 2), "label"), ((2,), "weight"),
                       ((3, 1), "weight"), ((2,), "x")],
            "nodes": [("matmul", [0, 2], {}), ("add", [7, 6], {}), ("add_const", [8], {"c": 0.5}),
                      ("bce", [9, 3, 4, 5], {"reduction": "mean"}), ("matmul", [0, 1], {}),
                      ("bce", [9, 3, None, 4], {"reduction": "none"}), ("ones_like", [8], {}),
                      ("add", [12, 13], {})],
            "outputs": [10, 11, 14]}
    rng = np.random.default_rng(3)
    arrays = make_inputs(prog, rng)

    def total(arrs):
        vals = ref_forward(prog, arrs)
        return sum(vals[o].sum() for o in prog["outputs"])

    grads = ref_backward(prog, ref_forward(prog, arrays), prog["outputs"])
    for i, a in enumerate(arrays):
        num = np.zeros_like(a)
        for k in range(a.size):
            hi = [x.copy() for x in arrays]
            lo = [x.copy() for x in arrays]
            hi[i].flat[k] += 1e-6
            lo[i].flat[k] -= 1e-6
            num.flat[k] = (total(hi) - total(lo)) / 2e-6
        np.testing.assert_allclose(grads[i], num, rtol=1e-5, atol=1e-7, err_msg=f"input {i}")


# -- random programs over the whole op set: eager == jit, bit for bit --
#
# Programs of unary, binary (tensor or Python-scalar operands, either side), comparison + where,
# reduction, softmax, cast and shape ops (transpose, reshape, slices with negative steps, None,
# concat, broadcast_to), with NaN, +-inf and -0.0 among the inputs and the constants. The property:
# the same program run eagerly, under jit, and as the forward value inside value_and_grad gives the
# same bits (jit's passes: simplify, CSE, constant folding, fusion, memory planning, in place).

OP_UNARY = ["neg", "abs", "sign", "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "square", "reciprocal", "sin", "cos",
            "tanh", "sigmoid", "relu", "softplus", "gelu", "gelu_tanh", "erf", "floor", "ceil", "round"]
OP_BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "floor_divide", "remainder"]
OP_COMPARE = ["eq", "ne", "lt", "le", "gt", "ge"]
OP_REDUCE = ["sum", "mean", "amax", "amin", "prod", "logsumexp", "argmax"]
SPECIAL_CONSTS = [float("nan"), float("inf"), float("-inf"), 0.0, -0.0, 1.0, -2.5, 0.5, 3.0, 1e30]


def _prog_op(op, a, b, attrs):
    """One step of a random program in graphgrad."""
    if op in OP_UNARY:
        return ops.gelu(a, approximate="tanh") if op == "gelu_tanh" else getattr(ops, op)(a)
    if op in OP_BINARY:
        if "const" in attrs:
            c = attrs["const"]
            return getattr(ops, op)(c, a) if attrs["left"] else getattr(ops, op)(a, c)
        return getattr(ops, op)(a, b)
    if op in OP_COMPARE:  # a bool mask, used by where and cast back
        mask = getattr(ops, op)(a, attrs["const"]) if b is None else getattr(ops, op)(a, b)
        return ops.where(mask, a, ops.cast(mask, a.dtype)) if attrs["where"] else ops.cast(mask, a.dtype)
    if op in OP_REDUCE:
        if op == "argmax":
            return ops.cast(ops.argmax(a, attrs["axis"], attrs["keep"]), a.dtype)
        if op == "sum":
            return ops.sum(a, attrs["axis"], attrs["keep"])
        if op in ("amax", "amin"):
            return getattr(ops, op)(a, attrs["axis"], attrs["keep"])
        return getattr(ops, op)(a, attrs["axis"], attrs["keep"])
    if op in ("softmax", "log_softmax"):
        return getattr(ops, op)(a, attrs["axis"])
    if op == "transpose":
        return ops.transpose(a, attrs["perm"])
    if op == "reshape":
        return ops.reshape(a, attrs["shape"])
    if op == "getitem":
        return a[attrs["key"]]
    if op == "concat":
        return ops.concat([a, b], attrs["axis"])
    if op == "broadcast_to":
        return ops.broadcast_to(a, attrs["shape"])
    if op == "cast":  # through the other float dtype and back
        other = gg.float64 if a.dtype is gg.float32 else gg.float32
        return ops.cast(ops.cast(a, other), a.dtype)
    if op == "full":  # a constant tensor of a special value, combined with a
        return ops.add(a, ops.full(attrs["shape"], attrs["const"], dtype=a.dtype))
    raise AssertionError(op)


def _shape_after(op, shapes, attrs):
    """The result shape, by running numpy on zeros."""
    z = [np.zeros(s) for s in shapes]
    if op in OP_UNARY or op in ("cast",):
        return shapes[0]
    if op in OP_BINARY or op in OP_COMPARE:
        return np.broadcast_shapes(*shapes) if len(shapes) == 2 else shapes[0]
    if op in OP_REDUCE:
        axis = attrs["axis"]
        if op == "argmax":
            return np.argmax(z[0], axis, keepdims=attrs["keep"]).shape
        return np.sum(z[0], axis, keepdims=attrs["keep"]).shape
    if op in ("softmax", "log_softmax"):
        return shapes[0]
    if op == "transpose":
        return np.transpose(z[0], attrs["perm"]).shape
    if op == "reshape":
        return np.reshape(z[0], attrs["shape"]).shape
    if op == "getitem":
        return z[0][attrs["key"]].shape
    if op == "concat":
        return np.concatenate(z, attrs["axis"]).shape
    if op == "broadcast_to":
        return tuple(attrs["shape"])
    if op == "full":
        return np.broadcast_shapes(shapes[0], tuple(attrs["shape"]))
    raise AssertionError(op)


@st.composite
def op_programs(draw):
    n_in = draw(st.integers(1, 3))
    base = dims(draw, draw(st.integers(0, 3)), draw(st.integers(0, 5)) == 5)
    shapes = [base if i == 0 or draw(st.booleans()) else broadcast_partner(draw, base) for i in range(n_in)]
    steps = []
    kinds = ["unary", "unary", "binary", "binary", "scalar", "compare", "reduce", "softmax", "transpose", "reshape",
             "getitem", "concat", "broadcast_to", "cast", "full"]
    for _ in range(draw(st.integers(1, 8))):
        i = draw(st.integers(0, len(shapes) - 1))
        s = shapes[i]
        kind = draw(st.sampled_from(kinds))
        args, attrs = [i], {}
        if kind == "unary":
            op = draw(st.sampled_from(OP_UNARY))
        elif kind in ("binary", "scalar", "compare"):
            op = draw(st.sampled_from(OP_COMPARE if kind == "compare" else OP_BINARY))
            partners = [j for j, t in enumerate(shapes) if _broadcastable(s, t)]
            if kind == "scalar" or (kind == "compare" and draw(st.booleans())):
                attrs["const"] = draw(st.sampled_from(SPECIAL_CONSTS + [draw(st.floats(-3, 3, width=32))]))
                attrs["left"] = draw(st.booleans())
            else:
                args.append(draw(st.sampled_from(partners)))
            if kind == "compare":
                attrs["where"] = draw(st.booleans())
        elif kind == "reduce":
            op = draw(st.sampled_from(OP_REDUCE))
            if op == "argmax" and (not s or 0 in s):
                continue
            attrs["axis"] = draw(st.integers(-len(s), len(s) - 1)) if s and (op == "argmax" or draw(st.booleans())) \
                else None if op != "logsumexp" else tuple(range(len(s)))
            if op == "argmax" and attrs["axis"] is None:
                continue
            attrs["keep"] = draw(st.booleans())
        elif kind == "softmax":
            if not s:
                continue
            op = draw(st.sampled_from(["softmax", "log_softmax"]))
            attrs["axis"] = draw(st.integers(-len(s), len(s) - 1))
        elif kind == "transpose":
            op = "transpose"
            attrs["perm"] = tuple(draw(st.permutations(range(len(s)))))
        elif kind == "reshape":
            op = "reshape"
            n = int(np.prod(s, dtype=np.int64))
            attrs["shape"] = draw(st.sampled_from([(-1,), (n, 1), tuple(reversed(s)), (1,) + tuple(s)] +
                                                  ([(2, -1)] if n % 2 == 0 and n else [])))
        elif kind == "getitem":
            op = "getitem"
            if not s:
                attrs["key"] = (None,)
            else:
                step = draw(st.sampled_from([1, -1, 2, -2]))
                first = (draw(st.integers(-s[0], s[0] - 1)),) if s[0] else (slice(1, None),)
                last = (slice(None),) * (len(s) - 1) + (slice(None, None, step),)
                attrs["key"] = draw(st.sampled_from([(slice(None, None, step),), (Ellipsis, None), last, first]))
        elif kind == "concat":
            if not s:
                continue
            op = "concat"
            same = [j for j, t in enumerate(shapes) if len(t) == len(s)]
            axis = draw(st.integers(0, len(s) - 1))
            fits = [j for j in same if all(d == e for k, (d, e) in enumerate(zip(s, shapes[j])) if k != axis)]
            args.append(draw(st.sampled_from(fits)))
            attrs["axis"] = axis
        elif kind == "broadcast_to":
            op = "broadcast_to"
            attrs["shape"] = [draw(st.integers(1, 3))] + [d if d != 1 or draw(st.booleans()) else 3 for d in s]
        elif kind == "cast":
            op = "cast"
        else:
            op = "full"
            attrs["const"] = draw(st.sampled_from(SPECIAL_CONSTS))
            attrs["shape"] = list(s[draw(st.integers(0, len(s))):]) if s else []
        shapes.append(tuple(_shape_after(op, [shapes[j] for j in args], attrs)))
        steps.append((op, args, attrs))
    n_out = draw(st.integers(1, 3))
    outputs = [len(shapes) - 1] + [draw(st.integers(0, len(shapes) - 1)) for _ in range(n_out - 1)]
    return {"n_in": n_in, "shapes": shapes[:n_in], "steps": steps, "outputs": outputs,
            "dtype": draw(st.sampled_from(["float32", "float64"])), "seed": draw(st.integers(0, 2 ** 32 - 1)),
            "specials": draw(st.floats(0, 0.5))}


def run_program(prog, ts):
    vals = list(ts)
    for op, args, attrs in prog["steps"]:
        a = vals[args[0]]
        b = vals[args[1]] if len(args) > 1 else None
        vals.append(_prog_op(op, a, b, attrs))
    return tuple(vals[o] for o in prog["outputs"])


def program_inputs(prog):
    rng = np.random.default_rng(prog["seed"])
    arrays = []
    for s in prog["shapes"]:
        a = rng.standard_normal(s) * rng.choice([0.5, 2.0])
        special = rng.random(s) < prog["specials"]
        a = np.where(special, rng.choice(SPECIAL_CONSTS, s), a)
        arrays.append(Tensor(a.astype(prog["dtype"])))
    return arrays


def _bits(t):
    a = t.asnumpy()
    return a.dtype.str, a.shape, a.tobytes()


@FUZZ
@given(op_programs())
def test_random_op_programs_eager_equals_jit_bitwise(prog):
    ts = program_inputs(prog)
    with np.errstate(all="ignore"):
        eager = run_program(prog, ts)
        jitted = gg.jit(lambda *a: run_program(prog, a))(*ts)
        value, _ = gg.value_and_grad(lambda *a: run_program(prog, a), tuple(range(len(ts))))(*ts)
    for k, (e, j, v) in enumerate(zip(eager, jitted, value)):
        assert _bits(e) == _bits(j), f"output {k}: eager {e.asnumpy()!r} vs jit {j.asnumpy()!r}"
        assert _bits(e) == _bits(v), f"output {k}: eager {e.asnumpy()!r} vs value_and_grad {v.asnumpy()!r}"


@FUZZ
@given(op_programs())
def test_random_op_programs_grad_inside_jit_equals_grad_bitwise(prog):
    """The gradient graph compiled alone and inlined into a jit (a trace level above) agree bit for bit."""
    ts = program_inputs(prog)

    def loss(*a):
        total = None
        for o in run_program(prog, a):
            term = ops.sum(o)
            total = term if total is None else total + term
        return total

    positions = tuple(range(len(ts)))
    with np.errstate(all="ignore"):
        direct = gg.grad(loss, positions)(*ts)
        inside = gg.jit(lambda *a: gg.grad(loss, positions)(*a))(*ts)
    direct = direct if isinstance(direct, tuple) else (direct,)
    inside = inside if isinstance(inside, tuple) else (inside,)
    for k, (d, i) in enumerate(zip(direct, inside)):
        assert _bits(d) == _bits(i), f"gradient {k}: grad {d.asnumpy()!r} vs jit(grad) {i.asnumpy()!r}"


# -- random programs' gradients against torch autograd (optional oracle) --

def _torch_prog_op(torch, op, a, b, attrs):
    """The step of _prog_op in torch (same semantics; negative steps as flips)."""
    F = torch.nn.functional
    if op in OP_UNARY:
        if op in ("gelu", "gelu_tanh"):
            return F.gelu(a, approximate="tanh" if op == "gelu_tanh" else "none")
        return F.softplus(a) if op == "softplus" else getattr(torch, op)(a)
    if op in OP_COMPARE:
        other = torch.tensor(attrs["const"], dtype=a.dtype) if b is None else b
        mask = getattr(torch, op)(a, other)
        return torch.where(mask, a, mask.to(a.dtype)) if attrs["where"] else mask.to(a.dtype)
    if op in OP_BINARY:
        if b is None:
            c = torch.tensor(attrs["const"], dtype=a.dtype)
            a, b = (c, a) if attrs["left"] else (a, c)
        if op == "floor_divide":
            return torch.div(a, b, rounding_mode="floor").detach()
        return getattr(torch, op)(a, b)
    if op in OP_REDUCE:
        axis, keep = attrs["axis"], attrs["keep"]
        dims = tuple(range(a.dim())) if axis is None else axis if isinstance(axis, tuple) else (axis,)
        if op == "argmax":
            return torch.argmax(a, axis, keep).to(a.dtype)
        if op == "prod":
            out = a
            for d in sorted((d % max(a.dim(), 1) for d in dims), reverse=True):
                out = out.prod(d, keepdim=keep) if a.dim() else out
            return out
        return {"sum": torch.sum, "mean": torch.mean, "amax": torch.amax, "amin": torch.amin,
                "logsumexp": torch.logsumexp}[op](a, dims, keep) if a.dim() else a
    if op in ("softmax", "log_softmax"):
        return getattr(torch, op)(a, attrs["axis"])
    if op == "transpose":
        return a.permute(attrs["perm"])
    if op == "reshape":
        return a.reshape(attrs["shape"])
    if op == "getitem":
        out, d = a, 0
        for k in attrs["key"]:
            if k is None:
                out = out.unsqueeze(d)
                d += 1
            elif k is Ellipsis:
                d = out.dim() - sum(1 for j in attrs["key"][attrs["key"].index(Ellipsis) + 1:] if j is not None)
            elif isinstance(k, int):
                out = out.select(d, k)
            else:
                if k.step and k.step < 0:
                    out = out.flip(d)
                    k = slice(None, None, -k.step)
                out = out[(slice(None),) * d + (k,)]
                d += 1
        return out
    if op == "concat":
        return torch.cat([a, b], attrs["axis"])
    if op == "broadcast_to":
        return torch.broadcast_to(a, attrs["shape"])
    if op == "cast":
        return a.to(torch.float32 if a.dtype == torch.float64 else torch.float64).to(a.dtype)
    if op == "full":
        return a + torch.full(attrs["shape"], attrs["const"], dtype=a.dtype)
    raise AssertionError(op)


@settings(FUZZ, suppress_health_check=list(FUZZ.suppress_health_check) + [HealthCheck.filter_too_much])
@given(op_programs())
def test_random_op_programs_gradients_match_torch(prog):
    """float64, finite inputs: graphgrad's gradient of the outputs' sum equals torch autograd's
    wherever torch's is finite (the two differ only in conventions at poles and NaNs)."""
    torch = pytest.importorskip("torch")
    finite = {"nan": 0.25, "inf": 4.0, "-inf": -4.0}  # NaN conventions differ (relu(NaN) is 0 here, NaN there)
    steps = [(op, args, dict(attrs, const=finite.get(str(attrs["const"]), attrs["const"]))
              if "const" in attrs else attrs) for op, args, attrs in prog["steps"]]
    prog = dict(prog, dtype="float64", specials=0.0, steps=steps)
    ts = program_inputs(prog)

    def loss(*a):
        total = None
        for o in run_program(prog, a):
            term = ops.sum(o)
            total = term if total is None else total + term
        return total

    positions = tuple(range(len(ts)))
    with np.errstate(all="ignore"):
        got = gg.grad(loss, positions)(*ts)
    got = got if isinstance(got, tuple) else (got,)
    targs = [torch.tensor(t.asnumpy(), requires_grad=True) for t in ts]
    vals = list(targs)
    try:
        for op, args, attrs in prog["steps"]:
            vals.append(_torch_prog_op(torch, op, vals[args[0]], vals[args[1]] if len(args) > 1 else None, attrs))
    except (RuntimeError, IndexError):  # torch refuses some (the max of an empty axis): no oracle
        hypothesis.assume(False)
    # NaN conventions differ (relu(NaN), max with NaN and their gradients): only NaN-free programs
    hypothesis.assume(not any(torch.isnan(v).any() for v in vals))
    outs = [vals[o] for o in prog["outputs"]]
    for o, g in zip(outs, run_program(prog, ts)):  # the forward values agree too
        np.testing.assert_allclose(g.asnumpy(), o.detach().numpy(), rtol=1e-9, atol=1e-12, equal_nan=True)
    total = sum(o.sum() for o in outs)
    want = torch.autograd.grad(total, targs, allow_unused=True) if total.requires_grad else [None] * len(targs)
    for k, (g, w) in enumerate(zip(got, want)):
        w = np.zeros(g.shape) if w is None else w.numpy()
        fin = np.isfinite(w)
        np.testing.assert_allclose(g.asnumpy()[fin], w[fin], rtol=1e-7, atol=1e-9, err_msg=f"gradient {k}")
