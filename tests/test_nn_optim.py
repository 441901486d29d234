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
    what = "learning_rate" if isinstance(opt, nn.SGD) else "group 0 lr"
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
