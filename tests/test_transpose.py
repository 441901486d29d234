"""ops.transpose and Tensor.T: values, gradients, errors, and the passes that fold a transpose
into a matmul's flags instead of copying."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Tensor, ops
from helpers import check_grads


@pytest.mark.parametrize("shape,perm", [((2, 3), (1, 0)), ((2, 3, 4), (2, 0, 1)), ((2, 3, 4), (0, 2, 1)),
                                        ((5,), (0,)), ((1, 4, 1, 3), (3, 1, 0, 2)), ((33, 17), (1, 0))])
def test_transpose_values(shape, perm):
    a = np.random.default_rng(0).standard_normal(shape)
    np.testing.assert_array_equal(ops.transpose(Tensor(a), perm).asnumpy(), np.transpose(a, perm))
    np.testing.assert_array_equal(gg.jit(lambda t: ops.transpose(t, perm))(Tensor(a)).asnumpy(),
                                  np.transpose(a, perm))


def test_T_reverses_axes():
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(Tensor(a).T.asnumpy(), a.T)


@pytest.mark.parametrize("perm", [(1, 0, 2), (2, 1, 0), (1, 2, 0)])
def test_transpose_gradient(perm):
    r = np.random.default_rng(1)
    x = r.standard_normal((2, 3, 4))
    y = r.uniform(0, 1, np.transpose(x, perm).shape)
    check_grads(lambda x, y: ops.binary_cross_entropy_with_logits(ops.transpose(x, perm), y, reduction="sum"),
                [x, y])


@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_matmul_of_transposes_gradient_and_no_copies(ta, tb):
    r = np.random.default_rng(2)
    a = r.standard_normal((4, 3) if ta else (3, 4))
    b = r.standard_normal((5, 4) if tb else (4, 5))

    def f(a, b):
        return ops.matmul(a.T if ta else a, b.T if tb else b)

    check_grads(f, [a, b])
    final = str(gg.grad(f, (0, 1)).stages(Tensor(a), Tensor(b))[-1][1])
    assert "= transpose(" not in final  # folded into matmul flags, no transposed copies


def test_transpose_of_a_matmul_becomes_one_matmul():
    r = np.random.default_rng(3)
    a, b = Tensor(r.standard_normal((3, 4))), Tensor(r.standard_normal((4, 5)))
    f = gg.jit(lambda a, b: ops.matmul(a, b).T)
    np.testing.assert_allclose(f(a, b).asnumpy(), (a.asnumpy() @ b.asnumpy()).T, rtol=1e-12)
    assert f.stages(a, b)[-1][1].kernel_count == 1


def test_transpose_errors_name_the_op():
    t = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="permutation of 0..1"):
        ops.transpose(t, (0, 0))
    with pytest.raises(ValueError, match="permutation"):
        ops.transpose(t, (0, 1, 2))
    with pytest.raises(TypeError, match="tuple of ints"):
        ops.transpose(t, "10")
