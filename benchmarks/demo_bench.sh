#!/usr/bin/env bash
# The README's first job (influence campaign configs/demo.toml) at two commits, interleaved
# on the same machine: a warm-up run of each (numba compiles), then ROUNDS timed rounds.
# Usage: benchmarks/demo_bench.sh OLD_COMMIT [ROUNDS]   (from the repository root, with
# .venv installed). Prints one line per run: label, wall seconds, load average.
set -euo pipefail
old_commit=$1
rounds=${2:-2}
root=$(pwd)
old=$(mktemp -d)/old
git worktree add -q "$old" "$old_commit"
trap 'git worktree remove --force "$old"' EXIT
run() {  # $1 label, $2 source tree
  rm -rf "$2/results/demo"
  local s e
  s=$(date +%s.%N)
  (cd "$2" && PYTHONPATH="$2" "$root/.venv/bin/python" -c "from pipeline.cli import run; run()" \
    campaign configs/demo.toml -q)
  e=$(date +%s.%N)
  echo "$1 $(echo "$e - $s" | bc) s, load $(cut -d' ' -f1-3 /proc/loadavg)"
}
run old-warm "$old"
run new-warm "$root"
for _ in $(seq "$rounds"); do
  run old "$old"
  run new "$root"
done
