"""How much memory a job may take, and refusing one that needs more before it allocates.

The limit is, in order: :func:`set_max_memory` (the CLI's ``influence --max-memory``),
the ``INFLUENCE_MAX_MEMORY`` environment variable, else 50% of the memory available
when the limit is first read (``MemAvailable`` in ``/proc/meminfo``, capped by a cgroup
limit when one is set; the physical memory elsewhere). A limit is a byte count, a size
with a unit (``512MB``, ``8GB``, ``1.5GiB``; decimal and binary units) or a share of
the available memory (``75%``).

Estimates (:func:`check_memory`) count the arrays a job allocates whose size grows
with its inputs (runs, nodes, edges, RR sets), not the interpreter or the loaded graph.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pipeline.errors import InputError

__all__ = [
    "available_memory",
    "check_memory",
    "format_bytes",
    "max_memory",
    "parse_memory",
    "set_max_memory",
]

_UNITS = {
    "": 1,
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "k": 2**10,
    "m": 2**20,
    "g": 2**30,
    "t": 2**40,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}
_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([a-zA-Z]*|%)\s*")
_LIMIT: list[int | None] = [None]
_HOW = "--max-memory or INFLUENCE_MAX_MEMORY; default 50% of the available memory"


def available_memory() -> int:
    """Bytes of memory available now: ``MemAvailable`` (Linux), lowered to a cgroup's
    remaining limit when one is set; else the physical memory. O(1)."""
    avail = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                avail = int(line.split()[1]) * 1024
                break
    except (OSError, ValueError, IndexError):
        avail = 0
    if avail <= 0:
        try:
            avail = int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
        except (OSError, ValueError, AttributeError):
            avail = 8 * 2**30  # unknown platform: assume 8 GiB
    try:
        cap = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
        if cap != "max":
            avail = min(avail, max(int(cap) - used, 0))
    except (OSError, ValueError):
        pass
    return avail


def parse_memory(text: str | int, *, where: str = "--max-memory") -> int:
    """A memory limit in bytes from ``text``: a count, a size with a unit (``8GB``,
    ``512MiB``) or a share of the available memory (``75%``); InputError naming
    ``where`` otherwise."""
    if isinstance(text, int) and not isinstance(text, bool):
        if text < 1:
            raise InputError(f"{where}: expected a positive size, got {text}")
        return text
    m = _SIZE.fullmatch(str(text))
    unit = m.group(2).lower() if m else ""
    if m is None or (unit != "%" and unit not in _UNITS):
        raise InputError(
            f"{where}: cannot read {str(text)!r} as a memory size; expected e.g. 8GB, "
            "512MiB, 2000000000 or 60%"
        )
    value = float(m.group(1))
    if unit == "%":
        if not 0 < value <= 100:
            raise InputError(f"{where}: a share must be in (0, 100]%, got {text!r}")
        return max(1, int(available_memory() * value / 100))
    size = int(value * _UNITS[unit])
    if size < 1:
        raise InputError(f"{where}: expected a positive size, got {text!r}")
    return size


def set_max_memory(limit: str | int | None) -> None:
    """Set the limit for this process (None: back to the environment or default)."""
    _LIMIT[0] = None if limit is None else parse_memory(limit)


def max_memory() -> int:
    """The limit in bytes (module doc)."""
    if _LIMIT[0] is not None:
        return _LIMIT[0]
    env = os.environ.get("INFLUENCE_MAX_MEMORY", "").strip()
    if env:
        return parse_memory(env, where="INFLUENCE_MAX_MEMORY")
    return max(1, available_memory() // 2)


def format_bytes(n: float) -> str:
    """``n`` bytes in words with a binary unit: ``7.5 GiB``."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if n < 1024 or unit == "EiB":
            return f"{n:,.0f} bytes" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def check_memory(need: float, what: str, *, hint: str = "") -> None:
    """Refuse (InputError, one line) a job that needs about ``need`` bytes when that is
    above the limit: ``what`` says which job (``"simulate with 1,000,000,000 runs"``),
    ``hint`` what to lower. O(1)."""
    limit = max_memory()
    if need > limit:
        tail = f"; {hint}" if hint else ""
        raise InputError(
            f"{what} needs about {format_bytes(need)} of memory; the limit is "
            f"{format_bytes(limit)} ({_HOW}){tail}"
        )
