"""Unbounded sizes (issue 28): jobs whose arrays exceed the memory limit are refused
with the estimate and the limit before they allocate; long simulations run in batches
that give the same bytes as one call and let Ctrl-C stop between them."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

import pipeline.diffusion.simulate  # noqa: F401  (the module, for its batch constants)
from pipeline.cli import app
from pipeline.diffusion.threads import interrupt_point, kernel_guard, request_interrupt
from pipeline.errors import InputError
from pipeline.graph_io import from_edges
from pipeline.memory import check_memory, format_bytes, max_memory, parse_memory, set_max_memory
from pipeline.seeding.rrsets import sample_rr_sets

SIM = sys.modules["pipeline.diffusion.simulate"]
runner = CliRunner()


@pytest.fixture(autouse=True)
def _reset_limit() -> Iterator[None]:
    yield
    set_max_memory(None)


def _chain(n: int = 150):
    """A path 0 -> 1 -> ... plus a star from 0: cascades longer than 64 steps at p = 1."""
    src = np.concatenate([np.arange(n - 1), np.zeros(20, dtype=np.int64)])
    dst = np.concatenate([np.arange(1, n), np.arange(n, n + 20)])
    return from_edges(src, dst, pl.Series([f"a{i}" for i in range(n + 20)]))


def test_sizes_parse() -> None:
    assert parse_memory("8GB") == 8 * 10**9
    assert parse_memory("512MiB") == 512 * 2**20
    assert parse_memory(" 1.5 g ") == int(1.5 * 2**30)
    assert parse_memory(1234) == 1234
    assert 0 < parse_memory("50%") <= parse_memory("100%")
    for bad in ("", "5XB", "-1GB", "0", "150%", "GB"):
        with pytest.raises(InputError, match="--max-memory"):
            parse_memory(bad)
    assert format_bytes(1536) == "1.5 KiB" and format_bytes(12) == "12 bytes"


def test_limit_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFLUENCE_MAX_MEMORY", "2MB")
    assert max_memory() == 2 * 10**6
    set_max_memory("3MB")
    assert max_memory() == 3 * 10**6
    set_max_memory(None)
    monkeypatch.setenv("INFLUENCE_MAX_MEMORY", "lots")
    with pytest.raises(InputError, match="INFLUENCE_MAX_MEMORY: cannot read 'lots'"):
        max_memory()
    monkeypatch.delenv("INFLUENCE_MAX_MEMORY")
    assert max_memory() > 0
    with pytest.raises(InputError, match=r"job needs about 2\.0 KiB of memory; the limit is"):
        set_max_memory(1024)
        check_memory(2048, "job")


def test_batches_give_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    g = _chain()
    kw = dict(runs=300, seed=5, attribution=True, node_counts=True)
    one = SIM.simulate(g, [0, 3], "ic", p=0.97, **kw)
    monkeypatch.setattr(SIM, "_FIRST_BATCH", 7)
    monkeypatch.setattr(SIM, "_BATCH_SECONDS", 1e-9)  # every batch "slow": sizes stay small
    many = SIM.simulate(g, [0, 3], "ic", p=0.97, **kw)
    assert one.new_per_step.shape[1] > 64  # the per-step row grew past its first width
    for name in ("activated", "exposed", "steps", "new_per_step", "node_counts", "credits"):
        assert np.array_equal(getattr(one, name), getattr(many, name)), name


def test_too_many_runs_are_refused_before_allocating() -> None:
    g = _chain(20)
    with pytest.raises(InputError, match=r"a simulation of 1,000,000,000,000 runs needs about"):
        SIM.simulate(g, [0], "wc", runs=10**12)
    edges = Path(__file__).parent.parent / "data" / "follows.csv"
    r = runner.invoke(
        app, ["--max-memory", "1KB", "simulate", str(edges), "--seeds", "1", "--runs", "100"]
    )
    assert r.exit_code == 2
    assert "error: a simulation of 100 runs needs about" in r.output
    assert "Traceback" not in r.output
    r = runner.invoke(app, ["--max-memory", "5XB", "info", str(edges)])
    assert r.exit_code == 2 and "--max-memory: cannot read '5XB'" in r.output


def test_celf_generate_and_campaign_sizes_are_checked(tmp_path: Path) -> None:
    from pipeline.synth import generate

    set_max_memory("1MB")
    with pytest.raises(InputError, match=r"generating 100,000 accounts needs about"):
        generate(nodes=100_000, seed=0)
    set_max_memory(None)
    edges = tmp_path / "f.csv"
    edges.write_text("follower,followed\nb,a\nc,a\nd,b\n")
    r = runner.invoke(
        app, ["seed", str(edges), "--k", "1", "--strategy", "celf", "--celf-runs", "1000000000"]
    )
    assert r.exit_code == 2 and "CELF with 1,000,000,000 runs on 4 accounts needs" in r.output


def test_epsilon_far_beyond_memory_is_refused_up_front(tmp_path: Path) -> None:
    edges = tmp_path / "f.csv"
    edges.write_text("follower,followed\nb,a\nc,a\nd,b\n")
    r = runner.invoke(
        app, ["seed", str(edges), "--k", "1", "--strategy", "imm", "--epsilon", "1e-9"]
    )
    assert r.exit_code == 2
    assert "IMM at epsilon 1e-09 needs at least" in r.output and "use epsilon" in r.output


def test_rr_sampling_stops_at_the_limit() -> None:
    g = _chain(40)
    value = np.full(g.m, 0.5, dtype=np.float32)
    args = (g.in_ptr, g.in_idx, g.in_eid, value)
    set_max_memory("2MB")
    with pytest.raises(InputError, match=r"drawing 1,000,000 RR sets of about .* \(stopped after"):
        sample_rr_sets(*args, lt=False, count=1_000_000, key=np.uint64(3))
    set_max_memory(None)
    small = sample_rr_sets(*args, lt=False, count=300_000, key=np.uint64(3), threads=2)
    again = sample_rr_sets(*args, lt=False, count=300_000, key=np.uint64(3), threads=1)
    assert np.array_equal(small.ptr, again.ptr) and np.array_equal(small.nodes, again.nodes)


def test_a_held_interrupt_fires_between_kernels() -> None:
    with pytest.raises(KeyboardInterrupt), kernel_guard():
        request_interrupt()  # held: a kernel may be running
        interrupt_point()  # between two kernels: raised now
    interrupt_point()  # nothing pending: no-op
