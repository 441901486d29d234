"""Convolution and pooling: ops.conv2d / max_pool2d / avg_pool2d against float64 numpy loops,
nn.Conv2d / MaxPool2d / AvgPool2d / BatchNorm2d against numbers MindSpore 2.7.2 printed for the
same inputs, gradients (first and second order) against central differences, jit against eager,
a LeNet-5-like network trained in a compiled TrainOneStepCell, and the errors for bad input."""
import math

import numpy as np
import pytest

import graphgrad as ms
from graphgrad import Tensor, nn, ops
from graphgrad._trace import apply
from helpers import check_grads, numeric_grad, tensors


def X(*s):  # the inputs the MindSpore constants below were computed from
    return np.sin(np.arange(np.prod(s)) * 0.37 + 0.1).reshape(s).astype(np.float32)


def W(*s):
    return (0.5 * np.cos(np.arange(np.prod(s)) * 0.53)).reshape(s).astype(np.float32)


# --- numpy references (loops over output positions, float64)


def np_windows(x, k, s, pads, d, fill=0.0):
    """[N, C, OH, OW, kh, kw]: the window of each output position."""
    kh, kw = k
    xp = np.pad(np.asarray(x, np.float64), ((0, 0), (0, 0), (pads[0], pads[1]), (pads[2], pads[3])),
                constant_values=fill)
    oh = (xp.shape[2] - (kh - 1) * d[0] - 1) // s[0] + 1
    ow = (xp.shape[3] - (kw - 1) * d[1] - 1) // s[1] + 1
    out = np.empty(x.shape[:2] + (oh, ow, kh, kw))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = xp[:, :, i * s[0]:i * s[0] + (kh - 1) * d[0] + 1:d[0],
                                 j * s[1]:j * s[1] + (kw - 1) * d[1] + 1:d[1]]
    return out


def np_conv(x, w, b=None, s=(1, 1), pads=(0, 0, 0, 0), d=(1, 1), groups=1):
    win = np_windows(x, w.shape[2:], s, pads, d)
    n, c, oh, ow = win.shape[:4]
    o, cg = w.shape[:2]
    og = o // groups
    y = np.concatenate([np.einsum("ncijhw,ochw->noij", win[:, g * cg:(g + 1) * cg], w[g * og:(g + 1) * og])
                        for g in range(groups)], axis=1)
    return y if b is None else y + np.asarray(b).reshape(1, -1, 1, 1)


CONV_CASES = [  # (x shape, w shape, kwargs for ops.conv2d, reference's stride, pads, dilation, groups)
    ((2, 3, 7, 6), (4, 3, 3, 3), {}, (1, 1), (0, 0, 0, 0), (1, 1), 1),
    ((2, 3, 7, 6), (4, 3, 3, 2), dict(stride=(2, 1)), (2, 1), (0, 0, 0, 0), (1, 1), 1),
    ((1, 2, 6, 7), (3, 2, 3, 3), dict(pad_mode="pad", padding=(1, 2, 0, 1)), (1, 1), (1, 2, 0, 1), (1, 1), 1),
    ((1, 2, 8, 8), (3, 2, 3, 3), dict(dilation=2, stride=2, pad_mode="pad", padding=1), (2, 2), (1, 1, 1, 1),
     (2, 2), 1),
    ((2, 4, 5, 5), (6, 2, 3, 3), dict(groups=2, pad_mode="pad", padding=(1, 1)), (1, 1), (1, 1, 1, 1), (1, 1), 2),
    ((1, 4, 5, 6), (4, 1, 2, 2), dict(groups=4), (1, 1), (0, 0, 0, 0), (1, 1), 4),  # depthwise
    ((1, 2, 6, 5), (2, 2, 4, 4), dict(pad_mode="same"), (1, 1), (1, 2, 1, 2), (1, 1), 1),  # odd split: more at the end
    ((1, 2, 7, 7), (2, 2, 3, 3), dict(padding="same", stride=2), (2, 2), (1, 1, 1, 1), (1, 1), 1),  # mint's form
]


@pytest.mark.parametrize("dtype", [ms.float32, ms.float64])
@pytest.mark.parametrize("case", range(len(CONV_CASES)))
def test_conv2d_matches_numpy(case, dtype):
    xs, ws, kw, s, pads, d, g = CONV_CASES[case]
    rng = np.random.default_rng(case)
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    y = ops.conv2d(Tensor(x, dtype), Tensor(w, dtype), Tensor(b, dtype), **kw)
    assert y.dtype is dtype
    tol = 1e-5 if dtype is ms.float32 else 1e-12
    np.testing.assert_allclose(y.asnumpy(), np_conv(x, w, b, s, pads, d, g), rtol=tol, atol=tol)


@pytest.mark.parametrize("args, ref", [
    (dict(kernel_size=2), dict(k=(2, 2), s=(2, 2), pads=(0, 0, 0, 0), d=(1, 1))),
    (dict(kernel_size=3, stride=2, padding=1), dict(k=(3, 3), s=(2, 2), pads=(1, 1, 1, 1), d=(1, 1))),
    (dict(kernel_size=(3, 2), stride=1, dilation=(1, 2)), dict(k=(3, 2), s=(1, 1), pads=(0, 0, 0, 0), d=(1, 2))),
])
def test_max_pool2d_matches_numpy(args, ref):
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 8))
    y = ops.max_pool2d(Tensor(x), **args)
    np.testing.assert_array_equal(y.asnumpy(), np_windows(x, fill=-np.inf, **ref).max(axis=(4, 5)))


def test_avg_pool2d_matches_numpy():
    x = np.random.default_rng(1).standard_normal((2, 3, 7, 8))
    win = np_windows(x, (3, 3), (2, 2), (1, 1, 1, 1), (1, 1))
    np.testing.assert_allclose(ops.avg_pool2d(Tensor(x), 3, 2, 1).asnumpy(), win.mean(axis=(4, 5)), rtol=1e-12)
    inside = np_windows(np.ones_like(x), (3, 3), (2, 2), (1, 1, 1, 1), (1, 1)).sum(axis=(4, 5))
    np.testing.assert_allclose(ops.avg_pool2d(Tensor(x), 3, 2, 1, count_include_pad=False).asnumpy(),
                               win.sum(axis=(4, 5)) / inside, rtol=1e-12)
    np.testing.assert_allclose(ops.avg_pool2d(Tensor(x), 3, 2, 1, divisor_override=4).asnumpy(),
                               win.sum(axis=(4, 5)) / 4, rtol=1e-12)


# --- the nn layers against MindSpore 2.7.2 (its outputs for X / W inputs, printed to 6 decimals)

MS_CONV_SAME_S2 = [  # Conv2d(2, 3, 3, stride=2, has_bias=True): pad_mode 'same' by default
    [[-0.56397, 2.553056, 3.01648], [-0.880782, -3.938962, -2.647582], [1.447595, 3.0373, 1.431647]],
    [[0.779392, -2.23054, -3.051291], [0.463491, 3.615274, 2.664476], [-1.375891, -3.123847, -1.692858]],
    [[-0.981825, 1.881098, 3.048289], [-0.0374, -3.240991, -2.643382], [1.288593, 3.171618, 1.934271]]]
MS_CONV_PAD_DIL_ROW0 = [  # Conv2d(2, 3, (3, 2), stride=(1, 2), pad_mode='pad', padding=(1, 2, 0, 1), dilation=(2, 1))
    [-0.278144, -0.956125, -0.636195], [-0.311834, -0.95768, -0.636295], [-0.343685, -0.953587, -0.632642]]
MS_CONV_GROUP = [  # Conv2d(4, 2, 3, group=2, pad_mode='valid') on X(1, 4, 5, 5)
    [[-1.059898, -0.362084, 0.384738], [1.956417, 2.01991, 1.810018], [-0.018441, -0.751251, -1.382384]],
    [[1.741897, 1.299321, 0.680888], [-1.343185, -1.76831, -1.954101], [-1.001559, -0.324663, 0.396174]]]
MS_MAXPOOL_SAME = [  # MaxPool2d(3, 2, pad_mode='same')
    [[0.92896, 0.935616, 0.999958], [0.999872, 0.999872, 0.749174], [0.999872, 0.999872, 0.727573]],
    [[0.753671, 0.999739, 0.999739], [0.722881, 0.758132, 0.942637], [0.999561, 0.921198, 0.942637]]]
MS_AVGPOOL_SAME = [  # AvgPool2d(3, 2, pad_mode='same'): the mean over the window's positions inside the image
    [[0.124262, 0.062343, -0.015179], [-0.063723, 0.01523, 0.090372], [0.430407, 0.147616, -0.172117]],
    [[0.09116, 0.134334, 0.143889], [-0.13845, -0.139682, -0.105955], [0.448484, 0.567762, 0.544949]]]
MS_AVGPOOL_PAD = [  # AvgPool2d(3, 2, pad_mode='pad', padding=1): the padding's zeros count
    [[0.24599, 0.37592, 0.192517], [-0.073224, -0.14074, -0.090947], [0.096639, 0.132345, 0.05774]],
    [[-0.066668, 0.112718, 0.198153], [0.057198, 0.009702, -0.045882], [-0.006324, 0.067288, 0.084815]]]
MS_BN_TRAIN = [  # BatchNorm2d(2) in training on X(1, 2, 6, 5) * 2 + 1: out[:, :, :2, :]
    [[0.016177, 0.52097, 0.938122, 1.211173, 1.303168], [1.201656, 0.920375, 0.497397, -0.010033, -0.533234]],
    [[-1.537566, -1.337018, -0.973325, -0.495713, 0.031176], [0.536032, 0.950522, 1.218549, 1.303837, 1.194841]]]
MS_BN_MEAN, MS_BN_VAR = [0.117704, 0.118334], [1.102411, 1.100711]
MS_BN_EVAL = [  # then in eval mode on X(1, 2, 6, 5): out[:, :, :2, :]
    [[-0.01702, 0.319233, 0.597106, 0.778992, 0.840272], [0.772652, 0.585285, 0.30353, -0.034479, -0.382994]],
    [[-1.046094, -0.912964, -0.671535, -0.354482, -0.004718], [0.33042, 0.605571, 0.783495, 0.840111, 0.767757]]]


def close(got, want):
    np.testing.assert_allclose(np.asarray(got.asnumpy() if isinstance(got, Tensor) else got),
                               np.asarray(want, np.float32), rtol=0, atol=3e-6)


def test_nn_layers_match_mindspore():
    x = Tensor(X(1, 2, 6, 5))
    conv = nn.Conv2d(2, 3, 3, stride=2, has_bias=True, weight_init=Tensor(W(3, 2, 3, 3)),
                     bias_init=Tensor(np.array([0.1, -0.2, 0.3], np.float32)))
    close(conv(x)[0], MS_CONV_SAME_S2)
    conv = nn.Conv2d(2, 3, (3, 2), stride=(1, 2), pad_mode="pad", padding=(1, 2, 0, 1), dilation=(2, 1),
                     weight_init=Tensor(W(3, 2, 3, 2)))
    y = conv(x)
    assert y.shape == (1, 3, 5, 3)
    close(y[0, :, 0], MS_CONV_PAD_DIL_ROW0)
    close(nn.Conv2d(4, 2, 3, group=2, pad_mode="valid", weight_init=Tensor(W(2, 2, 3, 3)))(Tensor(X(1, 4, 5, 5)))[0],
          MS_CONV_GROUP)
    close(nn.MaxPool2d(3, 2, pad_mode="same")(x)[0], MS_MAXPOOL_SAME)
    close(nn.AvgPool2d(3, 2, pad_mode="same")(x)[0], MS_AVGPOOL_SAME)
    close(nn.AvgPool2d(3, 2, pad_mode="pad", padding=1)(x)[0], MS_AVGPOOL_PAD)
    close(nn.MaxPool2d(3, 2, pad_mode="SAME")(x[0]), MS_MAXPOOL_SAME)  # (C, H, W) in, (C, H', W') out, as MindSpore
    bn = nn.BatchNorm2d(2)
    bn.set_train(True)
    close(bn(Tensor(X(1, 2, 6, 5) * 2 + 1))[0, :, :2], MS_BN_TRAIN)
    close(bn.moving_mean, MS_BN_MEAN)
    close(bn.moving_variance, MS_BN_VAR)
    bn.set_train(False)
    close(bn(x)[0, :, :2], MS_BN_EVAL)


def test_same_padding_shapes_match_mindspore():
    # MindSpore 2.7.2's output sizes for Conv2d / MaxPool2d / AvgPool2d with pad_mode 'same' and
    # Conv2d 'valid', kernel k and stride s, on 7x7 and 8x8 inputs
    want = {(3, 1): (7, 8, 5, 6), (3, 2): (4, 4, 3, 3), (4, 2): (4, 4, 2, 3), (2, 3): (3, 3, 2, 3),
            (5, 1): (7, 8, 3, 4), (1, 2): (4, 4, 4, 4)}
    for (k, s), (same7, same8, valid7, valid8) in want.items():
        for h, same, valid in ((7, same7, valid7), (8, same8, valid8)):
            x = ops.zeros((1, 1, h, h))
            for layer in (nn.Conv2d(1, 1, k, stride=s), nn.MaxPool2d(k, s, pad_mode="same"),
                          nn.AvgPool2d(k, s, pad_mode="same")):
                assert layer(x).shape == (1, 1, same, same), (layer, h)
            assert nn.Conv2d(1, 1, k, stride=s, pad_mode="valid")(x).shape == (1, 1, valid, valid)


def test_defaults_and_reprs_match_mindspore():
    conv = nn.Conv2d(64, 8, 3)
    assert [p.name for p in conv.trainable_params()] == ["weight"]  # has_bias=False by default
    assert conv.weight.shape == (8, 64, 3, 3)
    bound = 1 / math.sqrt(64 * 9)  # HeUniform(sqrt(5)): MindSpore's weights lie in +-0.041666 here
    w = conv.weight.asnumpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    ms.set_seed(7)  # (256 biases, seeded: 8 unseeded ones fell below the spread check once in CI)
    b = nn.Conv2d(64, 256, 3, has_bias=True).bias.asnumpy()
    assert np.abs(b).max() <= bound and b.std() > 0.45 * bound  # uniform: std = bound / sqrt(3) = 0.577 bound
    assert repr(nn.Conv2d(3, 8, 5)).startswith(
        "Conv2d(input_channels=3, output_channels=8, kernel_size=(5, 5), stride=(1, 1), pad_mode=same, padding=0, "
        "dilation=(1, 1), group=1, has_bias=False, weight_init=")
    assert repr(nn.Conv2d(3, 8, (3, 2), 2, "pad", (1, 2, 0, 1), 2, has_bias=True)).startswith(
        "Conv2d(input_channels=3, output_channels=8, kernel_size=(3, 2), stride=(2, 2), pad_mode=pad, "
        "padding=(1, 2, 0, 1), dilation=(2, 2), group=1, has_bias=True, weight_init=")
    assert repr(nn.MaxPool2d(2, 2)) == "MaxPool2d(kernel_size=2, stride=2, pad_mode=VALID)"
    assert repr(nn.AvgPool2d(3, 2, pad_mode="pad", padding=1)) == "AvgPool2d(kernel_size=3, stride=2, pad_mode=PAD)"
    assert repr(nn.BatchNorm2d(4)) == (
        "BatchNorm2d(num_features=4, eps=1e-05, momentum=0.9, gamma=Parameter (name=gamma, shape=(4,), "
        "dtype=Float32, requires_grad=True), beta=Parameter (name=beta, shape=(4,), dtype=Float32, "
        "requires_grad=True), moving_mean=Parameter (name=mean, shape=(4,), dtype=Float32, requires_grad=False), "
        "moving_variance=Parameter (name=variance, shape=(4,), dtype=Float32, requires_grad=False))")
    bn = nn.BatchNorm2d(4)
    assert [p.name for p in bn.trainable_params()] == ["gamma", "beta"]


# --- gradients


def test_conv2d_gradients_match_finite_differences():
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 4, 5, 6)), rng.standard_normal((6, 2, 3, 2)), rng.standard_normal(6)
    r = Tensor(rng.standard_normal((2, 6, 3, 3)))  # a random cotangent: sum(y) alone would hide errors

    def fn(x, w, b):
        return ops.conv2d(x, w, b, stride=(2, 3), pad_mode="pad", padding=(1, 2, 2, 1), dilation=(1, 2),
                          groups=2) * r

    check_grads(fn, [x, w, b])


@pytest.mark.parametrize("pool", ["max", "avg", "avg_exclude"])
def test_pool_gradients_match_finite_differences(pool):
    x = np.random.default_rng(4).standard_normal((1, 2, 6, 5))
    r = Tensor(np.random.default_rng(5).standard_normal((1, 2, 3, 3)))

    def fn(x):
        if pool == "max":
            return ops.max_pool2d(x, 3, 2, 1) * r
        return ops.avg_pool2d(x, 3, 2, 1, count_include_pad=pool == "avg") * r

    check_grads(fn, [x])


def test_second_order_through_im2col_and_col2im():
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))

    def first(x, w):  # |d/dx sum(conv(x, w)^2)|^2: its gradient runs through col2im's vjp (im2col)
        gx = ms.grad(lambda x, w: ops.sum(ops.square(ops.conv2d(x, w, stride=2, pad_mode="pad", padding=1))))(x, w)
        return ops.sum(ops.square(gx))

    gx, gw = ms.grad(first, (0, 1))(*tensors(x, w))
    np.testing.assert_allclose(gx.asnumpy(), numeric_grad(first, [x, w], 0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gw.asnumpy(), numeric_grad(first, [x, w], 1), rtol=1e-5, atol=1e-6)


def test_im2col_and_col2im_are_adjoint():
    rng = np.random.default_rng(7)
    attrs = {"kernel": [3, 2], "stride": [2, 1], "padding": [1, 0, 2, 1], "dilation": [1, 2]}
    x = Tensor(rng.standard_normal((2, 3, 6, 7)))
    cols = apply("im2col", [x], attrs)
    assert cols.shape == (2, 18, 3 * 8)
    c = Tensor(rng.standard_normal(cols.shape))
    back = apply("col2im", [c], dict(attrs, shape=[2, 3, 6, 7]))
    np.testing.assert_allclose((cols.asnumpy() * c.asnumpy()).sum(), (x.asnumpy() * back.asnumpy()).sum(),
                               rtol=1e-12)


def test_jit_equals_eager():
    rng = np.random.default_rng(8)
    x = Tensor(rng.standard_normal((2, 3, 9, 9)).astype(np.float32))
    w = Tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32))

    def fn(x, w):
        y = ops.relu(ops.conv2d(x, w, pad_mode="same"))
        return ops.avg_pool2d(ops.max_pool2d(y, 2), 2, 2) * 2, ms.grad(lambda x, w: ops.sum(ops.conv2d(x, w)), 1)(x, w)

    eager, jitted = fn(x, w), ms.jit(fn)(x, w)
    for e, j in zip(eager, jitted):
        np.testing.assert_allclose(j.asnumpy(), e.asnumpy(), rtol=1e-6, atol=1e-6)


class LeNet5(nn.Cell):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, pad_mode="valid")
        self.conv2 = nn.Conv2d(6, 16, 5, pad_mode="valid")
        self.bn = nn.BatchNorm2d(6)
        self.relu, self.pool, self.flatten = nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten()
        self.fc1, self.fc2, self.fc3 = nn.Dense(16 * 5 * 5, 120), nn.Dense(120, 84), nn.Dense(84, 10)

    def construct(self, x):
        x = self.pool(self.relu(self.bn(self.conv1(x))))
        x = self.flatten(self.pool(self.relu(self.conv2(x))))
        return self.fc3(self.relu(self.fc2(self.relu(self.fc1(x)))))


def test_lenet_trains_in_a_compiled_step():
    ms.set_seed(0)
    rng = np.random.default_rng(9)
    x = Tensor(rng.standard_normal((16, 1, 32, 32)).astype(np.float32))
    y = Tensor(rng.integers(0, 10, 16).astype(np.int32))
    net = LeNet5()
    opt = nn.Momentum(net.trainable_params(), 0.05, 0.9)
    step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.CrossEntropyLoss()), opt)
    step.set_train()
    mean0 = net.bn.moving_mean.asnumpy().copy()
    losses = [float(step(x, y).asnumpy()) for _ in range(20)]
    assert losses[-1] < 0.5 * losses[0], losses
    assert not np.allclose(net.bn.moving_mean.asnumpy(), mean0)  # the running stats moved in the compiled step


# --- bad input


def test_bad_input_raises_clear_errors():
    x, w = ops.ones((1, 2, 4, 4)), ops.ones((3, 2, 5, 5))
    with pytest.raises(ms.ShapeError, match=r"im2col: the window \[5,5\].*larger than the padded image \[4,4\]"):
        ops.conv2d(x, w)
    with pytest.raises(ValueError, match="groups=2"):
        ops.conv2d(x, ops.ones((3, 1, 3, 3)), groups=2)
    with pytest.raises(ValueError, match="4-d"):
        ops.conv2d(ops.ones((2, 4, 4)), w)
    with pytest.raises(TypeError, match="float32 or float64"):
        ops.conv2d(ops.ones((1, 2, 4, 4), ms.int32), w)
    with pytest.raises(ValueError, match="padding must be 0 when pad_mode"):
        ops.conv2d(x, ops.ones((3, 2, 3, 3)), padding=1)
    with pytest.raises(ValueError, match="stride must be >= 1"):
        ops.conv2d(x, ops.ones((3, 2, 3, 3)), stride=0)
    with pytest.raises(ValueError, match=r"bias must have shape \(3,\)"):
        ops.conv2d(x, ops.ones((3, 2, 3, 3)), ops.ones(2))
    with pytest.raises(ValueError, match=r"Conv2d: input must be \(N, 3, H, W\)"):
        nn.Conv2d(3, 4, 3)(x)
    for mode in ("full", "SAME"):  # MindSpore's Conv2d takes lower case only
        with pytest.raises(ValueError, match="pad_mode"):
            nn.Conv2d(3, 4, 3, pad_mode=mode)
    with pytest.raises(ValueError, match=r"MaxPool2d: input must be \(N, C, H, W\) or \(C, H, W\)"):
        nn.MaxPool2d(2)(ops.ones((4, 4)))
    with pytest.raises(ValueError, match="divisible by group"):
        nn.Conv2d(3, 4, 3, group=2)
    with pytest.raises(ValueError, match="at most half"):
        ops.max_pool2d(x, 2, padding=2)
    with pytest.raises(ms.ShapeError, match=r"col2im: columns f64\[1,4,4\] are not what im2col gives"):
        apply("col2im", [Tensor(np.ones((1, 4, 4)))],
              {"kernel": [2, 2], "stride": [1, 1], "padding": [0, 0, 0, 0], "dilation": [1, 1], "shape": [1, 1, 4, 4]})
    with pytest.raises(ms.ShapeError, match=r"im2col: kernel \[0,2\]"):
        apply("im2col", [x], {"kernel": [0, 2], "stride": [1, 1], "padding": [0, 0, 0, 0], "dilation": [1, 1]})
    with pytest.raises(ms.ShapeError, match=r"im2col: the window"):  # while tracing too, at the node's addition
        ms.jit(lambda x: ops.max_pool2d(x, 5))(x)


def test_bit_identical_for_any_thread_count():
    rng = np.random.default_rng(10)  # big enough that im2col and col2im split their planes over the pool
    x = Tensor(rng.standard_normal((8, 6, 16, 16)).astype(np.float32))
    w = Tensor(rng.standard_normal((8, 6, 3, 3)).astype(np.float32))

    def loss(x, w):
        return ops.sum(ops.square(ops.max_pool2d(ops.conv2d(x, w, pad_mode="same"), 2)))

    before = ms.get_num_threads()
    try:
        results = []
        for n in (1, 2, 3):
            ms.set_num_threads(n)
            results.append([g.asnumpy() for g in ms.grad(loss, (0, 1))(x, w)])
    finally:
        ms.set_num_threads(before)
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)
