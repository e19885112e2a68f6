"""Handing out a cached parse as a parser would (see :mod:`.cache`).

:func:`open_parser` is how the loader gets a parser for a file: a
:class:`Replay` of the cached parse when there is one, else a
:class:`~.record.Recorder` that parses and caches (a plain
:class:`~zscript.syntax.parser.UnitParser` when the cache is off).  The
parsing side (:mod:`.record`, and with it Lark) is imported only when a file
is parsed for real, which a run served from the cache never does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..diagnostics import SourceFile
from ..syntax import ast as A
from .cache import Item, UnitCache, load_item

__all__ = ["Replay", "open_parser"]


def open_parser(
    cache: UnitCache, source: SourceFile, on_directive: Callable | None, *, recover: bool = True
):
    """A parser for ``source``: a :class:`Replay` of the cached parse, or
    a :class:`~.record.Recorder` that caches what it parses (a plain
    :class:`~zscript.syntax.parser.UnitParser` when the cache is off)."""
    if cache.directory is None:
        from ..syntax.parser import UnitParser

        return UnitParser(source, on_directive, recover=recover)
    key = cache.key(source.text, source.path)
    variants = cache.read(key)
    if variants:
        cache.hits += 1
        return Replay(cache, key, source, variants, on_directive, recover=recover)
    cache.misses += 1
    from .record import Recorder

    return Recorder(source, on_directive, cache, key, [], recover=recover)


class _ReplayLexer:
    """What a conditional directive's handler gets during a replay: it
    answers ``skip_conditional()`` from the recording, or from a real parser
    when the recording has no answer (see :meth:`Replay._skip`)."""

    def __init__(self, replay: Replay):
        self.replay = replay
        self.skipped: object = None

    def skip_conditional(self) -> str:
        where = self.replay._skip()
        self.skipped = ("skip", where)
        return where


class Replay:
    """Hands out a cached parse as :class:`~zscript.syntax.parser.UnitParser`
    would (same interface: :meth:`units` and :attr:`errors`)."""

    def __init__(
        self,
        cache: UnitCache,
        key: str,
        source: SourceFile,
        variants: list[tuple[tuple, list[Item]]],
        on_directive: Callable | None,
        *,
        recover: bool = True,
    ):
        self.cache = cache
        #: Passed on to a real parser that takes over (see :func:`~.record.resume`).
        self.recover = recover
        self.key = key
        self.source = source
        self.variants = variants
        self.on_directive = on_directive
        self._items = variants[0][1]
        #: What the host did at each conditional so far.
        self._live: list = []
        #: Set when a real parser took over (no variant agreed with the host).
        self._real = None

    @property
    def errors(self) -> list:
        return self._real.errors if self._real is not None else []

    @property
    def eof_error(self):
        return self._real.eof_error if self._real is not None else None

    def units(self) -> Iterator[A.Node]:
        i = 0
        while self._real is None and i < len(self._items):
            kind, data, action = self._items[i]
            try:
                obj = load_item(data, self.source)
            except Exception:  # noqa: BLE001 - unreadable from here: parse from here
                self._take_over(i, None)
                break
            if kind == "u":
                if action is not None:
                    self.cache.pending[id(obj)] = (obj, action, self.source)
                i += 1
                yield obj
                continue
            if action is None:
                if self.on_directive is not None:
                    self.on_directive(obj, None)  # @load ...: no lexer needed
                i += 1
                continue
            # A conditional: the host's handler decides, and may skip.
            self._index = i
            lexer = _ReplayLexer(self)
            if self.on_directive is not None:
                self.on_directive(obj, lexer)
            if self._real is not None:
                break  # a real parser answered the skip: it goes on
            done = lexer.skipped or "take"
            self._live.append(done)
            if done != self._items[i][2] and not self._follow(i):
                self._take_over(i, done)
                break
            i += 1
        if self._real is not None:
            yield from self._real_units

    def _follow(self, i: int) -> bool:
        """Move to a variant that agrees with every decision so far; its items
        up to ``i`` are the same as the current one's."""
        live = tuple(self._live)
        for outcomes, items in self.variants:
            if outcomes[: len(live)] == live and len(items) > i:
                self._items = items
                return True
        return False

    def _skip(self) -> str:
        """The handler skips at the conditional being replayed."""
        i = self._index
        n = len(self._live)
        for outcomes, items in [(None, self._items), *self.variants]:
            if outcomes is not None and tuple(outcomes[:n]) != tuple(self._live):
                continue
            action = items[i][2]
            if isinstance(action, tuple):
                self._items = items
                return action[1]
        return self._take_over(i, "skip")

    def _take_over(self, i: int, decision) -> str | None:
        """No variant knows what comes next (or item ``i`` cannot be read): a
        real parser reads the file from the start, the host's decisions so far
        applied, and goes on from item ``i``; what it records becomes a new
        variant (see :func:`~.record.resume`)."""
        from .record import resume

        self.cache.resumed += 1
        self._real, self._real_units, where = resume(self, i, list(self._live), decision)
        return where
