"""How many threads a kernel call uses, and the serial twins of the parallel kernels.

Numba's default threading layer (workqueue) aborts the process when two Python
threads enter parallel regions at once, so code that runs several kernels
concurrently (the local campaign executor's cell threads) calls each parallel
kernel's *serial twin*: the same Python source compiled without ``parallel``,
where ``prange`` is ``range``. A twin gives bit-identical results (the kernels
chunk runs by run index and results never depend on the chunk count) and is
cached on disk like its original, under its own name.
"""

from __future__ import annotations

import _thread
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numba
from numba import njit

from pipeline.errors import InputError

__all__ = [
    "check_threads",
    "clear_interrupt",
    "interrupt_point",
    "kernel_for",
    "kernel_guard",
    "numba_threads",
    "request_interrupt",
    "serial_twin",
]

_TWINS: dict[Any, Any] = {}
_LOCK = threading.Lock()
#: Interrupts held back while the main thread runs a kernel (:func:`kernel_guard`).
_GUARD = threading.Lock()
_DEPTH = [0]
_PENDING = [False]
#: Numba compilations (and cache loads) under way on the main thread.
_COMPILING = [0]


class _CompileWatch(numba.core.event.Listener):
    """Holds a Ctrl-C back while the main thread holds numba's compiler lock: a
    KeyboardInterrupt raised inside LLVM's code generation is either dropped by ctypes
    (a callback) or leaves LLVM's state half-built, and the process then aborts at exit
    (``double free``). When the last compilation ends, a pending request is raised."""

    def on_start(self, event: object) -> None:
        if threading.current_thread() is threading.main_thread():
            with _GUARD:
                _COMPILING[0] += 1

    def on_end(self, event: object) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        with _GUARD:
            _COMPILING[0] = max(_COMPILING[0] - 1, 0)  # registered mid-compile: no start
            fire = _COMPILING[0] == 0 and _DEPTH[0] == 0 and _PENDING[0]
        if fire:
            _thread.interrupt_main()  # outside any kernel: raised at the next bytecode


numba.core.event.register("numba:compiler_lock", _CompileWatch())


@contextmanager
def kernel_guard() -> Iterator[None]:
    """Within the block, a Ctrl-C reported by :func:`request_interrupt` waits for the
    block to end and is then raised as KeyboardInterrupt: a KeyboardInterrupt that
    arrives while a parallel numba kernel runs on the main thread crashes the process
    (numba's launcher, a segfault), one raised after it does not. Other threads pass
    through. O(1)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    with _GUARD:
        _DEPTH[0] += 1
    try:
        yield
    finally:
        with _GUARD:
            _DEPTH[0] -= 1
            fire = _DEPTH[0] == 0 and _PENDING[0]
            if fire:
                _PENDING[0] = False
        if fire:
            raise KeyboardInterrupt


def interrupt_point() -> None:
    """Between two kernel calls inside :func:`kernel_guard`: raise the Ctrl-C held
    back so far (KeyboardInterrupt) now, so a long job split into kernel calls stops
    within one call. O(1)."""
    with _GUARD:
        fire = _PENDING[0]
        _PENDING[0] = False
    if fire:
        raise KeyboardInterrupt


def request_interrupt() -> None:
    """Interrupt the main thread now (KeyboardInterrupt), or, while it runs a kernel
    inside :func:`kernel_guard`, when the kernel returns. Safe from any thread.

    The request also stays pending until :func:`interrupt_point`, a guard's end or
    :func:`clear_interrupt` takes it: a KeyboardInterrupt raised while the main thread is
    inside a ctypes callback (numba compiling or loading a kernel calls back into
    Python) is printed and dropped by ctypes, and would otherwise be lost. While numba
    compiles on the main thread the request waits for the compilation to end
    (:class:`_CompileWatch`)."""
    with _GUARD:
        _PENDING[0] = True
        if _DEPTH[0] == 0 and _COMPILING[0] == 0:
            _thread.interrupt_main()


def clear_interrupt() -> None:
    """Forget a pending request: the KeyboardInterrupt it raised has been handled. O(1)."""
    with _GUARD:
        _PENDING[0] = False


def check_threads(threads: object) -> int | None:
    """``threads`` as an int >= 1, or None; InputError otherwise."""
    if threads is None:
        return None
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise InputError(f"threads must be an integer >= 1, got {threads!r}")
    return threads


def serial_twin(kernel: Any) -> Any:
    """The single-threaded twin of the numba ``parallel=True`` dispatcher ``kernel``
    (compiled on first use, then cached on disk as ``<name>_serial``)."""
    with _LOCK:
        twin = _TWINS.get(kernel)
        if twin is None:
            py = kernel.py_func
            fn = types.FunctionType(
                py.__code__, py.__globals__, py.__name__ + "_serial", py.__defaults__,
                py.__closure__,
            )  # fmt: skip
            fn.__qualname__ = py.__qualname__ + "_serial"
            fn.__doc__ = py.__doc__
            fn.__module__ = py.__module__
            twin = njit(nogil=True, cache=True)(fn)
            _TWINS[kernel] = twin
        return twin


def kernel_for(kernel: Callable[..., Any], threads: int | None) -> Callable[..., Any]:
    """``kernel`` itself, or its serial twin when ``threads == 1`` (safe to call from
    several Python threads at once)."""
    return serial_twin(kernel) if threads == 1 else kernel


@contextmanager
def numba_threads(threads: int | None) -> Iterator[int]:
    """Within the block, parallel kernels use ``threads`` numba threads (default:
    numba's setting); yields the count to chunk work by. With ``threads == 1``
    numba's setting is left alone (the caller uses :func:`kernel_for`'s twin)."""
    if threads == 1:
        with kernel_guard():
            yield 1
        return
    old = numba.get_num_threads()
    if threads is not None:
        numba.set_num_threads(min(threads, int(numba.config.NUMBA_NUM_THREADS)))  # type: ignore[attr-defined]
    try:
        with kernel_guard():
            yield numba.get_num_threads()
    finally:
        if threads is not None:
            numba.set_num_threads(old)
