"""Convolution and pooling over NCHW tensors, as MindSpore's ops.conv2d, max_pool2d and avg_pool2d.
Each is the C++ op im2col (the sliding windows unfolded into columns) followed by a matmul or a
reduction, so the gradients are col2im and those ops' own: every order differentiates."""
import numpy as np

from .._tensor import Tensor, float32, float64
from ._array import reshape
from ._base import apply, check_tensor, op
from ._math import amax, matmul, mean
from ._math import sum as _sum


def _ints(value, n, op_name, what, minimum):
    """An int (repeated n times) or a tuple/list of n ints, each at least `minimum`."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (int(value),) * n
    if (not isinstance(value, (tuple, list)) or len(value) != n
            or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in value)):
        raise TypeError(f"{op_name}: {what} must be an int or a tuple of {n} ints, got {value!r}")
    if any(v < minimum for v in value):
        raise ValueError(f"{op_name}: {what} must be >= {minimum}, got {value!r}")
    return tuple(int(v) for v in value)


def _padding(padding, op_name):
    """[top, bottom, left, right] from an int, (h, w) or (top, bottom, left, right)."""
    if isinstance(padding, (tuple, list)) and len(padding) == 2:
        h, w = _ints(padding, 2, op_name, "padding", 0)
        return [h, h, w, w]
    if isinstance(padding, (tuple, list)) and len(padding) == 4:
        return list(_ints(padding, 4, op_name, "padding", 0))
    return [_ints(padding, 1, op_name, "padding", 0)[0]] * 4


def same_padding(size, kernel, stride, dilation):
    """[top, bottom, left, right] that give ceil(size / stride) outputs per axis: the odd one
    out goes to the bottom and the right, as in MindSpore (and TensorFlow)."""
    pads = []
    for n, k, s, d in zip(size, kernel, stride, dilation):
        total = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
        pads += [total // 2, total - total // 2]
    return pads


def _image(x, op_name):
    check_tensor(x, op_name, "input")
    if x.ndim != 4:
        raise ValueError(f"{op_name}: input must be 4-d (N, C, H, W), got shape {tuple(x.shape)}")
    if x.dtype not in (float32, float64):
        raise TypeError(f"{op_name}: input must be float32 or float64, got {x.dtype}")


def im2col(x, kernel, stride, padding, dilation, pad_value=0.0):
    """The windows of x [N, C, H, W] as columns [N, C*kh*kw, OH*OW] (padding: top, bottom, left,
    right). Returns the columns and (OH, OW)."""
    attrs = {"kernel": list(kernel), "stride": list(stride), "padding": list(padding), "dilation": list(dilation)}
    if pad_value != 0:
        attrs["pad_value"] = float(pad_value)
    cols = apply("im2col", [x], attrs)
    h, w = x.shape[2:]
    ext = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    return cols, ((h + padding[0] + padding[1] - ext[0]) // stride[0] + 1,
                  (w + padding[2] + padding[3] - ext[1]) // stride[1] + 1)


@op
def conv2d(input, weight, bias=None, stride=1, pad_mode="valid", padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) of input (N, C, H, W) with weight (O, C/groups, kh, kw),
    plus bias (O,): MindSpore's ops.conv2d. pad_mode 'valid', 'same' or 'pad' (then padding is an
    int, (h, w) or (top, bottom, left, right)); padding 'valid'/'same' as mint's conv2d also works."""
    _image(input, "conv2d")
    check_tensor(weight, "conv2d", "weight")
    if isinstance(padding, str):
        pad_mode, padding = padding, 0
    if not isinstance(pad_mode, str) or pad_mode.lower() not in ("valid", "same", "pad"):
        raise ValueError(f"conv2d: pad_mode must be 'valid', 'same' or 'pad', got {pad_mode!r}")
    pad_mode = pad_mode.lower()
    pads = _padding(padding, "conv2d")
    if pad_mode != "pad" and any(pads):
        raise ValueError(f"conv2d: padding must be 0 when pad_mode is not 'pad', got padding={padding!r} "
                         f"with pad_mode={pad_mode!r}")
    stride = _ints(stride, 2, "conv2d", "stride", 1)
    dilation = _ints(dilation, 2, "conv2d", "dilation", 1)
    groups = _ints(groups, 1, "conv2d", "groups", 1)[0]
    if weight.ndim != 4:
        raise ValueError(f"conv2d: weight must be 4-d (out_channels, in_channels/groups, kh, kw), got shape "
                         f"{tuple(weight.shape)}")
    if weight.dtype is not input.dtype:
        raise TypeError(f"conv2d: weight's dtype {weight.dtype} differs from input's {input.dtype}")
    n, c = input.shape[:2]
    o, cg, kh, kw = weight.shape
    if c % groups or o % groups or cg * groups != c:
        raise ValueError(f"conv2d: input {tuple(input.shape)} and weight {tuple(weight.shape)} do not fit groups="
                         f"{groups}: in_channels {c} must be weight.shape[1] * groups = {cg * groups} and "
                         f"out_channels {o} divisible by groups")
    if pad_mode == "same":
        pads = same_padding(input.shape[2:], (kh, kw), stride, dilation)
    cols, (oh, ow) = im2col(input, (kh, kw), stride, pads, dilation)
    if groups == 1:
        y = matmul(reshape(weight, (o, cg * kh * kw)), cols)  # [N, O, OH*OW]
    else:  # channels of one group are contiguous rows of cols: one batched product over the groups
        y = matmul(reshape(weight, (groups, o // groups, cg * kh * kw)),
                   reshape(cols, (n, groups, cg * kh * kw, oh * ow)))
    y = reshape(y, (n, o, oh, ow))
    if bias is not None:
        check_tensor(bias, "conv2d", "bias")
        if tuple(bias.shape) != (o,):
            raise ValueError(f"conv2d: bias must have shape ({o},), got {tuple(bias.shape)}")
        y = y + reshape(bias, (1, o, 1, 1))
    return y


def _pool_args(op_name, input, kernel_size, stride, padding, dilation, ceil_mode):
    _image(input, op_name)
    if ceil_mode:
        raise NotImplementedError(f"{op_name}: ceil_mode=True is not supported yet")
    kernel = _ints(kernel_size, 2, op_name, "kernel_size", 1)
    stride = kernel if stride is None or stride == 0 else _ints(stride, 2, op_name, "stride", 1)
    dilation = _ints(dilation, 2, op_name, "dilation", 1)
    pads = _padding(padding, op_name)
    return kernel, stride, pads, dilation


def _pool(x, kernel, stride, pads, dilation, reduce, pad_value=0.0):
    n, c = x.shape[:2]
    cols, (oh, ow) = im2col(x, kernel, stride, pads, dilation, pad_value)
    return reshape(reduce(reshape(cols, (n, c, kernel[0] * kernel[1], oh * ow)), 2), (n, c, oh, ow))


def max_pool2d_padded(x, kernel, stride, pads, dilation):
    """The maximum over each window; padding counts as -inf (never the maximum). The gradient is
    reduce_max's: split evenly among tied maxima, where MindSpore's MaxPool gives it all to the
    first (the same gradient unless a window's maximum repeats). Doing as MindSpore with argmax and
    a mask made a LeNet-5 step 1.6x slower: argmax along the window axis is a strided walk."""
    return _pool(x, kernel, stride, pads, dilation, amax, -np.inf)


def avg_pool2d_padded(x, kernel, stride, pads, count_include_pad=True, divisor=None):
    """The mean over each window: over all its positions (count_include_pad), over those inside
    the image, or the sum over `divisor`."""
    if divisor:
        return _pool(x, kernel, stride, pads, (1, 1), _sum) / float(divisor)
    if count_include_pad or not any(pads):
        return _pool(x, kernel, stride, pads, (1, 1), mean)
    # per output position, how many of its window's positions lie inside the image (a constant)
    h, w = x.shape[2:]
    inside = [np.zeros(n + p0 + p1) for n, p0, p1 in ((h, pads[0], pads[1]), (w, pads[2], pads[3]))]
    inside[0][pads[0]:pads[0] + h] = 1
    inside[1][pads[2]:pads[2] + w] = 1
    counts = [np.convolve(v, np.ones(k), "valid")[::s] for v, k, s in zip(inside, kernel, stride)]
    count = Tensor(np.outer(counts[0], counts[1]).astype(x.dtype.np))
    return _pool(x, kernel, stride, pads, (1, 1), _sum) / count


@op
def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
    """The maximum over each kernel_size window of x (N, C, H, W); stride defaults to kernel_size,
    padding (int or (h, w), at most half the kernel) never wins the maximum."""
    kernel, stride, pads, dilation = _pool_args("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)
    if return_indices:
        raise NotImplementedError("max_pool2d: return_indices=True is not supported yet")
    if pads[0] > kernel[0] // 2 or pads[2] > kernel[1] // 2:
        raise ValueError(f"max_pool2d: padding {padding!r} must be at most half of kernel_size {kernel}")
    return max_pool2d_padded(x, kernel, stride, pads, dilation)


@op
def avg_pool2d(input_x, kernel_size=1, stride=1, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=0):
    """The mean over each kernel_size window of input_x (N, C, H, W); the padding's zeros count
    unless count_include_pad is False; divisor_override (non-zero) divides the sum instead."""
    kernel, stride, pads, _ = _pool_args("avg_pool2d", input_x, kernel_size, stride, padding, 1, ceil_mode)
    if pads[0] > kernel[0] // 2 or pads[2] > kernel[1] // 2:
        raise ValueError(f"avg_pool2d: padding {padding!r} must be at most half of kernel_size {kernel}")
    return avg_pool2d_padded(input_x, kernel, stride, pads, count_include_pad, divisor_override)


__all__ = ["conv2d", "max_pool2d", "avg_pool2d"]
