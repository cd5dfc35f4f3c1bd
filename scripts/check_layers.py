#!/usr/bin/env python3
"""Checks the layering of DESIGN.md: a folder under nabla/ may include only the folders it uses;
tests/<layer>/ only what its layer may use (its test program links that layer alone); apps/ and
examples/ nothing from tests/; and every folder under nabla/ must be listed here."""
import pathlib
import re
import sys

USES = {
    "core": set(),
    "kernels": {"core"},
    "autograd": {"core"},
    "ops": {"core", "kernels", "autograd"},
    "nn": {"core", "kernels", "autograd", "ops"},
    "optim": {"core", "autograd"},
    "data": {"core"},
    "io": {"core"},
    "onnx": {"core", "kernels", "autograd", "ops", "nn", "io", "vision"},  # vision: RoiAlign, NMS
    "train": {"core", "kernels", "autograd", "ops", "nn", "optim", "data", "io"},
    "recipe": {"core", "kernels", "autograd", "ops", "nn", "optim", "data", "io", "train", "vision"},
    "report": {"core", "kernels", "autograd", "ops", "nn", "optim", "data", "io", "train", "recipe",
               "vision"},
    "demo": {"core", "kernels", "autograd", "ops", "optim", "report"},
    "vision": {"core", "kernels", "autograd", "ops", "nn", "data", "io"},
}
# Tests may also read fixtures (io: safetensors) and use Tensor's forwarding methods, which are
# defined in ops/ as in ATen; beyond that a layer's tests use what the layer itself may use.
TEST_EXTRA = {"io", "ops"}
INCLUDE = re.compile(r'#\s*include\s+"nabla/([a-z_]+)/')

top = pathlib.Path(__file__).resolve().parent.parent
root = top / "nabla"
TEST_INCLUDE = re.compile(r'#\s*include\s+"tests/')


def scan(folder, allowed, what, allow_tests=True):
    for f in sorted(folder.rglob("*.[ch]pp")):
        for n, line in enumerate(f.read_text().splitlines(), 1):
            m = INCLUDE.search(line)
            if m and m.group(1) not in allowed:
                bad.append(f"{f.relative_to(top)}:{n}: {what} may not include nabla/{m.group(1)}/")
            if not allow_tests and TEST_INCLUDE.search(line):
                bad.append(f"{f.relative_to(top)}:{n}: {what} may not include tests/")


bad = []
for d in sorted(p for p in root.iterdir() if p.is_dir()):
    if d.name not in USES:
        bad.append(f"nabla/{d.name}/: a folder the layering check does not know; add it to USES")
for layer, allowed in USES.items():
    scan(root / layer, allowed | {layer}, f"{layer}/")
    if (top / "tests" / layer).is_dir():
        scan(top / "tests" / layer, allowed | {layer} | TEST_EXTRA, f"tests/{layer}/")
everything = set(USES)
for folder in ("apps", "examples"):
    scan(top / folder, everything, f"{folder}/", allow_tests=False)
if bad:
    print("layering violations:\n" + "\n".join(bad))
    sys.exit(1)
print("layers: ok (nabla/, tests/, apps/, examples/)")
