"""graphgrad.train: checkpoints (``mindspore.save_checkpoint`` and friends) and MindIR model files
(``mindspore.export``, ``mindspore.load``)."""
from .mindir import export, load
from .serialization import load_checkpoint, load_param_into_net, save_checkpoint

__all__ = ["save_checkpoint", "load_checkpoint", "load_param_into_net", "export", "load"]
