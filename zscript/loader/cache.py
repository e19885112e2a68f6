"""A cache of parsed scripts, like Python's ``.pyc`` files.

Parsing (our lexer feeding Lark's LALR parser) is most of the time it takes
to load a script, and the library scripts of :mod:`.prelude` are the same in
every run.  So each parsed file's units are kept on disk and handed out the
next time instead of being parsed again; a run that finds everything there
never imports Lark.

* **Key**: a BLAKE2b hash of the file's text, zscript's version, the Python
  version and a fingerprint of the syntax stage (the grammar and the sources
  of ``zscript.syntax``).  A changed file, a new zscript or an edited parser
  therefore never gets an old entry.  The path is not part of the key: the
  same text anywhere shares one entry, and spans point at the file as it is
  loaded now; except in a file that names its own place (``@DIR``,
  ``@FILENAME``: the lexer makes them constants), whose path is in its key.
* **Entry**: the file's units and directives, in the order the parser gave
  them (recorded by :class:`~.record.Recorder`); :class:`~.replay.Replay`
  hands them out the same way (:func:`~.replay.open_parser` picks one).  The condition of an ``@if`` is kept parsed.
* **Conditionals**: which units a file with ``@if``/``@ifdef``/``@ifndef``
  has depends on its conditions, which depend on the run (a manager and a
  worker take different branches of the cluster framework).  The entry keeps
  one *variant* per sequence of outcomes seen (up to :data:`MAX_VARIANTS`),
  each with what the host did at each conditional (took the branch, or
  skipped to ``@else``/``@endif``).  A replay follows a variant while the
  host decides as it did; when it decides otherwise it moves to the variant
  that agrees (the items before are the same in both), and if none does, a
  real parser reads the file from its start, skipping what was already
  handed out, and its recording becomes a new variant.
* **Declarations**: the one-line declarations the host parses for each
  built-in function it declares (``global __bif__: function(...): T;``, a
  hundred or so per start) share one entry, ``declarations-<fingerprint>``
  (:meth:`UnitCache.declaration`), read once, rather than one file each;
  :meth:`UnitCache.flush` writes what was parsed anew.
* **Where**: :func:`~zscript.resources.cache_dir` (``$ZSCRIPT_CACHE_DIR``,
  else ``$XDG_CACHE_HOME/zscript``, else ``~/.cache/zscript``), in
  ``units/``; ``ZSCRIPT_NO_CACHE=1`` turns the cache off.
* **Safety**: an entry is written to a temporary file in the same directory
  and renamed into place (``os.replace``), so processes that start together
  (a cluster's nodes) never read half an entry; the last writer wins.  Only
  files that parse without errors are kept.  An entry that cannot be read
  (corrupt, truncated, written by another version) is ignored and
  rewritten; a directory that cannot be written means no cache, never an
  error.  Like ``.pyc`` files, entries are trusted: the directory is the
  user's own (created ``0700``).
"""

from __future__ import annotations

import io
import os
import pickle
import sys
from pathlib import Path

from ..diagnostics import SourceFile
from ..resources import cache_dir, grammar_path
from ..syntax import ast as A
from ..version import __version__

# The hash function's own C module: ``hashlib`` loads OpenSSL first, a few
# milliseconds of every start (it is hashlib's own fallback, the same digest).
try:
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import blake2b

__all__ = [
    "CONDITIONALS",
    "MAX_VARIANTS",
    "Item",
    "UnitCache",
    "blake2b",
    "load_item",
    "write_atomically",
]

#: Bumped when the entry layout changes.
_FORMAT = b"zscript-units-3"
#: Variants kept per file with conditionals (the oldest goes first).
MAX_VARIANTS = 8
CONDITIONALS = frozenset({"if", "ifdef", "ifndef", "else", "endif"})
_SOURCE = "source"

#: One recorded step: ``("u", pickled unit, None)`` (for a function, event or
#: hook: ``("u", pickled unit with an empty body, pickled body)``) or ``("d", pickled
#: directive, action)``, where the action of a conditional is ``"take"`` or
#: ``("skip", where)`` (``where`` as ``Lexer.skip_conditional`` returned it),
#: and None for other directives.
Item = tuple[str, bytes, object]


def _syntax_fingerprint() -> bytes:
    """What the parse of a text depends on besides the text: the grammar and
    the syntax stage's code (an editable install changes without a new
    version), and the Python version the pickled trees are read by."""
    h = blake2b(_FORMAT, digest_size=32)
    h.update(__version__.encode())
    h.update(sys.version.encode())
    syntax_dir = Path(A.__file__).parent
    for p in [grammar_path(), *sorted(syntax_dir.glob("*.py"))]:
        try:
            h.update(p.read_bytes())
        except OSError:
            h.update(str(p).encode())
    return h.digest()


class _Unpickler(pickle.Unpickler):
    def __init__(self, f, source: SourceFile):
        super().__init__(f)
        self.source = source

    def persistent_load(self, pid):
        if pid != _SOURCE:
            raise pickle.UnpicklingError(f"unknown reference {pid!r}")
        return self.source


def load_item(data: bytes, source: SourceFile):
    """The unit or directive pickled in ``data``, its spans pointing at ``source``."""
    return _Unpickler(io.BytesIO(data), source).load()


def dump_item(obj, source: SourceFile) -> bytes:
    """Pickle ``obj`` on its own; ``source`` is stored as a reference."""
    buf = io.BytesIO()
    p = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    p.persistent_id = lambda o: _SOURCE if o is source else None
    p.dump(obj)
    return buf.getvalue()


class UnitCache:
    """Parsed files on disk (see the module docstring); ``directory`` None: off."""

    def __init__(self, directory: Path | None):
        self.directory = directory
        self._fingerprint: bytes | None = None
        #: Files handed out from the cache and parsed, in this process, and
        #: replays a real parser had to finish (no variant agreed).
        self.hits = 0
        self.misses = 0
        self.resumed = 0
        #: Bodies of handed-out functions not read yet, by id of the
        #: declaration (see :meth:`load_body`).
        self.pending: dict[int, tuple] = {}
        #: Declarations by text (see :meth:`declaration`), read on first use.
        self._decls: dict[str, bytes] | None = None
        self._decls_new = False

    @classmethod
    def from_environment(cls) -> UnitCache:
        base = cache_dir()
        return cls(base / "units" if base is not None else None)

    def load_body(self, decl: A.FuncDecl) -> None:
        """Read the body of ``decl`` (a function, event or hook handed out
        by a :class:`~.replay.Replay` with its body still on disk) if not read yet."""
        pending = self.pending.pop(id(decl), None)
        if pending is not None:
            decl.body = load_item(pending[1], pending[2])

    def declaration(self, text: str, path: str):
        """The first unit of ``text``, a one-line declaration (a built-in's
        signature) loaded from ``path``; from the shared entry of
        declarations (see the module docstring) when it is there."""
        source = SourceFile(path, text)
        if self.directory is None:
            from ..syntax.parser import UnitParser

            return list(UnitParser(source, None).units())[0]
        if self._decls is None:
            self._decls = self._read_declarations()
        data = self._decls.get(text)
        if data is not None:
            try:
                unit = load_item(data, source)
            except Exception:  # noqa: BLE001 - unreadable: parsed again below
                pass
            else:
                self.hits += 1
                return unit
        from ..syntax.parser import UnitParser

        self.misses += 1
        parser = UnitParser(source, None)
        unit = list(parser.units())[0]
        if not parser.errors:  # as for files: only what parses is kept
            self._decls[text] = dump_item(unit, source)
            self._decls_new = True
        return unit

    def _declarations_path(self) -> Path:
        if self._fingerprint is None:
            self._fingerprint = _syntax_fingerprint()
        return self.directory / f"declarations-{self._fingerprint.hex()[:32]}.pickle"

    def _read_declarations(self) -> dict[str, bytes]:
        try:
            decls = pickle.loads(self._declarations_path().read_bytes())
        except Exception:  # noqa: BLE001 - none yet, or unreadable: rewritten by flush()
            return {}
        return decls if isinstance(decls, dict) else {}

    def flush(self) -> None:
        """Write the declarations parsed anew since the entry was read (the
        last writer wins: what another process added meanwhile is parsed
        again the next time)."""
        if self._decls_new and self.directory is not None:
            self._decls_new = False
            data = pickle.dumps(self._decls, protocol=pickle.HIGHEST_PROTOCOL)
            write_atomically(self._declarations_path(), data)

    def key(self, text: str, path: str = "") -> str | None:
        """The cache key of a script's text loaded from ``path`` (None when
        the cache is off); the path counts only where the text names it."""
        if self.directory is None:
            return None
        if self._fingerprint is None:
            self._fingerprint = _syntax_fingerprint()
        h = blake2b(self._fingerprint, digest_size=32)
        h.update(text.encode("utf-8", "surrogateescape"))
        if "@DIR" in text or "@FILENAME" in text:
            h.update(b"\0" + os.path.abspath(path).encode("utf-8", "surrogateescape"))
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key[2:]}.pickle"

    def read(self, key: str) -> list | None:
        try:
            data = self._path(key).read_bytes()
        except OSError:
            return None
        try:
            entry = pickle.loads(data)
            variants = entry["variants"]
            for outcomes, items in variants:  # check the shape; items load lazily
                if not isinstance(outcomes, tuple) or not isinstance(items, list):
                    return None
        except Exception:  # noqa: BLE001 - a bad entry is a miss, and is rewritten
            return None
        return variants or None

    def store(self, key: str, outcomes: tuple, items: list[Item], old: list) -> None:
        """Keep a complete parse as a variant of ``key``'s entry, beside the
        ``old`` variants read before (atomically; failures are ignored)."""
        variants = [(outcomes, items)]
        variants += [v for v in old if v[0] != outcomes][: MAX_VARIANTS - 1]
        data = pickle.dumps({"variants": variants}, protocol=pickle.HIGHEST_PROTOCOL)
        write_atomically(self._path(key), data)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``:
    a reader sees the old file or the new one, never part of one.  Failures
    (a directory that cannot be written ...) are ignored: no cache then."""
    import tempfile  # only writing needs it (and shutil, bz2, lzma behind it)

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
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
