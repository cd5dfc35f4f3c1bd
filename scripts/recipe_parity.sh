#!/usr/bin/env bash
# Recipe parity with PyTorch: trains one config in nabla and in PyTorch (Debian's python3-torch)
# for several seeds, one after the other in the same run, 1 thread each, and prints the test
# accuracy per seed, mean and standard deviation, and median seconds per epoch.
#   scripts/recipe_parity.sh configs/mlp_fashion.toml "0 1 2 3 4" [build]
set -euo pipefail
cfg=$1
seeds=${2:-"0 1 2"}
build=${3:-build}
nabla=$build/apps/nabla/nabla
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf "%-6s %-12s %-12s %-12s %-12s\n" seed nabla_acc torch_acc nabla_s/ep torch_s/ep
for s in $seeds; do
  n=$(OMP_NUM_THREADS=1 "$nabla" train "$cfg" --threads 1 --set seed=$s --out "$out/run$s" 2>/dev/null | grep "^test accuracy")
  t=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/torch_train.py "$cfg" --threads 1 --seed $s | grep "^SUMMARY")
  na=$(sed -E 's/test accuracy ([0-9.]+).*/\1/' <<<"$n")
  ne=$(sed -E 's/.*median epoch ([0-9.]+) s.*/\1/' <<<"$n")
  ta=$(sed -E 's/.*test_acc=([0-9.]+).*/\1/' <<<"$t")
  te=$(grep -oE 'epoch_s_median=[0-9.]+' <<<"$t" | cut -d= -f2 || true)
  printf "%-6s %-12s %-12s %-12s %-12s\n" "$s" "$na" "$ta" "$ne" "${te:-?}"
  echo "$na $ta" >>"$out/acc"
done
python3 scripts/seed_stats.py "$out/acc"
