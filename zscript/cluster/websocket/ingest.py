"""A client's data message in one step: the common case of WebSocket ingest.

A data message normally goes through three steps of
:meth:`.client.WebSocketClient._handle`: decoded into the hosting node's
event (:func:`.protocol.decode_data_message`, which checks the whole Broker
JSON structure and looks the event up), checked against the client's access,
and published (serialized in the cluster's format).  Clients send the same
events in the same shape over and over, so :func:`make_ingest` keeps what
those steps look up each time:

* per event name: the declaration and one generated function that decodes
  the arguments' JSON (one decoder per argument type) and encodes the event
  with the serializer's compiled encoder
  (:meth:`~..serializers.base.EventSerializer.event_encoder`);
* per client (``client.allowed``): the ``(topic, event)`` pairs its access
  lets it publish.

It takes only the canonical message, ``{"topic": <ASCII text>,
"@data-type": "vector", "data": [<count 1>, <count 1>, {"@data-type":
"vector", "data": [{"@data-type": "string", "data": <name>}, {"@data-type":
"vector", "data": [<arguments>]}]}]}`` (other keys ignored, as the full path
ignores them), of an event the node declares, JSON that ``orjson`` reads,
and arguments that decode and encode without an error.  Everything else —
metadata, anything unusual, every error — is declined (False) before
anything is published, and the full path handles the message as before and
says what is wrong.  ``bench/websocket_bench.py`` measures it.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson

from ...types import FuncType
from ..access import MAX_TOPIC
from .protocol import DT, zeek_string

__all__ = ["make_ingest"]

_ONE = {DT: "count", "data": 1}
#: Event names (per process) and (topic, event) pairs (per client) remembered.
_CACHE = 1024


def make_ingest(
    lookup: Callable, decoder: Callable, serializer, publish: Callable
) -> Callable[[object, bytes | str], bool]:
    """``ingest(client, frame) -> bool``: True when the message was taken
    (published, or dropped and counted by ``publish``), False when the full
    path must handle it.

    :param lookup: ``lookup(name) -> FuncType | None``, the node's declaration.
    :param decoder: ``decoder(type) -> decode(obj) -> value`` (Broker JSON v1).
    :param serializer: the cluster's event serializer.
    :param publish: ``publish(client, topic, name, payload)``, the tail of
        :meth:`.subsystem.WebSocketSubsystem.publish`.
    """
    plans: dict[str, list | None] = {}
    loads = orjson.loads

    def learn(raw_name: str) -> list | None:
        name = zeek_string(raw_name)
        ft = lookup(name)
        if not isinstance(ft, FuncType) or ft.flavor != "event":
            return None  # the full path says why
        types = [p.type for p in ft.params]
        decoders = [decoder(t) for t in types]

        def first(raw_args: list) -> bytes:
            # Until the serializer has compiled an encoder for the event
            # (it does on the first serialize_event), decode and serialize.
            args = tuple([dec(raw) for dec, raw in zip(decoders, raw_args, strict=True)])
            encode = serializer.event_encoder(name, types)
            if encode is None:
                return serializer.serialize_event(name, args, types)
            plan[3] = _converter(decoders, encode)
            return encode(args)

        plan = [name, ft, len(types), first]
        if len(plans) >= _CACHE:
            plans.clear()
        plans[raw_name] = plan
        return plan

    def ingest(client, frame) -> bool:
        try:
            obj = loads(frame)
            topic = obj["topic"]
            outer = obj["data"]
            if obj[DT] != "vector" or type(outer) is not list or len(outer) != 3:
                return False
            one, two, event = outer
            if one != _ONE or two != _ONE or type(one["data"]) is not int:
                return False
            if type(two["data"]) is not int or type(event) is not dict:
                return False
            content = event["data"]
            if event[DT] != "vector" or type(content) is not list or len(content) != 2:
                return False
            name_o, args_o = content
            if type(name_o) is not dict or type(args_o) is not dict:
                return False
            raw_name, raw_args = name_o["data"], args_o["data"]
            if name_o[DT] != "string" or args_o[DT] != "vector":
                return False
            if type(raw_name) is not str or type(raw_args) is not list:
                return False
            if type(topic) is not str or not topic.isascii():
                return False
            plan = plans.get(raw_name) or learn(raw_name)
            if plan is None:
                return False
            name, ft, nargs, convert = plan
            if lookup(name) is not ft or len(raw_args) != nargs:
                return False
            allowed = client.allowed
            if (topic, name) not in allowed:
                if len(topic) > MAX_TOPIC or client.access.refuse_publish(topic, name):
                    return False  # refused by the full path, which counts it
                if len(allowed) >= _CACHE:
                    allowed.clear()
                allowed.add((topic, name))
            payload = convert(raw_args)
        except Exception:  # noqa: BLE001 - the full path handles it and says what is wrong
            return False
        publish(client, topic, name, payload)
        return True

    return ingest


def _converter(decoders: list, encode: Callable) -> Callable[[list], bytes]:
    """``convert(raw_args) -> payload``: each argument's JSON decoded by its
    decoder and the event encoded by ``encode``, in one generated function
    per event (no per-message loop, list or zip); it raises (anything) on a
    bad argument, or on a number of them other than ``len(decoders)``."""
    env: dict = {"_enc": encode}
    names = [f"r{i}" for i in range(len(decoders))]
    for i, dec in enumerate(decoders):
        env[f"_d{i}"] = dec
    lines = ["def convert(raw_args):"]
    if names:
        lines.append(f"    {', '.join(names)}, = raw_args")
    else:
        lines.append("    () = raw_args")
    lines.append(f"    return _enc(({''.join(f'_d{i}({r}), ' for i, r in enumerate(names))}))")
    exec(compile("\n".join(lines) + "\n", "<websocket ingest converter>", "exec"), env)
    return env["convert"]
