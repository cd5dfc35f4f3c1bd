#!/usr/bin/env python3
"""Mean +/- sd of per-seed accuracies, one row per seed "nabla torch", and the paired difference
(meaningful when the two runs of a row share their random draws: rng = "pytorch" or
scripts/same_draws_parity.sh). Used by recipe_parity.sh and same_draws_parity.sh.
  scripts/seed_stats.py FILE
"""
import statistics
import sys

rows = [tuple(map(float, line.split())) for line in open(sys.argv[1]) if line.strip()]
if not rows:
    sys.exit("seed_stats.py: no rows (did every run fail?)")


def sd(v):
    return statistics.stdev(v) if len(v) > 1 else 0.0


for i, name in enumerate(("nabla", "torch")):
    v = [r[i] for r in rows]
    print(f"{name}: mean {statistics.mean(v):.4f} +/- {sd(v):.4f} over {len(v)} seeds, min {min(v):.4f} max {max(v):.4f}")
d = [r[0] - r[1] for r in rows]
print(f"nabla - torch, seed by seed: mean {statistics.mean(d):+.4f} +/- {sd(d):.4f}")
