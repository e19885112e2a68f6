"""A cache of compiled code: the Python code objects of each script's units.

Once parsing is cached (:mod:`.cache`), turning the Python source that the
code generator writes into code objects (``compile()``) is a large part of
loading a script.  That source is the same in every run that loads the
script the same way, so the code objects are kept too:

* Per script file, in ``code/<key>.marshal`` below the cache directory, where
  ``<key>`` is the file's key in :class:`~.cache.UnitCache` (its text,
  zscript's version, the Python version ...): a dict from a hash of each
  unit's Python source to its code object, written with :mod:`marshal`.
* While a file's units are processed (:meth:`CodeCache.begin` ...
  :meth:`CodeCache.end`, nested for ``@load``), :meth:`CodeCache.compile`
  looks each source up there; a miss is compiled as usual and, when the file
  is done, its dict is written back with the new entries (atomically, as in
  :mod:`.cache`).  Nothing but the source decides the code, so an entry can
  never be stale.
* A bucket keeps the code of every way the file was compiled (modes and
  node types whose declarations differ, and, while zscript is developed, old
  versions of the code generator).  So that it does not grow without end,
  it is written back with the code this process used first and at most
  :data:`KEEP` times as many others, the most recently written first; a
  bucket found larger than that is rewritten so even when nothing was new.
* Code compiled after loading (library bodies compiled on first call, see
  :mod:`zscript.check.deferral`) goes to one bucket shared by every file,
  ``late.marshal`` (:meth:`CodeCache.compile_late`).
* The file name a code object carries (``<zscript:N>``, which maps Python
  tracebacks back to script lines) is not part of the key: N counts the
  units compiled so far in the process (by every host) and differs between
  modes, so a hit is given the name it is asked for.
"""

from __future__ import annotations

import marshal
import sys
from pathlib import Path
from types import CodeType

from ..resources import cache_dir
from .cache import blake2b, write_atomically

__all__ = ["KEEP", "LATE_MAX", "CodeCache"]

#: A bucket keeps the code used by this process and up to KEEP times as much other code.
KEEP = 4
#: Entries kept in the bucket of code compiled after loading.
LATE_MAX = 2000


def _renamed(code: CodeType, filename: str) -> CodeType:
    consts = tuple(_renamed(c, filename) if isinstance(c, CodeType) else c for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


class _Bucket:
    """The code objects of one script file."""

    def __init__(self, path: Path | None):
        self.path = path
        self.codes: dict[str, CodeType] = {}
        #: Keys of the code this process took from the bucket or added to it.
        self.used: set[str] = set()
        self.new = False
        if path is None:
            return
        try:
            codes = marshal.loads(path.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return  # none yet, or unreadable: rewritten when the file is done
        if isinstance(codes, dict):
            self.codes = codes


class CodeCache:
    """Code objects on disk (see the module docstring); ``directory`` None: off."""

    def __init__(self, directory: Path | None):
        self.directory = directory
        self._stack: list[_Bucket] = []
        self._late: _Bucket | None = None
        #: Code objects found and compiled, in this process.
        self.hits = 0
        self.misses = 0

    @classmethod
    def from_environment(cls) -> CodeCache:
        base = cache_dir()
        # Code objects depend on the interpreter's version and -O level.
        tag = f"code-{sys.implementation.cache_tag}-O{sys.flags.optimize}"
        return cls(base / tag if base is not None else None)

    def begin(self, key: str | None) -> None:
        """The units of the file with cache key ``key`` (None: not cached) come next."""
        path = None
        if self.directory is not None and key is not None:
            path = self.directory / key[:2] / f"{key[2:]}.marshal"
        self._stack.append(_Bucket(path))

    def end(self) -> None:
        """The file of the matching :meth:`begin` is done: keep its new code
        (and let go of old code, see the module docstring)."""
        bucket = self._stack.pop()
        if bucket.path is None:
            return
        codes = bucket.codes
        others = [h for h in codes if h not in bucket.used]
        if bucket.used and len(others) > KEEP * len(bucket.used):
            # The most recent others (a dict keeps the order entries were
            # added in), then the code used now, which is the most recent.
            kept = others[len(others) - KEEP * len(bucket.used) :]
            codes = {h: codes[h] for h in [*kept, *(h for h in codes if h in bucket.used)]}
        elif not bucket.new:
            return
        try:
            data = marshal.dumps(codes)
        except ValueError:
            return
        write_atomically(bucket.path, data)

    def compile_late(self, source: str, filename: str) -> CodeType:
        """``compile(source, filename, "exec")`` for code compiled after loading
        (library bodies checked on first call, :mod:`zscript.check.deferral`):
        from one bucket, ``late.marshal``, shared by every file and read once;
        a miss writes it at once, with the code of this process first and at
        most :data:`LATE_MAX` entries."""
        if self.directory is None:
            return compile(source, filename, "exec")
        if self._late is None:
            self._late = _Bucket(self.directory / "late.marshal")
        bucket = self._late
        self._stack.append(bucket)
        try:
            code = self.compile(source, filename, "exec")
        finally:
            self._stack.pop()
        if bucket.new:
            bucket.new = False
            codes = bucket.codes
            keep = [h for h in codes if h not in bucket.used][-(LATE_MAX - len(bucket.used)) :]
            bucket.codes = {h: codes[h] for h in [*keep, *(h for h in codes if h in bucket.used)]}
            try:
                write_atomically(bucket.path, marshal.dumps(bucket.codes))
            except ValueError:
                pass
        return code

    def compile(self, source: str, filename: str, mode: str) -> CodeType:
        """``compile(source, filename, mode)``, from the cache when it can be."""
        bucket = self._stack[-1] if self._stack else None
        if bucket is None or bucket.path is None:
            return compile(source, filename, mode)
        h = blake2b(f"{mode}\0{source}".encode("utf-8", "surrogateescape")).hexdigest()
        code = bucket.codes.get(h)
        bucket.used.add(h)
        if code is not None:
            self.hits += 1
            return code if code.co_filename == filename else _renamed(code, filename)
        self.misses += 1
        code = compile(source, filename, mode)
        bucket.codes[h] = code
        bucket.new = True
        return code
