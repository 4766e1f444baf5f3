"""The CLI in-process: exit codes, clean errors, outputs, and help/README coverage."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from pipeline import __version__
from pipeline.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "f.csv").write_text(
        "follower,followed\nb,a\nc,a\nd,a\nc,b\nd,b\ne,c\na,c\nb,a\nq,q\n"
    )
    (tmp_path / "p.csv").write_text(
        "id,handle,followers,engagement_rate,cost,topics\n"
        "a,@celeb,1500000,0.01,12000,music:0.6;travel:0.3;food:0.1\n"
        "b,@chef,50000,0.03,400,food\n"
        "c,@cook,8000,0.05,80,food:0.8;fitness:0.2\n"
    )
    (tmp_path / "b.csv").write_text(
        "brand,topics,budget\nYum,food:0.9;fitness:0.1,500\nGo,travel,20000\n"
    )
    return {
        "edges": tmp_path / "f.csv",
        "profiles": tmp_path / "p.csv",
        "brands": tmp_path / "b.csv",
        "dir": tmp_path,
    }


def test_version() -> None:
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0 and r.output.strip() == f"influence {__version__}"


def test_info_reports_merges(files: dict[str, Path]) -> None:
    r = runner.invoke(app, ["info", str(files["edges"]), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["duplicates_merged"] == 1 and data["self_loops_dropped"] == 1
    assert data["nodes"] == 6 and data["edges"] == 7


def test_rank_writes_every_format(files: dict[str, Path]) -> None:
    for ext in ("csv", "parquet", "json"):
        out = files["dir"] / f"ranked.{ext}"
        r = runner.invoke(
            app,
            [
                "rank",
                str(files["edges"]),
                "--profiles",
                str(files["profiles"]),
                "-b",
                str(files["brands"]),
                "--top",
                "2",
                "--min-relevance",
                "0",
                "--out",
                str(out),
            ],
        )
        assert r.exit_code == 0, r.output
        df = {"csv": pl.read_csv, "parquet": pl.read_parquet, "json": pl.read_json}[ext](out)
        assert df.height == 4 and set(df["brand"]) == {"Yum", "Go"}
        assert {"relevance", "reach_score", "engagement_score", "cost_score", "score"} <= set(
            df.columns
        )


def test_rank_prints_a_table(files: dict[str, Path]) -> None:
    r = runner.invoke(
        app,
        [
            "rank",
            str(files["edges"]),
            "--profiles",
            str(files["profiles"]),
            "-b",
            str(files["brands"]),
            "--brand",
            "Yum",
            "--tier",
            "nano",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "@cook" in r.stdout and "@chef" not in r.stdout


def test_centrality_to_parquet(files: dict[str, Path]) -> None:
    out = files["dir"] / "c.parquet"
    r = runner.invoke(
        app, ["centrality", str(files["edges"]), "-m", "followers,pagerank", "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    df = pl.read_parquet(out)
    assert df.columns == ["id", "followers", "pagerank"]
    assert dict(zip(df["id"], df["followers"], strict=True))["a"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["info", "{dir}/missing.csv"], "no such file"),
        (
            ["rank", "{edges}", "--profiles", "{profiles}", "-b", "{brands}", "--brand", "Nope"],
            "unknown brand 'Nope'",
        ),
        (
            ["rank", "{edges}", "--profiles", "{profiles}", "-b", "{brands}", "--tier", "giga"],
            "unknown tier",
        ),
        (["rank", "{edges}", "--profiles", "{dir}/nope.csv", "-b", "{brands}"], "no such file"),
        (["centrality", "{edges}", "-m", "fame"], "unknown centrality measure"),
        (["centrality", "{edges}", "-o", "{dir}/out.xlsx"], "cannot tell the table format"),
        (["info", "{edges}", "--source-col", "who"], "no column 'who'"),
    ],
)
def test_user_errors_exit_2_without_traceback(
    files: dict[str, Path], args: list[str], message: str
) -> None:
    fmt = {k: str(v) for k, v in files.items()}
    r = runner.invoke(app, [a.format(**fmt) for a in args])
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert "Traceback" not in r.output


def test_failed_write_leaves_no_file(files: dict[str, Path]) -> None:
    out = files["dir"] / "sub" / "x.csv"  # folder does not exist
    r = runner.invoke(app, ["centrality", str(files["edges"]), "-o", str(out)])
    assert r.exit_code == 2 and "does not exist" in r.output
    assert not out.exists()


def _commands() -> list[str]:
    from typer.main import get_command

    return sorted(get_command(app).commands)  # type: ignore[attr-defined]


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    reference = (ROOT / "docs" / "cli.md").read_text()  # generated from the app
    for name in _commands():
        r = runner.invoke(app, [name, "--help"])
        assert r.exit_code == 0
        assert len(re.sub(r"\s+", " ", r.output)) > 200, name
        assert f"influence {name}" in readme, f"README does not document `influence {name}`"
        assert f"## `influence {name}`" in reference, f"docs/cli.md lacks `influence {name}`"


@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_short_help_and_python_dash_m() -> None:
    """``-h`` is ``--help`` on every command; ``python -m pipeline`` is ``influence``."""
    import subprocess
    import sys

    assert runner.invoke(app, ["-h"]).output == runner.invoke(app, ["--help"]).output
    for name in [*_commands(), "export candidates"]:
        short = runner.invoke(app, [*name.split(), "-h"])
        assert short.exit_code == 0, (name, short.output)
        assert short.output == runner.invoke(app, [*name.split(), "--help"]).output
    out = subprocess.run([sys.executable, "-m", "pipeline", "--version"], capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout  # fmt: skip
    assert __version__ in out
    assert "--install-completion" in runner.invoke(app, ["--help"]).output


def test_generate_is_deterministic_and_loads(tmp_path: Path) -> None:
    args = ["--nodes", "400", "--seed", "3", "--topics", "food,travel,tech", "--mean-follows", "6"]
    r1 = runner.invoke(app, ["generate", str(tmp_path / "a"), *args])
    r2 = runner.invoke(app, ["generate", str(tmp_path / "b"), *args])
    assert r1.exit_code == 0 and r2.exit_code == 0, r1.output
    assert "seed 3: 400 accounts" in r1.output
    for name in ("follows.csv", "profiles.csv", "brands.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    r3 = runner.invoke(app, ["generate", str(tmp_path / "c"), *args[:3], "4", *args[4:]])
    assert (tmp_path / "c" / "follows.csv").read_bytes() != (
        tmp_path / "a" / "follows.csv"
    ).read_bytes()
    assert r3.exit_code == 0
    # the generated files feed straight into rank
    a = tmp_path / "a"
    r = runner.invoke(
        app,
        [
            *("rank", str(a / "follows.csv"), "--profiles", str(a / "profiles.csv")),
            *("-b", str(a / "brands.csv"), "--top", "3", "-o", str(tmp_path / "c.csv")),
        ],
    )
    assert r.exit_code == 0, r.output
    df = pl.read_csv(tmp_path / "c.csv")
    assert df.height == 3 * pl.read_csv(a / "brands.csv").height
    topics = set(pl.read_csv(a / "profiles.csv")["topics"].str.extract_all(r"[a-z]+").explode())
    assert topics == {"food", "travel", "tech"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--nodes", "10"], "nodes must be at least 100"),
        (["--within-share", "1.5"], "within_share must be in [0, 1]"),
        (["--mean-follows", "-1"], "mean_follows"),
    ],
)
def test_generate_bad_options_exit_2(tmp_path: Path, extra: list[str], message: str) -> None:
    r = runner.invoke(app, ["generate", str(tmp_path / "out"), *extra])
    assert r.exit_code == 2
    assert message in r.output and "Traceback" not in r.output
    assert not (tmp_path / "out").exists()  # nothing written on bad input


def _strict_json(text: str) -> object:
    def reject(name: str) -> None:
        raise AssertionError(f"non-strict JSON constant {name}")

    return json.loads(text, parse_constant=reject)


def test_json_output_is_strict(files: dict[str, Path]) -> None:
    """Every --json is strict JSON: no bare NaN or Infinity (null instead), e.g. a seed
    list whose accounts have no cost, and a single-run simulation with no interval."""
    e, pr, b = (str(files[x]) for x in ("edges", "profiles", "brands"))
    seed = runner.invoke(app, ["seed", e, "--strategy", "degree-discount", "--k", "2",
                               "--model", "ic", "--p", "0.3", "--json"])  # fmt: skip
    assert seed.exit_code == 0, seed.output
    payload = _strict_json(seed.output)
    assert isinstance(payload, dict)
    sim = runner.invoke(app, ["simulate", e, "--seeds", "a", "--model", "ic", "--p", "0.3",
                              "--runs", "1", "--json"])  # fmt: skip
    assert sim.exit_code == 0, sim.output
    out = _strict_json(sim.output)
    assert isinstance(out, dict) and out["activated_ci_low"] is None
    info = runner.invoke(app, ["info", e, "--json"])
    assert info.exit_code == 0
    _strict_json(info.output)
    assert pr and b


@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_seed_command_writes_the_ordered_list(tmp_path: Path) -> None:
    data = ROOT / "data"
    common = ["--profiles", str(data / "profiles.csv"), "--brands", str(data / "brands.csv")]
    out = tmp_path / "seeds.csv"
    r = runner.invoke(
        app,
        [
            "seed",
            str(data / "follows.csv"),
            "--strategy",
            "imm",
            "--k",
            "4",
            *common,
            "--brand",
            "glowhaus",
            "--include",
            "8890",
            "--seed",
            "2",
            "-o",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    df = pl.read_csv(out)
    assert df.columns[:6] == ["id", "handle", "tier", "cost", "marginal_gain", "cumulative_reach"]
    assert df.height == 4 and df["id"][0] == 8890
    assert df["cumulative_reach"].to_list() == pytest.approx(df["marginal_gain"].cum_sum())
    r = runner.invoke(
        app,
        [
            "seed",
            str(data / "follows.csv"),
            "--strategy",
            "micro",
            "--budget",
            "1500",
            *common,
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    payload = json.loads(r.output)
    assert payload["strategy"] == "micro" and payload["total_cost"] <= 1500
    assert {s["tier"] for s in payload["seeds"]} == {"micro"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--strategy", "imm"], "exactly one of k"),
        (["--strategy", "imm", "--budget", "1"], "infeasible budget"),
        (["--strategy", "macro", "--k", "2", "--exclude", "nosuch"], "unknown --exclude ID"),
        (["--strategy", "imm", "--k", "2", "--epsilon", "2"], "epsilon"),
    ],
)
def test_seed_bad_input_exits_2(extra: list[str], message: str) -> None:
    data = ROOT / "data"
    r = runner.invoke(
        app,
        ["seed", str(data / "follows.csv"), "--profiles", str(data / "profiles.csv"), *extra],
    )
    assert r.exit_code == 2, r.output
    assert message in r.output and "Traceback" not in r.output


def test_rank_by_imm_adds_marginal_reach(files: dict[str, Path]) -> None:
    out = files["dir"] / "r.csv"
    r = runner.invoke(
        app,
        [
            "rank",
            str(files["edges"]),
            "--profiles",
            str(files["profiles"]),
            "-b",
            str(files["brands"]),
            "--brand",
            "Yum",
            "--by",
            "imm",
            "--top",
            "2",
            "-o",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    df = pl.read_csv(out)
    assert df.height == 2 and "marginal_reach" in df.columns
    assert df["marginal_reach"][0] >= 1.0  # a seed reaches at least itself


def test_simulate_json_and_runs_table(tmp_path: Path) -> None:
    data = ROOT / "data"
    out = tmp_path / "runs.parquet"
    args = ["simulate", str(data / "follows.csv"), "--seeds", "1336,4308", "--model", "ic"]
    r = runner.invoke(app, [*args, "--p", "0.05", "--runs", "300", "--seed", "4", "--json"])
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    for key in ("model", "runs", "seed", "mean_activated", "std_activated", "stderr_activated"):
        assert key in s
    assert s["mean_exposed"] >= s["mean_activated"] >= 2 and s["runs"] == 300
    r2 = runner.invoke(app, [*args, "--p", "0.05", "--runs", "300", "--seed", "4", "--json"])
    assert json.loads(r2.output) == s  # same seed, same numbers
    r = runner.invoke(app, [*args, "--p", "0.05", "--runs", "50", "-q", "-o", str(out)])
    assert r.exit_code == 0, r.output
    runs = pl.read_parquet(out)
    assert runs.height == 50 and {"run", "activated", "exposed"} <= set(runs.columns)
    seeds_file = tmp_path / "seeds.txt"
    seeds_file.write_text("# two food creators\n1336\n4308\n")
    r = runner.invoke(
        app,
        [
            "simulate",
            str(data / "follows.csv"),
            "--seeds-file",
            str(seeds_file),
            "--model",
            "lt",
            "--runs",
            "100",
            "--attribution",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    credits = json.loads(r.output)["attribution"]
    assert [c["id"] for c in credits] == [1336, 4308]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--seeds", "1336,nosuch", "--model", "wc"], "nosuch"),
        (["--seeds", " , ", "--model", "wc"], "empty"),
        (["--seeds", "1336", "--model", "ic", "--p", "1.5"], "[0, 1]"),
        (["--seeds", "1336", "--model", "wc", "--runs", "0"], "runs"),
        (["--seeds", "1336", "--model", "ic"], "--p"),
        (["--model", "wc"], "exactly one of --seeds or --seeds-file"),
    ],
)
def test_simulate_bad_input_exits_2(extra: list[str], message: str) -> None:
    r = runner.invoke(app, ["simulate", str(ROOT / "data" / "follows.csv"), *extra])
    assert r.exit_code == 2, r.output
    assert message in r.output and "Traceback" not in r.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["seed", "--strategy", "celf", "--k", "2", "--celf-runs", "0"], "celf_runs"),
        (["rank", "--profiles", "P", "-b", "B", "--by", "fame"], "fame"),
        (["rank", "--profiles", "P", "-b", "B", "--by", "imm", "--model", "sir"], "sir"),
    ],
)
def test_seed_and_rank_options_are_checked(
    files: dict[str, Path], args: list[str], message: str
) -> None:
    args = [str(files["profiles"]) if a == "P" else str(files["brands"]) if a == "B" else a
            for a in args]  # fmt: skip
    r = runner.invoke(app, [args[0], str(files["edges"]), *args[1:]])
    assert r.exit_code == 2, r.output
    assert message in r.output and "Traceback" not in r.output


def test_simulate_compete(files: dict[str, Path]) -> None:
    base = ["simulate", str(files["edges"]), "--model", "ic", "--p", "1", "--runs", "20"]
    r = runner.invoke(app, [*base, "--compete", "Yum=c", "--compete", "Go=a", "--json"])
    assert r.exit_code == 0, r.output
    rows = {b["brand"]: b for b in json.loads(r.stdout)["brands"]}
    # p = 1: a reaches b,c,d (and e via c) unless c gets there first; all runs agree
    assert rows["Yum"]["mean_adopters"] + rows["Go"]["mean_adopters"] == 5
    assert rows["Yum"]["mean_alone"] == 5 and rows["Go"]["mean_alone"] == 5
    assert rows["Yum"]["share"] + rows["Go"]["share"] == pytest.approx(1.0)
    brand_aware = [*base, "--profiles", str(files["profiles"]), "--brands", str(files["brands"])]
    r = runner.invoke(app, [*brand_aware, "--compete", "Yum=c", "--compete", "Go=a"])
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--compete", "Yum=c"], "two or more brands"),
        (["--compete", "Yum=c", "--compete", "Yum=a"], "given twice"),
        (["--compete", "Yum", "--compete", "Go=a"], "expected BRAND=ID"),
        (["--compete", "Yum=zz", "--compete", "Go=a"], "zz"),
        (["--compete", "Yum=c", "--compete", "Go=a", "--seeds", "a"], "replaces"),
        (["--compete", "Yum=c", "--compete", "Nope=a", "--brands", "{b}", "--profiles", "{p}"],
         "unknown brand 'Nope'"),
        (["--compete", "Yum=c", "--compete", "Go=a", "--model", "lt"], "cascade models"),
    ],
)  # fmt: skip
def test_simulate_compete_errors(files: dict[str, Path], extra: list[str], message: str) -> None:
    argv = ["simulate", str(files["edges"]), "--runs", "5"] + [
        a.format(b=files["brands"], p=files["profiles"]) for a in extra
    ]
    r = runner.invoke(app, argv)
    assert r.exit_code == 2, r.output
    assert message in r.output and "Traceback" not in r.output


def test_tables_never_crop_silently(files: dict[str, Path]) -> None:
    """Piped: every column, whatever COLUMNS says. On an 80-column terminal: the leading
    columns that fit and a footer naming the hidden ones; --wide: every column."""
    args = ["rank", str(files["edges"]), "--profiles", str(files["profiles"]), "-b",
            str(files["brands"]), "--brand", "Yum", "--min-relevance", "0"]  # fmt: skip
    piped = runner.invoke(app, args, env={"COLUMNS": "80"})
    assert piped.exit_code == 0, piped.output
    for col in ("rank", "handle", "score", "in_budget", "overlap_above"):
        assert col in piped.stdout, col
    tty = runner.invoke(app, args, env={"COLUMNS": "80", "FORCE_COLOR": "1", "TTY_COMPATIBLE": "1"})
    assert tty.exit_code == 0, tty.output
    assert "hidden to fit 80 columns" in tty.output, tty.output  # rich saw a terminal
    hidden = tty.output.split("hidden to fit 80 columns: ")[1].split(";")[0].split(", ")
    assert hidden and "overlap_above" in hidden
    table = tty.output.split("hidden to fit")[0]
    assert all(h not in table for h in hidden if h != "cost")
    wide = runner.invoke(app, ["--wide", *args], env={"COLUMNS": "80", "FORCE_COLOR": "1",
                                                       "TTY_COMPATIBLE": "1"})  # fmt: skip
    assert "hidden" not in wide.output and "overlap_above" in wide.output


def test_people_formats_on_screen() -> None:
    from pipeline.cli import cell_text

    assert cell_text(0.05669, "engagement_rate") == "5.7%"
    assert cell_text(0.487, "win_share_earned_exposed") == "48.7%"
    assert cell_text(271.40000000000003, "cost") == "271.40"
    assert cell_text(2761.0, "mean_earned_exposed") == "2,761"
    assert cell_text(1.6, "marginal_gain") == "2"
    assert cell_text(0.2217, "earned_exposed_per_cost") == "0.2217"
    assert cell_text(True, "within_budget") == "yes" and cell_text(float("nan"), "x") == "n/a"
    # an interval is printed bound by bound, like the value it brackets
    interval = [30786.63394042826, 32484.647964422245]
    assert cell_text(interval, "projected_impressions_ci") == "[30,787, 32,485]"


# --- conventions: stdout, short flags, colour, unwritable outputs ------------------------


def _rank(files: dict[str, Path], *extra: str) -> list[str]:
    return ["rank", str(files["edges"]), "--profiles", str(files["profiles"]),
            "--brands", str(files["brands"]), *extra]  # fmt: skip


def test_out_dash_writes_the_table_to_stdout(files: dict[str, Path]) -> None:
    r = runner.invoke(app, _rank(files, "--out", "-"))
    assert r.exit_code == 0, r.output
    df = pl.read_csv(r.stdout.encode())
    assert df.columns[:3] == ["brand", "rank", "id"] and df.height == 3
    assert "wrote 3 rows to standard output" in r.stderr
    r = runner.invoke(app, _rank(files, "--out", "-", "--out-format", "json", "-t", "1"))
    assert r.exit_code == 0, r.output
    assert [row["rank"] for row in json.loads(r.stdout)] == [1, 1]


def test_short_flags_mean_one_thing(files: dict[str, Path]) -> None:
    """-k is a seed count wherever it exists; --top is -t; -p is nobody's (--p is ic's
    probability) and report's output format is --out-format, like every --out."""
    r = runner.invoke(app, _rank(files, "-t", "1"))
    assert r.exit_code == 0, r.output
    for argv in (_rank(files, "-k", "1"), ["rank", str(files["edges"]), "-p", "x"]):
        r = runner.invoke(app, argv)
        assert r.exit_code == 2 and "No such option" in r.output, argv
    help_texts = {c: runner.invoke(app, [c, "--help"], env={"COLUMNS": "200"}).output
                  for c in ("rank", "seed", "simulate", "overlap", "report")}  # fmt: skip
    for cmd, text in help_texts.items():
        assert not re.search(r"--profiles\s+-p\b", text), cmd
        for m in re.finditer(r"(--[\w-]+)\s+-k\b", text):
            assert m.group(1) == "--k", (cmd, m.group(0))
    assert "--out-format" in help_texts["report"]
    assert not re.search(r"(?<![\w-])--format\b", help_texts["report"])


def test_no_color_is_respected(files: dict[str, Path]) -> None:
    import os
    import subprocess
    import sys

    argv = [sys.executable, "-m", "pipeline", "rank", "missing.csv", "--profiles", "x",
            "--brands", "y"]  # fmt: skip
    colour = re.compile(r"\x1b\[[0-9;]*3[0-7]m")  # an SGR foreground colour
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    forced = subprocess.run(argv, env={**env, "FORCE_COLOR": "1"}, capture_output=True, text=True)
    assert forced.returncode == 2 and colour.search(forced.stderr)  # the test can fail
    plain = subprocess.run(argv, env={**env, "FORCE_COLOR": "1", "NO_COLOR": "1"},
                           capture_output=True, text=True)  # fmt: skip
    assert plain.returncode == 2 and "error:" in plain.stderr
    assert not colour.search(plain.stderr)


def test_unwritable_outputs_exit_2_naming_the_file(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import tempfile

    blocker = files["dir"] / "afile"
    blocker.write_text("x")
    r = runner.invoke(app, _rank(files, "--out", str(blocker / "ranked.csv")))
    assert r.exit_code == 2 and "afile is a file, not a folder" in " ".join(r.output.split())
    r = runner.invoke(app, ["generate", str(blocker / "data"), "--nodes", "300", "-q"])
    assert r.exit_code == 2 and "cannot create the folder" in " ".join(r.output.split())

    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    r = runner.invoke(app, _rank(files, "--out", str(files["dir"] / "ranked.csv")))
    assert r.exit_code == 2, r.output
    assert "ranked.csv: cannot write into the folder" in " ".join(r.output.split())
    assert "Read-only file system" in r.output and "Traceback" not in r.output
    assert not (files["dir"] / "ranked.csv").exists()
    r = runner.invoke(app, ["generate", str(files["dir"] / "gen"), "--nodes", "300", "-q"])
    assert r.exit_code == 2 and "Read-only file system" in r.output


def test_one_run_says_there_is_no_interval(files: dict[str, Path]) -> None:
    argv = ["simulate", str(files["edges"]), "--seeds", "a", "--model", "wc", "--runs"]
    r = runner.invoke(app, [*argv, "1"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "n/a (1 run)" in r.stdout and "needs at least 2 runs" in " ".join(r.stderr.split())
    r = runner.invoke(app, [*argv, "5"], env={"COLUMNS": "200"})
    assert "n/a" not in r.stdout and "needs at least 2 runs" not in r.stderr


def test_out_dash_keeps_stdout_for_the_data_only(files: dict[str, Path]) -> None:
    """What a command prints for people after ``--out -`` goes to stderr."""
    e = str(files["edges"])
    r = runner.invoke(app, ["simulate", e, "--seeds", "a", "--model", "wc", "--runs", "4",
                            "--out", "-"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert pl.read_csv(r.stdout.encode()).columns == ["run", "activated", "exposed", "steps"]
    assert len(r.stdout.strip().splitlines()) == 5 and "mean_activated" in r.stderr
    r = runner.invoke(app, ["overlap", e, "--ids", "a,b", "--model", "wc", "--runs", "4",
                            "--out", "-"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert len(r.stdout.strip().splitlines()) == 2 and "unique reach" in r.stderr
    for cmd in (["simulate", e, "--seeds", "a"], ["overlap", e, "--ids", "a,b"]):
        r = runner.invoke(app, [*cmd, "--model", "wc", "--out", "-", "--json"])
        assert r.exit_code == 2 and "both write to standard output" in r.output
    r = runner.invoke(app, ["simulate", e, "--seeds", "a", "--model", "wc", "--runs", "4"])
    assert "mean_activated" in r.stdout  # the next command has stdout back


@pytest.mark.parametrize("argv", [["--help"], ["info", "--help"], ["summarize", "--help"]])
def test_help_loads_no_engine(argv: list[str]) -> None:
    """`influence --help` and the help of commands without --strategy import neither the
    engine (numba, numpy, igraph) nor polars: the start-up stays short."""
    import subprocess
    import sys

    code = (
        "import sys\nsys.argv = ['influence', *sys.argv[1:]]\nfrom pipeline.cli import run\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        "heavy = ('numba', 'numpy', 'igraph', 'polars', 'pipeline.seeding')\n"
        "print('LOADED', [m for m in heavy if m in sys.modules], file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                         check=True)  # fmt: skip
    assert "LOADED []" in out.stderr, out.stderr[-400:]
    assert "Usage" in out.stdout


@pytest.mark.parametrize("argv", [["--help"], ["-h"], []])
def test_the_listing_of_stand_ins_is_the_apps_own_help(argv: list[str]) -> None:
    # `influence --help` lists stand-ins (name and help, no options inspected): the text
    # must be the real app's, word for word
    from pipeline.cli.common import help_app

    real = runner.invoke(app, argv, terminal_width=120)
    listed = runner.invoke(help_app(), argv, terminal_width=120)
    assert listed.output == real.output and "simulate" in real.output
    assert listed.exit_code == real.exit_code


def test_seed_help_still_lists_every_strategy() -> None:
    from pipeline.seeding.registry import strategy_names

    got = runner.invoke(app, ["seed", "--help"], terminal_width=200)
    assert got.exit_code == 0
    text = " ".join(got.output.split())
    for name in strategy_names():
        assert name in text, name
