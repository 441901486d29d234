"""Optimizers: updates against numpy written from MindSpore's rules, state names, learning
rates, groups, bad input that changes nothing; WithLossCell and TrainOneStepCell."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Parameter, Tensor, nn, ops

rng = np.random.default_rng(2)
W0 = (rng.standard_normal((3, 4)) * 0.5).astype(np.float32)
B0 = (rng.standard_normal(3) * 0.1).astype(np.float32)
X = rng.standard_normal((8, 4)).astype(np.float32)
Y = rng.integers(0, 3, 8).astype(np.int32)


def np_loss_and_grads(w, b):
    """Dense(4, 3) + mean cross-entropy in float64: loss, dW, db."""
    z = X.astype(np.float64) @ w.T + b
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    loss = -np.log(p[np.arange(8), Y]).mean()
    dz = (p - np.eye(3)[Y]) / 8
    return loss, dz.T @ X, dz.sum(0)


def run(make_opt, steps=3):
    net = nn.Dense(4, 3, weight_init=Tensor(W0), bias_init=Tensor(B0))
    opt = make_opt(net.trainable_params())
    loss_fn = nn.CrossEntropyLoss()
    grad_fn = gg.value_and_grad(lambda x, y: loss_fn(net(x), y), None, opt.parameters)
    losses, ws = [], []
    for _ in range(steps):
        loss, grads = grad_fn(Tensor(X), Tensor(Y))
        opt(grads)
        losses.append(float(loss.asnumpy()))
        ws.append((net.weight.asnumpy().copy(), net.bias.asnumpy().copy()))
    return losses, ws, opt


def reference(update, steps=3):
    """update(i, step, name, param, grad, state dict) -> new param, in float64."""
    params = {"weight": W0.astype(np.float64), "bias": B0.astype(np.float64)}
    state, losses, ws = {}, [], []
    for t in range(steps):
        loss, dw, db = np_loss_and_grads(params["weight"], params["bias"])
        losses.append(loss)
        for name, g in (("weight", dw), ("bias", db)):
            params[name] = update(t, name, params[name], g, state.setdefault(name, {}))
        ws.append((params["weight"].copy(), params["bias"].copy()))
    return losses, ws


def sgd_ref(lr, momentum=0.0, dampening=0.0, wd=0.0, nesterov=False):
    def update(t, name, p, g, s):
        lr_t = lr[t] if isinstance(lr, list) else lr
        g = g + wd * p
        if momentum > 0:
            s["a"] = g if t == 0 else s["a"] * momentum + (1 - dampening) * g
            g = g + momentum * s["a"] if nesterov else s["a"]
        return p - lr_t * g
    return update


def momentum_ref(lr, momentum, wd=0.0, nesterov=False):
    def update(t, name, p, g, s):
        g = g + wd * p
        s["a"] = s.get("a", 0) * momentum + g
        return p - lr * (g + momentum * s["a"] if nesterov else s["a"])
    return update


def adam_ref(lr, b1=0.9, b2=0.999, eps=1e-8, wd=0.0):
    def update(t, name, p, g, s):
        g = g + wd * p
        s["m"] = s.get("m", 0) * b1 + (1 - b1) * g
        s["v"] = s.get("v", 0) * b2 + (1 - b2) * g * g
        lr_t = lr * np.sqrt(1 - b2 ** (t + 1)) / (1 - b1 ** (t + 1))
        return p - lr_t * s["m"] / (np.sqrt(s["v"]) + eps)
    return update


def adamw_ref(lr, b1=0.9, b2=0.999, eps=1e-6, wd=0.0):
    def update(t, name, p, g, s):
        s["m"] = s.get("m", 0) * b1 + (1 - b1) * g
        s["v"] = s.get("v", 0) * b2 + (1 - b2) * g * g
        return p - lr * (s["m"] / (np.sqrt(s["v"]) + eps) + wd * p)
    return update


CASES = {
    "sgd": (lambda ps: nn.SGD(ps, 0.1), sgd_ref(0.1)),
    "sgd_momentum": (lambda ps: nn.SGD(ps, 0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
                     sgd_ref(0.1, 0.9, 0.1, 0.01)),
    "sgd_nesterov": (lambda ps: nn.SGD(ps, 0.1, momentum=0.9, nesterov=True), sgd_ref(0.1, 0.9, nesterov=True)),
    "sgd_lr_list": (lambda ps: nn.SGD(ps, [0.1, 0.05, 0.01]), sgd_ref([0.1, 0.05, 0.01])),
    "sgd_lr_tensor": (lambda ps: nn.SGD(ps, Tensor(np.array([0.1, 0.05, 0.01], np.float32))),
                      sgd_ref([0.1, 0.05, 0.01])),
    "sgd_schedule": (lambda ps: nn.SGD(ps, nn.piecewise_constant_lr([1, 3], [0.1, 0.01])),
                     sgd_ref([0.1, 0.01, 0.01])),
    "momentum": (lambda ps: nn.Momentum(ps, 0.1, 0.9, weight_decay=0.01), momentum_ref(0.1, 0.9, 0.01)),
    "momentum_nesterov": (lambda ps: nn.Momentum(ps, 0.1, 0.9, use_nesterov=True), momentum_ref(0.1, 0.9, 0, True)),
    "adam": (lambda ps: nn.Adam(ps, 0.01, weight_decay=0.01), adam_ref(0.01, wd=0.01)),
    "adamw": (lambda ps: nn.AdamWeightDecay(ps, 0.01, weight_decay=0.1), adamw_ref(0.01, wd=0.1)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_optimizer_matches_reference(case):
    make, update = CASES[case]
    losses, ws, _ = run(make)
    ref_losses, ref_ws = reference(update)
    np.testing.assert_allclose(losses, ref_losses, rtol=2e-5)
    for (w, b), (rw, rb) in zip(ws, ref_ws):
        np.testing.assert_allclose(w, rw, rtol=2e-5, atol=2e-6)
        np.testing.assert_allclose(b, rb, rtol=2e-5, atol=2e-6)


def test_parameter_groups_have_their_own_lr_and_weight_decay():
    def make(ps):
        return nn.SGD([{"params": [ps[0]], "lr": 0.2, "weight_decay": 0.1}, {"params": [ps[1]]}], 0.05)

    def update(t, name, p, g, s):
        return p - 0.2 * (g + 0.1 * p) if name == "weight" else p - 0.05 * g

    losses, ws, _ = run(make)
    ref_losses, ref_ws = reference(update)
    np.testing.assert_allclose(losses, ref_losses, rtol=2e-5)
    np.testing.assert_allclose(ws[-1][0], ref_ws[-1][0], rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(ws[-1][1], ref_ws[-1][1], rtol=2e-5, atol=2e-6)


def test_state_is_parameters_with_mindspore_names():
    _, _, opt = run(lambda ps: nn.Adam(ps, 0.01), steps=2)
    names = [p.name for p in opt.get_parameters()]  # the network's too, as in MindSpore
    assert sorted(names) == ["beta1_power", "beta2_power", "bias", "global_step", "learning_rate", "moment1.bias",
                             "moment1.weight", "moment2.bias", "moment2.weight", "weight"]
    assert int(opt.global_step.asnumpy()[0]) == 2
    assert [p.name for p in opt.parameters] == ["weight", "bias"]
    _, _, sgd = run(lambda ps: nn.SGD(ps, 0.1, momentum=0.9), steps=1)
    assert {"accum.weight", "stat.weight"} <= {p.name for p in sgd.get_parameters()}


def test_weight_decay_skips_norm_parameters_without_groups():
    gamma = Parameter(Tensor(np.ones(2, np.float32)), name="ln.gamma")
    w = Parameter(Tensor(np.ones(2, np.float32)), name="w")
    opt = nn.SGD([gamma, w], 0.1, weight_decay=0.5)
    zero = Tensor(np.zeros(2, np.float32))
    opt((zero, zero))
    np.testing.assert_allclose(gamma.asnumpy(), 1.0)
    np.testing.assert_allclose(w.asnumpy(), 1 - 0.1 * 0.5)


def snapshot(net):
    return [p.asnumpy().copy() for p in net.get_parameters()]


@pytest.mark.parametrize("grads, err, match", [
    (lambda ps: (ps[0],), ValueError, "1 gradients for 2 parameters"),
    (lambda ps: (ps[0], ps[0]), ValueError, "gradient of 'bias' has shape"),
    (lambda ps: [ps[0], Tensor(np.zeros(3, np.int32))], TypeError, "float"),
    (lambda ps: ps[0], TypeError, "tuple of Tensors"),
    (lambda ps: (ps[0], np.zeros(3)), TypeError, "must be a Tensor"),
])
def test_bad_gradients_change_nothing(grads, err, match):
    net = nn.Dense(4, 3)
    opt = nn.Adam(net.trainable_params())
    before = snapshot(net) + snapshot(opt)
    with pytest.raises(err, match=match):
        opt(grads(opt.parameters))
    for a, b in zip(before, snapshot(net) + snapshot(opt)):
        np.testing.assert_array_equal(a, b)


def test_lr_list_shorter_than_the_steps_is_an_error_and_changes_nothing():
    net = nn.Dense(4, 3)
    opt = nn.SGD(net.trainable_params(), [0.1, 0.1])
    grads = tuple(ops.ones_like(p) for p in opt.parameters)
    opt(grads)
    opt(grads)
    before = snapshot(net)
    with pytest.raises(ValueError, match="has 2 values .* this is step 2"):
        opt(grads)
    for a, b in zip(before, snapshot(net)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make_opt", [
    lambda ps: nn.SGD(ps, [0.1, 0.05]),
    lambda ps: nn.Adam([{"params": ps[:1], "lr": [1e-3, 1e-3]}, {"params": ps[1:]}], 1e-3),
], ids=["sgd", "adam group"])
def test_a_compiled_step_past_its_lr_list_is_an_error_and_changes_nothing(make_opt):
    # The Train tutorial's step under jit: the list is checked at every call, before any
    # Parameter (weights, moments, the step count) is written; the updates still write in place.
    net = nn.Dense(4, 3)
    opt = make_opt(net.trainable_params())
    loss_fn = nn.MSELoss()
    grad_fn = gg.value_and_grad(lambda x, y: loss_fn(net(x), y), None, opt.parameters)

    @gg.jit
    def train_step(x, y):
        loss, grads = grad_fn(x, y)
        opt(grads)
        return loss

    x, y = Tensor(rng.standard_normal((5, 4)).astype(np.float32)), Tensor(np.zeros((5, 3), np.float32))
    train_step(x, y)
    plan = str(train_step.stages(x, y)[-1][1])
    assert plan.index("check_index(%global_step)") < plan.index("-> into %weight (donated)")
    train_step(x, y)
    before = snapshot(net) + snapshot(opt)
    what = "learning_rate" if isinstance(opt, nn.SGD) else "learning_rate_group_0"  # the Parameter holding the list
    with pytest.raises(ValueError, match=f"the {what} list has 2 values .steps 0..1. but this is step 2"):
        train_step(x, y)
    for a, b in zip(before, snapshot(net) + snapshot(opt)):
        np.testing.assert_array_equal(a, b)
    assert train_step.trace_count == 1


def test_a_compiled_train_step_given_a_label_out_of_range_changes_nothing():
    # MindSpore's packaged step, one graph: the labels are checked before any update is written.
    net = nn.Dense(4, 3)
    opt = nn.Momentum(net.trainable_params(), 0.1, 0.9)
    train = nn.TrainOneStepCell(nn.WithLossCell(net, nn.CrossEntropyLoss()), opt)
    x = Tensor(rng.standard_normal((4, 4)).astype(np.float32))
    train(x, Tensor(np.array([0, 1, 2, 1], np.int32)))
    before = snapshot(net) + snapshot(opt)
    with pytest.raises(ValueError, match=r"class index 3, outside \[0, 3\)"):
        train(x, Tensor(np.array([0, 1, 3, 1], np.int32)))
    for a, b in zip(before, snapshot(net) + snapshot(opt)):
        np.testing.assert_array_equal(a, b)
    loss = train(x, Tensor(np.array([0, 1, 2, 1], np.int32)))
    assert np.isfinite(loss.asnumpy())


def test_an_embedding_step_checks_its_ids_first_and_still_updates_in_place():
    # The table's gather may fail (an id out of range) and so may its gradient, a scatter_add
    # that runs after the dense layers' updates: the gather has checked the same ids, so those
    # updates still write into the weights' own buffers, and a bad id changes nothing.
    table = Parameter(Tensor(rng.standard_normal((10, 6)).astype(np.float32)), name="table")
    dense = nn.Dense(6, 3)
    params = [table] + dense.trainable_params()
    opt = nn.SGD(params, 0.1)
    grad_fn = gg.value_and_grad(lambda ids, y: nn.MSELoss()(dense(ops.gather(table, ids, 0)), y), None, params)

    @gg.jit
    def train_step(ids, y):
        loss, grads = grad_fn(ids, y)
        opt(grads)
        return loss

    ids, y = Tensor(np.array([1, 3, 3, 9], np.int32)), Tensor(np.zeros((4, 3), np.float32))
    train_step(ids, y)
    plan = str(train_step.stages(ids, y)[-1][1])
    assert plan.index("gather(%table, %ids)") < plan.index("scatter_add") < plan.index("-> into %table (donated)")
    assert "-> into %weight (donated)" in plan
    before = [p.asnumpy().copy() for p in params] + snapshot(opt)
    with pytest.raises(IndexError, match="index 10 is out of range for an axis of size 10"):
        train_step(Tensor(np.array([1, 10, 3, 9], np.int32)), y)
    for a, b in zip(before, [p.asnumpy() for p in params] + snapshot(opt)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make, err, match", [
    (lambda ps: nn.SGD([], 0.1), ValueError, "non-empty"),
    (lambda ps: nn.SGD(ps, -1.0), ValueError, "non-negative"),
    (lambda ps: nn.SGD(ps, "fast"), TypeError, "learning_rate"),
    (lambda ps: nn.SGD(ps + ps[:1], 0.1), ValueError, "listed twice"),
    (lambda ps: nn.SGD(ps, 0.1, nesterov=True), ValueError, "nesterov"),
    (lambda ps: nn.Adam(ps, beta1=1.0), ValueError, "beta1"),
    (lambda ps: nn.SGD([{"params": ps, "momentum": 0.9}], 0.1), ValueError, "group 0"),
    (lambda ps: nn.SGD([Tensor(np.ones(2))], 0.1), TypeError, "Parameters"),
])
def test_bad_optimizer_arguments(make, err, match):
    with pytest.raises(err, match=match):
        make(nn.Dense(4, 3).trainable_params())


def test_quickstart_step_matches_numpy():
    """Flatten, Dense, ReLU, Dense, CrossEntropyLoss, SGD lr 1e-2: two steps' losses and weights."""
    gg.set_seed(0)
    model = nn.SequentialCell(nn.Flatten(), nn.Dense(12, 16), nn.ReLU(), nn.Dense(16, 5))
    ws = [p.asnumpy().astype(np.float64) for p in model.trainable_params()]
    x = rng.standard_normal((6, 3, 4)).astype(np.float32)
    y = rng.integers(0, 5, 6).astype(np.int32)
    loss_fn = nn.CrossEntropyLoss()
    opt = nn.SGD(model.trainable_params(), 1e-2)
    train = nn.TrainOneStepCell(nn.WithLossCell(model, loss_fn), opt)
    xf = x.reshape(6, 12).astype(np.float64)
    for _ in range(2):
        w1, b1, w2, b2 = ws
        h = np.maximum(xf @ w1.T + b1, 0)
        z = h @ w2.T + b2
        p = np.exp(z - z.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        ref_loss = -np.log(p[np.arange(6), y]).mean()
        dz = (p - np.eye(5)[y]) / 6
        dh = (dz @ w2) * (h > 0)
        ws = [w1 - 1e-2 * dh.T @ xf, b1 - 1e-2 * dh.sum(0), w2 - 1e-2 * dz.T @ h, b2 - 1e-2 * dz.sum(0)]
        loss = train(Tensor(x), Tensor(y))
        np.testing.assert_allclose(loss.asnumpy(), ref_loss, rtol=1e-5)
    for p, w in zip(model.trainable_params(), ws):
        np.testing.assert_allclose(p.asnumpy(), w, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("mode", ["pynative", "graph_mode", "jit"])
def test_train_tutorial_step_matches_the_float64_reference_in_every_mode(mode):
    """The Train tutorial's code as written, in PyNative, under set_context(mode=GRAPH_MODE) (the
    optimizer, a Cell called outside a trace, compiles; it once failed there) and under @jit."""
    gg.set_seed(1)
    model = nn.SequentialCell(nn.Dense(4, 8), nn.ReLU(), nn.Dense(8, 3))
    w1, b1, w2, b2 = [p.asnumpy().astype(np.float64) for p in model.trainable_params()]
    loss_fn = nn.CrossEntropyLoss()
    optimizer = nn.Momentum(model.trainable_params(), [0.1, 0.05, 0.05, 0.01], 0.9)

    def forward_fn(data, label):
        logits = model(data)
        return loss_fn(logits, label), logits

    grad_fn = gg.value_and_grad(forward_fn, None, optimizer.parameters, has_aux=True)

    def train_step(data, label):
        (loss, _), grads = grad_fn(data, label)
        flags = optimizer(grads)
        if mode != "jit":
            assert flags == (True,) * 4  # as MindSpore's optimizers return
        return loss

    step = gg.jit(train_step) if mode == "jit" else train_step
    gg.set_context(mode=gg.GRAPH_MODE if mode == "graph_mode" else gg.PYNATIVE_MODE)
    try:
        losses = [float(step(Tensor(X), Tensor(Y)).asnumpy()) for _ in range(4)]
    finally:
        gg.set_context(mode=gg.PYNATIVE_MODE)
    ref, moments = [], [0.0] * 4
    for lr in (0.1, 0.05, 0.05, 0.01):
        h = np.maximum(X @ w1.T + b1, 0)
        p = np.exp(h @ w2.T + b2)
        p /= p.sum(1, keepdims=True)
        ref.append(-np.log(p[np.arange(len(Y)), Y]).mean())
        dz = (p - np.eye(3)[Y]) / len(Y)
        dh = (dz @ w2) * (h > 0)
        grads = [dh.T @ X, dh.sum(0), dz.T @ h, dz.sum(0)]
        moments = [0.9 * m + g for m, g in zip(moments, grads)]
        w1, b1, w2, b2 = [w - lr * m for w, m in zip((w1, b1, w2, b2), moments)]
    np.testing.assert_allclose(losses, ref, rtol=1e-5)
    for p, w in zip(model.trainable_params(), (w1, b1, w2, b2)):
        np.testing.assert_allclose(p.asnumpy(), w, rtol=1e-4, atol=1e-6)
    assert int(optimizer.global_step.asnumpy()[0]) == 4


@pytest.mark.parametrize("name", ["sgd_momentum", "momentum", "adam", "adamw"])
def test_an_optimizer_called_outside_a_trace_updates_in_place_in_one_compiled_call(name):
    """optimizer(grads) in PyNative runs one compiled graph that writes every Parameter and its
    state into their own buffers (no fresh buffer per op), as it would inside a jitted step."""
    net = nn.Dense(4, 3, weight_init=Tensor(W0), bias_init=Tensor(B0))
    opt = CASES[name][0](net.trainable_params())
    grads = tuple(Tensor(rng.standard_normal(p.shape).astype(np.float32)) for p in opt.parameters)
    held = Tensor(net.weight)
    opt(grads)
    opt(grads)
    assert opt._compiled_update.trace_count == 1
    plan = str(opt._compiled_update.stages(*grads)[-1][1])
    written = [line for line in plan.splitlines() if "-> into" in line]
    assert written and all("(donated)" in line for line in written), plan
    assert len(written) == len([p for p in opt.get_parameters()
                                if p.name not in ("learning_rate", "momentum")]), plan
    np.testing.assert_array_equal(held.asnumpy(), W0)  # a Tensor the user holds is not the Parameter


def test_train_one_step_cell_lr_list_runs_out_with_a_clear_error():
    net = nn.Dense(4, 3)
    train = nn.TrainOneStepCell(nn.WithLossCell(net, nn.CrossEntropyLoss()), nn.SGD(net.trainable_params(), [0.1]))
    train(Tensor(X), Tensor(Y))
    before = snapshot(net)
    with pytest.raises(ValueError, match="has 1 values"):
        train(Tensor(X), Tensor(Y))
    for a, b in zip(before, snapshot(net)):
        np.testing.assert_array_equal(a, b)


def test_batch_norm_running_stats_update_inside_a_compiled_step():
    bn = nn.BatchNorm1d(3).set_train()
    x = rng.standard_normal((6, 3)).astype(np.float32)
    gg.jit(bn)(Tensor(x))
    np.testing.assert_allclose(bn.moving_mean.asnumpy(), 0.1 * x.mean(0), rtol=1e-5, atol=1e-7)


def test_optimizer_state_round_trips_through_a_checkpoint(tmp_path):
    pytest.importorskip("google.protobuf")

    def make():
        net = nn.Dense(4, 3, weight_init=Tensor(W0), bias_init=Tensor(B0))
        return net, nn.TrainOneStepCell(nn.WithLossCell(net, nn.CrossEntropyLoss()), nn.Adam(net.trainable_params()))

    net, train = make()
    for _ in range(2):
        train(Tensor(X), Tensor(Y))
    path = str(tmp_path / "train.ckpt")
    gg.save_checkpoint(train, path)
    net2, train2 = make()
    not_loaded, _ = gg.load_param_into_net(train2, gg.load_checkpoint(path))
    assert not_loaded == []
    assert int(train2.optimizer.global_step.asnumpy()[0]) == 2
    np.testing.assert_array_equal(train2.optimizer.moment1[0].asnumpy(), train.optimizer.moment1[0].asnumpy())
    # the next step continues exactly where the saved one left off
    np.testing.assert_array_equal(train2(Tensor(X), Tensor(Y)).asnumpy(), train(Tensor(X), Tensor(Y)).asnumpy())
    np.testing.assert_array_equal(net2.weight.asnumpy(), net.weight.asnumpy())


# --- schedules, groups, names and AMSGrad against MindSpore 2.7.2. The numbers below came from
# mindspore==2.7.2: Dense(4, 3) with these weights, CrossEntropyLoss, TrainOneStepCell, get_lr()
# before each step; weights after the last step.
SW0 = np.array([[0.5, -0.3, 0.2, 0.1], [-0.4, 0.6, -0.1, 0.3], [0.2, 0.1, -0.5, -0.2]], np.float32)
SB0 = np.array([0.1, -0.2, 0.05], np.float32)
SX = np.array([[1.0, -0.5, 0.3, 2.0], [0.2, 0.4, -1.0, 0.5], [-1.5, 0.3, 0.8, -0.2], [0.7, -1.2, 0.1, 0.9],
               [0.0, 1.0, -0.6, -1.1]], np.float32)
SY = np.array([0, 2, 1, 1, 2], np.int32)
MS_TRAIN = {
    "momentum_exp": dict(
        make=lambda n: nn.Momentum(n.trainable_params(), nn.ExponentialDecayLR(0.1, 0.5, 2, True), 0.9),
        lrs=[0.10000000149011612, 0.10000000149011612, 0.05000000074505806, 0.05000000074505806],
        losses=[0.938178539276123, 0.9102147817611694, 0.8600156903266907, 0.8267372250556946],
        weight=[[0.5160461068153381, -0.2637501657009125, 0.22535356879234314, 0.12391528487205505],
                [-0.42816591262817383, 0.44905993342399597, 0.000960787758231163, 0.36105290055274963],
                [0.21211983263492584, 0.21469026803970337, -0.6263143420219421, -0.28496816754341125]],
        bias=[-0.009965119883418083, -0.13861431181430817, 0.09857941418886185]),
    "sgd_cos": dict(
        make=lambda n: nn.SGD(n.trainable_params(), nn.CosineDecayLR(0.01, 0.2, 3)),
        lrs=[0.20000000298023224, 0.1524999737739563, 0.057499960064888, 0.009999999776482582],
        losses=[0.938178539276123, 0.8830530047416687, 0.8453336954116821, 0.8321038484573364],
        weight=[[0.5112730264663696, -0.2744639813899994, 0.21777138113975525, 0.11690036207437515],
                [-0.4198153614997864, 0.4943156838417053, -0.029393859207630157, 0.3423714339733124],
                [0.2085423469543457, 0.18014833331108093, -0.5883774757385254, -0.2592718005180359]],
        bias=[0.023063067346811295, -0.15687967836856842, 0.08381661027669907]),
    "adam_warm": dict(
        make=lambda n: nn.Adam(n.trainable_params(), nn.WarmUpLR(0.05, 2)),
        lrs=[0.0, 0.02500000037252903, 0.05000000074505806, 0.05000000074505806],
        losses=[0.938178539276123, 0.938178539276123, 0.8959811925888062, 0.8172513246536255],
        weight=[[0.622753918170929, -0.17469559609889984, 0.32470703125, 0.2241230010986328],
                [-0.5233477354049683, 0.4752095639705658, 0.02449570596218109, 0.4242987632751465],
                [0.3240031599998474, 0.22453312575817108, -0.6245405077934265, -0.3242550492286682]],
        bias=[-0.024594401940703392, -0.07516676932573318, 0.1742393970489502]),
    "sgd_group_poly": dict(  # get_lr() with a group lr: one per parameter
        make=lambda n: nn.SGD([{"params": [n.weight], "lr": nn.PolynomialDecayLR(0.2, 0.02, 3, 2.0)},
                               {"params": [n.bias]}], 0.1),
        lrs=[[0.20000000298023224, 0.10000002384185791], [0.09999999403953552, 0.10000002384185791],
             [0.03999999910593033, 0.10000002384185791], [0.019999999552965164, 0.10000002384185791]],
        losses=[0.938178539276123, 0.8882620930671692, 0.8630713224411011, 0.8505828976631165],
        weight=[[0.5095182657241821, -0.27806156873703003, 0.21532167494297028, 0.11391549557447433],
                [-0.4169503450393677, 0.5089085102081299, -0.039045464247465134, 0.3371694087982178],
                [0.2074320912361145, 0.16915303468704224, -0.5762761831283569, -0.2510848939418793]],
        bias=[0.02707621268928051, -0.15848857164382935, 0.08141234517097473]),
    "adam_amsgrad": dict(
        make=lambda n: nn.Adam(n.trainable_params(), 0.05, use_amsgrad=True),
        lrs=[0.05000000074505806] * 3,
        losses=[0.938178539276123, 0.8556374311447144, 0.7806404232978821],
        weight=[[0.6460041403770447, -0.14976006746292114, 0.349618136882782, 0.24876253306865692],
                [-0.5471935272216797, 0.45026713609695435, 0.049298521131277084, 0.44895806908607483],
                [0.34838753938674927, 0.24935972690582275, -0.649368941783905, -0.34891048073768616]],
        bias=[-0.049448683857917786, -0.050209514796733856, 0.19886460900306702]),
    "momentum_order": dict(  # order_params puts the bias (its group's lr 0.3 and weight decay 0.1) first
        make=lambda n: nn.Momentum([{"params": [n.weight]}, {"params": [n.bias], "lr": 0.3, "weight_decay": 0.1},
                                    {"order_params": [n.bias, n.weight]}], 0.1, 0.9),
        lrs=[[0.30000001192092896, 0.10000000149011612]] * 3,
        losses=[0.938178539276123, 0.8989758491516113, 0.832258403301239],
        weight=[[0.5161100029945374, -0.26685982942581177, 0.22376355528831482, 0.125562384724617],
                [-0.4264533221721649, 0.45753881335258484, -0.004588067531585693, 0.3566683828830719],
                [0.21034327149391174, 0.20932097733020782, -0.6191754937171936, -0.28223079442977905]],
        bias=[-0.20482483506202698, -0.00798516720533371, 0.1710103154182434]),
}


def lr_values(lr):
    return [float(v.asnumpy()) for v in lr] if isinstance(lr, tuple) else float(lr.asnumpy())


@pytest.mark.parametrize("mode", ["train_one_step", "eager", "jit"])
@pytest.mark.parametrize("case", list(MS_TRAIN))
def test_training_with_schedules_groups_and_amsgrad_matches_mindspore(case, mode):
    ref = MS_TRAIN[case]
    net = nn.Dense(4, 3, weight_init=Tensor(SW0), bias_init=Tensor(SB0))
    opt = ref["make"](net)
    loss_fn = nn.CrossEntropyLoss()
    if mode == "train_one_step":
        step = nn.TrainOneStepCell(nn.WithLossCell(net, loss_fn), opt)
    else:
        grad_fn = gg.value_and_grad(lambda x, y: loss_fn(net(x), y), None, opt.parameters)

        def step(x, y):
            loss, grads = grad_fn(x, y)
            opt(grads)
            return loss
        if mode == "jit":
            step = gg.jit(step)
    lrs, losses = [], []
    for _ in range(len(ref["losses"])):
        lrs.append(lr_values(opt.get_lr()))
        losses.append(float(step(Tensor(SX), Tensor(SY)).asnumpy()))
    np.testing.assert_allclose(np.array(lrs, dtype=float), ref["lrs"], rtol=1e-6)
    np.testing.assert_allclose(losses, ref["losses"], rtol=1e-5)
    np.testing.assert_allclose(net.weight.asnumpy(), ref["weight"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(net.bias.asnumpy(), ref["bias"], rtol=1e-5, atol=1e-6)


def test_amsgrad_keeps_the_largest_second_moment_as_mindspore():
    # mindspore==2.7.2, Adam([w], 0.1, use_amsgrad=True): the second gradient is small in w[0], so
    # vhat keeps step 1's v there while moment2 decays; w after each step. use_nesterov is ignored.
    expected_w = [[0.90000004, 2.1, -1.0999999], [0.83228385, 2.163204, -1.1844121], [0.7786878, 2.213632, -1.2498403]]
    grads = [[1.0, -2.0, 0.5], [0.01, 0.1, 3.0], [0.02, -0.05, 0.01]]
    for nesterov in (False, True):
        w = Parameter(Tensor(np.array([1.0, 2.0, -1.0], np.float32)), name="w")
        opt = nn.Adam([w], learning_rate=0.1, use_amsgrad=True, use_nesterov=nesterov)
        assert [n for n, _ in opt.parameters_and_names()] == [
            "global_step", "learning_rate", "w", "beta1_power", "beta2_power", "moment1.w", "moment2.w", "vhat.w"]
        for g, want in zip(grads, expected_w):
            opt((Tensor(np.array(g, np.float32)),))
            np.testing.assert_allclose(w.asnumpy(), want, rtol=2e-6)
        np.testing.assert_allclose(opt.vhat[0].asnumpy(), [0.00099999, 0.00400595, 0.00924963], rtol=2e-4)
        np.testing.assert_allclose(opt.moment2[0].asnumpy(), [0.00099849, 0.00400444, 0.00924048], rtol=2e-4)


def test_a_function_as_learning_rate_is_refused_as_mindspore_does():
    ps = nn.Dense(2, 2).trainable_params()
    for lr in (lambda step: 0.1, nn.Dense(2, 2)):  # MindSpore 2.7.2: TypeError for both
        with pytest.raises(TypeError, match="must be int, float, Tensor, Iterable or LearningRateSchedule.*"
                                            "subclass nn.LearningRateSchedule"):
            nn.SGD(ps, learning_rate=lr)
        with pytest.raises(TypeError, match="LearningRateSchedule"):
            nn.SGD([{"params": ps, "lr": lr}], learning_rate=0.1)


def two_part_net():
    net = nn.SequentialCell(nn.Dense(3, 2), nn.LayerNorm((2,)))
    fc, ln = net.trainable_params()[:2], net.trainable_params()[2:]
    return net, fc, ln


def test_parameters_and_names_are_mindspores():
    # mindspore==2.7.2's names, in its order: global_step, the learning rates, the parameters, the state
    net, fc, ln = two_part_net()
    opt = nn.SGD(net.trainable_params(), 0.1, momentum=0.9)
    names = [n for n, _ in opt.parameters_and_names()]
    assert names == ["global_step", "learning_rate", "0.weight", "0.bias", "1.gamma", "1.beta", "momentum",
                     "accum.0.weight", "accum.0.bias", "accum.1.gamma", "accum.1.beta",
                     "stat.0.weight", "stat.0.bias", "stat.1.gamma", "stat.1.beta"]
    assert names == [p.name for _, p in opt.parameters_and_names()]
    # a group's own lr is learning_rate_group_<its place in the list>, listed where its first parameter is
    opt = nn.Momentum([{"params": fc, "lr": 0.05, "weight_decay": 0.2}, {"params": ln}], 0.1, 0.9)
    assert [n for n, _ in opt.parameters_and_names()][:3] == ["global_step", "learning_rate_group_0", "learning_rate"]
    opt = nn.Momentum([{"params": fc, "lr": 0.05}, {"params": ln, "lr": 0.02}], 0.1, 0.9)
    assert [n for n, _ in opt.parameters_and_names()][:3] == ["global_step", "learning_rate_group_0",
                                                              "learning_rate_group_1"]
    # a schedule holds no learning_rate Parameter
    opt = nn.Momentum(net.trainable_params(), nn.ExponentialDecayLR(0.1, 0.9, 2), 0.9)
    assert [n for n, _ in opt.parameters_and_names()][:2] == ["global_step", "0.weight"]


def test_order_params_fixes_the_order_of_updates_state_and_checkpoint(tmp_path):
    net, fc, ln = two_part_net()
    order = net.trainable_params()[::-1]
    opt = nn.Momentum([{"params": fc}, {"params": ln, "lr": 0.3, "weight_decay": 0.5},
                       {"order_params": order}], 0.1, 0.9, weight_decay=0.01)
    assert [p.name for p in opt.parameters] == ["1.beta", "1.gamma", "0.bias", "0.weight"]
    names = [n for n, _ in opt.parameters_and_names()]
    assert names == ["global_step", "learning_rate_group_1", "learning_rate", "1.beta", "1.gamma", "0.bias",
                     "0.weight", "momentum", "moments.1.beta", "moments.1.gamma", "moments.0.bias", "moments.0.weight"]
    assert lr_values(opt.get_lr()) == pytest.approx([0.3, 0.3, 0.1, 0.1])
    assert [float(w.asnumpy()) for w in opt.weight_decay] == pytest.approx([0.5, 0.5, 0.01, 0.01])
    # gradients come in the new order
    opt(tuple(ops.ones_like(p) for p in opt.parameters))
    np.testing.assert_allclose(net[1].beta.asnumpy(), [-0.3, -0.3])
    np.testing.assert_allclose(net[1].gamma.asnumpy(), [1 - 0.3 * 1.5] * 2)
    pytest.importorskip("google.protobuf")
    path = str(tmp_path / "opt.ckpt")
    gg.save_checkpoint(opt, path)
    assert list(gg.load_checkpoint(path)) == names


@pytest.mark.parametrize("groups, error, words", [
    # mindspore==2.7.2 refuses each of these (its words differ where they were a bare list.index error)
    (lambda fc, ln, all_: [{"params": ln}, {"order_params": all_}], ValueError, "which is in no parameter group"),
    (lambda fc, ln, all_: [{"params": ln, "lr": 0.3, "order_params": all_}], ValueError,
     "should only include the 'order_params' key"),
    (lambda fc, ln, all_: [{"params": fc}, {"params": ln}, {"order_params": fc[0]}], TypeError, "should be Iterable"),
    (lambda fc, ln, all_: [{"params": fc}, {"params": ln}, {"order_params": [fc[0], fc[0]] + ln}], ValueError,
     "lists '0.weight' twice"),
    (lambda fc, ln, all_: [{"params": fc}, {"params": ln}, {"order_params": fc}], ValueError,
     "they hold 4, order_params lists 2"),
])
def test_bad_order_params(groups, error, words):
    net, fc, ln = two_part_net()
    with pytest.raises(error, match=words):
        nn.Momentum(groups(fc, ln, net.trainable_params()), 0.1, 0.9)


def test_get_lr_parameter_and_weight_decay_as_mindspore():
    net, fc, ln = two_part_net()
    opt = nn.Momentum(net.trainable_params(), 0.1, 0.9, weight_decay=0.01)
    assert opt.get_lr() is opt.learning_rate and opt.get_lr_parameter(fc[0]) is opt.learning_rate
    assert opt.weight_decay.shape == () and float(opt.weight_decay.asnumpy()) == pytest.approx(0.01)
    opt = nn.Momentum([{"params": fc, "lr": 0.05, "weight_decay": 0.2}, {"params": ln}], 0.1, 0.9, weight_decay=0.01)
    assert [p.name for p in opt.get_lr_parameter([ln[0], fc[1]])] == ["learning_rate", "learning_rate_group_0"]
    assert [float(w.asnumpy()) for w in opt.weight_decay] == pytest.approx([0.2, 0.2, 0.01, 0.01])
    assert lr_values(opt.get_lr()) == pytest.approx([0.05, 0.05, 0.1, 0.1])
    # groups without their own lr: one lr, as without groups
    opt = nn.Momentum([{"params": fc, "weight_decay": 0.2}, {"params": ln}], 0.1, 0.9)
    assert opt.get_lr() is opt.learning_rate
    schedule = nn.WarmUpLR(0.1, 3)
    opt = nn.Momentum(net.trainable_params(), schedule, 0.9)
    assert opt.get_lr_parameter(fc[0]) is schedule and float(opt.get_lr().asnumpy()) == 0.0
    with pytest.raises(ValueError, match="the parameter zz is not in optimizer"):
        opt.get_lr_parameter(Parameter(Tensor(np.ones(2, np.float32)), name="zz"))
    with pytest.raises(TypeError, match="must be 'Parameter' or 'list'"):
        opt.get_lr_parameter(tuple(fc))


def test_adam_state_shapes_are_mindspores():
    # MindSpore 2.7.2's Adam keeps beta1_power and beta2_power 0-d: a checkpoint of its optimizer
    # state must load into ours (load_param_into_net checks shapes)
    net = nn.Dense(2, 2)
    opt = nn.Adam(net.trainable_params(), 0.1)
    shapes = {n: p.shape for n, p in opt.parameters_and_names()}
    assert shapes["beta1_power"] == shapes["beta2_power"] == () and shapes["global_step"] == (1,)
    opt(tuple(Tensor(np.ones(p.shape, np.float32)) for p in net.trainable_params()))
    np.testing.assert_allclose(opt.beta1_power.asnumpy(), 0.9)
