"""docs/calibration.md quotes `influence calibrate` on the bundled Stack Exchange set: the
quote must be what the command prints today. ``python tests/test_docs_calibration.py``
rewrites the quote."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "calibration.md"
DATA = "data/stackexchange-christianity"
COMMAND = [
    "calibrate", f"{DATA}/edges.txt", "--actions", f"{DATA}/actions.csv",
    "--method", "partial-credit", "--out", "models/christianity.toml",
]  # fmt: skip
BLOCK = re.compile(
    r"(<!-- calibrate-output -->\n```text\n)(.*?)(```\n<!-- /calibrate-output -->)", re.S
)


def command_output(out_dir: Path) -> str:
    """What the documented command prints on stdout (100 columns), with the model file
    written into ``out_dir`` and named as in the docs."""
    args = [
        a if a != "models/christianity.toml" else str(out_dir / "christianity.toml")
        for a in COMMAND
    ]
    env = os.environ | {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    run = subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, check=True,
    )  # fmt: skip
    return run.stdout.replace(str(out_dir / "christianity"), "models/christianity")


def test_quoted_calibrate_output_is_current(tmp_path: Path) -> None:
    quoted = BLOCK.search(DOC.read_text(encoding="utf-8"))
    assert quoted is not None, "docs/calibration.md lost its calibrate-output block"
    expected = "$ influence " + " ".join(COMMAND) + "\n" + command_output(tmp_path)
    assert quoted.group(2) == expected, "run `python tests/test_docs_calibration.py` to update"


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        new = "$ influence " + " ".join(COMMAND) + "\n" + command_output(Path(tmp))
    text = DOC.read_text(encoding="utf-8")
    DOC.write_text(BLOCK.sub(lambda m: m.group(1) + new + m.group(3), text), encoding="utf-8")
    print(f"updated {DOC}")
