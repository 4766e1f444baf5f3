"""docs/ambassadors.md quotes `influence ambassadors` on the bundled Stack Exchange set: the
quote must be what the command prints today. ``python tests/test_docs_ambassadors.py``
rewrites it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "ambassadors.md"
DATA = "data/stackexchange-christianity"
COMMAND = [
    "ambassadors", f"{DATA}/edges.txt", "--actions", f"{DATA}/actions.csv", "--top", "10",
]  # fmt: skip
BLOCK = re.compile(
    r"(<!-- ambassadors-output -->\n```text\n)(.*?)(```\n<!-- /ambassadors-output -->)", re.S
)


def command_output() -> str:
    """What the documented command prints on stdout (120 columns)."""
    env = os.environ | {"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
    run = subprocess.run(
        [sys.executable, "-m", "pipeline", *COMMAND], cwd=ROOT, env=env, capture_output=True,
        text=True, check=True,
    )  # fmt: skip
    return "".join(line.rstrip() + "\n" for line in run.stdout.splitlines())


def expected() -> str:
    return "$ influence " + " ".join(COMMAND) + "\n" + command_output()


def test_quoted_ambassadors_output_is_current() -> None:
    quoted = BLOCK.search(DOC.read_text(encoding="utf-8"))
    assert quoted is not None, "docs/ambassadors.md lost its ambassadors-output block"
    assert quoted.group(2) == expected(), "run `python tests/test_docs_ambassadors.py`"


if __name__ == "__main__":
    text = DOC.read_text(encoding="utf-8")
    DOC.write_text(BLOCK.sub(lambda m: m.group(1) + expected() + m.group(3), text))
    print("docs/ambassadors.md rewritten")
