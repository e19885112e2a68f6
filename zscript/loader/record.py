"""Recording a parse for the cache of parsed scripts (:mod:`.cache`).

Imported only when a file is really parsed: it needs the parser, and so
Lark, which a run served from the cache never imports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ..diagnostics import SourceFile, ZScriptError
from ..syntax import ast as A
from ..syntax.lexer import Directive
from ..syntax.parser import UnitParser, parse_expression
from .cache import CONDITIONALS, Item, UnitCache, dump_item

if TYPE_CHECKING:
    from .replay import Replay

__all__ = ["Recorder", "resume"]


class _Spy:
    """The lexer as a conditional's handler sees it: notes whether it skipped."""

    def __init__(self, lexer):
        self.lexer = lexer
        self.action: object = "take"

    def skip_conditional(self) -> str:
        where = self.lexer.skip_conditional()
        self.action = ("skip", where)
        return where


class Recorder(UnitParser):
    """A :class:`UnitParser` that keeps what it parsed in the cache.

    Each unit is pickled when the parser hands it out, before the host
    checks it (checking annotates the tree), and each directive before the
    host acts on it, with what the host then did at a conditional; the parse
    is stored as a variant of the file's entry once it ran to the end
    without errors (``old``: the variants already there)."""

    def __init__(
        self,
        source: SourceFile,
        on_directive: Callable | None,
        cache: UnitCache,
        key: str,
        old: list,
        *,
        recover: bool = True,
    ):
        self._cache = cache
        self._key = key
        self._old = old
        self._forward = on_directive
        self.items: list[Item] = []
        self.outcomes: list = []
        self.cacheable = True
        super().__init__(source, self._directive, recover=recover)

    def _dump(self, obj) -> bytes:
        try:
            return dump_item(obj, self.source)
        except Exception:  # noqa: BLE001 - not picklable: this file is not cached
            self.cacheable = False
            return b""

    def _directive(self, d: Directive, lexer) -> None:
        if d.name == "if" and d.expr is None and d.tokens:
            try:
                d.expr = parse_expression(d.tokens, self.source)
            except ZScriptError:
                pass  # the host parses it again and reports the error
        data = self._dump(d)
        if d.name not in CONDITIONALS:
            if self._forward is not None:
                self._forward(d, lexer)
            self.items.append(("d", data, None))
            return
        spy = _Spy(lexer)
        if self._forward is not None:
            self._forward(d, spy)
        self.items.append(("d", data, spy.action))
        self.outcomes.append(spy.action)

    def units(self) -> Iterator[A.Node]:
        for unit in super().units():
            if isinstance(unit, A.FuncDecl):
                # The body on its own: a start that checks it late reads it late.
                body = unit.body
                unit.body = A.Block([], span=body.span)
                try:
                    head = self._dump(unit)
                finally:
                    unit.body = body
                self.items.append(("u", head, self._dump(body)))
            else:
                self.items.append(("u", self._dump(unit), None))
            yield unit
        # Only a parse that ran to its end gets here.
        if self.cacheable and not self.errors:
            self._cache.store(self._key, tuple(self.outcomes), self.items, self._old)


def resume(replay: Replay, i: int, live: list, decision) -> tuple:
    """A real parse of ``replay``'s file that takes over at its item ``i``.

    The items before ``i`` were handed out already (their units processed,
    their directives acted on, with the host's decisions ``live`` at the
    conditionals).  When item ``i`` is a conditional whose handler is running
    or has run, ``decision`` is what the host decided there (``"take"`` or
    ``"skip"``); otherwise it is None and item ``i`` is handed out like the
    rest (an entry that could not be read from there on).

    The parser reads the file from its start, applies those decisions, hands
    out nothing before ``i`` and from there on is the host's parser.  Its
    recording, the whole file, becomes a new variant.  Returns the recorder,
    the units still to come and, for a skip, where it ended
    (``Lexer.skip_conditional``).
    """
    k = sum(1 for _kind, _data, action in replay._items[:i] if action is not None)
    live = live[:k]  # the host's decisions before item i
    seen = [0]
    where: list[str | None] = [None]
    rec: Recorder

    def forward(d: Directive, lexer) -> None:
        idx = len(rec.items)  # a directive is recorded after its handler ran
        if idx < i:
            if d.name in CONDITIONALS:
                n = seen[0]
                seen[0] = n + 1
                if live[n] != "take":
                    lexer.skip_conditional()
            return  # handled during the replay
        if idx == i and decision is not None:
            if decision != "take":
                where[0] = lexer.skip_conditional()
            return
        if replay.on_directive is not None:
            replay.on_directive(d, lexer)

    rec = Recorder(
        replay.source, forward, replay.cache, replay.key, replay.variants, recover=replay.recover
    )
    gen = rec.units()
    first: list[A.Node] = []
    for unit in gen:
        if len(rec.items) - 1 >= i:  # the first unit at or after item i
            first.append(unit)
            break

    def rest() -> Iterator[A.Node]:
        yield from first
        yield from gen

    return rec, rest(), where[0]
