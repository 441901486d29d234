#!/usr/bin/env python3
"""graphgrad matmul next to numpy (OpenBLAS), PyTorch (oneDNN / MKL) and OpenBLAS's cblas_sgemm called
from C++, in GFLOP/s and as a percentage of this CPU's measured FMA peak, on 1 and 2 threads.

    python bench/compare_matmul_numpy.py build-cpp/bench/graphgrad_bench [--rounds 3] [--groups squares,training]

(groups: squares, training, training512, linear, transposed, small)

The machine is shared and noisy, so the libraries are interleaved case by case: numpy and torch
each live in a persistent worker process per thread count (pinned with taskset to that many CPUs,
their thread pools sized by environment before import), the C++ harness runs once per case
(graphgrad's row, then OpenBLAS's); each round visits every case in every library, and the table
shows the median over rounds of each worker's median sample.

Honest baselines: the numpy worker runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (some
machines set them for old OpenBLAS builds; they slow a current one), in that process only, and
its threadpoolctl report is printed. Debian's OpenBLAS in the C++ harness can be older than the
CPU (0.3.21 calls a model-0xCF Xeon "Prescott" and runs SSE3 kernels); when its core name differs
from the one numpy's OpenBLAS picks, its rows run with OPENBLAS_CORETYPE set to numpy's choice,
and the table says so.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from _machine import cpu_name

HERE = os.path.dirname(os.path.abspath(__file__))

# (m, n, k, trans_a, trans_b, what), shapes printed m x k x n like the issue tracker's tables.
GROUPS = {
    "squares": [(s, s, s, 0, 0, "") for s in (16, 32, 64, 128, 256, 512, 1024, 2048)],
    "training": [],  # the Quick Start MLP 784-512-512-10, batch 64: z = x w, dw = x^T dz, dx = dz w^T
    "training512": [],  # its two large layers at batch 512
    "linear": [],    # the linear + BCE model's medium and large steps: z = x w, dw = x^T dz
    "transposed": [(1024, 1024, 1024, 1, 0, "A^T B"), (1024, 1024, 1024, 0, 1, "A B^T")],
    "small": [(1, 3, 5, 0, 0, "seed"), (1, 1024, 1024, 0, 0, "gemv"), (1, 1024, 1024, 0, 1, "gemv"),
              (1024, 1, 1024, 0, 0, "gemv")],
}
for B, I, O in ((64, 784, 512), (64, 512, 512), (64, 512, 10)):
    GROUPS["training"] += [(B, O, I, 0, 0, f"x w {I}->{O}"), (I, O, B, 1, 0, "x^T dz"), (B, I, O, 0, 1, "dz w^T")]
for B, I, O in ((512, 784, 512), (512, 512, 512)):
    GROUPS["training512"] += [(B, O, I, 0, 0, f"x w {I}->{O}"), (I, O, B, 1, 0, "x^T dz"), (B, I, O, 0, 1, "dz w^T")]
for name, (B, I, O) in (("medium", (512, 1024, 1024)), ("large", (2048, 4096, 1024))):
    GROUPS["linear"] += [(B, O, I, 0, 0, f"{name} x w"), (I, O, B, 1, 0, f"{name} x^T dz")]

PEER_WORKER = r"""
import json, statistics, sys, time
lib, threads = sys.argv[1], int(sys.argv[2])
import numpy as np
if lib == "torch":
    import torch
    torch.set_num_threads(threads)
import threadpoolctl
info = [{k: d.get(k) for k in ("internal_api", "architecture", "num_threads", "version")}
        for d in threadpoolctl.threadpool_info()]
if lib == "torch":
    info.append({"torch": torch.__version__, "mkldnn": torch.backends.mkldnn.is_available(),
                 "num_threads": torch.get_num_threads()})
print(json.dumps(info), flush=True)
for line in sys.stdin:
    m, n, k, ta, tb, dtype, sample_s = json.loads(line)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(dtype)
    if lib == "torch":
        a, b = torch.from_numpy(a), torch.from_numpy(b)
        A, B = (a.T if ta else a), (b.T if tb else b)  # views: the GEMM gets the transpose flags
        c = torch.empty((m, n), dtype=a.dtype)
        call = lambda: torch.matmul(A, B, out=c)
    else:
        A, B = (a.T if ta else a), (b.T if tb else b)
        c = np.empty((m, n), dtype)
        call = lambda: np.matmul(A, B, out=c)
    call()
    t0 = time.perf_counter()
    call()
    reps = max(1, int(sample_s / max(time.perf_counter() - t0, 1e-7)))
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(reps):
            call()
        times.append((time.perf_counter() - t0) / reps)
    flops = 2 * m * n * k
    print(json.dumps([flops / statistics.median(times) / 1e9, flops / min(times) / 1e9]), flush=True)
"""


def peer_env(threads):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    env.update(OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    return env


def pinned(threads):
    return ["taskset", "-c", ",".join(map(str, sorted(os.sched_getaffinity(0))[:threads]))]


class Peer:
    """A persistent numpy or torch worker: one line of JSON per case in, GFLOP/s out."""

    def __init__(self, lib, threads):
        self.p = subprocess.Popen(pinned(threads) + [sys.executable, "-c", PEER_WORKER, lib, str(threads)],
                                  env=peer_env(threads), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.info = json.loads(self.p.stdout.readline())

    def run(self, case, dtype, sample_s):
        self.p.stdin.write(json.dumps(list(case[:5]) + [dtype, sample_s]) + "\n")
        self.p.stdin.flush()
        return json.loads(self.p.stdout.readline())

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def harness(bench, case, threads, dtype, rows, coretype):
    """graphgrad's row and, when built with OpenBLAS, cblas_?gemm's: {row name: ([median, best] GFLOP/s
    over 5 repetitions, label)}."""
    m, n, k, ta, tb = case[:5]
    ctype = "float" if dtype == "float32" else "double"
    name = f"m:{m}/n:{n}/k:{k}/ta:{ta}/tb:{tb}/thr:{threads}/"
    env = peer_env(threads)
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    res = subprocess.run(pinned(threads) + [bench, f"--benchmark_filter=({'|'.join(rows)})<{ctype}>/{name}",
                                            "--benchmark_min_time=0.05", "--benchmark_repetitions=5",
                                            "--benchmark_format=json"],
                         env=env, capture_output=True, text=True, check=True)
    reps = {}
    if not res.stdout.strip():  # no row matched: a harness built without OpenBLAS has no BM_openblas
        return reps
    for b in json.loads(res.stdout)["benchmarks"]:
        if b.get("run_type") == "iteration":
            reps.setdefault(b["name"].split("<")[0], ([], b.get("label", "")))[0].append(b["GFLOPS"])
    return {row: ([statistics.median(g), max(g)], label) for row, (g, label) in reps.items()}


def fma_peak(bench_dir):
    """The measured float32 FMA peak on 1 and 2 threads (bench/peak.cpp, compiled once)."""
    exe = os.path.join(bench_dir, "fma_peak")
    src = os.path.join(HERE, "peak.cpp")
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        subprocess.run([os.environ.get("CXX", "c++"), "-O2", "-pthread", src, "-o", exe], check=True)
    return {int(t): g for t, g in json.loads(subprocess.run([exe, "1", "2"], capture_output=True, text=True,
                                                            check=True).stdout).items()}


def openblas_coretype(bench, numpy_arch):
    """None when Debian's OpenBLAS picks numpy's kernel by itself, else numpy's core name."""
    rows = harness(bench, (64, 64, 64, 0, 0), 1, "float32", ["BM_openblas"], None)
    if "BM_openblas" not in rows:
        return None, None
    detected = rows["BM_openblas"][1]
    return detected, (None if not numpy_arch or detected.lower() == numpy_arch.lower() else numpy_arch)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("bench", help="the graphgrad_bench executable")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--groups", default="squares,training,linear", type=lambda s: s.split(","),
                   help=f"case groups: {','.join(GROUPS)}")
    p.add_argument("--threads", default="1,2", type=lambda s: [int(t) for t in s.split(",")])
    p.add_argument("--dtypes", default="float32", type=lambda s: s.split(","))
    p.add_argument("--peers", default="numpy,torch", type=lambda s: [x for x in s.split(",") if x])
    p.add_argument("--sample-s", type=float, default=0.03, help="seconds per timing sample in the peers")
    p.add_argument("--stat", choices=("median", "best"), default="median",
                   help="per library and round: the median of its samples, or the best (the least disturbed "
                        "on a busy machine; the same statistic for every library)")
    p.add_argument("--json", help="write every sample here")
    args = p.parse_args()
    cases = [c for g in args.groups for c in GROUPS[g]]
    stat = 0 if args.stat == "median" else 1
    cpu = cpu_name()
    peak_before = fma_peak(os.path.dirname(os.path.abspath(args.bench)))
    print(f"CPU: {cpu}, {len(os.sched_getaffinity(0))} CPUs; FMA peak (float32, bench/peak.cpp) "
          f"{peak_before[1]:.0f} GFLOP/s on 1 thread, {peak_before[2]:.0f} on 2")
    results = {"cpu": cpu, "peak_before": peak_before, "tables": []}
    for threads in args.threads:
        peers = {}
        for lib in args.peers:
            try:
                peers[lib] = Peer(lib, threads)
            except Exception as e:  # torch not installed: a note, not a stop
                print(f"note: {lib} skipped ({type(e).__name__})")
        numpy_arch = next((d.get("architecture") for d in peers["numpy"].info
                           if d.get("internal_api") == "openblas"), None) if "numpy" in peers else None
        detected, coretype = openblas_coretype(args.bench, numpy_arch)
        for lib, peer in peers.items():
            print(f"threadpoolctl ({lib} worker, {threads} thread(s), OPENBLAS_CORETYPE/L2_SIZE unset): {peer.info}")
        if detected:
            print(f"C++ cblas_sgemm (Debian OpenBLAS) detects core {detected}"
                  + (f"; its rows run with OPENBLAS_CORETYPE={coretype}, numpy's kernel" if coretype else ""))
        for dtype in args.dtypes:
            load_before = os.getloadavg()
            samples = {c: {} for c in cases}
            for r in range(args.rounds):
                for c in cases:
                    for lib, peer in peers.items():
                        samples[c].setdefault(lib, []).append(peer.run(c, dtype, args.sample_s)[stat])
                    for row, (g, _) in harness(args.bench, c, threads, dtype, ["BM_matmul", "BM_openblas"],
                                               coretype).items():
                        samples[c].setdefault({"BM_matmul": "graphgrad", "BM_openblas": "OpenBLAS C"}[row], []).append(g[stat])
            load_after = os.getloadavg()
            cols = ["graphgrad"] + list(peers) + (["OpenBLAS C"] if detected else [])
            # The probe again, and the higher reading: a disturbed probe reads low (at the start of
            # one run the second core gave 3 GFLOP/s), which would put graphgrad above 100%.
            probe = fma_peak(os.path.dirname(os.path.abspath(args.bench)))
            peak = max(peak_before[min(threads, 2)], probe[min(threads, 2)])
            print(f"\n{dtype}, {threads} thread(s): GFLOP/s ({args.stat} sample of each library per round), "
                  f"median of {args.rounds} interleaved rounds; "
                  f"ratio = graphgrad / the best of {', '.join(cols[1:])}; load average {load_before[0]:.1f} "
                  f"before, {load_after[0]:.1f} after\n")
            head = ["m x k x n", "op"] + cols + ["ratio", "gg % peak"]
            rows = [head]
            for c in cases:
                m, n, k, ta, tb, what = c
                med = {lib: statistics.median(v) for lib, v in samples[c].items()}
                best = max(v for lib, v in med.items() if lib != "graphgrad")
                op = ("A^T B" if ta else "A B^T" if tb else "A B") + (f" ({what})" if what else "")
                rows.append([f"{m}x{k}x{n}", op] + [f"{med[l]:.1f}" if l in med else "-" for l in cols]
                            + [f"{med['graphgrad'] / best:.2f}", f"{100 * med['graphgrad'] / peak:.0f}%"])
            widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
            for row in rows:
                print("| " + " | ".join(x.rjust(w) for x, w in zip(row, widths)) + " |")
            results["tables"].append({"threads": threads, "dtype": dtype, "load": [load_before, load_after],
                                      "samples": {"/".join(map(str, c[:5])): s for c, s in samples.items()}})
        for peer in peers.values():
            peer.close()
    peak_after = fma_peak(os.path.dirname(os.path.abspath(args.bench)))
    print(f"\nFMA peak again at the end: {peak_after[1]:.0f} GFLOP/s on 1 thread, {peak_after[2]:.0f} on 2 "
          f"(percentages above use the higher of the first probe and the one after each table's runs)")
    if args.json:
        results["peak_after"] = peak_after
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
