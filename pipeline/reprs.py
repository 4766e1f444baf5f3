"""How results look in a notebook or a console: concise ``repr``, HTML summaries, progress.

A result class mixes in :class:`Described` (and is declared ``@dataclass(repr=False)``
so the dataclass does not write its field-by-field repr over it) and returns a
:class:`Summary` from ``_describe()``: a title, a few ``key: value`` lines and,
in HTML only, an optional small table (at most :data:`TABLE_ROWS` rows). The text
form is a handful of lines whatever the result's size; the HTML form escapes every
value (:func:`html.escape`), so account IDs, handles and brands show as literal text.
Without its own ``_describe`` a class gets one line per field, arrays and tables
given by dtype and shape.

:func:`in_notebook` tells whether the code runs in a Jupyter kernel, and
:class:`CampaignProgressView` shows a campaign's progress there (one HTML line updated
in place, no ipywidgets needed) or, when asked outside notebooks, on stderr.
"""

from __future__ import annotations

import dataclasses
import html
import math
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "TABLE_ROWS",
    "CampaignProgressView",
    "Described",
    "Summary",
    "clean",
    "ids_text",
    "in_notebook",
    "mean_ci",
    "num",
    "pct",
    "seed_set_summary",
    "shape_text",
]

#: Rows of the small table under an HTML summary; the rest are counted, not shown.
TABLE_ROWS = 10
_ITEM_WIDTH = 40  # characters of one shown ID or value before it is clipped


def clean(value: object, width: int = _ITEM_WIDTH) -> str:
    """``str(value)`` with control characters escaped (``\\n`` -> ``\\\\n``) and clipped to
    ``width`` characters (an ellipsis marks the cut), so one value stays on one line."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(value))
    return text if len(text) <= width else text[: width - 1] + "…"


def num(x: object, digits: int = 1) -> str:
    """A number for people: integers with thousands separators, floats with ``digits``
    decimals (3 significant digits below 1), ``n/a`` for None or NaN."""
    if x is None:
        return "n/a"
    if isinstance(x, bool | np.bool_):
        return str(bool(x))
    if isinstance(x, int | np.integer):
        return f"{int(x):,}"
    v = float(x)  # type: ignore[arg-type]
    if math.isnan(v):
        return "n/a"
    if v == 0 or abs(v) >= 1 or math.isinf(v):
        return f"{v:,.{digits}f}"
    return f"{v:.3g}"


def pct(x: float | None) -> str:
    """A share (0..1) as a percentage with one decimal, ``n/a`` for None or NaN."""
    return "n/a" if x is None or math.isnan(x) else f"{100 * x:.1f}%"


def mean_ci(x: np.ndarray[Any, Any]) -> str:
    """``mean (95% CI low to high)`` of per-run values (Student t,
    :func:`pipeline.intervals.half_width`); a single run has no interval. O(len(x))."""
    from pipeline.intervals import half_width

    v = np.asarray(x, dtype=np.float64)
    if v.size == 0:
        return "no runs"
    mean = float(v.mean())
    if v.size < 2:
        return f"{num(mean)} (one run: no interval)"
    half = float(half_width(v))
    return f"{num(mean)} (95% CI {num(mean - half)} to {num(mean + half)})"


def ids_text(values: Iterable[object], limit: int = 8) -> str:
    """The first ``limit`` values, comma-separated and :func:`clean`-ed, then how many
    more: ``1336, 1755, 4308, … (+58 more)``."""
    items = list(values)
    shown = ", ".join(clean(v) for v in items[:limit])
    more = len(items) - limit
    return f"{shown}, … (+{more:,} more)" if more > 0 else (shown or "none")


def shape_text(x: object) -> str:
    """``int64 1,000 x 3`` for an array, ``DataFrame 66 x 15`` for a table, ``N items``
    for another sized object, else the :func:`clean`-ed value."""
    if isinstance(x, np.ndarray):
        return f"{x.dtype} " + " x ".join(f"{d:,}" for d in x.shape)
    shape = getattr(x, "shape", None)
    if isinstance(shape, tuple) and all(isinstance(d, int) for d in shape):
        return f"{type(x).__name__} " + " x ".join(f"{d:,}" for d in shape)
    if isinstance(x, dict | list | tuple | set):
        return f"{type(x).__name__} of {len(x):,} items"
    return clean(x, 60)


@dataclass(frozen=True)
class Summary:
    """What a result shows: a ``title`` line, ``rows`` of (key, value) text and, in
    HTML only, a small ``table`` (column names, rows of cells) with ``table_note``."""

    title: str
    rows: Sequence[tuple[str, str]]
    columns: Sequence[str] = ()
    table: Sequence[Sequence[object]] = field(default_factory=tuple)
    table_note: str = ""

    def text(self) -> str:
        """The title, then one indented ``key  value`` line per row."""
        width = max((len(k) for k, _ in self.rows), default=0)
        lines = [clean(self.title, 200)]
        lines += [f"  {k:<{width}}  {clean(v, 200)}" for k, v in self.rows]
        return "\n".join(lines)

    def html(self) -> str:
        """A bold title, a two-column table of the rows and the small table, every
        value escaped."""
        e = html.escape
        left = ' style="text-align:left"'
        out = [f'<div class="pipeline-result"><b>{e(self.title)}</b>', "<table><tbody>"]
        out += [f"<tr><th{left}>{e(k)}</th><td{left}>{e(v)}</td></tr>" for k, v in self.rows]
        out.append("</tbody></table>")
        if self.columns:
            head = "".join(f"<th>{e(c)}</th>" for c in self.columns)
            body = "".join(
                "<tr>" + "".join(f"<td>{e(_cell(v))}</td>" for v in row) + "</tr>"
                for row in self.table[:TABLE_ROWS]
            )
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
            if self.table_note:
                out.append(f"<small>{e(self.table_note)}</small>")
        out.append("</div>")
        return "\n".join(out)


def _cell(v: object) -> str:
    """One table cell: floats via :func:`num` (2 decimals); integers as they are (they
    may be account IDs); anything else cleaned."""
    if isinstance(v, float | np.floating):
        return num(v, 2)
    return clean("" if v is None else v)


class Described:
    """Mixin: a concise ``__repr__`` and a notebook ``_repr_html_`` from ``_describe()``.

    Dataclasses using it need ``repr=False``. The default ``_describe`` lists the
    fields, arrays and tables by dtype and shape; a failing ``_describe`` falls back
    to the class name, so showing a result never raises.
    """

    __slots__ = ()

    def _describe(self) -> Summary:
        rows = [(f.name, shape_text(getattr(self, f.name)))
                for f in dataclasses.fields(self)]  # type: ignore[arg-type]  # fmt: skip
        return Summary(type(self).__name__, rows)

    def __repr__(self) -> str:
        try:
            return self._describe().text()
        except Exception as exc:  # a repr must not raise
            return f"<{type(self).__name__} (not described: {type(exc).__name__})>"

    def _repr_html_(self) -> str:
        try:
            return self._describe().html()
        except Exception:
            return f"<pre>{html.escape(repr(self))}</pre>"


def seed_set_summary(s: Any) -> Summary:
    """What a :class:`~pipeline.seeding.base.SeedSet` shows: strategy, model and brand,
    the seeds' IDs, cost against the budget, expected reach in the gains' unit with its
    standard error, and (HTML) the first rows of its plan. O(seeds)."""
    p = s.problem
    n = len(s)
    brand = f" for {p.brand}" if p.brand else ""
    title = f"SeedSet: {s.strategy}, {n} seed{'' if n == 1 else 's'} under {p.model}{brand}"
    known = bool(np.isfinite(s.cost).any()) if n else p.budget is not None
    cost = num(s.total_cost, 2) if known else "unknown (no costs given)"
    cost += "" if p.budget is None else f" of budget {num(p.budget, 2)}"
    unit = s.info.get("gain_unit") or p.unit
    stderr = float(s.cumulative_stderr[-1]) if n else 0.0
    rows = [
        ("seeds", ids_text(s.ids)),
        ("cost", cost),
        ("expected reach", f"{num(s.expected_reach)} ± {num(stderr)} {unit} (standard error)"),
        ("objective", str(p.objective)),
        ("tables", f".to_polars() ({n} rows), .summary(), .ids, .nodes (dense indices)"),
    ]
    cols = ["rank", "id", "handle", "cost", "marginal_gain", "cumulative_reach"]
    table = s.to_polars().select(cols).head(TABLE_ROWS)
    note = f"first {TABLE_ROWS} of {n} seeds" if n > TABLE_ROWS else ""
    return Summary(clean(title, 200), rows, cols, table.rows(), note)


def in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (notebook, lab, qtconsole, Colab): IPython is
    already loaded and its shell is the ZMQ (kernel) one. Never imports IPython."""
    ipython = sys.modules.get("IPython")
    get = getattr(ipython, "get_ipython", None)
    try:
        shell = get() if callable(get) else None
    except Exception:
        return False
    if shell is None:
        return False
    cls = type(shell)
    return cls.__name__ == "ZMQInteractiveShell" or "google.colab" in cls.__module__


class CampaignProgressView:
    """A callable for :func:`pipeline.campaign.driver.run_campaign`'s ``progress``: shows
    preparation steps, then cells done of the total, runs per second and the last cell.

    ``notebook=True``: one HTML line (a ``<progress>`` bar) updated in place with
    ``IPython.display`` at most every ``interval`` seconds; otherwise a rich bar on
    stderr when it is a terminal, else one plain line per update. :meth:`close`
    draws the final state (call it in ``finally``).
    """

    def __init__(self, notebook: bool, interval: float = 0.25) -> None:
        self.notebook = notebook
        self.interval = interval
        self._handle: Any = None
        self._bar: Any = None
        self._task: Any = None
        self._start = time.perf_counter()
        self._shown = 0.0
        self._last: Any = None
        self._text = "preparing"

    def __call__(self, p: Any) -> None:
        """Take one ``CampaignProgress`` (cells_done, cells_total, runs_done, message)."""
        self._last = p
        if p.cells_total == 0:
            self._text = clean(p.message, 120)
        elif p.message == "running":
            self._start = time.perf_counter()
            done = f", {p.cells_done:,} already done" if p.cells_done else ""
            self._text = f"{p.cells_total:,} cells{done}"
        else:
            rate = p.runs_done / max(time.perf_counter() - self._start, 1e-9)
            self._text = f"{clean(p.message, 80)} ({rate:,.0f} runs/s)"
        if self.notebook:
            self._draw_notebook(force=p.cells_total == 0 or p.cells_done >= p.cells_total)
        else:
            self._draw_console(p)

    def _html(self) -> str:
        p = self._last
        done, total = (p.cells_done, p.cells_total) if p is not None else (0, 0)
        bar = f'<progress value="{done}" max="{total}"></progress> ' if total else ""
        count = f"{done:,} / {total:,} cells · " if total else ""
        return f"<div>{bar}{count}{html.escape(self._text)}</div>"

    def _draw_notebook(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and self._handle is not None and now - self._shown < self.interval:
            return
        from IPython.display import HTML, display

        self._shown = now
        if self._handle is None:
            self._handle = display(HTML(self._html()), display_id=True)
        else:
            self._handle.update(HTML(self._html()))

    def _draw_console(self, p: Any) -> None:
        from rich.console import Console

        if self._bar is None and p.cells_total and Console(stderr=True).is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._bar = Progress(TextColumn("cells"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.description}", markup=False),
                                 console=Console(stderr=True))  # fmt: skip
            self._bar.start()
            self._task = self._bar.add_task(self._text, total=p.cells_total, completed=p.cells_done)
        if self._bar is not None:
            self._bar.update(self._task, completed=p.cells_done, description=self._text)
        else:
            count = f"[{p.cells_done}/{p.cells_total}] " if p.cells_total else ""
            print(count + self._text, file=sys.stderr, flush=True)

    def close(self, status: str = "") -> None:
        """Draw the last state (with ``status``, e.g. "done in 12.3 s", in place of the
        last message) and release the display (idempotent)."""
        if status:
            self._text = clean(status, 120)
        if self._bar is not None:
            self._bar.update(self._task, description=self._text)
            self._bar.stop()
            self._bar = None
        elif self.notebook and self._last is not None:
            self._draw_notebook(force=True)
        elif status and self._last is not None:
            print(self._text, file=sys.stderr, flush=True)
