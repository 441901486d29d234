"""graphgrad matmul vs numpy (OpenBLAS) GFLOP/s, same machine, same session.

The machine is shared and noisy, so the two are interleaved case by case: for each round and
each case, numpy (in a subprocess pinned to the thread count with OPENBLAS_NUM_THREADS) and
graphgrad_bench run back to back; the table shows the median over rounds.

    python3 bench/compare_matmul_numpy.py build-k/bench/graphgrad_bench [rounds] [dtype...]
"""
import json
import os
import statistics
import subprocess
import sys

# (m, n, k, trans_a, trans_b): squares, model shapes and their gradient products, small ones.
CASES = [(s, s, s, 0, 0) for s in (64, 128, 256, 512, 1024, 2048)]
CASES += [(1024, 1024, 1024, 1, 0), (1024, 1024, 1024, 0, 1)]
for M, N, K in ((64, 128, 256), (512, 1024, 1024), (2048, 1024, 4096)):
    CASES += [(M, N, K, 0, 0), (M, K, N, 0, 1), (K, N, M, 1, 0)]
CASES += [(1, 3, 5, 0, 0), (16, 16, 16, 0, 0), (32, 32, 32, 0, 0),
          (1, 1024, 1024, 0, 0), (1, 1024, 1024, 0, 1), (1024, 1, 1024, 0, 0)]

NUMPY_WORKER = r"""
import json, sys, time
import numpy as np
cases, dtype = json.loads(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(0)
out = {}
for m, n, k, ta, tb in cases:
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(dtype)
    A, B = (a.T if ta else a), (b.T if tb else b)  # views: BLAS gets the transpose flags
    c = np.empty((m, n), dtype)
    np.matmul(A, B, out=c)
    reps = max(3, min(2000, int(2e9 / (2 * m * n * k + 1e5))))
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(reps):
            np.matmul(A, B, out=c)
        times.append((time.perf_counter() - t0) / reps)
    out[f"{m}/{n}/{k}/{ta}/{tb}"] = 2 * m * n * k / statistics.median(times) / 1e9
print(json.dumps(out))
""".replace("import json, sys, time", "import json, statistics, sys, time")


def numpy_run(cases, threads, dtype):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    res = subprocess.run([sys.executable, "-c", NUMPY_WORKER, json.dumps(cases), dtype],
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


def gg_run(bench, cases, threads, dtype):
    ctype = "float" if dtype == "float32" else "double"
    names = "|".join(f"m:{m}/n:{n}/k:{k}/ta:{ta}/tb:{tb}/thr:{threads}/" for m, n, k, ta, tb in cases)
    res = subprocess.run([bench, f"--benchmark_filter=BM_matmul<{ctype}>/({names})",
                          "--benchmark_min_time=0.2", "--benchmark_format=json"],
                         capture_output=True, text=True, check=True)
    out = {}
    for b in json.loads(res.stdout)["benchmarks"]:
        parts = b["name"].split("/")[1:6]
        out["/".join(p.split(":")[1] for p in parts)] = b["GFLOPS"]
    return out


def main():
    bench = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    dtypes = sys.argv[3:] or ["float32"]
    for dtype in dtypes:
        for threads in (1, 2):
            np_runs, gg_runs = [{} for _ in range(rounds)], [{} for _ in range(rounds)]
            for r in range(rounds):
                for case in CASES:
                    np_runs[r].update(numpy_run([case], threads, dtype))
                    gg_runs[r].update(gg_run(bench, [case], threads, dtype))
            print(f"\n{dtype}, {threads} thread(s), median of {rounds} interleaved rounds (GFLOP/s)")
            print(f"| {'m x n x k':>16} | {'op':>5} | {'numpy':>7} | {'graphgrad':>9} | {'ratio':>5} |")
            print(f"|{'-' * 18}|{'-' * 7}|{'-' * 9}|{'-' * 11}|{'-' * 7}|")
            for m, n, k, ta, tb in CASES:
                key = f"{m}/{n}/{k}/{ta}/{tb}"
                npv = statistics.median(r[key] for r in np_runs)
                ggv = statistics.median(r[key] for r in gg_runs)
                op = "A^T B" if ta else ("A B^T" if tb else "A B")
                print(f"| {f'{m}x{n}x{k}':>16} | {op:>5} | {npv:7.2f} | {ggv:9.2f} | {ggv / npv:5.2f} |")


if __name__ == "__main__":
    main()
