"""graphgrad.train: checkpoints (``mindspore.save_checkpoint`` and friends)."""
from .serialization import load_checkpoint, load_param_into_net, save_checkpoint

__all__ = ["save_checkpoint", "load_checkpoint", "load_param_into_net"]
