"""Where zscript finds its grammar and its script library.

An installed wheel carries both trees below ``zscript/_data/``; a source
checkout has them at the top level (``grammar/``, ``stdlib/``).  This module is
the only one that knows either location.  It also builds the script search
path: the directories named in ``ZSCRIPTPATH``, then those in ``ZEEKPATH``
(both ``os.pathsep``-separated, as Zeek's ``ZEEKPATH``; a relative entry such
as ``.`` is relative to the current directory), then the library directory
and its ``policy/`` and ``site/`` subdirectories (Zeek's default path is
``.:<scripts>:<scripts>/policy:<scripts>/site``).  Unlike Zeek, where
``ZEEKPATH`` replaces the default path, the bundled library always stays on
the path: zscript needs it to start.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["grammar_path", "script_path", "stdlib_dir"]

_PKG = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    installed = _PKG / "_data" / name
    if installed.is_dir():
        return installed
    return _PKG.parent / name


def grammar_path() -> Path:
    """Path of ``zscript.lark``."""
    return _data_dir("grammar") / "zscript.lark"


def stdlib_dir() -> Path:
    """Root of the bundled script library (mirrors Zeek's ``scripts/``)."""
    return _data_dir("stdlib")


def script_path() -> list[Path]:
    """Directories searched by ``@load`` for non-relative paths, in order."""
    dirs: list[Path] = []
    for var in ("ZSCRIPTPATH", "ZEEKPATH"):
        dirs.extend(Path(p) for p in os.environ.get(var, "").split(os.pathsep) if p)
    lib = stdlib_dir()
    dirs += [lib, lib / "policy", lib / "site"]
    return dirs
