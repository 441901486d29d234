#!/usr/bin/env python3
"""softmax, log_softmax and logsumexp over the last axis: graphgrad eager against PyTorch (and
numpy's hand-written form), medians over repeats, 1 and 2 threads. Prints the ratio graphgrad
time / best peer time (below 1: graphgrad faster).

    python bench/compare_softmax.py [--repeats 15]
"""
import argparse
import os
import statistics
import time

import numpy as np

from _machine import cpu_name


def timeit(fn, repeats, inner):
    fn()
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t0) / inner)
    return statistics.median(samples)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    import graphgrad as gg
    from graphgrad import ops
    try:
        import torch
    except ImportError:
        torch = None
    print(f"CPU: {cpu_name()}; load average {os.getloadavg()[0]:.2f}; torch {torch.__version__ if torch else 'not installed'}")
    print(f"{'op':12} {'shape':12} {'thr':>3} {'graphgrad':>11} {'torch':>11} {'numpy':>11} {'gg/best':>8}")
    for threads in (1, 2):
        gg.set_num_threads(threads)
        if torch:
            torch.set_num_threads(threads)
        for shape in ((64, 10), (4096, 1000)):
            x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
            t = gg.Tensor(x)
            tt = torch.from_numpy(x) if torch else None
            inner = max(1, int(2e6 / x.size))
            cases = {
                "softmax": (lambda: ops.softmax(t, -1), lambda: torch.softmax(tt, -1),
                            lambda: (lambda e: e / e.sum(-1, keepdims=True))(np.exp(x - x.max(-1, keepdims=True)))),
                "log_softmax": (lambda: ops.log_softmax(t, -1), lambda: torch.log_softmax(tt, -1),
                                lambda: (lambda s: s - np.log(np.exp(s).sum(-1, keepdims=True)))(x - x.max(-1, keepdims=True))),
                "logsumexp": (lambda: ops.logsumexp(t, -1), lambda: torch.logsumexp(tt, -1),
                              lambda: (lambda m: m[:, 0] + np.log(np.exp(x - m).sum(-1)))(x.max(-1, keepdims=True))),
            }
            for name, (g, tf, nf) in cases.items():
                tg = timeit(g, args.repeats, inner)
                tt_ = timeit(tf, args.repeats, inner) if torch else float("nan")
                tn = timeit(nf, args.repeats, inner) if threads == 1 else float("nan")
                best = min(v for v in (tt_, tn) if v == v)
                print(f"{name:12} {str(shape):12} {threads:>3} {tg * 1e6:9.1f}us {tt_ * 1e6:9.1f}us "
                      f"{tn * 1e6:9.1f}us {tg / best:8.2f}")


if __name__ == "__main__":
    main()
