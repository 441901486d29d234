"""Callbacks for Model.train/eval/fit, as MindSpore's mindspore.train callbacks: a Callback's hooks
receive a RunContext whose original_args() are the run's parameters (cb_params: cur_epoch_num,
cur_step_num, batch_num, net_outputs, train_network, optimizer, ...)."""
import math
import os
import time

import numpy as np

from .._tensor import Tensor
from .serialization import save_checkpoint


class _Params(dict):
    """cb_params: a dict whose keys also read and write as attributes (cb_params.cur_step_num)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        self[name] = value


class RunContext:
    """What a hook receives: original_args() (the cb_params dict) and request_stop(), which ends
    training after the current step (the epoch-end and train-end hooks still run)."""

    def __init__(self, original_args):
        if not isinstance(original_args, dict):
            raise TypeError(f"The argument 'original_args' of RunContext should be dict type, but got "
                            f"{type(original_args)}.")
        self._original_args = original_args
        self._stop_requested = False

    def original_args(self):
        return self._original_args

    def request_stop(self):
        self._stop_requested = True

    def get_stop_requested(self):
        return self._stop_requested


class Callback:
    """Base class: override the hooks you need. The older names (begin, epoch_begin, step_begin,
    step_end, epoch_end, end) are what the on_train_* and on_eval_* hooks call by default."""

    def __enter__(self):
        return self

    def __exit__(self, *err):
        pass

    def begin(self, run_context):
        pass

    def epoch_begin(self, run_context):
        pass

    def epoch_end(self, run_context):
        pass

    def step_begin(self, run_context):
        pass

    def step_end(self, run_context):
        pass

    def end(self, run_context):
        pass

    def on_train_begin(self, run_context):
        self.begin(run_context)

    def on_train_epoch_begin(self, run_context):
        self.epoch_begin(run_context)

    def on_train_epoch_end(self, run_context):
        self.epoch_end(run_context)

    def on_train_step_begin(self, run_context):
        self.step_begin(run_context)

    def on_train_step_end(self, run_context):
        self.step_end(run_context)

    def on_train_end(self, run_context):
        self.end(run_context)

    def on_eval_begin(self, run_context):
        self.begin(run_context)

    def on_eval_epoch_begin(self, run_context):
        self.epoch_begin(run_context)

    def on_eval_epoch_end(self, run_context):
        self.epoch_end(run_context)

    def on_eval_step_begin(self, run_context):
        self.step_begin(run_context)

    def on_eval_step_end(self, run_context):
        self.step_end(run_context)

    def on_eval_end(self, run_context):
        self.end(run_context)


def _callback_list(callbacks):
    """Model's callbacks argument (None, a Callback, or a list or tuple of them) as a list."""
    if callbacks is None:
        return []
    items = list(callbacks) if isinstance(callbacks, (list, tuple)) else [callbacks]
    for c in items:
        if not isinstance(c, Callback):
            raise TypeError(f"'callbacks' must be a Callback or a list of Callbacks, but got {type(c).__name__}")
    return items


def _int_arg(owner, arg, value, minimum):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"For '{owner}', the argument '{arg}' must be an int, but got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"For '{owner}', the argument '{arg}' must be >= {minimum}, but got {value}")
    return value


def _step_in_epoch(cb_params):
    return (cb_params.cur_step_num - 1) % cb_params.batch_num + 1


def _loss_value(outputs):
    """The loss in a train network's outputs (a Tensor, or the first of a tuple) as a Python float."""
    if isinstance(outputs, (tuple, list)) and outputs and isinstance(outputs[0], Tensor):
        outputs = outputs[0]
    if isinstance(outputs, Tensor):
        return float(np.mean(outputs.asnumpy()))
    return outputs


class LossMonitor(Callback):
    """Prints "epoch: E step: S, loss is L" every per_print_times steps (0: never), S counted within
    the epoch, and fit's evaluation results at each epoch's end. A NaN or infinite loss raises
    ValueError, which ends training."""

    def __init__(self, per_print_times=1):
        self._per_print_times = _int_arg("LossMonitor", "per_print_times", per_print_times, 0)
        self._last_print_time = 0

    def on_train_begin(self, run_context):
        self._last_print_time = 0

    def on_train_step_end(self, run_context):
        cb_params = run_context.original_args()
        loss = _loss_value(cb_params.net_outputs)
        step = _step_in_epoch(cb_params)
        if isinstance(loss, float) and (math.isnan(loss) or math.isinf(loss)):
            raise ValueError(f"In epoch: {cb_params.cur_epoch_num} step: {step}, loss is NAN or INF, training "
                             "process cannot continue, terminating training.")
        if self._per_print_times != 0 and cb_params.cur_step_num - self._last_print_time >= self._per_print_times:
            self._last_print_time = cb_params.cur_step_num
            print(f"epoch: {cb_params.cur_epoch_num} step: {step}, loss is {loss}", flush=True)

    def on_train_epoch_end(self, run_context):
        cb_params = run_context.original_args()
        if cb_params.get("metrics"):
            print(f"Eval result: epoch {cb_params.cur_epoch_num}, metrics: {cb_params.metrics}", flush=True)


class TimeMonitor(Callback):
    """Prints each epoch's wall time and time per step ("Train epoch time: ..." and, under
    eval/fit, "Eval epoch time: ..."); with data_time=True also the mean time per step spent
    waiting for data. The steps are the dataset's batch_num; data_size counts them only where a
    run has no batch_num."""

    def __init__(self, data_size=None, data_time=False):
        if data_size is not None:
            _int_arg("TimeMonitor", "data_size", data_size, 1)
        if not isinstance(data_time, bool):
            raise TypeError(f"For 'TimeMonitor', the argument 'data_time' must be a bool, but got {data_time!r}")
        self.data_size, self.data_time = data_size, data_time
        self._start = {}
        self._data = [0.0, 0.0]  # time waiting for data this epoch, when the wait began

    def _begin(self, mode):
        self._start[mode] = time.perf_counter()
        self._data = [0.0, self._start[mode]]

    def _end(self, mode, run_context):
        epoch_ms = (time.perf_counter() - self._start[mode]) * 1000
        steps = run_context.original_args().get("batch_num") or self.data_size or 1
        line = f"{mode} epoch time: {epoch_ms:5.3f} ms, per step time: {epoch_ms / steps:5.3f} ms"
        if self.data_time:
            line += f" (data time: {self._data[0] * 1000 / steps:5.3f} ms)"
        print(line, flush=True)

    def _step_begin(self, run_context):
        self._data[0] += time.perf_counter() - self._data[1]

    def _step_end(self, run_context):
        self._data[1] = time.perf_counter()

    def on_train_epoch_begin(self, run_context):
        self._begin("Train")

    def on_train_epoch_end(self, run_context):
        self._end("Train", run_context)

    def on_eval_epoch_begin(self, run_context):
        self._begin("Eval")

    def on_eval_epoch_end(self, run_context):
        self._end("Eval", run_context)

    on_train_step_begin = on_eval_step_begin = _step_begin
    on_train_step_end = on_eval_step_end = _step_end


class History(Callback):
    """Records, per epoch, the last step's network output (history["net_output"]) and fit's
    evaluation results (history[metric name], for the epochs that evaluated)."""

    def __init__(self):
        self.epoch = None
        self.history = {}

    def on_train_begin(self, run_context):
        self.epoch = {"epoch": []}
        self.history = {}

    def on_train_epoch_end(self, run_context):
        cb_params = run_context.original_args()
        self.epoch["epoch"].append(cb_params.cur_epoch_num)
        outputs = cb_params.net_outputs
        if isinstance(outputs, (tuple, list)) and outputs and isinstance(outputs[0], Tensor):
            outputs = outputs[0]
        if isinstance(outputs, Tensor):
            outputs = outputs.asnumpy().mean()  # a numpy scalar, as MindSpore records it
        self.history.setdefault("net_output", []).append(outputs)
        for name, value in (cb_params.get("metrics") or {}).items():
            self.history.setdefault(name, []).append(value)


class LambdaCallback(Callback):
    """A Callback made of functions: LambdaCallback(on_train_step_end=lambda run_context: ...)."""

    _HOOKS = ("on_train_epoch_begin", "on_train_epoch_end", "on_train_step_begin", "on_train_step_end",
              "on_train_begin", "on_train_end", "on_eval_epoch_begin", "on_eval_epoch_end", "on_eval_step_begin",
              "on_eval_step_end", "on_eval_begin", "on_eval_end")

    def __init__(self, **hooks):
        for name, fn in hooks.items():
            if name not in self._HOOKS:
                raise TypeError(f"LambdaCallback got an unexpected hook {name!r}; the hooks are {self._HOOKS}")
            if fn is not None:
                setattr(self, name, fn)


class CheckpointConfig:
    """When ModelCheckpoint saves and how many files it keeps.

    Saves every save_checkpoint_steps steps, or every save_checkpoint_seconds seconds when steps
    is 0 or None, and once more at the end of training. Keeps the newest keep_checkpoint_max
    files; with keep_checkpoint_max 0 or None, one file per keep_checkpoint_per_n_minutes minutes
    (and the newest). append_info: "epoch_num", "step_num" and/or a dict, saved beside the
    Parameters. saved_network: a Cell to save instead of the train network."""

    def __init__(self, save_checkpoint_steps=1, save_checkpoint_seconds=0, keep_checkpoint_max=5,
                 keep_checkpoint_per_n_minutes=0, integrated_save=True, async_save=False, saved_network=None,
                 append_info=None, enc_key=None, enc_mode="AES-GCM", exception_save=False, crc_check=False,
                 remove_redundancy=False, format="ckpt", **kwargs):
        for arg, v in (("save_checkpoint_steps", save_checkpoint_steps),
                       ("save_checkpoint_seconds", save_checkpoint_seconds),
                       ("keep_checkpoint_max", keep_checkpoint_max),
                       ("keep_checkpoint_per_n_minutes", keep_checkpoint_per_n_minutes)):
            if v is not None:
                _int_arg("CheckpointConfig", arg, v, 0)
        if enc_key is not None:
            raise NotImplementedError("CheckpointConfig: graphgrad does not encrypt checkpoints (enc_key)")
        if format not in ("ckpt", "safetensors"):
            raise ValueError(f"For 'CheckpointConfig', the argument 'format' must be 'ckpt' or 'safetensors', "
                             f"but got {format!r}")
        if kwargs:
            raise TypeError(f"CheckpointConfig got unexpected arguments {sorted(kwargs)}")
        self.save_checkpoint_steps = save_checkpoint_steps
        self.save_checkpoint_seconds = save_checkpoint_seconds
        if not keep_checkpoint_max and not keep_checkpoint_per_n_minutes:
            keep_checkpoint_max = 1  # neither limit set: keep the newest file only, as MindSpore does
        self.keep_checkpoint_max = keep_checkpoint_max
        self.keep_checkpoint_per_n_minutes = keep_checkpoint_per_n_minutes
        if keep_checkpoint_max and keep_checkpoint_per_n_minutes:
            self.keep_checkpoint_per_n_minutes = None  # keep_checkpoint_max wins
        self.append_dict = self._append(append_info)
        self.integrated_save, self.async_save, self.saved_network = integrated_save, async_save, saved_network
        self.enc_key, self.enc_mode, self.exception_save = enc_key, enc_mode, exception_save
        self.crc_check, self.remove_redundancy, self.format = crc_check, remove_redundancy, format

    @staticmethod
    def _append(append_info):
        if append_info is None:
            return None
        if not isinstance(append_info, list):
            raise TypeError(f"For 'CheckpointConfig', the argument 'append_info' must be a list, but got "
                            f"{type(append_info).__name__}")
        out = {}
        for item in append_info:
            if item in ("epoch_num", "step_num"):
                out[item] = 0
            elif isinstance(item, dict):
                out.update(item)
            else:
                raise ValueError(f"For 'CheckpointConfig', 'append_info' holds 'epoch_num', 'step_num' or a dict, "
                                 f"but got {item!r}")
        return out

    def get_checkpoint_policy(self):
        return {"save_checkpoint_steps": self.save_checkpoint_steps,
                "save_checkpoint_seconds": self.save_checkpoint_seconds,
                "keep_checkpoint_max": self.keep_checkpoint_max,
                "keep_checkpoint_per_n_minutes": self.keep_checkpoint_per_n_minutes,
                "saved_network": self.saved_network}


class ModelCheckpoint(Callback):
    """Saves the train network (the network's Parameters and the optimizer's state) with
    save_checkpoint as directory/prefix-EPOCH_STEP.ckpt, STEP counted within the epoch, when
    config says, and removes the oldest files of its own beyond config's limit. If directory
    already holds checkpoints named prefix-..., the prefix becomes prefix_1 (prefix_2, ...), so an
    earlier run's files stay. No -graph.meta file: MindSpore writes one only in GRAPH_MODE, in
    its own graph format."""

    def __init__(self, prefix="CKP", directory=None, config=None):
        if not isinstance(prefix, str) or "/" in prefix or os.sep in prefix:
            raise ValueError("For 'ModelCheckpoint', the argument 'prefix' for checkpoint file name is invalid, it "
                             f"must be a string that does not contain '/', but got {prefix!r}.")
        if directory is not None and not isinstance(directory, (str, os.PathLike)):
            raise TypeError(f"For 'ModelCheckpoint', the argument 'directory' must be a path, but got "
                            f"{type(directory).__name__}")
        if config is None:
            config = CheckpointConfig()
        if not isinstance(config, CheckpointConfig):
            raise TypeError(f"For 'ModelCheckpoint', the type of argument 'config' should be 'CheckpointConfig', "
                            f"but got {type(config)}.")
        self._config = config
        self._directory = os.path.realpath(directory if directory is not None else os.getcwd())
        os.makedirs(self._directory, exist_ok=True)
        self._prefix = prefix
        n = 0
        while any(self._owns(f) for f in os.listdir(self._directory)):
            n += 1
            self._prefix = f"{prefix}_{n}"
        self._latest = ""
        self._saved = []  # (path, time) of the files this callback wrote and still keeps
        self._last_step = self._last_time = None

    def _owns(self, file_name):
        ext = "." + self._config.format
        return file_name.startswith(self._prefix + "-") and file_name.endswith(ext)

    @property
    def latest_ckpt_file_name(self):
        return self._latest

    def on_train_begin(self, run_context):
        self._last_step, self._last_time = 0, time.monotonic()

    def on_train_step_end(self, run_context):
        cb_params = run_context.original_args()
        steps, seconds = self._config.save_checkpoint_steps, self._config.save_checkpoint_seconds
        if steps:
            due = cb_params.cur_step_num - self._last_step >= steps
        else:
            due = bool(seconds) and time.monotonic() - self._last_time >= seconds
        if due:
            self._save(cb_params)

    def on_train_end(self, run_context):
        cb_params = run_context.original_args()
        policy = self._config.save_checkpoint_steps or self._config.save_checkpoint_seconds
        if policy and cb_params.cur_step_num > self._last_step:
            self._save(cb_params)

    def _save(self, cb_params):
        self._last_step, self._last_time = cb_params.cur_step_num, time.monotonic()
        name = f"{self._prefix}-{cb_params.cur_epoch_num}_{_step_in_epoch(cb_params)}.{self._config.format}"
        path = os.path.join(self._directory, name)
        append = self._config.append_dict
        if append is not None:
            append = dict(append)
            if "epoch_num" in append:
                append["epoch_num"] = cb_params.cur_epoch_num
            if "step_num" in append:
                append["step_num"] = cb_params.cur_step_num
        network = self._config.saved_network if self._config.saved_network is not None else cb_params.train_network
        save_checkpoint(network, path, append_dict=append, format=self._config.format,
                        crc_check=self._config.crc_check)
        self._saved = [s for s in self._saved if s[0] != path] + [(path, time.monotonic())]
        self._latest = path
        self._cull()

    def _cull(self):
        """Remove this callback's oldest files beyond keep_checkpoint_max, or, by
        keep_checkpoint_per_n_minutes, those saved within n minutes of the previous kept one."""
        keep_max, minutes = self._config.keep_checkpoint_max, self._config.keep_checkpoint_per_n_minutes
        if keep_max:
            drop, self._saved = self._saved[:-keep_max], self._saved[-keep_max:]
        else:
            kept, drop = [], []
            for s in self._saved[:-1]:
                (drop if kept and s[1] - kept[-1][1] < minutes * 60 else kept).append(s)
            drop, self._saved = drop, kept + self._saved[-1:]
        for path, _ in drop:
            if os.path.exists(path):
                os.remove(path)


# --- what fit's evaluations decide: stop early, lower the learning rate (MindSpore's, Keras's rules)

_HIGHER_IS_BETTER = ("f1", "fbeta", "precision", "recall", "auc")


class _Plateau(Callback):
    """The monitored value of each evaluation (cb_params.eval_results, which Model.fit fills: its
    metrics and 'eval_loss', the last evaluation step's loss) against the best so far."""

    def __init__(self, monitor, min_delta, patience, verbose, mode):
        if not isinstance(monitor, str):
            raise TypeError(f"The type of 'monitor' should be 'str', but got type '{type(monitor).__name__}'.")
        if isinstance(min_delta, bool) or not isinstance(min_delta, (int, float)):
            raise TypeError(f"The type of 'min_delta' should be one of '['float', 'int']', but got type "
                            f"'{type(min_delta).__name__}'.")
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"The input value must be int and must >= 0, but got '{patience}' with type "
                             f"'{type(patience).__name__}'.")
        if not isinstance(verbose, bool):
            raise TypeError(f"The input value must be a bool, but got {type(verbose).__name__}.")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode should be 'auto', 'min' or 'max', but got {mode}.")
        self.monitor, self.patience, self.verbose, self.mode = monitor, patience, verbose, mode
        self.min_delta = abs(float(min_delta))
        self._max = mode == "max" or mode == "auto" and ("acc" in monitor or monitor.lower() in _HIGHER_IS_BETTER)
        self.best = -math.inf if self._max else math.inf
        self.wait = 0

    def is_improvement(self, current, best):
        return current - self.min_delta > best if self._max else current + self.min_delta < best

    def _current(self, cb_params):
        results = cb_params.get("eval_results") or {}
        if self.monitor not in results:
            return None  # (an epoch without an evaluation, or a monitor no metric gives: nothing to judge)
        return float(results[self.monitor])


class EarlyStopping(_Plateau):
    """Stops fit when the monitored value has not improved by min_delta for patience evaluations;
    restore_best_weights puts back the Parameters of the best one."""

    def __init__(self, monitor="eval_loss", min_delta=0, patience=0, verbose=False, mode="auto", baseline=None,
                 restore_best_weights=False):
        super().__init__(monitor, min_delta, patience, verbose, mode)
        if not isinstance(restore_best_weights, bool):
            raise TypeError(f"The input value must be a bool, but got {type(restore_best_weights).__name__}.")
        if baseline is not None and (isinstance(baseline, bool) or not isinstance(baseline, (int, float))):
            raise TypeError(f"The type of 'baseline' should be one of '['float', 'int']', but got type "
                            f"'{type(baseline).__name__}'.")
        self.baseline, self.restore_best_weights = baseline, restore_best_weights
        self.stopped_epoch, self.best_weights_param_dict = 0, None

    def on_train_begin(self, run_context):
        self.wait, self.stopped_epoch, self.best_weights_param_dict = 0, 0, None
        self.best = self.baseline if self.baseline is not None else -math.inf if self._max else math.inf

    def on_train_epoch_end(self, run_context):
        cb_params = run_context.original_args()
        current = self._current(cb_params)
        if current is None:
            return
        params = cb_params.train_network.parameters_dict()
        if self.is_improvement(current, self.best):
            self.best, self.wait = current, 0
            if self.restore_best_weights:
                self.best_weights_param_dict = {n: Tensor(p.asnumpy()) for n, p in params.items()}
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = cb_params.cur_epoch_num
            run_context.request_stop()
            if self.restore_best_weights and self.best_weights_param_dict is not None:
                if self.verbose:
                    print("Restoring model weights from the end of the best epoch.")
                for n, v in self.best_weights_param_dict.items():
                    params[n].set_data(v)

    def on_train_end(self, run_context):
        if self.stopped_epoch > 0 and self.verbose:
            print(f"Epoch {self.stopped_epoch:05d}: early stopping")


class ReduceLROnPlateau(_Plateau):
    """Multiplies the optimizer's learning rate by factor (not below min_lr) when the monitored
    value has not improved by min_delta for patience evaluations; then waits cooldown of them."""

    def __init__(self, monitor="eval_loss", factor=0.1, patience=10, verbose=False, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0):
        super().__init__(monitor, min_delta, patience, verbose, mode)
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0.0 < factor < 1.0:
            raise ValueError(f"The input value must be in range of (0.0, 1.0), but got {factor} with type "
                             f"'{type(factor).__name__}'.")
        if isinstance(cooldown, bool) or not isinstance(cooldown, int) or cooldown < 0:
            raise ValueError(f"The input value must be int and must >= 0, but got '{cooldown}' with type "
                             f"'{type(cooldown).__name__}'.")
        if isinstance(min_lr, bool) or not isinstance(min_lr, (int, float)):
            raise TypeError(f"The type of 'min_lr' should be one of '['float', 'int']', but got type "
                            f"'{type(min_lr).__name__}'.")
        self.factor, self.cooldown, self.min_lr = float(factor), cooldown, float(min_lr)
        self.cooldown_counter = 0

    def on_train_begin(self, run_context):
        self.wait, self.cooldown_counter = 0, 0
        self.best = -math.inf if self._max else math.inf

    def on_train_epoch_end(self, run_context):
        cb_params = run_context.original_args()
        current = self._current(cb_params)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.is_improvement(current, self.best):
            self.best, self.wait = current, 0
            return
        if self.cooldown_counter > 0:
            return
        self.wait += 1
        if self.wait < self.patience:
            return
        lr = getattr(cb_params.optimizer, "learning_rate", None)
        if lr is None or not isinstance(lr, Tensor) or lr.shape != ():
            raise TypeError("ReduceLROnPlateau: the optimizer's learning rate must be one number (a float or a "
                            "0-d Tensor), not a list or a schedule")
        old = np.float32(lr.asnumpy())
        if old > np.float32(self.min_lr):
            new = np.float32(max(old * self.factor, self.min_lr))
            lr.set_data(Tensor(new))
            if self.verbose:
                print(f"Epoch {cb_params.cur_epoch_num:05d}: ReduceLROnPlateau reducing learning rate to {new!s}.")
        self.cooldown_counter, self.wait = self.cooldown, 0


__all__ = ["Callback", "RunContext", "LossMonitor", "TimeMonitor", "History", "LambdaCallback", "CheckpointConfig",
           "ModelCheckpoint", "EarlyStopping", "ReduceLROnPlateau"]
