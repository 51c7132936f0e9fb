#!/usr/bin/env bash
# Runs every measurement of this study, Effect 3 and Effect 4 alternating, and prints the summary.
# Usage: bash docs/effect4-floor/run.sh [cycles=6]   (about 4 minutes on a 2-core machine)
# Each version gets its own node_modules from its lockfile (effect 3.22.4 and 4.1.0); only
# v3/adapter.mjs and v4/adapter.mjs differ, and every program in common/ is copied into both.
set -euo pipefail
cd "$(dirname "$0")"
for v in v3 v4; do
  [ -d "$v/node_modules/effect" ] || npm ci --prefix "$v" --no-audit --no-fund >/dev/null
  cp common/*.mjs "$v/"
done
cycles=${1:-6}
mkdir -p results
: >results/client.jsonl
: >results/fiberlife.jsonl
: >results/memory.jsonl
: >results/import.jsonl
# Alternates the versions, swapping which runs first every cycle.
order() { if [ $(($1 % 2)) -eq 0 ]; then echo "v3 v4"; else echo "v4 v3"; fi; }
for c in $(seq 1 "$cycles"); do
  for v in $(order "$c"); do (cd "$v" && timeout 300 node client.mjs 3 10000 >>../results/client.jsonl); done
done
for c in $(seq 1 "$cycles"); do
  for v in $(order "$c"); do (cd "$v" && timeout 300 node fiberlife.mjs 2 100000 1000 >>../results/fiberlife.jsonl); done
done
for c in $(seq 1 5); do
  for m in fiber stream echo scoped; do
    for v in $(order "$c"); do (cd "$v" && timeout 120 node --expose-gc memory.mjs "$m" 10000 >>../results/memory.jsonl); done
  done
  for h in barrel subpath; do
    for v in $(order "$c"); do (cd "$v" && node --expose-gc importheap.mjs "$h" >>../results/import.jsonl); done
  done
done
node summarize.mjs
