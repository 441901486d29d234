"""graphgrad.train: checkpoints (``mindspore.save_checkpoint`` and friends), MindIR model files
(``mindspore.export``, ``mindspore.load``), and the high-level training API: ``Model`` with its
callbacks and metrics."""
from .callback import (Callback, CheckpointConfig, EarlyStopping, History, LambdaCallback, LossMonitor, ModelCheckpoint,
                       ReduceLROnPlateau, RunContext, TimeMonitor)
from .metrics import (F1, MAE, MSE, Accuracy, Fbeta, Loss, Metric, Precision, Recall, Top1CategoricalAccuracy,
                      Top5CategoricalAccuracy, TopKCategoricalAccuracy, get_metric_fn, names, rearrange_inputs)
from .mindir import export, load
from .model import Model
from .serialization import load_checkpoint, load_param_into_net, save_checkpoint

__all__ = ["save_checkpoint", "load_checkpoint", "load_param_into_net", "export", "load", "Model", "Callback",
           "RunContext", "LossMonitor", "TimeMonitor", "History", "LambdaCallback", "CheckpointConfig",
           "ModelCheckpoint", "EarlyStopping", "ReduceLROnPlateau", "Metric", "Accuracy", "Loss", "MAE", "MSE", "Precision", "Recall", "Fbeta", "F1",
           "TopKCategoricalAccuracy", "Top1CategoricalAccuracy", "Top5CategoricalAccuracy", "get_metric_fn", "names",
           "rearrange_inputs"]
