#!/usr/bin/python3
"""Side-by-side pooling timings, nabla vs PyTorch, same work, same thread counts, one run.

Usage (from the repository root, after building the bench_nabla target):
    /usr/bin/python3 bench/compare_pool.py [--build build] [--reps 11] [--threads 1,2]

The work is layer g of anchors/REPORT.md section 2, MaxPool k2 s2 on N32 C64 56x56 float32, plus
avg pool k2 s2 and global average pool on the same input, and LeNet's two 2x2 max pools (N64 C6
28x28 and N64 C16 10x10); bench/bench_pool.cpp has the nabla side:
  fwd        forward under no_grad
  fwd_train  forward with autograd on (PyTorch and nabla keep the argmax indices), no backward
  fwdbwd     forward + y.backward(g) into x.grad
Both sides: outputs allocated per call; one sample = 3 calls (50 for LeNet); 3 untimed warm-up samples; the
median over --reps samples, in ms per call. nabla's samples are Google Benchmark repetitions of
one iteration each. Both processes get the tuned glibc allocator of anchors/REPORT.md section 2
(nabla caches its buffers, so PyTorch should not pay for fresh pages either), OMP_NUM_THREADS=T
and OPENBLAS_NUM_THREADS=1; PyTorch also gets torch.set_num_threads(T). Thread counts alternate
(nabla 1T, torch 1T, nabla 2T, torch 2T) so drift on this shared machine hits both sides alike.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

SHAPE = (32, 64, 56, 56)
SHAPES = {"lenet1_maxpool": (64, 6, 28, 28), "lenet2_maxpool": (64, 16, 10, 10)}  # else SHAPE
INNER = {"lenet1_maxpool": 50, "lenet2_maxpool": 50}  # else 3
CASES = [  # (name, mode) as in bench_pool.cpp: pool/<name>/<mode>
    ("g_maxpool", "fwd"), ("g_maxpool", "fwd_train"), ("g_maxpool", "fwdbwd"),
    ("avg_k2s2", "fwd"), ("avg_k2s2", "fwdbwd"), ("global_avg", "fwd"),
    ("lenet1_maxpool", "fwd"), ("lenet1_maxpool", "fwdbwd"),
    ("lenet2_maxpool", "fwd"), ("lenet2_maxpool", "fwdbwd"),
]
TUNABLES = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296"


def torch_worker(threads, reps):
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    maxpool = lambda t: F.max_pool2d(t, 2, 2)  # noqa: E731
    ops = {"g_maxpool": maxpool, "lenet1_maxpool": maxpool, "lenet2_maxpool": maxpool,
           "avg_k2s2": lambda t: F.avg_pool2d(t, 2, 2),
           "global_avg": lambda t: F.adaptive_avg_pool2d(t, 1)}
    out = {}
    for name, mode in CASES:
        op = ops[name]
        inner = INNER.get(name, 3)
        x = torch.randn(*SHAPES.get(name, SHAPE))
        with torch.no_grad():
            g = torch.randn_like(op(x))
        xg = x.clone().requires_grad_(True)

        def call():
            if mode == "fwd":
                with torch.no_grad():
                    op(x)
            elif mode == "fwd_train":
                op(xg)
            else:
                xg.grad = None
                op(xg).backward(g)

        samples, cpu = [], []
        for rep in range(reps + 3):
            t0, c0 = time.perf_counter(), time.process_time()
            for _ in range(inner):
                call()
            if rep >= 3:
                samples.append((time.perf_counter() - t0) * 1e3 / inner)
                cpu.append((time.process_time() - c0) * 1e3 / inner)
        out[f"{name}/{mode}"] = (statistics.median(samples), statistics.median(cpu))
    json.dump(out, sys.stdout)


def run_nabla(bench, threads, reps, env):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run([bench, "--benchmark_filter=^pool/", f"--benchmark_repetitions={reps}",
                        "--benchmark_report_aggregates_only=true", f"--benchmark_out={f.name}",
                        "--benchmark_out_format=json"],
                       env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        data = json.load(open(f.name))
    out = {}
    for b in data["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
        _, name, mode = b["run_name"].split("/")[:3]
        inner = INNER.get(name, 3)
        out[f"{name}/{mode}"] = (b["real_time"] * scale / inner, b["cpu_time"] * scale / inner)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--reps", type=int, default=11)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--torch-worker", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.torch_worker is not None:
        return torch_worker(args.torch_worker, args.reps)
    bench = os.path.join(args.build, "bench", "bench_nabla")
    if not os.access(bench, os.X_OK):
        sys.exit(f"compare_pool.py: {bench} not found; build the bench_nabla target "
                 "(cmake -DNABLA_BUILD_BENCH=ON) or pass --build")
    rows = {}
    load0 = open("/proc/loadavg").read().split()[:3]
    threads = [int(t) for t in args.threads.split(",")]
    for t in threads:
        env = dict(os.environ, OMP_NUM_THREADS=str(t), OPENBLAS_NUM_THREADS="1", GLIBC_TUNABLES=TUNABLES)
        print(f"== nabla, {t} thread(s)", file=sys.stderr, flush=True)
        n = run_nabla(bench, t, args.reps, env)
        print(f"== PyTorch, {t} thread(s)", file=sys.stderr, flush=True)
        p = json.loads(subprocess.run([sys.executable, __file__, "--torch-worker", str(t),
                                       "--reps", str(args.reps)], env=env, check=True,
                                      capture_output=True, text=True).stdout)
        for key in p:
            rows[(key, t)] = (n.get(key), p[key])
    import torch  # only for the version line
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"CPU: {cpu}; PyTorch {torch.__version__}; medians of {args.reps} samples; "
          f"input {SHAPE} float32 (LeNet rows: {SHAPES})")
    print(f"load average before / after: {load0} / {open('/proc/loadavg').read().split()[:3]}")
    print("wall = elapsed ms per call; cpu = CPU ms per call, shown at 1 thread only (Google Benchmark")
    print("counts the main thread's CPU time), where it is robust to the machine's other load")
    print("| op | mode | threads | nabla wall ms | PyTorch wall ms | PyTorch / nabla | nabla cpu ms | PyTorch cpu ms |")
    print("|---|---|---|---|---|---|---|---|")
    for (key, t), (n, p) in rows.items():
        name, mode = key.split("/")
        if n is None:
            print(f"| {name} | {mode} | {t} | - | {p[0]:.2f} | - | - | - |")
            continue
        cpu = f"{n[1]:.3f} | {p[1]:.3f}" if t == 1 else "- | -"
        print(f"| {name} | {mode} | {t} | {n[0]:.3f} | {p[0]:.3f} | {p[0] / n[0]:.1f}x | {cpu} |")


if __name__ == "__main__":
    sys.exit(main())
