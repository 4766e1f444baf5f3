"""Connecting to a Ray cluster without hanging, and Ray's failures as one line.

An address is checked before Ray sees it: its form (``host:port``, ``ray://host:port``
or ``auto``), then a TCP connection to it, then ``ray.init`` itself, each within the
connection timeout (``INFLUENCE_RAY_TIMEOUT`` seconds, default 30). Ray alone retries
an unreachable address for minutes and answers a malformed one with a traceback.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
from typing import Any

from pipeline.errors import InputError

__all__ = ["TIMEOUT_ENV", "cell_failure", "check_address", "connect", "connect_timeout"]

TIMEOUT_ENV = "INFLUENCE_RAY_TIMEOUT"
_DEFAULT_TIMEOUT = 30.0
_HOST = re.compile(r"\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")


def connect_timeout() -> float:
    """Seconds to wait for a Ray cluster (``INFLUENCE_RAY_TIMEOUT``, default 30)."""
    text = os.environ.get(TIMEOUT_ENV, "").strip()
    if not text:
        return _DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 1e6:
        raise InputError(f"{TIMEOUT_ENV}: expected seconds > 0, got {text!r}")
    return value


def check_address(address: str, timeout: float) -> None:
    """InputError unless ``address`` has a cluster's form and its port accepts a TCP
    connection within ``timeout`` seconds (``auto`` is left to Ray)."""
    if address == "auto":
        return
    rest = address[len("ray://") :] if address.startswith("ray://") else address
    host, sep, port = rest.rpartition(":")
    if not sep or not _HOST.fullmatch(host) or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(
            f"--address {address!r}: expected host:port, ray://host:port or auto "
            "(e.g. 10.0.0.5:6379 or ray://head:10001)"
        )
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise InputError(
            f"cannot reach the Ray cluster at {address} within {timeout:g} s ({why}); check "
            f"the address and that the cluster runs ({TIMEOUT_ENV} sets the wait)"
        ) from None


def connect(address: str | None, workers: int | None) -> None:
    """``ray.init`` for a local cluster (``address`` None) or the cluster at
    ``address`` (checked first, then joined within the timeout)."""
    import ray

    kwargs: dict[str, Any] = dict(
        address=address,
        num_cpus=workers if address is None else None,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
    )
    if address is None:
        ray.init(**kwargs)
        return
    timeout = connect_timeout()
    check_address(address, timeout)
    box: dict[str, BaseException | None] = {}

    def join() -> None:
        try:
            ray.init(**kwargs)
            box["error"] = None
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    quiet = logging.getLogger("ray._private.worker")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # "SIGTERM handler is not set" from a side thread
    try:
        worker = threading.Thread(target=join, name="ray-connect", daemon=True)
        worker.start()
        worker.join(timeout)
    finally:
        quiet.setLevel(level)
    if "error" not in box:
        raise InputError(
            f"no Ray cluster answered at {address} within {timeout:g} s (the port is open, "
            f"but it is not a Ray head?); check the address ({TIMEOUT_ENV} sets the wait)"
        )
    error = box["error"]
    if error is not None:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise InputError(f"cannot connect to the Ray cluster at {address}: {first}") from None


def cell_failure(exc: BaseException, what: str, retries: int) -> BaseException:
    """What to raise when a Ray task failed: the task's own InputError, else one line
    naming the cell for a lost worker, node or object (after ``retries`` retries); any
    other exception as it is (a bug, with its traceback)."""
    import ray.exceptions as rex

    cause = getattr(exc, "cause", None)
    if isinstance(cause, InputError):
        return cause
    lost = (rex.WorkerCrashedError, rex.NodeDiedError, rex.ObjectLostError, rex.RayActorError)
    if isinstance(exc, lost):
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return InputError(
            f"{what} failed on the Ray cluster after {retries} retries ({type(exc).__name__}: "
            f"{first}); the cells finished so far are saved: run the campaign again to resume"
        )
    return exc
