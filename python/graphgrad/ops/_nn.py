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
