"""The tutorial's `function`, kept in its own file so the golden dumps' source lines are stable."""
import numpy as np

import graphgrad as mindspore
from graphgrad import Parameter, Tensor, ops


def function(x, y, w, b):
    z = ops.matmul(x, w) + b
    loss = ops.binary_cross_entropy_with_logits(z, y, ops.ones_like(z), ops.ones_like(z))
    return loss


def arguments():
    np.random.seed(42)
    x = ops.ones(5, mindspore.float32)
    y = ops.zeros(3, mindspore.float32)
    w = Parameter(Tensor(np.random.randn(5, 3), mindspore.float32), name='w')
    b = Parameter(Tensor(np.random.randn(3,), mindspore.float32), name='b')
    return x, y, w, b
