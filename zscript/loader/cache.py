"""A cache of parsed scripts, like Python's ``.pyc`` files.

Parsing (our lexer feeding Lark's LALR parser) is most of the time it takes
to load a script, and the library scripts of :mod:`.prelude` are the same in
every run.  So each parsed file's units are kept on disk and read back the
next time instead of being parsed again.

* **Key**: a SHA-256 of the file's text, zscript's version, the Python
  version and a fingerprint of the syntax stage (the grammar and the sources
  of ``zscript.syntax``).  A changed file, a new zscript or an edited parser
  therefore never gets an old entry.  The path is not part of the key: the
  same text anywhere shares one entry, and spans point at the file as it is
  loaded now.
* **Entry**: the file's units and directives, in the order the parser gave
  them (:class:`Recorder`); :class:`Replay` hands them out the same way.
  Only files that parse without errors and without conditional directives
  (``@if``, ``@ifdef``, ``@ifndef``, ``@else``, ``@endif``) are cached: which
  units such a file has depends on its conditions, which depend on the run.
* **Where**: :func:`~zscript.resources.cache_dir` (``$ZSCRIPT_CACHE_DIR``,
  else ``$XDG_CACHE_HOME/zscript``, else ``~/.cache/zscript``), in
  ``units/``; ``ZSCRIPT_NO_CACHE=1`` turns the cache off.
* **Safety**: an entry is written to a temporary file in the same directory
  and renamed into place (``os.replace``), so processes that start together
  (a cluster's nodes) never read half an entry, and the last writer wins
  with identical content.  An entry that cannot be read (corrupt, truncated,
  written by another version) is ignored and rewritten; a directory that
  cannot be written means no cache, never an error.  Like ``.pyc`` files,
  entries are trusted: the directory is the user's own (created ``0700``).
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from ..diagnostics import SourceFile
from ..resources import cache_dir, grammar_path
from ..syntax import ast as A
from ..syntax.lexer import Directive
from ..syntax.parser import UnitParser
from ..version import __version__

__all__ = ["Recorder", "Replay", "UnitCache"]

#: Bumped when the entry layout changes.
_FORMAT = b"zscript-units-1"
_CONDITIONALS = frozenset({"if", "ifdef", "ifndef", "else", "endif"})
_SOURCE = "source"


def _syntax_fingerprint() -> bytes:
    """What the parse of a text depends on besides the text: the grammar and
    the syntax stage's code (an editable install changes without a new version)."""
    h = hashlib.sha256(_FORMAT)
    h.update(__version__.encode())
    h.update(sys.version.encode())
    syntax_dir = Path(A.__file__).parent
    for p in [grammar_path(), *sorted(syntax_dir.glob("*.py"))]:
        try:
            h.update(p.read_bytes())
        except OSError:
            h.update(str(p).encode())
    return h.digest()


class _Pickler(pickle.Pickler):
    def __init__(self, f, source: SourceFile):
        super().__init__(f, protocol=pickle.HIGHEST_PROTOCOL)
        self.source = source

    def persistent_id(self, obj):
        return _SOURCE if obj is self.source else None


class _Unpickler(pickle.Unpickler):
    def __init__(self, f, source: SourceFile):
        super().__init__(f)
        self.source = source

    def persistent_load(self, pid):
        if pid != _SOURCE:
            raise pickle.UnpicklingError(f"unknown reference {pid!r}")
        return self.source


class Recorder(UnitParser):
    """A :class:`UnitParser` that writes what it parsed into the cache.

    Each unit is pickled when the parser hands it out, before the host
    checks it (checking annotates the tree), and each directive before the
    host acts on it; the entry is stored once the file parsed to its end."""

    def __init__(self, source, on_directive, cache: UnitCache, key: str):
        self._cache = cache
        self._key = key
        self._forward = on_directive
        self._buf = io.BytesIO()
        self._pickler: _Pickler | None = _Pickler(self._buf, source)
        self._count = 0
        super().__init__(source, self._directive)

    def _add(self, kind: str, item) -> None:
        if self._pickler is None:
            return
        try:
            self._pickler.dump((kind, item))
            self._count += 1
        except Exception:  # noqa: BLE001 - not picklable: this file is not cached
            self._pickler = None

    def _directive(self, d: Directive, lexer) -> None:
        if d.name in _CONDITIONALS:
            self._pickler = None
        self._add("d", d)
        if self._forward is not None:
            self._forward(d, lexer)

    def units(self) -> Iterator[A.Node]:
        for unit in super().units():
            self._add("u", unit)
            yield unit
        # Only a parse that ran to its end without errors gets here cacheable.
        if self._pickler is not None and not self.errors:
            self._pickler.dump(("end", self._count))
            self._cache.store(self._key, self._buf.getvalue())


class Replay:
    """The units and directives of a cached parse, handed out as the parser would."""

    def __init__(self, items: list, on_directive: Callable | None):
        self.items = items
        self.on_directive = on_directive
        self.errors: list = []

    def units(self) -> Iterator[A.Node]:
        for kind, item in self.items:
            if kind == "u":
                yield item
            elif self.on_directive is not None:
                self.on_directive(item, None)  # no lexer: the file has no conditionals


class UnitCache:
    """Parsed files on disk (see the module docstring); ``directory`` None: off."""

    def __init__(self, directory: Path | None):
        self.directory = directory
        self._fingerprint: bytes | None = None
        #: Hits and misses of this process (for tests and benchmarks).
        self.hits = 0
        self.misses = 0

    @classmethod
    def from_environment(cls) -> UnitCache:
        base = cache_dir()
        return cls(base / "units" if base is not None else None)

    def parser(self, source: SourceFile, on_directive: Callable | None):
        """A parser for ``source``: a :class:`Replay` of the cached parse, or
        a :class:`Recorder` that caches what it parses (a plain
        :class:`UnitParser` when the cache is off)."""
        if self.directory is None:
            return UnitParser(source, on_directive)
        key = self._key(source.text)
        items = self._read(key, source)
        if items is not None:
            self.hits += 1
            return Replay(items, on_directive)
        self.misses += 1
        return Recorder(source, on_directive, self, key)

    # ----------------------------------------------------------------- files

    def _key(self, text: str) -> str:
        if self._fingerprint is None:
            self._fingerprint = _syntax_fingerprint()
        h = hashlib.sha256(self._fingerprint)
        h.update(text.encode("utf-8", "surrogateescape"))
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key[2:]}.pickle"

    def _read(self, key: str, source: SourceFile) -> list | None:
        try:
            data = self._path(key).read_bytes()
        except OSError:
            return None
        items: list = []
        try:
            unpickler = _Unpickler(io.BytesIO(data), source)
            while True:
                kind, item = unpickler.load()
                if kind == "end":
                    # Complete only with the end marker and every item before it.
                    return items if item == len(items) else None
                if kind not in ("u", "d"):
                    return None
                items.append((kind, item))
        except Exception:  # noqa: BLE001 - a bad entry is a miss, and is rewritten
            return None

    def store(self, key: str, data: bytes) -> None:
        """Write an entry atomically; any failure leaves the cache as it was."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
