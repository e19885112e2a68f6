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

from ..runtime.addresses import Addr, Port, Subnet
from ..runtime.containers import Table, Vector, new_set, new_table
from ..runtime.linemap import caller_location
from ..runtime.patterns import Pattern
from ..runtime.values import Boxed, EnumVal, Record, box, type_of, unbox
from ..types import ANY, FuncType, TableType, Type, VectorType, same_type

__all__ = ["PublishError", "check_event_args", "publish_types", "register_bifs"]

#: Parameter types whose values are Python objects of one class (checked with ``type(a) is``).
_SELF_DESCRIBING = {
    "string": str,
    "bool": bool,
    "addr": Addr,
    "port": Port,
    "subnet": Subnet,
    "pattern": Pattern,
}
#: Parameter types whose values arrive boxed (their Python type is ambiguous).
_BOXED = ("count", "int", "double", "time", "interval")


class _PublishError(Exception):
    """A bad ``Cluster::publish``/``make_event`` call.  Zeek reports some of
    these as builtin errors, showing the call (``with_call``), the others
    with the call's location only."""

    def __init__(self, message: str, *, with_call: bool = False):
        super().__init__(message)
        self.with_call = with_call


def _event_and_args(vals: tuple):
    """(handler, its type, checked args) from ``ev, args...`` or a
    ``Cluster::Event``; None for a ``Cluster::Event`` without an event
    (what a failed ``make_event`` returns: nothing is sent)."""
    if not vals:
        raise _PublishError("no event arguments given", with_call=True)
    first = vals[0]
    if isinstance(first, Record):
        rname = first._rtype.name
        if rname != "Cluster::Event":
            raise _PublishError(f"Publish of unknown record type '{rname}'", with_call=True)
        ev = getattr(first, "f_ev", None)
        if ev is None:
            return None
        args = tuple(first.f_args)
    elif isinstance(type_of(first), FuncType):
        ev, args = first, vals[1:]
    else:
        raise _PublishError(
            f"expected function or record as first argument, got {_type_name(first)}",
            with_call=True,
        )
    ft = type_of(ev)
    return ev, ft, _check_args(_func_name(ev), ft, args)


def _is_broker_event(vals: tuple) -> bool:
    first = vals[0] if vals else None
    return isinstance(first, Record) and first._rtype.name == "Broker::Event"


def _data_value(d):
    """The value in a ``Broker::Data`` argument of a ``Broker::Event``: a
    local one holds the value and its type (``.value``, ``.t``), a received
    one is passed on as it came."""
    data = getattr(d, "f_data", None)
    t = getattr(data, "t", None)
    if t is not None and hasattr(data, "value"):
        return box(data.value, t)
    return d


def _func_name(f) -> str:
    """The script name of an event, hook or function value."""
    return getattr(f, "name", None) or getattr(f, "_zname", None) or "<function>"


def _type_name(v) -> str:
    t = type_of(v)
    return str(t) if t is not None else "any"


def _check_args(name: str, ft: FuncType, args: tuple) -> list:
    if ft.flavor != "event":
        raise _PublishError(f"unexpected function type for {name}: {ft.flavor}")
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
        if (
            isinstance(actual, TableType)
            and actual.is_unspecified
            and isinstance(pt, TableType)
            and actual.is_set == pt.is_set
            and not len(v)
        ):
            # ``table()`` / ``set()``: coerced to the parameter's type, as
            # Zeek's check_and_promote does for an unspecified table.
            out.append(new_set(pt) if pt.is_set else new_table(pt))
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


def _fast_checker(ft: FuncType):
    """``check(vals) -> list | None`` for ``Cluster::publish(topic, ev, args...)``.

    ``vals`` is ``(ev, *args)`` with the right number of arguments; ``check``
    returns the unboxed arguments when each one already has exactly its
    parameter's type (the usual case: no conversion, no error possible), else
    None, and :func:`_check_args` decides.  None instead of a function for
    events with a parameter type that has no fast check (``any``, functions...).
    """
    env: dict = {"Boxed": Boxed, "EnumVal": EnumVal, "_getattr": getattr}
    names, lines, out = [], [], []
    for i, p in enumerate(ft.params):
        t = p.type
        a = f"a{i}"
        names.append(a)
        env[f"t{i}"] = t
        if t.tag in _SELF_DESCRIBING:
            env[f"c{i}"] = _SELF_DESCRIBING[t.tag]
            lines.append(f"if type({a}) is not c{i}: return None")
            out.append(a)
        elif t.tag in _BOXED:
            lines.append(f"if type({a}) is not Boxed or {a}.t.tag != {t.tag!r}: return None")
            out.append(f"{a}.v")
        elif t.tag == "record":
            lines.append(f"if _getattr({a}, '_rtype', None) is not t{i}: return None")
            out.append(a)
        elif t.tag == "enum":
            lines.append(f"if type({a}) is not EnumVal or {a}.etype is not t{i}: return None")
            out.append(a)
        elif t.tag in ("table", "vector"):
            lines.append(f"if _getattr({a}, 'ztype', None) is not t{i}: return None")
            out.append(a)
        else:
            return None
    body = "".join(f"    {ln}\n" for ln in lines)
    unpack = f"    _, {', '.join(names)}, = vals\n" if names else ""
    src = f"def check(vals):\n{unpack}{body}    return [{', '.join(out)}]\n"
    exec(compile(src, f"<publish check {ft}>", "exec"), env)
    return env["check"]


def _publish_plan(ft: FuncType) -> tuple:
    """``(fast check or None, number of parameters, parameter types)``, cached on ``ft``."""
    plan = ft.__dict__.get("_z_publish_plan")
    if plan is None:
        plan = ft._z_publish_plan = (
            _fast_checker(ft),
            len(ft.params),
            [p.type for p in ft.params],
        )
    return plan


#: Public names for :mod:`zscript.broker`, which publishes events the same way.
PublishError = _PublishError


def check_event_args(ev, args: tuple) -> tuple[FuncType, list]:
    """``(event type, checked arguments)`` of ``ev(args...)``; raises :class:`PublishError`."""
    ft = type_of(ev)
    if not isinstance(ft, FuncType):
        raise _PublishError(f"got non-event type '{_type_name(ev)}'", with_call=True)
    return ft, _check_args(_func_name(ev), ft, args)


def publish_types(ft: FuncType) -> list[Type]:
    """The parameter types of event type ``ft`` (cached)."""
    return _publish_plan(ft)[2]


def _publish_call():
    """The span of the script's publish call being executed."""
    return caller_location(2)[0]


def register_bifs(host, sub) -> None:
    """Register the cluster functions on ``host`` for subsystem ``sub``."""
    reporter = host.reporter
    metadata = host.loop.metadata

    def report(e: _PublishError) -> None:
        # As Zeek's cluster.bif: at the script call (linemap finds it).
        if e.with_call:
            host.builtin_error(str(e))
        else:
            reporter.error(str(e), caller_location(2)[0])

    def publish_args(topic: str, vals: tuple) -> bool:
        # Fast path (bench/cluster_bench.py): an event handler and arguments
        # whose types match its parameters exactly.
        ev = vals[0] if vals else None
        ft = getattr(ev, "ztype", None)
        if type(ft) is FuncType and ft.flavor == "event":
            check, nparams, types = ft.__dict__.get("_z_publish_plan") or _publish_plan(ft)
            args = check(vals) if check is not None and len(vals) == nparams + 1 else None
            if args is None:
                try:
                    args = _check_args(ev.name, ft, vals[1:])
                except _PublishError as e:
                    report(e)
                    return False
        else:
            try:
                found = broker_event(vals[0]) if _is_broker_event(vals) else _event_and_args(vals)
            except _PublishError as e:
                report(e)
                return False
            if found is None:
                return False
            ev, ft, args = found
            types = _publish_plan(ft)[2]
        backend = sub.backend
        if backend is None:
            # Not connected (yet): nothing is sent.  Zeek's Broker manager
            # always has an endpoint, and accepts an event it has no peer to
            # send to (broker/Manager.cc, PublishEvent: true with no peers).
            return _broker_selected()
        meta = metadata.outgoing() if metadata.add_network_timestamp else None
        try:
            payload = sub.serializer.serialize_event(ev.name, args, types, meta)
        except sub.serialization_error as e:
            reported = getattr(e, "reported", None)
            report(_PublishError(reported) if reported else _PublishError(str(e), with_call=True))
            return False
        if not backend.publish(topic, sub.fmt, payload):
            return False
        if sub._verbose is not None:
            sub.count_out(ev.name, topic, len(payload), _publish_call)
        return True

    def publish(topic, *vals):
        return publish_args(topic, vals)

    def _broker_selected() -> bool:
        return str(host.global_value("Cluster::backend", "")) == "Cluster::CLUSTER_BACKEND_BROKER"

    def broker_event(rec):
        """(handler, its type, checked args) of a ``Broker::make_event`` result,
        which only the Broker backend publishes (Zeek's cluster.bif)."""
        if not _broker_selected():
            raise _PublishError(
                "Publish of Broker::Event record instance with type 'Broker::Event'"
                " to a non-Broker backend",
                with_call=True,
            )
        name = getattr(rec, "f_name", None)
        ev = script_function(name) if name else None
        if ev is None:
            return None  # a make_event that failed: nothing is sent
        args = tuple(_data_value(d) for d in rec.f_args)
        ft = type_of(ev)
        return ev, ft, _check_args(name, ft, args)

    def make_event(*vals):
        from ..runtime.values import record_class

        event_t = host.script_type("Cluster::Event")
        try:
            if not vals:
                raise _PublishError("not enough arguments", with_call=True)
            ev = vals[0]
            ft = type_of(ev)
            if not isinstance(ft, FuncType):
                raise _PublishError(f"got non-event type '{_type_name(ev)}'", with_call=True)
            args = _check_args(_func_name(ev), ft, vals[1:])
        except _PublishError as e:
            report(e)
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
            return publish_args(topic, vals)

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

    def generate_keypair():
        from .curve import generate_keypair as keypair

        public, secret = keypair()
        return Table(
            host.script_type("table_string_of_string"), {"public": public, "secret": secret}
        )

    poc = sub.publish_on_change
    add(
        "Cluster::apply_table_change_infos",
        "function(tcheader: Cluster::TableChangeHeader, table_change_infos: Cluster::TableChangeInfos): bool",
        poc.apply_bif,
    )
    add(
        "Cluster::__publish_table",
        "function(topic: string, table_val: any, batch_size: count): bool",
        poc.publish_table_bif,
    )
    add("Cluster::Backend::__init", "function(nid: string): bool", sub.init_backend)
    add(
        "Cluster::Backend::ZeroMQ::generate_keypair",
        "function(): table_string_of_string",
        generate_keypair,
    )
    add("Cluster::Backend::ZeroMQ::spawn_zmq_proxy_thread", "function(): bool", sub.spawn_proxy)
