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

from ..resources import script_path

__all__ = ["Conditionals", "resolve_load"]

_SUFFIXES = ("", ".zs", ".zeek")
_PACKAGE_FILES = ("__load__.zs", "__load__.zeek")


def _is(test, path: Path) -> bool:
    """``path.is_file()`` or ``is_dir()``, false for names the system refuses (too long ...)."""
    try:
        return test(path)
    except (OSError, ValueError):
        return False


def _candidates(base: Path, name: str):
    p = base / name
    for suffix in _SUFFIXES:
        if suffix and not p.name:
            continue
        q = p.with_name(p.name + suffix) if suffix else p
        if _is(Path.is_file, q):
            yield q
        if not suffix and _is(Path.is_dir, q):
            for pkg in _PACKAGE_FILES:
                if _is(Path.is_file, q / pkg):
                    yield q / pkg


def resolve_load(name: str, current_dir: str | None) -> Path | None:
    """Resolve an ``@load`` argument to a file, or None."""
    name = name.strip()
    if not name:
        return None
    if os.path.isabs(name):
        for c in _candidates(Path("/"), name.lstrip("/")):
            return c
        return None
    bases: list[Path] = []
    if current_dir:
        bases.append(Path(current_dir))
    if not name.startswith((".", "/")):
        bases.append(Path.cwd())
        bases.extend(script_path())
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
