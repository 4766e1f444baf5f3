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


def test_an_interrupt_during_a_compilation_waits_for_its_end() -> None:
    """A KeyboardInterrupt inside numba's compiler (LLVM code generation) is dropped by
    ctypes or aborts the process at exit: a request made while the main thread holds the
    compiler lock is raised once the lock is released."""
    from numba.core.compiler_lock import global_compiler_lock

    from pipeline.diffusion.threads import clear_interrupt, request_interrupt

    held = False
    try:
        with global_compiler_lock:  # what a compilation or a cache load holds
            request_interrupt()
            for _ in range(200):
                time.sleep(0.001)
            held = True
        for _ in range(2000):
            time.sleep(0.001)
    except KeyboardInterrupt:
        assert held, "raised while the compiler lock was held"
        clear_interrupt()  # taken, as the command line's handler does
        return
    raise AssertionError("the interrupt was never raised after the compilation")
