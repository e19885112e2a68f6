"""Finding scripts for ``@load`` and tracking conditional directives.

``@load ./name`` and ``@load ../name`` are relative to the loading file only
(as in Zeek's ``scan.l``).  Any other ``@load name`` looks, in order, in the
directory of the loading file, the current directory and the search path of
:func:`~zscript.resources.script_path` (``ZSCRIPTPATH``, ``ZEEKPATH``, the
bundled library, which mirrors Zeek's ``scripts/`` tree, and its ``policy/``
and ``site/``).  In each place it tries ``name``, ``name.zs``, ``name.zeek``
and, for a directory, ``name/__load__.zs`` (or ``__load__.zeek``).  Each
file is loaded once per process.

:class:`Conditionals` keeps the ``@if``/``@else``/``@endif`` nesting of one
file and tells the lexer when to skip a branch.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..resources import script_path_entries

__all__ = ["Conditionals", "resolve_load"]

_SUFFIXES = ("", ".zs", ".zeek")
_PACKAGE_FILES = ("__load__.zs", "__load__.zeek")


def _is(test, path: str) -> bool:
    """``os.path.isfile(path)`` or ``isdir``, false for names the system refuses (too long ...)."""
    try:
        return test(path)
    except (OSError, ValueError):
        return False


def _candidates(base: str, name: str):
    # os.path on strings, not pathlib: every @load of every start comes here,
    # and building Path objects for each candidate was most of its cost.
    p = os.path.join(base, name)
    p = p.rstrip("/") or p  # as pathlib: "dir/" names "dir"
    has_name = bool(os.path.basename(p))
    for suffix in _SUFFIXES:
        if suffix and not has_name:
            continue
        q = p + suffix
        if _is(os.path.isfile, q):
            yield Path(q)
        if not suffix and _is(os.path.isdir, q):
            for pkg in _PACKAGE_FILES:
                if _is(os.path.isfile, os.path.join(q, pkg)):
                    yield Path(q, pkg)


def resolve_load(name: str, current_dir: str | None) -> Path | None:
    """Resolve an ``@load`` argument to a file, or None."""
    name = name.strip()
    if not name:
        return None
    if os.path.isabs(name):
        for c in _candidates("/", name.lstrip("/")):
            return c
        return None
    bases: list[str] = []
    if current_dir:
        bases.append(str(current_dir))
    if not name.startswith((".", "/")):
        bases.append(os.getcwd())
        bases.extend(script_path_entries())
    for base in bases:
        for c in _candidates(base, name):
            return c
    return None


class Conditionals:
    """Nesting of ``@if`` blocks in one file.

    Each entry records whether the block's first branch was taken.
    """

    def __init__(self):
        self.stack: list[bool] = []
        #: Where each open ``@if`` is (for "missing @endif").
        self.spans: list = []

    def push(self, taken: bool, span=None) -> None:
        self.stack.append(taken)
        self.spans.append(span)

    def pop(self) -> bool:
        if not self.stack:
            return False
        self.stack.pop()
        self.spans.pop()
        return True

    @property
    def depth(self) -> int:
        return len(self.stack)
