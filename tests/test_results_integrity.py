"""Results folder integrity: per-cell records checked on resume, the current grid and
``--prune``, one campaign per folder (the lock), byte-identical ``compare --json``, and
exact model labels (older folders still read, and are migrated or refused)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from pipeline.aggregate import load_results
from pipeline.campaign import cells_of, contests_of, load_config, prepare
from pipeline.campaign.config import TABLES, ModelSpec
from pipeline.campaign.driver import CampaignProgress, run_campaign
from pipeline.campaign.grid import cell_key
from pipeline.campaign.integrity import file_sha256
from pipeline.campaign.lock import LOCK_NAME, folder_lock
from pipeline.campaign.store import (
    cell_path,
    check_cell,
    contest_path,
    contest_record_path,
    is_done,
    record_path,
)
from pipeline.cli import app
from pipeline.diffusion.model_ref import calibrated_label, p_text, resolve
from pipeline.errors import InputError
from pipeline.synth import generate, write_synthetic

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]

BASE = """
name = "t"
output = "out"
seed = 5
runs = 300

[inputs]
graph = "follows.csv"
profiles = "profiles.csv"
brands = "brands.csv"

[grid]
brands = ["freshbite", "pixelforge"]
models = ["wc", "medium"]
strategies = ["macro", "micro", "random"]
budgets = [300, 1500]

[seeding]
estimate_rr_sets = 500

[competition]
brands = ["freshbite", "pixelforge"]
"""
N_CELLS, N_CONTESTS = 2 * 2 * 2 * 3, 2 * 3 * 2


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("integrity_data")
    write_synthetic(generate(nodes=1500, seed=3), folder)
    return folder


def config(data: Path, out: Path, text: str = BASE, name: str = "c.toml") -> Path:
    path = data / name
    path.write_text(text.replace('output = "out"', f'output = "{out.as_posix()}"'))
    return path


@pytest.fixture(scope="module")
def finished(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("integrity_finished") / "out"
    report = run_campaign(config(data, out, name="finished.toml"))
    assert report.cells_run == report.cells_total == N_CELLS
    return out


def copy(finished: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "copy"
    shutil.copytree(finished, dest)
    return dest


def grid(data: Path, name: str = "finished.toml") -> tuple[Any, list[Any], list[Any]]:
    cfg = load_config(data / name)
    brands = prepare(cfg).brands
    return cfg, cells_of(cfg, brands), contests_of(cfg, brands)


def tables_of(folder: Path) -> dict[str, bytes]:
    """Every table file of a results folder by relative path, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*.parquet"))
        if not p.name.startswith(".")
    }


def notices(events: list[CampaignProgress]) -> list[str]:
    return [e.message for e in events if e.notice]


# --- 1. integrity records ---------------------------------------------------------------


def test_every_table_and_contest_has_a_record(finished: Path, data: Path) -> None:
    _, cells, contests = grid(data)
    assert len(contests) == N_CONTESTS
    for cell in cells:
        record = json.loads(record_path(finished, cell).read_text())
        assert set(record["tables"]) == set(TABLES)
        for table, entry in record["tables"].items():
            path = cell_path(finished, table, cell)
            assert entry["file"] == path.relative_to(finished).as_posix()
            assert entry["rows"] == pl.read_parquet(path).height
            assert entry["bytes"] == path.stat().st_size
            assert entry["sha256"] == file_sha256(path)
        assert record["tables"]["runs"]["rows"] == 300
    for contest in contests:
        entry = json.loads(contest_record_path(finished, contest).read_text())["tables"]
        path = contest_path(finished, contest)
        assert entry["competition"]["sha256"] == file_sha256(path)
        assert entry["competition"]["rows"] == pl.read_parquet(path).height > 0
    assert not (finished / LOCK_NAME).exists()  # released when the run ended


def test_damaged_cells_are_recomputed_with_one_line_each(
    finished: Path, data: Path, tmp_path: Path
) -> None:
    out = copy(finished, tmp_path)
    _, cells, contests = grid(data)
    runs = cell_path(out, "runs", cells[0])
    runs.write_bytes(runs.read_bytes()[: runs.stat().st_size // 2])  # truncated
    cell_path(out, "seeds", cells[1]).write_bytes(b"")  # emptied
    cell_path(out, "audience", cells[2]).unlink()  # deleted
    curves = cell_path(out, "curves", cells[3])
    body = bytearray(curves.read_bytes())
    body[len(body) // 2] ^= 0xFF  # altered, same size
    curves.write_bytes(bytes(body))
    cell_path(out, "overlap", cells[4]).unlink()
    comp = contest_path(out, contests[0])
    comp.write_bytes(comp.read_bytes()[:100])
    r = runner.invoke(app, ["campaign", str(data / "finished.toml"), "--output", str(out)])
    assert r.exit_code == 0, r.output
    lines = [" ".join(x.split()) for x in r.output.splitlines() if "recomputing" in x]
    assert lines == [
        f"cell {cells[0].label}: runs table was truncated "
        f"({runs.stat().st_size // 2:,} of {runs.stat().st_size:,} bytes); recomputing",
        f"cell {cells[1].label}: seeds table is empty (0 bytes); recomputing",
        f"cell {cells[2].label}: audience table is missing; recomputing",
        f"cell {cells[3].label}: curves table changed since it was written (another "
        "checksum); recomputing",
        f"cell {cells[4].label}: overlap table is missing; recomputing",
        f"competition {contests[0].key}: competition table was truncated (100 of "
        f"{comp.stat().st_size:,} bytes); recomputing",
    ]
    assert f"5 cells run, {N_CELLS - 5} already done" in " ".join(r.output.split())
    assert tables_of(out) == tables_of(finished)  # the same bytes as before the damage
    again = run_campaign(data / "finished.toml", output=out)
    assert (again.cells_run, again.cells_damaged) == (0, 0)


def test_contests_written_before_quality_applied_are_recomputed(
    finished: Path, data: Path, tmp_path: Path
) -> None:
    """A contest record without the audience-quality mark (an older version's, whose
    contests ignored real_audience) is recomputed with one line when the profiles
    discount some audience; the cells are kept."""
    out = copy(finished, tmp_path)
    _, _cells, contests = grid(data)
    record = contest_record_path(out, contests[0])
    body = json.loads(record.read_text())
    assert body.pop("audience_quality") is True
    record.write_text(json.dumps(body))
    r = runner.invoke(app, ["campaign", str(data / "finished.toml"), "--output", str(out)])
    assert r.exit_code == 0, r.output
    lines = [" ".join(x.split()) for x in r.output.splitlines() if "recomputing" in x]
    assert lines == [
        f"competition {contests[0].key}: written by an older version that ignored audience "
        "quality in contests; recomputing"
    ]
    assert f"0 cells run, {N_CELLS} already done" in " ".join(r.output.split())
    assert tables_of(out) == tables_of(finished)
    assert json.loads(record.read_text())["audience_quality"] is True


def test_cells_without_a_record_are_checked_then_adopted(
    finished: Path, data: Path, tmp_path: Path
) -> None:
    """A folder of an older version: no records. Whole cells are adopted (and recorded),
    the others recomputed with the reason."""
    out = copy(finished, tmp_path)
    shutil.rmtree(out / "integrity")
    cfg, cells, _ = grid(data)
    assert is_done(out, cells[0], cfg.runs) and not record_path(out, cells[0]).exists()
    runs = cell_path(out, "runs", cells[0])
    runs.write_bytes(runs.read_bytes()[:-50])  # no Parquet footer: unreadable
    cell_path(out, "curves", cells[1]).unlink()
    short = cell_path(out, "runs", cells[2])
    pl.read_parquet(short).head(30).write_parquet(short)  # readable, but 30 of 300 runs
    check = check_cell(out, cells[2], cfg.runs, adopt=False)
    assert not check.done and check.problem == "runs table has 30 rows, expected 300"
    events: list[CampaignProgress] = []
    report = run_campaign(data / "finished.toml", output=out, progress=events.append)
    said = notices(events)
    assert report.cells_run == report.cells_damaged == 3
    assert any(m.startswith(f"cell {cells[0].label}: runs table is unreadable") for m in said)
    assert f"cell {cells[1].label}: curves table is missing; recomputing" in said
    assert f"note: {N_CELLS - 3} finished cell(s) written by an older version had no " in " ".join(
        said
    )
    # contests of that age ignored audience quality, which these profiles have: recomputed
    older = "written by an older version that ignored audience quality in contests"
    assert sum(older in m for m in said) == N_CONTESTS
    assert all(record_path(out, c).is_file() for c in cells)
    assert tables_of(out) == tables_of(finished)


# --- 2. the current grid --------------------------------------------------------------


def test_a_shrunk_grid_is_ignored_by_readers_then_pruned(
    finished: Path, data: Path, tmp_path: Path
) -> None:
    out = copy(finished, tmp_path)
    small = (
        BASE.replace(
            'brands = ["freshbite", "pixelforge"]\nmodels', 'brands = ["freshbite"]\nmodels'
        )
        .replace('"macro", "micro", "random"', '"macro"')
        .replace("budgets = [300, 1500]", "budgets = [300]")
        .replace('[competition]\nbrands = ["freshbite", "pixelforge"]\n', "")
    )
    path = config(data, out, small, "small.toml")
    r = runner.invoke(app, ["campaign", str(path)])
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    n_out = N_CELLS - 2  # the small grid: freshbite macro 300 under wc and medium
    assert (
        f"note: {n_out} cell(s) and {N_CONTESTS} contest(s) outside the current grid are "
        "kept but ignored by summaries; `influence campaign --prune` deletes them"
    ) in text
    assert "0 cells run, 2 already done" in text
    r = runner.invoke(app, ["summarize", str(out), "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)["rows"]
    assert len(rows) == 2 and {x["strategy"] for x in rows} == {"macro"}
    assert f"{n_out + N_CONTESTS} finished cell(s) or contest(s)" in " ".join(r.output.split())
    res = load_results(out)
    assert res.competition.height == 0 and res.every_run is not None
    assert res.every_run.select(pl.col("cell").n_unique()).collect().item() == 2
    assert len(list((out / "runs").rglob("*.parquet"))) == N_CELLS  # still on disk
    r = runner.invoke(app, ["campaign", str(path), "--prune"])
    assert r.exit_code == 0, r.output
    files = n_out * (len(TABLES) + 1) + N_CONTESTS * 2
    assert f"pruned {n_out} cell(s) and {N_CONTESTS} contest(s) outside the current grid " in (
        " ".join(r.output.split())
    )
    assert f"({files} file(s) deleted)" in r.output
    assert len(list((out / "runs").rglob("*.parquet"))) == 2
    assert len(list((out / "integrity").rglob("*.json"))) == 2
    assert not list((out / "competition").iterdir())
    assert not [p for p in (out / "runs").iterdir() if not any(p.iterdir())]  # no empty folders
    # growing back recomputes the pruned cells, identically
    report = run_campaign(config(data, out, BASE, "grow.toml"))
    assert (report.cells_run, report.cells_skipped) == (n_out, 2)
    assert tables_of(out) == tables_of(finished)
    manifest = json.loads((out / "campaign.json").read_text())
    assert len(manifest["grid"]["cell_keys"]) == N_CELLS
    assert len(manifest["grid"]["contest_keys"]) == N_CONTESTS


# --- the lock ---------------------------------------------------------------------------


def test_a_second_campaign_on_the_folder_is_refused(
    finished: Path, data: Path, tmp_path: Path
) -> None:
    out = copy(finished, tmp_path)
    hold = (
        "import sys\nfrom pathlib import Path\nfrom pipeline.campaign.lock import folder_lock\n"
        "with folder_lock(Path(sys.argv[1])):\n    print('held', flush=True)\n"
        "    sys.stdin.readline()\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", hold, str(out)], cwd=ROOT, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # fmt: skip
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        before = (out / "campaign.json").read_bytes()
        r = runner.invoke(app, ["campaign", str(data / "finished.toml"), "--output", str(out)])
        assert r.exit_code == 2, r.output
        msg = " ".join(r.output.split())
        assert f"is in use by another campaign (pid {proc.pid} on " in msg
        assert f"delete {out / LOCK_NAME} if no campaign is running there" in msg
        assert "Traceback" not in r.output
        assert (out / "campaign.json").read_bytes() == before  # untouched
    finally:
        proc.communicate("\n", timeout=60)
    assert proc.returncode == 0 and not (out / LOCK_NAME).exists()
    assert run_campaign(data / "finished.toml", output=out).cells_run == 0


def test_stale_and_foreign_locks(tmp_path: Path) -> None:
    import socket

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock = tmp_path / LOCK_NAME
    lock.write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname(), "token": "x"}))
    with folder_lock(tmp_path):  # the process is gone: the lock is taken over
        assert json.loads(lock.read_text())["pid"] == os.getpid()
        with pytest.raises(InputError, match="in use by another campaign"), folder_lock(tmp_path):
            pass  # not even by this process
    assert not lock.exists()
    lock.write_text(json.dumps({"pid": os.getpid(), "host": "elsewhere.example", "token": "y"}))
    with pytest.raises(InputError, match=r"pid \d+ on elsewhere.example"), folder_lock(tmp_path):
        pass
    assert json.loads(lock.read_text())["host"] == "elsewhere.example"  # never broken
    lock.write_text("")  # a writer killed between creating and filling it, long ago
    os.utime(lock, (1, 1))
    with folder_lock(tmp_path):
        assert json.loads(lock.read_text())["pid"] == os.getpid()
    assert not lock.exists()


# --- 3. deterministic compare --json ------------------------------------------------------


@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_compare_json_is_the_same_bytes_every_time(finished: Path) -> None:
    first = runner.invoke(app, ["compare", str(finished), "--json"])
    assert first.exit_code == 0, first.output
    doc = json.loads(first.stdout)
    assert doc["rows"] and doc["verdicts"] and doc["cross_model"]
    for _ in range(3):
        assert runner.invoke(app, ["compare", str(finished), "--json"]).stdout == first.stdout
    for threads in ("1", "3"):
        env = {**os.environ, "POLARS_MAX_THREADS": threads}
        out = subprocess.run([sys.executable, "-m", "pipeline", "compare", str(finished),
                              "--json"], env=env, cwd=ROOT, capture_output=True, text=True,
                             timeout=600)  # fmt: skip
        assert out.returncode == 0, out.stderr
        assert out.stdout == first.stdout, f"POLARS_MAX_THREADS={threads} differs"


def test_reductions_do_not_depend_on_row_order(finished: Path) -> None:
    from pipeline.aggregate import compare_runs, summarize_runs

    runs = load_results(finished).runs.collect()
    shuffled = [runs.sample(fraction=1.0, shuffle=True, seed=s) for s in range(3)]
    for f in (summarize_runs, lambda df: compare_runs(df, "macro")):
        base = f(runs)
        for df in shuffled:
            assert f(df).equals(base)  # bit for bit


# --- 4. exact labels --------------------------------------------------------------------


def _old_label(self: ModelSpec) -> str:
    """The label rule before exact labels: p to 6 significant digits, a calibrated model
    by its file name."""
    if self.calibrated is not None:
        return f"calibrated:{Path(self.calibrated).name}"
    if self.preset is not None:
        return self.preset
    return self.name if self.p is None else f"{self.name} p={self.p:g}"


def test_labels_keep_every_digit_of_p() -> None:
    assert ModelSpec("ic", 0.01000001).label == "ic p=0.01000001"
    assert ModelSpec("ic", 0.01).label == "ic p=0.01"  # unchanged: keys of older folders hold
    assert [p_text(p) for p in (0.025, 1.0, 1e-05, 0.1 + 0.2)] == [
        "0.025", "1", "1e-05", "0.30000000000000004"
    ]  # fmt: skip
    assert resolve("ic:0.01000001").label == "ic p=0.01000001"
    spec = ModelSpec("ic", None, None, "/m/fitted.toml", "ab12cd34" + "0" * 56)
    assert spec.label == "calibrated:fitted@ab12cd34" == calibrated_label("/m/fitted.toml",
                                                                          spec.digest)  # fmt: skip
    # keys of unchanged labels are those older versions wrote (files are named by them)
    key = cell_key("Fresh Bite", "ic p=0.025", "imm", 300.0, None, "medium")
    assert key == "ic-p=0.025-imm-plan-medium-b300_616d81de"
    assert cell_key("b", "wc", "macro", None, 5) == "wc-macro-k5_e505bae5"
    assert cell_key("b", "ic p=0.01000001", "macro", 300.0, None) != cell_key(
        "b", "ic p=0.01", "macro", 300.0, None
    )


LABELS = """
name = "l"
output = "out"
seed = 2
runs = 40

[inputs]
graph = "follows.csv"
profiles = "profiles.csv"
brands = "brands.csv"

[grid]
brands = ["freshbite", "pixelforge"]
models = MODELS
strategies = ["macro"]
budgets = [300]

[competition]
brands = ["freshbite", "pixelforge"]
"""


def _write_as_older_version(
    data: Path, out: Path, models: str, name: str, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Run a campaign with the old label rule and strip what this version adds to a
    folder (records, the current grid, the labels mark): a folder of an older version."""
    path = config(data, out, LABELS.replace("MODELS", models), name)
    with monkeypatch.context() as m:
        m.setattr(ModelSpec, "label", property(_old_label))
        run_campaign(path)
    manifest = json.loads((out / "campaign.json").read_text())
    del manifest["labels"], manifest["grid"]["cell_keys"], manifest["grid"]["contest_keys"]
    (out / "campaign.json").write_text(json.dumps(manifest, indent=2))
    shutil.rmtree(out / "integrity")
    return path


def test_an_older_folder_reads_and_is_migrated_on_resume(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.diffusion.model_file import FORMAT, toml_text

    (data / "fitted.toml").write_text(
        toml_text({"format": FORMAT, "method": "global-p", "p": 0.02})
    )
    models = '["calibrated:fitted.toml", { name = "ic", p = 0.01000001 }]'
    old = tmp_path / "old"
    path = _write_as_older_version(data, old, models, "old.toml", monkeypatch)
    assert {"calibrated:fitted.toml", "ic p=0.01"} == set(
        load_results(old).runs.select("model").unique().collect()["model"]
    )
    r = runner.invoke(app, ["summarize", str(old), "--json"])
    assert r.exit_code == 0 and len(json.loads(r.stdout)["rows"]) == 4
    events: list[CampaignProgress] = []
    report = run_campaign(path, progress=events.append)
    assert report.cells_run == 0 and report.cells_skipped == 4
    cal = load_config(path).models[0].label
    assert cal.startswith("calibrated:fitted@") and len(cal) == len("calibrated:fitted@") + 8
    # a config naming the plan model by its old label (the file name) still reads
    named = path.read_text().replace("budgets = [300]", 'budgets = [300]\nplan_model = '
                                     '"calibrated:fitted.toml"')  # fmt: skip
    (data / "named.toml").write_text(named)
    assert load_config(data / "named.toml").plan().label == cal
    said = notices(events)
    # that version's contests ignored audience quality (these profiles have some): recomputed
    older = [m for m in said if "ignored audience quality in contests; recomputing" in m]
    assert len(older) == 2
    assert [m for m in said if m not in older] == [
        f"note: {old} was written with older model labels (calibrated:fitted.toml -> {cal}, "
        "ic p=0.01 -> ic p=0.01000001); 6 finished cell(s) and contest(s) were renamed to "
        "the new labels"
    ]
    res = load_results(old)
    assert res.ignored == 0
    assert set(res.runs.select("model").unique().collect()["model"]) == {cal, "ic p=0.01000001"}
    assert set(res.competition["model"]) == {cal, "ic p=0.01000001"}
    # exactly what a campaign run with the new labels writes
    fresh = run_campaign(path, output=tmp_path / "fresh").output
    assert tables_of(fresh).keys() == tables_of(old).keys()
    for rel in tables_of(fresh):
        assert pl.read_parquet(fresh / rel).equals(pl.read_parquet(old / rel)), rel
    assert run_campaign(path).cells_run == 0  # and it resumes as a folder of this version


def test_an_older_folder_whose_models_shared_a_label_is_refused(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    models = '[{ name = "ic", p = 0.01000001 }, { name = "ic", p = 0.01 }]'
    old = tmp_path / "old"
    path = _write_as_older_version(data, old, models, "shared.toml", monkeypatch)
    r = runner.invoke(app, ["campaign", str(path)])
    assert r.exit_code == 2, r.output
    msg = " ".join(r.output.split())
    assert (
        "was written by an older version that labelled two models (ic p=0.01000001 and ic "
        "p=0.01) 'ic p=0.01'"
    ) in msg
    assert "it cannot be resumed" in msg and "rerun into another output folder" in msg
    assert "Traceback" not in r.output and not (old / LOCK_NAME).exists()
    assert runner.invoke(app, ["summarize", str(old)]).exit_code == 0  # still reads
    # this version keeps the two apart
    fresh = run_campaign(path, output=tmp_path / "fresh").output
    models_seen = load_results(fresh).runs.select("model").unique().collect()["model"]
    assert set(models_seen) == {"ic p=0.01000001", "ic p=0.01"}
