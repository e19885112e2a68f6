"""The cluster's script API implemented in Python (Zeek's ``cluster.bif``).

``Cluster::publish(topic, ev, args...)`` (or ``publish(topic, Cluster::Event)``)
type-checks the arguments against the event's declaration, serializes the
event with the layout's serializer and hands it to the backend; it returns F
when the node is not part of a cluster, when the arguments do not match
(with Zeek's reporter message) or when the event was dropped at the send
queue.  ``Cluster::make_event`` builds the ``Cluster::Event`` record with
the same checks.  ``Cluster::publish_hrw``/``publish_rr`` pick the topic
with the script functions ``Cluster::hrw_topic``/``rr_topic`` (the pools
live in script, as in Zeek) and publish there.
"""

from __future__ import annotations

from ..runtime.containers import Vector
from ..runtime.values import Boxed, Record, box, type_of, unbox
from ..types import ANY, FuncType, Type, VectorType, same_type

__all__ = ["register_bifs"]


class _PublishError(Exception):
    pass


def _event_and_args(vals: tuple, what: str):
    """(handler, arg values, arg types) from ``ev, args...`` or a ``Cluster::Event``."""
    if not vals:
        raise _PublishError(f"{what}: no event given")
    first = vals[0]
    if isinstance(first, Record) and len(vals) == 1 and first._rtype.name == "Cluster::Event":
        ev = first.f_ev
        args = tuple(first.f_args)
    else:
        ev = first
        args = vals[1:]
    ft = getattr(ev, "ztype", None)
    if not isinstance(ft, FuncType) or ft.flavor != "event":
        t = type_of(ev)
        raise _PublishError(f"{what}: expected an event, got {t if t is not None else 'a value'}")
    return ev, ft, _check_args(ev.name, ft, args)


def _check_args(name: str, ft: FuncType, args: tuple) -> list:
    params = ft.params
    if len(args) != len(params):
        raise _PublishError(
            f"bad number of arguments for {name}: got {len(args)}, expect {len(params)}"
        )
    out = []
    for i, (a, p) in enumerate(zip(args, params, strict=True), 1):
        actual = type_of(a)
        v = unbox(a)
        pt = p.type
        if pt.tag == "any":
            out.append(a if type(a) is Boxed else box(v, actual) if actual is not None else v)
            continue
        if actual is None or not _compatible(actual, pt):
            got = actual if actual is not None else "unknown"
            raise _PublishError(f"event parameter #{i} type mismatch, got {got}, expecting {pt}")
        if pt.tag == "double" and actual.tag in ("count", "int"):
            v = float(v)
        out.append(v)
    return out


def _compatible(actual: Type, expected: Type) -> bool:
    if same_type(actual, expected):
        return True
    if expected.tag == "int" and actual.tag == "count":
        return True
    if expected.tag == "double" and actual.tag in ("count", "int"):
        return True
    if isinstance(expected, VectorType) and isinstance(actual, VectorType):
        return actual.elem is None or expected.elem is None
    return (
        actual.tag == expected.tag
        and actual.tag in ("table", "record")
        and same_type(actual, expected)
    )


def register_bifs(host, sub) -> None:
    """Register the cluster functions on ``host`` for subsystem ``sub``."""
    reporter = host.reporter

    def publish_args(topic: str, vals: tuple, what: str) -> bool:
        try:
            ev, ft, args = _event_and_args(vals, what)
        except _PublishError as e:
            reporter.error(str(e))
            return False
        backend = sub.backend
        if backend is None:
            return False  # not connected (yet): like Zeek, nothing is sent
        types = ft.__dict__.get("_z_param_types")
        if types is None:
            types = ft._z_param_types = [p.type for p in ft.params]
        from .serializers import SerializationError

        try:
            payload = sub.serializer.serialize_event(ev.name, args, types)
        except SerializationError as e:
            reporter.error(f"{what}: {e}")
            return False
        return backend.publish(topic, sub.fmt, payload)

    def publish(topic, *vals):
        return publish_args(topic, vals, "Cluster::publish")

    def make_event(*vals):
        from ..runtime.values import record_class

        event_t = host.script_type("Cluster::Event")
        try:
            ev, ft, args = _event_and_args(vals, "Cluster::make_event")
        except _PublishError as e:
            reporter.error(str(e))
            return record_class(event_t)._zmake({"f_args": Vector(VectorType(ANY))})
        boxed = [
            a if p.type.tag == "any" else box(a, p.type)
            for a, p in zip(args, ft.params, strict=True)
        ]
        return record_class(event_t)._zmake({"f_ev": ev, "f_args": Vector(VectorType(ANY), boxed)})

    def subscribe(topic):
        if sub.backend is not None:
            return sub.backend.subscribe(topic)
        sub.pending_subscriptions.add(topic)
        return True

    def unsubscribe(topic):
        if sub.backend is not None:
            return sub.backend.unsubscribe(topic)
        if topic not in sub.pending_subscriptions:
            return False
        sub.pending_subscriptions.discard(topic)
        return True

    def script_function(name: str):
        gid = host.checker.globals.get(name)
        return host.ns.get(gid.py_name) if gid is not None else None

    def publish_pool(kind: str):
        chooser = f"Cluster::{kind}_topic"

        def fn(pool, key, *vals):
            pick = script_function(chooser)
            topic = pick(pool, key) if pick is not None else ""
            if not topic:
                return False
            return publish_args(topic, vals, f"Cluster::publish_{kind}")

        return fn

    add = host.add_bif
    add("Cluster::publish", "function(topic: string): bool", publish, varargs=True)
    add("Cluster::make_event", "function(): Cluster::Event", make_event, varargs=True)
    add("Cluster::__subscribe", "function(topic: string): bool", subscribe)
    add("Cluster::__unsubscribe", "function(topic: string): bool", unsubscribe)
    add(
        "Cluster::publish_hrw",
        "function(pool: Cluster::Pool, key: any): bool",
        publish_pool("hrw"),
        varargs=True,
    )
    add(
        "Cluster::publish_rr",
        "function(pool: Cluster::Pool, key: string): bool",
        publish_pool("rr"),
        varargs=True,
    )
    add("Cluster::Backend::__init", "function(nid: string): bool", sub.init_backend)
    add("Cluster::Backend::ZeroMQ::spawn_zmq_proxy_thread", "function(): bool", sub.spawn_proxy)
