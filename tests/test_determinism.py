"""Determinism (issue 6): results are bit-identical from call to call, from process to process,
for any set_num_threads (1, 2, 3), and whether the calls come from one thread or several.

The graphs are sized so that a parallel kernel would split them (odd sizes, many rows, long
reductions): a reduction order that depended on the thread count would show here."""
import hashlib
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Tensor, ops


def graphs(dtype):
    r = np.random.default_rng(2024)
    x = r.standard_normal((257, 131)).astype(dtype)
    w = r.standard_normal((131, 67)).astype(dtype)
    b = r.standard_normal(67).astype(dtype)
    y = r.uniform(0, 1, (257, 67)).astype(dtype)
    wt = r.uniform(0.5, 2, 67).astype(dtype)
    v = r.standard_normal(4099).astype(dtype)
    big = r.standard_normal((1031, 33)).astype(dtype)

    def model(x, w, b, y, wt):
        z = ops.matmul(x, w) + b
        return ops.binary_cross_entropy_with_logits(z, y, wt, None, "mean"), z

    def reductions(v, big):
        # a long dot product, a broadcast add whose gradient sums 1031 rows, a BCE sum
        return (ops.matmul(v, v), ops.add(big, ops.zeros((33,), gg.float64 if dtype == np.float64 else gg.float32)),
                ops.binary_cross_entropy_with_logits(v, ops.zeros_like(v), reduction="sum"))

    return [
        ("model", gg.value_and_grad(model, (0, 1, 2, 3, 4), has_aux=True), (x, w, b, y, wt)),
        ("reductions", gg.value_and_grad(reductions, (0, 1)), (v, big)),
        ("eager_matmul", lambda x, w: ops.matmul(x, w), (x, w)),
        ("eager_bce", lambda v: ops.binary_cross_entropy_with_logits(v, ops.ones_like(v)), (v,)),
    ]


def flatten(out):
    if isinstance(out, Tensor):
        return [out.asnumpy()]
    return [a for o in out for a in flatten(o)]


def digest(dtype):
    """A hash of the exact bytes of every output of every graph."""
    h = hashlib.sha256()
    for name, fn, arrays in graphs(dtype):
        for a in flatten(fn(*[Tensor(a) for a in arrays])):
            h.update(name.encode())
            h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


@pytest.fixture
def restore_threads():
    before = gg.get_num_threads()
    yield
    gg.set_num_threads(before)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bit_identical_from_call_to_call(dtype):
    fns = graphs(dtype)
    first = [flatten(fn(*[Tensor(a) for a in arrays])) for _, fn, arrays in fns]
    for _ in range(5):
        again = [flatten(fn(*[Tensor(a) for a in arrays])) for _, fn, arrays in fns]
        for (name, _, _), xs, ys in zip(fns, first, again):
            for a, b in zip(xs, ys):
                assert a.tobytes() == b.tobytes(), f"{name}: a second call gave different bits"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bit_identical_for_any_number_of_threads(dtype, restore_threads):
    results = {}
    for n in (1, 2, 3):
        gg.set_num_threads(n)
        assert gg.get_num_threads() == n
        results[n] = digest(dtype)
    assert results[1] == results[2] == results[3], results


def test_bit_identical_from_several_python_threads(restore_threads):
    gg.set_num_threads(2)
    expected = digest(np.float32)
    got = [None] * 4

    def work(i):
        got[i] = digest(np.float32)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [expected] * 4


def test_bit_identical_from_process_to_process(restore_threads):
    gg.set_num_threads(1)
    here = {str(d): digest(d) for d in (np.float32, np.float64)}
    tests_dir = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    flags = ["-S"] if sys.flags.no_site else []
    for n in (1, 3):
        code = ("import numpy as np, graphgrad as gg, test_determinism as t; "
                f"gg.set_num_threads({n}); "
                "print(t.digest(np.float32)); print(t.digest(np.float64))")
        out = subprocess.run([sys.executable, *flags, "-c", code], cwd=tests_dir, env=env, capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, out.stderr[-1000:]
        f32, f64 = out.stdout.split()
        assert (f32, f64) == (here[str(np.float32)], here[str(np.float64)]), f"set_num_threads({n}) in a new process"
