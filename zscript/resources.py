"""Where zscript finds its grammar and its script library.

An installed wheel carries both trees below ``zscript/_data/``; a source
checkout has them at the top level (``grammar/``, ``stdlib/``).  This module is
the only one that knows either location.  It also builds the script search
path: the directories named in ``ZSCRIPTPATH`` (``os.pathsep``-separated)
followed by the library directory.
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
    dirs = [Path(p) for p in os.environ.get("ZSCRIPTPATH", "").split(os.pathsep) if p]
    dirs.append(stdlib_dir())
    return dirs
