"""The exception types for user mistakes (bad files, bad options, unwritable outputs).

The CLI turns :class:`InputError` into a one-line message and exit code 2;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

__all__ = ["InputError", "OutputError"]


class InputError(ValueError):
    """Bad input from the user: the message names the file, line or column and what was expected."""


class OutputError(InputError):
    """An output that could not be written (disk full, read-only folder, a file where a
    folder should be): the message names the file; nothing half-written is left."""
