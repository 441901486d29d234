"""Shared float64 numpy references and a central-difference gradient checker for the suite."""
import numpy as np

import graphgrad as gg
from graphgrad import Tensor


def np_bce(x, y, weight=None, pos_weight=None, reduction="mean"):
    """Float64 reference of binary_cross_entropy_with_logits, written from its formula:
    L = weight * (pos_weight * y * (-log sigmoid(x)) + (1 - y) * (-log(1 - sigmoid(x)))),
    with -log sigmoid(x) = log(1 + e^-x) and -log(1 - sigmoid(x)) = log(1 + e^x)."""
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    w = np.ones_like(x) if weight is None else np.broadcast_to(np.asarray(weight, np.float64), x.shape)
    pw = np.ones_like(x) if pos_weight is None else np.broadcast_to(np.asarray(pos_weight, np.float64), x.shape)
    neg_log_sig = np.logaddexp(0.0, -x)
    neg_log_one_minus_sig = np.logaddexp(0.0, x)
    loss = w * (pw * y * neg_log_sig + (1.0 - y) * neg_log_one_minus_sig)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, np.float64)))


def tensors(*arrays, dtype=gg.float64):
    return [Tensor(np.asarray(a, np.float64), dtype) for a in arrays]


def total(out):
    """The value grad differentiates: the sum of every output (ones sensitivity)."""
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return float(sum(np.asarray(o.asnumpy(), np.float64).sum() for o in outs))


def numeric_grad(fn, arrays, i, eps=1e-6):
    """Central differences of sum(fn(*arrays)) with respect to arrays[i], run eagerly in float64."""
    arrays = [np.array(a, np.float64) for a in arrays]
    g = np.zeros_like(arrays[i])
    flat = arrays[i].reshape(-1)
    gflat = g.reshape(-1)
    for k in range(flat.size):
        orig = flat[k]
        flat[k] = orig + eps
        hi = total(fn(*tensors(*arrays)))
        flat[k] = orig - eps
        lo = total(fn(*tensors(*arrays)))
        flat[k] = orig
        gflat[k] = (hi - lo) / (2 * eps)
    return g


def check_grads(fn, arrays, positions=None, rtol=1e-5, atol=1e-6):
    """graphgrad's gradients of fn w.r.t. every position against central differences."""
    positions = tuple(range(len(arrays))) if positions is None else tuple(positions)
    grads = gg.grad(fn, positions)(*tensors(*arrays))
    if len(positions) == 1:
        grads = (grads,)
    assert len(grads) == len(positions)
    for p, g in zip(positions, grads):
        expected = numeric_grad(fn, arrays, p)
        assert g.shape == np.shape(arrays[p]), f"gradient {p} has shape {g.shape}, input has {np.shape(arrays[p])}"
        assert g.dtype == gg.float64
        np.testing.assert_allclose(g.asnumpy(), expected, rtol=rtol, atol=atol,
                                   err_msg=f"gradient w.r.t. argument {p}")
    return grads
