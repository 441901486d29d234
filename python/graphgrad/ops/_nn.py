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
