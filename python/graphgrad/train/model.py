"""Model: MindSpore's high-level training API (mindspore.train.Model) over graphgrad's Cells.

Model(network, loss_fn, optimizer) trains with nn.TrainOneStepCell(nn.WithLossCell(network,
loss_fn), optimizer): forward, backward and update as one compiled graph, compiled on the first
batch and rerun for the others (once more for a last batch of another shape). Evaluation runs
nn.WithEvalCell(network, loss_fn) and feeds the metrics; predict runs the network. The loops call
the callbacks' hooks in MindSpore's order, with MindSpore's cb_params.

dataset_sink_mode=True runs the same step-by-step loop (graphgrad has no device queue to sink
into; MindSpore on CPU also runs step by step), so sink_size is checked and otherwise unused."""
import numpy as np

from .._context import get_auto_parallel_context
from .._tensor import Tensor
from .. import communication
from ..nn.cell import Cell
from ..nn.optim import Optimizer
from ..nn.wrap import TrainOneStepCell, WithEvalCell, WithLossCell
from .callback import RunContext, _callback_list, _int_arg, _Params
from .metrics import Loss, get_metrics

_AMP_LEVELS = ("O0", "O1", "O2", "O3", "auto")
_KWARGS = ("loss_scale_manager", "keep_batchnorm_fp32", "boost_config_dict", "acc_level")


def _check_bool(owner, arg, value):
    if not isinstance(value, bool):
        raise TypeError(f"For '{owner}', the argument '{arg}' must be a bool, but got {type(value).__name__}")


def _check_dataset(owner, arg, dataset):
    if not (hasattr(dataset, "create_tuple_iterator") and hasattr(dataset, "get_dataset_size")):
        raise TypeError(f"For '{owner}', the argument '{arg}' must be a mindspore.dataset Dataset, but got "
                        f"{type(dataset).__name__}")


def _calls(callbacks, hook, run_context):
    for c in callbacks:
        getattr(c, hook)(run_context)


class Model:
    """Trains, evaluates and runs ``network``.

    With loss_fn, network returns the logits and the train network is WithLossCell(network,
    loss_fn); without, network is the loss network itself (called with every dataset column). With
    an optimizer, each step also updates the Parameters (TrainOneStepCell). metrics: a set of names
    ({"accuracy", "loss"}) or a dict name -> Metric, for eval and fit. eval_network (with
    eval_indexes [loss, prediction, label] into its outputs) replaces WithEvalCell(network, loss_fn)."""

    def __init__(self, network, loss_fn=None, optimizer=None, metrics=None, eval_network=None, eval_indexes=None,
                 amp_level="O0", boost_level="O0", **kwargs):
        if not isinstance(network, Cell):
            raise TypeError(f"For 'Model', the argument 'network' must be a Cell, but got {type(network).__name__}")
        if loss_fn is not None and not isinstance(loss_fn, Cell):
            raise TypeError(f"For 'Model', the argument 'loss_fn' must be a Cell (an nn loss), but got "
                            f"{type(loss_fn).__name__}")
        if optimizer is not None and not isinstance(optimizer, Optimizer):
            raise TypeError(f"For 'Model', the argument 'optimizer' must be an nn Optimizer, but got "
                            f"{type(optimizer).__name__}")
        if eval_network is not None and not isinstance(eval_network, Cell):
            raise TypeError(f"For 'Model', the argument 'eval_network' must be a Cell, but got "
                            f"{type(eval_network).__name__}")
        for k in kwargs:
            if k not in _KWARGS:
                raise ValueError(f"For 'Model', the keyword arguments are {', '.join(_KWARGS)}, but got {k!r}")
        if kwargs.get("loss_scale_manager") is not None:
            raise NotImplementedError("Model: graphgrad has no loss scale managers yet (loss_scale_manager)")
        if amp_level not in _AMP_LEVELS:
            raise ValueError(f"For 'Model', the argument 'amp_level' should be in {list(_AMP_LEVELS)}, but got "
                             f"{amp_level!r}")
        if amp_level not in ("O0", "auto"):  # "auto" is O0 on CPU, as in MindSpore
            raise NotImplementedError(f"Model: amp_level={amp_level!r} needs automatic mixed precision, which "
                                      "Model does not do yet; use amp_level='O0'")
        if boost_level not in ("O0", "O1", "O2"):
            raise ValueError(f"For 'Model', the argument 'boost_level' should be in ['O0', 'O1', 'O2'], but got "
                             f"{boost_level!r}")
        if boost_level != "O0":
            raise NotImplementedError(f"Model: boost_level={boost_level!r} is not available in graphgrad; use 'O0'")
        self._network, self._loss_fn, self._optimizer = network, loss_fn, optimizer
        self._metric_fns = get_metrics(metrics)
        self._amp_level, self._boost_level = amp_level, boost_level

        train = WithLossCell(network, loss_fn) if loss_fn is not None else network
        self._train_network = TrainOneStepCell(train, optimizer) if optimizer is not None else train

        if eval_network is not None:
            if eval_indexes is not None and not (isinstance(eval_indexes, list) and len(eval_indexes) == 3 and all(
                    isinstance(i, int) and not isinstance(i, bool) for i in eval_indexes)):
                raise ValueError("For 'Model', the argument 'eval_indexes' must be a list of 3 ints (the indexes "
                                 f"of the loss, the prediction and the label), but got {eval_indexes!r}")
            self._eval_network, self._eval_indexes = eval_network, eval_indexes
        elif loss_fn is not None:
            self._eval_network, self._eval_indexes = WithEvalCell(network, loss_fn), [0, 1, 2]
        else:
            self._eval_network, self._eval_indexes = None, None
        if self._metric_fns and self._eval_network is None:
            raise ValueError("For 'Model', if 'metrics' is set, 'eval_network' or 'loss_fn' must be given too: "
                             "without them there is no network to evaluate")

    @property
    def train_network(self):
        return self._train_network

    @property
    def eval_network(self):
        return self._eval_network

    @property
    def predict_network(self):
        return self._network

    # --- training

    def _check_train_args(self, owner, epoch, train_dataset, dataset_sink_mode, sink_size, initial_epoch):
        _int_arg(owner, "epoch", epoch, 1)
        _check_dataset(owner, "train_dataset", train_dataset)
        _check_bool(owner, "dataset_sink_mode", dataset_sink_mode)
        if isinstance(sink_size, bool) or not isinstance(sink_size, int) or not (sink_size == -1 or sink_size > 0):
            raise ValueError(f"For '{owner}', the argument 'sink_size' must be -1 or positive, but got {sink_size!r}")
        _int_arg(owner, "initial_epoch", initial_epoch, 0)
        if epoch <= initial_epoch:
            raise ValueError(f"For '{owner}', the argument 'epoch' must be bigger than 'initial_epoch', but got "
                             f"epoch {epoch} and initial_epoch {initial_epoch}")

    def train(self, epoch, train_dataset, callbacks=None, dataset_sink_mode=False, sink_size=-1, initial_epoch=0):
        """Trains epochs initial_epoch+1 .. epoch over train_dataset, each of its batches one step."""
        self._check_train_args("Model.train", epoch, train_dataset, dataset_sink_mode, sink_size, initial_epoch)
        self._train(epoch, train_dataset, _callback_list(callbacks), dataset_sink_mode, initial_epoch)

    def fit(self, epoch, train_dataset, valid_dataset=None, valid_frequency=1, callbacks=None,
            dataset_sink_mode=False, valid_dataset_sink_mode=False, sink_size=-1, initial_epoch=0):
        """train, and evaluate on valid_dataset every valid_frequency epochs (or after the epochs a
        list names), before the epoch-end hooks, which see the results as cb_params.metrics."""
        self._check_train_args("Model.fit", epoch, train_dataset, dataset_sink_mode, sink_size, initial_epoch)
        _check_bool("Model.fit", "valid_dataset_sink_mode", valid_dataset_sink_mode)
        if isinstance(valid_frequency, list):
            for f in valid_frequency:
                _int_arg("Model.fit", "valid_frequency", f, 1)
        else:
            _int_arg("Model.fit", "valid_frequency", valid_frequency, 1)
        if valid_dataset is not None:
            _check_dataset("Model.fit", "valid_dataset", valid_dataset)
            if not self._metric_fns:
                raise ValueError("For 'Model.fit', if valid_dataset is not None, the model argument 'metrics' can "
                                 "not be None or empty, you should set the argument 'metrics' for model.")
        self._train(epoch, train_dataset, _callback_list(callbacks), dataset_sink_mode, initial_epoch,
                    valid_dataset, valid_frequency)

    def _train(self, epoch, dataset, callbacks, sink_mode, initial_epoch, valid_dataset=None, valid_frequency=1):
        devices = communication.get_group_size() if communication.is_initialized() else 1
        cb = _Params(train_network=self._train_network, network=self._network, loss_fn=self._loss_fn,
                     optimizer=self._optimizer, epoch_num=epoch, batch_num=dataset.get_dataset_size(),
                     cur_step_num=0, train_dataset=dataset, dataset_sink_mode=sink_mode, list_callback=callbacks,
                     mode="train", device_number=devices,
                     parallel_mode=get_auto_parallel_context("parallel_mode"))
        run_context = RunContext(cb)
        _calls(callbacks, "on_train_begin", run_context)
        iterator = dataset.create_tuple_iterator()
        for e in range(initial_epoch + 1, epoch + 1):
            cb.cur_epoch_num = e
            self._train_network.set_train(True)  # again each epoch: fit's evaluation turns it off
            _calls(callbacks, "on_train_epoch_begin", run_context)
            for inputs in iterator:
                cb.cur_step_num += 1
                cb.train_dataset_element = inputs
                _calls(callbacks, "on_train_step_begin", run_context)
                cb.net_outputs = self._train_network(*inputs)
                _calls(callbacks, "on_train_step_end", run_context)
                if run_context.get_stop_requested():
                    break
            if valid_dataset is not None and (e in valid_frequency if isinstance(valid_frequency, list)
                                              else e % valid_frequency == 0):
                saved = cb.cur_step_num, cb.batch_num
                cb.metrics = self._evaluate(valid_dataset, callbacks, cb, run_context)
                # what EarlyStopping and ReduceLROnPlateau monitor: the metrics and, as MindSpore
                # gives it, 'eval_loss', the loss of the evaluation's last step
                cb.eval_results = dict(cb.metrics)
                if self._eval_indexes is not None and "net_outputs" in cb:
                    cb.eval_results["eval_loss"] = float(np.mean(cb.net_outputs[self._eval_indexes[0]].asnumpy()))
                cb.mode, (cb.cur_step_num, cb.batch_num) = "train", saved
            _calls(callbacks, "on_train_epoch_end", run_context)
            cb.pop("metrics", None)
            cb.pop("eval_results", None)
            if run_context.get_stop_requested():
                break
        _calls(callbacks, "on_train_end", run_context)

    # --- evaluation and prediction

    def eval(self, valid_dataset, callbacks=None, dataset_sink_mode=False):
        """Runs the eval network over valid_dataset; returns {metric name: value}."""
        _check_dataset("Model.eval", "valid_dataset", valid_dataset)
        _check_bool("Model.eval", "dataset_sink_mode", dataset_sink_mode)
        callbacks = _callback_list(callbacks)
        if not self._metric_fns:
            raise ValueError("For Model.eval, the model argument 'metrics' can not be None or empty, you should "
                             "set the argument 'metrics' for model.")
        cb = _Params(network=self._network, dataset_sink_mode=dataset_sink_mode, list_callback=callbacks)
        return self._evaluate(valid_dataset, callbacks, cb, RunContext(cb))

    def _evaluate(self, dataset, callbacks, cb, run_context):
        cb.update(mode="eval", eval_network=self._eval_network, valid_dataset=dataset,
                  batch_num=dataset.get_dataset_size(), cur_step_num=0)
        self._eval_network.set_train(False)
        for m in self._metric_fns.values():
            m.clear()
        _calls(callbacks, "on_eval_begin", run_context)
        _calls(callbacks, "on_eval_epoch_begin", run_context)
        for inputs in dataset.create_tuple_iterator():
            cb.cur_step_num += 1
            _calls(callbacks, "on_eval_step_begin", run_context)
            outputs = self._eval_network(*inputs)
            cb.net_outputs = outputs
            self._update_metrics(outputs)
            _calls(callbacks, "on_eval_step_end", run_context)
            if run_context.get_stop_requested():
                break
        _calls(callbacks, "on_eval_epoch_end", run_context)
        cb.metrics = {name: m.eval() for name, m in self._metric_fns.items()}
        _calls(callbacks, "on_eval_end", run_context)
        return cb.metrics

    def _update_metrics(self, outputs):
        outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
        for m in self._metric_fns.values():
            if self._eval_indexes is None:
                m.update(*outputs)
            elif isinstance(m, Loss):  # the loss metric takes the loss, the others prediction and label
                m.update(outputs[self._eval_indexes[0]])
            else:
                m.update(outputs[self._eval_indexes[1]], outputs[self._eval_indexes[2]])

    def predict(self, *predict_data, backend=None, config=None):
        """The network's output for predict_data, in inference mode (set_train(False))."""
        for x in predict_data:
            if not (x is None or isinstance(x, (Tensor, int, float, str, tuple, list, dict))):
                raise TypeError(f"For 'Model.predict', the inputs must be Tensors (or None, int, float, str, or "
                                f"tuples, lists, dicts of them), but got {type(x).__name__}")
        if backend is not None or config is not None:
            raise NotImplementedError("Model.predict: backend and config (MindSpore Lite) are not available in "
                                      "graphgrad")
        self._network.set_train(False)
        return self._network(*predict_data)


__all__ = ["Model"]
