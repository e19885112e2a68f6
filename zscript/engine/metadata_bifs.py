"""The ``EventMetadata`` script API (Zeek's ``zeek.bif``), over :mod:`.metadata`.

``EventMetadata::register(id, type)``, ``EventMetadata::current(id)`` and
``EventMetadata::current_all()``; ``current_event_time()`` reads the same
metadata.  When the run starts, the ``EventMetadata::add_network_timestamp``
and ``add_missing_remote_network_timestamp`` options are read once, as Zeek
reads them (``EventMgr::InitPostScript``), and the first turns on the
stamping queue append (:meth:`.metadata.EventMetadata.enable`).
"""

from __future__ import annotations

from ..runtime.containers import Vector
from ..runtime.values import EnumVal, TypeVal, box, record_class
from ..types import ANY, VectorType

__all__ = ["install"]

_ANY_VEC = VectorType(ANY)


def install(host):
    """Register the bifs on ``host``; returns the loop's :class:`~.metadata.EventMetadata`."""
    md = host.loop.metadata

    def register(ident: EnumVal, t) -> bool:
        if not isinstance(t, TypeVal):
            host.builtin_error("register_event_metadata() expects type")
            return False
        return md.register(ident.value, t.type)

    def current(ident: EnumVal) -> Vector:
        t = md.type_of(ident.value)
        return Vector(_ANY_VEC, [box(v, t) for v in md.values(ident.value)])

    def current_all() -> Vector:
        vec_t = host.script_type("event_metadata_vec")
        out = Vector(vec_t)
        meta = md.current
        if not meta:
            return out
        entry = record_class(host.script_type("EventMetadata::Entry"))
        id_type = host.script_type("EventMetadata::ID")
        by_number = {ev.value: ev for ev in id_type.runtime_values.values()}
        for i, v in meta:
            t = md.type_of(i)
            if t is not None:
                out.append(entry._zmake({"f_id": by_number.get(i), "f_val": box(v, t)}))
        return out

    host.add_bif(
        "EventMetadata::register", "function(id: EventMetadata::ID, t: any): bool", register
    )
    host.add_bif("EventMetadata::current", "function(id: EventMetadata::ID): any_vec", current)
    host.add_bif("EventMetadata::current_all", "function(): event_metadata_vec", current_all)
    host.on_start.append(lambda: _start(host))
    return md


def _start(host) -> None:
    add = bool(host.global_value("EventMetadata::add_network_timestamp", False))
    missing = bool(host.global_value("EventMetadata::add_missing_remote_network_timestamp", False))
    if missing and not add:
        host.fail(
            "Setting EventMetadata::add_missing_remote_network_timestamp is only valid"
            " together with EventMetadata::add_network_timestamp",
            fatal=True,
        )
    if add:
        host.ns["_z_qappend"] = host.loop.enable_network_timestamps(missing)
