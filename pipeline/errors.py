"""The one exception type for user mistakes (bad files, bad options).

The CLI turns :class:`InputError` into a one-line message and exit code 2;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

__all__ = ["InputError"]


class InputError(ValueError):
    """Bad input from the user: the message names the file, line or column and what was expected."""
