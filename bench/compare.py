#!/usr/bin/env python3
"""graphgrad side by side with numpy, PyTorch and JAX on one training step of the linear + BCE model:

    loss = bce_with_logits(x @ w + b, y, reduction="mean"),  value and gradients w.r.t. w and b

    python bench/compare.py                          # all sizes, threads 1 and 2
    python bench/compare.py --sizes seed,small --repeats 9 --threads 1 --json out.json

Every implementation is checked against a float64 numpy reference first, then timed round-robin
(one sample of each per repeat, starting at a different one each time) so machine noise hits all
alike. Each thread count runs in its own worker process: OpenBLAS/OpenMP/XLA size their pools at
import, and the worker is pinned to that many CPUs so no library can use more. torch and JAX are
optional: missing ones are skipped with a note. With torch, a reference column "sgemm floor"
times the step's two products alone (see make_floor), so graphgrad / floor says how close the
step comes to the GEMMs it cannot avoid. Also measured: the first call (trace + compile +
run) of graphgrad and jax.jit on the seed model, and the peak RSS of one large step per
implementation, each in a fresh process (VmHWM reset after set-up, see bench/README.md).
"""
import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from _machine import cpu_name

SIZES = {  # batch (None: the tutorial's 1-D x), in, out
    "seed": (None, 5, 3),
    "small": (64, 256, 128),
    "medium": (512, 1024, 1024),
    "large": (2048, 4096, 1024),
}
IMPLS = ["graphgrad", "numpy", "torch", "torch.compile", "jax.jit", "sgemm floor"]
FLOOR = "sgemm floor"  # a reference, not an implementation: see make_floor
TOL = 1e-4  # float32 vs the float64 reference: max |error| / max |reference|, per output


def flops(size):
    """Flops of the two matmuls a step runs (x @ w forward, x^T @ dz for dw); no dx is needed."""
    batch, n_in, n_out = SIZES[size]
    return 2 * 2 * (batch or 1) * n_in * n_out


def make_data(size):
    """float32 x, y (0/1 labels), w, b; made in float32 so the set-up never holds float64 copies."""
    batch, n_in, n_out = SIZES[size]
    rng = np.random.default_rng(0)
    lead = (batch,) if batch else ()

    def uniform(shape, scale=1.0):
        return (rng.random(shape, dtype=np.float32) * 2 - 1) * np.float32(scale)
    x = uniform(lead + (n_in,))
    y = rng.integers(0, 2, lead + (n_out,), dtype=np.int8).astype(np.float32)
    w = uniform((n_in, n_out), 1 / np.sqrt(n_in))  # logits of order 1
    b = uniform((n_out,))
    return [x, y, w, b]


# --- the implementations: each make_* takes (x, y, w, b) numpy arrays and returns a step() that
# computes (loss, dw, db) to completion, in the library's own types.

def numpy_step_fn(x, y, w, b):
    def step():
        z = x @ w + b
        e = np.exp(-np.abs(z))  # the stable form: never exp of a large positive number
        loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(e))
        sig = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
        dz = (sig - y) / z.size
        x2, dz2 = x.reshape(-1, x.shape[-1]), dz.reshape(-1, dz.shape[-1])
        return loss, x2.T @ dz2, dz2.sum(0)
    return step


def make_numpy(x, y, w, b):
    return numpy_step_fn(x, y, w, b)


def graphgrad_model():
    """A fresh model function and its value_and_grad (a new cache each time)."""
    import graphgrad as gg
    from graphgrad import ops

    def make(x, y, w, b):
        wp, bp = gg.Parameter(gg.Tensor(w), name="w"), gg.Parameter(gg.Tensor(b), name="b")

        def forward(x, y):
            return ops.binary_cross_entropy_with_logits(ops.matmul(x, wp) + bp, y)

        vg = gg.value_and_grad(forward, None, weights=[wp, bp])
        xt, yt = gg.Tensor(x), gg.Tensor(y)

        def step():
            loss, (dw, db) = vg(xt, yt)
            return loss, dw, db
        return step
    return make


def make_graphgrad(x, y, w, b):
    return graphgrad_model()(x, y, w, b)


def _torch_step(x, y, w, b, compiled):
    import torch
    import torch.nn.functional as F

    def loss_fn(x, y, w, b):
        return F.binary_cross_entropy_with_logits(x @ w + b, y)
    if compiled:
        loss_fn = torch.compile(loss_fn)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    wt, bt = torch.from_numpy(w).requires_grad_(), torch.from_numpy(b).requires_grad_()

    def step():
        loss = loss_fn(xt, yt, wt, bt)
        dw, db = torch.autograd.grad(loss, [wt, bt])  # no .grad accumulation between steps
        return loss.detach(), dw, db
    return step


def make_torch(x, y, w, b):
    return _torch_step(x, y, w, b, compiled=False)


def make_torch_compile(x, y, w, b):
    return _torch_step(x, y, w, b, compiled=True)


def jax_model():
    """A fresh jitted value_and_grad: a new function object, so jax.jit traces and compiles anew."""
    import jax
    import jax.numpy as jnp

    def loss_fn(x, y, w, b):
        z = x @ w + b
        return jnp.mean(jnp.maximum(z, 0) - z * y + jnp.log1p(jnp.exp(-jnp.abs(z))))
    return jax.jit(jax.value_and_grad(loss_fn, argnums=(2, 3)))


def make_jax(x, y, w, b):
    import jax
    f = jax_model()
    args = [jax.device_put(a) for a in (x, y, w, b)]

    def step():
        loss, (dw, db) = jax.block_until_ready(f(*args))
        return loss, dw, db
    return step


def make_floor(x, y, w, b):
    """The step's two products alone, x @ w and x^T @ dz, by torch.mm into preallocated outputs:
    torch's sgemm is the faster library at both shapes here, so no step can beat this at the
    best library's GEMM speed. Timed round-robin with the implementations; not checked (it
    computes no loss), never counted as a peer."""
    import torch
    xt = torch.from_numpy(x.reshape(-1, x.shape[-1]))  # the seed's 1-D x as one row
    wt = torch.from_numpy(w)
    dz = torch.full((xt.shape[0], w.shape[1]), 0.5)
    z, dw = torch.empty(xt.shape[0], w.shape[1]), torch.empty(w.shape)

    def step():
        torch.mm(xt, wt, out=z)
        torch.mm(xt.t(), dz, out=dw)
    return step


MAKERS = {"graphgrad": make_graphgrad, "numpy": make_numpy, "torch": make_torch,
          "torch.compile": make_torch_compile, "jax.jit": make_jax, FLOOR: make_floor}
MODULE = {"graphgrad": "graphgrad", "numpy": "numpy", "torch": "torch", "torch.compile": "torch", "jax.jit": "jax",
          FLOOR: "torch"}


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
    """Called in a worker before any timing; the env vars were set by the parent before import.
    Imports only what impls use, so an RSS process holds only its own library."""
    if "graphgrad" in impls:
        import graphgrad
        graphgrad.set_num_threads(n)
    if {"torch", "torch.compile", FLOOR} & set(impls):
        import torch
        torch.set_num_threads(n)


def threadpools():
    """What threadpoolctl reports for the libraries loaded in this worker (numpy's OpenBLAS should
    say SkylakeX on a Sapphire Rapids CPU)."""
    try:
        import threadpoolctl
    except ImportError:
        return [{"note": "threadpoolctl not installed"}]
    return [{k: d.get(k) for k in ("internal_api", "architecture", "num_threads", "version")}
            for d in threadpoolctl.threadpool_info()]


def max_rel_err(got, ref):
    got = np.asarray(got, dtype=np.float64)
    return float(np.max(np.abs(got - ref)) / max(np.max(np.abs(ref)), 1e-30))


def time_calls(step, n):
    t = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - t) / n


# --- worker: one thread count, all sizes, all implementations interleaved

def worker(args):
    threads = args.worker
    impls, notes = available(args.impls)
    set_threads(threads, impls)
    # The load average says whether other processes shared the CPUs (a multi-threaded BLAS that
    # meets a busy core waits at its barriers): printed with the table.
    out = {"threads": threads, "notes": notes, "sizes": {}, "first_call": {}, "load_before": os.getloadavg()[0],
           "threadpools": threadpools()}
    for size in args.sizes:
        data = make_data(size)
        ref = numpy_step_fn(*[a.astype(np.float64) for a in data])()  # same inputs, exact sums
        steps, res = {}, {"check": {}, "setup_s": {}, "times": {}, "inner": {}}
        for name in impls:
            t = time.perf_counter()
            try:
                step = MAKERS[name](*data)
                got = step()  # compiles where there is compiling to do
            except Exception as e:  # a peer that fails (e.g. torch.compile without a compiler) is a note, not a stop
                notes.append(f"{name} {size}: failed: {type(e).__name__}: {str(e)[:200]}")
                continue
            res["setup_s"][name] = time.perf_counter() - t
            if name != FLOOR:
                errs = [max_rel_err(g, r) for g, r in zip(got, ref)]
                res["check"][name] = errs
                if max(errs) > TOL:
                    notes.append(f"{name} {size}: DISAGREES with the float64 reference: rel err "
                                 f"loss {errs[0]:.2e} dw {errs[1]:.2e} db {errs[2]:.2e}; not timed")
                    continue
            one = time_calls(step, 1)
            res["inner"][name] = max(1, min(10000, int(args.sample_s / max(one, 1e-9))))
            steps[name] = step
        names = list(steps)
        for name in names:
            res["times"][name] = []
        for r in range(args.repeats):
            for name in names[r % len(names):] + names[:r % len(names)]:
                res["times"][name].append(time_calls(steps[name], res["inner"][name]))
        out["sizes"][size] = res
        print(f"[threads={threads}] {size} done", file=sys.stderr, flush=True)
        del steps
    if "seed" in args.sizes:
        out["first_call"] = first_calls(impls, args.repeats)
    out["load_after"] = os.getloadavg()[0]
    print(json.dumps(out))


def first_calls(impls, repeats):
    """The first call of a fresh function object on the seed model (trace + compile + run), timed
    alone; also the wider figure that includes making the model and its tensors."""
    x, y, w, b = make_data("seed")
    makers = {}
    if "graphgrad" in impls:
        makers["graphgrad"] = lambda: graphgrad_model()(x, y, w, b)  # Parameters, Tensors, value_and_grad
    if "jax.jit" in impls:
        makers["jax.jit"] = lambda: make_jax(x, y, w, b)  # a fresh jit and device_put arrays
    # One library's first calls in a row, not round-robin: right after jax.jit compiles (~0.3 s of
    # allocation, threads and cache traffic), graphgrad's first call measured 3-10x its time alone.
    # gc.collect() first, so no call pays for collecting the garbage of the one before it.
    res = {name: {"first": [], "with_setup": [], "second": []} for name in makers}
    for name, make in makers.items():
        for r in range(repeats):
            gc.collect()
            t0 = time.perf_counter()
            step = make()
            t1 = time.perf_counter()
            step()  # the first call: trace + compile + run
            t2 = time.perf_counter()
            step()
            res[name]["first"].append(t2 - t1)
            res[name]["with_setup"].append(t2 - t0)
            res[name]["second"].append(time.perf_counter() - t2)
    return res


# --- peak RSS of the large step, one fresh process per implementation

def rss_worker(args):
    name = args.rss
    set_threads(1, [name])
    step = MAKERS[name](*make_data("large"))  # each implementation keeps only its own copy of the data
    step()  # compiles (jax, torch.compile) and warms allocators: the measured step is a steady one

    def status(field):
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith(field + ":")) * 1024
    # Reset the peak (VmHWM) so set-up and import transients do not count; where the kernel
    # refuses, VmHWM is ru_maxrss since the start and the "step adds" column is an upper bound.
    setup_peak = status("VmHWM")  # import + data + compile + warm-up step
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        reset = True
    except OSError:
        reset = False
    before = status("VmRSS")
    step()
    out = {"impl": name, "rss_before_step": before, "peak_rss": status("VmHWM"), "peak_reset": reset,
           "setup_peak": setup_peak}
    if name == "numpy":  # numpy reports its buffers to tracemalloc: the step's own allocations
        import tracemalloc
        tracemalloc.start()
        step()
        out["tracemalloc_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(json.dumps(out))


def run_child(extra, threads):
    # OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, set on some machines for old OpenBLAS builds, make a
    # current numpy run an older CPU's kernels: unset for this worker only (bench/README.md).
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    env.update(OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    # Idle pool threads must sleep, not spin: torch's OpenMP and OpenBLAS workers that spin after
    # their call hold the CPUs the next library in the round-robin needs (on 2 CPUs this made numpy
    # 100x slower at the small size). Passive waiting costs each a wake-up, as in a real program.
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    env.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")  # spin 2^4 cycles, then sleep
    cpus = sorted(os.sched_getaffinity(0))[:threads]
    cmd = ["taskset", "-c", ",".join(map(str, cpus)), sys.executable, os.path.abspath(__file__)] + extra
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise SystemExit(f"worker {extra} failed with exit code {p.returncode}")
    return json.loads(p.stdout.strip().splitlines()[-1])


# --- report

def fmt_t(s):
    return f"{s * 1e6:.1f} us" if s < 1e-3 else f"{s * 1e3:.2f} ms" if s < 1 else f"{s:.2f} s"


def paired(times, peer):
    """The median (min-max) of graphgrad's sample / the peer's, round by round. The samples of a
    round are taken within a second of each other, so on a shared machine whose speed moves
    from one minute to the next this compares them in the same conditions more closely than the
    ratio of the medians."""
    if "graphgrad" not in times or peer not in times:
        return "-"
    r = [g / q for g, q in zip(times["graphgrad"], times[peer])]
    return f"{statistics.median(r):.2f} ({min(r):.2f}-{max(r):.2f})"


def print_table(rows):
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.rjust(wd) for c, wd in zip(r, widths)))


def print_tables(results, impls):
    for w in results["workers"]:
        peak = results["peak"].get(min(w["threads"], 2))
        print(f"\n## threads = {w['threads']}: median time per step (GFLOP/s, % of the {peak:.0f} GFLOP/s FMA peak), "
              f"ratio = graphgrad / peer (1-min load average {w['load_before']:.1f} before, {w['load_after']:.1f} after)\n")
        print(f"threadpoolctl: {w['threadpools']}\n")
        cols = [i for i in impls if any(i in s["times"] for s in w["sizes"].values())]
        peers = [c for c in cols if c != "graphgrad"]
        head = ["size"] + cols + [f"gg/{p}" for p in peers]
        rows = [head]
        for size, s in w["sizes"].items():
            med = {n: statistics.median(t) for n, t in s["times"].items()}
            row = [size]
            for c in cols:
                rate = flops(size) / med[c] / 1e9 if c in med else 0
                row.append(f"{fmt_t(med[c])} ({rate:.3g}, {100 * rate / peak:.0f}%)" if c in med else "-")
            for p in peers:
                row.append(f"{med['graphgrad'] / med[p]:.2f}" if "graphgrad" in med and p in med else "-")
            rows.append(row)
        print_table(rows)
        print("\nthe same ratios per round (graphgrad's sample / the peer's in the same round): median (min-max)\n")
        print_table([["size"] + [f"gg/{p}" for p in peers]] +
                    [[size] + [paired(s["times"], p) for p in peers] for size, s in w["sizes"].items()])
        setup = {size: {n: round(t, 2) for n, t in s["setup_s"].items() if t > 1} for size, s in w["sizes"].items()}
        setup = {k: v for k, v in setup.items() if v}
        if setup:
            print(f"setup + first step over 1 s: {setup}")
        for size, s in w["sizes"].items():
            worst = {n: f"{max(e):.1e}" for n, e in s["check"].items()}
            print(f"check {size}: max rel err vs float64 numpy {worst}")
        for fc_name, fc in w["first_call"].items():
            print(f"first call ({fc_name}, seed, fresh function, median of {len(fc['first'])}): "
                  f"{fmt_t(statistics.median(fc['first']))} alone; {fmt_t(statistics.median(fc['with_setup']))} "
                  f"with making the model and its tensors; the second call {fmt_t(statistics.median(fc['second']))}")
        for n in w["notes"]:
            print("note:", n)
    if results.get("rss"):
        print("\n## large step (steady state, after one warm-up step), one process per implementation, 1 thread\n")
        for r in results["rss"]:
            extra = f"; tracemalloc peak of the step {r['tracemalloc_peak'] / 2**20:.0f} MiB" if "tracemalloc_peak" in r else ""
            how = "" if r["peak_reset"] else " (VmHWM could not be reset: an upper bound)"
            print(f"{r['impl']:>14}: RSS before the step {r['rss_before_step'] / 2**20:.0f} MiB, peak during it "
                  f"{r['peak_rss'] / 2**20:.0f} MiB, the step adds {(r['peak_rss'] - r['rss_before_step']) / 2**20:.0f} MiB"
                  f"{how}{extra}; peak of import + set-up + warm-up {r['setup_peak'] / 2**20:.0f} MiB")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="seed,small,medium,large", type=lambda s: s.split(","))
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--threads", default="1,2", type=lambda s: [int(t) for t in s.split(",")])
    p.add_argument("--impls", default=",".join(IMPLS), type=lambda s: s.split(","))
    p.add_argument("--sample-s", type=float, default=0.02, help="target seconds per timing sample")
    p.add_argument("--no-rss", action="store_true", help="skip the peak-RSS runs of the large step")
    p.add_argument("--json", help="write all raw samples here")
    p.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    p.add_argument("--rss", help=argparse.SUPPRESS)
    args = p.parse_args()
    for s in args.sizes:
        if s not in SIZES:
            p.error(f"unknown size {s!r}; choose from {', '.join(SIZES)}")
    if args.worker:
        return worker(args)
    if args.rss:
        return rss_worker(args)

    passthrough = ["--sizes", ",".join(args.sizes), "--repeats", str(args.repeats),
                   "--impls", ",".join(args.impls), "--sample-s", str(args.sample_s)]
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from compare_matmul_numpy import fma_peak
    cpu = cpu_name()
    peak = fma_peak(tempfile.gettempdir())  # before the workers: bench/peak.cpp, compiled once
    print(f"CPU: {cpu}; FMA peak (float32, bench/peak.cpp) {peak[1]:.0f} GFLOP/s on 1 thread, {peak[2]:.0f} on 2")
    results = {"python": sys.version.split()[0], "numpy": np.__version__, "cpus": len(os.sched_getaffinity(0)),
               "cpu": cpu, "peak": peak,
               "workers": [run_child(passthrough + ["--worker", str(t)], t) for t in args.threads], "rss": []}
    if not args.no_rss and "large" in args.sizes:
        impls, _ = available(args.impls)
        results["rss"] = [run_child(["--rss", name], 1) for name in impls if name != FLOOR]
    print_tables(results, args.impls)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
