"""The event serializer interface and the registry of wire formats.

An :class:`EventSerializer` turns one zscript event (a name, its argument
values and their declared types) into the payload frame of a Zeek cluster
message and back.  Its :attr:`~EventSerializer.name` is the *format* frame
Zeek puts next to the payload (``broker-bin-v1``, ``broker-json-v1``); nodes
drop messages whose format differs from their own.

Contract:

* :meth:`EventSerializer.serialize_event` returns bytes or raises
  :class:`SerializationError`.
* :meth:`EventSerializer.deserialize_event` returns ``(name, args)`` with the
  arguments converted to zscript runtime values *using the receiver's
  declaration of the event* (``lookup(name)`` gives its
  :class:`~zscript.types.FuncType`), or raises :class:`SerializationError`
  with a Zeek-like message.  Malformed input of any kind raises only
  :class:`SerializationError`; exceptions raised by ``lookup`` itself
  propagate unchanged.
* Event metadata (Zeek 8's ``EventMetadata``) is a tuple of ``(id, value)``
  pairs, ``id`` the number of an ``EventMetadata::ID`` and ``value`` of the
  type ``metadata_type(id)`` gives.  ``serialize_event(..., meta)`` writes it
  after the arguments; :meth:`EventSerializer.deserialize_event_meta` returns
  ``(name, args, meta)`` (``meta`` None when the event carried none).  As in
  Zeek (``metadata_vector_from_broker_event``), received entries with an
  unregistered id are ignored, and entries whose value does not convert are
  dropped and counted in :attr:`EventSerializer.metadata_dropped`.
* Subclasses implement the ``_do_*`` hooks; the public methods add the
  argument checks and the guarantee above.  ``_do_deserialize_event`` may
  return ``(name, args)`` or ``(name, args, meta)``.
* :meth:`EventSerializer.fast_receiver` is optional (the base class has
  none): a function that takes the common case of a received payload (an
  event decoded before, without metadata) from payload to queued arguments
  in as few steps as possible, and declines everything else, which the
  caller then decodes with :meth:`~EventSerializer.deserialize_event_meta`.
  :meth:`EventSerializer.event_encoder` is the same for sending: a compiled
  encoder for one event's arguments, or None.

Serializers are found by name with :func:`get_serializer`: first among the
entry points of group ``zscript.event_serializers`` (an entry point names a
subclass), then among the built-in ones.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import ClassVar

from ...resources import entry_points, load_target
from ...types import TIME, FuncType, Type

__all__ = [
    "ENTRY_POINT_GROUP",
    "EventLookup",
    "EventSerializer",
    "SerializationError",
    "Signature",
    "UnknownEventError",
    "available_serializers",
    "get_serializer",
]

#: Entry point group naming :class:`EventSerializer` subclasses by format name.
ENTRY_POINT_GROUP = "zscript.event_serializers"

_BUILTIN = {
    "broker-bin-v1": "zscript.cluster.serializers.bin_v1:BrokerBinV1Serializer",
    "broker-json-v1": "zscript.cluster.serializers.json_v1:BrokerJsonV1Serializer",
}

#: ``lookup(name)``: the receiver's declaration of event ``name``, or None.
EventLookup = Callable[[str], FuncType | None]

#: The metadata types every node knows (``EventMetadata::NETWORK_TIMESTAMP``).
_BUILTIN_METADATA = {1: TIME}


class SerializationError(Exception):
    """An event could not be serialized or deserialized; ``str()`` is Zeek-like.
    ``reported`` is set when Zeek itself reports the cause as an error of its
    own (then shown alone, without the publishing call)."""

    reported: str | None = None


def argument_error(i: int, name: str, t, e: Exception) -> SerializationError:
    """Argument ``i`` (0-based) of event ``name`` did not encode as ``t``."""
    from ._values import Unsupported

    err = SerializationError(f"failed to serialize argument {i + 1} of event '{name}' as {t}: {e}")
    if isinstance(e, Unsupported):
        err.reported = str(e)
    return err


class ConversionError(SerializationError):
    """A received value does not convert to the type the event declares;
    ``value_text`` and ``broker_type`` describe the value as Broker does."""

    def __init__(self, message: str, value_text: str, broker_type: str):
        super().__init__(message)
        self.value_text = value_text
        self.broker_type = broker_type


def argument_conversion_error(
    name: str, value_text: str, broker_type: str, t: Type
) -> SerializationError:
    """Zeek's error for an event argument that does not convert (its broker
    serializer's ``UnserializeEvent``): the type as ``obj_desc`` shows it, a
    built-in type followed by its "location", which is its name."""
    desc = f"{t} {t}" if t.tag in _BASIC_TAGS and not t.name else str(t)
    return SerializationError(
        f"Unserialize error for event '{name}': broker value '{value_text}' "
        f"type '{broker_type}' to Zeek type '{desc}' failed"
    )


_BASIC_TAGS = frozenset(
    "bool count int double string addr subnet port time interval pattern any".split()
)


class UnknownEventError(SerializationError):
    """The receiver declares no event of the payload's name ("Failed to lookup handler")."""


class _LookupFailed(Exception):
    """Carries an exception raised by the caller's ``lookup`` past the safety net."""

    def __init__(self, exc: BaseException):
        super().__init__(exc)
        self.exc = exc


class Signature:
    """The parameter types of one declared event, and a slot for a format's per-event cache."""

    __slots__ = ("codecs", "types")

    def __init__(self, types: list[Type]):
        self.types = types
        #: Set by a serializer (e.g. the compiled decoders of ``types``).
        self.codecs = None


def _guarded(lookup: EventLookup) -> EventLookup:
    def guarded(event_name: str) -> FuncType | None:
        try:
            return lookup(event_name)
        except Exception as e:
            raise _LookupFailed(e) from e

    return guarded


class EventSerializer(ABC):
    """Base class of the event wire formats.

    :param resolve_enum: ``f(full_name) -> EnumVal | None``; used to decode
        enum values that arrive in an ``any`` slot (a declared enum type
        resolves its own names).
    :param resolve_function: ``f(name) -> function | None``; used to decode
        arguments of function type (Zeek sends a function by name).
    :param make_data: ``f(node) -> value``: what an ``any`` slot decodes to
        (the host makes Zeek's ``Broker::Data`` records, :mod:`._data`);
        without it, plain values.
    :param resolve_type: ``f(name) -> Type | None``: the receiver's type
        declared under ``name``, for values that carry their element type by
        name (the elements of an ``opaque of topk``).
    :param metadata_type: ``f(id) -> Type | None``: the type registered for
        event metadata ``id`` (without it, only the network timestamp).
    """

    #: The format string of the wire protocol's format frame.
    name: ClassVar[str] = ""

    def __init__(
        self,
        *,
        resolve_enum: Callable[[str], object] | None = None,
        resolve_function: Callable[[str], object] | None = None,
        make_data: Callable[[object], object] | None = None,
        resolve_type: Callable[[str], Type | None] | None = None,
        metadata_type: Callable[[int], Type | None] | None = None,
    ):
        self.resolve_enum = resolve_enum
        self.resolve_function = resolve_function
        self.make_data = make_data
        self.resolve_type = resolve_type
        self.metadata_type = metadata_type or _BUILTIN_METADATA.get
        #: Received metadata entries dropped because their value did not convert.
        self.metadata_dropped = 0
        self._signatures: dict[FuncType, Signature] = {}
        self._guard: tuple = (None, None)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

    # ------------------------------------------------------------ public API

    def serialize_event(
        self, name: str, args: Sequence, arg_types: Sequence[Type], meta: tuple | None = None
    ) -> bytes:
        """The payload for event ``name(*args)``, whose parameters have
        ``arg_types``, carrying metadata ``meta`` (see the module docstring)."""
        if not isinstance(name, str):
            raise SerializationError(f"event name must be a string, not {type(name).__name__}")
        if len(args) != len(arg_types):
            raise SerializationError(
                f"Serialize error '{name}' arg_types.size()={len(arg_types)} "
                f"and args.size()={len(args)}"
            )
        if type(args) is not tuple:
            args = tuple(args)
        if type(arg_types) is not list:
            arg_types = list(arg_types)
        try:
            if meta:
                return self._do_serialize_event(name, args, arg_types, meta)
            return self._do_serialize_event(name, args, arg_types)
        except SerializationError:
            raise
        except Exception as e:  # safety net: the contract allows no other type
            raise SerializationError(f"failed to serialize event '{name}': {e!r}") from e

    def event_encoder(self, name: str, arg_types: Sequence[Type]):
        """A compiled ``encode(args: tuple) -> bytes`` doing what
        :meth:`serialize_event` does for ``name`` with these types and no
        metadata, or None (then call :meth:`serialize_event`).  It may raise
        anything on a bad value: :meth:`serialize_event` says what is wrong.
        The base class has none; a serializer may have one once it has
        serialized such an event."""
        return None

    def deserialize_event(self, payload: bytes, lookup: EventLookup) -> tuple[str, tuple]:
        """``(name, args)`` decoded from ``payload``; see the module docstring."""
        name, args, _meta = self.deserialize_event_meta(payload, lookup)
        return name, args

    def deserialize_event_meta(
        self, payload: bytes, lookup: EventLookup
    ) -> tuple[str, tuple, tuple | None]:
        """``(name, args, metadata)`` decoded from ``payload``; see the module docstring."""
        if type(payload) is not bytes:
            if isinstance(payload, bytearray | memoryview):
                payload = bytes(payload)
            elif not isinstance(payload, bytes):
                raise SerializationError(
                    f"Unserialize error: payload must be bytes, not {type(payload).__name__}"
                )

        guard = self._guard
        if guard[0] is not lookup:
            guard = self._guard = (lookup, _guarded(lookup))
        try:
            found = self._do_deserialize_event(payload, guard[1])
        except SerializationError:
            raise
        except _LookupFailed as e:
            raise e.exc from None
        except Exception as e:  # safety net: the contract allows no other type
            raise SerializationError(f"Unserialize error: {e!r}") from e
        return found if len(found) == 3 else (found[0], found[1], None)

    def fast_receiver(
        self, route: Callable[[str, FuncType], object], emit: Callable[[tuple], object]
    ) -> Callable[[bytes], bool] | None:
        """A function ``receive(payload) -> bool`` for the receive path, or
        None when the format has none.

        ``receive`` either decodes ``payload`` completely and calls
        ``emit((target, args))`` once, as its last step, and returns True;
        or returns False having called nothing (not even ``emit``), and the
        caller takes the full path, which also reports what is wrong.  It
        handles only events the full path decoded before; ``target`` is
        what ``route(name, declaration)`` returned when asked, once for each
        kind of payload (None: leave those to the full path).  Never raises.
        """
        return None

    # ----------------------------------------------------------------- hooks

    @abstractmethod
    def _do_serialize_event(
        self, name: str, args: tuple, arg_types: list[Type], meta: tuple = ()
    ) -> bytes:
        """Encode; ``len(args) == len(arg_types)`` holds; ``meta`` is passed
        only when there is metadata (a format without it may omit the parameter)."""

    @abstractmethod
    def _do_deserialize_event(self, payload: bytes, lookup: EventLookup) -> tuple:
        """Decode ``payload`` (bytes) to ``(name, args)`` or ``(name, args,
        meta)``; use :meth:`_event_signature` for the declaration."""

    # --------------------------------------------------------------- helpers

    def _event_signature(self, name: str, nargs: int, lookup: EventLookup) -> Signature:
        """The receiver's declaration of ``name``, checked against ``nargs`` (Zeek's errors)."""
        return self._lookup_signature(name, nargs, lookup)[1]

    def _lookup_signature(
        self, name: str, nargs: int, lookup: EventLookup
    ) -> tuple[FuncType, Signature]:
        """:meth:`_event_signature` and the declaration it comes from."""
        ftype = lookup(name)
        if ftype is None:
            raise UnknownEventError(f"Failed to lookup handler for '{name}'")
        sig = self._signatures.get(ftype)
        if sig is None:
            if len(self._signatures) >= 4096:
                self._signatures.clear()
            sig = self._signatures[ftype] = Signature([p.type for p in ftype.params])
        if len(sig.types) != nargs:
            raise SerializationError(
                f"Unserialize error '{name}' arg_types.size()={len(sig.types)} and args.size()={nargs}"
            )
        return ftype, sig

    def convert_metadata(self, entries: list, convert: Callable) -> tuple | None:
        """The metadata of a received event from its ``(id, raw value)``
        entries; ``convert(raw, type)`` makes the value (see the module
        docstring for what is ignored and dropped)."""
        out = []
        for ident, raw in entries:
            t = self.metadata_type(ident)
            if t is None:
                continue  # not registered here: ignored, as Zeek does
            try:
                out.append((ident, convert(raw, t)))
            except Exception:  # noqa: BLE001 - Zeek drops (and reports) the entry
                self.metadata_dropped += 1
        return tuple(out) or None

    @staticmethod
    def _arg_error(name: str, value_text: str, broker_type: str, t: Type) -> SerializationError:
        return argument_conversion_error(name, value_text, broker_type, t)


# ------------------------------------------------------------------ registry


def _entry_points() -> dict:
    return {ep.name: ep for ep in entry_points(ENTRY_POINT_GROUP)}


def _load_builtin(name: str) -> type:
    return load_target(_BUILTIN[name])


def available_serializers() -> list[str]:
    """Names of every known event serializer (entry points and built-ins)."""
    return sorted(set(_entry_points()) | set(_BUILTIN))


def get_serializer(name: str, **options) -> EventSerializer:
    """A new serializer for wire format ``name``; ``options`` go to its constructor.

    Raises :class:`LookupError` for an unknown name.
    """
    cls = None
    ep = _entry_points().get(name)
    if ep is not None:
        try:
            cls = ep.load()
        except Exception:
            cls = None
        if not (isinstance(cls, type) and issubclass(cls, EventSerializer)):
            cls = None
    if cls is None and name in _BUILTIN:
        cls = _load_builtin(name)
    if cls is None:
        known = ", ".join(available_serializers())
        raise LookupError(f"unknown event serializer '{name}' (known: {known})")
    return cls(**options)
