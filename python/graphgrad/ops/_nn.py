"""Losses and other neural-network functions."""
from ._base import apply, cast, check_tensor, op

_REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction, op):
    if not isinstance(reduction, str):
        raise TypeError(f"{op}: reduction must be a str ('mean', 'sum' or 'none'), got {type(reduction).__name__}")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


@op
def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction="mean"):
    """Sigmoid + binary cross-entropy in the numerically stable form:
    L = weight * (pos_weight * y * -log(sigmoid(x)) + (1 - y) * -log(1 - sigmoid(x))),
    weight and pos_weight broadcast to the logits' shape; then 'mean', 'sum' or 'none'."""
    op = "binary_cross_entropy_with_logits"
    check_tensor(input, op, "input (logits)")
    check_tensor(target, op, "target (label)")
    check_reduction(reduction, op)
    if input.dtype.kind == "f":  # int or bool labels and weights compute in the logits' dtype
        target, weight, pos_weight = (cast(t, input.dtype) if t is not None and t.dtype.kind != "f" else t
                                      for t in (target, weight, pos_weight))
    inputs = [input, target]
    attrs = {"reduction": reduction}
    if weight is not None:
        inputs.append(check_tensor(weight, op, "weight"))
        attrs["has_weight"] = 1
    if pos_weight is not None:
        inputs.append(check_tensor(pos_weight, op, "pos_weight"))
        attrs["has_pos_weight"] = 1
    return apply("bce_with_logits", inputs, attrs)


# --- losses written in ops: their gradients come from autodiff.

def _reduce(loss, reduction):
    from ._math import mean, sum
    if reduction == "mean":
        return mean(loss)
    return sum(loss) if reduction == "sum" else loss


def _check_pair(op, input, target):
    """The target in the input's float dtype (the two broadcast, as in MindSpore)."""
    check_tensor(input, op, "input")
    check_tensor(target, op, "target")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be a float tensor, got {input.dtype}")
    return cast(target, input.dtype) if target.dtype is not input.dtype else target


@op
def mse_loss(input, target, reduction="mean"):
    """(input - target) ** 2, then 'mean', 'sum' or 'none' (operands broadcast)."""
    from ._math import square, sub
    check_reduction(reduction, "mse_loss")
    target = _check_pair("mse_loss", input, target)
    return _reduce(square(sub(input, target)), reduction)


@op
def l1_loss(input, target, reduction="mean"):
    """|input - target|, then 'mean', 'sum' or 'none' (operands broadcast)."""
    from ._math import abs, sub
    check_reduction(reduction, "l1_loss")
    target = _check_pair("l1_loss", input, target)
    return _reduce(abs(sub(input, target)), reduction)


@op
def smooth_l1_loss(input, target, beta=1.0, reduction="none"):
    """0.5 * d**2 / beta where d = |input - target| < beta, else d - 0.5 * beta (MindSpore's
    default reduction is 'none')."""
    from ._math import abs, lt, mul, square, sub, where
    check_reduction(reduction, "smooth_l1_loss")
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or beta <= 0:
        raise ValueError(f"smooth_l1_loss: beta must be a positive number, got {beta!r}")
    target = _check_pair("smooth_l1_loss", input, target)
    d = abs(sub(input, target))
    loss = where(lt(d, beta), mul(square(d), 0.5 / beta), sub(d, 0.5 * beta))
    return _reduce(loss, reduction)


@op
def binary_cross_entropy(logits, labels, weight=None, reduction="mean"):
    """-weight * (labels * log(logits + eps) + (1 - labels) * log(1 - logits + eps)) for
    probabilities in [0, 1], eps = 1e-12 as MindSpore's: a 0 or 1 gives a finite loss (27.63 when
    wrong) and a finite gradient (a saturated sigmoid's is then 0, not NaN)."""
    from ._math import add, log, mul, neg, sub
    check_reduction(reduction, "binary_cross_entropy")
    labels = _check_pair("binary_cross_entropy", logits, labels)
    eps = 1e-12
    loss = neg(add(mul(labels, log(add(logits, eps))), mul(sub(1.0, labels), log(add(sub(1.0, logits), eps)))))
    if weight is not None:
        loss = mul(loss, cast(check_tensor(weight, "binary_cross_entropy", "weight"), logits.dtype))
    return _reduce(loss, reduction)


def _check_class_indices(op, input, target):
    """For class-index targets: input (N, C, d1, ...) or (C,), target (N, d1, ...) or () of int32/int64."""
    if target.dtype.kind != "i":
        raise TypeError(f"{op}: target must hold class indices as int32 or int64 (or class probabilities as a "
                        f"float tensor of the input's shape, for cross_entropy), got {target.dtype}")
    if input.ndim == 0:
        raise ValueError(f"{op}: input must be (C,) or (N, C, ...) scores, got a scalar")
    expected = () if input.ndim == 1 else (input.shape[0],) + tuple(input.shape[2:])
    if tuple(target.shape) != expected:
        raise ValueError(f"{op}: target must have shape {expected} (one class index per sample) for input of "
                         f"shape {tuple(input.shape)}, got {tuple(target.shape)}")


def _check_weight(op, weight, n_classes, dtype):
    if weight is None:
        return None
    check_tensor(weight, op, "weight")
    if tuple(weight.shape) != (n_classes,):
        raise ValueError(f"{op}: weight must have shape ({n_classes},), one per class, got {tuple(weight.shape)}")
    return cast(weight, dtype)


def _check_label_range(op, target, n_classes, ignore_index):
    """The target, its class indices checked to be in [0, n_classes) or ignore_index: at once
    when they are concrete; when traced, at every call of the compiled function (check_index,
    which runs before the call writes any Parameter)."""
    def message(index):
        return f"{op}: target holds class index {index}, outside [0, {n_classes}) (ignore_index is {ignore_index})"

    if target._symbolic_:
        return apply("check_index", [target], {"size": n_classes, "ignore": ignore_index, "message": message("{i}")})
    if target.size:
        v = target.asnumpy()
        bad = v[(v != ignore_index) & ((v < 0) | (v >= n_classes))]
        if bad.size:
            raise ValueError(message(int(bad.flat[0])))
    return target


def _nll(input, target, weight, ignore_index, reduction, label_smoothing, op):
    """NLL of log-probabilities `input` at class indices `target`, ignore_index and label
    smoothing as MindSpore's nll_loss (PyTorch's rule: 'mean' divides by the summed weights of
    the targets not ignored)."""
    import numpy as np

    from .._tensor import Tensor
    from ._array import gather, reshape, transpose
    from ._math import add, div, mul, ne, neg, sum, where
    n_classes = input.shape[0 if input.ndim == 1 else 1]
    weight = _check_weight(op, weight, n_classes, input.dtype)
    out_shape = tuple(target.shape)
    # Classes last, samples flattened: one flat gather picks each sample's score.
    x = input
    if x.ndim == 1:
        x = reshape(x, (1, n_classes))
    elif x.ndim > 2:
        x = reshape(transpose(x, (0,) + tuple(range(2, x.ndim)) + (1,)), (-1, n_classes))
    t = _check_label_range(op, reshape(target, (-1,)), n_classes, ignore_index)
    m = t.shape[0]
    keep = ne(t, ignore_index)
    t = where(keep, t, 0)
    flat = add(Tensor((np.arange(m) * n_classes).astype(t.dtype.np)), t)
    picked = gather(reshape(x, (-1,)), flat, 0)
    w = cast(keep, input.dtype)
    if weight is not None:
        w = mul(w, gather(weight, t, 0))
    loss = neg(mul(picked, w))
    if label_smoothing > 0:
        xw = x if weight is None else mul(x, weight)
        smooth = neg(mul(sum(xw, 1), cast(keep, input.dtype)))
    if reduction == "none":
        out = reshape(loss, out_shape)
        if label_smoothing > 0:
            out = add(mul(out, 1.0 - label_smoothing), mul(reshape(smooth, out_shape), label_smoothing / n_classes))
        return out
    total = sum(w) if reduction == "mean" else None
    out = sum(loss) if total is None else div(sum(loss), total)
    if label_smoothing > 0:
        s = sum(smooth) if total is None else div(sum(smooth), total)
        out = add(mul(out, 1.0 - label_smoothing), mul(s, label_smoothing / n_classes))
    return out


def _check_loss_args(op, ignore_index, reduction, label_smoothing):
    check_reduction(reduction, op)
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, int):
        raise TypeError(f"{op}: ignore_index must be an int, got {type(ignore_index).__name__}")
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float)) \
            or not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be a float in [0, 1], got {label_smoothing!r}")
    return float(label_smoothing)


@op
def nll_loss(inputs, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """The negative log-likelihood of log-probabilities `inputs` (N, C, d1, ...) or (C,) at the
    int32/int64 class indices `target` (N, d1, ...)."""
    check_tensor(inputs, "nll_loss", "inputs")
    check_tensor(target, "nll_loss", "target")
    ls = _check_loss_args("nll_loss", ignore_index, reduction, label_smoothing)
    if inputs.dtype.kind != "f":
        raise TypeError(f"nll_loss: inputs must be a float tensor, got {inputs.dtype}")
    _check_class_indices("nll_loss", inputs, target)
    return _nll(inputs, target, weight, ignore_index, reduction, ls, "nll_loss")


@op
def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """log_softmax over the class dim (1, or 0 for a 1-D input), then the NLL at class indices
    (int32/int64 target of shape (N, d1, ...)) or against class probabilities (a float target
    of the input's shape)."""
    from ._math import log_softmax, mul, neg, sum, add, div
    check_tensor(input, "cross_entropy", "input")
    check_tensor(target, "cross_entropy", "target")
    ls = _check_loss_args("cross_entropy", ignore_index, reduction, label_smoothing)
    if input.dtype.kind != "f":
        raise TypeError(f"cross_entropy: input must be a float tensor, got {input.dtype}")
    if input.ndim == 0:
        raise ValueError("cross_entropy: input must be (C,) or (N, C, ...) scores, got a scalar")
    class_dim = 0 if input.ndim == 1 else 1
    n_classes = input.shape[class_dim]
    if target.dtype.kind != "f":
        _check_class_indices("cross_entropy", input, target)
        if weight is None and ls == 0 and reduction != "none" and input.ndim <= 2 and input.dtype.np.itemsize >= 4:
            # The common case in one fused kernel, and its gradient in another (ops/softmax_xent.cpp).
            from ._array import reshape
            target = _check_label_range("cross_entropy", target, n_classes, ignore_index)
            if input.ndim == 1:
                input, target = reshape(input, (1, n_classes)), reshape(target, (1,))
            return apply("softmax_cross_entropy", [input, target], {"reduction": reduction, "ignore_index": ignore_index})
        return _nll(log_softmax(input, class_dim), target, weight, ignore_index, reduction, ls, "cross_entropy")
    logp = log_softmax(input, class_dim)
    # class probabilities
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"cross_entropy: a float target holds class probabilities and must have the input's shape "
                         f"{tuple(input.shape)}, got {tuple(target.shape)} (class indices must be int32 or int64)")
    target = cast(target, input.dtype)
    if ls > 0:
        target = add(mul(target, 1.0 - ls), ls / n_classes)
    loss = mul(logp, target)
    weight = _check_weight("cross_entropy", weight, n_classes, input.dtype)
    if weight is not None:
        from ._array import reshape
        loss = mul(loss, reshape(weight, [n_classes if i == class_dim else 1 for i in range(input.ndim)]))
    if reduction == "mean":
        return neg(div(sum(loss), input.size / n_classes))
    if reduction == "sum":
        return neg(sum(loss))
    return neg(sum(loss, class_dim))


# --- more of MindSpore's losses, in ops as well (their gradients come from autodiff).

def _check_float(op, arg, x):
    check_tensor(x, op, arg)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: {arg} must be a float tensor, got {x.dtype}")
    return x


def _check_same_shape(op, a, b, arg_a, arg_b):
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(f"{op}: {arg_a} and {arg_b} must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")


def _positive(op, arg, v):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
        raise ValueError(f"{op}: {arg} must be a positive number, got {v!r}")
    return float(v)


def _check_bool(op, arg, v):
    if not isinstance(v, bool):
        raise TypeError(f"{op}: {arg} must be a bool, got {type(v).__name__}")
    return v


@op
def huber_loss(input, target, reduction="mean", delta=1.0):
    """0.5 * d**2 where d = |input - target| < delta, else delta * (d - 0.5 * delta)."""
    from ._math import abs, lt, mul, square, sub, where
    check_reduction(reduction, "huber_loss")
    delta = _positive("huber_loss", "delta", delta)
    target = _check_pair("huber_loss", input, target)
    d = abs(sub(input, target))
    return _reduce(where(lt(d, delta), mul(square(d), 0.5), mul(sub(d, 0.5 * delta), delta)), reduction)


@op
def kl_div(logits, labels, reduction="mean"):
    """labels * (log(labels) - logits) for log-probabilities `logits`, 0 where labels is 0;
    reduction 'batchmean' divides the sum by the batch size (dim 0)."""
    from ._math import div, gt, log, mul, sub, sum, where
    op = "kl_div"
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"{op}: reduction must be 'mean', 'sum', 'none' or 'batchmean', got {reduction!r}")
    _check_float(op, "logits", logits)
    _check_float(op, "labels", labels)
    if labels.dtype is not logits.dtype:
        raise TypeError(f"{op}: logits and labels must have the same dtype, got {logits.dtype} and {labels.dtype}")
    _check_same_shape(op, logits, labels, "logits", "labels")
    pos = gt(labels, 0.0)
    # log of 1 where labels is 0, so that neither the value nor the gradient meets log(0)
    loss = where(pos, mul(labels, sub(log(where(pos, labels, 1.0)), logits)), 0.0)
    if reduction == "batchmean":
        return div(sum(loss), logits.shape[0] if logits.ndim else 1)
    return _reduce(loss, reduction)


@op
def margin_ranking_loss(input1, input2, target, margin=0.0, reduction="mean"):
    """max(0, -target * (input1 - input2) + margin), target of +1 / -1."""
    from ._math import add, mul, neg, relu, sub
    op = "margin_ranking_loss"
    check_reduction(reduction, op)
    if not isinstance(margin, float):
        raise TypeError(f"{op}: margin must be a float, got {type(margin).__name__}")
    _check_float(op, "input1", input1)
    _check_float(op, "input2", input2)
    check_tensor(target, op, "target")
    if input2.dtype is not input1.dtype or target.dtype is not input1.dtype:
        raise TypeError(f"{op}: input1, input2 and target must have one dtype, got {input1.dtype}, {input2.dtype} "
                        f"and {target.dtype}")
    return _reduce(relu(add(neg(mul(target, sub(input1, input2))), margin)), reduction)


@op
def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction="mean"):
    """Per row (reducing dim 1): 1 - cos(input1, input2) where target is 1, max(0, cos - margin)
    where it is -1."""
    from ._math import add, div, eq, mul, relu, sqrt, sub, sum, where
    op = "cosine_embedding_loss"
    check_reduction(reduction, op)
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not -1.0 <= margin <= 1.0:
        raise ValueError(f"{op}: margin must be a number in [-1, 1], got {margin!r}")
    _check_float(op, "input1", input1)
    input2 = _check_pair(op, input1, input2)
    check_tensor(target, op, "target")
    _check_same_shape(op, input1, input2, "input1", "input2")
    if input1.ndim < 2 or tuple(target.shape) != (input1.shape[0],) + tuple(input1.shape[2:]):
        raise ValueError(f"{op}: target must have input1's shape without dim 1, got input1 {tuple(input1.shape)} "
                         f"and target {tuple(target.shape)}")
    eps = 1e-12  # keeps a zero row's cosine finite
    n1, n2 = add(sum(mul(input1, input1), 1), eps), add(sum(mul(input2, input2), 1), eps)
    cos = div(sum(mul(input1, input2), 1), sqrt(mul(n1, n2)))
    loss = where(eq(target, 1), sub(1.0, cos), where(eq(target, -1), relu(sub(cos, float(margin))), 0.0))
    return _reduce(loss, reduction)


@op
def soft_margin_loss(input, target, reduction="mean"):
    """log(1 + exp(-target * input)), target of +1 / -1."""
    from ._math import mul, neg, softplus
    check_reduction(reduction, "soft_margin_loss")
    target = _check_pair("soft_margin_loss", input, target)
    _check_same_shape("soft_margin_loss", input, target, "input", "target")
    return _reduce(softplus(neg(mul(target, input))), reduction)


@op
def multi_margin_loss(input, target, p=1, margin=1, weight=None, reduction="mean"):
    """Per row of input (N, C): sum over j != target of
    weight[target] * max(0, margin - input[target] + input[j]) ** p, divided by C."""
    import numpy as np

    from .._tensor import Tensor
    from ._array import gather, one_hot, reshape
    from ._math import add, div, mul, ne, relu, sub, sum, where
    op = "multi_margin_loss"
    check_reduction(reduction, op)
    if p not in (1, 2) or isinstance(p, bool):
        raise ValueError(f"{op}: p must be 1 or 2, got {p!r}")
    if isinstance(margin, bool) or not isinstance(margin, (int, float)):
        raise TypeError(f"{op}: margin must be a number, got {type(margin).__name__}")
    _check_float(op, "input", input)
    check_tensor(target, op, "target")
    if target.dtype.kind != "i":
        raise TypeError(f"{op}: target must hold class indices as int32 or int64, got {target.dtype}")
    if input.ndim != 2 or target.ndim != 1 or target.shape[0] != input.shape[0]:
        raise ValueError(f"{op}: input must be (N, C) and target (N,), got {tuple(input.shape)} and "
                         f"{tuple(target.shape)}")
    n, c = input.shape
    weight = _check_weight(op, weight, c, input.dtype)
    target = _check_label_range(op, target, c, -1)
    flat = add(Tensor((np.arange(n) * c).astype(target.dtype.np)), target)
    x_y = reshape(gather(reshape(input, (-1,)), flat, 0), (n, 1))
    m = relu(add(sub(input, x_y), float(margin)))
    if p == 2:
        m = mul(m, m)
    m = where(ne(one_hot(target, c, 1, 0), 1), m, 0.0)  # the target's own class does not count
    if weight is not None:
        m = mul(m, reshape(gather(weight, target, 0), (n, 1)))
    return _reduce(div(sum(m, 1), float(c)), reduction)


@op
def multilabel_soft_margin_loss(input, target, weight=None, reduction="mean"):
    """-mean over the last dim of weight * (target * log(sigmoid(input)) + (1 - target) * log(sigmoid(-input)))."""
    from ._math import add, mean, mul, neg, softplus, sub
    op = "multilabel_soft_margin_loss"
    check_reduction(reduction, op)
    target = _check_pair(op, input, target)
    _check_same_shape(op, input, target, "input", "target")
    # -log(sigmoid(x)) = softplus(-x), -log(sigmoid(-x)) = softplus(x)
    loss = add(mul(target, softplus(neg(input))), mul(sub(1.0, target), softplus(input)))
    if weight is not None:
        loss = mul(loss, cast(check_tensor(weight, op, "weight"), input.dtype))
    return _reduce(mean(loss, -1), reduction)


@op
def gaussian_nll_loss(x, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 * (log(max(var, eps)) + (x - target)**2 / max(var, eps)), plus 0.5 * log(2 pi) when
    full; a var of x's shape without its last dim gets that dim back (one variance per row)."""
    import math

    from ._array import expand_dims
    from ._math import add, clamp, div, log, mul, square, sub
    op = "gaussian_nll_loss"
    check_reduction(reduction, op)
    _check_bool(op, "full", full)
    eps = _positive(op, "eps", eps)
    target = _check_pair(op, x, target)
    var = _check_pair(op, x, var)
    if x.ndim and tuple(var.shape) == tuple(x.shape[:-1]):
        var = expand_dims(var, -1)
    v = clamp(var, eps)  # MindSpore clamps, where PyTorch raises on a negative var
    loss = mul(add(log(v), div(square(sub(x, target)), v)), 0.5)
    if full:
        loss = add(loss, 0.5 * math.log(2 * math.pi))
    return _reduce(loss, reduction)


@op
def poisson_nll_loss(input, target, log_input=True, full=False, eps=1e-8, reduction="mean"):
    """nn.PoissonNLLLoss's (MindSpore has no ops function): exp(input) - target * input for a
    log-rate input, else input - target * log(input + eps); full adds Stirling's approximation
    target * log(target) - target + 0.5 * log(2 pi target) where target > 1."""
    import math

    from ._math import add, exp, gt, log, mul, sub, where
    op = "PoissonNLLLoss"
    check_reduction(reduction, op)
    target = _check_pair(op, input, target)
    if log_input:
        loss = sub(exp(input), mul(target, input))
    else:
        loss = sub(input, mul(target, log(add(input, eps))))
    if full:
        big = gt(target, 1.0)
        t = where(big, target, 2.0)  # log of a safe value where the term is dropped
        stirling = add(sub(mul(t, log(t)), t), mul(log(mul(t, 2 * math.pi)), 0.5))
        loss = add(loss, where(big, stirling, 0.0))
    return _reduce(loss, reduction)


@op
def hinge_embedding_loss(inputs, targets, margin=1.0, reduction="mean"):
    """inputs where targets > 0, max(0, margin - inputs) where targets < 0, 0 where it is 0."""
    from ._math import gt, lt, relu, sub, where
    op = "hinge_embedding_loss"
    check_reduction(reduction, op)
    if isinstance(margin, bool) or not isinstance(margin, (int, float)):
        raise TypeError(f"{op}: margin must be a number, got {type(margin).__name__}")
    targets = _check_pair(op, inputs, targets)
    loss = where(gt(targets, 0.0), inputs, where(lt(targets, 0.0), relu(sub(float(margin), inputs)), 0.0))
    return _reduce(loss, reduction)


def _distance(a, b, p, eps):
    """||a - b + eps||_p over the last dim."""
    from ._math import abs, add, pow, sqrt, square, sub, sum
    d = add(sub(a, b), eps)
    if p == 2:
        return sqrt(sum(square(d), -1))
    s = sum(abs(d) if p == 1 else pow(abs(d), float(p)), -1)
    return s if p == 1 else pow(s, 1.0 / p)


@op
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, reduction="mean"):
    """max(d(anchor, positive) - d(anchor, negative) + margin, 0) with d(a, b) = ||a - b + eps||_p
    over the last dim; swap takes d(positive, negative) when it is the smaller."""
    from .._tensor import Tensor
    from ._math import add, minimum, relu, sub
    op = "triplet_margin_loss"
    check_reduction(reduction, op)
    if isinstance(p, bool) or not isinstance(p, int) or p < 1:
        raise ValueError(f"{op}: p must be a positive int, got {p!r}")
    _check_float(op, "anchor", anchor)
    if isinstance(margin, Tensor):  # nn.TripletMarginLoss's construct may take it as a 0-d Tensor
        if margin.ndim != 0:
            raise ValueError(f"{op}: a Tensor margin must be 0-d, got shape {tuple(margin.shape)}")
        margin = cast(margin, anchor.dtype)
    elif isinstance(margin, bool) or not isinstance(margin, (int, float)):
        raise TypeError(f"{op}: margin must be a number or a 0-d Tensor, got {type(margin).__name__}")
    else:
        margin = float(margin)
    _check_bool(op, "swap", swap)
    positive, negative = _check_pair(op, anchor, positive), _check_pair(op, anchor, negative)
    if anchor.ndim == 0 or positive.ndim != anchor.ndim or negative.ndim != anchor.ndim:
        raise ValueError(f"{op}: anchor, positive and negative must have one rank of at least 1, got shapes "
                         f"{tuple(anchor.shape)}, {tuple(positive.shape)} and {tuple(negative.shape)}")
    d_pos = _distance(anchor, positive, p, eps)
    d_neg = _distance(anchor, negative, p, eps)
    if swap:
        d_neg = minimum(d_neg, _distance(positive, negative, p, eps))
    return _reduce(relu(add(sub(d_pos, d_neg), margin)), reduction)


@op
def focal_loss(logits, labels, weight=None, gamma=2.0, reduction="mean"):
    """nn.FocalLoss's (MindSpore has no ops function): -weight * (1 - p)**gamma * log(p) * labels,
    p the softmax over dim 1 of logits (N, C, ...); labels of logits' shape (one-hot or
    probabilities), or (N, 1, ...) class indices, which sum the classes out. Then the mean over
    the spatial dims, then the reduction."""
    from ._array import one_hot, reshape, squeeze, transpose
    from ._math import exp, log_softmax, mean, mul, neg, pow, sub, sum
    op = "FocalLoss"
    _check_float(op, "logits", logits)
    check_tensor(labels, op, "labels")
    if not 2 <= labels.ndim <= 4:
        raise ValueError(f"{op}: labels must have 2 to 4 dims, got {labels.ndim}")
    if logits.ndim != labels.ndim:
        raise ValueError(f"{op}: logits and labels must have the same number of dims, got {logits.ndim} and "
                         f"{labels.ndim}")
    c = logits.shape[1]
    if c == 1:
        raise ValueError(f"{op}: logits.shape[1] (the classes) cannot be 1")
    indices = labels.shape[1] == 1
    if indices:
        if labels.dtype.kind != "i":
            raise TypeError(f"{op}: labels of shape (N, 1, ...) hold class indices and must be int32 or int64, got "
                            f"{labels.dtype}")
        labels = one_hot(squeeze(labels, 1), c, 1.0, 0.0)
        labels = transpose(labels, (0, labels.ndim - 1) + tuple(range(1, labels.ndim - 1)))
    if tuple(labels.shape) != tuple(logits.shape):
        raise ValueError(f"{op}: labels must have logits' shape {tuple(logits.shape)} or (N, 1, ...), got "
                         f"{tuple(labels.shape)}")
    labels = cast(labels, logits.dtype)
    logp = log_softmax(logits, 1)
    loss = neg(mul(mul(pow(sub(1.0, exp(logp)), float(gamma)), logp), labels))
    if weight is not None:
        loss = mul(loss, reshape(cast(weight, logits.dtype), (c,) + (1,) * (logits.ndim - 2)))
    if indices:
        loss = sum(loss, 1)
    spatial = tuple(range(1 if indices else 2, loss.ndim))
    if spatial:
        loss = mean(loss, spatial)
    return _reduce(loss, reduction)


@op
def dice_loss(logits, label, smooth=1e-5):
    """nn.DiceLoss's (MindSpore has no ops function):
    1 - 2 * sum(logits * label) / (sum(logits**2) + sum(label**2) + smooth)."""
    from ._math import add, div, mul, square, sub, sum
    op = "DiceLoss"
    label = _check_pair(op, logits, label)
    _check_same_shape(op, logits, label, "logits", "label")
    union = add(add(sum(square(logits)), sum(square(label))), smooth)
    return sub(1.0, div(mul(sum(mul(logits, label)), 2.0), union))
