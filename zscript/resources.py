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

It also says where zscript keeps its caches (:func:`cache_dir`), and finds
plugins: the classes named by installed entry points (:func:`entry_points`)
and by ``"module:attribute"`` targets of the built-in registries
(:func:`load_target`).  ``importlib.metadata`` costs a noticeable part of
start-up to import, so it is imported only when an entry point is asked for.
"""

from __future__ import annotations

import functools
import os
from importlib import import_module
from pathlib import Path

__all__ = [
    "cache_dir",
    "entry_points",
    "grammar_path",
    "load_target",
    "script_path",
    "script_path_entries",
    "stdlib_dir",
]

_PKG = Path(__file__).resolve().parent


@functools.cache
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
    return [Path(p) for p in script_path_entries()]


def script_path_entries() -> list[str]:
    """:func:`script_path` as written (``.`` stays ``.``), for showing a
    script's name relative to it as Zeek does."""
    dirs: list[str] = []
    for var in ("ZSCRIPTPATH", "ZEEKPATH"):
        dirs.extend(p for p in os.environ.get(var, "").split(os.pathsep) if p)
    lib = stdlib_dir()
    dirs += [str(lib), str(lib / "policy"), str(lib / "site")]
    return dirs


def cache_dir() -> Path | None:
    """Where zscript keeps its caches (parsed scripts, the parser's tables):
    ``$ZSCRIPT_CACHE_DIR``, else ``$XDG_CACHE_HOME/zscript`` (the XDG rule: a
    relative value is ignored), else ``~/.cache/zscript``.  None, for no
    cache at all, when ``ZSCRIPT_NO_CACHE`` is set (to anything but ``0``)
    or there is no home directory."""
    if os.environ.get("ZSCRIPT_NO_CACHE", "") not in ("", "0"):
        return None
    explicit = os.environ.get("ZSCRIPT_CACHE_DIR", "")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):
        return Path(xdg) / "zscript"
    home = os.path.expanduser("~")
    if home == "~":
        return None
    return Path(home) / ".cache" / "zscript"


def entry_points(group: str, name: str | None = None) -> list:
    """The installed entry points of ``group`` (only those called ``name``
    when given); none when the installed metadata cannot be read, so a
    broken package never hides the built-in plugins."""
    from importlib.metadata import entry_points as installed

    try:
        eps = installed(group=group)
    except Exception:
        return []
    return [ep for ep in eps if name is None or ep.name == name]


def load_target(target: str):
    """The object a ``"module:attribute"`` target names (imported now)."""
    module, _, attr = target.partition(":")
    return getattr(import_module(module), attr)
