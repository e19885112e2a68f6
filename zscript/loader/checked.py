"""Certificates of library bodies that checked clean, so later starts check them late.

The checker defers a library body to its first call when this store holds a
certificate for it (:mod:`zscript.check.deferral` says what that keeps and
why no diagnostic is lost).  A certificate is for one body in one context:

* **Key**: a running hash of everything loaded before the body while the
  library (the prelude, :mod:`.prelude`) loads: the mode, each file's cache
  key (its text, zscript's version, the syntax stage ...: see
  :mod:`.cache`) as it begins and ends, and each ``@if``/``@ifdef``/
  ``@ifndef`` outcome; then the number of the unit since the last of those.
  Two starts that load the same texts the same way give the same keys;
  anything else (another mode, a cluster node's other branches, an edited
  file) gives others, whose bodies are checked at once and certified anew.
* **File**: one per checker, ``bodies/<fingerprint>.pickle`` below
  :func:`~zscript.resources.cache_dir`, where the fingerprint hashes the
  sources of the checker (``zscript/check``), the types and this module,
  with zscript's and Python's versions: a changed checker starts afresh.
  It maps keys to :class:`~zscript.check.deferral.BodySummary` and is read
  once per start.
* **Writing**: when a start certified new bodies it writes the file again
  (atomically, as :mod:`.cache` does): what it found plus what it added,
  the entries it used first, then at most :data:`KEEP` times as many others.
  Two nodes starting at once may each write; the last writer wins and the
  other's new certificates are made again by a later start.
* ``ZSCRIPT_NO_CACHE=1`` (no cache directory) means no certificates: every
  body is checked at once.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

from ..resources import cache_dir
from ..version import __version__
from .cache import blake2b, write_atomically

__all__ = ["KEEP", "CheckedBodies"]

#: Certificates kept besides those a start used (other modes, node types ...).
KEEP = 8
_FORMAT = b"zscript-bodies-1"


def _fingerprint() -> str:
    from .. import check, types

    h = blake2b(_FORMAT, digest_size=32)
    h.update(__version__.encode())
    h.update(sys.version.encode())
    files = [
        *sorted(Path(check.__file__).parent.glob("*.py")),
        Path(types.__file__),
        Path(__file__),
    ]
    for p in files:
        try:
            h.update(p.read_bytes())
        except OSError:
            h.update(str(p).encode())
    return h.hexdigest()[:32]


class CheckedBodies:
    """The certificates (see the module docstring); ``directory`` None: none."""

    def __init__(self, directory: Path | None):
        self.directory = directory
        self._file: Path | None = None
        self._ctx = ""
        self._n = 0
        self._entries: dict | None = None
        self._used: dict = {}
        self._new = False
        #: Bodies deferred and certified by this process.
        self.deferred = 0
        self.certified = 0

    @classmethod
    def from_environment(cls) -> CheckedBodies:
        base = cache_dir()
        return cls(base / "bodies" if base is not None else None)

    @property
    def enabled(self) -> bool:
        return self.directory is not None

    def enter(self, event: str) -> None:
        """Something that decides what follows was loaded (see the module docstring)."""
        self._ctx = blake2b(f"{self._ctx}\0{event}".encode(), digest_size=12).hexdigest()
        self._n = 0

    def next_key(self) -> str:
        """The key of the next unit."""
        self._n += 1
        return f"{self._ctx}:{self._n}"

    def _path(self) -> Path:
        if self._file is None:
            self._file = self.directory / f"{_fingerprint()}.pickle"
        return self._file

    def _read(self) -> dict:
        try:
            entries = pickle.loads(self._path().read_bytes())
        except Exception:  # noqa: BLE001 - none yet, or unreadable: rewritten by flush()
            return {}
        return entries if isinstance(entries, dict) else {}

    def has(self, key: str) -> bool:
        """Whether the body of unit ``key`` is certified."""
        if self._entries is None:
            self._entries = self._read()
        return key in self._entries

    def get(self, key: str):
        """The certificate of the body of unit ``key``, or None."""
        if self._entries is None:
            self._entries = self._read()
        summary = self._entries.get(key)
        if summary is not None:
            self._used[key] = summary
            self.deferred += 1
        return summary

    def put(self, key: str, summary) -> None:
        """Certify the body of unit ``key``, checked clean just now."""
        self._used[key] = summary
        self._new = True
        self.certified += 1

    def flush(self) -> None:
        """Write the file if this start certified something, or found it too big."""
        if self.directory is None or not self._used:
            return
        old = self._entries or {}
        others = [k for k in old if k not in self._used]
        limit = KEEP * len(self._used)
        if not self._new and len(others) <= limit:
            return
        entries = dict(self._used)
        for k in others[:limit]:
            entries[k] = old[k]
        write_atomically(self._path(), pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL))
        self._entries = entries
        self._new = False
