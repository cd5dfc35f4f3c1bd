#!/usr/bin/python3
"""torch_train.py - the recipe of a nabla TOML config, trained in PyTorch, for a side-by-side run.

  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/torch_train.py \
      configs/lenet_fashion.toml --threads 1 [--epochs N] [--seed S] [--json out.json]

Reads the same config as `nabla train` (model name lenet|mlp or a `layers` list, optimizer,
schedule, label smoothing, augmentation, validation split) and prints one line per epoch with the
same fields as nabla's plain progress lines, then a SUMMARY line. PyTorch always draws from its
own streams (init after torch.manual_seed(seed), shuffles from a Generator seeded with seed);
a config with rng = "pytorch" makes nabla draw exactly the same, so the runs pair up seed by seed.
Timing follows shared/anchors/torch_lenet.py: the IDX files are decoded once into float32 [0,1]
tensors (not timed); epoch time is the training loop only (batch gather, forward, backward, step);
evaluation is timed separately. Needs Debian's python3-torch (use /usr/bin/python3).
"""
import argparse
import gzip
import json
import math
import os
import sys
import struct
import time
import tomllib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = struct.unpack(">I", raw[:4])[0] & 0xFF
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(root):
    out = {}
    for split, pre in (("train", "train"), ("test", "t10k")):
        img = read_idx(f"{root}/{pre}-images-idx3-ubyte.gz")
        lab = read_idx(f"{root}/{pre}-labels-idx1-ubyte.gz")
        x = torch.from_numpy(img.astype(np.float32) / 255.0).unsqueeze(1).contiguous()
        out[split] = (x, torch.from_numpy(lab.astype(np.int64)))
    return out


def load_safetensors(path):
    """Reads a safetensors file (nabla's init/order dumps) into a dict of torch tensors."""
    dtypes = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        buf = bytearray(raw[8 + n + a:8 + n + b])
        out[k] = torch.frombuffer(buf, dtype=dtypes[v["dtype"]]).reshape(v["shape"]).clone()
    return out


def named_layers(name):
    if name == "lenet":
        return [dict(type="conv2d", out=6, kernel=5, padding=2), dict(type="relu"), dict(type="maxpool2d", kernel=2),
                dict(type="conv2d", out=16, kernel=5), dict(type="relu"), dict(type="maxpool2d", kernel=2),
                dict(type="flatten"), dict(type="linear", out=120), dict(type="relu"),
                dict(type="linear", out=84), dict(type="relu"), dict(type="linear", out=10)]
    if name == "mlp":
        return [dict(type="flatten"), dict(type="linear", out=256), dict(type="relu"),
                dict(type="linear", out=128), dict(type="relu"), dict(type="linear", out=10)]
    raise SystemExit(f"torch_train.py: unknown model name '{name}' (expected lenet, mlp or a layers list)")


def build(layers):
    """Same shape inference as nabla's model_from_config: in-features follow from (C, H, W)."""
    c, h, w, flat = 1, 28, 28, None
    mods = []
    for spec in layers:
        t = spec["type"]
        if t == "conv2d":
            k, s, p, d = spec["kernel"], spec.get("stride", 1), spec.get("padding", 0), spec.get("dilation", 1)
            mods.append(nn.Conv2d(c, spec["out"], k, s, p, d, bias=spec.get("bias", True)))
            c, h, w = spec["out"], (h + 2 * p - d * (k - 1) - 1) // s + 1, (w + 2 * p - d * (k - 1) - 1) // s + 1
        elif t == "maxpool2d" or t == "avgpool2d":
            k = spec["kernel"]; s = spec.get("stride", k)
            mods.append((nn.MaxPool2d if t == "maxpool2d" else nn.AvgPool2d)(k, s))
            h, w = (h - k) // s + 1, (w - k) // s + 1
        elif t == "batchnorm2d":
            mods.append(nn.BatchNorm2d(c))
        elif t == "batchnorm1d":
            mods.append(nn.BatchNorm1d(flat))
        elif t == "flatten":
            mods.append(nn.Flatten()); flat = c * h * w
        elif t == "linear":
            mods.append(nn.Linear(flat, spec["out"], bias=spec.get("bias", True))); flat = spec["out"]
        elif t == "relu":
            mods.append(nn.ReLU())
        elif t == "leaky_relu":
            mods.append(nn.LeakyReLU(spec.get("slope", 0.01)))
        elif t == "tanh":
            mods.append(nn.Tanh())
        elif t == "sigmoid":
            mods.append(nn.Sigmoid())
        elif t == "gelu":
            mods.append(nn.GELU(approximate=spec.get("approximate", "none")))
        elif t == "dropout":
            mods.append(nn.Dropout(spec.get("p", 0.5)))
        else:
            raise SystemExit(f"torch_train.py: layer type '{t}' not supported here")
    return nn.Sequential(*mods)


def make_optimizer(cfg, params):
    o = dict(cfg.get("optimizer", {}))
    name, lr, wd = o.get("name", "adam"), o.get("lr", 1e-3), o.get("weight_decay", 0.0)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=o.get("momentum", 0.0), nesterov=o.get("nesterov", False),
                               weight_decay=wd)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=tuple(o.get("betas", (0.9, 0.999))), eps=o.get("eps", 1e-8),
                                weight_decay=wd)
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, eps=o.get("eps", 1e-10), weight_decay=wd)
    if name == "adadelta":
        return torch.optim.Adadelta(params, lr=lr, rho=o.get("rho", 0.9), eps=o.get("eps", 1e-6), weight_decay=wd)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=o.get("alpha", 0.99), eps=o.get("eps", 1e-8), weight_decay=wd)
    raise SystemExit(f"torch_train.py: unknown optimizer '{name}'")


def augment(xb, aug, gen):
    if aug.get("hflip", False):
        flip = torch.rand(xb.shape[0], generator=gen) < 0.5
        xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
    pad = aug.get("crop_padding", 0)
    if pad:
        padded = F.pad(xb, (pad, pad, pad, pad))
        out = torch.empty_like(xb)
        offs = torch.randint(0, 2 * pad + 1, (xb.shape[0], 2), generator=gen)
        for i in range(xb.shape[0]):
            dy, dx = offs[i].tolist()
            out[i] = padded[i, :, dy:dy + 28, dx:dx + 28]
        xb = out
    if aug.get("input_noise", 0.0):
        xb = xb + aug["input_noise"] * torch.randn(xb.shape, generator=gen)
    return xb


@torch.no_grad()
def evaluate(model, x, y, bs=1000):
    model.eval()
    correct, loss = 0, 0.0
    for i in range(0, x.shape[0], bs):
        out = model(x[i:i + bs])
        loss += F.cross_entropy(out, y[i:i + bs], reduction="sum").item()
        correct += (out.argmax(1) == y[i:i + bs]).sum().item()
    model.train()
    return loss / x.shape[0], correct / x.shape[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--seed", type=int, default=None, help="overrides the config's seed")
    ap.add_argument("--json", default=None)
    ap.add_argument("--init", default=None, help="start from these weights (safetensors, e.g. trainer_parity's)")
    ap.add_argument("--order", default=None, help="per-epoch sample order (safetensors epoch.E, 0-based)")
    ap.add_argument("--order-seed", type=int, default=None,
                    help="seed the shuffling generator with this instead of the init seed (decoupled draws)")
    ap.add_argument("--float64", action="store_true", help="train and evaluate in double precision")
    ap.add_argument("--step-log", default=None, help="write every step's loss here, one per line")
    ap.add_argument("--save-init", default=None, help="write the initial weights here (safetensors)")
    args = ap.parse_args()
    with open(args.config, "rb") as f:
        cfg = tomllib.load(f)
    torch.set_num_threads(args.threads)
    seed = cfg.get("seed", 0) if args.seed is None else args.seed
    tr, dcfg, mcfg = cfg.get("train", {}), cfg.get("data", {}), cfg.get("model", {})
    epochs = args.epochs or tr.get("epochs", 5)
    bs = tr.get("batch_size", 64)

    data = load(dcfg.get("root", DATA))
    xtr, ytr = data["train"]
    xte, yte = data["test"]
    if dcfg.get("scale", "unit") == "standard":
        xtr, xte = (xtr - 0.2860) / 0.3530, (xte - 0.2860) / 0.3530
    gen = torch.Generator().manual_seed(seed if args.order_seed is None else args.order_seed)
    if dcfg.get("validation", "test") == "holdout":
        perm = torch.randperm(xtr.shape[0], generator=gen)
        nval = dcfg.get("val_size", 5000)
        xval, yval = xtr[perm[:nval]], ytr[perm[:nval]]
        xtr, ytr = xtr[perm[nval:]], ytr[perm[nval:]]
    else:
        xval, yval = xte, yte
    if dcfg.get("train_subset", 0):
        xtr, ytr = xtr[:dcfg["train_subset"]], ytr[:dcfg["train_subset"]]

    torch.manual_seed(seed)
    model = build(mcfg["layers"] if "layers" in mcfg else named_layers(mcfg.get("name", "lenet")))
    if args.init:
        model.load_state_dict(load_safetensors(args.init))
    if args.save_init:
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures"))
        import safetensors_io
        safetensors_io.save(args.save_init, dict(model.state_dict()))
    if args.float64:
        model = model.double()
        xtr, xval, xte = xtr.double(), xval.double(), xte.double()
    orders = load_safetensors(args.order) if args.order else None
    opt = make_optimizer(cfg, model.parameters())
    n = xtr.shape[0]
    steps_per_epoch = math.ceil(n / bs)
    sched = None
    s = cfg.get("schedule", {})
    if s.get("name", "none") == "cosine":
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * steps_per_epoch,
                                                           eta_min=s.get("min_lr", 0.0))
    smoothing = cfg.get("loss", {}).get("label_smoothing", 0.0)
    aug = cfg.get("augment", {})
    print(f"# torch {torch.__version__} config={args.config} threads={torch.get_num_threads()} "
          f"params={sum(p.numel() for p in model.parameters())} train={n} val={xval.shape[0]}", flush=True)

    epoch_s, val_acc = [], []
    step_log = open(args.step_log, "w") if args.step_log else None
    for ep in range(1, epochs + 1):
        perm = torch.randperm(n, generator=gen) if tr.get("shuffle", True) else torch.arange(n)
        if orders is not None:
            perm = orders[f"epoch.{ep - 1}"]
        model.train()
        t0 = time.perf_counter()
        tot_loss, correct = 0.0, 0
        for i in range(0, n, bs):
            idx = perm[i:i + bs]
            xb, yb = xtr[idx], ytr[idx]
            if aug:
                xb = augment(xb, aug, gen)
            out = model(xb)
            loss = F.cross_entropy(out, yb, label_smoothing=smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if sched:
                sched.step()
            tot_loss += loss.item() * yb.shape[0]
            if step_log:
                step_log.write(f"{loss.item():.17g}\n")
            correct += (out.argmax(1) == yb).sum().item()
        epoch_s.append(time.perf_counter() - t0)
        vl, va = evaluate(model, xval, yval)
        val_acc.append(va)
        print(f"epoch {ep}/{epochs} train_loss={tot_loss / n:.4f} train_acc={correct / n:.4f} val_loss={vl:.4f} "
              f"val_acc={va:.4f} train_s={epoch_s[-1]:.2f}", flush=True)
    _, test_acc = evaluate(model, xte, yte)
    med = sorted(epoch_s)[len(epoch_s) // 2]
    print(f"SUMMARY config={args.config} threads={args.threads} epochs={epochs} test_acc={test_acc:.4f} "
          f"epoch_s_median={med:.2f}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(config=args.config, threads=args.threads, epoch_s=epoch_s, val_acc=val_acc,
                           test_acc=test_acc), f, indent=1)


if __name__ == "__main__":
    main()
