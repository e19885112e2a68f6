"""``broker-bin-v1``: Zeek's default cluster event serializer (Broker's binary format).

The payload is one Broker value, the vector
``[count 1 (format version), count 1 (message type: event), [string name,
vector args (, vector metadata)]]``, encoded as described in
:mod:`._bin_codec`, with nothing before or after it.  Metadata is a vector
of ``[count id, value]`` vectors (Broker's ``zeek::Event`` metadata), the
value encoded by the type registered for ``id``.  Arguments are
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
    ATOM_DECODERS,
    ATOM_ENCODERS,
    T_BOOL,
    T_COUNT,
    T_INT,
    T_REAL,
    T_SPAN,
    T_STRING,
    T_TIME,
    T_VECTOR,
    _f64,
    _i64,
    _pack_Bd,
    _pack_BQ,
    _pack_Bq,
    _u64,
    decode_generic,
    read_bytes,
    read_varbyte,
    skip,
    write_str,
    write_varbyte,
)
from ._values import Malformed, Mismatch, render
from .base import EventLookup, EventSerializer, SerializationError, argument_error

__all__ = ["BrokerBinV1Serializer", "decode_data", "encode_data"]

# vector(3), count 1, count 1, vector(2): everything before the event name.
_PREFIX = bytes([T_VECTOR, 3]) + struct.pack(">BQBQ", T_COUNT, 1, T_COUNT, 1) + bytes([T_VECTOR, 2])
_ONE = struct.pack(">BQ", T_COUNT, 1)
_NAME = len(_PREFIX)  # where the event name's tag is

#: The fast receiver's "last kind" before there is one: no payload starts
#: with it (every candidate starts with _PREFIX), and _decline takes nothing.
_NO_HEAD = b"\xff" * (len(_PREFIX) + 1)


def _decline(b: bytes) -> bool:
    return False


_ENCODE_ERRORS = (Mismatch, TypeError, ValueError, AttributeError, OverflowError, struct.error)
_DECODE_ERRORS = (Malformed, IndexError, struct.error, RecursionError, ValueError)


class BrokerBinV1Serializer(EventSerializer):
    """Events as Broker binary data (format ``broker-bin-v1``)."""

    name = "broker-bin-v1"

    def __init__(self, **options):
        super().__init__(**options)
        self.codec = BinCodec(
            self.resolve_enum, self.resolve_function, self.make_data, self.resolve_type
        )
        self._heads: dict[str, bytes] = {}
        #: Fast-path encoding: event name -> (argument types, compiled encoder).
        self._enc_fast: dict[str, tuple] = {}
        #: Fast-path decoding: the payload bytes from the event name's tag up
        #: to the argument count -> (name, receiver's declaration, decoder of
        #: the arguments, its signature); filled by the full path.
        self._fast: dict[bytes, tuple] = {}

    def _do_serialize_event(
        self, name: str, args: tuple, arg_types: list[Type], meta: tuple = ()
    ) -> bytes:
        if meta:
            return self._with_metadata(self._do_serialize_event(name, args, arg_types), meta)
        # Fast path: the encoder compiled for this name and these types.
        # Anything unusual, including every error, takes the general path.
        entry = self._enc_fast.get(name)
        if entry is not None and entry[0] == arg_types:  # element identity
            try:
                return entry[1](args)
            except Exception:  # noqa: BLE001, S110 - the general path reports it
                pass
        head = self._heads.get(name)
        if head is None:
            head = self._head(name)
        out = bytearray(head)
        n = len(args)
        if n < 0x80:
            out.append(n)
        else:
            write_varbyte(out, n)
        n_head = len(out)
        encoders = self.codec._enc
        for i in range(n):
            t = arg_types[i]
            try:
                (encoders.get(t) or self.codec.encoder(t))(args[i], out)
            except _ENCODE_ERRORS as e:
                raise argument_error(i, name, t, e) from e
        if entry is None or entry[0] != arg_types:
            if len(self._enc_fast) >= 1024:
                self._enc_fast.clear()
            types = list(arg_types)
            self._enc_fast[name] = (types, _args_encoder(bytes(out[:n_head]), types, self.codec))
        return bytes(out)

    def event_encoder(self, name, arg_types):
        # The encoder the general path compiled (see _do_serialize_event).
        entry = self._enc_fast.get(name)
        if entry is not None and entry[0] == list(arg_types):
            return entry[1]
        return None

    def _with_metadata(self, payload: bytes, meta: tuple) -> bytes:
        """``payload`` (an event without metadata, whose content vector ends
        the message) with the metadata vector appended to its content."""
        entries = [(i, v, self.metadata_type(i)) for i, v in meta]
        entries = [e for e in entries if e[2] is not None]
        out = bytearray(payload)
        out[_NAME - 1] = 3  # the content vector: name, args, metadata
        out.append(T_VECTOR)
        write_varbyte(out, len(entries))
        for i, v, t in entries:
            out += bytes([T_VECTOR, 2]) + _pack_BQ(T_COUNT, i)
            try:
                self.codec.encoder(t)(v, out)
            except _ENCODE_ERRORS as e:
                raise SerializationError(f"failed to serialize event metadata {i}: {e}") from e
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

    def deserialize_event_meta(
        self, payload: bytes, lookup: EventLookup
    ) -> tuple[str, tuple, tuple | None]:
        # Fast path (bench/cluster_bench.py): the usual envelope and an event
        # decoded before (same name and argument count, still the receiver's
        # declaration), without metadata.  Anything else, including every
        # error, takes the full path of the base class, which says why.
        if type(payload) is bytes:
            b = payload
            try:
                entry = self._fast.get(b[_NAME : _NAME + 4 + b[_NAME + 1]])
            except IndexError:
                entry = None
            if entry is not None and b.startswith(_PREFIX):
                name, ftype, decode_args, _sig = entry
                if lookup(name) is ftype:  # its exceptions propagate, as on the full path
                    try:
                        return name, decode_args(b, _NAME + 4 + b[_NAME + 1]), None
                    except Exception:  # noqa: BLE001, S110 - the full path reports it
                        pass
        return super().deserialize_event_meta(payload, lookup)

    def fast_receiver(self, route, emit):
        # Each kind of payload (the bytes after _PREFIX up to the argument
        # count: name tag and length, name, vector tag, count; the key of
        # self._fast) gets one generated function that checks and decodes
        # the arguments and emits them to the kind's target (_args_taker).
        # A batch is mostly one kind: the last kind's whole head (_PREFIX
        # and key) is tried first, with one startswith; others take one
        # dictionary lookup.
        learned = self._fast
        takers: dict[bytes, object] = {}
        at, prefix = _NAME, _PREFIX
        head, take = _NO_HEAD, _decline

        def learn(key: bytes):
            nonlocal head, take
            entry = learned.get(key)
            if entry is None:
                return None  # the full path has not decoded it yet
            name, ftype, _decode, sig = entry
            target = route(name, ftype)
            found = None
            if target is not None:
                found = _args_taker(at + len(key), sig.types, sig.codecs, target, emit)
            if len(takers) >= 1024:
                takers.clear()
                head, take = _NO_HEAD, _decline
            takers[key] = found
            return found

        def receive(b: bytes) -> bool:
            nonlocal head, take
            if type(b) is not bytes:
                return False
            if b.startswith(head):
                return take(b)
            try:
                key = b[at : at + 4 + b[at + 1]]
                found = takers[key]
            except KeyError:
                found = learn(key)
            except IndexError:  # too short: the full path says what is wrong
                return False
            if found is None or not b.startswith(prefix):
                return False
            head, take = prefix + key, found
            return found(b)

        return receive

    def _do_deserialize_event(self, payload: bytes, lookup: EventLookup) -> tuple:
        b = payload
        try:
            p, extra_outer, extra_content = _skip_header(b)
            name_at = p
            if b[p] != T_STRING:
                raise Malformed("event name is not a string")
            raw_name, p = read_bytes(b, p + 1)
            name = raw_name.decode("latin-1")
            if b[p] != T_VECTOR:
                raise Malformed("event arguments are not a vector")
            nargs, p = read_varbyte(b, p + 1)
            ftype, sig = self._lookup_signature(name, nargs, lookup)
            decoders = sig.codecs
            if decoders is None:
                decoders = sig.codecs = [self.codec.decoder(t) for t in sig.types]
            key = b[_NAME:p]
            # Only for the canonical envelope (the event name right after
            # _PREFIX) and one-byte name length and argument count.
            if (
                name_at == _NAME
                and not extra_outer
                and not extra_content
                and len(key) == 4 + len(raw_name)
            ):
                if len(self._fast) >= 1024:
                    self._fast.clear()
                self._fast[key] = (name, ftype, _args_decoder(sig.types, decoders), sig)
            args = []
            for dec in decoders:
                start = p
                try:
                    v, p = dec(b, p)
                except Mismatch as e:
                    t = sig.types[len(args)]
                    raise self._conversion_error(name, b, start, t, e) from None
                args.append(v)
            meta = None
            if extra_content:
                entries, p = _read_metadata(b, p)
                meta = self.convert_metadata(entries, self._decode_value)
                extra_content -= 1
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
        return name, tuple(args), meta

    # --------------------------------------------------------------- helpers

    def _decode_value(self, raw: tuple, t: Type):
        """A metadata value: ``raw`` is ``(payload, start, end)``."""
        b, start, end = raw
        v, p = self.codec.decoder(t)(b, start)
        if p != end:
            raise Malformed("metadata value has trailing bytes")
        return v

    def _conversion_error(self, name, b, start, t, e) -> SerializationError:
        try:
            node, _ = decode_generic(b, start)
        except _DECODE_ERRORS as bad:
            return SerializationError(
                f"Unserialize error: malformed broker-bin-v1 payload ({_why(bad)})"
            )
        return self._arg_error(name, render(node), node[0], t)


# Inline encoding of atoms for _args_encoder: {a} is the value, ``out`` the bytearray.
# Same bytes as the ATOM_ENCODERS; they may raise anything on a bad value.
_INLINE_ENC = {
    "string": (
        "d = {a}.encode('latin-1')",
        "n = len(d)",
        f"out.append({T_STRING})",
        "if n < 0x80: out.append(n)",
        "else: _write_varbyte(out, n)",
        "out += d",
    ),
    "count": (f"out += _pack_BQ({T_COUNT}, {{a}})",),
    "int": (f"out += _pack_Bq({T_INT}, {{a}})",),
    "double": (f"out += _pack_Bd({T_REAL}, {{a}})",),
    "bool": ("out += b'\\x01\\x01' if {a} else b'\\x01\\x00'",),
}


def _args_encoder(prefix: bytes, types: list[Type], codec: BinCodec):
    """``encode(args) -> payload``: the payload of an event whose encoding
    up to the arguments is ``prefix``, in one function (the fast path)."""
    env = {
        "_prefix": prefix,
        "_write_varbyte": write_varbyte,
        "_pack_BQ": _pack_BQ,
        "_pack_Bq": _pack_Bq,
        "_pack_Bd": _pack_Bd,
    }
    names = [f"a{i}" for i in range(len(types))]
    lines = ["def encode(args):"]
    if names:
        lines.append(f"    {', '.join(names)}, = args")
    lines.append("    out = bytearray(_prefix)")
    for i, t in enumerate(types):
        enc = codec.encoder(t)
        code = _INLINE_ENC.get(t.tag)
        if code is not None and enc is ATOM_ENCODERS.get(t.tag):
            lines += ["    " + ln.format(a=f"a{i}") for ln in code]
        else:
            env[f"e{i}"] = enc
            lines.append(f"    e{i}(a{i}, out)")
    lines.append("    return bytes(out)")
    exec(compile("\n".join(lines) + "\n", "<broker-bin-v1 args encoder>", "exec"), env)
    return env["encode"]


# Inline decoding of atoms for _args_decoder: {v} is the value's variable.
# They may raise anything on bad input (the full path then says what is wrong).
_INLINE = {
    "string": (
        f"if b[p] != {T_STRING}: raise _Bad",
        "n = b[p + 1]",
        "if n >= 0x80: raise _Bad",
        "e = p + 2 + n",
        "if e > len(b): raise _Bad",
        "{v} = b[p + 2 : e].decode('latin-1')",
        "p = e",
    ),
    "count": (f"if b[p] != {T_COUNT}: raise _Bad", "{v} = _u64(b, p + 1)[0]", "p += 9"),
    "int": (f"if b[p] != {T_INT}: raise _Bad", "{v} = _i64(b, p + 1)[0]", "p += 9"),
    "double": (f"if b[p] != {T_REAL}: raise _Bad", "{v} = _f64(b, p + 1)[0]", "p += 9"),
    "time": (
        f"if b[p] != {T_TIME}: raise _Bad",
        "{v} = _i64(b, p + 1)[0] / 1_000_000_000",
        "p += 9",
    ),
    "interval": (
        f"if b[p] != {T_SPAN}: raise _Bad",
        "{v} = _i64(b, p + 1)[0] / 1_000_000_000",
        "p += 9",
    ),
    "bool": (f"if b[p] != {T_BOOL}: raise _Bad", "{v} = b[p + 1] != 0", "p += 2"),
}


def _decode_lines(types: list[Type], decoders: list, env: dict, indent: str) -> list[str]:
    """Source lines decoding the arguments from ``p`` of ``b`` into ``v0``,
    ``v1``, ... (atoms inline, other types by their decoder, put in
    ``env``), raising (anything) unless exactly they fill the rest of ``b``."""
    env.update({"_Bad": Malformed, "_u64": _u64, "_i64": _i64, "_f64": _f64})
    lines = []
    for i, (t, dec) in enumerate(zip(types, decoders, strict=True)):
        code = _INLINE.get(t.tag)
        if code is not None and dec is ATOM_DECODERS.get(t.tag):
            lines += [indent + ln.format(v=f"v{i}") for ln in code]
        else:
            env[f"d{i}"] = dec
            lines.append(f"{indent}v{i}, p = d{i}(b, p)")
    lines.append(f"{indent}if p != len(b): raise _Bad")
    return lines


def _args_tuple(n: int) -> str:
    return f"({''.join(f'v{i}, ' for i in range(n))})"


def _args_decoder(types: list[Type], decoders: list):
    """``decode(b, p) -> args``: all arguments from ``p`` to the end of ``b``, in one function.

    The fast path's decoder: atoms are decoded inline, other types by their
    decoder; it raises (anything) unless exactly the arguments fill the rest
    of the payload.
    """
    env: dict = {}
    lines = ["def decode(b, p):", *_decode_lines(types, decoders, env, "    ")]
    lines.append(f"    return {_args_tuple(len(types))}")
    exec(compile("\n".join(lines) + "\n", "<broker-bin-v1 args decoder>", "exec"), env)
    return env["decode"]


def _args_taker(start: int, types: list[Type], decoders: list, target, emit):
    """``take(b) -> bool``: :func:`_args_decoder`'s work on a payload whose
    arguments start at ``start``, then ``emit((target, args))`` and True;
    False, having emitted nothing, when the arguments do not decode.  The
    receive path's function for one kind of payload (the caller has
    checked everything before the arguments)."""
    env: dict = {"_target": target, "_emit": emit}
    lines = ["def take(b):", f"    p = {start}", "    try:"]
    lines += _decode_lines(types, decoders, env, "        ")
    lines += ["    except Exception:", "        return False"]
    lines += [f"    _emit((_target, {_args_tuple(len(types))}))", "    return True"]
    exec(compile("\n".join(lines) + "\n", "<broker-bin-v1 args taker>", "exec"), env)
    return env["take"]


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


def _read_metadata(b: bytes, p: int) -> tuple[list, int]:
    """The metadata vector at ``p``: ``([(id, (b, start, end) of the value)],
    next position)``."""
    if b[p] != T_VECTOR:
        raise Malformed("event metadata is not a vector")
    n, p = read_varbyte(b, p + 1)
    entries = []
    for _ in range(n):
        if b[p] != T_VECTOR or b[p + 1] != 2 or b[p + 2] != T_COUNT:
            raise Malformed("event metadata entry is not [count, value]")
        (ident,) = _u64(b, p + 3)
        start = p + 11
        p = skip(b, start)
        entries.append((ident, (b, start, p)))
    return entries, p


def _skip_trailer(b: bytes, p: int, extra_outer: int, extra_content: int) -> int:
    """Skip (and validate) fields after the metadata."""
    if extra_content:
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
