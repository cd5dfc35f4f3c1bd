#!/usr/bin/python3
"""Side-by-side training-step timings, nabla vs PyTorch 1.13: one step (zero_grad, forward,
cross-entropy, backward, Adam step) at batch 64 of LeNet-5 and of the 784-256-128-10 MLP, the
models of anchors/REPORT.md section 3 and bench/bench_train_step.cpp.

Driver (what bench/compare_train.sh runs):
  /usr/bin/python3 bench/compare_train.py --bench build-perf/bench/bench_nabla [--rounds 3] [--reps 5]
Each round runs, for T in 1, 2 and each model: PyTorch in a fresh process (OMP_NUM_THREADS=T,
OPENBLAS_NUM_THREADS=1, tuned glibc allocator), then nabla's train_step/<model>/threads:T in a
fresh process (OMP_NUM_THREADS=T). Each process reports the median over `reps` samples of ms per
step (wall and process CPU time, each sample = `steps` steps after warm-up). The table shows the
median over rounds and the ratio nabla / PyTorch of each round's pair, medianed: pairs are taken
seconds apart, so a loaded machine disturbs both sides alike.
Both sides inherit the caller's OMP_WAIT_POLICY / GOMP_SPINCOUNT (printed with the table). With
libgomp's default (spin before sleeping), 2-thread steps of both collapse (10-50x slower) as
soon as any other process wants a core of this 2-vCPU machine; OMP_WAIT_POLICY=passive makes
them robust to that at some cost when the machine is quiet. Compare runs of the same setting.
Worker: --worker torch --model lenet --threads T prints one JSON line.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

TUNED = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296"


def torch_worker(model, threads, reps, steps, warmup):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.set_num_threads(threads)
    torch.manual_seed(0)

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(1, 6, 5, padding=2)
            self.c2 = nn.Conv2d(6, 16, 5)
            self.f1 = nn.Linear(400, 120)
            self.f2 = nn.Linear(120, 84)
            self.f3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.c1(x)), 2)
            x = F.max_pool2d(F.relu(self.c2(x)), 2)
            x = x.flatten(1)
            return self.f3(F.relu(self.f2(F.relu(self.f1(x)))))

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.l1 = nn.Linear(784, 256)
            self.l2 = nn.Linear(256, 128)
            self.l3 = nn.Linear(128, 10)

        def forward(self, x):
            return self.l3(F.relu(self.l2(F.relu(self.l1(x)))))

    net = LeNet() if model == "lenet" else MLP()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.rand(64, 1, 28, 28) if model == "lenet" else torch.rand(64, 784)
    y = torch.tensor([(i * 7 + 3) % 10 for i in range(64)], dtype=torch.int64)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()

    for _ in range(warmup):
        step()
    wall, cpu = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(steps):
            step()
        wall.append((time.perf_counter() - t0) * 1e3 / steps)
        cpu.append((time.process_time() - c0) * 1e3 / steps)
    print(json.dumps({"impl": "torch", "version": torch.__version__, "model": model,
                      "threads": threads, "wall_ms": statistics.median(wall),
                      "cpu_ms": statistics.median(cpu)}))


def run_torch(model, threads, reps, steps):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS="1",
               GLIBC_TUNABLES=TUNED)
    out = subprocess.run([sys.executable, __file__, "--worker", "torch", "--model", model,
                          "--threads", str(threads), "--reps", str(reps), "--steps", str(steps)],
                         env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run_nabla(bench, model, threads, reps):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), GLIBC_TUNABLES=TUNED)
    out = subprocess.run([bench, f"--benchmark_filter=^train_step/{model}/threads:{threads}/",
                          f"--benchmark_repetitions={reps}", "--benchmark_min_time=0.3",
                          "--benchmark_report_aggregates_only=true", "--benchmark_format=json"],
                         env=env, check=True, capture_output=True, text=True).stdout
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") == "median":
            scale = {"ms": 1.0, "us": 1e-3, "ns": 1e-6, "s": 1e3}[b["time_unit"]]
            return {"impl": "nabla", "model": model, "threads": threads,
                    "wall_ms": b["real_time"] * scale, "cpu_ms": b["cpu_time"] * scale}
    raise RuntimeError("compare_train.py: no median in bench_nabla output")


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", choices=["torch"])
    ap.add_argument("--bench", help="path to bench_nabla")
    ap.add_argument("--model", default="lenet")
    ap.add_argument("--models", default="lenet,mlp")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--thread-list", default="1,2")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--steps", type=int, default=50)
    a = ap.parse_args()
    if a.worker:
        torch_worker(a.model, a.threads, a.reps, a.steps, warmup=20)
        return
    if not a.bench or not os.access(a.bench, os.X_OK):
        sys.exit("compare_train.py: --bench must name the built bench_nabla")
    load0 = loadavg()
    results = {}  # (model, threads) -> list of (nabla, torch) per round
    for r in range(a.rounds):
        for t in map(int, a.thread_list.split(",")):
            for m in a.models.split(","):
                tr = run_torch(m, t, a.reps, a.steps)
                nb = run_nabla(a.bench, m, t, a.reps)
                results.setdefault((m, t), []).append((nb, tr))
                print(f"round {r + 1} {m} {t}T: nabla {nb['wall_ms']:.2f} ms (cpu {nb['cpu_ms']:.2f}),"
                      f" torch {tr['wall_ms']:.2f} ms (cpu {tr['cpu_ms']:.2f})  load {loadavg()}",
                      file=sys.stderr)
    print(f"load average before/after: {load0} / {loadavg()}")
    print("OMP_WAIT_POLICY=" + os.environ.get("OMP_WAIT_POLICY", "(unset)") +
          " GOMP_SPINCOUNT=" + os.environ.get("GOMP_SPINCOUNT", "(unset)"))
    print(f"ms per training step, batch 64, Adam; median over {a.rounds} rounds of "
          f"per-process medians ({a.reps} samples each); ratio = median over rounds of nabla/torch")
    print()
    print("| model | threads | nabla wall ms | torch wall ms | **ratio wall** | nabla cpu ms | torch cpu ms | ratio cpu |")
    print("|---|---|---|---|---|---|---|---|")
    med = statistics.median
    for (m, t), pairs in results.items():
        nw = med(p[0]["wall_ms"] for p in pairs)
        tw = med(p[1]["wall_ms"] for p in pairs)
        nc = med(p[0]["cpu_ms"] for p in pairs)
        tc = med(p[1]["cpu_ms"] for p in pairs)
        rw = med(p[0]["wall_ms"] / p[1]["wall_ms"] for p in pairs)
        rc = med(p[0]["cpu_ms"] / p[1]["cpu_ms"] for p in pairs)
        print(f"| {m} | {t} | {nw:.2f} | {tw:.2f} | **{rw:.2f}** | {nc:.2f} | {tc:.2f} | {rc:.2f} |")


if __name__ == "__main__":
    main()
