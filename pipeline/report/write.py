"""Writing a report: the HTML page or one PNG per chart, each file atomically."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from pipeline.errors import InputError
from pipeline.export import atomic_path, ensure_folder, open_atomic_text
from pipeline.report.build import build_report
from pipeline.report.document import REPORT_FORMATS, Figure, vl_convert_module, vl_version
from pipeline.report.render import render_html

__all__ = ["write_report"]


def _png_targets(out: Path, figures: Sequence[Figure]) -> list[Path]:
    """Where the PNGs go: inside ``out`` when it is a folder (existing, or a name
    without an extension, created), else beside it as ``<stem>-<chart id>.png``."""
    if out.is_dir() or not out.suffix:
        ensure_folder(out)
        return [out / f"{f.id}.png" for f in figures]
    return [out.parent / f"{out.stem}-{f.id}.png" for f in figures]


def write_report(
    results_path: str | Path,
    out: str | Path,
    format: str = "html",
    baseline: str | None = None,
    top: int = 20,
) -> list[Path]:
    """Build the report of a results folder and write it; return the files written.

    ``format="html"``: one self-contained page at ``out``. ``format="png"``: one
    PNG per chart (2x scale, rendered offline by vl-convert), named
    ``<chart id>.png`` inside ``out`` when ``out`` is a folder or has no
    extension (the folder is created), else ``<out stem>-<chart id>.png``
    beside ``out``. Every file is written atomically.

    Raises
    ------
    InputError
        If ``format`` is unknown, the output folder does not exist, or for the
        reasons of :func:`build_report`.
    """
    if format not in REPORT_FORMATS:
        raise InputError(
            f"unknown report format {format!r}; expected {' or '.join(REPORT_FORMATS)}"
        )
    target = Path(out)
    if str(out) == "-" and format != "html":
        raise InputError("«out» - (standard output) takes the html format only")
    if format == "html" and target.is_dir():
        raise InputError(f"{target} is a folder; give the HTML file to write, e.g. report.html")
    report = build_report(results_path, baseline=baseline, top=top)
    if format == "html":
        page = render_html(report)
        if str(out) == "-":
            sys.stdout.write(page)
            sys.stdout.flush()
            return [target]
        with open_atomic_text(target) as fh:
            fh.write(page)
        return [target]
    vlc = vl_convert_module()
    version = vl_version()
    paths = _png_targets(target, report.figures)
    for fig, path in zip(report.figures, paths, strict=True):
        png = vlc.vegalite_to_png(fig.spec, vl_version=version, scale=2)
        with atomic_path(path) as tmp:
            tmp.write_bytes(png)
    return paths
