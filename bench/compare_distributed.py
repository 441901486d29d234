#!/usr/bin/env python3
"""Data-parallel scaling on this machine: MindSpore's Quick Start network (Dense 784-512-512-10,
CrossEntropyLoss, SGD), batch --batch per process, one thread per process, compiled train step.

    python bench/compare_distributed.py [--ranks 1,2] [--batch 256] [--rounds 3]

For each rank count it launches `mpirun -n N` on this file (workers: --worker), alternating the
configurations over --rounds so that the machine's load hits both alike. Each worker times blocks
of steps between barriers and reports the median step time; the throughput is samples/s over
all ranks. With 2 or more ranks the worker also times, in the same job:
  - the step without the gradient all-reduce (each rank alone: the compute), and
  - the all-reduces alone, on buffers of the gradient buckets' sizes (the communication),
so the share of the communication hidden behind the backward pass is
  (compute + communication - data-parallel step) / communication.
It also fits the alpha-beta model of an all-reduce (time = a + b * bytes) from all-reduces of
4 B to 4 MB, for the README's scaling estimate."""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

SHAPES = [(784, 512), (512, 512), (512, 10)]


def worker(batch, blocks, steps):
    import graphgrad as ms
    from graphgrad import nn
    from graphgrad.communication import comm_func, get_group_size, get_rank, init

    ms.set_num_threads(1)
    init()
    rank, size = get_rank(), get_group_size()
    rng = np.random.default_rng(rank)
    x = ms.Tensor(rng.standard_normal((batch, 1, 28, 28), dtype=np.float32))
    y = ms.Tensor(rng.integers(0, 10, batch).astype(np.int32))

    def network():
        return nn.SequentialCell(nn.Flatten(), nn.Dense(784, 512), nn.ReLU(), nn.Dense(512, 512), nn.ReLU(),
                                 nn.Dense(512, 10))

    def train_step(parallel):
        ms.set_auto_parallel_context(parallel_mode="data_parallel" if parallel else "stand_alone",
                                     gradients_mean=True)
        net = network()
        return nn.TrainOneStepCell(nn.WithLossCell(net, nn.CrossEntropyLoss()), nn.SGD(net.trainable_params(), 1e-3))

    def timed(fn):
        fn()
        samples = []
        for _ in range(blocks):
            comm_func.barrier()
            t0 = time.perf_counter()
            for _ in range(steps):
                fn()
            samples.append((time.perf_counter() - t0) / steps)
        return statistics.median(samples)

    result = {"ranks": size}
    parallel = size > 1
    step = train_step(parallel)
    result["step"] = timed(lambda: step(x, y).asnumpy())
    if parallel:
        alone = train_step(False)
        result["compute"] = timed(lambda: alone(x, y).asnumpy())
        reducer = step.grad_reducer
        grads = [ms.Tensor(np.ones(p.shape, np.float32)) for p in reducer.weights]
        buckets = [sum(grads[i].size for i in b) for b in reducer._buckets(grads)]
        flats = [ms.Tensor(np.ones(n, np.float32)) for n in buckets]
        all_reduce = ms.jit(lambda *ts: tuple(comm_func.all_reduce(t)[0] for t in ts))
        result["communication"] = timed(lambda: [t.asnumpy() for t in all_reduce(*flats)])
        result["bucket_bytes"] = [4 * n for n in buckets]
        fit = []
        for nbytes in (4, 4 << 10, 64 << 10, 512 << 10, 4 << 20):
            t = ms.Tensor(np.ones(nbytes // 4, np.float32))
            one = ms.jit(lambda v: comm_func.all_reduce(v)[0])
            fit.append((nbytes, timed(lambda: one(t).asnumpy())))
        result["fit"] = fit
    if rank == 0:
        print("RESULT " + json.dumps(result), flush=True)


def launch(n, args):
    mpirun = shutil.which("mpirun", path=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMPI_COMM", "PMIX_", "PMI_"))}
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMP_NUM_THREADS="1")
    cmd = [mpirun, "-n", str(n), "--bind-to", "core", sys.executable, __file__, "--worker", "--batch", str(args.batch),
           "--blocks", str(args.blocks), "--steps", str(args.steps)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    return json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ranks", default="1,2")
    p.add_argument("--batch", type=int, default=256, help="per process")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--blocks", type=int, default=7)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--worker", action="store_true")
    args = p.parse_args()
    if args.worker:
        return worker(args.batch, args.blocks, args.steps)
    ranks = [int(r) for r in args.ranks.split(",")]
    runs = {n: [] for n in ranks}
    for _ in range(args.rounds):
        for n in ranks:
            runs[n].append(launch(n, args))
    print(f"load average {os.getloadavg()[0]:.1f}; batch {args.batch} per process, 1 thread per process; medians "
          f"of {args.rounds} runs x {args.blocks} blocks of {args.steps} steps")
    base = None
    for n in ranks:
        step = statistics.median(r["step"] for r in runs[n])
        throughput = n * args.batch / step
        base = base or throughput
        line = f"{n} rank(s): step {step * 1e3:.2f} ms, {throughput:.0f} samples/s, {throughput / base:.2f}x one rank"
        if n > 1:
            compute = statistics.median(r["compute"] for r in runs[n])
            comm = statistics.median(r["communication"] for r in runs[n])
            hidden = (compute + comm - step) / comm
            line += (f"; compute alone {compute * 1e3:.2f} ms, all-reduces alone {comm * 1e3:.2f} ms "
                     f"({sum(runs[n][0]['bucket_bytes']) / 2**20:.2f} MB in {len(runs[n][0]['bucket_bytes'])} buckets), "
                     f"hidden {100 * hidden:.0f}%")
            fit = np.array([[b, statistics.median(r["fit"][k][1] for r in runs[n])]
                            for k, (b, _) in enumerate(runs[n][0]["fit"])])
            beta, alpha = np.polyfit(fit[:, 0], fit[:, 1], 1)
            line += (f"\n  all-reduce on {n} ranks: " + ", ".join(f"{int(b)} B {t * 1e6:.0f} us" for b, t in fit)
                     + f"; fit a = {alpha * 1e6:.1f} us, b = {beta * 1e9:.3f} ns/B ({1 / beta / 1e9:.2f} GB/s)")
        print(line)


if __name__ == "__main__":
    main()
