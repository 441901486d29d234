"""Convolution, pooling and 2-D batch normalisation layers with MindSpore 2.7.2's signatures,
defaults and reprs, over ops.conv2d / max_pool2d / avg_pool2d."""
import math

from .. import ops
from .._tensor import float32
from ..common.initializer import HeUniform, Uniform
from ..ops import _conv
from .cell import Cell
from .layers import BatchNorm1d, _init_param, _positive_int


def _pad_mode(pad_mode, cls, any_case):
    """Conv2d takes only lower case, as MindSpore's; the pooling layers either."""
    if not isinstance(pad_mode, str) or (pad_mode.lower() if any_case else pad_mode) not in ("same", "valid", "pad"):
        raise ValueError(f"{cls}: pad_mode must be 'same', 'valid' or 'pad', got {pad_mode!r}")
    return pad_mode.lower()


def _nchw(data_format, cls):
    if data_format != "NCHW":
        raise ValueError(f"{cls}: data_format must be 'NCHW' (the only layout graphgrad has), got {data_format!r}")


def _check_input(x, cls, channels=None):
    if x.ndim != 4 or (channels is not None and x.shape[1] != channels):
        want = "(N, C, H, W)" if channels is None else f"(N, {channels}, H, W)"
        raise ValueError(f"{cls}: input must be {want}, got shape {tuple(x.shape)}")


class Conv2d(Cell):
    """2-D convolution of (N, in_channels, H, W) inputs. As MindSpore: pad_mode 'same' by default
    (the odd padding row/column at the bottom/right), no bias by default, weight
    (out_channels, in_channels / group, kh, kw) HeUniform(sqrt(5)) and bias uniform in
    +-1/sqrt(fan_in)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, pad_mode="same", padding=0, dilation=1,
                 group=1, has_bias=False, weight_init=None, bias_init=None, data_format="NCHW", dtype=float32):
        super().__init__()
        self.in_channels = _positive_int(in_channels, "in_channels", "Conv2d")
        self.out_channels = _positive_int(out_channels, "out_channels", "Conv2d")
        self.kernel_size = _conv._ints(kernel_size, 2, "Conv2d", "kernel_size", 1)
        self.stride = _conv._ints(stride, 2, "Conv2d", "stride", 1)
        self.dilation = _conv._ints(dilation, 2, "Conv2d", "dilation", 1)
        self.pad_mode = _pad_mode(pad_mode, "Conv2d", False)
        if isinstance(padding, (tuple, list)) and len(padding) != 4:
            raise ValueError(f"Conv2d: padding must be an int or a tuple of 4 ints, got {padding!r}")
        pads = _conv._padding(padding, "Conv2d")
        if self.pad_mode != "pad" and any(pads):
            raise ValueError(f"Conv2d: padding must be 0 when pad_mode is not 'pad', got padding={padding!r} "
                             f"with pad_mode={pad_mode!r}")
        self.padding, self._pads = padding, pads
        self.group = _positive_int(group, "group", "Conv2d")
        if self.in_channels % self.group or self.out_channels % self.group:
            raise ValueError(f"Conv2d: in_channels {in_channels} and out_channels {out_channels} must be divisible "
                             f"by group {group}")
        if not isinstance(has_bias, bool):
            raise TypeError(f"Conv2d: has_bias must be a bool, got {type(has_bias).__name__}")
        _nchw(data_format, "Conv2d")
        self.has_bias, self.data_format = has_bias, data_format
        fan_in = self.in_channels // self.group * self.kernel_size[0] * self.kernel_size[1]
        self._weight_init = HeUniform(math.sqrt(5)) if weight_init is None else weight_init
        self.weight = _init_param(self._weight_init, (self.out_channels, self.in_channels // self.group)
                                  + self.kernel_size, dtype, "weight", "Conv2d", "weight_init")
        self._bias_init, self.bias = None, None
        if has_bias:
            self._bias_init = Uniform(scale=1 / math.sqrt(fan_in)) if bias_init is None else bias_init
            self.bias = _init_param(self._bias_init, (self.out_channels,), dtype, "bias", "Conv2d", "bias_init")

    def construct(self, x):
        _check_input(x, "Conv2d", self.in_channels)
        return ops.conv2d(x, self.weight, self.bias, self.stride, self.pad_mode,
                          self._pads if self.pad_mode == "pad" else 0, self.dilation, self.group)

    def extend_repr(self):
        return (f"input_channels={self.in_channels}, output_channels={self.out_channels}, kernel_size="
                f"{self.kernel_size}, stride={self.stride}, pad_mode={self.pad_mode}, padding={self.padding}, "
                f"dilation={self.dilation}, group={self.group}, has_bias={self.has_bias}, weight_init="
                f"{self._weight_init}, bias_init={self._bias_init}, format={self.data_format}")


class _Pool2d(Cell):
    def __init__(self, cls, kernel_size, stride, pad_mode, padding, ceil_mode, data_format):
        super().__init__()
        self._cls = cls
        self.kernel_size, self.stride = kernel_size, stride
        self._kernel = _conv._ints(kernel_size, 2, cls, "kernel_size", 1)
        self._stride = _conv._ints(stride, 2, cls, "stride", 1)
        self.pad_mode = _pad_mode(pad_mode, cls, True)
        pads = _conv._padding(padding, cls)
        if self.pad_mode != "pad" and any(pads):
            raise ValueError(f"{cls}: padding must be 0 when pad_mode is not 'pad', got {padding!r}")
        if pads[0] > self._kernel[0] // 2 or pads[2] > self._kernel[1] // 2:
            raise ValueError(f"{cls}: padding {padding!r} must be at most half of kernel_size {kernel_size!r}")
        if ceil_mode:
            raise NotImplementedError(f"{cls}: ceil_mode=True is not supported yet")
        _nchw(data_format, cls)
        self._pads = pads

    def _padding_for(self, x, dilation):
        if self.pad_mode == "same":
            return _conv.same_padding(x.shape[2:], self._kernel, self._stride, dilation)
        return self._pads

    def construct(self, x):
        if x.ndim not in (3, 4):
            raise ValueError(f"{self._cls}: input must be (N, C, H, W) or (C, H, W), got shape {tuple(x.shape)}")
        if x.ndim == 3:  # as MindSpore: one image without the batch dim
            return ops.squeeze(self._pool(ops.expand_dims(x, 0)), 0)
        return self._pool(x)

    def extend_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, pad_mode={self.pad_mode.upper()}"


class MaxPool2d(_Pool2d):
    """The maximum over each window of (N, C, H, W) or (C, H, W) inputs; padding never wins."""

    def __init__(self, kernel_size=1, stride=1, pad_mode="valid", padding=0, dilation=1, return_indices=False,
                 ceil_mode=False, data_format="NCHW"):
        super().__init__("MaxPool2d", kernel_size, stride, pad_mode, padding, ceil_mode, data_format)
        self._dilation = _conv._ints(dilation, 2, "MaxPool2d", "dilation", 1)
        if return_indices:
            raise NotImplementedError("MaxPool2d: return_indices=True is not supported yet")

    def _pool(self, x):
        pads = self._padding_for(x, self._dilation)
        return _conv.max_pool2d_padded(x, self._kernel, self._stride, pads, self._dilation)


class AvgPool2d(_Pool2d):
    """The mean over each window of (N, C, H, W) or (C, H, W) inputs. pad_mode 'same' averages over the
    positions inside the image (as MindSpore); 'pad' counts the padding's zeros unless
    count_include_pad is False; divisor_override divides the window's sum instead."""

    def __init__(self, kernel_size=1, stride=1, pad_mode="valid", padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None, data_format="NCHW"):
        super().__init__("AvgPool2d", kernel_size, stride, pad_mode, padding, ceil_mode, data_format)
        self.count_include_pad, self.divisor_override = bool(count_include_pad), divisor_override

    def _pool(self, x):
        pads = self._padding_for(x, (1, 1))
        include = self.count_include_pad and self.pad_mode != "same"
        return _conv.avg_pool2d_padded(x, self._kernel, self._stride, pads, include, self.divisor_override)


class BatchNorm2d(BatchNorm1d):
    """Batch normalisation of (N, C, H, W) inputs per channel: BatchNorm1d's statistics and
    moving-average updates over N, H and W."""

    def __init__(self, num_features, eps=1e-5, momentum=0.9, affine=True, gamma_init="ones", beta_init="zeros",
                 moving_mean_init="zeros", moving_var_init="ones", use_batch_statistics=None, data_format="NCHW",
                 dtype=float32):
        _positive_int(num_features, "num_features", "BatchNorm2d")
        if not 0 <= momentum <= 1:
            raise ValueError(f"BatchNorm2d: momentum must be in [0, 1], got {momentum!r}")
        _nchw(data_format, "BatchNorm2d")
        super().__init__(num_features, eps, momentum, affine, gamma_init, beta_init, moving_mean_init,
                         moving_var_init, use_batch_statistics, data_format, dtype)

    def construct(self, x):
        _check_input(x, "BatchNorm2d", self.num_features)
        n, c, h, w = x.shape
        return ops.reshape(super().construct(ops.reshape(x, (n, c, h * w))), (n, c, h, w))

    def extend_repr(self):
        return (f"num_features={self.num_features}, eps={self.eps}, momentum={self.momentum}, gamma={self.gamma!r}, "
                f"beta={self.beta!r}, moving_mean={self.moving_mean!r}, moving_variance={self.moving_variance!r}")


__all__ = ["Conv2d", "MaxPool2d", "AvgPool2d", "BatchNorm2d"]
