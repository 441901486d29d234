"""mindspore.train.Model with its callbacks and metrics: the printed lines, hook orders, file names
and metric values are MindSpore 2.7.2's (observed with mindspore==2.7.2 on CPU)."""
import os
import re

import numpy as np
import pytest

import graphgrad as ms
from graphgrad import Tensor, nn
from graphgrad.dataset import NumpySlicesDataset
from graphgrad.train import (F1, MAE, MSE, Accuracy, Callback, CheckpointConfig, History, LambdaCallback, Loss,
                             LossMonitor, Metric, Model, ModelCheckpoint, Precision, Recall, RunContext, TimeMonitor,
                             Top1CategoricalAccuracy, Top5CategoricalAccuracy, TopKCategoricalAccuracy, get_metric_fn)

RNG = np.random.RandomState(0)
X = RNG.randn(40, 4).astype(np.float32)
Y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.int32)
W0 = RNG.randn(2, 4).astype(np.float32) * 0.5
B0 = np.zeros(2, np.float32)


def dataset(batch=8):
    return NumpySlicesDataset({"data": X, "label": Y}, shuffle=False).batch(batch)


def dense():
    net = nn.Dense(4, 2)
    net.weight.set_data(Tensor(W0))
    net.bias.set_data(Tensor(B0))
    return net


def model(metrics=None, lr=0.5, **kwargs):
    net = dense()
    return Model(net, nn.CrossEntropyLoss(), nn.SGD(net.trainable_params(), lr), metrics=metrics, **kwargs), net


class Record(Callback):
    """Records every hook called, with the epoch and step it saw."""

    def __init__(self):
        self.calls, self.losses = [], []

    def __getattribute__(self, name):
        if name.startswith("on_"):
            def hook(run_context):
                p = run_context.original_args()
                self.calls.append((name, p.get("cur_epoch_num"), p.get("cur_step_num")))
                if name == "on_train_step_end":
                    self.losses.append(float(p.net_outputs.asnumpy()))
            return hook
        return object.__getattribute__(self, name)


def hand_written_losses(epochs, lr=0.5):
    """The same training written out: value_and_grad and the optimizer in one jit step."""
    net = dense()
    loss_fn, opt = nn.CrossEntropyLoss(), nn.SGD(net.trainable_params(), lr)
    grad_fn = ms.value_and_grad(lambda x, y: loss_fn(net(x), y), None, opt.parameters)

    @ms.jit
    def step(x, y):
        loss, grads = grad_fn(x, y)
        opt(grads)
        return loss

    losses = [float(step(x, y).asnumpy()) for _ in range(epochs) for x, y in dataset().create_tuple_iterator()]
    return losses, net


def test_train_follows_the_hand_written_compiled_step():
    m, net = model()
    rec = Record()
    m.train(3, dataset(), callbacks=rec)
    expected, ref = hand_written_losses(3)
    assert len(rec.losses) == 15
    np.testing.assert_allclose(rec.losses, expected, rtol=1e-6)
    assert rec.losses[-1] < rec.losses[0] * 0.7  # it learns
    np.testing.assert_allclose(net.weight.asnumpy(), ref.weight.asnumpy(), rtol=1e-6)
    assert len(m.train_network._compiled._cache) == 1  # one compiled step for all 15 batches
    assert net.training


def test_a_loss_network_without_loss_fn_trains_the_same():
    net = dense()
    m = Model(nn.WithLossCell(net, nn.CrossEntropyLoss()), optimizer=nn.SGD(net.trainable_params(), 0.5))
    rec = Record()
    m.train(2, dataset(), callbacks=[rec])
    np.testing.assert_allclose(rec.losses, hand_written_losses(2)[0], rtol=1e-6)


def test_eval_and_predict_values():
    m, net = model(metrics={"accuracy", "loss"})
    m.train(2, dataset())
    logits = X @ net.weight.asnumpy().T + net.bias.asnumpy()
    shifted = logits - logits.max(1, keepdims=True)
    nll = np.log(np.exp(shifted).sum(1)) - shifted[np.arange(40), Y]
    result = m.eval(dataset(16))  # batches of 16, 16, 8: Loss averages the batch means, as MindSpore's
    assert set(result) == {"accuracy", "loss"}
    assert result["accuracy"] == pytest.approx(np.mean(logits.argmax(1) == Y))
    assert result["loss"] == pytest.approx(np.mean([nll[:16].mean(), nll[16:32].mean(), nll[32:].mean()]), rel=1e-5)
    assert not net.training
    out = m.predict(Tensor(X[:3]))
    np.testing.assert_allclose(out.asnumpy(), logits[:3], rtol=1e-5, atol=1e-6)
    net.set_train(True)
    m.predict(Tensor(X[:3]))
    assert not net.training


def test_train_hooks_in_mindspores_order_with_old_names_too():
    class Old(Callback):
        def __init__(self):
            self.calls = []

        def begin(self, rc):
            self.calls.append("begin")

        def epoch_end(self, rc):
            self.calls.append(f"epoch_end {rc.original_args().get('cur_epoch_num')}")

        def step_end(self, rc):
            self.calls.append(f"step_end {rc.original_args().cur_step_num}")

        def end(self, rc):
            self.calls.append("end")

    m, _ = model(metrics={"acc"})
    rec, old = Record(), Old()
    m.train(1, dataset(20), callbacks=[rec, old])
    assert rec.calls == [("on_train_begin", None, 0), ("on_train_epoch_begin", 1, 0),
                         ("on_train_step_begin", 1, 1), ("on_train_step_end", 1, 1),
                         ("on_train_step_begin", 1, 2), ("on_train_step_end", 1, 2),
                         ("on_train_epoch_end", 1, 2), ("on_train_end", 1, 2)]
    assert old.calls == ["begin", "step_end 1", "step_end 2", "epoch_end 1", "end"]
    old.calls.clear()
    m.eval(dataset(20), callbacks=old)  # the old names serve evaluation too
    assert old.calls == ["begin", "step_end 1", "step_end 2", "epoch_end None", "end"]


def test_fit_evaluates_before_the_epoch_end_hooks():
    m, _ = model(metrics={"acc"})
    seen = []

    class Metrics(Callback):
        def on_eval_end(self, rc):
            seen.append(("on_eval_end", rc.original_args().cur_epoch_num, dict(rc.original_args().metrics)))

        def on_train_epoch_end(self, rc):
            p = rc.original_args()
            seen.append(("on_train_epoch_end", p.cur_epoch_num, p.mode, p.cur_step_num, p.get("metrics")))

    hist = History()
    m.fit(3, dataset(), dataset(20), valid_frequency=2, callbacks=[Metrics(), hist])
    acc = seen[1][2]["acc"]
    assert seen == [("on_train_epoch_end", 1, "train", 5, None), ("on_eval_end", 2, {"acc": acc}),
                    ("on_train_epoch_end", 2, "train", 10, {"acc": acc}), ("on_train_epoch_end", 3, "train", 15, None)]
    assert hist.epoch == {"epoch": [1, 2, 3]} and hist.history["acc"] == [acc]
    assert len(hist.history["net_output"]) == 3
    seen.clear()
    m.fit(3, dataset(), dataset(20), valid_frequency=[1, 3], callbacks=Metrics())
    assert [s[1] for s in seen if s[0] == "on_eval_end"] == [1, 3]


def test_loss_monitor_prints_mindspores_lines(capsys):
    m, _ = model()
    rec = Record()
    m.train(2, dataset(), callbacks=[rec, LossMonitor(2)])
    out = capsys.readouterr().out.splitlines()
    # every second step counted over the run, numbered within the epoch (5 steps an epoch)
    expected = [f"epoch: {e} step: {s}, loss is {rec.losses[i]}" for e, s, i in
                [(1, 2, 1), (1, 4, 3), (2, 1, 5), (2, 3, 7), (2, 5, 9)]]
    assert out == expected
    m.train(1, dataset(), callbacks=[LossMonitor(0)])
    assert capsys.readouterr().out == ""


def test_loss_monitor_stops_on_nan():
    net = nn.Dense(4, 2)
    m = Model(net, nn.MSELoss(), nn.SGD(net.trainable_params(), 1e30))
    data = NumpySlicesDataset({"data": X * 1e20, "label": X[:, :2]}, shuffle=False).batch(8)
    with pytest.raises(ValueError, match=r"^In epoch: 1 step: 1, loss is NAN or INF, training process cannot "):
        m.train(2, data, callbacks=LossMonitor())


def test_time_monitor_format(capsys):
    m, _ = model(metrics={"acc"})
    m.fit(1, dataset(), dataset(20), callbacks=[LossMonitor(5), TimeMonitor()])
    out = capsys.readouterr().out.splitlines()
    number = r"\d+\.\d{3}"
    assert re.fullmatch(r"epoch: 1 step: 5, loss is [0-9.e-]+", out[0])
    assert re.fullmatch(rf"Eval epoch time: {number} ms, per step time: {number} ms", out[1])
    assert re.fullmatch(r"Eval result: epoch 1, metrics: \{'acc': .*\}", out[2])
    assert re.fullmatch(rf"Train epoch time: {number} ms, per step time: {number} ms", out[3])
    epoch_ms, step_ms = map(float, re.findall(number, out[3]))
    assert step_ms == pytest.approx(epoch_ms / 5, abs=1e-3)  # per step: over the 5 batches
    m.train(1, dataset(), callbacks=TimeMonitor(data_time=True))
    assert re.fullmatch(rf"Train epoch time: {number} ms, per step time: {number} ms \(data time: {number} ms\)",
                        capsys.readouterr().out.strip())


def test_model_checkpoint_names_count_and_contents(tmp_path):
    m, net = model()
    cfg = CheckpointConfig(save_checkpoint_steps=3, keep_checkpoint_max=2)
    ckpt = ModelCheckpoint("lenet", str(tmp_path), cfg)
    m.train(2, dataset(), callbacks=ckpt)
    # saved at steps 3, 6, 9 and at the end (10); the newest two stay, as MindSpore's
    assert sorted(os.listdir(tmp_path)) == ["lenet-2_4.ckpt", "lenet-2_5.ckpt"]
    assert ckpt.latest_ckpt_file_name == str(tmp_path / "lenet-2_5.ckpt")
    params = ms.load_checkpoint(str(tmp_path / "lenet-2_5.ckpt"))
    assert {"weight", "bias", "global_step", "learning_rate"} <= set(params)  # with the optimizer's state
    np.testing.assert_array_equal(params["weight"].asnumpy(), net.weight.asnumpy())
    fresh = nn.Dense(4, 2)
    ms.load_param_into_net(fresh, params)
    np.testing.assert_array_equal(fresh.weight.asnumpy(), net.weight.asnumpy())
    # a second run's files get prefix_1, so the first run's stay
    m.train(1, dataset(), callbacks=ModelCheckpoint("lenet", str(tmp_path), CheckpointConfig(
        save_checkpoint_steps=5, append_info=["epoch_num", "step_num"])))
    assert sorted(os.listdir(tmp_path)) == ["lenet-2_4.ckpt", "lenet-2_5.ckpt", "lenet_1-1_5.ckpt"]
    extra = ms.load_checkpoint(str(tmp_path / "lenet_1-1_5.ckpt"))
    assert int(extra["epoch_num"].asnumpy()) == 1 and int(extra["step_num"].asnumpy()) == 5


def test_request_stop_ends_training_after_the_step(tmp_path):
    class StopAt7(Callback):
        def on_train_step_end(self, rc):
            if rc.original_args().cur_step_num == 7:
                rc.request_stop()

    m, _ = model()
    rec = Record()
    m.train(3, dataset(), callbacks=[StopAt7(), rec, ModelCheckpoint("s", str(tmp_path),
                                                                    CheckpointConfig(save_checkpoint_steps=100))])
    assert [c for c in rec.calls if c[0] != "on_train_step_begin"][-4:] == [
        ("on_train_step_end", 2, 6), ("on_train_step_end", 2, 7), ("on_train_epoch_end", 2, 7), ("on_train_end", 2, 7)]
    assert os.listdir(tmp_path) == ["s-2_2.ckpt"]  # the end-of-training save
    rc = RunContext({"a": 1})
    assert not rc.get_stop_requested() and rc.original_args() == {"a": 1}


def test_initial_epoch_and_lambda_callback():
    m, _ = model()
    steps = []
    m.train(3, dataset(), callbacks=LambdaCallback(
        on_train_step_end=lambda rc: steps.append((rc.original_args().cur_epoch_num, rc.original_args().cur_step_num))))
    assert steps[0] == (1, 1) and steps[-1] == (3, 15)
    steps.clear()
    m.train(3, dataset(), callbacks=LambdaCallback(
        on_train_step_end=lambda rc: steps.append((rc.original_args().cur_epoch_num, rc.original_args().cur_step_num))),
        initial_epoch=2)
    assert steps == [(3, i) for i in range(1, 6)]


# --- metrics: values from numpy, and those MindSpore 2.7.2 gives for the same inputs

def test_accuracy_classification_and_multilabel():
    pred = RNG.randn(30, 5)
    label = RNG.randint(0, 5, 30)
    a = Accuracy()
    a.update(Tensor(pred[:20].astype(np.float32)), Tensor(label[:20].astype(np.int32)))
    a.update(pred[20:], np.eye(5)[label[20:]])  # one-hot labels
    assert a.eval() == pytest.approx(np.mean(pred.argmax(1) == label))
    a.clear()
    with pytest.raises(RuntimeError, match="number of samples is 0"):
        a.eval()
    m = Accuracy("multilabel")
    m.update(np.array([[0, 1, 1], [1, 0, 1]]), np.array([[0, 1, 1], [1, 1, 1]]))
    assert m.eval() == 0.5
    with pytest.raises(ValueError, match="should be 0 or 1"):
        m.update(np.array([[0.2, 0.7, 1]]), np.array([[0, 1, 1]]))
    with pytest.raises(ValueError, match="it needs 2 inputs"):
        a.update(pred)
    with pytest.raises(ValueError, match="dimension of y_pred"):
        a.update(np.array([0.2, 0.7]), np.array([0, 1]))
    with pytest.raises(TypeError, match="eval_type"):
        Accuracy("foo")


def test_loss_mae_mse():
    loss = Loss()
    loss.update(Tensor(np.float32(2.0)))
    loss.update(np.array([1.0, 5.0]))
    assert loss.eval() == 2.5
    with pytest.raises(ValueError, match="dimension of your input"):
        loss.update(np.ones((2, 2)))
    pred, true = RNG.randn(6, 3), RNG.randn(6, 3)
    mae, mse = MAE(), MSE()
    for m in (mae, mse):
        m.update(pred[:4], true[:4])
        m.update(pred[4:], true[4:])
    assert mae.eval() == pytest.approx(np.abs(pred - true).sum() / 6)
    assert mse.eval() == pytest.approx(np.square(pred - true).sum() / 6)
    assert MAE()(np.array([[0.1, 0.2], [0.6, 0.9]]), np.array([[0.1, 0.25], [0.7, 0.9]])) == pytest.approx(0.075)


def test_precision_recall_f1_against_numpy():
    pred = RNG.randn(50, 4)
    label = RNG.randint(0, 4, 50)
    p, r, f = Precision(), Recall(), F1()
    for m in (p, r, f):
        m.update(pred[:30], label[:30])
        m.update(pred[30:], label[30:])
    guess = pred.argmax(1)
    tp = np.array([np.sum((guess == c) & (label == c)) for c in range(4)])
    precision = tp / np.array([np.sum(guess == c) for c in range(4)])
    recall = tp / np.array([np.sum(label == c) for c in range(4)])
    np.testing.assert_allclose(p.eval(), precision)
    np.testing.assert_allclose(r.eval(), recall)
    assert p.eval(average=True) == pytest.approx(precision.mean())
    np.testing.assert_allclose(f.eval(), 2 * precision * recall / (precision + recall))
    ml = Precision("multilabel")  # per sample, as MindSpore's
    ml.update(np.array([[0, 1, 1], [1, 0, 1]]), np.array([[0, 1, 1], [1, 1, 0]]))
    np.testing.assert_allclose(ml.eval(), [1.0, 0.5])
    nothing = Precision()
    nothing.update(np.array([[0.9, 0.1], [0.8, 0.2]]), np.array([1, 1]))
    np.testing.assert_array_equal(nothing.eval(), [0.0, 0.0])  # 0/0 is 0


def test_top_k():
    pred = np.array([[0.2, 0.5, 0.3, 0.6, 0.2], [0.1, 0.35, 0.5, 0.2, 0.0], [0.9, 0.6, 0.2, 0.01, 0.3]])
    t3 = TopKCategoricalAccuracy(3)
    t3.update(pred, np.array([2, 0, 1]))
    assert t3.eval() == pytest.approx(2 / 3)
    t1 = Top1CategoricalAccuracy()
    t1.update(pred, np.array([3, 0, 0]))
    assert t1.eval() == pytest.approx(2 / 3)
    t5 = Top5CategoricalAccuracy()
    t5.update(np.array([[0.2, 0.5, 0.3, 0.6, 0.2, 0.1], [0.1, 0.35, 0.5, 0.2, 0.0, 0.3]]), np.array([5, 0]))
    assert t5.eval() == 0.5
    with pytest.raises(ValueError, match="at least 1"):
        TopKCategoricalAccuracy(0)
    with pytest.raises(TypeError, match="should be int"):
        TopKCategoricalAccuracy(1.5)


def test_metric_names_indexes_and_exports():
    assert isinstance(get_metric_fn("acc"), Accuracy) and isinstance(get_metric_fn("top_5_accuracy"),
                                                                     Top5CategoricalAccuracy)
    with pytest.raises(KeyError, match="unsupported metric 'auc'"):
        get_metric_fn("auc")
    with pytest.raises(TypeError):
        Metric()
    a = Accuracy().set_indexes([1, 0])
    a.update(np.array([1, 0]), np.array([[0.1, 0.9], [0.2, 0.8]]))  # label first, swapped back
    assert a.eval() == 0.5
    assert nn.Accuracy is Accuracy and nn.TopKCategoricalAccuracy is TopKCategoricalAccuracy


def test_eval_network_with_indexes():
    net = dense()
    m = Model(net, metrics={"acc", "loss"}, eval_network=nn.WithEvalCell(net, nn.CrossEntropyLoss()),
              eval_indexes=[0, 1, 2])
    ref, _ = model(metrics={"acc", "loss"})
    assert m.eval(dataset()) == ref.eval(dataset())
    m = Model(net, metrics={"acc"}, eval_network=nn.WithEvalCell(net, nn.CrossEntropyLoss()))
    with pytest.raises(ValueError, match="it needs 2 inputs"):  # without indexes every output goes to update
        m.eval(dataset())


@pytest.mark.parametrize("make, exc, msg", [
    (lambda m, n: Model(3), TypeError, "'network' must be a Cell"),
    (lambda m, n: Model(n, loss_fn=lambda a, b: a), TypeError, "'loss_fn' must be a Cell"),
    (lambda m, n: Model(n, nn.MSELoss(), optimizer=3), TypeError, "'optimizer' must be an nn Optimizer"),
    (lambda m, n: Model(n, nn.CrossEntropyLoss(), metrics=["acc"]), TypeError, "'metrics' must be None, a dict"),
    (lambda m, n: Model(n, nn.CrossEntropyLoss(), metrics={"a": 3}), TypeError, "values Metrics"),
    (lambda m, n: Model(n, nn.CrossEntropyLoss(), metrics={"foo"}), KeyError, "unsupported metric 'foo'"),
    (lambda m, n: Model(n, metrics={"acc"}), ValueError, "'eval_network' or 'loss_fn'"),
    (lambda m, n: Model(n, nn.CrossEntropyLoss(), amp_level="o0"), ValueError, "'amp_level' should be in"),
    (lambda m, n: Model(n, nn.CrossEntropyLoss(), amp_level="O2"), NotImplementedError, "amp_level='O2'"),
    (lambda m, n: Model(n, nn.CrossEntropyLoss(), foo=1), ValueError, "'foo'"),
    (lambda m, n: Model(n, eval_network=n, eval_indexes=[0, 1]), ValueError, "'eval_indexes' must be a list of 3"),
    (lambda m, n: m.train(0, dataset()), ValueError, "'epoch' must be >= 1"),
    (lambda m, n: m.train(1.0, dataset()), TypeError, "'epoch' must be an int"),
    (lambda m, n: m.train(True, dataset()), TypeError, "'epoch' must be an int"),
    (lambda m, n: m.train(1, [1, 2]), TypeError, "'train_dataset' must be a mindspore.dataset"),
    (lambda m, n: m.train(1, dataset(), callbacks=[3]), TypeError, "'callbacks' must be a Callback"),
    (lambda m, n: m.train(1, dataset(), dataset_sink_mode=1), TypeError, "'dataset_sink_mode' must be a bool"),
    (lambda m, n: m.train(1, dataset(), sink_size=0), ValueError, "'sink_size' must be -1 or positive"),
    (lambda m, n: m.train(1, dataset(), initial_epoch=1), ValueError, "bigger than 'initial_epoch'"),
    (lambda m, n: m.eval(dataset()), ValueError, "'metrics' can not be None or empty"),
    (lambda m, n: m.fit(1, dataset(), dataset()), ValueError, "'metrics' can not be None"),
    (lambda m, n: m.fit(1, dataset(), valid_frequency=0), ValueError, "'valid_frequency' must be >= 1"),
    (lambda m, n: m.predict(X[:2]), TypeError, "got ndarray"),
    (lambda m, n: LossMonitor(1.5), TypeError, "'per_print_times' must be an int"),
    (lambda m, n: LossMonitor(-1), ValueError, "'per_print_times' must be >= 0"),
    (lambda m, n: TimeMonitor(0), ValueError, "'data_size' must be >= 1"),
    (lambda m, n: CheckpointConfig(save_checkpoint_steps=-1), ValueError, "'save_checkpoint_steps' must be >= 0"),
    (lambda m, n: CheckpointConfig(keep_checkpoint_max="a"), TypeError, "'keep_checkpoint_max' must be an int"),
    (lambda m, n: ModelCheckpoint(prefix="a/b"), ValueError, "'prefix'"),
    (lambda m, n: ModelCheckpoint(config=3), TypeError, "'config' should be 'CheckpointConfig'"),
    (lambda m, n: RunContext(3), TypeError, "should be dict type"),
])
def test_argument_errors(make, exc, msg):
    m, net = model()
    before = net.weight.asnumpy().copy()
    with pytest.raises(exc, match=re.escape(msg)):
        make(m, net)
    np.testing.assert_array_equal(net.weight.asnumpy(), before)


def test_checkpoint_config_defaults_as_mindspore():
    c = CheckpointConfig()
    assert (c.save_checkpoint_steps, c.save_checkpoint_seconds, c.keep_checkpoint_max) == (1, 0, 5)
    assert CheckpointConfig(keep_checkpoint_max=0).keep_checkpoint_max == 1
    assert CheckpointConfig(keep_checkpoint_per_n_minutes=10).keep_checkpoint_per_n_minutes is None


def test_top_level_names_as_mindspore_has_them():
    # `from mindspore import Model, LossMonitor, Accuracy` (MindSpore 2.7.2 exports them at the top level)
    import graphgrad
    from graphgrad import train
    for name in ["Model", "Callback", "RunContext", "LossMonitor", "TimeMonitor", "History", "LambdaCallback",
                 "CheckpointConfig", "ModelCheckpoint", "Metric", "Accuracy", "Loss", "MAE", "MSE", "Precision",
                 "Recall", "Fbeta", "F1", "TopKCategoricalAccuracy", "get_metric_fn", "names"]:
        assert getattr(graphgrad, name) is getattr(train, name) and name in graphgrad.__all__


class Seen(Callback):
    """What each epoch end saw: eval_results and the learning rate."""

    def __init__(self):
        self.results, self.lrs = [], []

    def on_train_epoch_end(self, run_context):
        p = run_context.original_args()
        self.results.append(p.get("eval_results"))
        self.lrs.append(float(p.optimizer.learning_rate.asnumpy()))


def test_fit_gives_eval_results_with_the_last_eval_steps_loss():
    # MindSpore 2.7.2's eval_results: the metrics and 'eval_loss', the loss of the evaluation's last
    # batch (observed: its value equals the last valid batch's loss, not the mean)
    m, net = model({"acc", "loss"})
    seen = Seen()
    m.fit(2, dataset(), dataset(16), callbacks=[seen])
    last = Tensor(X[32:]), Tensor(Y[32:])
    expected = float(nn.CrossEntropyLoss()(net(last[0]), last[1]).asnumpy())
    assert set(seen.results[-1]) == {"acc", "loss", "eval_loss"}
    np.testing.assert_allclose(seen.results[-1]["eval_loss"], expected, rtol=1e-6)
    m2, _ = model({"acc"})
    seen2 = Seen()
    m2.fit(2, dataset(), dataset(), valid_frequency=2, callbacks=[seen2])
    assert seen2.results[0] is None and "acc" in seen2.results[1]  # no evaluation after epoch 1


def test_early_stopping_as_mindspores(capsys):
    # a min_delta nothing meets: the first evaluation sets the best, then patience more end the run
    # (MindSpore 2.7.2 stopped so after 2 epochs with patience 1, and after 3 with patience 2 on 'acc')
    for monitor, patience, stops_at in (("eval_loss", 1, 2), ("acc", 2, 3)):
        m, _ = model({"acc", "loss"})
        seen = Seen()
        es = ms.EarlyStopping(monitor=monitor, patience=patience, verbose=True, min_delta=10.0)
        m.fit(6, dataset(), dataset(), callbacks=[es, seen])
        assert len(seen.results) == stops_at and es.stopped_epoch == stops_at
        assert capsys.readouterr().out.strip().endswith(f"Epoch {stops_at:05d}: early stopping")
    assert ms.EarlyStopping(monitor="acc").best == -np.inf and ms.EarlyStopping().best == np.inf  # 'auto'


def test_early_stopping_restores_the_best_weights():
    m, net = model({"loss"}, lr=50.0)  # a rate that makes the loss climb after the first epoch
    best = {}

    class Keep(Callback):
        def on_train_epoch_end(self, run_context):
            if not best:
                best.update({n: p.asnumpy().copy() for n, p in net.parameters_dict().items()})
    es = ms.EarlyStopping(monitor="eval_loss", patience=1, restore_best_weights=True, min_delta=10.0)
    m.fit(4, dataset(), dataset(), callbacks=[Keep(), es])
    assert es.stopped_epoch == 2
    for n, p in net.parameters_dict().items():
        np.testing.assert_array_equal(p.asnumpy(), best[n])


def test_reduce_lr_on_plateau_as_mindspores(capsys):
    # MindSpore 2.7.2, patience 0 and a min_delta nothing meets: 0.1 kept after epoch 1, then halved
    # at every epoch end, printed as 'Epoch 00002: ReduceLROnPlateau reducing learning rate to 0.05.'
    m, _ = model({"loss"}, lr=0.1)
    seen = Seen()
    m.fit(4, dataset(), dataset(), callbacks=[ms.ReduceLROnPlateau(factor=0.5, patience=0, verbose=True,
                                                                   min_delta=10.0), seen])
    np.testing.assert_allclose(seen.lrs, [0.1, 0.05, 0.025, 0.0125], rtol=1e-6)
    out = capsys.readouterr().out
    assert "Epoch 00002: ReduceLROnPlateau reducing learning rate to 0.05.\n" in out
    # cooldown and the floor, MindSpore 2.7.2's sequences (cooldown 1 changes nothing at patience 0)
    for cooldown, lrs in ((1, [0.1, 0.05, 0.025, 0.0125, 0.01, 0.01]), (2, [0.1, 0.05, 0.05, 0.025, 0.025, 0.0125])):
        m, _ = model({"loss"}, lr=0.1)
        seen = Seen()
        m.fit(6, dataset(), dataset(), callbacks=[ms.ReduceLROnPlateau(factor=0.5, patience=0, min_delta=10.0,
                                                                       cooldown=cooldown, min_lr=0.01), seen])
        np.testing.assert_allclose(seen.lrs, lrs, rtol=1e-6)


def test_plateau_callbacks_refuse_bad_arguments():
    with pytest.raises(ValueError, match="mode should be 'auto', 'min' or 'max', but got x"):
        ms.EarlyStopping(mode="x")
    with pytest.raises(ValueError, match="must be int and must >= 0, but got '-1'"):
        ms.EarlyStopping(patience=-1)
    with pytest.raises(TypeError, match="The type of 'monitor' should be 'str'"):
        ms.EarlyStopping(monitor=3)
    with pytest.raises(TypeError, match="'min_delta' should be one of"):
        ms.EarlyStopping(min_delta="a")
    with pytest.raises(TypeError, match="must be a bool, but got int"):
        ms.EarlyStopping(restore_best_weights=1)
    with pytest.raises(ValueError, match="must be in range of \\(0.0, 1.0\\), but got 1.0"):
        ms.ReduceLROnPlateau(factor=1.0)
    net = dense()
    m = Model(net, nn.CrossEntropyLoss(), nn.SGD(net.trainable_params(), [0.1] * 10), metrics={"loss"})
    with pytest.raises(TypeError, match="learning rate must be one number"):
        m.fit(3, dataset(), dataset(), callbacks=[ms.ReduceLROnPlateau(patience=0, min_delta=10.0)])
