"""The ``influence`` console script: Ctrl-C made safe, then the command line.

A Ctrl-C (SIGINT) that lands on one of the native threads polars and numba start, or
a KeyboardInterrupt raised while a parallel numba kernel runs on the main thread,
crashes the process (a segfault, exit 139). :func:`main` therefore blocks SIGINT
*before importing anything* that starts threads (every thread started later inherits
the block), and one watcher thread takes the signal with ``sigwait`` and hands it to
the main thread at a safe point (:func:`pipeline.diffusion.threads.request_interrupt`:
at once, or when the running kernel returns). Commands then end with one
"interrupted" line and exit code 130. Nothing heavy is imported here.
"""

from __future__ import annotations

import signal
import threading

__all__ = ["main"]


def _watch_interrupts() -> None:
    """Block SIGINT in this (main) thread and start the thread that waits for it."""
    if not hasattr(signal, "pthread_sigmask") or (
        threading.current_thread() is not threading.main_thread()
    ):
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})

    def watch() -> None:
        from pipeline.diffusion.threads import request_interrupt

        while True:
            signal.sigwait({signal.SIGINT})
            request_interrupt()

    threading.Thread(target=watch, name="interrupts", daemon=True).start()


def main() -> None:  # pragma: no cover - console entry point (tested in a subprocess)
    """Run ``influence`` with safe interrupts (module doc)."""
    _watch_interrupts()
    from pipeline.cli import run

    run()
