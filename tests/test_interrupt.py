"""Ctrl-C ends a command with one "interrupted" line and exit code 130, never a crash
(a SIGINT on a polars or numba thread, or a KeyboardInterrupt raised inside a parallel
numba kernel, used to segfault: exit 139)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signals only")
@pytest.mark.parametrize("delay", [0.5, 2.0])
@pytest.mark.slow  # over 2 s warm: out of the inner loop (-m 'not slow')
def test_ctrl_c_during_simulate_exits_130(delay: float) -> None:
    cmd = [sys.executable, "-m", "pipeline", "simulate", "data/follows.csv", "--seeds",
           "1,2,3", "--model", "wc", "--runs", "800000"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip
    assert proc.stderr is not None
    line = proc.stderr.readline()  # the graph is loaded: kernels compile or run next
    assert "rows ->" in line, line
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=300)
    finally:
        proc.kill()
    assert proc.returncode == 130, (proc.returncode, err[-2000:])
    assert err.strip().splitlines()[-1] == "interrupted"
    assert "Traceback" not in err and "Fatal Python error" not in err


def _dropped_interrupt() -> None:
    """Ask for a Ctrl-C as the watcher thread does, and drop the KeyboardInterrupt it
    raises, as ctypes does when it lands in a callback (numba compiling a kernel)."""
    from pipeline.diffusion.threads import request_interrupt

    try:
        request_interrupt()  # no kernel running: raised in this (main) thread at once
        for _ in range(2000):
            time.sleep(0.001)
    except KeyboardInterrupt:
        return
    raise AssertionError("the requested interrupt never came")


def test_a_dropped_interrupt_is_raised_again_at_the_next_safe_point() -> None:
    from pipeline.diffusion.threads import interrupt_point, kernel_guard

    _dropped_interrupt()
    with pytest.raises(KeyboardInterrupt), kernel_guard():
        pass
    interrupt_point()  # taken once: nothing pending now
    _dropped_interrupt()
    with pytest.raises(KeyboardInterrupt):
        interrupt_point()


def test_a_command_that_dropped_its_interrupt_still_exits_130() -> None:
    import typer

    from pipeline.cli.common import handle_errors

    @handle_errors
    def command() -> str:
        _dropped_interrupt()
        return "finished"

    with pytest.raises(typer.Exit) as stop:
        command()
    assert stop.value.exit_code == 130
    assert handle_errors(lambda: "again")() == "again"  # the interrupt was taken
