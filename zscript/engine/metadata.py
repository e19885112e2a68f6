"""Event metadata: Zeek 8's ``EventMetadata`` framework, engine side.

An event may carry *metadata*: a tuple of ``(id, value)`` pairs, ``id`` the
integer of an ``EventMetadata::ID`` enumerator and ``value`` of the type
registered for it (:meth:`EventMetadata.register`; Zeek's
``EventRegistry::RegisterMetadata``).  ``NETWORK_TIMESTAMP`` (1, a ``time``)
is registered by the engine itself.

Events without metadata stay plain ``(handler, args)`` queue entries and
cost nothing extra.  An event with metadata is queued as
``(carrier, (handler, args, meta))``: the :attr:`EventMetadata.carrier`
handler makes the metadata :attr:`~EventMetadata.current` while the
handler's bodies run (what ``EventMetadata::current``/``current_all`` and
``current_event_time`` read) and counts the call on the real handler.

Which events get a network timestamp (``src/Event.cc``, ``EventMgr::Enqueue``
in Zeek): with ``EventMetadata::add_network_timestamp`` every locally raised
event gets the network time at which it was queued (a scheduled event: the
time its timer was due), while a remote event keeps what it carried, and
gets the local network time only if it carried none and
``add_missing_remote_network_timestamp`` is set.  :meth:`EventMetadata.enable`
switches the queue's append to the stamping one, so the default path keeps
its speed.
"""

from __future__ import annotations

from collections.abc import Callable

from ..types import TIME, Type, same_type
from .events import EventHandler

__all__ = ["NETWORK_TIMESTAMP", "NO_TIMESTAMP", "EventMetadata", "allowed_type"]

#: ``EventMetadata::NETWORK_TIMESTAMP``.
NETWORK_TIMESTAMP = 1
#: What ``current_event_time()`` returns without a timestamp (Zeek's ``detail::NO_TIMESTAMP``).
NO_TIMESTAMP = -1.0

#: Types metadata values cannot have, alone or inside another type
#: (``EventMetadataTypeRejector`` in Zeek's ``src/EventRegistry.cc``).
_REFUSED = frozenset({"any", "func", "file", "opaque"})


def _parts(t: Type) -> list:
    """The types ``t`` is made of (one level)."""
    parts = list(getattr(t, "types", None) or ())  # a list type
    parts += getattr(t, "indices", None) or ()
    for attr in ("yield_", "elem"):
        sub = getattr(t, attr, None)
        if isinstance(sub, Type):
            parts.append(sub)
    parts += [f.type for f in getattr(t, "fields", None) or ()]
    return parts


def allowed_type(t: Type) -> bool:
    """Whether event metadata may have type ``t`` (no any, function, file or
    opaque anywhere in it: such values cannot cross the wire)."""
    seen: set[int] = set()
    todo = [t]
    while todo:
        t = todo.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if t.tag in _REFUSED:
            return False
        todo += _parts(t)
    return True


class EventMetadata:
    """The metadata registry, and the metadata of the event being dispatched."""

    def __init__(
        self,
        queue_append: Callable[[tuple], None],
        network_time: Callable[[], float],
        report: Callable[[BaseException], None],
    ):
        #: Registered types by identifier.
        self.types: dict[int, Type] = {NETWORK_TIMESTAMP: TIME}
        #: The metadata of the event whose handlers run, or None.
        self.current: tuple | None = None
        self.add_network_timestamp = False
        self.add_missing_remote = False
        self._append = queue_append
        self._network_time = network_time
        self._report = report
        #: The handler that carries events with metadata through the queue.
        self.carrier = EventHandler("<metadata>", None, report)
        self.carrier.add(self._dispatch, 0)

    # ------------------------------------------------------------ registry

    def register(self, ident: int, t: Type) -> bool:
        """Zeek's ``EventMetadata::register``: F for a type metadata cannot
        have, or when ``ident`` is registered with another type."""
        if not allowed_type(t):
            return False
        old = self.types.get(ident)
        if old is not None:
            return same_type(old, t)
        self.types[ident] = t
        return True

    def type_of(self, ident: int) -> Type | None:
        return self.types.get(ident)

    # ------------------------------------------------------------- current

    def values(self, ident: int) -> list:
        """The current event's values for ``ident`` (``EventMetadata::current``)."""
        meta = self.current
        if not meta or ident not in self.types:
            return []
        return [v for i, v in meta if i == ident]

    def current_time(self) -> float:
        """``current_event_time()``: the current event's network timestamp, or -1.0."""
        meta = self.current
        if meta:
            for i, v in meta:
                if i == NETWORK_TIMESTAMP:
                    return v
        return NO_TIMESTAMP

    def outgoing(self) -> tuple | None:
        """The metadata of an event this node publishes (``Backend::MakeEvent``):
        with ``add_network_timestamp``, the timestamp of the event being
        handled, else the network time; without it, none."""
        if not self.add_network_timestamp:
            return None
        t = self.current_time()
        return ((NETWORK_TIMESTAMP, self._network_time() if t == NO_TIMESTAMP else t),)

    # ------------------------------------------------------------ queueing

    def enable(self, add_missing_remote: bool) -> Callable[[tuple], None]:
        """Turn on ``add_network_timestamp``; returns the stamping append
        (``append((handler, args))``) that replaces the queue's own."""
        self.add_network_timestamp = True
        self.add_missing_remote = add_missing_remote
        append, now, carrier = self._append, self._network_time, self.carrier

        def append_stamped(item: tuple) -> None:
            append((carrier, (item[0], item[1], ((NETWORK_TIMESTAMP, now()),))))

        return append_stamped

    def push(self, handler: EventHandler, args: tuple, meta: tuple | None) -> None:
        """Queue ``handler(args)`` with ``meta`` (None or empty: none)."""
        if meta:
            self._append((self.carrier, (handler, args, meta)))
        else:
            self._append((handler, args))

    def push_remote(self, handler: EventHandler, args: tuple, meta: tuple | None) -> None:
        """Queue an event received from another node with the metadata it carried."""
        if self.add_missing_remote and not any(i == NETWORK_TIMESTAMP for i, _ in meta or ()):
            meta = (*(meta or ()), (NETWORK_TIMESTAMP, self._network_time()))
        self.push(handler, args, meta)

    def _dispatch(self, handler: EventHandler, args: tuple, meta: tuple) -> None:
        handler.calls += 1
        saved, self.current = self.current, meta
        try:
            for fn in handler.handlers:
                try:
                    fn(*args)
                except Exception as exc:  # noqa: BLE001 - one body aborts, the rest run
                    self._report(exc)
        finally:
            self.current = saved
