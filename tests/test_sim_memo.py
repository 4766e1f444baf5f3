"""A campaign runs each distinct simulation once per process: the memo and its files."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from test_campaign import BASE, assert_same, config, data  # noqa: F401

from pipeline.campaign import run_campaign
from pipeline.campaign import sim_memo as memo_module
from pipeline.campaign.sim_memo import SimulationMemo


@dataclass
class _Result:
    a: np.ndarray
    b: np.ndarray


def _result(n: int) -> _Result:
    return _Result(np.arange(n, dtype=np.int64), np.zeros(n, dtype=np.int64))


def test_a_key_is_computed_once_and_its_arrays_are_read_only() -> None:
    memo = SimulationMemo()
    calls = []
    first = memo.get("k", lambda: calls.append(1) or _result(4))
    again = memo.get("k", lambda: calls.append(1) or _result(4))
    assert again is first and calls == [1] and (memo.hits, memo.misses) == (1, 1)
    with pytest.raises(ValueError, match="read-only"):
        first.a[0] = 9


def test_the_budget_keeps_the_newest_results() -> None:
    memo = SimulationMemo(budget_bytes=2 * 2 * 8 * 10)  # two results of 2 x 10 int64
    for key in "abc":
        memo.get(key, lambda: _result(10))
    calls = []
    memo.get("a", lambda: calls.append("a") or _result(10))  # dropped: run again
    memo.get("c", lambda: calls.append("c") or _result(10))  # kept
    assert calls == ["a"]
    memo.get("x", lambda: _result(1000))  # over the whole budget: returned, not kept
    assert memo.get("x", lambda: calls.append("x") or _result(1)).a.size == 1


def test_a_key_being_computed_is_waited_for_and_errors_reach_every_caller() -> None:
    memo = SimulationMemo()
    started = threading.Event()
    runs = []

    def slow() -> _Result:
        runs.append(1)
        started.set()
        time.sleep(0.2)
        return _result(3)

    out: list[object] = []
    t = threading.Thread(target=lambda: out.append(memo.get("k", slow)))
    t.start()
    started.wait()
    second = memo.get("k", slow)
    t.join()
    assert runs == [1] and out[0] is second

    def boom() -> _Result:
        started.set()
        time.sleep(0.1)
        raise RuntimeError("no")

    started.clear()
    errors: list[BaseException] = []

    def call() -> None:
        try:
            memo.get("e", boom)
        except RuntimeError as exc:
            errors.append(exc)

    t = threading.Thread(target=call)
    t.start()
    started.wait()
    call()
    t.join()
    assert len(errors) == 2
    assert memo.get("e", lambda: _result(2)).a.size == 2  # nothing kept for a failure


def test_a_miss_computes_the_others_along_and_their_callers_wait() -> None:
    memo = SimulationMemo()
    memo.get("done", lambda: _result(1))
    started = threading.Event()
    asked: list[list[object]] = []

    def many(keys: list[object]) -> list[_Result]:
        asked.append(keys)
        started.set()
        time.sleep(0.2)
        return [_result(len(str(k))) for k in keys]

    out: list[object] = []
    t = threading.Thread(target=lambda: out.append(memo.get_along("a", ["b", "done", "a"], many)))
    t.start()
    started.wait()
    b = memo.get("b", lambda: _result(99))  # being computed along "a": waited for
    t.join()
    assert asked == [["a", "b"]] and b.a.size == 1 and out[0] is memo.get("a", _result)
    assert memo.get_along("b", ["c"], many) is b and asked == [["a", "b"]]  # a hit: no call

    def boom(keys: list[object]) -> list[_Result]:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        memo.get_along("x", ["y"], boom)
    assert memo.get("y", lambda: _result(5)).a.size == 5  # nothing kept for a failure


def test_campaign_files_are_the_same_without_the_memo(
    data: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a creator cap both budgets reach buys the same plan twice: one simulation, kept
    text = BASE.replace("[seeding]", "[seeding]\nmax_creators = 2")
    made: list[SimulationMemo] = []
    init = SimulationMemo.__init__

    def spy(self: SimulationMemo, budget_bytes: int = memo_module.DEFAULT_BUDGET_BYTES) -> None:
        init(self, budget_bytes)
        made.append(self)

    monkeypatch.setattr(SimulationMemo, "__init__", spy)
    kept = run_campaign(config(data, tmp_path / "kept", text), workers=2)
    assert sum(m.hits for m in made) > 0
    monkeypatch.setattr(SimulationMemo, "__init__", lambda self, budget_bytes=0: init(self, 0))
    fresh = run_campaign(config(data, tmp_path / "fresh", text), workers=1)
    assert_same(kept.output, fresh.output)
