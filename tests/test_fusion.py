"""fuse_relu: relu(matmul) and relu_grad(mask, matmul) become one matmul with the epilogue doing
the rest. Each fused form must give the same bits as the ops it replaces: checked op by op
(every kernel path: direct, blocked, edges, batched; NaN, -0 and zeros in the data) and on whole
graphs (the dump shows the fusion; the results equal the plan of the graph before fuse_relu)."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Tensor, _core, ops
from graphgrad._trace import apply


def bits(t):
    a = t.asnumpy()
    return a.view(np.uint32 if a.dtype == np.float32 else np.uint64)


def awkward(rng, shape, dtype):
    """Random values with exact zeros, negative zeros and NaNs mixed in."""
    x = rng.standard_normal(shape)
    flat = x.reshape(-1)
    flat[::7] = 0.0
    flat[3::11] = -0.0
    flat[5::13] = np.nan
    return Tensor(x.astype(dtype))


# (m, n, k): the direct path (tiny, matrix-vector), the blocked path with edge tiles, several K
# blocks, the training shapes.
SHAPES = [(1, 3, 5), (4, 4, 4), (1, 64, 40), (50, 1, 30), (16, 16, 16), (37, 45, 300), (64, 512, 784),
          (64, 10, 512), (512, 10, 64)]


def operands(rng, m, n, k, ta, tb, dtype):
    a = Tensor(rng.standard_normal((k, m) if ta else (m, k)).astype(dtype))
    b = Tensor(rng.standard_normal((n, k) if tb else (k, n)).astype(dtype))
    flags = {**({"trans_a": 1} if ta else {}), **({"trans_b": 1} if tb else {})}
    return a, b, flags


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ta,tb", [(0, 0), (1, 0), (0, 1)])
@pytest.mark.parametrize("m,n,k", SHAPES)
def test_epilogue_relu_is_relu_bit_for_bit(m, n, k, ta, tb, dtype):
    rng = np.random.default_rng(m * 1000 + n + k)
    a, b, flags = operands(rng, m, n, k, ta, tb, dtype)
    if not ta:  # a NaN in a gives a row of NaN products, which relu turns into zeros
        a = Tensor(np.where(np.arange(m * k).reshape(m, k) == 0, np.nan, a.asnumpy()).astype(dtype))
    want = apply("relu", [apply("matmul", [a, b], flags)])
    got = apply("matmul", [a, b], {**flags, "relu": 1})
    np.testing.assert_array_equal(bits(got), bits(want))
    bias = awkward(rng, (n,), dtype)
    want = apply("relu", [apply("add", [apply("matmul", [a, b], flags), bias])])
    got = apply("matmul", [a, b, bias], {**flags, "has_bias": 1, "relu": 1})
    np.testing.assert_array_equal(bits(got), bits(want))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ta,tb", [(0, 0), (1, 0), (0, 1)])
@pytest.mark.parametrize("m,n,k", SHAPES)
def test_epilogue_mask_is_relu_grad_bit_for_bit(m, n, k, ta, tb, dtype):
    rng = np.random.default_rng(m * 1000 + n + k + 1)
    a, b, flags = operands(rng, m, n, k, ta, tb, dtype)
    mask = awkward(rng, (m, n), dtype)
    want = apply("relu_grad", [mask, apply("matmul", [a, b], flags)])
    got = apply("matmul", [a, b, mask], {**flags, "has_mask": 1})
    np.testing.assert_array_equal(bits(got), bits(want))
    bias = awkward(rng, (n,), dtype)
    want = apply("relu_grad", [mask, apply("add", [apply("matmul", [a, b], flags), bias])])
    got = apply("matmul", [a, b, bias, mask], {**flags, "has_bias": 1, "has_mask": 1})
    np.testing.assert_array_equal(bits(got), bits(want))


def test_batched_mask_and_relu():
    rng = np.random.default_rng(3)
    a, b = Tensor(rng.standard_normal((3, 5, 7))), Tensor(rng.standard_normal((7, 4)))
    mask = awkward(rng, (3, 5, 4), np.float64)
    np.testing.assert_array_equal(bits(apply("matmul", [a, b, mask], {"has_mask": 1})),
                                  bits(apply("relu_grad", [mask, apply("matmul", [a, b])])))
    np.testing.assert_array_equal(bits(apply("matmul", [a, b], {"relu": 1})),
                                  bits(apply("relu", [apply("matmul", [a, b])])))


def test_mask_must_have_the_result_type():
    a, b = Tensor(np.ones((2, 3), np.float32)), Tensor(np.ones((3, 4), np.float32))
    with pytest.raises(ValueError, match="mask"):
        apply("matmul", [a, b, Tensor(np.ones((2, 3), np.float32))], {"has_mask": 1})


def mlp_step(x, w1, b1, w2):
    h = ops.relu(ops.matmul(x, w1) + b1)
    return ops.sum(ops.matmul(h, w2) ** 2)


def mlp_args(dtype=np.float32):
    rng = np.random.default_rng(0)
    return [Tensor(rng.standard_normal(s).astype(dtype)) for s in ((64, 784), (784, 512), (512,), (512, 10))]


def unfused(fn, args, n_out):
    """fn's results from the plan of the graph before fuse_relu."""
    before = dict(fn.stages(*args))["fuse_update"]
    run = _core.Compiled(_core.Plan(before), list(range(len(args))), [], tuple(range(n_out)))
    return run(tuple(args))


def test_training_step_fuses_both_relus_and_keeps_the_bits():
    args = mlp_args()
    fn = gg.value_and_grad(mlp_step, (1, 2, 3))
    final = str(dict(fn.stages(*args))["dce"])
    assert "relu=1" in final and "has_mask=1" in final, final
    assert "relu(" not in final and "relu_grad(" not in final, final
    loss, grads = fn(*args)
    for got, want in zip([loss, *grads], unfused(fn, args, 4)):
        np.testing.assert_array_equal(bits(got), bits(want))


@pytest.mark.parametrize("threads", [1, 2])
def test_fused_step_is_the_same_on_any_thread_count(threads):
    args = mlp_args(np.float64)
    fn = gg.value_and_grad(mlp_step, (1, 2, 3))
    old = gg.get_num_threads()
    try:
        gg.set_num_threads(1)
        one = [bits(t) for t in [fn(*args)[0], *fn(*args)[1]]]
        gg.set_num_threads(threads)
        now = [bits(t) for t in [fn(*args)[0], *fn(*args)[1]]]
    finally:
        gg.set_num_threads(old)
    for a, b in zip(one, now):
        np.testing.assert_array_equal(a, b)


def test_forward_relu_layer_matches_eager():
    rng = np.random.default_rng(1)
    x, w, b = (awkward(rng, s, np.float32) for s in ((33, 70), (70, 20), (20,)))
    layer = lambda x, w, b: ops.relu(ops.matmul(x, w) + b)  # noqa: E731
    jitted = gg.jit(layer)
    assert "has_bias=1, relu=1" in str(dict(jitted.stages(x, w, b))["dce"])
    np.testing.assert_array_equal(bits(jitted(x, w, b)), bits(layer(x, w, b)))


def test_not_fused_when_the_product_is_read_elsewhere():
    rng = np.random.default_rng(2)
    x, w = Tensor(rng.standard_normal((8, 5))), Tensor(rng.standard_normal((5, 6)))
    both = gg.jit(lambda x, w: (ops.matmul(x, w), ops.relu(ops.matmul(x, w))))
    final = str(dict(both.stages(x, w))["dce"])
    assert "relu(" in final and "relu=1" not in final, final
    z, h = both(x, w)
    np.testing.assert_array_equal(h.asnumpy(), np.maximum(z.asnumpy(), 0))
