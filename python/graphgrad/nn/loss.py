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


class HuberLoss(LossBase):
    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction)
        self.delta = ops._nn._positive("HuberLoss", "delta", delta)

    def construct(self, logits, labels):
        return ops.huber_loss(logits, labels, self.reduction, self.delta)


class KLDivLoss(Cell):
    """Reduction 'mean', 'sum', 'none' or 'batchmean' (the sum over the batch size)."""

    def __init__(self, reduction="mean"):
        super().__init__()
        if not isinstance(reduction, str) or reduction not in ("mean", "sum", "none", "batchmean"):
            raise ValueError(f"KLDivLoss: reduction must be 'mean', 'sum', 'none' or 'batchmean', got {reduction!r}")
        self.reduction = reduction

    def construct(self, logits, labels):
        return ops.kl_div(logits, labels, self.reduction)


class MarginRankingLoss(LossBase):
    def __init__(self, margin=0.0, reduction="mean"):
        super().__init__(reduction)
        self.margin = margin

    def construct(self, input1, input2, target):
        return ops.margin_ranking_loss(input1, input2, target, self.margin, self.reduction)


class CosineEmbeddingLoss(LossBase):
    def __init__(self, margin=0.0, reduction="mean"):
        super().__init__(reduction)
        self.margin = margin

    def construct(self, logits_x1, logits_x2, labels):
        return ops.cosine_embedding_loss(logits_x1, logits_x2, labels, self.margin, self.reduction)


class SoftMarginLoss(LossBase):
    def construct(self, logits, labels):
        return ops.soft_margin_loss(logits, labels, self.reduction)


class MultiMarginLoss(LossBase):
    """A weight given to construct replaces the Cell's."""

    def __init__(self, p=1, margin=1.0, reduction="mean", weight=None):
        super().__init__(reduction)
        if p not in (1, 2) or isinstance(p, bool):
            raise ValueError(f"MultiMarginLoss: p must be 1 or 2, got {p!r}")
        self.p, self.margin = p, margin
        self.weight = _tensor_or_none(weight, "MultiMarginLoss", "weight")

    def construct(self, x, target, weight=None):
        return ops.multi_margin_loss(x, target, self.p, self.margin, self.weight if weight is None else weight,
                                     self.reduction)


class MultiLabelSoftMarginLoss(LossBase):
    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction)
        self.weight = _tensor_or_none(weight, "MultiLabelSoftMarginLoss", "weight")

    def construct(self, x, target):
        return ops.multilabel_soft_margin_loss(x, target, self.weight, self.reduction)


class GaussianNLLLoss(LossBase):
    def __init__(self, *, full=False, eps=1e-6, reduction="mean"):
        super().__init__(reduction)
        self.full = ops._nn._check_bool("GaussianNLLLoss", "full", full)
        self.eps = ops._nn._positive("GaussianNLLLoss", "eps", eps)

    def construct(self, logits, labels, var):
        return ops.gaussian_nll_loss(logits, labels, var, self.full, self.eps, self.reduction)


class PoissonNLLLoss(LossBase):
    def __init__(self, log_input=True, full=False, eps=1e-8, reduction="mean"):
        super().__init__(reduction)
        self.log_input = ops._nn._check_bool("PoissonNLLLoss", "log_input", log_input)
        self.full = ops._nn._check_bool("PoissonNLLLoss", "full", full)
        self.eps = ops._nn._positive("PoissonNLLLoss", "eps", eps)

    def construct(self, input, target):
        return ops._nn.poisson_nll_loss(input, target, self.log_input, self.full, self.eps, self.reduction)


class HingeEmbeddingLoss(LossBase):
    def __init__(self, margin=1.0, reduction="mean"):
        super().__init__(reduction)
        self.margin = margin

    def construct(self, logits, labels):
        return ops.hinge_embedding_loss(logits, labels, self.margin, self.reduction)


class TripletMarginLoss(LossBase):
    """A margin given to construct replaces the Cell's."""

    def __init__(self, p=2, swap=False, eps=1e-6, reduction="mean", margin=1.0):
        super().__init__(reduction)
        if isinstance(p, bool) or not isinstance(p, int) or p < 1:
            raise ValueError(f"TripletMarginLoss: p must be a positive int, got {p!r}")
        self.p, self.margin = p, margin
        self.swap = ops._nn._check_bool("TripletMarginLoss", "swap", swap)
        self.eps = ops._nn._positive("TripletMarginLoss", "eps", eps)

    def construct(self, x, positive, negative, margin=None):
        margin = self.margin if margin is None else margin
        return ops.triplet_margin_loss(x, positive, negative, margin, self.p, self.eps, self.swap, self.reduction)


class RMSELoss(Cell):
    """sqrt(mean((logits - label) ** 2))."""

    def construct(self, logits, label):
        return ops.sqrt(ops.mse_loss(logits, label))


class MAELoss(LossBase):
    def construct(self, logits, label):
        return ops.l1_loss(logits, label, self.reduction)


class FocalLoss(LossBase):
    def __init__(self, weight=None, gamma=2.0, reduction="mean"):
        super().__init__(reduction)
        if not isinstance(gamma, float):
            raise TypeError(f"FocalLoss: gamma must be a float, got {type(gamma).__name__}")
        self.weight = _tensor_or_none(weight, "FocalLoss", "weight")
        if weight is not None and weight.ndim != 1:
            raise ValueError(f"FocalLoss: weight must be 1-D (one per class), got {weight.ndim} dims")
        self.gamma = gamma

    def construct(self, logits, labels):
        return ops._nn.focal_loss(logits, labels, self.weight, self.gamma, self.reduction)


class DiceLoss(Cell):
    def __init__(self, smooth=1e-5):
        super().__init__()
        if not isinstance(smooth, float):
            raise TypeError(f"DiceLoss: smooth must be a float, got {type(smooth).__name__}")
        self.smooth = ops._nn._positive("DiceLoss", "smooth", smooth)

    def construct(self, logits, label):
        return ops._nn.dice_loss(logits, label, self.smooth)


__all__ = ["BCELoss", "BCEWithLogitsLoss", "CosineEmbeddingLoss", "CrossEntropyLoss", "DiceLoss", "FocalLoss",
           "GaussianNLLLoss", "HingeEmbeddingLoss", "HuberLoss", "KLDivLoss", "L1Loss", "LossBase", "MAELoss",
           "MSELoss", "MarginRankingLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss", "NLLLoss",
           "PoissonNLLLoss", "RMSELoss", "SmoothL1Loss", "SoftMarginLoss", "SoftmaxCrossEntropyWithLogits",
           "TripletMarginLoss"]
