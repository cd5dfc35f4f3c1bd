#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in their own build folder and runs each for SECONDS.
#   fuzz/run.sh 30            (default 30 s per target)
# New inputs go to <build>/corpus/<target>; the committed seeds in fuzz/corpus/<target> are
# only read. A crash leaves <build>/crash-<target>-* and makes the script exit non-zero.
set -uo pipefail
secs="${1:-30}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${NABLA_FUZZ_BUILD:-$root/build-fuzz}"
targets=(fuzz_idx fuzz_image fuzz_config fuzz_safetensors)

cmake -S "$root/fuzz" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
# fuzz_onnx exists where libonnx-dev and libprotobuf-dev are installed (nabla.sh installs them)
if grep -q '^build fuzz_onnx:' "$build/build.ninja"; then
  targets+=(fuzz_onnx)
else
  echo "fuzz_onnx: skipped (libonnx-dev/libprotobuf-dev not found)"
fi
ninja -C "$build" -j2 "${targets[@]}" || exit 1

status=0
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t"
  log="$build/$t.log"
  "$build/$t" -max_total_time="$secs" -rss_limit_mb=512 -timeout=5 -print_final_stats=1 \
    -artifact_prefix="$build/crash-$t-" "$build/corpus/$t" "$root/fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  if [ $rc -eq 0 ]; then
    echo "$t: ok, ${runs:-?} runs in ${secs}s, $cov"
  else
    echo "$t: FAILED (exit $rc), see $log:"
    grep -E 'ERROR|SUMMARY|Test unit written|==[0-9]+==' "$log" | head -8
    status=1
  fi
done
exit $status
