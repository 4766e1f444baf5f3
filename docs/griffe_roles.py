"""Griffe extension for the API reference: the docstrings' Sphinx roles as Markdown.

The docstrings cross-reference with Sphinx roles (``:func:`~pipeline.api.simulate```),
which Markdown would print as written. mkdocstrings loads this file
(``extensions: [docs/griffe_roles.py:SphinxRoles]`` in ``mkdocs.yml``) and every role
becomes inline code of the name it shows (``simulate``: the last part after ``~``), and
a paragraph ending in ``::`` (reST's "literal block follows") ends in ``:``.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:func|meth|mod|class|data|attr|exc|obj|const|ref):`(~?)([^`]+)`")


def markdown(text: str) -> str:
    """``text`` with its Sphinx roles as inline code and ``::`` line ends as ``:``."""

    def shown(match: re.Match[str]) -> str:
        target = match.group(2).strip()
        if "<" in target and target.endswith(">"):  # :ref:`words <target>`
            target = target.split("<", 1)[0].strip()
        if match.group(1):
            target = target.rsplit(".", 1)[-1]
        return f"`{target}`"

    text = ROLE.sub(shown, text)
    return re.sub(r"(?m)(\S)::$", r"\1:", text)


class SphinxRoles(griffe.Extension):
    """Rewrite each docstring once, after its object is loaded (modules have their own
    hook: ``on_object`` sees their members only)."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)

    def on_module(self, *, mod: griffe.Module, **kwargs: Any) -> None:
        self.on_object(obj=mod)
