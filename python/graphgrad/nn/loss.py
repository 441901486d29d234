"""Losses as Cells: each holds its options and calls the ops function of the same meaning."""
from .. import ops
from .._tensor import Tensor
from .cell import Cell


def _tensor_or_none(v, cls, arg):
    if v is not None and not isinstance(v, Tensor):
        raise TypeError(f"{cls}: {arg} must be a Tensor or None, got {type(v).__name__}")
    return v


class LossBase(Cell):
    def __init__(self, reduction="mean"):
        super().__init__()
        ops.check_reduction(reduction, type(self).__name__)
        self.reduction = reduction


class BCEWithLogitsLoss(LossBase):
    """Sigmoid + binary cross-entropy; see ops.binary_cross_entropy_with_logits."""

    def __init__(self, reduction="mean", weight=None, pos_weight=None):
        super().__init__(reduction)
        self.weight = _tensor_or_none(weight, "BCEWithLogitsLoss", "weight")
        self.pos_weight = _tensor_or_none(pos_weight, "BCEWithLogitsLoss", "pos_weight")

    def construct(self, logits, labels):
        return ops.binary_cross_entropy_with_logits(logits, labels, self.weight, self.pos_weight, self.reduction)


class BCELoss(LossBase):
    """Binary cross-entropy of probabilities; see ops.binary_cross_entropy."""

    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction)
        self.weight = _tensor_or_none(weight, "BCELoss", "weight")

    def construct(self, logits, labels):
        return ops.binary_cross_entropy(logits, labels, self.weight, self.reduction)


class MSELoss(LossBase):
    def construct(self, logits, labels):
        return ops.mse_loss(logits, labels, self.reduction)


class L1Loss(LossBase):
    def construct(self, logits, labels):
        return ops.l1_loss(logits, labels, self.reduction)


class SmoothL1Loss(LossBase):
    """MindSpore's default reduction here is 'none'."""

    def __init__(self, beta=1.0, reduction="none"):
        super().__init__(reduction)
        if isinstance(beta, bool) or not isinstance(beta, (int, float)) or beta <= 0:
            raise ValueError(f"SmoothL1Loss: beta must be a positive number, got {beta!r}")
        self.beta = float(beta)

    def construct(self, logits, labels):
        return ops.smooth_l1_loss(logits, labels, self.beta, self.reduction)


class NLLLoss(LossBase):
    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(reduction)
        self.weight = _tensor_or_none(weight, "NLLLoss", "weight")
        self.ignore_index = ignore_index

    def construct(self, logits, labels):
        return ops.nll_loss(logits, labels, self.weight, self.ignore_index, self.reduction)


class CrossEntropyLoss(LossBase):
    """log_softmax + NLL; labels are int32/int64 class indices or float class probabilities."""

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(reduction)
        self.weight = _tensor_or_none(weight, "CrossEntropyLoss", "weight")
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def construct(self, logits, labels):
        return ops.cross_entropy(logits, labels, self.weight, self.ignore_index, self.reduction, self.label_smoothing)


class SoftmaxCrossEntropyWithLogits(LossBase):
    """MindSpore's: softmax cross-entropy of logits (N, C) against class probabilities (N, C)
    (sparse=False) or int32/int64 class indices (N,) (sparse=True); see ops.cross_entropy.
    MindSpore's default reduction here is 'none'."""

    def __init__(self, sparse=False, reduction="none"):
        super().__init__(reduction)
        self.sparse = bool(sparse)

    def construct(self, logits, labels):
        if not self.sparse:
            labels = ops.cast(labels, logits.dtype)
        return ops.cross_entropy(logits, labels, reduction=self.reduction)


__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "L1Loss", "LossBase", "MSELoss", "NLLLoss", "SmoothL1Loss",
           "SoftmaxCrossEntropyWithLogits"]
