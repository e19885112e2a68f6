"""``zscript logs nats PATH``: print the records ``Log::WRITER_NATS`` stored.

The writer (:mod:`.writers.nats`) publishes path P's records to the subject
``<prefix>.P`` of a JetStream stream and its schema (format, separators,
field names and types) to ``<prefix>._schema.P``.  :func:`read` fetches
the schema and every record stored on the subject when it is called (an
ordered consumer from the first message, as many messages as the stream
holds for the subject then); :func:`render` prints them:

* ``json``: one JSON object per line, as the JSON ASCII writer writes
  them (records stored as JSON are printed as stored);
* ``tsv``: Zeek's TSV log, with the ASCII writer's header (``#separator``
  ... ``#types``); records stored as TSV are printed as stored, records
  stored as JSON (epoch timestamps) are turned into TSV lines with the
  ASCII writer's formatting of each column type (a ``\\xNN`` in a JSON
  string, Zeek's JSON for a byte that is not UTF-8, is that byte again).

TSV records cannot be turned back into JSON (their text loses the types):
asking for it is an error.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator

import orjson

from ..natsconn import connect
from .schema import LogField
from .writers.formatters import TsvFormatter, escape_header

__all__ = ["NATSReadError", "read", "render"]


class NATSReadError(Exception):
    """The records cannot be read or shown; the message says why."""


def read(
    url: str, stream: str, prefix: str, path: str, timeout: float = 5.0
) -> tuple[dict, list[bytes], float]:
    """``(schema, records, open time)`` of ``path``."""
    return asyncio.run(_read(url, stream, prefix.rstrip("."), path, timeout))


async def _read(url, stream, prefix, path, timeout):
    from nats.js import api
    from nats.js import errors as jerr

    try:
        nc = await connect(url, timeout, "zscript-logs-reader", reconnect=False)
    except ConnectionError as e:
        raise NATSReadError(str(e)) from None
    try:
        js = nc.jetstream(timeout=timeout)
        subject = f"{prefix}.{path}"
        try:
            schema_msg = await js.get_msg(stream, subject=f"{prefix}._schema.{path}")
        except jerr.NotFoundError:
            raise NATSReadError(
                f"no log '{path}' in stream {stream} (no {prefix}._schema.{path})"
            ) from None
        schema = orjson.loads(schema_msg.data)
        opened = schema_msg.time.timestamp() if schema_msg.time else time.time()
        info = await js.stream_info(stream, subjects_filter=subject)
        count = (info.state.subjects or {}).get(subject, 0)
        records: list[bytes] = []
        if count:
            sub = await js.subscribe(
                subject,
                stream=stream,
                ordered_consumer=True,
                deliver_policy=api.DeliverPolicy.ALL,
            )
            try:
                while len(records) < count:
                    msg = await sub.next_msg(timeout)
                    records.append(msg.data)
                    if msg.metadata.num_pending == 0:
                        break
            finally:
                await sub.unsubscribe()
        return schema, records, opened
    except NATSReadError:
        raise
    except Exception as e:  # noqa: BLE001 - reported as a message
        desc = getattr(e, "description", None) or str(e) or type(e).__name__
        raise NATSReadError(f"cannot read {path} from stream {stream}: {desc}") from None
    finally:
        await nc.close()


def render(schema: dict, records: list[bytes], fmt: str, opened: float) -> Iterator[str]:
    """The lines (with newlines) showing ``records`` in format ``fmt`` (json or tsv)."""
    stored = schema.get("format", "json")
    if fmt == "json":
        if stored != "json":
            raise NATSReadError(
                f"the records of {schema.get('path')} are stored as TSV: use --format tsv"
            )
        for r in records:
            yield r.decode("latin-1") + "\n"
        return
    yield from _tsv_header(schema, opened)
    if stored == "tsv":
        for r in records:
            yield r.decode("latin-1") + "\n"
        return
    names, types = schema["fields"], schema["types"]
    line = TsvFormatter(
        [LogField(n, t) for n, t in zip(names, types, strict=True)],
        separator=schema["separator"],
        set_separator=schema["set_separator"],
        empty_field=schema["empty_field"],
        unset_field=schema["unset_field"],
    ).line
    convs = [_from_json(t) for t in types]
    for r in records:
        obj = orjson.loads(r)
        yield line([c(obj.get(n)) for c, n in zip(convs, names, strict=True)])


_HEX_BYTE = re.compile(r"\\x([0-9a-fA-F]{2})")


def _byte(m: re.Match) -> str:
    return chr(int(m.group(1), 16))


def _from_json(type_name: str):
    """The column value (as the TSV formatter takes it) of a JSON value."""
    if type_name == "string":
        return lambda v: v if v is None else _HEX_BYTE.sub(_byte, v)
    if type_name in ("set[string]", "vector[string]", "vector of string"):
        return lambda v: v if v is None else [_HEX_BYTE.sub(_byte, x) for x in v]
    return lambda v: v


def _tsv_header(schema: dict, opened: float) -> Iterator[str]:
    sep = schema["separator"]
    yield f"#separator {escape_header(sep)}\n"
    for key, value in (
        ("set_separator", escape_header(schema["set_separator"])),
        ("empty_field", escape_header(schema["empty_field"])),
        ("unset_field", escape_header(schema["unset_field"])),
        ("path", escape_header(schema["path"])),
        ("open", time.strftime("%Y-%m-%d-%H-%M-%S", time.localtime(opened))),
        ("fields", sep.join(schema["fields"])),
        ("types", sep.join(schema["types"])),
    ):
        yield f"#{key}{sep}{value}\n"
