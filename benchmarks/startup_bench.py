"""Start-up of the command line: wall time and peak memory of small commands, repeated.

Each command runs ``--repeat`` times in a fresh process (interleaved, so a busy moment
touches every command alike); the median and the spread are printed with the load
average. The numba cache is warmed first by one untimed run of each command.

    python benchmarks/startup_bench.py [--repeat 7] [--tree OLD_CHECKOUT ...]

With ``--tree``, the same commands also run with each given source tree first on
``PYTHONPATH`` (e.g. a clone at an older commit), interleaved with this one, so the
before/after ratio comes from one run.

Python's bytecode caches are written and used, as on any machine where Python runs with
its defaults (a sandbox setting ``PYTHONDONTWRITEBYTECODE=1`` would compile every module
from source on every start: 25 ms more for ``--help``, more for commands loading the
engine); the warm-up run writes them.

Commands: ``influence --help``, ``influence info --help``, ``influence info`` and
``influence simulate`` (1,000 runs) on a generated 1,000-edge file.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _edges(path: Path, m: int = 1000, n: int = 300, seed: int = 1) -> None:
    rng = random.Random(seed)
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < m:
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b:
            pairs.add((a, b))
    path.write_text("follower,followed\n" + "".join(f"{a},{b}\n" for a, b in sorted(pairs)))


def _run(argv: list[str], tree: str | None) -> float:
    """Wall seconds of one fresh process (``tree`` first on PYTHONPATH when given)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # use and write .pyc files, as users do
    if tree:
        env["PYTHONPATH"] = tree
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=env)  # fmt: skip
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--tree", action="append", default=[], help="another source tree")
    args = ap.parse_args()
    exe = str(Path(sys.executable).with_name("influence"))
    with tempfile.TemporaryDirectory() as tmp:
        edges = Path(tmp) / "e1k.csv"
        _edges(edges)
        commands = {
            "influence --help": [exe, "--help"],
            "influence info --help": [exe, "info", "--help"],
            "influence info (1,000 edges)": [exe, "info", str(edges), "--json"],
            "influence simulate (1,000 edges, 1,000 runs)": [
                exe,
                "simulate",
                str(edges),
                "--seeds",
                "1,2,3",
                "--runs",
                "1000",
                "-q",
            ],
        }
        trees: list[str | None] = [None, *args.tree]
        for tree in trees:
            for argv in commands.values():  # warm the numba cache and the OS file cache
                _run(argv, tree)
        times = {(t, name): [] for t in trees for name in commands}  # type: ignore[var-annotated]
        for _ in range(args.repeat):
            for name, argv in commands.items():
                for tree in trees:
                    times[(tree, name)].append(_run(argv, tree))
    print(f"load average {os.getloadavg()[0]:.2f}, {args.repeat} runs each, interleaved")
    label = {None: "this tree", **{t: t for t in args.tree}}
    print("| command | tree | median wall (s) | min | max | ratio to this tree |")
    print("|---|---|---|---|---|---|")
    for name in commands:
        here = statistics.median(times[(None, name)])
        for tree in trees:
            ts = times[(tree, name)]
            med = statistics.median(ts)
            print(f"| {name} | {label[tree]} | {med:.2f} | {min(ts):.2f} | {max(ts):.2f} "
                  f"| {med / here:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
