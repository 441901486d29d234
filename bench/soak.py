"""Soak test (issue 6): many grad calls in one process; RSS must stay flat after warm-up.

    python bench/soak.py                      # 100,000 calls, RSS every 10,000
    python bench/soak.py --calls 20000 --every 2000 --max-growth-mb 4

Each call is the tutorial's gradient (weights as Parameters, set_data every 100 calls) and, every
`--bad-every` calls, a call that fails while tracing (a shape error) plus an eager op: failing calls
and eager ops must not leak either. Prints RSS (from /proc/self/statm) at intervals and the growth
after warm-up; exits 1 if it exceeds --max-growth-mb."""
import argparse
import gc
import os
import sys
import time

import numpy as np

import graphgrad as gg
from graphgrad import Parameter, Tensor, ops


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def soak(calls, every, warmup, bad_every, out=sys.stdout):
    r = np.random.default_rng(0)
    x = Tensor(np.ones(5, np.float32))
    y = Tensor(np.zeros(3, np.float32))
    w = Parameter(Tensor(r.standard_normal((5, 3)).astype(np.float32)), name="w")
    b = Parameter(Tensor(r.standard_normal(3).astype(np.float32)), name="b")
    w0 = w.asnumpy()

    def function(x, y):
        z = ops.matmul(x, w) + b
        return ops.binary_cross_entropy_with_logits(z, y, ops.ones_like(z), ops.ones_like(z))

    grad_fn = gg.value_and_grad(function, None, (w, b))
    bad = Tensor(np.ones(4, np.float32))
    samples = []
    base = None
    start = time.perf_counter()
    for i in range(1, calls + 1):
        loss, (dw, db) = grad_fn(x, y)
        if i % 100 == 0:
            w.set_data(Tensor(w0 + np.float32(i % 7)))
        if bad_every and i % bad_every == 0:
            try:
                grad_fn(bad, y)
            except ValueError:
                pass
            ops.add(dw, 1.0).asnumpy()
        if i == warmup:
            gc.collect()
            base = rss_mb()
        if i % every == 0:
            gc.collect()
            mb = rss_mb()
            samples.append((i, mb))
            print(f"{i:>8} calls  rss {mb:8.2f} MB  {time.perf_counter() - start:7.2f} s", file=out, flush=True)
    assert grad_fn.trace_count == 1, grad_fn.trace_count
    final = samples[-1][1]
    peak = max(mb for i, mb in samples if i >= warmup)
    return final - base, peak - base, time.perf_counter() - start


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=100_000)
    p.add_argument("--every", type=int, default=10_000)
    p.add_argument("--warmup", type=int, default=None, help="calls before the baseline RSS (default: --every)")
    p.add_argument("--bad-every", type=int, default=100, help="a failing call every N calls (0: none)")
    p.add_argument("--max-growth-mb", type=float, default=5.0)
    a = p.parse_args(argv)
    warmup = a.warmup or a.every
    growth, peak, secs = soak(a.calls, a.every, warmup, a.bad_every)
    print(f"{a.calls} calls in {secs:.1f} s; RSS growth after {warmup} warm-up calls: {growth:+.2f} MB "
          f"(peak {peak:+.2f} MB); limit {a.max_growth_mb} MB")
    return 0 if peak <= a.max_growth_mb else 1


if __name__ == "__main__":
    sys.exit(main())
