#!/usr/bin/env bash
# Side-by-side convolution timings, nabla vs PyTorch, same shapes, same thread counts, one run.
# Usage: bench/compare_conv.sh [build-dir] [reps]     (build-dir: where bench_nabla was built)
#        ONLY=a,c bench/compare_conv.sh ...           (a subset of layers, by letter)
# Threads: 1 and 2. PyTorch gets OMP_NUM_THREADS=T OPENBLAS_NUM_THREADS=1 (2 OpenBLAS threads
# under 2 torch threads oversubscribe, anchors/REPORT.md 3b); nabla gets OMP_NUM_THREADS=T (its
# OpenBLAS is the OpenMP build and shares that pool). Both use the tuned glibc allocator of
# anchors/REPORT.md section 2, since nabla caches its buffers and torch should not be handicapped.
# Prints a markdown table of medians (ms per call) and the ratio nabla / PyTorch: wall time, and
# process CPU time (all threads; less disturbed when other jobs share the 2 cores, comparable
# between the two at 1 thread). The load average is printed too: compare only quiet runs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../build}"
reps="${2:-11}"
bench="$build/bench/bench_nabla"
[[ -x "$bench" ]] || { echo "compare_conv.sh: $bench not found; build the bench_nabla target" >&2; exit 1; }
out="$(mktemp -d)"
load0="$(cut -d" " -f1-3 /proc/loadavg)"
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296
# the automatic engine only: names conv/<layer>/<mode>
only="${ONLY:-}"
layers='[a-z]'
[[ -n "$only" ]] && layers="(${only//,/|})"
filter="^conv/${layers}_[A-Za-z0-9_]+/(fwd|fwdbwd|fwdbwd_w)/iterations"
torch_only=()
[[ -n "$only" ]] && torch_only=(--only "$only")
for t in 1 2; do
  echo "== nabla, $t thread(s)" >&2
  OMP_NUM_THREADS=$t "$bench" --benchmark_filter="$filter" --benchmark_repetitions="$reps" \
    --benchmark_report_aggregates_only=true --benchmark_format=json --benchmark_out_format=json \
    --benchmark_out="$out/nabla_t$t.json" > /dev/null
  echo "== PyTorch, $t thread(s)" >&2
  OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$here/compare_conv.py" \
    --threads "$t" --reps "$reps" --json "$out/torch_t$t.json" "${torch_only[@]}"
done
echo "load average before/after: $load0 / $(cut -d" " -f1-3 /proc/loadavg)"
grep -m1 "model name" /proc/cpuinfo | sed 's/.*: /CPU: /'
echo "nabla median of $reps runs; PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') median of $reps samples"
/usr/bin/python3 "$here/compare_conv.py" --summarize "$out"/nabla_t1.json "$out"/torch_t1.json \
  "$out"/nabla_t2.json "$out"/torch_t2.json
echo "(raw JSON in $out)"
