"""numpy beside graphgrad's vector math (bench/bench_vmath.cpp), same functions, sizes, input
ranges and dtypes, single thread, in one run: prints ns per element for both and the ratio
numpy / graphgrad (> 1: graphgrad faster). Times are CPU time of the calling thread (this
machine is shared: wall time counts other people's work), medians over repeats.

    python bench/compare_vmath_numpy.py BUILD_DIR/bench/graphgrad_bench [--isa 2] [--repeats 5]

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are removed from this process's environment before numpy
is imported (they slow a current numpy on this machine; see DESIGN.md).
"""
import argparse, json, os, platform, subprocess, sys, time

for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    os.environ.pop(k, None)
import numpy as np  # noqa: E402

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
    inner = max(1, int(2e6 // n))  # about 2e6 elements per sample
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

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    print(f"CPU: {cpu}; numpy {np.__version__}; load average before: {os.getloadavg()}")
    try:
        from threadpoolctl import threadpool_info
        print("threadpoolctl:", [(i.get("internal_api"), i.get("architecture")) for i in threadpool_info()])
    except ImportError:
        print("threadpoolctl: not installed (ufuncs do not use BLAS)")
    print("numpy SIMD:", np.__config__.CONFIG.get("SIMD Extensions", {}).get("found", "?"))

    rng = np.random.default_rng(1)
    ours = {}
    out = subprocess.run([a.bench, f"--benchmark_filter=BM_vmath<(float|double)>/[0-9]+/[0-9]+/{a.isa}$",
                          "--benchmark_repetitions=%d" % a.repeats, "--benchmark_report_aggregates_only=true",
                          "--benchmark_min_time=0.05", "--benchmark_format=json"],
                         capture_output=True, text=True, check=True).stdout
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        dt = "f32" if "<float>" in b["name"] else "f64"
        fn, n, _ = b["name"].split("/")[1:4]
        ours[(dt, int(fn), int(n))] = b["ns_per_elem"] * 1e9

    print(f"\nns per element (CPU time, median of {a.repeats}); ratio = numpy / graphgrad-{ISA_NAMES[a.isa]}")
    print(f"{'fn':9} {'dtype':5} " + " ".join(f"{'n=%.0e' % n:>24}" for n in SIZES))
    for dt, T in (("f32", np.float32), ("f64", np.float64)):
        for i, (name, f, lo, hi) in enumerate(np_fns()):
            cells = []
            for n in SIZES:
                g = ours.get((dt, i, n))
                if f is None:
                    cells.append(f"{'-':>10} {g:6.3f} {'':>6}")
                    continue
                x = rng.uniform(lo, hi, n).astype(T)
                y = np.empty_like(x)
                t = time_np(f, x, y, a.repeats)
                cells.append(f"{t:7.3f} {g:7.3f} {t / g:7.2f}x")
            print(f"{name:9} {dt:5} " + " ".join(f"{c:>24}" for c in cells))
    print(f"\n(each cell: numpy ns, graphgrad ns, ratio)  load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
