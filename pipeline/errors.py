"""The exception types for user mistakes (bad files, bad options, unwritable outputs).

The CLI turns :class:`InputError` into a one-line message and exit code 2;
anything else is a bug and keeps its traceback.

A message names a parameter as ``«name»``: the library shows it as the Python
parameter (``pass p``), the CLI as its flag (``pass --p``, ``source_col`` ->
``--source-col``), so each speaks its user's language.
"""

from __future__ import annotations

import re

__all__ = ["InputError", "OutputError", "param"]

_PARAM = re.compile(r"«([A-Za-z_][A-Za-z0-9_]*)»")


def param(name: str) -> str:
    """``name`` marked as a parameter in an error message (see the module doc)."""
    return f"«{name}»"


class InputError(ValueError):
    """Bad input from the user: the message names the file, line or column and what was expected."""

    def __str__(self) -> str:
        return _PARAM.sub(r"\1", super().__str__())

    def for_cli(self) -> str:
        """The message with each parameter named by its command-line flag."""
        return _PARAM.sub(lambda m: "--" + m.group(1).replace("_", "-"), super().__str__())


class OutputError(InputError):
    """An output that could not be written (disk full, read-only folder, a file where a
    folder should be): the message names the file; nothing half-written is left."""
