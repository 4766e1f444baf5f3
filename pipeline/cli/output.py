"""How the CLI prints: the consoles, tables sized to the terminal, money and rates in their
units, strict JSON, and one user of standard output at a time.

User data (handles, brands, topics, paths, messages quoting them) is printed as literal
text: the consoles never parse rich markup (``[bold]`` stays ``[bold]``, ``[/x]`` cannot
crash a command) and show control characters as ``\x1b``-style escapes
(:func:`clean`), so a handle cannot move the cursor or retitle the terminal. Files keep
every character.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from pipeline.cli.options import TableFormatOpt
from pipeline.errors import InputError
from pipeline.export.formats import format_money, is_money, is_rate

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "CURRENCY",
    "ONE_RUN_NOTE",
    "WIDE",
    "SafeConsole",
    "cell_text",
    "clean",
    "emit_table",
    "err_console",
    "is_count",
    "one_stdout",
    "out_console",
    "print_json",
    "stdout_taken",
    "strict_json",
]


#: C0 and C1 control characters but tab and newline: escape sequences, bells, NULs.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """``text`` for a terminal: each control character (but tab and newline) shown as
    its escape (``\x1b``). O(len)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class SafeConsole(Console):
    """A console that prints strings as literal text: no markup is parsed (also in
    tables and titles) and control characters are escaped (:func:`clean`)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["markup"] = False
        super().__init__(**kwargs)

    def print(self, *objects: Any, **kwargs: Any) -> None:
        kwargs["markup"] = False
        super().print(*(Text(clean(o)) if isinstance(o, str) else o for o in objects),
                      **kwargs)  # fmt: skip


out_console = SafeConsole()

err_console = SafeConsole(stderr=True)


def emit_table(
    df: pl.DataFrame,
    out: Path | None,
    out_format: TableFormatOpt | None,
    title: str,
    quiet: bool,
    max_rows: int = 20,
) -> None:
    from pipeline.export import write_table

    if out is not None:
        write_table(df, out, out_format.value if out_format else None)
        if str(out) == "-":
            stdout_taken()
        if not quiet:
            where = "standard output" if str(out) == "-" else out
            err_console.print(f"wrote {df.height:,} rows to {where}", highlight=False)
        return
    if quiet:
        return
    # per call: it reads COLUMNS and whether stdout is a terminal now
    console = SafeConsole(stderr=out_console.stderr)
    ident = [c in ("id", "node") for c in df.columns]  # identifiers: no thousands separator
    rows = [
        [clean(str(v)) if i else cell_text(v, c)
         for v, i, c in zip(row, ident, df.columns, strict=True)]
        for row in df.head(max_rows).iter_rows()
    ]  # fmt: skip

    def build(n: int) -> Table:
        table = Table(title=Text(clean(title)), box=box.SIMPLE_HEAD)
        for j, col in enumerate(df.columns[:n]):
            widest = max([len(col)] + [len(r[j]) for r in rows])
            table.add_column(Text(clean(col)), min_width=min(widest, 24), overflow="fold")
        for r in rows:
            table.add_row(*r[:n])
        return table

    unbounded = console.options.update(width=10_000)

    def need(table: Table) -> int:
        return Measurement.get(console, unbounded, table).maximum

    shown = len(df.columns)
    table = build(shown)
    width = console.width
    if not console.is_terminal or WIDE[0]:
        # piped, captured or --wide: never crop; lines are as long as the table needs
        SafeConsole(
            width=max(width, need(table)), force_terminal=console.is_terminal, stderr=console.stderr
        ).print(table)
    else:
        while shown > 2 and need(table) > width:
            shown -= 1
            table = build(shown)
        console.print(table)
        if shown < len(df.columns):
            hidden = df.columns[shown:]
            err_console.print(
                f"{len(hidden)} column(s) hidden to fit {width} columns: {', '.join(hidden)}; "
                "`influence --wide ...` shows them, --out saves every column",
                highlight=False,
            )
    if df.height > max_rows:
        err_console.print(f"... {df.height - max_rows:,} more rows (use --out to save all)")


def strict_json(value: Any) -> Any:
    """``value`` with NaN and infinities (also inside lists and dicts) as None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: strict_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strict_json(v) for v in value]
    return value


def one_stdout(out: Path | None, json_out: bool) -> None:
    """Refuse ``--out -`` with ``--json``: both would write to standard output."""
    if json_out and out is not None and str(out) == "-":
        raise InputError("--out - and --json both write to standard output; use one of them")


def print_json(payload: Any) -> None:
    """Print ``payload`` as strict JSON (NaN and infinities as null)."""
    typer.echo(json.dumps(strict_json(payload), allow_nan=False, default=str))


#: ``influence --wide``: print tables at their full width on a terminal too.
WIDE = [False]

#: The currency symbol of the results being printed (``[valuation] currency``).
CURRENCY = [""]


def is_count(col: str) -> bool:
    """Columns of accounts (means included), shown as whole numbers."""
    if "per_cost" in col or "steps" in col or col in ("ratio", "score", "relevance"):
        return False
    words = ("mean_", "ci_low", "ci_high", "marginal", "cumulative_reach", "expected_",
             "impressions", "engagements", "earned", "activated", "exposed", "reach",
             "followers", "seeds_used", "creators", "adopters", "alone", "loss", "shared",
             "mean_diff")  # fmt: skip
    return any(w in col for w in words)


def cell_text(v: object, col: str = "") -> str:
    """A value for people: rates as percentages, money with two decimals, counts whole,
    booleans yes/no, a list (an interval) bound by bound (files keep full precision)."""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if v != v:  # NaN
            return "n/a"
        if is_rate(col):
            return f"{100 * v:.1f}%"
        if is_money(col):
            return format_money(v, CURRENCY[0], whole=col == "budget" and v.is_integer())
        if is_count(col):
            return f"{v:,.0f}"
        return f"{v:.4g}" if abs(v) < 1e3 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, list | tuple):  # an interval [low, high]: each bound as the value
        return "[" + ", ".join(cell_text(x, col) for x in v) + "]"
    return "" if v is None else clean(str(v))


def stdout_taken() -> None:
    """``--out -`` wrote data to stdout: what the command prints for people after it
    goes to stderr, so the data stays parseable."""
    out_console.stderr = True


#: Said on stderr when a summary of one run has no interval.
ONE_RUN_NOTE = (
    "no confidence interval: it needs at least 2 runs (a single run has no spread to "
    "estimate); rerun with more --runs"
)
