"""The ``file`` type: files a script opens, writes and prints to.

A :class:`ScriptFile` is Zeek's ``File`` (src/File.cc): a name, a handle
opened for writing (``open``) or appending (``open_for_append``), the time it
was opened and whether output is raw.  ``print f, x`` writes the same text
``print x`` would write to standard output; ``write_file`` writes a
string's bytes as they are.  The names ``-`` and ``/dev/stdout`` are the
process's standard output and ``/dev/stderr`` its standard error (Zeek writes
to its own streams for these names rather than opening them, so output
stays in order and a redirected output file is not truncated).

Files stay open until ``close`` or until the process ends; every file still
open at exit is flushed and closed (Zeek's ``File::CloseOpenFiles``).
"""

from __future__ import annotations

import atexit
import os
import sys

from ..types import STRING, FileType

__all__ = ["ScriptFile", "close_all", "flush_all", "print_to", "rotate_path"]

#: Names that stand for the process's own streams (the ``sys`` attribute).
_STD_NAMES = {"-": "stdout", "/dev/stdout": "stdout", "/dev/stderr": "stderr"}

#: Open files, in opening order.
_OPEN: list[ScriptFile] = []


class ScriptFile:
    """An open (or closed) script-level file."""

    #: Every file value has type ``file of string`` (Zeek's ``FileVal``).
    ztype = FileType(STRING)

    __slots__ = ("__weakref__", "buffered", "handle", "name", "open_time", "raw_output")

    def __init__(self, name: str, mode: str, now: float):
        self.name = name
        self.handle = None
        self.open_time = 0.0
        self.buffered = True
        self.raw_output = False
        self._open(mode, now)

    def _open(self, mode: str, now: float) -> None:
        std = _STD_NAMES.get(self.name)
        if std is not None:
            self.handle = getattr(sys, std).buffer
        else:
            try:
                self.handle = open(self.name, mode)  # noqa: SIM115 - lives until close()
            except OSError:
                self.handle = None
                return
        self.open_time = now
        if not _OPEN:
            atexit.register(close_all)
        _OPEN.append(self)

    @property
    def is_open(self) -> bool:
        return self.handle is not None

    def write(self, data: str) -> bool:
        """Write ``data`` (a string of bytes); False if the file is not open."""
        h = self.handle
        if h is None:
            return False
        std = _STD_NAMES.get(self.name)
        if std is not None:
            getattr(sys, std).flush()
        h.write(data.encode("latin-1"))
        if not self.buffered or std is not None:
            h.flush()
        return True

    def close(self) -> bool:
        h = self.handle
        if h is None:
            return True
        if self.name in _STD_NAMES:
            return False
        h.close()
        self.handle = None
        self.open_time = 0.0
        if self in _OPEN:
            _OPEN.remove(self)
        return True

    def size(self) -> float:
        if self.handle is not None and self.name not in _STD_NAMES:
            self.handle.flush()
            return float(os.fstat(self.handle.fileno()).st_size)
        return 0.0

    def rotate(self, now: float) -> tuple[str, float] | None:
        """Move the file aside and go on writing to an empty one of the same
        name; returns (the name it was moved to, when it was opened) or None."""
        h = self.handle
        if h is None or self.name in _STD_NAMES:
            return None
        h.flush()
        new_name = rotate_path(self.name, now)
        if new_name is None:
            return None
        h.close()
        opened = self.open_time
        _OPEN.remove(self)
        self._open("ab", now)
        return new_name, opened

    def __str__(self) -> str:
        # How Zeek describes a file value (File::Describe).
        return f'file "{self.name}" of string'


def rotate_path(name: str, now: float) -> str | None:
    """Rename ``name`` to ``NAME.PID.TIME.tmp`` and create ``name`` again,
    empty, as Zeek's ``util::detail::rotate_file`` does; the new name, or None
    if ``name`` cannot be moved."""
    new_name = f"{name}.{os.getpid()}.{now:.06f}.tmp"
    try:
        os.rename(name, new_name)
        open(name, "wb").close()
    except OSError:
        return None
    return new_name


def print_to(f: ScriptFile, *parts: str) -> None:
    """``print f, ...``: one line of print output (the values, formatted) into
    ``f`` (nothing if closed)."""
    f.write(", ".join(parts) + "\n")


def flush_all() -> None:
    sys.stdout.flush()
    for f in _OPEN:
        if f.handle is not None:
            f.handle.flush()


def close_all() -> None:
    for f in list(_OPEN):
        try:
            f.close()
        except OSError:
            pass
