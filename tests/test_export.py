"""Table output: formats, atomic writes, file modes, nested columns in CSV."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pipeline.errors import InputError, OutputError
from pipeline.export import (
    atomic_path,
    ensure_folder,
    open_atomic_text,
    read_table,
    table_format,
    write_table,
)

DF = pl.DataFrame(
    {
        "id": ["a", "b", "c"],
        "score": [0.5, 1.25, None],
        "rank": [1, 2, 3],
        "tier": ["nano", "micro", "mega"],
    }
)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("suffix", [".parquet", ".pq", ".csv", ".json"])
def test_round_trip(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"out{suffix}"
    assert write_table(DF, path) == path
    assert_frame_equal(read_table(path), DF)
    assert _leftovers(tmp_path) == []


def test_json_is_an_array_of_row_objects(tmp_path: Path) -> None:
    path = write_table(DF, tmp_path / "out.json")
    rows = json.loads(path.read_text())
    assert rows[0] == {"id": "a", "score": 0.5, "rank": 1, "tier": "nano"}
    assert len(rows) == 3


def test_explicit_format_overrides_suffix(tmp_path: Path) -> None:
    path = tmp_path / "out.data"
    write_table(DF, path, format="csv")
    assert path.read_text(encoding="utf-8-sig").splitlines()[0] == "id,score,rank,tier"
    write_table(DF, tmp_path / "x.csv", format="parquet")
    assert (tmp_path / "x.csv").read_bytes()[:4] == b"PAR1"


def test_table_format() -> None:
    assert table_format("a.parquet") == "parquet"
    assert table_format("a.PQ") == "parquet"
    assert table_format("a.csv") == "csv"
    assert table_format("dir.v2/a.json") == "json"
    assert table_format("a.txt", "json") == "json"
    with pytest.raises(InputError, match=r"out\.xlsx: cannot tell the table format"):
        table_format("out.xlsx")
    with pytest.raises(InputError, match="unknown table format 'xml'"):
        table_format("a.csv", "xml")


def test_unknown_suffix_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"out\.xlsx.*\.parquet, \.csv or \.json"):
        write_table(DF, tmp_path / "out.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"the folder .*nope does not exist"):
        write_table(DF, tmp_path / "nope" / "out.csv")


def test_read_table_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"gone\.csv: no such file \(profiles\)"):
        read_table(tmp_path / "gone.csv", "profiles")
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    with pytest.raises(InputError, match=r"bad\.parquet: cannot read the table"):
        read_table(bad)
    odd = tmp_path / "t.xlsx"
    odd.write_text("x")
    with pytest.raises(InputError, match=r"t\.xlsx: unknown table format '\.xlsx'"):
        read_table(odd)
    tsv = tmp_path / "t.tsv"
    tsv.write_text("a\tb\n1\tx\n")
    assert read_table(tsv).rows() == [(1, "x")]


# ------------------------------------------------------------------ atomicity


def test_failure_leaves_no_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp != target
        tmp.write_text("half a table")
        raise RuntimeError("boom")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_failure_leaves_existing_file_untouched(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old contents\n")
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:
        tmp.write_text("new")
        raise KeyboardInterrupt
    assert target.read_text() == "old contents\n"
    assert _leftovers(tmp_path) == []


def test_write_table_failure_keeps_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.parquet"
    write_table(DF, target)
    before = target.read_bytes()
    bad = pl.DataFrame({"x": [object()]}, schema={"x": pl.Object})
    with pytest.raises(Exception):  # noqa: B017 - polars' own error for Object columns
        write_table(bad, target)
    assert target.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_success_replaces_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    write_table(DF, target)
    assert read_table(target).height == 3
    assert _leftovers(tmp_path) == []


def test_open_atomic_text(tmp_path: Path) -> None:
    target = tmp_path / "note.md"
    with open_atomic_text(target) as fh:
        fh.write("héllo\n")
        assert not target.exists()
    assert target.read_text(encoding="utf-8") == "héllo\n"
    with pytest.raises(ValueError), open_atomic_text(target) as fh:
        fh.write("partial")
        raise ValueError
    assert target.read_text(encoding="utf-8") == "héllo\n"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_new_files_get_the_umask_mode(tmp_path: Path, mask: int) -> None:
    old = os.umask(mask)
    try:
        path = write_table(DF, tmp_path / f"out{mask:o}.csv")
        with open_atomic_text(tmp_path / f"note{mask:o}.txt") as fh:
            fh.write("x")
    finally:
        os.umask(old)
    expected = 0o666 & ~mask
    assert stat.S_IMODE(path.stat().st_mode) == expected
    assert stat.S_IMODE((tmp_path / f"note{mask:o}.txt").stat().st_mode) == expected
    # The same mode a plain open() gives.
    os.umask(mask)
    try:
        plain = tmp_path / f"plain{mask:o}"
        plain.write_text("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(plain.stat().st_mode) == expected


# ------------------------------------------------------------------ nested columns


def test_nested_columns_become_json_text_in_csv(tmp_path: Path) -> None:
    df = pl.DataFrame(
        {
            "id": [1, 2, 3],
            "seeds": [["a", "b"], [], None],
            "ints": [[1, 2], [3], [4]],
            "topic": [{"name": "food", "w": 0.5}, {"name": 'x,"y"', "w": None}, None],
        }
    )
    path = write_table(df, tmp_path / "out.csv")
    back = read_table(path)
    assert back["id"].to_list() == [1, 2, 3]
    assert back["seeds"].to_list() == ['["a","b"]', "[]", None]
    assert back["ints"].to_list() == ["[1,2]", "[3]", "[4]"]
    assert json.loads(back["topic"][0]) == {"name": "food", "w": 0.5}
    assert json.loads(back["topic"][1]) == {"name": 'x,"y"', "w": None}
    assert back["topic"][2] is None
    # Parquet and JSON keep the nested types.
    for suffix in (".parquet", ".json"):
        assert_frame_equal(read_table(write_table(df, tmp_path / f"out{suffix}")), df)


def test_flat_csv_is_written_unchanged(tmp_path: Path) -> None:
    path = write_table(DF, tmp_path / "out.csv")
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"  # UTF-8 BOM: Excel reads accents
    assert path.read_text(encoding="utf-8-sig") == DF.write_csv()


def test_csv_rounds_money_to_cents_and_neutralises_formulas(tmp_path: Path) -> None:
    df = pl.DataFrame(
        {
            "handle": ["=cmd|' /C calc'!A0", "@food_ana", "plain", "-1+1"],
            "cost": [271.40000000000003, 1 / 3, 5.0, 0.125],
            "activated_per_cost": [1 / 3] * 4,  # a rate, not money
            "cumulative_cost": [0.1 + 0.2] * 4,
        }
    )
    path = write_table(df, tmp_path / "m.csv")
    text = path.read_text(encoding="utf-8-sig")
    assert "271.40000000000003" not in text and "271.4" in text
    back = pl.read_csv(path)
    assert back["cost"].to_list() == [271.4, 0.33, 5.0, 0.12] or back["cost"].to_list() == [
        271.4, 0.33, 5.0, 0.13
    ]  # fmt: skip
    assert back["activated_per_cost"][0] == pytest.approx(1 / 3)
    assert back["cumulative_cost"].to_list() == [0.3] * 4
    assert back["handle"].to_list() == ["'=cmd|' /C calc'!A0", "@food_ana", "plain", "'-1+1"]
    assert (
        write_table(pl.DataFrame({"cost_score": [0.123456]}), tmp_path / "s.csv")
        .read_text(encoding="utf-8-sig")
        .splitlines()[1]
        == "0.123456"
    )  # a score, not money
    parquet = write_table(df, tmp_path / "m.parquet")
    assert pl.read_parquet(parquet).equals(df)  # Parquet keeps every value


def test_format_money() -> None:
    from pipeline.export import format_money

    assert format_money(1234.5) == "1,234.50"
    assert format_money(1234.5, "$") == "$1,234.50"
    assert format_money(1234.5, "EUR") == "1,234.50 EUR"
    assert format_money(10_000.0, "€", whole=True) == "€10,000"


# --- where outputs go: stdout, symlinks, FIFOs, and the faults of a full or read-only disk


def test_dash_writes_csv_without_bom_to_stdout(capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    write_table(DF, "-")
    out = capfdbinary.readouterr().out
    assert out.startswith(b"id,score,rank,tier\n")  # no byte-order mark in a pipe
    assert pl.read_csv(out).height == 3
    write_table(DF, "-", "json")
    assert json.loads(capfdbinary.readouterr().out)[1]["id"] == "b"
    write_table(DF, "-", "parquet")  # not a terminal here: bytes go through
    assert_frame_equal(pl.read_parquet(capfdbinary.readouterr().out), DF)


def test_symlink_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "data" / "real.csv"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    write_table(DF, link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert_frame_equal(pl.read_csv(real), DF, check_dtypes=False)
    dangling = tmp_path / "later.csv"
    dangling.symlink_to(tmp_path / "data" / "new.csv")
    write_table(DF, dangling)
    assert dangling.is_symlink() and (tmp_path / "data" / "new.csv").is_file()
    assert _leftovers(tmp_path) == [] and _leftovers(tmp_path / "data") == []


def test_fifo_is_written_directly_not_replaced(tmp_path: Path) -> None:
    import threading

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_table(DF, fifo)
    reader.join(10)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still the FIFO, not a file renamed over it
    assert pl.read_csv(got[0]).height == 3
    write_table(DF, "/dev/null")  # a device: written, never replaced
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_file_where_a_folder_should_be(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    blocked = r"afile/deeper/out\.csv: .*afile is a file, not a folder"
    with pytest.raises(OutputError, match=blocked):
        write_table(DF, tmp_path / "afile" / "deeper" / "out.csv")
    with pytest.raises(OutputError, match="is a folder; give a file name"):
        write_table(DF, tmp_path)
    no_folder = r"afile/sub: cannot create the folder \(.*afile is a file"
    with pytest.raises(OutputError, match=no_folder):
        ensure_folder(tmp_path / "afile" / "sub")


def test_read_only_folder_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import tempfile

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(OutputError, match=r"out\.csv: cannot write into the folder .*Read-only"):
        write_table(DF, tmp_path / "out.csv")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".json"])
def test_disk_full_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    target = tmp_path / f"out{suffix}"
    target.write_text("old\n")

    def full(self: pl.DataFrame, dest: object, *args: object, **kwargs: object) -> None:
        Path(str(dest)).write_text("half")  # what a real write leaves before ENOSPC
        if suffix == ".parquet":  # polars wraps the OS error in its own
            raise pl.exceptions.ComputeError(
                "parquet: File out of specification: underlying IO error: "
                "No space left on device (os error 28)"
            )
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, f"write_{suffix[1:]}", full)
    with pytest.raises(OutputError) as info:
        write_table(DF, target)
    assert str(info.value) == (
        f"{target}: could not be written (No space left on device); the old file is unchanged"
    )
    assert target.read_text() == "old\n"
    assert _leftovers(tmp_path) == []
