"""The tables and sets compiled code makes (``_z_mktable``/``_z_mkset``).

:class:`Containers` is mixed into :class:`~.core.Host`: a declaration's
attributes (``&default``, ``&on_change``, ``&expire`` ...) become a local
container here; ``&backend`` and ``&broker_store`` ones come from the storage
subsystem's factory and ``&publish_on_change`` ones are tracked by the cluster.
Expiring containers share one sweep timer (Zeek's ``TableValTimer``, every
``table_expire_interval``).  It also builds ``record_fields()``' result.
"""

from __future__ import annotations

import weakref

from ..runtime.containers import Set, Table, expire_entry, new_set, new_table
from ..runtime.errors import NO_VALUE
from ..runtime.values import record_class
from ..types import RecordType, TableType, container_type_name

__all__ = ["Containers"]


class Containers:
    """Mixed into :class:`~.core.Host` (see the module docstring)."""

    def make_table(self, t: TableType, items=(), *, backend=None, name=None, **attrs) -> Table:
        """A table of type ``t`` with the declaration's attributes (``default``,
        ``default_func``, ``default_insert``, ``on_change``, ``expire``); an
        ``&backend`` one (``name``: the global it is built for) comes from the
        storage subsystem's factory."""
        return self._make_container(t, items, backend, name, attrs, self._local_table)

    def _make_container(self, t: TableType, items, backend, name, attrs: dict, local):
        """An ``&backend``/``&broker_store`` container from the storage
        subsystem's factory, else ``local(t, items, **attrs)`` (published
        when the global is declared with ``&publish_on_change``)."""
        factory = getattr(self, "backend_table_factory", None)
        if (backend is not None or "broker_store" in attrs) and factory is not None:
            return factory(t, items, backend=backend, name=name, **attrs)
        return self._published(name, attrs, lambda kw: local(t, items, **kw))

    def _published(self, name, attrs: dict, make):
        """``make(attrs)``, for a global declared with ``&publish_on_change``
        through the cluster's tracking of its changes."""
        poc = attrs.pop("publish_on_change", None)
        if poc is None or name is None:
            return make(attrs)
        on_change, declared = self.subsystems["cluster"].publish_on_change.observe(
            name, attrs.get("on_change"), poc
        )
        container = make({**attrs, "on_change": on_change})
        declared(container)
        return container

    def _local_table(
        self,
        t: TableType,
        items,
        *,
        default=None,
        default_func=None,
        default_insert=False,
        on_change=None,
        expire=None,
        ordered=False,
    ) -> Table:
        tbl = new_table(
            t,
            on_change=on_change,
            enums=self._table_change,
            expire=expire,
            now=self.loop.now,
            ordered=ordered,
        )
        for k, v in items:
            dict.__setitem__(tbl, k, v)
        if expire is not None:
            self._start_expiring(tbl)
        tbl.default = default
        tbl.default_func = default_func
        tbl.default_insert = default_insert
        return tbl

    def make_set(self, t: TableType, items=(), *, backend=None, name=None, **attrs) -> Set:
        """A set of type ``t`` (``on_change``, ``expire``; other attributes are
        ignored); ``&backend`` as for :meth:`make_table`."""
        return self._make_container(t, items, backend, name, attrs, self._local_set)

    def _local_set(
        self, t: TableType, items, *, on_change=None, expire=None, ordered=False, **_ignored
    ) -> Set:
        s = new_set(
            t,
            on_change=on_change,
            enums=self._table_change,
            expire=expire,
            now=self.loop.now,
            ordered=ordered,
        )
        for k in items:
            dict.__setitem__(s, k, None)
        if expire is not None:
            self._start_expiring(s)
        return s

    def _start_expiring(self, container) -> None:
        """Initial entries of an expiring table or set start their clock now."""
        now = self.loop.network_time
        for k in container:
            container.atimes[k] = now
        self._register_expiring(container)

    def backend_assign(self, old, new):
        """``t = <table>`` for a global ``t`` declared with ``&backend``: the
        storage subsystem replaces the contents of the replicated table (the
        declaration's attributes and the replication stay); returns the value
        the global holds afterwards."""
        assign = getattr(self, "backend_table_assign", None)
        return new if assign is None else assign(old, new)

    def with_attrs(self, value, t: TableType, **kw):
        """Apply a declaration's container attributes to an existing value."""
        if t.is_set:
            new = self.make_set(t, list(value), **kw)
        else:
            new = self.make_table(t, list(value.items()), **kw)
        return new

    def _register_expiring(self, tbl) -> None:
        key = id(tbl)
        self._expiring[key] = weakref.ref(tbl, lambda _r, key=key: self._expiring.pop(key, None))
        if self._sweep_timer is None and not self.loop.terminating:
            self._schedule_sweep()

    def _schedule_sweep(self) -> None:
        interval = self._global_value("table_expire_interval", 10.0)
        self._sweep_timer = self.loop.timers.add(
            self.loop.network_time + interval, self._sweep, "TableValTimer", self._nothing_expires
        )

    def _nothing_expires(self) -> bool:
        """The expiry sweep only keeps itself going while every expiring table is empty."""
        return not any(len(ref() or ()) for ref in self._expiring.values())

    def _sweep(self) -> None:
        self._sweep_timer = None
        now = self.loop.network_time
        for ident, ref in list(self._expiring.items()):
            tbl = ref()
            if tbl is None:
                continue
            try:
                expired = tbl.expired_keys(now)
            except Exception as exc:  # noqa: BLE001
                # As Zeek's TableVal::GetExpireTime: an interval that fails to
                # evaluate is reported and the table stops expiring.
                self.reporter.exception(exc)
                self._expiring.pop(ident, None)
                continue
            for key in expired:
                if not dict.__contains__(tbl, key):
                    continue  # removed by an earlier &expire_func (clear_table ...)
                fn = tbl.expire_func
                if fn is not None:
                    try:
                        fn = fn()  # the &expire_func expression, evaluated now
                        extra = fn(tbl, *key) if type(key) is tuple else fn(tbl, key)
                    except Exception as exc:  # noqa: BLE001
                        self.reporter.exception(exc)
                        extra = 0.0
                    if extra is NO_VALUE:  # ended without a value: expire now
                        extra = 0.0
                    if extra and extra > 0:
                        tbl.atimes[key] = now - tbl.expire_interval() + extra
                        continue
                expire_entry(tbl, key)
        if len(self._expiring) and not self.loop.terminating:
            self._schedule_sweep()

    def _global_value(self, name: str, default):
        gid = self.checker.globals.get(name)
        if gid is None:
            return default
        return self.ns.get(gid.py_name, default)

    def _record_fields(self, rt: RecordType, rec):
        table_t = self.checker.globals["record_field_table"].value
        field_rt = self.checker.globals["record_field"].value
        cls = record_class(field_rt)
        from ..runtime.values import box

        # &ordered: the fields in declaration order (Zeek's GetRecordFieldsVal).
        out = self.make_table(table_t, ordered=True)
        for f in rt.fields:
            # Zeek reports a field with a &default as optional too.
            given = {
                "f_type_name": container_type_name(f.type),
                "f_log": f.log,
                "f_optional": f.optional or f.has_default,
            }
            if rec is not None:
                try:
                    given["f_value"] = box(getattr(rec, "f_" + f.name), f.type)
                except AttributeError:
                    pass
            if f.default is not None and f.has_default:
                try:
                    given["f_default_val"] = box(f.default(), f.type)
                except Exception:  # noqa: BLE001
                    pass
            out[f.name] = cls._zmake(given)
        return out
