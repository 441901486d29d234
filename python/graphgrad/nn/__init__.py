"""graphgrad.nn: Cells, layers, losses, optimizers, train-step wrappers and learning-rate
schedules, as MindSpore's mindspore.nn. Each module's __all__ says what it adds here."""
from ..nn_lr import *  # noqa: F401,F403
from ..nn_lr import __all__ as _lr_all
from .cell import Cell, CellList, SequentialCell
from .layers import *  # noqa: F401,F403
from .layers import __all__ as _layers_all
from .conv import *  # noqa: F401,F403
from .conv import __all__ as _conv_all
from .loss import *  # noqa: F401,F403
from .loss import __all__ as _loss_all
from .optim import *  # noqa: F401,F403
from .optim import __all__ as _optim_all
from .rnn import *  # noqa: F401,F403
from .rnn import __all__ as _rnn_all
from .wrap import DistributedGradReducer, TrainOneStepCell, WithEvalCell, WithLossCell
from ..train.mindir import GraphCell  # noqa: E402  (it runs what graphgrad.load reads)
from ..train.metrics import *  # noqa: E402,F401,F403  (MindSpore exports its metrics here too)
from ..train.metrics import __all__ as _metrics_all  # noqa: E402

__all__ = (["Cell", "CellList", "SequentialCell", "TrainOneStepCell", "WithEvalCell", "WithLossCell",
            "DistributedGradReducer", "GraphCell"] + list(_layers_all) + list(_conv_all) + list(_loss_all)
           + list(_optim_all) + list(_rnn_all) + list(_lr_all) + list(_metrics_all))
