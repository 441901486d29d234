"""numpy beside graphgrad's vector math (bench/bench_vmath.cpp), same functions, sizes, input
ranges and dtypes, single thread, in one run: prints ns per element for both and the ratio
numpy / graphgrad (> 1: graphgrad faster). Times are CPU time of the calling thread, and the two
sides alternate function by function, several rounds, keeping each side's best: on a shared
machine the load changes by the minute, and the minimum is what the code costs.

    python bench/compare_vmath_numpy.py BUILD_DIR/bench/graphgrad_bench [--isa 2] [--repeats 5]

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are removed from this process's environment before numpy
is imported (they slow a current numpy on this machine; see DESIGN.md).
"""
import argparse, json, os, subprocess, sys, time

for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    os.environ.pop(k, None)
import numpy as np  # noqa: E402

from _machine import cpu_name  # noqa: E402

try:
    import scipy.special as sps
except ImportError:
    sps = None

SIZES = (1000, 100000, 10000000)
ISA_NAMES = {0: "portable", 1: "avx2", 2: "avx512"}


def np_fns():
    def sigmoid(x, y):  # the fastest numpy spelling: no temporaries
        np.negative(x, out=y); np.exp(y, out=y); y += 1; np.reciprocal(y, out=y)
    return [
        ("exp", lambda x, y: np.exp(x, out=y), -10, 10),
        ("expm1", lambda x, y: np.expm1(x, out=y), -10, 10),
        ("log", lambda x, y: np.log(x, out=y), 0, 10),
        ("log1p", lambda x, y: np.log1p(x, out=y), 0, 10),
        ("sin", lambda x, y: np.sin(x, out=y), -10, 10),
        ("cos", lambda x, y: np.cos(x, out=y), -10, 10),
        ("tanh", lambda x, y: np.tanh(x, out=y), -10, 10),
        ("sigmoid", sigmoid, -10, 10),
        ("softplus", lambda x, y: np.logaddexp(0, x, out=y), -10, 10),
        ("erf", (lambda x, y: sps.erf(x, out=y)) if sps else None, -3, 3),
    ]


def time_np(f, x, y, repeats):
    n = x.size
    inner = max(1, int(1e6 // n))  # about 1e6 elements per sample
    f(x, y)
    samples = []
    for _ in range(repeats):
        t0 = time.thread_time_ns()
        for _ in range(inner):
            f(x, y)
        samples.append((time.thread_time_ns() - t0) / inner / n)
    return sorted(samples)[len(samples) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bench")
    ap.add_argument("--isa", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()

    print(f"CPU: {cpu_name()}; numpy {np.__version__}; load average before: {os.getloadavg()}")
    try:
        from threadpoolctl import threadpool_info
        print("threadpoolctl:", [(i.get("internal_api"), i.get("architecture")) for i in threadpool_info()])
    except ImportError:
        print("threadpoolctl: not installed (ufuncs do not use BLAS)")
    print("numpy SIMD:", np.__config__.CONFIG.get("SIMD Extensions", {}).get("found", "?"))

    rng = np.random.default_rng(1)
    fns = np_fns()
    inputs = {(dt, i, n): rng.uniform(lo, hi, n).astype(T) for dt, T in (("f32", np.float32), ("f64", np.float64))
              for i, (_, _, lo, hi) in enumerate(fns) for n in SIZES}
    ours, theirs = {}, {}
    for _ in range(a.repeats):
        for i, (name, f, lo, hi) in enumerate(fns):
            out = subprocess.run([a.bench, f"--benchmark_filter=BM_vmath<(float|double)>/{i}/[0-9]+/{a.isa}$",
                                  "--benchmark_min_time=0.05", "--benchmark_format=json"],
                                 capture_output=True, text=True, check=True).stdout
            for b in json.loads(out)["benchmarks"]:
                dt = "f32" if "<float>" in b["name"] else "f64"
                key = (dt, i, int(b["name"].split("/")[2]))
                ours[key] = min(ours.get(key, 1e30), b["ns_per_elem"] * 1e9)
            if f is None:
                continue
            for dt in ("f32", "f64"):
                for n in SIZES:
                    x = inputs[(dt, i, n)]
                    t = time_np(f, x, np.empty_like(x), 1)
                    theirs[(dt, i, n)] = min(theirs.get((dt, i, n), 1e30), t)

    print(f"\nns per element (CPU time, best of {a.repeats} alternating rounds); ratio = numpy / graphgrad-{ISA_NAMES[a.isa]}")
    print(f"{'fn':9} {'dtype':5} " + " ".join(f"{'n=%.0e' % n:>24}" for n in SIZES))
    for dt in ("f32", "f64"):
        for i, (name, f, _, _) in enumerate(fns):
            cells = []
            for n in SIZES:
                g, t = ours[(dt, i, n)], theirs.get((dt, i, n))
                cells.append(f"{'-':>7} {g:7.3f} {'':>8}" if t is None else f"{t:7.3f} {g:7.3f} {t / g:7.2f}x")
            print(f"{name:9} {dt:5} " + " ".join(f"{c:>24}" for c in cells))
    print(f"\n(each cell: numpy ns, graphgrad ns, ratio)  load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
