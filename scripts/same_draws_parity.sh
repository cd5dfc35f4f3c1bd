#!/usr/bin/env bash
# Paired recipe parity: for each seed, nabla's Trainer (build/examples/trainer_parity) and PyTorch
# (scripts/torch_train.py --init --order) train the config from the SAME initial weights on the
# SAME per-epoch sample order (nabla's), float32, 1 thread each, both at once on two cores. What
# is left between the two columns is float32 rounding; what differs from scripts/recipe_parity.sh
# (each framework with its own random draws) is the draws.
#   scripts/same_draws_parity.sh configs/mlp_fashion.toml "0 1 2 3 4" [build]
set -euo pipefail
cfg=$1
seeds=${2:-"0 1 2"}
build=${3:-build}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for s in $seeds; do
  OMP_NUM_THREADS=1 "$build/examples/trainer_parity" "$cfg" "$out/s$s" --seed "$s" --dump-only
done
for s in $seeds; do
  OMP_NUM_THREADS=1 "$build/examples/trainer_parity" "$cfg" "$out/s$s" --seed "$s" 2>/dev/null | tail -1 >"$out/nabla$s"
done &
for s in $seeds; do
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/torch_train.py "$cfg" --seed "$s" \
    --init "$out/s$s/init.safetensors" --order "$out/s$s/order.safetensors" | grep "^SUMMARY" >"$out/torch$s"
done &
wait
printf "%-6s %-12s %-12s\n" seed nabla_acc torch_acc
for s in $seeds; do
  na=$(grep -oE 'val_acc=[0-9.]+' "$out/nabla$s" | cut -d= -f2)
  ta=$(grep -oE 'test_acc=[0-9.]+' "$out/torch$s" | cut -d= -f2)
  printf "%-6s %-12s %-12s\n" "$s" "$na" "$ta"
  echo "$na $ta" >>"$out/acc"
done
python3 scripts/seed_stats.py "$out/acc"
