#!/usr/bin/env python3
"""Each elementwise op against numpy at 1e3, 1e5 and 1e7 float32 elements, one thread, and the
copy bandwidth at 1e7 (numpy's x.copy() as the reference). graphgrad runs the op as a compiled
one-op graph (jit), so the time is the kernel plus one plan call. Medians over repeats; ratio =
numpy time / graphgrad time (above 1: graphgrad faster). Run with the OpenBLAS variables unset:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/compare_elementwise.py
"""
import os
import statistics
import time

import numpy as np

from _machine import cpu_name

import graphgrad as gg
from graphgrad import ops

UNARY = {  # name: (graphgrad op, numpy function, input range)
    "neg": (ops.neg, np.negative, (-10, 10)), "abs": (ops.abs, np.abs, (-10, 10)),
    "exp": (ops.exp, np.exp, (-10, 10)), "log": (ops.log, np.log, (0.1, 10)), "log1p": (ops.log1p, np.log1p, (0, 10)),
    "expm1": (ops.expm1, np.expm1, (-10, 10)), "sqrt": (ops.sqrt, np.sqrt, (0, 10)),
    "square": (ops.square, np.square, (-10, 10)), "reciprocal": (ops.reciprocal, np.reciprocal, (1, 10)),
    "sin": (ops.sin, np.sin, (-10, 10)), "cos": (ops.cos, np.cos, (-10, 10)), "tanh": (ops.tanh, np.tanh, (-10, 10)),
    "sigmoid": (ops.sigmoid, lambda x: 1 / (1 + np.exp(-x)), (-10, 10)),
    "relu": (ops.relu, lambda x: np.maximum(x, 0), (-10, 10)), "floor": (ops.floor, np.floor, (-10, 10)),
    "round": (ops.round, np.round, (-10, 10)),
}
BINARY = {
    "add": (ops.add, np.add), "sub": (ops.sub, np.subtract), "mul": (ops.mul, np.multiply),
    "div": (ops.div, np.divide), "maximum": (ops.maximum, np.maximum), "pow": (ops.pow, np.power),
}


def sample(fn, inner):
    t0 = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - t0) / inner


def median_times(fa, fb, n, rounds=31):
    """Median times of fa and fb, their samples interleaved (the order alternating by round) so
    that a change in the machine's speed, common on a shared host, falls on both alike."""
    fa(), fb()
    inner = max(1, int(3e6 / n))
    a, b = [], []
    for r in range(rounds):
        for fn, out in ((fa, a), (fb, b)) if r % 2 == 0 else ((fb, b), (fa, a)):
            out.append(sample(fn, inner))
    return statistics.median(a), statistics.median(b)


def main():
    gg.set_num_threads(1)
    print(f"CPU: {cpu_name()}; ISA {gg._core.isa()}; load average {os.getloadavg()[0]:.2f}; numpy {np.__version__}; 1 thread")
    rng = np.random.default_rng(0)
    print(f"{'op':10} " + " ".join(f"{'n=' + str(n):>22}" for n in (10**3, 10**5, 10**7)))
    rows = [(k, v[0], v[1], v[2]) for k, v in UNARY.items()] + [(k, f, nf, (1, 3)) for k, (f, nf) in BINARY.items()]
    for name, op, npf, (lo, hi) in rows:
        cells = []
        for n in (10**3, 10**5, 10**7):
            x = rng.uniform(lo, hi, n).astype(np.float32)
            t = gg.Tensor(x)
            if name in BINARY:
                y = rng.uniform(lo, hi, n).astype(np.float32)
                u = gg.Tensor(y)
                f = gg.jit(op)
                tg, tn = median_times(lambda: f(t, u), lambda: npf(x, y), n)
            else:
                f = gg.jit(op)
                tg, tn = median_times(lambda: f(t), lambda: npf(x), n)
            cells.append(f"{tg * 1e6:8.1f}us {tn / tg:5.2f}x")
        print(f"{name:10} " + " ".join(f"{c:>22}" for c in cells))
    n = 10**7
    x = rng.uniform(-1, 1, n).astype(np.float32)
    t = gg.Tensor(x)
    neg = gg.jit(ops.neg)
    copy, tg = median_times(lambda: x.copy(), lambda: neg(t), n)
    print(f"copy bandwidth at 1e7: numpy copy {2 * 4 * n / copy / 1e9:.1f} GB/s; graphgrad neg "
          f"{2 * 4 * n / tg / 1e9:.1f} GB/s ({copy / tg:.0%} of copy)")


if __name__ == "__main__":
    main()
