#!/usr/bin/env bash
# `influence report` on the demo campaign's results at two commits, interleaved on the
# same machine: the demo runs once (this tree), then a warm-up report of each commit,
# then ROUNDS timed rounds; the two pages must be byte-identical (`cmp`).
# Usage: benchmarks/report_bench.sh OLD_COMMIT [ROUNDS]   (from the repository root, with
# .venv installed). Prints one line per report: label, wall and user seconds, load.
set -euo pipefail
old_commit=$1
rounds=${2:-3}
root=$(pwd)
work=$(mktemp -d)
old=$work/old
git worktree add -q "$old" "$old_commit"
trap 'git worktree remove --force "$old"; rm -rf "$work"' EXIT
mkdir -p "$work/demo/configs" && cp -r data "$work/demo/" && cp configs/demo.toml "$work/demo/configs/"
(cd "$work/demo" && "$root/.venv/bin/influence" campaign configs/demo.toml -q)
report() {  # $1 label, $2 source tree
  local t
  # run from the tree itself: `python -c` puts the working folder before PYTHONPATH
  t=$( { cd "$2" && /usr/bin/time -f "%e s wall, %U s user" env PYTHONPATH="$2" \
    "$root/.venv/bin/python" -c "from pipeline.cli import run; run()" \
    report "$work/demo/results/demo" --out "$work/$1.html" >/dev/null; } 2>&1 | tail -1)
  echo "$1 $t, load $(cut -d' ' -f1-3 /proc/loadavg)"
}
report old-warm "$old"
report new-warm "$root"
for _ in $(seq "$rounds"); do
  report old "$old"
  report new "$root"
done
cmp "$work/old.html" "$work/new.html" && echo "pages byte-identical"
