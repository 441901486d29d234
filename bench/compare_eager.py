#!/usr/bin/env python3
"""Eager ops (PyNative mode: each op runs when called) on small tensors, where the time is the
framework's dispatch: graphgrad against PyTorch eager, numpy and JAX's eager jax.numpy, on one
thread. Each round times every implementation once, in turn; printed are the medians over the
rounds and, per row, graphgrad's time over the strongest peer's in the same round (median, min
and max): below 1, graphgrad is faster.

    python bench/compare_eager.py [--repeats 15] [--impls graphgrad,torch,numpy,jax]

Every case is checked to give the same values in every implementation before it is timed.
"""
import argparse
import os
import statistics
import time

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import numpy as np  # noqa: E402

from _machine import cpu_name  # noqa: E402

IMPLS = ("graphgrad", "torch", "numpy", "jax")


def cases(impl, rng):
    """name -> (the call to time, its result as numpy) for one implementation."""
    a, b = rng.standard_normal((4, 4), np.float32), rng.standard_normal((4, 4), np.float32)
    x, b1, b2 = rng.standard_normal((64, 784), np.float32), rng.standard_normal(128, np.float32), \
        rng.standard_normal(10, np.float32)
    w1 = (rng.standard_normal((784, 128)) / 28).astype(np.float32)  # (unit-scale activations)
    w2 = (rng.standard_normal((128, 10)) / 11).astype(np.float32)
    big = rng.standard_normal((256, 256), np.float32)
    # The Quick Start network (Dense 784-512, ReLU, Dense 512-512, ReLU, Dense 512-10), (out, in) weights.
    layers = [((rng.standard_normal((o, i)) / np.sqrt(i)).astype(np.float32), rng.standard_normal(o).astype(np.float32))
              for i, o in ((784, 512), (512, 512), (512, 10))]
    if impl == "graphgrad":
        import graphgrad as gg
        from graphgrad import nn, ops
        gg.set_num_threads(1)
        T, relu, exp, matmul, out = gg.Tensor, ops.relu, ops.exp, ops.matmul, lambda t: t.asnumpy()
        (w1_, b1_), (w2_, b2_), (w3_, b3_) = [(T(w), T(b_)) for w, b_ in layers]
        net = nn.SequentialCell(nn.Dense(784, 512, w1_, b1_), nn.ReLU(), nn.Dense(512, 512, w2_, b2_), nn.ReLU(),
                                nn.Dense(512, 10, w3_, b3_))
    elif impl == "torch":
        import torch
        torch.set_num_threads(1)
        T, relu, exp, matmul, out = torch.from_numpy, torch.relu, torch.exp, torch.matmul, lambda t: t.numpy()
        linears = [torch.nn.Linear(w.shape[1], w.shape[0]) for w, _ in layers]
        with torch.no_grad():
            for lin, (w, b_) in zip(linears, layers):
                lin.weight.copy_(torch.from_numpy(w))
                lin.bias.copy_(torch.from_numpy(b_))
        seq = torch.nn.Sequential(linears[0], torch.nn.ReLU(), linears[1], torch.nn.ReLU(), linears[2])

        def net(v):
            with torch.inference_mode():  # (no autograd records: graphgrad's eager forward makes none either)
                return seq(v)
    elif impl == "numpy":
        T, relu, exp, matmul, out = (lambda v: v), (lambda v: np.maximum(v, 0)), np.exp, np.matmul, np.asarray
    else:
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_platforms", "cpu")
        T, relu, exp, matmul = jnp.asarray, (lambda v: jnp.maximum(v, 0)), jnp.exp, jnp.matmul
        out = np.asarray
    if impl in ("numpy", "jax"):  # by hand
        weights = [(T(w.T.copy()), T(b_)) for w, b_ in layers]

        def net(v):
            for i, (w, b_) in enumerate(weights):
                v = matmul(v, w) + b_
                v = relu(v) if i < 2 else v
            return v
    a, b, x, w1, b1, w2, b2, big = map(T, (a, b, x, w1, b1, w2, b2, big))
    fns = {
        "a + b (4x4)": lambda: a + b,
        "a * 2.0 (4x4)": lambda: a * 2.0,
        "a < b (4x4)": lambda: a < b,
        "relu(a) (4x4)": lambda: relu(a),
        "exp(a) (4x4)": lambda: exp(a),
        "matmul(a, b) (4x4)": lambda: matmul(a, b),
        "a.reshape(2, 8)": lambda: a.reshape(2, 8),
        "a[1] (4x4)": lambda: a[1],
        "a.sum() (4x4)": lambda: a.sum(),
        "a.mean() (4x4)": lambda: a.mean(),
        "a + b (256x256)": lambda: big + big,
        "MLP forward (64x784)": lambda: matmul(relu(matmul(x, w1) + b1), w2) + b2,
        "Quick Start net (64)": lambda: net(x),
    }
    # Timed: the call, and for JAX the wait for its result (it dispatches asynchronously).
    timed = (lambda f: (lambda: f().block_until_ready())) if impl == "jax" else (lambda f: f)
    return {name: (timed(f), lambda f=f: out(f())) for name, f in fns.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--impls", default=",".join(IMPLS), help="comma-separated, of: " + ", ".join(IMPLS))
    ap.add_argument("--sample-s", type=float, default=0.02, help="target seconds per timing sample")
    args = ap.parse_args()
    impls = []
    for name in args.impls.split(","):
        if name not in IMPLS:
            ap.error(f"unknown {name!r}; choose from {', '.join(IMPLS)}")
        try:
            impls.append((name, cases(name, np.random.default_rng(0))))
        except ImportError as e:
            print(f"note: {name}: skipped ({e})")
    if not impls or impls[0][0] != "graphgrad":
        ap.error("graphgrad must be installed and listed first")
    print(f"CPU: {cpu_name()}; 1 thread; load average {os.getloadavg()[0]:.2f}")
    names = list(impls[0][1])
    for name in names:  # the same values everywhere, else the timing compares different work
        ref = impls[0][1][name][1]()
        for impl, fns in impls[1:]:
            got = fns[name][1]()
            if got.shape != ref.shape or not np.allclose(got, ref, rtol=1e-4, atol=1e-5 * np.abs(ref).max()):
                raise SystemExit(f"{name}: {impl} DISAGREES with graphgrad")
    # Calls per sample: about sample_s of graphgrad's own time.
    inner = {}
    for name in names:
        fn = impls[0][1][name][0]
        t0, n = time.perf_counter(), 0
        while time.perf_counter() - t0 < 0.01:
            fn()
            n += 1
        inner[name] = max(1, int(n * args.sample_s / (time.perf_counter() - t0)))
    samples = {(impl, name): [] for impl, _ in impls for name in names}
    for _ in range(args.repeats):
        for name in names:
            for impl, fns in impls:
                fn = fns[name][0]
                t0 = time.perf_counter()
                for _ in range(inner[name]):
                    fn()
                samples[impl, name].append((time.perf_counter() - t0) / inner[name])
    head = "".join(f"{impl:>12}" for impl, _ in impls)
    print(f"{'op':22}{head}   gg/strongest peer, per round: median (min-max)")
    for name in names:
        med = {impl: statistics.median(samples[impl, name]) for impl, _ in impls}
        cells = "".join(f"{med[impl] * 1e6:10.2f}us" for impl, _ in impls)
        peers = [impl for impl, _ in impls[1:]]
        if not peers:
            print(f"{name:22}{cells}")
            continue
        best = min(peers, key=lambda p: med[p])
        ratios = sorted(g / p for g, p in zip(samples["graphgrad", name], samples[best, name]))
        print(f"{name:22}{cells}   {statistics.median(ratios):.2f} ({ratios[0]:.2f}-{ratios[-1]:.2f}) {best}")


if __name__ == "__main__":
    main()
