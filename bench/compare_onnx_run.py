#!/usr/bin/python3
"""Inference speed of `nabla onnx-run` next to PyTorch 1.13 on the same models and inputs.

  /usr/bin/python3 bench/compare_onnx_run.py [--nabla build/apps/nabla/nabla] [--reps 5]

Models: the PyTorch exports of tests/fixtures/onnx_torch (scripts/fixtures/onnx_torch_models.py):
LeNet-5 at batch 64 (1x28x28) and the two ResNet basic blocks at batch 16 (8x32x32; the batch
dim was exported dynamic). PyTorch rebuilds each model with the fixture script's seeds, so its
weights are those in the .onnx file; the script checks that both outputs agree (max abs error
printed) before it trusts a timing.
Protocol, 1 thread on both sides: nabla `onnx-run --threads 1 --repeat R` in a fresh process
(one untimed first run, then the median of R runs of the graph; loading the file is not timed),
PyTorch in this process under torch.no_grad() with torch.set_num_threads(1) (one warm-up call,
then the median of R calls). Both with the tuned glibc allocator of bench/compare_conv.sh.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
sys.path.insert(0, os.path.join(ROOT, "scripts", "fixtures"))
import onnx_torch_models as fx  # noqa: E402

TUNED = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296"


def torch_models():
    """(name, module, input) with the fixture script's seeds: the weights of model.onnx."""
    torch.manual_seed(0)
    lenet = fx.LeNet().eval()
    torch.manual_seed(1)
    blocks = fx.ResNetBlocks()
    fx.randomize_batchnorm(blocks)
    gen = torch.Generator().manual_seed(123)
    return [("lenet", lenet.eval(), torch.rand(64, 1, 28, 28, generator=gen)),
            ("resnet_block", blocks.eval(), torch.randn(16, 8, 32, 32, generator=gen))]


def time_torch(model, x, reps):
    with torch.no_grad():
        y = model(x)  # warm-up
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), y


def time_nabla(nabla, model_path, x, reps, tmp):
    inp = os.path.join(tmp, "input.pb")
    with open(inp, "wb") as f:
        f.write(numpy_helper.from_array(x.numpy().astype(np.float32), "input").SerializeToString())
    out_dir = os.path.join(tmp, "out")
    env = dict(os.environ, OMP_NUM_THREADS="1", GLIBC_TUNABLES=TUNED)
    res = subprocess.run([nabla, "onnx-run", model_path, "--input", "input=" + inp, "--output-dir",
                          out_dir, "--repeat", str(reps), "--threads", "1"],
                         capture_output=True, text=True, env=env, check=True)
    m = re.search(r"median of \d+ more runs: ([0-9.]+) ms", res.stdout)
    if not m:
        sys.exit("compare_onnx_run: unexpected onnx-run output:\n" + res.stdout + res.stderr)
    with open(os.path.join(out_dir, "output_0.pb"), "rb") as f:
        from onnx import TensorProto
        t = TensorProto()
        t.ParseFromString(f.read())
    return float(m.group(1)), numpy_helper.to_array(t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nabla", default=os.path.join(ROOT, "build", "apps", "nabla", "nabla"))
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(1)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, model, x in torch_models():
            path = os.path.join(ROOT, "tests", "fixtures", "onnx_torch", name, "model.onnx")
            nabla_ms, y_nabla = time_nabla(args.nabla, path, x, args.reps, tmp)
            torch_ms, y_torch = time_torch(model, x, args.reps)
            err = float(np.abs(y_nabla - y_torch.numpy()).max())
            rows.append((name, tuple(x.shape), nabla_ms, torch_ms, err))
    print(f"load average: {open('/proc/loadavg').read().split()[0]}; 1 thread; "
          f"median of {args.reps} runs; PyTorch {torch.__version__}")
    print("| model | input | nabla onnx-run ms | PyTorch ms | nabla / PyTorch | max abs diff |")
    print("|---|---|---:|---:|---:|---:|")
    for name, shape, n, t, err in rows:
        dims = "x".join(map(str, shape))
        print(f"| {name} | {dims} | {n:.2f} | {t:.2f} | {n / t:.2f} | {err:.1e} |")


if __name__ == "__main__":
    main()
