"""docs/calibration.md quotes `influence calibrate` on the bundled Stack Exchange set: the
quote must be what the command prints today. ``python tests/test_docs_calibration.py``
rewrites the quote."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "calibration.md"
DATA = "data/stackexchange-christianity"
COMMAND = [
    "calibrate", f"{DATA}/edges.txt", "--actions", f"{DATA}/actions.csv",
    "--method", "partial-credit", "--out", "models/christianity.toml",
]  # fmt: skip
BACKTEST = [
    "backtest", f"{DATA}/edges.txt", "--actions", f"{DATA}/actions.csv",
    "--train-events", "item-windows",
]  # fmt: skip


def block(name: str) -> re.Pattern[str]:
    """The quoted output block ``name`` of the docs page."""
    return re.compile(
        rf"(<!-- {name}-output -->\n```text\n)(.*?)(```\n<!-- /{name}-output -->)", re.S
    )


BLOCK = block("calibrate")


def command_output(out_dir: Path, command: list[str] = COMMAND) -> str:
    """What a documented command prints on stdout (100 columns), with the model file
    written into ``out_dir`` and named as in the docs."""
    args = [
        a if a != "models/christianity.toml" else str(out_dir / "christianity.toml")
        for a in command
    ]
    env = os.environ | {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    run = subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, check=True,
    )  # fmt: skip
    text = run.stdout.replace(str(out_dir / "christianity"), "models/christianity")
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


def test_quoted_calibrate_output_is_current(tmp_path: Path) -> None:
    quoted = BLOCK.search(DOC.read_text(encoding="utf-8"))
    assert quoted is not None, "docs/calibration.md lost its calibrate-output block"
    expected = "$ influence " + " ".join(COMMAND) + "\n" + command_output(tmp_path)
    assert quoted.group(2) == expected, "run `python tests/test_docs_calibration.py` to update"


@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_quoted_backtest_output_is_current(tmp_path: Path) -> None:
    quoted = block("backtest").search(DOC.read_text(encoding="utf-8"))
    assert quoted is not None, "docs/calibration.md lost its backtest-output block"
    expected = "$ influence " + " ".join(BACKTEST) + "\n" + command_output(tmp_path, BACKTEST)
    assert quoted.group(2) == expected, "run `python tests/test_docs_calibration.py` to update"


if __name__ == "__main__":
    import tempfile

    text = DOC.read_text(encoding="utf-8")
    for name, command in (("calibrate", COMMAND), ("backtest", BACKTEST)):
        with tempfile.TemporaryDirectory() as tmp:
            new = "$ influence " + " ".join(command) + "\n" + command_output(Path(tmp), command)
        text = block(name).sub(lambda m, new=new: m.group(1) + new + m.group(3), text)
    DOC.write_text(text, encoding="utf-8")
    print(f"updated {DOC}")
