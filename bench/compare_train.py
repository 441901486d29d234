#!/usr/bin/env python3
"""One training step of MindSpore's Quick Start network, graphgrad side by side with numpy by
hand, PyTorch eager, torch.compile and jax.jit:

    Flatten; Dense 784-512, ReLU; Dense 512-512, ReLU; Dense 512-10; CrossEntropyLoss; SGD lr 1e-2
    (forward, backward and the update of all six Parameters), float32, MNIST-shaped batches

    python bench/compare_train.py                        # batch 64 and 512, threads 1 and 2
    python bench/compare_train.py --batches 64 --threads 1 --repeats 5 --impls graphgrad,torch

Every implementation starts from the same initial weights and must give the float64 numpy
reference's loss trajectory over the first steps (on distinct batches) before it is timed;
then all are timed round-robin on one batch (each sample after one untimed step, so that it
times steps run back to back as in training), medians of --repeats. Each round's samples are
taken within a second of each other, so the median of the per-round ratios is also printed
(see bench/compare.py's `paired`), last against the row's strongest peer (its fastest by median
time), which is what the speed targets are stated against. Each thread count runs in its own
worker process pinned to that many CPUs (as bench/compare.py does), with OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE unset there so numpy and the peers run their current kernels; the worker
prints the BLAS each uses (torch's build, threadpoolctl). Also measured: the first call (trace,
gradient, optimizer, compile, run; in a fresh process each) and peak RSS while training at
batch 512 on one thread. torch and jax are optional: missing ones are skipped with a note.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from _machine import cpu_name

IMPLS = ["graphgrad", "numpy", "torch", "torch.compile", "jax.jit"]
MODULE = {"graphgrad": "graphgrad", "numpy": "numpy", "torch": "torch", "torch.compile": "torch", "jax.jit": "jax"}
SHAPES = [(784, 512), (512, 512), (512, 10)]
LR = 1e-2
CHECK_STEPS = 5
TOL = 1e-4  # float32 vs the float64 reference, relative, per step's loss


def flops(batch):
    """Matmul flops of a step: forward, and the input and weight gradients (no dx for layer 1)."""
    f = sum(2 * batch * i * o for i, o in SHAPES)
    return 3 * f - 2 * batch * 784 * 512


def init_weights():
    """MindSpore's Dense defaults (HeUniform(sqrt 5) and the bias, both +-1/sqrt(fan_in)), fixed."""
    rng = np.random.default_rng(0)
    ws = []
    for i, o in SHAPES:
        bound = np.float32(1 / np.sqrt(i))
        ws += [(rng.random((o, i), dtype=np.float32) * 2 - 1) * bound, (rng.random(o, dtype=np.float32) * 2 - 1) * bound]
    return ws


def make_batches(batch, n):
    rng = np.random.default_rng(batch)
    return [(rng.standard_normal((batch, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, batch).astype(np.int32))
            for _ in range(n)]


def reference_losses(weights, batches):
    """float64 numpy: the loss of each step before its update."""
    ws = [w.astype(np.float64) for w in weights]
    losses = []
    for x, y in batches:
        x = x.reshape(len(x), -1).astype(np.float64)
        w1, b1, w2, b2, w3, b3 = ws
        h1 = np.maximum(x @ w1.T + b1, 0)
        h2 = np.maximum(h1 @ w2.T + b2, 0)
        z = h2 @ w3.T + b3
        p = np.exp(z - z.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        losses.append(-np.log(p[np.arange(len(y)), y]).mean())
        dz = (p - np.eye(10)[y]) / len(y)
        dh2 = (dz @ w3) * (h2 > 0)
        dh1 = (dh2 @ w2) * (h1 > 0)
        grads = [dh1.T @ x, dh1.sum(0), dh2.T @ h1, dh2.sum(0), dz.T @ h2, dz.sum(0)]
        ws = [w - LR * g for w, g in zip(ws, grads)]
    return losses


# --- implementations: make(weights) -> step(x, y) that trains one step and returns the loss as a float


def make_graphgrad(weights):
    import graphgrad as mindspore
    from graphgrad import Tensor, nn

    class Network(nn.Cell):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.dense_relu_sequential = nn.SequentialCell(
                nn.Dense(784, 512, Tensor(weights[0]), Tensor(weights[1])), nn.ReLU(),
                nn.Dense(512, 512, Tensor(weights[2]), Tensor(weights[3])), nn.ReLU(),
                nn.Dense(512, 10, Tensor(weights[4]), Tensor(weights[5])))

        def construct(self, x):
            return self.dense_relu_sequential(self.flatten(x))

    model = Network()
    loss_fn = nn.CrossEntropyLoss()
    optimizer = nn.SGD(model.trainable_params(), LR)

    def forward_fn(data, label):
        logits = model(data)
        return loss_fn(logits, label), logits

    grad_fn = mindspore.value_and_grad(forward_fn, None, optimizer.parameters, has_aux=True)

    def train_step(data, label):
        (loss, _), grads = grad_fn(data, label)
        optimizer(grads)
        return loss

    train_step = mindspore.jit(train_step)  # forward, backward and update: one graph (the Train tutorial's way)
    return lambda x, y: float(train_step(Tensor(x), Tensor(y)).asnumpy())


def make_numpy(weights):
    """numpy as a careful user writes it: products into buffers kept across steps, bias, relu,
    masks and updates in place (each temporary of a step this size is a fresh mmap whose pages
    fault in again, which made the batch-512 step up to a third slower), the learning rate applied to
    each weight gradient's buffer before it is subtracted."""
    ws = [w.copy() for w in weights]
    bufs = {}

    def buf(name, shape):
        if name not in bufs or bufs[name].shape != shape:
            bufs[name] = np.empty(shape, np.float32)
        return bufs[name]

    def step(x, y):
        n = len(x)
        x = x.reshape(n, -1)
        w1, b1, w2, b2, w3, b3 = ws
        h1 = np.matmul(x, w1.T, out=buf("h1", (n, 512)))
        h1 += b1
        np.maximum(h1, 0, out=h1)
        h2 = np.matmul(h1, w2.T, out=buf("h2", (n, 512)))
        h2 += b2
        np.maximum(h2, 0, out=h2)
        z = np.matmul(h2, w3.T, out=buf("z", (n, 10)))
        z += b3
        z -= z.max(1, keepdims=True)
        dz = np.exp(z)  # softmax, then its gradient in place
        s = dz.sum(1, keepdims=True)
        rows = np.arange(n)
        loss = float(np.mean(np.log(s[:, 0]) - z[rows, y]))
        dz /= s
        dz[rows, y] -= 1
        dz *= np.float32(1 / n)
        dh2 = np.matmul(dz, w3, out=buf("dh2", (n, 512)))
        dh2 *= h2 > 0
        dh1 = np.matmul(dh2, w2, out=buf("dh1", (n, 512)))
        dh1 *= h1 > 0
        lr = np.float32(LR)
        for w, b, d, inp, name in ((w1, b1, dh1, x, "g1"), (w2, b2, dh2, h1, "g2"), (w3, b3, dz, h2, "g3")):
            b -= lr * d.sum(0)
            g = np.matmul(d.T, inp, out=buf(name, w.shape))
            g *= lr
            w -= g
        return loss
    return step


def _torch_model(weights):
    import torch
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 512), torch.nn.ReLU(),
                                torch.nn.Linear(512, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10))
    with torch.no_grad():
        for p, w in zip(model.parameters(), weights):
            p.copy_(torch.from_numpy(w))
    return model, torch.optim.SGD(model.parameters(), lr=LR), torch.nn.CrossEntropyLoss()


def make_torch(weights):
    import torch
    model, opt, loss_fn = _torch_model(weights)

    def step(x, y):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(torch.from_numpy(x)), torch.from_numpy(y).long())
        loss.backward()
        opt.step()
        return loss.item()
    return step


def make_torch_compile(weights):
    import torch
    model, opt, loss_fn = _torch_model(weights)

    @torch.compile
    def train_step(x, y):  # forward, backward and the update in one compiled function
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return lambda x, y: train_step(torch.from_numpy(x), torch.from_numpy(y).long()).item()


def make_jax(weights):
    import jax
    import jax.numpy as jnp

    def loss_fn(ws, x, y):
        h = x.reshape(x.shape[0], -1)
        for i in range(0, 6, 2):
            h = h @ ws[i].T + ws[i + 1]
            if i < 4:
                h = jax.nn.relu(h)
        logp = jax.nn.log_softmax(h)
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], 1))

    # value_and_grad + SGD in one jitted step; the old weights' buffers are donated, so the update
    # can write in place (without it, XLA allocates every new weight: 1.29x slower at batch 64)
    def train_step(ws, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(ws, x, y)
        return loss, [w - LR * g for w, g in zip(ws, grads)]
    train_step = jax.jit(train_step, donate_argnums=0)

    state = [[jnp.asarray(w) for w in weights]]

    def step(x, y):
        loss, state[0] = train_step(state[0], x, y)
        return float(loss)
    return step


MAKERS = {"graphgrad": make_graphgrad, "numpy": make_numpy, "torch": make_torch,
          "torch.compile": make_torch_compile, "jax.jit": make_jax}


def available(impls):
    have, notes = [], []
    for name in impls:
        try:
            __import__(MODULE[name])
            have.append(name)
        except ImportError as e:
            notes.append(f"{name}: skipped ({e})")
    return have, notes


def set_threads(n, impls):
    if "graphgrad" in impls:
        import graphgrad
        graphgrad.set_num_threads(n)
    if "torch" in impls or "torch.compile" in impls:
        import torch
        torch.set_num_threads(n)


def blas_report():
    lines = []
    if "torch" in sys.modules:  # torch links its BLAS statically, out of threadpoolctl's sight
        import torch
        blas = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
        lines.append(f"torch {torch.__version__}: BLAS {blas.group(1) if blas else 'unknown'}, "
                     f"capability {torch.backends.cpu.get_cpu_capability()}")
    try:
        import threadpoolctl
    except ImportError:
        return lines + ["threadpoolctl not installed: pip install threadpoolctl to see the BLAS in use"]
    return lines + [f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} threads={i.get('num_threads')} "
                    f"({os.path.basename(i.get('filepath', ''))})" for i in threadpoolctl.threadpool_info()]


# --- workers


def worker(args):
    threads = args.worker
    impls, notes = available(args.impls)
    set_threads(threads, impls)
    weights = init_weights()
    out = {"threads": threads, "notes": notes, "batches": {}, "load_before": os.getloadavg()[0]}
    for batch in args.batches:
        data = make_batches(batch, CHECK_STEPS)
        ref = reference_losses(weights, data)
        steps, res = {}, {"check": {}, "times": {}}
        for name in impls:
            try:
                step = MAKERS[name](weights)
                losses = [step(x, y) for x, y in data]
            except Exception as e:  # a peer that fails (torch.compile without a compiler) is a note, not a stop
                notes.append(f"{name} batch {batch}: failed: {type(e).__name__}: {str(e)[:200]}")
                continue
            err = max(abs(a - b) / abs(b) for a, b in zip(losses, ref))
            res["check"][name] = err
            if err > TOL:
                notes.append(f"{name} batch {batch}: loss trajectory DISAGREES with the float64 reference "
                             f"(max rel err {err:.1e}: {losses} vs {ref}); not timed")
                continue
            steps[name] = step
        x, y = data[0]
        # ~sample_s at 50 GFLOP/s, at least 3 steps. Each sample starts with one untimed step:
        # the implementation timed before it has just evicted this one's weights and buffers from
        # the caches, and a training loop runs its steps back to back.
        inner = max(3, int(args.sample_s / (1e-9 * flops(batch) / 50)))
        names = list(steps)
        for name in names:
            res["times"][name] = []
        for r in range(args.repeats):
            for name in names[r % len(names):] + names[:r % len(names)]:
                steps[name](x, y)
                t = time.perf_counter()
                for _ in range(inner):
                    steps[name](x, y)
                res["times"][name].append((time.perf_counter() - t) / inner)
        out["batches"][batch] = res
        print(f"[threads={threads}] batch {batch} done", file=sys.stderr, flush=True)
    out["load_after"] = os.getloadavg()[0]
    out["blas"] = blas_report()
    print(json.dumps(out))


def status(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":")) * 1024


def first_worker(args):
    """A fresh process: import, then make + the first step (trace, grad, compile, run), then the second."""
    name = args.first
    t0 = time.perf_counter()
    __import__(MODULE[name])
    set_threads(1, [name])
    t1 = time.perf_counter()
    (x, y), = make_batches(64, 1)
    step = MAKERS[name](init_weights())
    t2 = time.perf_counter()
    step(x, y)
    t3 = time.perf_counter()
    step(x, y)
    t4 = time.perf_counter()
    print(json.dumps({"impl": name, "import": t1 - t0, "first": t3 - t2, "second": t4 - t3}))


def rss_worker(args):
    """Peak RSS of import + set-up + 20 training steps at batch 512, one thread."""
    name = args.rss
    set_threads(1, [name])
    batches = make_batches(512, 2)
    step = MAKERS[name](init_weights())
    for i in range(20):
        step(*batches[i % 2])
    print(json.dumps({"impl": name, "peak_rss": status("VmHWM"), "rss": status("VmRSS")}))


def run_child(extra, threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    # Some machines set these for an old OpenBLAS; they slow a current numpy and torch's BLAS.
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # idle pools sleep, not spin (see bench/compare.py)
    env.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
    env.setdefault("XLA_FLAGS", f"--xla_cpu_multi_thread_eigen={'true' if threads > 1 else 'false'} "
                                f"intra_op_parallelism_threads={threads}")
    cpus = sorted(os.sched_getaffinity(0))[:threads]
    cmd = ["taskset", "-c", ",".join(map(str, cpus)), sys.executable, os.path.abspath(__file__)] + extra
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise SystemExit(f"worker {extra} failed with exit code {p.returncode}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def fmt_t(s):
    return f"{s * 1e6:.0f} us" if s < 1e-3 else f"{s * 1e3:.2f} ms" if s < 1 else f"{s:.2f} s"


def probe():
    """The FMA peak on 1 and 2 threads, printed beside the table: on a shared machine it moves."""
    from compare_matmul_numpy import fma_peak
    try:
        peak = fma_peak(tempfile.gettempdir())
    except (OSError, subprocess.CalledProcessError) as e:  # no C++ compiler: the table stands alone
        return f"not measured ({type(e).__name__})"
    return ", ".join(f"{g:.0f} GFLOP/s on {t} thread{'s' if t > 1 else ''}" for t, g in sorted(peak.items()))


def impl_list(text):
    names = text.split(",")
    unknown = [n for n in names if n not in MODULE]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown {', '.join(map(repr, unknown))}; choose from {', '.join(IMPLS)}")
    return names


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batches", default="64,512", type=lambda s: [int(b) for b in s.split(",")])
    p.add_argument("--threads", default="1,2", type=lambda s: [int(t) for t in s.split(",")])
    p.add_argument("--impls", default=",".join(IMPLS), type=impl_list, help="comma-separated, of: " + ", ".join(IMPLS))
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--sample-s", type=float, default=0.05, help="target seconds per timing sample")
    p.add_argument("--no-extra", action="store_true", help="skip the first-call and peak-RSS processes")
    p.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    p.add_argument("--first", help=argparse.SUPPRESS)
    p.add_argument("--rss", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(args)
    if args.first:
        return first_worker(args)
    if args.rss:
        return rss_worker(args)

    print(f"# {cpu_name()}, {len(os.sched_getaffinity(0))} CPUs available; python {sys.version.split()[0]}, "
          f"numpy {np.__version__}")
    passthrough = ["--batches", ",".join(map(str, args.batches)), "--impls", ",".join(args.impls),
                   "--repeats", str(args.repeats), "--sample-s", str(args.sample_s)]
    print(f"FMA peak (float32, bench/peak.cpp) before: {probe()}")
    workers = [run_child(passthrough + ["--worker", str(t)], t) for t in args.threads]
    print(f"FMA peak after: {probe()}")
    print("\nBLAS in the worker (torch's build, threadpoolctl):", *workers[0]["blas"], sep="\n  ")
    impls = [i for i in args.impls if any(i in b["times"] for w in workers for b in w["batches"].values())]
    peers = [i for i in impls if i != "graphgrad"]
    head = ["threads", "batch"] + impls + [f"gg/{q}" for q in peers]
    rows = [head]
    for w in workers:
        for batch, b in w["batches"].items():
            med = {n: statistics.median(t) for n, t in b["times"].items()}
            row = [str(w["threads"]), str(batch)]
            row += [f"{fmt_t(med[i])} ({flops(int(batch)) / med[i] / 1e9:.0f})" if i in med else "-" for i in impls]
            row += [f"{med['graphgrad'] / med[q]:.2f}" if "graphgrad" in med and q in med else "-" for q in peers]
            rows.append(row)
    from compare import paired, print_table
    print(f"\nmedian time per step (GFLOP/s), {args.repeats} repeats; ratio = graphgrad / peer (below 1: faster)\n")
    print_table(rows)
    print("\nthe same ratios per round (graphgrad's sample / the peer's in the same round): median (min-max);"
          "\nthe strongest peer is the row's fastest by median time\n")
    rows = [["threads", "batch"] + [f"gg/{q}" for q in peers] + ["gg/strongest peer"]]
    for w in workers:
        for batch, b in w["batches"].items():
            timed = [q for q in peers if q in b["times"]]
            best = min(timed, key=lambda q: statistics.median(b["times"][q])) if timed else None
            rows.append([str(w["threads"]), str(batch)] + [paired(b["times"], q) for q in peers]
                        + [f"{paired(b['times'], best)} {best}" if best else "-"])
    print_table(rows)
    for w in workers:
        print(f"threads={w['threads']}: load average {w['load_before']:.1f} before, {w['load_after']:.1f} after")
        for batch, b in w["batches"].items():
            print(f"  batch {batch}: {CHECK_STEPS}-step loss trajectory, max rel err vs float64: "
                  + ", ".join(f"{n} {e:.1e}" for n, e in b["check"].items()))
        for n in w["notes"]:
            print("note:", n)
    if args.no_extra:
        return
    have, _ = available(args.impls)
    print("\nfirst call, fresh process each, batch 64, 1 thread (make the model + first step; then the second):")
    for name in have:
        try:
            r = run_child(["--first", name], 1)
            print(f"  {name:>14}: import {fmt_t(r['import'])}, first step {fmt_t(r['first'])}, "
                  f"second {fmt_t(r['second'])}")
        except SystemExit as e:
            print(f"  {name:>14}: {e}")
    print("\npeak RSS, fresh process each: import + set-up + 20 steps at batch 512, 1 thread:")
    for name in have:
        try:
            r = run_child(["--rss", name], 1)
            print(f"  {name:>14}: peak {r['peak_rss'] / 2**20:.0f} MiB (RSS at the end {r['rss'] / 2**20:.0f} MiB)")
        except SystemExit as e:
            print(f"  {name:>14}: {e}")


if __name__ == "__main__":
    main()
