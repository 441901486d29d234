"""graphgrad.nn: Cells, layers, losses, optimizers, train-step wrappers and learning-rate
schedules, as MindSpore's mindspore.nn."""
from ..nn_lr import *  # noqa: F401,F403
from ..nn_lr import __all__ as _lr_all
from .cell import Cell, CellList, SequentialCell
from .layers import (GELU, BatchNorm1d, Dense, Dropout, Flatten, LayerNorm, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh,
                     get_activation)
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, LossBase, MSELoss, NLLLoss,
                   SmoothL1Loss, SoftmaxCrossEntropyWithLogits)
from .optim import SGD, Adam, AdamWeightDecay, Momentum, Optimizer
from .wrap import DistributedGradReducer, TrainOneStepCell, WithEvalCell, WithLossCell
from ..train.mindir import GraphCell  # noqa: E402  (it runs what graphgrad.load reads)

__all__ = ["Cell", "CellList", "SequentialCell", "GELU", "BatchNorm1d", "Dense", "Dropout", "Flatten", "LayerNorm",
           "LogSoftmax", "ReLU", "Sigmoid", "Softmax", "Tanh", "get_activation", "BCELoss", "BCEWithLogitsLoss",
           "CrossEntropyLoss", "L1Loss", "LossBase", "MSELoss", "NLLLoss", "SmoothL1Loss",
           "SoftmaxCrossEntropyWithLogits", "SGD", "Adam", "AdamWeightDecay", "Momentum", "Optimizer",
           "TrainOneStepCell", "WithEvalCell", "WithLossCell", "DistributedGradReducer", "GraphCell"] + list(_lr_all)
