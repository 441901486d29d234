"""MindSpore's autograd tutorial on graphgrad, section by section, against a float64 numpy
reference computed here; then the example script end to end."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import graphgrad as mindspore
from graphgrad import Parameter, Tensor, nn, ops

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOL = dict(rtol=1e-5, atol=1e-5)


# -- the float64 reference --

def reference():
    np.random.seed(42)
    w = np.random.randn(5, 3).astype(np.float32).astype(np.float64)
    b = np.random.randn(3).astype(np.float32).astype(np.float64)
    x, y = np.ones(5), np.zeros(3)
    z = x @ w + b
    # BCE with weight = pos_weight = 1: mean of y*log(1+e^-z) + (1-y)*log(1+e^z)
    loss = np.mean(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z))
    dz = (1 / (1 + np.exp(-z)) - y) / z.size
    return dict(w=w, b=b, z=z, loss=loss,
                grad_w=np.outer(x, dz), grad_b=dz,  # d loss
                grad_w_logits=np.outer(x, dz + 1), grad_b_logits=dz + 1)  # d (loss + sum z)


REF = reference()


def test_reference_matches_the_issue():
    # the numbers the issue gives for the two places the English page prints wrong
    np.testing.assert_allclose(REF["grad_w"][0], [0.32618925, 0.015891464, 0.042164546], rtol=1e-6)
    np.testing.assert_allclose(REF["grad_w_logits"][0], [1.32618928, 1.01589143, 1.04216456], rtol=1e-6)
    np.testing.assert_allclose(REF["loss"], 1.342315, rtol=1e-6)


# -- the tutorial's code, with only the import changed --

@pytest.fixture
def setup():
    np.random.seed(42)
    x = ops.ones(5, mindspore.float32)  # input tensor
    y = ops.zeros(3, mindspore.float32)  # expected output
    w = Parameter(Tensor(np.random.randn(5, 3), mindspore.float32), name='w')  # weight
    b = Parameter(Tensor(np.random.randn(3,), mindspore.float32), name='b')  # bias
    return x, y, w, b


def function(x, y, w, b):
    z = ops.matmul(x, w) + b
    loss = ops.binary_cross_entropy_with_logits(z, y, ops.ones_like(z), ops.ones_like(z))
    return loss


def function_with_logits(x, y, w, b):
    z = ops.matmul(x, w) + b
    loss = ops.binary_cross_entropy_with_logits(z, y, ops.ones_like(z), ops.ones_like(z))
    return loss, z


def function_stop_gradient(x, y, w, b):
    z = ops.matmul(x, w) + b
    loss = ops.binary_cross_entropy_with_logits(z, y, ops.ones_like(z), ops.ones_like(z))
    return loss, ops.stop_gradient(z)


def check_grads(grads, key=""):
    assert isinstance(grads, tuple) and len(grads) == 2
    gw, gb = grads
    assert gw.shape == (5, 3) and gb.shape == (3,)
    assert gw.dtype is mindspore.float32 and gb.dtype is mindspore.float32
    np.testing.assert_allclose(gw.asnumpy(), REF["grad_w" + key], **TOL)
    np.testing.assert_allclose(gb.asnumpy(), REF["grad_b" + key], **TOL)


def test_setup(setup):
    x, y, w, b = setup
    assert repr(w) == "Parameter (name=w, shape=(5, 3), dtype=Float32, requires_grad=True)"
    np.testing.assert_allclose(w.asnumpy(), REF["w"], rtol=1e-7)
    np.testing.assert_allclose(b.asnumpy(), REF["b"], rtol=1e-7)


def test_function_forward(setup, capsys):
    loss = function(*setup)
    assert loss.shape == () and loss.dtype is mindspore.float32
    np.testing.assert_allclose(loss.asnumpy(), REF["loss"], **TOL)
    print(loss)
    assert capsys.readouterr().out == "1.3423151\n"


def test_grad(setup):
    grad_fn = mindspore.grad(function, (2, 3))
    check_grads(grad_fn(*setup))


def test_grad_with_logits(setup):
    grad_fn = mindspore.grad(function_with_logits, (2, 3))
    check_grads(grad_fn(*setup), "_logits")


def test_stop_gradient(setup):
    grad_fn = mindspore.grad(function_stop_gradient, (2, 3))
    check_grads(grad_fn(*setup))


def test_auxiliary_data(setup, capsys):
    grad_fn = mindspore.grad(function_with_logits, (2, 3), has_aux=True)
    grads, (z,) = grad_fn(*setup)
    check_grads(grads)
    np.testing.assert_allclose(z.asnumpy(), REF["z"], **TOL)
    print(z)
    assert capsys.readouterr().out == "[ 3.8211915 -2.994512  -1.932323 ]\n"


def test_network_gradient(setup):
    x, y, w, b = setup

    class Network(nn.Cell):
        def __init__(self):
            super().__init__()
            self.w = w
            self.b = b

        def construct(self, x):
            z = ops.matmul(x, self.w) + self.b
            return z

    model = Network()
    loss_fn = nn.BCEWithLogitsLoss()

    def forward_fn(x, y):
        z = model(x)
        loss = loss_fn(z, y)
        return loss

    assert model.trainable_params() == [w, b]
    grad_fn = mindspore.value_and_grad(forward_fn, None, weights=model.trainable_params())
    loss, grads = grad_fn(x, y)
    np.testing.assert_allclose(loss.asnumpy(), REF["loss"], **TOL)
    check_grads(grads)


def test_grads_repr_has_mindspore_layout(setup):
    grads = mindspore.grad(function, (2, 3))(*setup)
    text = repr(grads)
    assert text.startswith("(Tensor(shape=[5, 3], dtype=Float32, value=\n [[ 3.2618")
    assert "), Tensor(shape=[3], dtype=Float32, value= [ 3.2618" in text
    assert text.count("\n  [ 3.2618") == 4


# -- the example script --

NUMBER = re.compile(r"[-+]?\d+\.\d*(?:e[-+]?\d+)?")
HEADER = re.compile(r"Tensor\(shape=\[[\d, ]*\], dtype=Float\d+, value=")


def test_example_script_prints_the_right_numbers():
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "autograd_tutorial.py")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    # six prints: loss, grads, grads (with logits), grads (stop_gradient), grads and z (aux), grads (Cell)
    assert out.count("Tensor(shape=[5, 3], dtype=Float32, value=") == 5
    numbers = [float(v) for v in NUMBER.findall(HEADER.sub("", out))]
    g = list(REF["grad_w"].ravel()) + list(REF["grad_b"])
    g_logits = list(REF["grad_w_logits"].ravel()) + list(REF["grad_b_logits"])
    expected = [REF["loss"]] + g + g_logits + g + g + list(REF["z"]) + g
    assert len(numbers) == len(expected)
    np.testing.assert_allclose(numbers, expected, **TOL)
    assert out.splitlines()[0] == "1.3423151"
    assert "[ 3.8211915 -2.994512  -1.932323 ]" in out
