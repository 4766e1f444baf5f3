"""The CLI's shared parts: the Typer app, error handling and loading inputs with a spinner.

Option types are in :mod:`pipeline.cli.options`, printing in :mod:`pipeline.cli.output`.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from pipeline.cli.options import EdgeFormatOpt, EdgeMeaningOpt
from pipeline.cli.output import WIDE, clean, err_console, out_console
from pipeline.errors import InputError

if TYPE_CHECKING:
    from pipeline.graph_io import FollowerGraph
    from pipeline.profiles import Brands

__all__ = [
    "app",
    "brands_for",
    "handle_errors",
    "help_app",
    "load_graph_arg",
    "main",
    "pending_interrupt",
    "run",
    "spinner",
    "taken_interrupt",
]


app = typer.Typer(
    name="influence",
    help=(
        "Choose influencers for a brand by simulating how its message spreads through "
        "a follower graph."
    ),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


F = TypeVar("F", bound=Callable[..., Any])


def pending_interrupt() -> None:
    """Raise KeyboardInterrupt if a Ctrl-C is still pending (:mod:`pipeline.entry`'s
    watcher asked for one that was never raised or was dropped). Imports nothing: no
    request was made when the interrupt module is not loaded."""
    threads = sys.modules.get("pipeline.diffusion.threads")
    if threads is not None:
        threads.interrupt_point()


def taken_interrupt() -> None:
    """The pending Ctrl-C has been handled (a KeyboardInterrupt was caught): forget it."""
    threads = sys.modules.get("pipeline.diffusion.threads")
    if threads is not None:
        threads.clear_interrupt()


def handle_errors(fn: F) -> F:
    """Turn InputError into ``error: ...`` on stderr and exit code 2, and Ctrl-C into
    ``interrupted`` and exit code 130."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            out = fn(*args, **kwargs)
            pending_interrupt()  # a Ctrl-C a ctypes callback swallowed: still exit 130
            return out
        except InputError as exc:
            # escaped: a message may hold brackets (e.g. an install hint '...[report]')
            err_console.print(
                Text("error:", style="bold red") + Text(" " + clean(exc.for_cli())),
                highlight=False, soft_wrap=True,
            )  # fmt: skip
            raise typer.Exit(2) from None
        except KeyboardInterrupt:  # Ctrl-C: one line, exit 130 (files are written atomically)
            taken_interrupt()
            err_console.print("interrupted", highlight=False)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        import pipeline

        typer.echo(f"influence {pipeline.__version__}")
        raise typer.Exit()


@app.callback()
@handle_errors
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
    wide: Annotated[
        bool,
        typer.Option(
            "--wide",
            help="Print tables with every column even when wider than the terminal (by "
            "default a terminal shows the leading columns that fit and names the others).",
        ),
    ] = False,
    max_memory: Annotated[
        str | None,
        typer.Option(
            "--max-memory",
            metavar="SIZE",
            help="Refuse a job whose arrays would need more memory than this (e.g. 8GB, "
            "512MiB, 60%), saying how much it needs; default: INFLUENCE_MAX_MEMORY, else "
            "50% of the available memory.",
        ),
    ] = None,
) -> None:
    """Choose influencers by simulating spread through a follower graph."""
    WIDE[0] = wide
    if max_memory is not None:
        from pipeline.memory import set_max_memory

        set_max_memory(max_memory)
    out_console.stderr = False  # stdout is the command's until an --out - takes it


def brands_for(brand: str | None, profiles: Path | None, brands: Path | None) -> Brands | None:
    """The brands table, with ``--brand`` checked before the (slow) graph load."""
    from pipeline.profiles import load_brands

    if brand is not None and (profiles is None or brands is None):
        raise InputError("--brand needs --profiles and --brands")
    b = load_brands(brands) if brands is not None else None
    if brand is not None and b is not None:
        b.check(brand)
    return b


@contextmanager
def spinner(text: str, quiet: bool = False) -> Iterator[Callable[[str], None]]:
    """A transient progress line on stderr; yields a function that updates its text."""
    if quiet or not err_console.is_terminal:
        yield lambda _msg: None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=None),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task(escape(clean(text)), total=None)
        yield lambda msg: progress.update(task, description=escape(clean(f"{text}: {msg}")))


def load_graph_arg(
    graph: Path,
    fmt: EdgeFormatOpt | None,
    meaning: EdgeMeaningOpt | None,
    source_col: str | None,
    target_col: str | None,
    quiet: bool,
    header: bool | None = None,
    columns: str | Mapping[str, str] | None = None,
    duplicates: str = "max",
    undirected: bool = False,
) -> FollowerGraph:
    """The graph of a command's edge-file options (``--columns`` and ``--duplicates``
    checked before the load), read by :func:`pipeline.read_graph` as a library call
    would (GraphML and GML included); prints the load report unless ``quiet``."""
    from pipeline.columns import EDGE_COLUMNS, parse_columns
    from pipeline.interop import read_graph

    mapping = parse_columns(columns, allowed=EDGE_COLUMNS) if isinstance(columns, str) else columns
    from pipeline.graph_io.csr import DUPLICATES

    if duplicates not in DUPLICATES:
        raise InputError(f"--duplicates {duplicates!r}: expected one of {', '.join(DUPLICATES)}")
    with spinner(f"loading {graph}", quiet):
        g = read_graph(
            graph,
            format=fmt.value if fmt else None,
            edge_meaning=meaning.value if meaning else None,
            source_col=source_col,
            target_col=target_col,
            header=header,
            columns=mapping,
            duplicates=duplicates,
            undirected=undirected,
        )
    if not quiet:
        err_console.print(str(g.report), highlight=False, soft_wrap=True)
    return g


def run(args: list[str] | None = None) -> None:
    """The ``influence`` command line (:func:`pipeline.entry.main` is the console
    script: it makes Ctrl-C safe first). A usage error (an unknown option, a value out
    of its range) is one ``error:`` line naming the option and exit code 2, like every
    other error, instead of the option parser's box."""
    from pipeline.cli.options import STRATEGY_HELP

    given = sys.argv[1:] if args is None else args
    command = next((a for a in given if not a.startswith("-")), None)
    STRATEGY_HELP["from_registry"] = command == "seed"  # the one command with --strategy
    try:
        # `influence` and `influence --help` list the commands: stand-ins carry their
        # names and help, so no command's options are inspected (start-up time)
        code = _run_app(args, help_app() if all(a in ("-h", "--help") for a in given) else app)
    finally:  # commands built later in this process (tests, docs) get the full text
        STRATEGY_HELP["from_registry"] = True
    sys.exit(code if isinstance(code, int) else 0)


def help_app() -> typer.Typer:
    """:data:`app` with each command replaced by a stand-in without options that carries
    its name and help: what ``influence --help`` lists, identical text (a test compares
    them), built without inspecting every command's signature. O(commands)."""
    import copy
    import inspect

    from typer.main import get_command_name

    def stand_in() -> None:  # pragma: no cover - never run: help only
        return None

    listed = copy.copy(app)
    listed.registered_commands = []
    for info in app.registered_commands:
        entry = copy.copy(info)
        assert info.callback is not None
        entry.name = info.name or get_command_name(info.callback.__name__)
        entry.help = info.help if info.help is not None else inspect.getdoc(info.callback)
        entry.callback = stand_in
        listed.registered_commands.append(entry)
    return listed


def _run_app(args: list[str] | None, on: typer.Typer) -> Any:
    """The app ``on`` with ``args``, a usage error printed as one ``error:`` line (exit 2)."""
    try:  # typer vendors click (typer._click) from 0.2x on
        from typer._click.exceptions import UsageError
    except ImportError:  # pragma: no cover - older typer
        from click.exceptions import UsageError  # type: ignore[assignment]

    try:
        return on(args=args, standalone_mode=False)
    except UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # the help was printed
            sys.exit(exc.exit_code)
        where = exc.ctx.command_path if exc.ctx is not None else "influence"
        err_console.print(
            Text("error:", style="bold red")
            + Text(f" {clean(exc.format_message())} (see '{where} --help')"),
            highlight=False, soft_wrap=True,
        )  # fmt: skip
        sys.exit(2)
