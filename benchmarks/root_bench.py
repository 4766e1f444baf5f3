"""Weighted RR roots: the guide-table search against a plain binary search.

An RR set for a weighted objective (engagements, people, impressions) starts at node
``v`` with probability ``w_v / W``: the first node whose cumulative weight exceeds
``u W``. A *minimal* binary search (written here) finds it in about log2 n dependent,
mispredicted steps; the package (:func:`pipeline.seeding.rr_kernel._weighted_root`)
starts from a guide table entry (Chen and Asau 1974) and walks, finding the same node.
Both draw the package's own uniforms (``unit(hash(...))`` of the set's key, as
``rr_chunk`` does) for ``--draws`` sets, interleaved, ``--repeats`` times, single
thread; the roots are checked equal and the ratio of the medians printed with the load.

Weights: lognormal (sigma 2) with 30% zeros, heavy-tailed like engagements per account,
for 20,000 nodes (the bundled sample) and 1,000,000. Run from the repository root::

    .venv/bin/python benchmarks/root_bench.py [--draws 5000000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from numba import njit

from pipeline.diffusion.rng import mix64
from pipeline.seeding.rr_kernel import _u01, _weighted_root, root_guide

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@njit(nogil=True)
def binary_roots(cum, draws, key):  # type: ignore[no-untyped-def]
    """Minimal reference: the first index with ``cum > u W`` by binary search."""
    n = cum.shape[0]
    out = np.empty(draws, dtype=np.int64)
    for j in range(draws):
        x = _u01(mix64(key ^ (np.uint64(j) * _GOLDEN)), np.uint64(0)) * cum[n - 1]
        lo, hi = 0, n
        while lo < hi:
            mid = (lo + hi) >> 1
            if cum[mid] > x:
                hi = mid
            else:
                lo = mid + 1
        if lo >= n:
            lo = n - 1
            while lo > 0 and cum[lo] <= cum[lo - 1]:
                lo -= 1
        out[j] = lo
    return out


@njit(nogil=True)
def package_roots(cum, guide, draws, key):  # type: ignore[no-untyped-def]
    out = np.empty(draws, dtype=np.int64)
    for j in range(draws):
        out[j] = _weighted_root(
            cum, guide, _u01(mix64(key ^ (np.uint64(j) * _GOLDEN)), np.uint64(0))
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--draws", type=int, default=5_000_000)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    load = os.getloadavg()
    print(f"draws {args.draws:,}; 1 thread; load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'nodes':>10}{'binary ns':>11}{'guide ns':>10}{'guide/binary':>14}")
    key = np.uint64(7)
    for n in (20_000, 1_000_000):
        rng = np.random.default_rng(n)
        w = rng.lognormal(0.0, 2.0, n)
        w[rng.random(n) < 0.3] = 0.0
        cum = np.cumsum(w)
        guide = root_guide(cum)
        a = binary_roots(cum, args.draws, key)
        b = package_roots(cum, guide, args.draws, key)
        if not np.array_equal(a, b):
            raise SystemExit(f"n={n}: the guide table and the binary search disagree")
        tb: list[float] = []
        tg: list[float] = []
        for _ in range(args.repeats):
            for timed, acc in ((0, tb), (1, tg)):
                t0 = time.process_time()
                if timed == 0:
                    binary_roots(cum, args.draws, key)
                else:
                    package_roots(cum, guide, args.draws, key)
                acc.append(time.process_time() - t0)
        mb, mg = statistics.median(tb), statistics.median(tg)
        print(f"{n:>10,}{mb / args.draws * 1e9:>11.1f}{mg / args.draws * 1e9:>10.1f}"
              f"{mg / mb:>14.2f}")  # fmt: skip
    load = os.getloadavg()
    print(f"load after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
