#!/usr/bin/env bash
# Side-by-side training-step timings, nabla vs PyTorch 1.13 (LeNet-5 and MLP, batch 64, Adam),
# same thread counts, one run; prints a markdown table of ms/step and nabla/PyTorch ratios.
# Usage: bench/compare_train.sh [build-dir] [rounds] [reps]
#   build-dir: where the bench_nabla target was built (cmake -DNABLA_BUILD_BENCH=ON)
#   MODELS=lenet THREADS=1 bench/compare_train.sh ...   (a subset)
# Threads: PyTorch gets OMP_NUM_THREADS=T OPENBLAS_NUM_THREADS=1 (anchors/REPORT.md 3b); nabla
# gets OMP_NUM_THREADS=T (its OpenBLAS is the OpenMP build and shares that pool). Both run with
# the tuned glibc allocator of anchors/REPORT.md section 2. See compare_train.py for the protocol.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../build}"
rounds="${2:-3}"
reps="${3:-5}"
bench="$build/bench/bench_nabla"
[[ -x "$bench" ]] || { echo "compare_train.sh: $bench not found; build the bench_nabla target" >&2; exit 1; }
grep -m1 "model name" /proc/cpuinfo | sed 's/.*: /CPU: /'
exec /usr/bin/python3 "$here/compare_train.py" --bench "$bench" --rounds "$rounds" --reps "$reps" \
  --models "${MODELS:-lenet,mlp}" --thread-list "${THREADS:-1,2}"
