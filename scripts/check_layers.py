#!/usr/bin/env python3
"""Checks the layering of DESIGN.md: a folder under nabla/ may include only the folders it uses."""
import pathlib
import re
import sys

USES = {
    "core": set(),
    "kernels": {"core"},
    "autograd": {"core"},
    "ops": {"core", "kernels", "autograd"},
    "nn": {"core", "kernels", "autograd", "ops"},
    "optim": {"core", "autograd", "ops"},
    "data": {"core"},
    "io": {"core"},
    "onnx": {"core", "kernels", "autograd", "ops", "nn", "io"},
    "train": {"core", "kernels", "autograd", "ops", "nn", "optim", "data", "io"},
    "vision": {"core", "kernels", "autograd", "ops", "nn", "data", "io"},
}
INCLUDE = re.compile(r'#\s*include\s+"nabla/([a-z_]+)/')

root = pathlib.Path(__file__).resolve().parent.parent / "nabla"
bad = []
for layer, allowed in USES.items():
    for f in sorted((root / layer).rglob("*.[ch]pp")):
        for n, line in enumerate(f.read_text().splitlines(), 1):
            m = INCLUDE.search(line)
            if m and m.group(1) != layer and m.group(1) not in allowed:
                bad.append(f"{f.relative_to(root.parent)}:{n}: {layer}/ may not include nabla/{m.group(1)}/")
if bad:
    print("layering violations:\n" + "\n".join(bad))
    sys.exit(1)
print("layers: ok")
