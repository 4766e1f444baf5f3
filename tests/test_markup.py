"""User data is printed as literal text: rich markup in handles, brands, currencies and
paths never crashes a command nor styles the terminal, and control characters are shown
escaped on screen (files keep them)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.cli.output import clean
from pipeline.synth import generate, write_synthetic

runner = CliRunner()
HANDLES = ["[/x]", "[bold red]RED[/bold red]", "@evil\x1b]0;pwned\x07\x1b[2J"]
BRAND = "[/b]rand [bold]"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("markup") / "[bold]data [x"  # markup in paths too
    folder.mkdir()
    write_synthetic(generate(nodes=800, seed=4), folder)
    prof = pl.read_csv((folder / "profiles.csv").read_bytes())
    top = prof.sort("followers", descending=True).head(len(HANDLES))["id"].to_list()
    handle, topics = pl.col("handle"), pl.col("topics")
    for node, text in zip(top, HANDLES, strict=True):  # big, on-topic: in every top list
        handle = pl.when(pl.col("id") == node).then(pl.lit(text)).otherwise(handle)
        topics = pl.when(pl.col("id") == node).then(pl.lit("food:1.0")).otherwise(topics)
    prof = prof.with_columns(handle.alias("handle"), topics.alias("topics"))
    prof.write_csv(folder / "profiles.csv")
    brands = pl.read_csv((folder / "brands.csv").read_bytes())
    mine = pl.DataFrame({"brand": [BRAND], "topics": ["food:1.0"], "budget": [1e6]})
    brands = pl.concat([mine, brands.select("brand", "topics", "budget")], how="vertical_relaxed")
    brands.write_csv(folder / "brands.csv")
    return folder


def _ok(args: list[str]) -> str:
    r = runner.invoke(app, args)
    assert r.exception is None or isinstance(r.exception, SystemExit), (args, r.exception)
    assert r.exit_code == 0, (args, r.output)
    assert "MarkupError" not in r.output and "Traceback" not in r.output
    assert "\x1b]0;" not in r.output and "\x1b[2J" not in r.output  # no raw escapes
    return r.output


def test_clean_escapes_control_characters_only() -> None:
    assert clean("a\tb\nc") == "a\tb\nc"
    assert clean("@evil\x1b]0;x\x07") == "@evil\\x1b]0;x\\x07"
    assert clean("[bold]") == "[bold]" and clean("\x9b\x00") == "\\x9b\\x00"


def test_rank_and_seed_print_handles_and_brands_literally(data: Path) -> None:
    common = [str(data / "follows.csv"), "--profiles", str(data / "profiles.csv"),
              "--brands", str(data / "brands.csv"), "--brand", BRAND]  # fmt: skip
    out = _ok(["rank", *common, "--top", "10", "--tier", "macro"])
    assert "[bold red]RED[/bold red]" in out and BRAND in out  # shown, not styled
    out = _ok(["seed", *common, "--strategy", "macro", "--k", "5"])
    flat = out.replace("\n", "")
    assert "[/x]" in flat and "\\x1b]0;pwned" in flat  # the escape shown, not sent
    # a value that is not a brand: the error quotes it literally, exit 2
    r = runner.invoke(app, ["rank", *common[:-1], "[/nope]"])
    assert r.exit_code == 2 and "[/nope]" in r.output and "MarkupError" not in r.output


def test_campaign_and_its_readers_print_markup_literally(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out [/x]"
    cfg = data / "c.toml"
    cfg.write_text(f"""
name = "m"
output = "{out.as_posix()}"
runs = 50
[inputs]
graph = "follows.csv"
profiles = "profiles.csv"
brands = "brands.csv"
[grid]
brands = ["{BRAND}"]
models = ["wc"]
strategies = ["random", "macro", "micro"]
budgets = [3000]
[valuation]
currency = "[/x]"
""")
    text = _ok(["campaign", str(cfg)])
    assert BRAND in text
    _ok(["campaign", str(cfg)])  # the rerun (resume) too
    for args in (["summarize", str(out)], ["compare", str(out)], ["cross-model", str(out)],
                 ["export", "candidates", str(out), "--brand", BRAND]):  # fmt: skip
        printed = _ok(args)
        assert "[/x]" in printed.replace("\n", "") or BRAND in printed
    # files keep every character
    seeds = pl.concat([pl.read_parquet(f.read_bytes()) for f in (out / "seeds").rglob("*.parquet")])
    assert set(seeds["brand"]) == {BRAND}


def test_report_json_survives_script_breaking_text() -> None:
    import json

    from pipeline.report import script_json

    value = {"brand": "<!-- a </script><b>&amp;", "n": [1, 2.5]}
    text = script_json(value)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == value  # valid JSON escapes, read back exactly
