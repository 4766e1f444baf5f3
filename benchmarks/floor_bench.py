"""The cascade engine against a minimal kernel on the same CSR arrays: the distance to the floor.

A *minimal* kernel (written here, never used by the package) does one Independent
Cascade run the shortest way numba allows: a breadth-first queue, one activation stamp
per node, and per out-edge of each activated node either

- **per-edge** (``floor-edge``): one counter-based hash of (run key, edge id), an
  integer compare against the edge's precomputed 53-bit threshold, a stamp check; or
- **uniform p** (``floor-skip``): one geometric gap per live edge (one hash and one
  ``log`` each), a stamp check on the live edge's target only.

It draws the package's own coins (:mod:`pipeline.diffusion.rng`: the same hash, keys
and counters), so on the same keys it must activate exactly as many nodes as the
package does, run by run: the script checks that the per-run counts are equal, which
is stronger than "same means within 3 SE". The package is timed through
:func:`pipeline.diffusion.run_cascades` (what a user calls: argument checks, batching,
the kernel) with one numba thread, counting activations only (``--exposed`` adds the
audience count to both: the minimal kernel then stamps every out-edge target of an
activated node as exposed). With ``--kpi`` the package also computes each run's
platform units (impressions, engagements, people) and the ratio to the same call without
them is printed: what the per-run KPI sums cost.

Graph: igraph ``Barabasi(n, m=10)`` reversed (hubs push to followers), 100k nodes and
about 1M edges; seeds: the 50 accounts with most followers. Cases: WC (``1/in-degree``,
per-edge), IC with per-edge probabilities drawn uniform in [0, 0.02) (per-edge), and
IC p = 0.01 (uniform: geometric skips).

Each case is timed interleaved (floor, package, floor, package, ...) in one process,
``--repeats`` times; the ratio of the medians and of the best times (``package /
floor``) is printed with the load average. Run from the repository root::

    .venv/bin/python benchmarks/floor_bench.py [--nodes 100000] [--runs 200] [--repeats 7]

``--threads-check`` instead times the package's own kernels on one thread (the serial
twin campaign cells run) against two (the parallel kernel), same runs, CPU and wall
seconds: whether one thread does the same work for the same CPU.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from diffusion_bench import ba_graph  # the same graph as the peer comparison
from numba import njit

from pipeline.diffusion import DiffusionSpec, build_model, run_cascades, run_keys
from pipeline.diffusion.rng import GAMMA, NODE_SALT
from pipeline.graph_io import FollowerGraph

_S11 = np.uint64(11)
_ONE = np.uint64(1)
_TWO_M53 = 2.0**-53


@njit(inline="always")
def _mix(z):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(nogil=True)
def floor_edge(out_ptr, out_idx, thr, seeds, keys, exposed):
    """Per-edge IC runs: activations (and exposures) per run. ``thr[e]`` is the 53-bit
    integer threshold of edge ``e``: live iff ``hash >> 11 < thr[e]``."""
    n = out_ptr.shape[0] - 1
    st = np.zeros(n, dtype=np.int32)
    sn = np.zeros(n, dtype=np.int32)
    od = np.empty(n, dtype=np.int32)
    act = np.zeros(keys.shape[0], dtype=np.int64)
    exp = np.zeros(keys.shape[0], dtype=np.int64)
    for r in range(keys.shape[0]):
        key = keys[r]
        stamp = np.int32(r + 1)
        end = 0
        ex = 0
        for s in seeds:
            st[s] = stamp
            od[end] = s
            end += 1
            if exposed:
                sn[s] = stamp
                ex += 1
        i = 0
        while i < end:
            u = od[i]
            i += 1
            for e in range(out_ptr[u], out_ptr[u + 1]):
                v = out_idx[e]
                if exposed and sn[v] != stamp:
                    sn[v] = stamp
                    ex += 1
                if (_mix(key + (np.uint64(e) + _ONE) * GAMMA) >> _S11) < thr[e] and st[v] != stamp:
                    st[v] = stamp
                    od[end] = v
                    end += 1
        act[r] = end
        exp[r] = ex
    return act, exp


@njit(nogil=True)
def floor_skip(out_ptr, out_idx, p, seeds, keys):
    """Uniform-p IC runs by geometric skips: activations per run."""
    n = out_ptr.shape[0] - 1
    st = np.zeros(n, dtype=np.int32)
    od = np.empty(n, dtype=np.int32)
    act = np.zeros(keys.shape[0], dtype=np.int64)
    inv = 1.0 / np.log1p(-p)
    for r in range(keys.shape[0]):
        nkey = keys[r] ^ NODE_SALT
        stamp = np.int32(r + 1)
        end = 0
        for s in seeds:
            st[s] = stamp
            od[end] = s
            end += 1
        i = 0
        while i < end:
            u = od[i]
            i += 1
            ku = _mix(nkey + (np.uint64(u) + _ONE) * GAMMA)
            b = out_ptr[u + 1]
            pos = out_ptr[u] - 1
            j = np.uint64(0)
            while True:
                x = (np.float64(_mix(ku + (j + _ONE) * GAMMA) >> _S11) + 1.0) * _TWO_M53
                j += _ONE
                gap = np.log(x) * inv
                if gap >= b - 1 - pos:
                    break
                pos += 1 + np.int64(gap)
                v = out_idx[pos]
                if st[v] != stamp:
                    st[v] = stamp
                    od[end] = v
                    end += 1
        act[r] = end
    return act


def kpi_rows(g: FollowerGraph) -> np.ndarray:
    """A projection (4 x n: impressions, engagements, reach rate, sample ratio per poster)
    with the shape of :meth:`pipeline.profiles.audience.Audience.kernel_rows`: a 10% reach
    rate, 3% of the reached engage, each sampled follower one person."""
    reach = np.full(g.n, 0.1)
    imp = g.follower_count * reach
    return np.ascontiguousarray(np.vstack([imp, imp * 0.03, reach, np.ones(g.n)]))


def thresholds(edge_p: np.ndarray) -> np.ndarray:
    """53-bit integer thresholds: ``unit(h) < p`` iff ``h >> 11 < ceil(p 2^53)``."""
    return np.ceil(edge_p.astype(np.float64) * 2.0**53).astype(np.uint64)


def threads_check(
    g: FollowerGraph, seeds: np.ndarray, cases: list[tuple[str, DiffusionSpec, str]],
    args: argparse.Namespace,
) -> None:  # fmt: skip
    """CPU seconds (all threads, ``time.process_time``) and wall seconds of the same runs
    on the serial kernel (1 thread) and the parallel one (2 threads), interleaved."""
    print(f"{'case':<22}{'1t cpu':>9}{'2t cpu':>9}{'cpu 1t/2t':>10}{'1t wall':>9}{'2t wall':>9}")
    for name, spec, _ in cases:
        res = {}
        for threads in (1, 2):  # warm both kernels
            res[threads] = run_cascades(g, seeds, spec, runs=8, seed=0, threads=threads)
        cpu: dict[int, list[float]] = {1: [], 2: []}
        wall: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(args.repeats):
            for threads in (1, 2):
                c0, w0 = time.process_time(), time.perf_counter()
                r = run_cascades(g, seeds, spec, runs=args.runs, seed=0, exposed=args.exposed,
                                 threads=threads)  # fmt: skip
                cpu[threads].append(time.process_time() - c0)
                wall[threads].append(time.perf_counter() - w0)
                res[threads] = r
        if not np.array_equal(res[1].activated, res[2].activated):
            raise SystemExit(f"{name}: 1 and 2 threads disagree")
        c1, c2 = statistics.median(cpu[1]), statistics.median(cpu[2])
        print(f"{name:<22}{c1:>9.3f}{c2:>9.3f}{c1 / c2:>10.2f}"
              f"{statistics.median(wall[1]):>9.3f}{statistics.median(wall[2]):>9.3f}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--exposed", action="store_true", help="count exposure in both")
    ap.add_argument("--kpi", action="store_true", help="also time the package with KPI sums")
    ap.add_argument(
        "--threads-check", action="store_true",
        help="instead: CPU seconds of the package on 1 thread against 2 (same runs)",
    )  # fmt: skip
    args = ap.parse_args()
    g = ba_graph(args.nodes)
    seeds = np.argsort(-g.follower_count, kind="stable")[:50].astype(np.int32)
    keys = run_keys(0, args.runs)
    rng = np.random.default_rng(5)
    per_edge = DiffusionSpec("ic", edge_prob=rng.uniform(0, 0.02, g.m).astype(np.float32))
    cases: list[tuple[str, DiffusionSpec, str]] = [
        ("WC", build_model(g, "wc"), "edge"),
        ("IC per-edge U[0,.02)", per_edge, "edge"),
        ("IC p=0.01", build_model(g, "ic", p=0.01), "skip"),
    ]
    proj = kpi_rows(g) if args.kpi else None
    load0 = os.getloadavg()
    print(
        f"BA n={g.n:,} m={g.m:,}; k=50; runs={args.runs}; 1 thread; exposure "
        f"{'on' if args.exposed else 'off'}; load {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}"
    )
    if args.threads_check:
        threads_check(g, seeds, cases, args)
        return
    head = f"{'case':<22}{'floor ms':>10}{'ours ms':>10}{'med':>7}{'best':>7}"
    head += f"  {'mean activated':>15}"
    if args.kpi:
        head += f"{'kpi ms':>9}{'kpi/ours':>9}"
    print(head)
    for name, spec, kind in cases:
        if kind == "edge":
            assert spec.edge_prob is not None
            thr = thresholds(np.asarray(spec.edge_prob))

            def floor(thr=thr) -> np.ndarray:
                return floor_edge(g.out_ptr, g.out_idx, thr, seeds, keys, args.exposed)[0]
        else:
            assert spec.node_prob is not None
            if args.exposed:
                continue  # the skip floor does not count exposure (it touches live edges only)
            p = float(spec.node_prob[0])

            def floor(p=p) -> np.ndarray:
                return floor_skip(g.out_ptr, g.out_idx, p, seeds, keys)

        def ours(spec=spec, kpi=False) -> np.ndarray:
            res = run_cascades(
                g, seeds, spec, runs=args.runs, seed=0, exposed=args.exposed, threads=1,
                projection=proj if kpi else None,
            )  # fmt: skip
            return res.activated

        a, b = floor(), ours()  # warm the JIT, and check the counts agree run by run
        if not np.array_equal(a, b):
            raise SystemExit(f"{name}: the floor and the package disagree on activations")
        if args.kpi:
            ours(kpi=True)
        tf, to, tk = [], [], []
        for _ in range(args.repeats):
            for fn, acc in ((floor, tf), (ours, to)) + (((lambda: ours(kpi=True)), tk),) * args.kpi:
                t0 = time.process_time()
                fn()
                acc.append(time.process_time() - t0)
        mf, mo = statistics.median(tf), statistics.median(to)
        mean = float(b.mean())
        se = float(b.std(ddof=1)) / np.sqrt(b.size)
        line = (
            f"{name:<22}{mf / args.runs * 1e3:>10.3f}{mo / args.runs * 1e3:>10.3f}"
            f"{mo / mf:>7.2f}{min(to) / min(tf):>7.2f}  {mean:>9.1f} ±{se:<5.1f}"
        )
        if args.kpi:
            mk = statistics.median(tk)
            line += f"{mk / args.runs * 1e3:>9.3f}{mk / mo:>9.2f}"
        print(line)
    load1 = os.getloadavg()
    print(f"load after: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")


if __name__ == "__main__":
    main()
