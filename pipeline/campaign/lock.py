"""One campaign process per results folder: the lock file ``OUT/campaign.lock``.

:func:`folder_lock` creates the lock with ``O_CREAT | O_EXCL`` (atomic: of two
processes, exactly one creates it) holding JSON: the process id, the host, the
process's start time (Linux ``/proc``) and a random token; it is removed when the
campaign ends, however it ends (an exception, Ctrl-C). A second campaign on the folder
is refused with one line naming the holder. A lock left by a killed process is
*stale* and taken over: its process is gone (or is a zombie, or its id was reused by a
process started later) on this host. A lock of another host cannot be checked and is
never broken automatically; the message says which file to delete if no campaign runs
there. Breaking a stale lock renames it first, so two processes breaking it at once
cannot both win.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.errors import InputError, OutputError

__all__ = ["LOCK_NAME", "folder_lock"]

#: The lock file's name in the results folder.
LOCK_NAME = "campaign.lock"
#: A lock file still empty or unparsable after this many seconds is stale (its writer
#: died between creating and filling it).
_EMPTY_GRACE_S = 10.0


def _start_ticks(pid: int) -> int | None:
    """The start time of process ``pid`` in clock ticks since boot (``/proc/PID/stat``
    field 22), None where ``/proc`` is unavailable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()  # the name may hold spaces
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def _alive(pid: int, ticks: int | None) -> bool:
    """Whether ``pid`` runs on this host and is the process that took the lock."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        pass
    except OSError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
        if state[state.rfind(")") + 2 :].startswith("Z"):
            return False  # a zombie: dead, not yet reaped
    except OSError:
        pass
    now = _start_ticks(pid)
    return ticks is None or now is None or now == ticks


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _holder(info: dict[str, Any]) -> str:
    since = info.get("since")
    return f"pid {info.get('pid')} on {info.get('host')}" + (f", since {since}" if since else "")


def _stale(path: Path, info: dict[str, Any] | None) -> bool:
    if info is None:
        try:
            return time.time() - path.stat().st_mtime > _EMPTY_GRACE_S
        except OSError:
            return True  # gone meanwhile: try again
    pid = info.get("pid")
    if info.get("host") != socket.gethostname() or not isinstance(pid, int):
        return False
    return not _alive(pid, info.get("ticks") if isinstance(info.get("ticks"), int) else None)


def _create(path: Path, content: str) -> bool:
    """Create ``path`` holding ``content`` if it does not exist; False if it does."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    except OSError as exc:
        raise OutputError(f"{path}: cannot create the lock file ({exc.strerror})") from None
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(content)
        f.flush()
        os.fsync(f.fileno())
    return True


def _break(path: Path, seen: dict[str, Any] | None) -> None:
    """Remove the stale lock ``path`` whose content was ``seen``; a lock that changed
    meanwhile (another process took it over first) is put back."""
    aside = path.with_name(f".{LOCK_NAME}.{os.getpid()}.{os.urandom(4).hex()}.stale")
    try:
        os.replace(path, aside)
    except FileNotFoundError:
        return
    if _read(aside) != seen:  # not the lock we judged stale: restore it
        with contextlib.suppress(OSError):
            os.link(aside, path)
    aside.unlink(missing_ok=True)


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold ``folder/campaign.lock`` for the duration of the ``with`` block (module doc).

    Raises InputError (one line, exit 2) when another live campaign holds it; OutputError
    when the folder is not writable. O(1)."""
    path = folder / LOCK_NAME
    token = os.urandom(8).hex()
    me = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "ticks": _start_ticks(os.getpid()),
        "since": time.strftime("%Y-%m-%d %H:%M:%S"),
        "token": token,
    }
    for _ in range(5):
        if _create(path, json.dumps(me) + "\n"):
            break
        info = _read(path)
        if not _stale(path, info):
            who = _holder(info) if info else "a process that is starting"
            raise InputError(
                f"{folder} is in use by another campaign ({who}); wait for it to finish, or "
                f"delete {path} if no campaign is running there"
            )
        _break(path, info)
    else:
        raise InputError(f"{path}: could not take the lock; try again")
    try:
        yield
    finally:
        held = _read(path)
        if held is not None and held.get("token") == token:
            path.unlink(missing_ok=True)
