"""``broker-bin-v1``: Zeek's default cluster event serializer (Broker's binary format).

The payload is one Broker value, the vector
``[count 1 (format version), count 1 (message type: event), [string name,
vector args (, vector metadata)]]``, encoded as described in
:mod:`._bin_codec`, with nothing before or after it.  This serializer writes
no metadata; received metadata is validated and ignored.  Arguments are
encoded by their declared types and decoded by the receiver's declaration of
the event, as Zeek's ``to_broker_event`` / ``to_zeek_event`` do.

:func:`encode_data` and :func:`decode_data` expose the value level (one
Broker value) for tests and other users of the format.
"""

from __future__ import annotations

import struct

from ...types import Type
from ._bin_codec import BinCodec
from ._bin_format import (
    T_COUNT,
    T_STRING,
    T_VECTOR,
    decode_generic,
    read_bytes,
    read_varbyte,
    skip,
    write_str,
    write_varbyte,
)
from ._values import Malformed, Mismatch, render
from .base import EventLookup, EventSerializer, SerializationError

__all__ = ["BrokerBinV1Serializer", "decode_data", "encode_data"]

# vector(3), count 1, count 1, vector(2): everything before the event name.
_PREFIX = bytes([T_VECTOR, 3]) + struct.pack(">BQBQ", T_COUNT, 1, T_COUNT, 1) + bytes([T_VECTOR, 2])
_ONE = struct.pack(">BQ", T_COUNT, 1)

_ENCODE_ERRORS = (Mismatch, TypeError, ValueError, AttributeError, OverflowError, struct.error)
_DECODE_ERRORS = (Malformed, IndexError, struct.error, RecursionError, ValueError)


class BrokerBinV1Serializer(EventSerializer):
    """Events as Broker binary data (format ``broker-bin-v1``)."""

    name = "broker-bin-v1"

    def __init__(self, **options):
        super().__init__(**options)
        self.codec = BinCodec(self.resolve_enum, self.resolve_function)
        self._heads: dict[str, bytes] = {}

    def _do_serialize_event(self, name: str, args: tuple, arg_types: list[Type]) -> bytes:
        head = self._heads.get(name)
        if head is None:
            head = self._head(name)
        out = bytearray(head)
        n = len(args)
        if n < 0x80:
            out.append(n)
        else:
            write_varbyte(out, n)
        encoders = self.codec._enc
        for i in range(n):
            t = arg_types[i]
            try:
                (encoders.get(t) or self.codec.encoder(t))(args[i], out)
            except _ENCODE_ERRORS as e:
                raise SerializationError(
                    f"failed to serialize argument {i + 1} of event '{name}' as {t}: {e}"
                ) from e
        return bytes(out)

    def _head(self, name: str) -> bytes:
        """Everything before the argument count: envelope, name, args vector tag."""
        out = bytearray(_PREFIX)
        try:
            write_str(out, T_STRING, name)
        except (UnicodeEncodeError, Mismatch) as e:
            raise SerializationError(f"failed to serialize event name '{name}': {e}") from e
        out.append(T_VECTOR)
        if len(self._heads) >= 1024:
            self._heads.clear()
        head = self._heads[name] = bytes(out)
        return head

    def _do_deserialize_event(self, payload: bytes, lookup: EventLookup) -> tuple[str, tuple]:
        b = payload
        try:
            p, extra_outer, extra_content = _skip_header(b)
            if b[p] != T_STRING:
                raise Malformed("event name is not a string")
            raw_name, p = read_bytes(b, p + 1)
            name = raw_name.decode("latin-1")
            if b[p] != T_VECTOR:
                raise Malformed("event arguments are not a vector")
            nargs, p = read_varbyte(b, p + 1)
            sig = self._event_signature(name, nargs, lookup)
            decoders = sig.codecs
            if decoders is None:
                decoders = sig.codecs = [self.codec.decoder(t) for t in sig.types]
            args = []
            for dec in decoders:
                start = p
                try:
                    v, p = dec(b, p)
                except Mismatch as e:
                    t = sig.types[len(args)]
                    raise self._conversion_error(name, b, start, t, e) from None
                args.append(v)
            if extra_outer or extra_content:
                p = _skip_trailer(b, p, extra_outer, extra_content)
            if p != len(b):
                raise Malformed(f"{len(b) - p} trailing bytes")
        except _DECODE_ERRORS as e:
            raise SerializationError(
                f"Unserialize error: malformed broker-bin-v1 payload ({_why(e)})"
            ) from None
        except Mismatch as e:
            raise SerializationError(f"Unserialize error: {e}") from None
        return name, tuple(args)

    # --------------------------------------------------------------- helpers

    def _conversion_error(self, name, b, start, t, e) -> SerializationError:
        try:
            node, _ = decode_generic(b, start)
        except _DECODE_ERRORS as bad:
            return SerializationError(
                f"Unserialize error: malformed broker-bin-v1 payload ({_why(bad)})"
            )
        return self._arg_error(name, render(node), node[0], t)


def _skip_header(b: bytes) -> tuple[int, int, int]:
    """Check the outer vector and the two counts.

    Returns the event name's position and the numbers of extra outer and
    extra event fields (metadata is the first extra event field).
    """
    if b.startswith(_PREFIX):
        return len(_PREFIX), 0, 0
    if not b or b[0] != T_VECTOR:
        raise Malformed("not a Broker vector")
    n_outer, p = read_varbyte(b, 1)
    if n_outer < 3:
        raise Malformed(f"message has {n_outer} fields, expected 3")
    if b[p : p + 9] != _ONE or b[p + 9 : p + 18] != _ONE:
        raise Malformed("not a version 1 event message")
    p += 18
    if b[p] != T_VECTOR:
        raise Malformed("event content is not a vector")
    n_content, p = read_varbyte(b, p + 1)
    if n_content < 2:
        raise Malformed(f"event has {n_content} fields, expected 2 or 3")
    return p, n_outer - 3, n_content - 2


def _skip_trailer(b: bytes, p: int, extra_outer: int, extra_content: int) -> int:
    """Skip (and validate) metadata and any further fields."""
    if extra_content:
        if b[p] != T_VECTOR:
            raise Malformed("event metadata is not a vector")
        for _ in range(extra_content):
            p = skip(b, p)
    for _ in range(extra_outer):
        p = skip(b, p)
    return p


def _why(e: BaseException) -> str:
    if isinstance(e, IndexError | struct.error):
        return "truncated"
    if isinstance(e, RecursionError):
        return "nested too deeply"
    return str(e) or type(e).__name__


_DEFAULT = BinCodec()


def encode_data(value, t: Type, codec: BinCodec | None = None) -> bytes:
    """One Broker value in binary form, for ``value`` of zscript type ``t``."""
    out = bytearray()
    try:
        (codec or _DEFAULT).encoder(t)(value, out)
    except _ENCODE_ERRORS as e:
        raise SerializationError(f"failed to serialize {value!r} as {t}: {e}") from e
    return bytes(out)


def decode_data(data: bytes, t: Type, codec: BinCodec | None = None):
    """The zscript value of type ``t`` encoded (alone) in ``data``."""
    try:
        v, p = (codec or _DEFAULT).decoder(t)(bytes(data), 0)
        if p != len(data):
            raise Malformed(f"{len(data) - p} trailing bytes")
    except Mismatch as e:
        raise SerializationError(f"cannot convert Broker data to {t}: {e}") from None
    except _DECODE_ERRORS as e:
        raise SerializationError(f"malformed Broker data ({_why(e)})") from None
    return v
