"""Write docs/cli.md, the CLI reference, from the Typer app ``influence`` runs.

``python docs/gen_cli.py`` rewrites the page; ``tests/test_docs_site.py`` fails when it
is stale. The page is built from the Click command Typer makes of
:data:`pipeline.cli.app` (``typer.main.get_command``): every command and subcommand, in
the order ``influence --help`` lists them, with its help, usage, arguments and options
(names, short flags, value types, defaults) exactly as ``--help`` words them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PAGE = Path(__file__).resolve().parent / "cli.md"

HEAD = """\
# CLI reference

Generated from the command-line app (`python docs/gen_cli.py`; a test fails when this
page is stale). Every command takes `-h` as well as `--help`; `python -m pipeline` is the
same command as `influence`. Bad input ends in one `error:` line and exit code 2,
Ctrl-C in "interrupted" and exit code 130.
"""


def _text(value: str) -> str:
    """Help text as Markdown: literal (no emphasis, no HTML), backquoted code kept."""
    value = html.escape(value, quote=False)
    return re.sub(r"([*_\\\[\]])", r"\\\1", value)


def _paragraphs(help_text: str) -> list[str]:
    """Click's help: paragraphs separated by blank lines, ``\\b`` blocks kept as lines."""
    out = []
    for block in re.split(r"\n\s*\n", help_text.strip()):
        lines = [x.strip() for x in block.splitlines() if x.strip()]
        if lines and lines[0] == "\b":  # a Click verbatim block: one line each
            out.append("  \n".join(_text(x) for x in lines[1:]))
        elif lines:
            out.append(_text(" ".join(lines)))
    return out


def _params(command: Any, ctx: Any, kind: str) -> Iterator[str]:
    for param in command.get_params(ctx):
        if param.param_type_name != kind or getattr(param, "hidden", False):
            continue
        record = param.get_help_record(ctx)
        if record is None:
            continue
        names, helped = record
        helped = re.sub(r"\s+", " ", helped or "").strip()
        yield f"- `{names}`" + (f": {_text(helped)}" if helped else "")


def _command(command: Any, ctx: Any, level: int) -> Iterator[str]:
    path = ctx.command_path
    yield f"{'#' * level} `{path}`"
    yield ""
    for para in _paragraphs(command.help or ""):
        yield para
        yield ""
    pieces = command.collect_usage_pieces(ctx)
    yield "```text"
    yield f"{path} {' '.join(pieces)}"
    yield "```"
    yield ""
    for kind, title in (("argument", "Arguments"), ("option", "Options")):
        rows = list(_params(command, ctx, kind))
        if rows:
            yield f"**{title}**"
            yield ""
            yield from rows
            yield ""
    if hasattr(command, "list_commands"):  # a group: its commands, linked, then each
        subs = [command.get_command(ctx, name) for name in command.list_commands(ctx)]
        yield "**Commands**"
        yield ""
        for sub in subs:
            anchor = f"{path} {sub.name}".replace(" ", "-")
            yield f"- [`{sub.name}`](#{anchor}): {_text(sub.get_short_help_str(200))}"
        yield ""
        for sub in subs:
            sub_ctx = sub.context_class(sub, info_name=sub.name, parent=ctx, **sub.context_settings)
            yield from _command(sub, sub_ctx, level if ctx.parent is None else level + 1)


def cli_reference() -> str:
    """The page's Markdown."""
    import typer.main

    from pipeline.cli import app

    root = typer.main.get_command(app)
    ctx = root.context_class(root, info_name="influence", **root.context_settings)
    return HEAD + "\n" + "\n".join(_command(root, ctx, 2)).rstrip() + "\n"


if __name__ == "__main__":
    PAGE.write_text(cli_reference(), encoding="utf-8")
    print("wrote docs/cli.md")
