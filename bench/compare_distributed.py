#!/usr/bin/env python3
"""Data-parallel scaling on this machine: MindSpore's Quick Start network (Dense 784-512-512-10,
CrossEntropyLoss, SGD), batch --batch per process, one thread per process, compiled train step.

    python bench/compare_distributed.py [--ranks 1,2] [--batch 256] [--rounds 3] [--impls graphgrad,torch]

For each implementation and rank count it launches `mpirun -n N` on this file (workers:
--worker), alternating the configurations over --rounds so that the machine's load hits all alike.
The peer is PyTorch's DistributedDataParallel over gloo (the backend its CPU wheel has; DDP also
all-reduces in buckets behind the backward pass), when torch is installed. Each worker times blocks
of steps between barriers and reports the median step time; the throughput is samples/s over
all ranks. With 2 or more ranks the worker also measures, in the same job:
  - the ceiling: every rank stepping at once with nothing exchanged (cores that share a memory
    bus or a physical core do not give N times one rank's speed even then),
  - the time the data-parallel step spends in its collective_start and collective_wait kernels
    (graphgrad.profile: what the step waits for, not hidden), and
  - the all-reduces alone, on buffers of the gradient buckets' sizes (the communication),
so the share of the communication hidden behind the backward pass is 1 - waited / communication.
(In a group of one the reducer has nothing to do: one rank runs the stand-alone graph.) It also fits the alpha-beta model of an all-reduce (time = a + b * bytes) from all-reduces of
4 B to 4 MB, for the README's scaling estimate."""
import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time

import numpy as np

SHAPES = [(784, 512), (512, 512), (512, 10)]


def median_step(fn, barrier, blocks, steps):
    """One warm-up call, then `blocks` timed blocks of `steps` calls, each after a barrier: the
    median time per call."""
    fn()
    samples = []
    for _ in range(blocks):
        barrier()
        t0 = time.perf_counter()
        for _ in range(steps):
            fn()
        samples.append((time.perf_counter() - t0) / steps)
    return statistics.median(samples)


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

    ms.set_auto_parallel_context(parallel_mode="data_parallel", gradients_mean=True)
    net = nn.SequentialCell(nn.Flatten(), nn.Dense(784, 512), nn.ReLU(), nn.Dense(512, 512), nn.ReLU(),
                            nn.Dense(512, 10))
    step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.CrossEntropyLoss()), nn.SGD(net.trainable_params(), 1e-3))

    def timed(fn):
        return median_step(fn, comm_func.barrier, blocks, steps)

    result = {"ranks": size}
    result["step"] = timed(lambda: step(x, y).asnumpy())
    if size > 1:
        # The ceiling: every rank running its step at once, nothing exchanged (a step of its own).
        ms.set_auto_parallel_context(parallel_mode="stand_alone")
        alone = nn.TrainOneStepCell(nn.WithLossCell(net, nn.CrossEntropyLoss()), nn.SGD(net.trainable_params(), 1e-3))
        result["alone"] = timed(lambda: alone(x, y).asnumpy())
        with ms.profile(file=None) as prof:  # the time the step spends in its collectives' kernels
            for _ in range(blocks * steps):
                step(x, y)
        rows = prof.result.top_kernels(10**9)
        result["exposed"] = sum(r["mean_ns"] for r in rows if "= collective_" in r["line"]) * 1e-9
        # The buckets as the compiled step has them: the all-reduces' operand shapes in its graph.
        graph = str(step._compiled.stages(x, y)[-1][1])
        shapes = re.findall(r"= collective_start\(.*: f32\[([\d,]*)\]", graph)
        buckets = [int(np.prod([int(d) for d in shape.split(",")])) for shape in shapes]
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


def torch_worker(batch, blocks, steps):
    """PyTorch DDP on the same network and batch, one thread per process, gloo over loopback."""
    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)
    rank = int(os.environ.get("OMPI_COMM_WORLD_RANK", os.environ.get("PMI_RANK", 0)))
    size = int(os.environ.get("OMPI_COMM_WORLD_SIZE", os.environ.get("PMI_SIZE", 1)))
    dist.init_process_group("gloo", rank=rank, world_size=size)
    torch.manual_seed(0)
    layers = [torch.nn.Flatten()]
    for k, (i, o) in enumerate(SHAPES):
        layers += [torch.nn.Linear(i, o)] + ([torch.nn.ReLU()] if k < len(SHAPES) - 1 else [])
    model = torch.nn.Sequential(*layers)
    if size > 1:
        model = torch.nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(rank)
    x, y = torch.randn(batch, 1, 28, 28, generator=g), torch.randint(0, 10, (batch,), generator=g)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    result = {"ranks": size, "step": median_step(step, dist.barrier, blocks, steps)}
    if rank == 0:
        print("RESULT " + json.dumps(result), flush=True)
    dist.destroy_process_group()


def launch(n, impl, args):
    mpirun = shutil.which("mpirun", path=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMPI_COMM", "PMIX_", "PMI_"))}
    with socket.socket() as s:  # a free port for torch's rendezvous
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMP_NUM_THREADS="1",
               MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    cmd = [mpirun, "-n", str(n), "--bind-to", "core", sys.executable, __file__, "--worker", impl, "--batch", str(args.batch),
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
    p.add_argument("--impls", default="graphgrad,torch")
    p.add_argument("--worker", choices=["graphgrad", "torch"])
    args = p.parse_args()
    if args.worker:
        return (worker if args.worker == "graphgrad" else torch_worker)(args.batch, args.blocks, args.steps)
    ranks = [int(r) for r in args.ranks.split(",")]
    impls = args.impls.split(",")
    if "torch" in impls:
        try:
            import torch  # noqa: F401
        except ImportError:
            print("torch is not installed: graphgrad only")
            impls.remove("torch")
    runs = {(impl, n): [] for impl in impls for n in ranks}
    for _ in range(args.rounds):
        for impl, n in runs:
            runs[impl, n].append(launch(n, impl, args))
    print(f"load average {os.getloadavg()[0]:.1f}; batch {args.batch} per process, 1 thread per process; medians "
          f"of {args.rounds} runs x {args.blocks} blocks of {args.steps} steps")
    for impl in impls:
        base = None
        for n in ranks:
            step = statistics.median(r["step"] for r in runs[impl, n])
            throughput = n * args.batch / step
            base = base or throughput
            line = (f"{impl:9s} {n} rank(s): step {step * 1e3:.2f} ms, {throughput:.0f} samples/s, "
                    f"{throughput / base:.2f}x one rank")
            if impl == "graphgrad" and n > 1:
                alone = statistics.median(r["alone"] for r in runs[impl, n])
                line += (f"; the ceiling, {n} ranks stepping at once with no exchange: {alone * 1e3:.2f} ms, "
                         f"{n * args.batch / alone / base:.2f}x")
                line += "\n" + overlap_and_fit(runs[impl, n], step, args.batch / base)
            print(line)


# Networks for the scaling estimate: (name, alpha in s, beta in s/byte). The first is fitted here;
# the others are typical figures, assumed, not measured: TCP over 10 GbE (about 1.2 GB/s of
# payload, tens of microseconds per message) and 100 Gb/s InfiniBand (about 11 GB/s, a few us).
ASSUMED = [("10 GbE (assumed)", 30e-6, 0.85e-9), ("100 Gb IB (assumed)", 3e-6, 0.09e-9)]


def allreduce_time(p, nbytes, alpha, beta):
    """Rabenseifner's all-reduce (MPI's choice for large buffers): a reduce-scatter then an
    all-gather by recursive halving and doubling, 2 log2(p) messages and 2 (p-1)/p of the buffer."""
    return 2 * np.log2(p) * alpha + 2 * (p - 1) / p * nbytes * beta


def scaling_model(compute, bucket_bytes, hidden, networks):
    """Throughput of p ranks over one rank's, each rank a step of `compute` seconds plus the
    all-reduce time it does not hide: none hidden, and the share measured here hidden."""
    lines = ["  estimate (alpha-beta, Rabenseifner; speed-up over one rank, all-reduce not hidden .. "
             f"{100 * hidden:.0f}% hidden):"]
    for name, alpha, beta in networks:
        cells = []
        for p in (2, 8, 64):
            comm = sum(allreduce_time(p, b, alpha, beta) for b in bucket_bytes)
            worst, best = p * compute / (compute + comm), p * compute / (compute + (1 - hidden) * comm)
            cells.append(f"p={p}: {comm * 1e3:.2f} ms, {worst:.1f}..{best:.1f}x")
        lines.append(f"    {name:22s} " + "; ".join(cells))
    return "\n".join(lines)


def overlap_and_fit(runs, step, one_rank_step):
    """The share of the all-reduce time the step hides, the alpha-beta fit of one all-reduce, and
    what they give for more ranks (each with one rank's step time of compute: a machine each)."""
    exposed = statistics.median(r["exposed"] for r in runs)
    comm = statistics.median(r["communication"] for r in runs)
    hidden = 1 - exposed / comm
    buckets = runs[0]["bucket_bytes"]
    fit = np.array([[b, statistics.median(r["fit"][k][1] for r in runs)] for k, (b, _) in enumerate(runs[0]["fit"])])
    beta, alpha = np.polyfit(fit[:, 0], fit[:, 1], 1)
    networks = [("this machine (fitted)", max(alpha, 0.0) / 2, beta)] + ASSUMED  # p=2: a = 2 alpha, b = beta
    return (f"  all-reduces alone {comm * 1e3:.2f} ms ({sum(buckets) / 2**20:.2f} MB in {len(buckets)} buckets), "
            f"the step's collective kernels {exposed * 1e3:.2f} ms: {100 * hidden:.0f}% of the all-reduce time hidden\n"
            "  one all-reduce: " + ", ".join(f"{int(b)} B {t * 1e6:.0f} us" for b, t in fit)
            + f"; fit a = {alpha * 1e6:.1f} us, b = {beta * 1e9:.3f} ns/B ({1 / beta / 1e9:.2f} GB/s)\n"
            + scaling_model(one_rank_step, buckets, min(max(hidden, 0.0), 1.0), networks))

if __name__ == "__main__":
    main()
