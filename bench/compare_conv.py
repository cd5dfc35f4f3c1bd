#!/usr/bin/python3
"""PyTorch side of bench/compare_conv.sh: times the layers of bench/bench_conv.cpp.

Usage: OMP_NUM_THREADS=T OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/compare_conv.py \
           --threads T --reps R --json out.json
Protocol (the same as bench_conv.cpp and anchors/torch_conv.py): fwd = forward under no_grad;
fwdbwd = forward with autograd + y.backward(g) (dX, dW, db); fwdbwd_w = without dX. Outputs are
allocated per call, as a user pays them. One sample = `inner` calls (more for the small LeNet
layers), 3 untimed warm-up samples, and the median over `reps` samples, in ms per call.

  --summarize nabla.json torch.json ...  prints the comparison table instead (used by the .sh).
"""
import argparse
import json
import statistics
import sys
import time

LAYERS = [
    # name, description, input shape, (in, out, k, stride, padding, dilation[, groups]),
    # transposed, inner
    ("a_lenet_conv1", "LeNet conv1 N64 C1 28x28 K6 k5 p2", (64, 1, 28, 28), (1, 6, 5, 1, 2, 1), False, 20),
    ("b_lenet_conv2", "LeNet conv2 N64 C6 14x14 K16 k5", (64, 6, 14, 14), (6, 16, 5, 1, 0, 1), False, 20),
    ("c_resnet_3x3", "ResNet N32 C64 56x56 K64 k3 p1", (32, 64, 56, 56), (64, 64, 3, 1, 1, 1), False, 1),
    ("d_strided", "strided N32 C64 56x56 K128 k3 s2 p1", (32, 64, 56, 56), (64, 128, 3, 2, 1, 1), False, 1),
    ("e_dilated", "dilated N32 C64 56x56 K64 k3 p2 d2", (32, 64, 56, 56), (64, 64, 3, 1, 2, 2), False, 1),
    ("f_convT", "ConvT N32 C64 28x28 -> K32 56x56 k4 s2 p1", (32, 64, 28, 28), (64, 32, 4, 2, 1, 1), True, 1),
    ("g_depthwise", "depthwise N32 C64 56x56 k3 p1 g64", (32, 64, 56, 56), (64, 64, 3, 1, 1, 1, 64), False, 1),
]


def run_torch(args):
    import torch
    import torch.nn as nn

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rows = []
    for name, _, shape, conv, transposed, inner in LAYERS:
        cin, cout, k, s, p, d = conv[:6]
        groups = conv[6] if len(conv) > 6 else 1
        if args.only and not any(name.startswith(o) for o in args.only.split(",")):
            continue
        if transposed:
            m = nn.ConvTranspose2d(cin, cout, k, stride=s, padding=p, dilation=d, groups=groups)
        else:
            m = nn.Conv2d(cin, cout, k, stride=s, padding=p, dilation=d, groups=groups)
        x = torch.randn(*shape)
        with torch.no_grad():
            g = torch.randn_like(m(x))
        xg = x.clone().requires_grad_(True)
        params = list(m.parameters())

        def fwd():
            with torch.no_grad():
                m(x)

        def fwdbwd(inp):
            for q in params:
                q.grad = None
            inp.grad = None
            m(inp).backward(g)

        modes = [("fwd", fwd), ("fwdbwd", lambda: fwdbwd(xg))]
        if name == "a_lenet_conv1":
            modes.append(("fwdbwd_w", lambda: fwdbwd(x)))
        for mode, fn in modes:
            samples, cpu = [], []
            for rep in range(args.reps + 3):
                t0, c0 = time.perf_counter(), time.process_time()
                for _ in range(inner):
                    fn()
                if rep >= 3:
                    samples.append((time.perf_counter() - t0) * 1e3 / inner)
                    cpu.append((time.process_time() - c0) * 1e3 / inner)
            rows.append({"layer": name, "mode": mode, "threads": args.threads,
                         "median_ms": statistics.median(samples), "cpu_ms": statistics.median(cpu)})
            print(f"torch {name:14s} {mode:8s} t={args.threads} {rows[-1]['median_ms']:9.3f} ms",
                  file=sys.stderr, flush=True)
    with open(args.json, "w") as f:
        json.dump(rows, f, indent=1)


def load_nabla(path, threads):
    """Google Benchmark JSON (aggregates) -> rows; names are conv/<layer>/<mode>."""
    with open(path) as f:
        data = json.load(f)
    inner = {name: n for name, *_, n in LAYERS}
    rows = []
    for b in data["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        # run_name is conv/<layer>/<mode>[/<engine>]/iterations:1/process_time/real_time
        parts = [q for q in b["run_name"].split("/") if ":" not in q and q not in ("real_time", "process_time")]
        if len(parts) != 3:  # engine-forcing variants are not part of the comparison
            continue
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
        rows.append({"layer": parts[1], "mode": parts[2], "threads": threads,
                     "median_ms": b["real_time"] * scale / inner[parts[1]],
                     "cpu_ms": b["cpu_time"] * scale / inner[parts[1]]})
    return rows


def summarize(paths):
    table = {}
    for path in paths:
        who, threads = path.split("/")[-1].split(".")[0].split("_t")
        rows = load_nabla(path, int(threads)) if who == "nabla" else json.load(open(path))
        for r in rows:
            table.setdefault((r["layer"], r["mode"], int(threads)), {})[who] = (r["median_ms"],
                                                                                 r["cpu_ms"])
    desc = {name: d for name, d, *_ in LAYERS}
    print("| layer | mode | threads | nabla ms | PyTorch ms | nabla / PyTorch | "
          "CPU ms nabla | CPU ms PyTorch | CPU ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    order = [name for name, *_ in LAYERS]
    for (layer, mode, t) in sorted(table, key=lambda k: (order.index(k[0]), k[1], k[2])):
        v = table[(layer, mode, t)]
        n, p = v.get("nabla", (None, None)), v.get("torch", (None, None))
        ratio = lambda a, b: f"{a / b:.2f}" if a and b else "-"
        fmt = lambda z: f"{z:.3f}" if z is not None and z < 10 else (f"{z:.1f}" if z else "-")
        print(f"| {layer} ({desc[layer]}) | {mode} | {t} | {fmt(n[0])} | {fmt(p[0])} | "
              f"**{ratio(n[0], p[0])}** | {fmt(n[1])} | {fmt(p[1])} | {ratio(n[1], p[1])} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=11)
    ap.add_argument("--json", default="torch.json")
    ap.add_argument("--only", default=None, help="comma list of layer prefixes, e.g. a,c")
    ap.add_argument("--summarize", nargs="+", default=None)
    args = ap.parse_args()
    if args.summarize:
        summarize(args.summarize)
    else:
        run_torch(args)


if __name__ == "__main__":
    sys.exit(main())
