"""Metrics, as MindSpore's mindspore.train.metrics: a Metric gathers what update() is given batch
after batch and eval() reduces it. They work on numpy arrays (Tensors and lists are converted), so
they run outside any compiled graph, as MindSpore's do."""
import abc
import functools
import sys

import numpy as np

from .._tensor import Tensor

_EPS = sys.float_info.min  # keeps 0/0 at 0 for a class nothing was predicted as (or none had)


def _as_array(data):
    if isinstance(data, Tensor):
        return data.asnumpy()
    if isinstance(data, (np.ndarray, list, tuple, int, float, np.number)):
        return np.asarray(data)
    raise TypeError(f"a metric takes Tensors, lists or numpy arrays, but got {type(data).__name__}")


def rearrange_inputs(update):
    """Decorator for a Metric's update: if set_indexes was called, update receives those inputs,
    in that order (for a network whose outputs come in another order)."""
    @functools.wraps(update)
    def wrapper(self, *inputs):
        if self._indexes is not None:
            inputs = [inputs[i] for i in self._indexes]
        return update(self, *inputs)
    return wrapper


class Metric(metaclass=abc.ABCMeta):
    """Base class: define clear, update(*inputs) and eval. Calling a metric clears, updates once
    and evaluates."""

    def __init__(self):
        self._indexes = None

    @property
    def indexes(self):
        return self._indexes

    def set_indexes(self, indexes):
        if not isinstance(indexes, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in indexes):
            raise ValueError(f"For 'set_indexes', the argument 'indexes' must be a list of ints, but got {indexes!r}")
        self._indexes = indexes
        return self

    def _convert_data(self, data):
        return _as_array(data)

    def _inputs(self, inputs, n, what):
        if len(inputs) != n:
            raise ValueError(f"For '{type(self).__name__}.update', it needs {n} input{'s' if n > 1 else ''} "
                             f"({what}), but got {len(inputs)}")
        return [_as_array(x) for x in inputs]

    def _empty(self, what="(predicted value, true value)"):
        return RuntimeError(f"The '{type(self).__name__}' can not be calculated, because the number of samples is "
                            f"0: call update{what} before eval")

    def __call__(self, *inputs):
        self.clear()
        self.update(*inputs)
        return self.eval()

    @abc.abstractmethod
    def clear(self):
        """Forget what update gathered."""

    @abc.abstractmethod
    def update(self, *inputs):
        """Gather one batch."""

    @abc.abstractmethod
    def eval(self):
        """The metric over everything gathered since clear."""


def _check_eval_type(eval_type):
    if eval_type not in ("classification", "multilabel"):
        raise TypeError(f"The argument 'eval_type' must be in {{'classification', 'multilabel'}}, but got {eval_type}")
    return eval_type


def _class_indices(y_pred, y):
    """Classification: (predicted class, true class) per sample; y holds class indices or one-hot rows."""
    if y.ndim == y_pred.ndim >= 2 and y.shape == y_pred.shape:
        y = y.argmax(axis=1)
    if y_pred.ndim != y.ndim + 1:
        raise ValueError("In classification case, the dimension of y_pred (predicted value) should equal to the "
                         f"dimension of y (true value) add 1, but got y_pred dimension: {y_pred.ndim} and y "
                         f"dimension: {y.ndim}.")
    if y.shape != y_pred.shape[:1] + y_pred.shape[2:]:
        raise ValueError(f"In classification case, y_pred (predicted value) shape {y_pred.shape} and y (true value) "
                         f"shape {y.shape} do not match: y's shape must be y_pred's without its axis 1")
    return y_pred.argmax(axis=1), y


def _check_binary(y_pred, y):
    if y_pred.shape != y.shape:
        raise ValueError(f"In multilabel case, y_pred shape {y_pred.shape} and y shape {y.shape} must be equal")
    if not (np.isin(y_pred, (0, 1)).all() and np.isin(y, (0, 1)).all()):
        raise ValueError("In multilabel case, all elements in y_pred (predicted value) and y (true value) should be "
                         "0 or 1.")


class Accuracy(Metric):
    """The fraction of samples classified right: argmax of y_pred against class indices or one-hot
    y ("classification"), or every 0/1 label right ("multilabel")."""

    def __init__(self, eval_type="classification"):
        super().__init__()
        self._type = _check_eval_type(eval_type)
        self.clear()

    def clear(self):
        self._correct_num, self._total_num = 0, 0

    @rearrange_inputs
    def update(self, *inputs):
        y_pred, y = self._inputs(inputs, 2, "predicted value, true value")
        if self._type == "classification":
            pred, y = _class_indices(y_pred, y)
            right = (pred == y).reshape(-1)
        else:
            _check_binary(y_pred, y)
            right = (y_pred == y).reshape(y.shape[0], -1).all(axis=1)
        self._correct_num += int(right.sum())
        self._total_num += right.size

    def eval(self):
        if self._total_num == 0:
            raise self._empty()
        return np.float64(self._correct_num / self._total_num)


class Loss(Metric):
    """The mean of the losses given to update (one scalar or a 1-D batch of them per call)."""

    def __init__(self):
        super().__init__()
        self.clear()

    def clear(self):
        self._sum_loss, self._total_num = 0.0, 0

    @rearrange_inputs
    def update(self, *inputs):
        (loss,) = self._inputs(inputs, 1, "loss")
        loss = loss.reshape(1) if loss.ndim == 0 else loss
        if loss.ndim != 1:
            raise ValueError(f"For 'Loss.update', the dimension of your input (loss) must be 1, but got {loss.ndim}.")
        self._sum_loss += float(loss.mean())
        self._total_num += 1

    def eval(self):
        if self._total_num == 0:
            raise self._empty("(loss)")
        return self._sum_loss / self._total_num


class _Error(Metric):
    """Per sample, the error summed over the sample's elements; eval is its mean over the samples."""

    def __init__(self):
        super().__init__()
        self.clear()

    def clear(self):
        self._error_sum, self._samples_num = 0.0, 0

    @rearrange_inputs
    def update(self, *inputs):
        y_pred, y = self._inputs(inputs, 2, "predicted value, true value")
        self._error_sum += float(self._error(y.reshape(y_pred.shape) - y_pred).sum())
        self._samples_num += y.shape[0]

    def eval(self):
        if self._samples_num == 0:
            raise self._empty()
        return np.float64(self._error_sum / self._samples_num)


class MAE(_Error):
    """Mean absolute error."""
    _error = staticmethod(np.abs)


class MSE(_Error):
    """Mean squared error."""
    _error = staticmethod(np.square)


class _Counts(Metric):
    """Counts for Precision, Recall and Fbeta: per class ("classification") or per sample
    ("multilabel"), the true positives, the predicted positives and the actual positives."""

    def __init__(self, eval_type="classification"):
        super().__init__()
        self._type = _check_eval_type(eval_type)
        self.clear()

    def clear(self):
        self._tp, self._predicted, self._actual = 0, 0, 0  # arrays once updated
        self._updated = False

    @rearrange_inputs
    def update(self, *inputs):
        y_pred, y = self._inputs(inputs, 2, "predicted value, true value")
        if self._type == "classification":
            n = y_pred.shape[1]
            pred, y = _class_indices(y_pred, y)
            y_pred, y = np.eye(n)[pred.reshape(-1)], np.eye(n)[y.reshape(-1).astype(np.int64)]
            sums = lambda a: a.sum(axis=0)  # noqa: E731  (per class, summed over the updates)
        else:
            _check_binary(y_pred, y)
            y_pred, y = y_pred.reshape(y.shape[0], -1), y.reshape(y.shape[0], -1)
            sums = lambda a: a.sum(axis=1)  # noqa: E731  (per sample, collected over the updates)
        parts = sums(y_pred * y), sums(y_pred), sums(y)
        if self._type == "classification" or not self._updated:
            self._tp, self._predicted, self._actual = (old + new for old, new in zip(
                (self._tp, self._predicted, self._actual), parts))
        else:
            self._tp, self._predicted, self._actual = (np.concatenate([old, new]) for old, new in zip(
                (self._tp, self._predicted, self._actual), parts))
        self._updated = True

    def _ratio(self, denominator, average):
        if not self._updated:
            raise self._empty()
        result = self._tp / (denominator + _EPS)
        return result.mean() if average else result


class Precision(_Counts):
    """True positives over predicted positives, per class (an array), or their mean (eval(True))."""

    def eval(self, average=False):
        return self._ratio(self._predicted, average)


class Recall(_Counts):
    """True positives over actual positives, per class (an array), or their mean (eval(True))."""

    def eval(self, average=False):
        return self._ratio(self._actual, average)


class Fbeta(_Counts):
    """(1 + beta^2) * precision * recall / (beta^2 * precision + recall), per class, classification only."""

    def __init__(self, beta):
        if isinstance(beta, bool) or not isinstance(beta, (int, float)) or beta <= 0:
            raise ValueError(f"For 'Fbeta', the argument 'beta' must be a positive number, but got {beta!r}")
        self.beta = float(beta)
        super().__init__("classification")

    def eval(self, average=False):
        p, r = self._ratio(self._predicted, False), self._ratio(self._actual, False)
        b2 = self.beta ** 2
        result = (1 + b2) * p * r / (b2 * p + r + _EPS)
        return result.mean() if average else result


class F1(Fbeta):
    """Fbeta with beta = 1."""

    def __init__(self):
        super().__init__(1.0)


class TopKCategoricalAccuracy(Metric):
    """The fraction of samples whose true class is among the k highest scores."""

    def __init__(self, k):
        super().__init__()
        if isinstance(k, bool) or not isinstance(k, int):
            raise TypeError(f"For 'TopKCategoricalAccuracy', the type of the argument 'k' should be int, "
                            f"but got 'k' type: {type(k)}.")
        if k < 1:
            raise ValueError(f"For 'TopKCategoricalAccuracy', the argument 'k' must be at least 1, but got 'k' "
                             f"value: {k}.")
        self.k = k
        self.clear()

    def clear(self):
        self._correct_num, self._samples_num = 0, 0

    @rearrange_inputs
    def update(self, *inputs):
        y_pred, y = self._inputs(inputs, 2, "predicted value, true value")
        if y.ndim == y_pred.ndim >= 2 and y.shape == y_pred.shape:
            y = y.argmax(axis=1)
        top = np.argsort(-y_pred, axis=1, kind="stable")[:, :self.k]
        self._correct_num += int((top == y.reshape(-1, 1)).any(axis=1).sum())
        self._samples_num += y.shape[0]

    def eval(self):
        if self._samples_num == 0:
            raise self._empty()
        return np.float64(self._correct_num / self._samples_num)


class Top1CategoricalAccuracy(TopKCategoricalAccuracy):
    def __init__(self):
        super().__init__(1)


class Top5CategoricalAccuracy(TopKCategoricalAccuracy):
    def __init__(self):
        super().__init__(5)


# The names Model(metrics={...}) accepts, as MindSpore's (those of its metrics graphgrad has).
_NAMES = {"accuracy": Accuracy, "acc": Accuracy, "loss": Loss, "mae": MAE, "mse": MSE, "precision": Precision,
          "recall": Recall, "F1": F1, "topk": TopKCategoricalAccuracy, "top_1_accuracy": Top1CategoricalAccuracy,
          "top_5_accuracy": Top5CategoricalAccuracy}


def names():
    """The metric names get_metric_fn (and Model's metrics) accept."""
    return sorted(_NAMES)


def get_metric_fn(name, *args, **kwargs):
    """A new metric by its name, made with args and kwargs."""
    if name not in _NAMES:
        raise KeyError(f"For 'get_metric_fn', unsupported metric {name!r}; graphgrad has {names()}")
    return _NAMES[name](*args, **kwargs)


def get_metrics(metrics):
    """Model's metrics argument (None, a set of names or a dict name -> Metric) as a dict name -> Metric."""
    if metrics is None:
        return None
    if isinstance(metrics, dict):
        for k, v in metrics.items():
            if not isinstance(k, str) or not isinstance(v, Metric):
                raise TypeError("For 'Model', if 'metrics' is a dict, its keys must be strings and its values "
                                f"Metrics, but got key: {type(k).__name__}, value: {type(v).__name__}")
        return dict(metrics)
    if isinstance(metrics, set):
        return {name: get_metric_fn(name) for name in metrics}
    raise TypeError(f"For 'Model', the argument 'metrics' must be None, a dict or a set, but got {metrics!r}")


__all__ = ["Metric", "Accuracy", "Loss", "MAE", "MSE", "Precision", "Recall", "Fbeta", "F1",
           "TopKCategoricalAccuracy", "Top1CategoricalAccuracy", "Top5CategoricalAccuracy", "names", "get_metric_fn",
           "rearrange_inputs"]
