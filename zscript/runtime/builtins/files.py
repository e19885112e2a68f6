"""Files scripts write to: ``open``, ``close`` and ``print f, ...``.

A :class:`File` is a script ``file`` value.  ``open(name)`` creates or
truncates the file; ``print f, a, b`` writes the same line ``print`` would
write to standard output (see :func:`fprint`); ``close(f)`` closes it, and
printing to a closed file does nothing, as in Zeek.  Lines are written
through at once (the file is line-buffered), so other processes, and a
process killed at any point, see every complete line printed.
"""

from __future__ import annotations

from ..bifs import bif

__all__ = ["File", "fprint"]


class File:
    """An open (or closed) script file."""

    __slots__ = ("_f", "name")

    def __init__(self, name: str, mode: str = "w"):
        self.name = name
        try:
            self._f = open(name, mode, encoding="latin-1", errors="replace", buffering=1)  # noqa: SIM115
        except OSError:
            self._f = None

    @property
    def is_open(self) -> bool:
        return self._f is not None

    def write(self, text: str) -> None:
        if self._f is not None:
            self._f.write(text)

    def close(self) -> bool:
        if self._f is None:
            return False
        self._f.close()
        self._f = None
        return True

    def __str__(self) -> str:
        return self.name


def fprint(f: File, text: str) -> None:
    """``print f, ...``: one line into ``f`` (nothing if it is closed)."""
    f.write(text + "\n")


@bif("open", "function(f: string): file")
def open_file(name):
    return File(name, "w")


@bif("open_for_append", "function(f: string): file")
def open_for_append(name):
    return File(name, "a")


@bif("close", "function(f: file): bool")
def close_file(f):
    return f.close()
