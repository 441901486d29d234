"""Threads (issue 6): one grad function called from several Python threads at once returns the
right result every time, compiles each signature once, and the threads really overlap: the GIL
is released while the kernels run.

The overlap is shown two ways, neither a bare timing threshold on one run:
- a heartbeat: while one thread runs a large matmul, the main thread keeps executing Python; if
  the GIL were held, the main thread's longest pause would be as long as the whole kernel;
- wall time of 2 threads against 1 on this 2-core machine, best of several attempts (a shared,
  noisy machine can spoil one attempt, not all of them)."""
import hashlib
import os
import threading
import time

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Parameter, Tensor, ops
from helpers import np_bce, sigmoid

N_THREADS = 4


def model():
    r = np.random.default_rng(5)
    w = Parameter(Tensor(r.standard_normal((6, 3))), name="w")
    b = Parameter(Tensor(r.standard_normal(3)), name="b")

    def loss(x, y):
        return ops.binary_cross_entropy_with_logits(ops.matmul(x, w) + b, y), ops.matmul(x, w)

    return w, b, gg.value_and_grad(loss, 0, (w, b), has_aux=True)


def expected(x, y, w, b):
    z = x @ w + b
    dz = (sigmoid(z) - y) / z.size
    return np_bce(z, y), x @ w, dz @ w.T, x.T @ dz, dz.sum(0)


def check(result, ref):
    (loss, aux), (gx, (gw, gb)) = result  # value_and_grad with has_aux: ((loss, aux), grads)
    for got, want in zip((loss, aux, gx, gw, gb), ref):
        np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-10, atol=1e-13)


def run_threads(target, n):
    errors = []
    barrier = threading.Barrier(n)

    def wrapped(i):
        try:
            barrier.wait()
            target(i)
        except BaseException as e:  # reported in the main thread
            errors.append(e)

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
        assert not t.is_alive(), "a thread hung"
    if errors:
        raise errors[0]


def test_one_grad_function_from_4_threads_is_right_every_time():
    w, b, fn = model()
    W, B = w.asnumpy(), b.asnumpy()
    r = np.random.default_rng(6)
    cases = [[(r.standard_normal((8, 6)), r.uniform(0, 1, (8, 3))) for _ in range(5)] for _ in range(N_THREADS)]
    refs = [[expected(x, y, W, B) for x, y in c] for c in cases]
    fn(Tensor(cases[0][0][0]), Tensor(cases[0][0][1]))

    def work(i):
        for _ in range(60):
            for (x, y), ref in zip(cases[i], refs[i]):
                check(fn(Tensor(x), Tensor(y)), ref)

    run_threads(work, N_THREADS)
    assert fn.trace_count == 1


def test_the_first_call_from_4_threads_at_once_compiles_once():
    w, b, fn = model()
    W, B = w.asnumpy(), b.asnumpy()
    r = np.random.default_rng(7)
    data = [(r.standard_normal((8, 6)), r.uniform(0, 1, (8, 3))) for _ in range(N_THREADS)]

    def work(i):
        x, y = data[i]
        check(fn(Tensor(x), Tensor(y)), expected(x, y, W, B))

    run_threads(work, N_THREADS)
    assert fn.trace_count == 1


def test_threads_with_different_signatures_and_errors_in_between():
    """Each thread its own batch size (its own compiled graph), and every few calls a bad call:
    neither disturbs the other threads' results."""
    w, b, fn = model()
    W, B = w.asnumpy(), b.asnumpy()
    r = np.random.default_rng(8)
    data = [(r.standard_normal((i + 1, 6)), r.uniform(0, 1, (i + 1, 3))) for i in range(N_THREADS)]
    refs = [expected(x, y, W, B) for x, y in data]

    def work(i):
        x, y = data[i]
        for k in range(100):
            if k % 10 == i:
                with pytest.raises(ValueError):
                    fn(Tensor(np.ones((2, 7))), Tensor(np.ones((2, 3))))
            check(fn(Tensor(x), Tensor(y)), refs[i])

    run_threads(work, N_THREADS)
    assert fn.trace_count == N_THREADS
    np.testing.assert_array_equal(w.asnumpy(), W)


def test_eager_ops_and_traces_on_other_threads_do_not_mix():
    """A thread tracing a function must not capture another thread's eager ops (the current trace
    is per thread)."""
    def slow(x):
        time.sleep(0.05)  # other threads run eager ops meanwhile
        return ops.add(x, 1.0)

    g = gg.grad(slow)
    out = {}

    def work(i):
        if i == 0:
            out[i] = g(Tensor(np.ones(3))).asnumpy()
        else:
            for _ in range(200):
                e = ops.matmul(Tensor(np.full((2, 2), float(i))), Tensor(np.eye(2)))
                np.testing.assert_array_equal(e.asnumpy(), np.full((2, 2), float(i)))
            out[i] = True

    run_threads(work, N_THREADS)
    np.testing.assert_array_equal(out[0], np.ones(3))
    assert str(g.stages(Tensor(np.ones(3)))[0][1]).count("matmul") == 0


# -- the GIL is released while kernels run --

def big_matmul(n):
    r = np.random.default_rng(9)
    a, b = Tensor(r.standard_normal((n, n))), Tensor(r.standard_normal((n, n)))
    f = gg.jit(lambda a, b: ops.matmul(a, b))
    f(a, b)
    return lambda: f(a, b)


def timed(call):
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def test_main_thread_runs_python_while_a_kernel_runs():
    call, single = kernel_fixture()
    stamps = []
    done = threading.Event()
    window = {}

    def worker():
        window["start"] = time.perf_counter()
        call()
        window["end"] = time.perf_counter()
        done.set()

    t = threading.Thread(target=worker)
    t.start()
    while not done.is_set():
        stamps.append(time.perf_counter())  # Python bytecode: needs the GIL
    t.join()
    inside = [s for s in stamps if window["start"] <= s <= window["end"]]
    duration = window["end"] - window["start"]
    gaps = np.diff([window["start"]] + inside + [window["end"]])
    # With the GIL held during the kernel the main thread would stall for the whole call.
    assert gaps.max() < 0.5 * duration, (f"the main thread stalled {gaps.max():.3f} s of a {duration:.3f} s "
                                         f"kernel: the GIL is held while the kernel runs")
    assert len(inside) > 100


def hashing_control(seconds_like):
    """A GIL-free C workload (hashlib releases the GIL for large buffers) lasting about as long as
    the kernel: what 2 threads can gain on this machine right now."""
    data = os.urandom(1 << 20)
    per = timed(lambda: hashlib.sha256(data).digest())
    reps = max(1, int(seconds_like / max(per, 1e-6)))

    def work():
        for _ in range(reps):
            hashlib.sha256(data).digest()
    return work


def test_two_threads_overlap_in_wall_time():
    """2 threads running the kernel take clearly less than twice one thread's time (< 1.8x). Each
    attempt also times a GIL-free control workload the same way; the test fails only on evidence
    (the control overlapped, the kernel did not), and skips if the machine never had a free second
    core during any attempt."""
    call, _ = kernel_fixture()
    if (os.cpu_count() or 1) < 2:
        pytest.skip("needs 2 cores")
    # One kernel thread per call: with graphgrad's pool on both cores a single call already uses
    # the whole machine, and two calls cannot overlap whatever the GIL does.
    threads = gg.get_num_threads()
    gg.set_num_threads(1)
    try:
        overlap_attempts(call)
    finally:
        gg.set_num_threads(threads)


def overlap_attempts(call):
    attempts = []
    for _ in range(10):
        single = min(timed(call) for _ in range(2))
        pair = timed(lambda: run_threads(lambda i: call(), 2)) / single
        control = hashing_control(single)
        c_single = timed(control)
        c_pair = timed(lambda: run_threads(lambda i: control(), 2)) / c_single
        attempts.append((round(pair, 2), round(c_pair, 2)))
        if pair < 1.8:
            return
        # Serialised by the GIL the kernel pair takes >= 2x; a control that overlapped well in the
        # same attempt shows that a free core was there to use.
        evidence = [(k, c) for k, c in attempts if c < 1.4]
        assert len(evidence) < 3, (f"2 threads took >= 1.8x one thread's time while a GIL-free control took < 1.4x, "
                                   f"{len(evidence)} times: the kernels did not overlap (attempts (kernel, control): "
                                   f"{attempts})")
        time.sleep(0.5)
    pytest.skip(f"no free second core during any attempt (kernel, control ratios: {attempts})")


_KERNEL = {}


def kernel_fixture():
    if not _KERNEL:
        n = 256
        while True:
            call = big_matmul(n)
            t = min(timed(call) for _ in range(2))
            if t > 0.08 or n >= 2048:
                _KERNEL["v"] = (call, t)
                break
            n = int(n * 1.5)
    return _KERNEL["v"]
