"""``&backend`` tables and sets: a global shared by every node of a cluster.

``global t: table[string] of count &backend=Broker::MEMORY;`` makes ``t``
a replicated store named ``___sync_store_<id>`` (Zeek's name).  The master
lives on the node whose transport says ``is_master`` (the manager, or a
standalone process); every other node holds a clone.  With
``Broker::SQLITE`` the master keeps the data in
``<Broker::table_store_db_directory>/___sync_store_<id>.sqlite`` and loads
it again at the next start, so the table survives restarts.  A write is
durable once the handler that made it returns (the master's changes are
committed in one transaction per event, and a clone's writes are kept until
the master confirms them): see "Persistence and the durability promise" in
:mod:`.replication`.

The table *is* the store's data: reads are plain dict reads served from
the local copy, and only mutations go through the store (see
:mod:`.replication` for the consistency rule and what a clone sees):

* ``t[k] = v``, ``delete t[k]``, ``add s[k]``, ``delete s[k]`` and clearing
  are replicated; changes arriving from other nodes update the table and
  run its ``&on_change`` function (NEW, CHANGED, REMOVED, EXPIRED);
* ``&create_expire`` and ``&write_expire`` become per-entry expiration
  times kept by the master, which removes expired entries everywhere;
  ``&read_expire`` and ``&expire_func`` are not supported with ``&backend``
  (as in Zeek) and are reported and ignored;
* the values must be replaced, not changed in place: ``t[k]$field = x`` on
  a record value changes the local copy only (reassign ``t[k]``).

The host builds these tables through :meth:`BackendTables.factory` (the
``&backend`` hook of ``Host.make_table``, which passes the global's
qualified name); they are bound to their stores when the host starts
(when the transport, hence the node's role, is known) or, for a global
declared later (the REPL), right after its declaration.  A copy
(``copy(t)``) is an ordinary table, and so is a local.  Existing entries
from the file win over the initializer's; initial entries missing from the
file are added.  Assigning a whole table to the global (``t = table(...)``)
replaces the contents of the replicated table, which stays with its
attributes (:meth:`BackendTables.assign`).
"""

from __future__ import annotations

import os
import re
import weakref
from collections.abc import Callable

from ..runtime.containers import ObservedSet, ObservedTable, Set, Table
from ..types import TableType
from .codec import TypedCodec
from .replication import PENDING_MAX, ReplicatedStore

__all__ = [
    "BackendObservedSet",
    "BackendObservedTable",
    "BackendSet",
    "BackendTable",
    "BackendTables",
    "load_sqlite",
    "store_name_for",
]

_CHANGE_INDEX = {"new": 0, "changed": 1, "removed": 2, "expired": 3}


def store_name_for(global_name: str) -> str:
    """Zeek's store name for an ``&backend`` global."""
    return "___sync_store_" + global_name


class _StoredMixin:
    """What tables and sets share: deletes, clears and copies through ``zstore``."""

    __slots__ = ()

    def zdelete(self, key) -> None:
        super().zdelete(key)
        store = self.zstore
        if store is not None:
            store.erase(key)

    def zclear(self) -> None:
        store, self.zstore = self.zstore, None
        try:
            super().zclear()
        finally:
            self.zstore = store
        if store is not None:
            store.clear()

    def copy_empty(self):
        c = super().copy_empty()
        c.zstore = None
        return c


class _TableMixin(_StoredMixin):
    """Replicates a table's mutations through its bound store (``zstore``)."""

    __slots__ = ()

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        _replicate(self.zstore, key, value)

    def store_changed(self, kind: str, key, old, new) -> None:
        """A change made by the store (another node, expiration): run ``&on_change``."""
        if hasattr(self, "on_change"):
            value = new if kind == "new" else old
            self._notify(self.enums[_CHANGE_INDEX[kind]], key, value)


class _SetMixin(_StoredMixin):
    __slots__ = ()

    def zadd(self, key) -> None:
        super().zadd(key)
        _replicate(self.zstore, key, None)

    def store_changed(self, kind: str, key, old, new) -> None:
        if hasattr(self, "on_change"):
            self._notify(self.enums[_CHANGE_INDEX[kind]], key)


def _replicate(store, key, value) -> None:
    """Replicate a write (a clone notes it to send later: see
    :meth:`~.replication.ReplicatedStore.write_pending`)."""
    if store is not None:
        pending = store.pending
        if pending:  # the commonest case: one more write of a burst
            pending.append(key)
            pending.append(value)
            if len(pending) >= PENDING_MAX:
                store.take_writes()
        elif pending is None:
            store.table_put(key, value)
        else:
            store.write_pending(key, value)


class BackendTable(_TableMixin, Table):
    __slots__ = ("zstore",)

    def __setitem__(self, key, value, _set=dict.__setitem__):
        # The hot path of a script's writes (a plain table has no notifications).
        _set(self, key, value)
        store = self.zstore
        if store is not None:
            pending = store.pending
            if pending:
                pending.append(key)
                pending.append(value)
                if len(pending) >= PENDING_MAX:
                    store.take_writes()
            else:
                _replicate(store, key, value)


class BackendObservedTable(_TableMixin, ObservedTable):
    __slots__ = ("zstore",)


class BackendSet(_SetMixin, Set):
    __slots__ = ("zstore",)


class BackendObservedSet(_SetMixin, ObservedSet):
    __slots__ = ("zstore",)


_BACKEND_CLASSES = (BackendTable, BackendObservedTable, BackendSet, BackendObservedSet)


class _Pending:
    __slots__ = ("backend", "expire", "name", "ref")

    def __init__(self, tbl, backend: str, expire, name: str | None):
        self.ref = weakref.ref(tbl)
        self.backend = backend
        self.expire = expire
        self.name = name


class BackendTables:
    """Creates ``&backend`` tables and binds them to replicated stores.

    :param services: the storage subsystem (``now``, ``schedule``, ``report``,
        ``call_soon``, ``transport``, ``global_value``, ``enum_value``,
        ``global_names``).
    """

    def __init__(self, services):
        self.services = services
        self._pending: list[_Pending] = []
        #: Bound tables: store name -> (table, store, backend kind).
        self.bound: dict[str, tuple] = {}
        #: ``&broker_store`` tables by store name: (weak reference, expire).
        self.named: dict[str, tuple] = {}
        #: Store name -> (table, store) of the bound ``&broker_store`` tables.
        self.named_bound: dict[str, tuple] = {}
        #: The host started: tables made from now on are bound soon after.
        self.started = False
        self._bind_timer = None

    # ------------------------------------------------------------- creation

    def factory(
        self,
        t: TableType,
        items=(),
        *,
        default=None,
        default_func=None,
        default_insert=False,
        on_change=None,
        expire=None,
        backend=None,
        name=None,
        broker_store=None,
        **_ignored,
    ):
        """Build an ``&backend`` table or set (the ``Host.make_table`` hook).

        ``name`` is the qualified name of the global it initializes, if known
        (else the globals are searched when binding).
        """
        if t.is_set:
            tbl = BackendObservedSet(t) if on_change is not None else BackendSet(t)
            for k in items:
                dict.__setitem__(tbl, k, None)
        else:
            tbl = BackendObservedTable(t) if on_change is not None else BackendTable(t)
            for k, v in items:
                dict.__setitem__(tbl, k, v)
            tbl.default = default
            tbl.default_func = default_func
            tbl.default_insert = default_insert
        if on_change is not None:
            tbl.on_change = on_change
            tbl.enums = self._change_enums()
            tbl.in_change = False
        tbl.zstore = None
        if broker_store is not None:
            # Bound when the script makes the store (create_master/create_clone).
            self.named[broker_store] = (weakref.ref(tbl), expire)
            return tbl
        kind = getattr(backend, "name", str(backend)).rpartition("::")[2]
        if not self.started:
            self._pending.append(_Pending(tbl, kind, expire, name))
        elif name is not None:
            # A global declared while running (the REPL): bound once it holds it.
            self._pending.append(_Pending(tbl, kind, expire, name))
            if self._bind_timer is None:
                self._bind_timer = self.services.schedule(0.0, self.bind_all)
        return tbl

    def _change_enums(self) -> tuple:
        ev = self.services.enum_value
        return tuple(
            ev(n)
            for n in (
                "TABLE_ELEMENT_NEW",
                "TABLE_ELEMENT_CHANGED",
                "TABLE_ELEMENT_REMOVED",
                "TABLE_ELEMENT_EXPIRED",
            )
        )

    # --------------------------------------------------------------- binding

    def bind_all(self) -> None:
        """Bind every ``&backend`` global created so far to its store."""
        self.started = True
        self._bind_timer = None
        pending, self._pending = self._pending, []
        live = [(p, p.ref()) for p in pending]
        live = [(p, tbl) for p, tbl in live if tbl is not None]
        if not live:
            return
        names = None
        for p, tbl in live:
            gname = p.name
            if gname is not None:
                if self.services.global_value(gname) is not tbl:
                    continue  # replaced (a redef, a REPL re-declaration ...)
            else:
                if names is None:
                    names = self.services.global_names(_BACKEND_CLASSES)
                gname = names.get(id(tbl))
                if gname is None:
                    # A local, a record field, a value replaced before start ...
                    continue
            self._bind(store_name_for(gname), tbl, p.backend, p.expire)

    def _bind(self, name: str, tbl, kind: str, expire) -> None:
        svc = self.services
        old = self.bound.pop(name, None)
        if old is not None and old[0] is not tbl:
            # The global holds a new table (the REPL declared it again).
            old[1].close()
            old[0].zstore = None
        store_expire = None
        if expire is not None:
            ekind, interval, efunc = expire
            if ekind == "read" or efunc is not None:
                what = "&read_expire" if ekind == "read" else "&expire_func"
                svc.report(f"{what} cannot be used with &backend (table {name[14:]}); ignored")
            if ekind in ("create", "write"):
                store_expire = (ekind, interval)
        master = bool(svc.transport.is_master)
        path = self._default_path(name) if master and kind == "SQLITE" else None
        opener = self._open_nats if master and kind == "NATS" else None
        store = self._table_store(name, tbl, master, store_expire, path, open_persist=opener)
        self.bound[name] = (tbl, store, kind)

    def _table_store(
        self,
        name: str,
        tbl,
        master: bool,
        expire,
        sqlite_path: str | None,
        open_sqlite: Callable | None = None,
        open_persist: Callable | None = None,
    ):
        """A replicated store holding ``tbl``'s data, attached to the transport;
        a master with ``sqlite_path`` loads that file first and persists to it
        (with ``open_sqlite``, see :meth:`bind_named`: None if it fails); one
        with ``open_persist`` has that make and load its persistent copy
        (``open_persist(store)`` returns the loaded keys)."""
        svc = self.services
        store = ReplicatedStore(
            name,
            TypedCodec(tbl.ztype),
            master=master,
            host=svc,
            data=tbl,
            sink=tbl,
            expire=expire,
            optimistic=True,
            sweep_interval=lambda: svc.global_value("table_expire_interval", 10.0),
        )
        initial = list(tbl.items())
        loaded: set = set()
        if master and sqlite_path is not None:
            if open_sqlite is None:
                loaded = self._load(store, name, sqlite_path)
            else:
                got = open_sqlite(store, sqlite_path)
                if got is None:
                    return None
                loaded = got
        elif master and open_persist is not None:
            loaded = open_persist(store)
        tbl.zstore = store
        if master:
            for k, v in initial:
                if k not in loaded:
                    store.table_put(k, v)
        store.attach(svc.transport)
        return store

    def _default_path(self, name: str) -> str:
        directory = self.services.global_value("Broker::table_store_db_directory", ".") or "."
        return os.path.join(directory, _sanitize(name) + ".sqlite")

    def _open_nats(self, store: ReplicatedStore) -> set:
        """``&backend=Broker::NATS``: the master's copy in a NATS key-value
        bucket (``Broker::table_store_nats_url``/``..._bucket``), keys
        prefixed with the store's name; loaded now, written per commit."""
        from .nats import NATSBackend  # noqa: PLC0415 - only where NATS is used

        svc = self.services
        be = NATSBackend()
        config = {
            "url": str(svc.global_value("Broker::table_store_nats_url", "nats://127.0.0.1:4222")),
            "bucket": str(svc.global_value("Broker::table_store_nats_bucket", "zeek_tables")),
            "key_prefix": re.sub(r"[^-_A-Za-z0-9]", "_", store.name),
            "bucket_ttl": 0.0,
            "replicas": 1,
            "connect_timeout": 5.0,
            "operation_timeout": 5.0,
        }
        r = be.open(config, None, None, None)
        error = r.error_str if not r.ok else None
        loaded: set = set()
        if error is None:
            try:
                loaded = store.load(be)
            except OSError as e:
                error = str(e)
        if error is not None:
            svc.report(
                f"cannot open the store of {store.name.removeprefix('___sync_store_')}"
                f" in NATS at {config['url']}: {error}"
            )
        return loaded

    def _load(self, store: ReplicatedStore, name: str, path: str) -> set:
        loaded, error = load_sqlite(store, path)
        if error is not None:
            self.services.report(
                f"cannot open the store of {name.removeprefix('___sync_store_')} at {path}: {error}"
            )
        return loaded

    def bind_named(
        self,
        name: str,
        *,
        master: bool,
        sqlite_path: str | None = None,
        open_sqlite: Callable | None = None,
    ):
        """The replicated store of the ``&broker_store=name`` table, made its
        master or a clone (``Broker::create_master``/``create_clone``); None
        if no table names that store.  A SQLITE master's file is opened by
        ``open_sqlite(store, path)``, which returns the loaded keys or None
        when the file cannot be used (then the store is not made: False)."""
        found = self.named.get(name)
        tbl = found[0]() if found is not None else None
        if tbl is None:
            return None
        old = self.named_bound.get(name)
        if old is not None and old[0] is tbl and not old[1].closed:
            return old[1]
        store_expire = None
        expire = found[1]
        if expire is not None and expire[0] in ("create", "write") and expire[2] is None:
            store_expire = (expire[0], expire[1])
        store = self._table_store(name, tbl, master, store_expire, sqlite_path, open_sqlite)
        if store is None:
            return False
        self.named_bound[name] = (tbl, store)
        return store

    def rebind(self) -> None:
        """Re-attach every bound table after the transport changed."""
        for _tbl, store in self.named_bound.values():
            if not store.closed:
                store.attach(self.services.transport)
        for name, (tbl, store, kind) in list(self.bound.items()):
            if bool(self.services.transport.is_master) == store.master:
                store.attach(self.services.transport)
                continue
            store.close()
            tbl.zstore = None
            self._bind(name, tbl, kind, _expire_of(store))

    def assign(self, old, new):
        """``t = new`` for an ``&backend`` global holding ``old``: replace the
        contents of ``old`` (replicated: a clear, then each entry) and keep
        it, with its attributes; return the table the global holds then."""
        if not isinstance(old, _BACKEND_CLASSES):
            return new
        if new is old:
            return old
        entries = list(new) if old.ztype.is_set else list(new.items())
        old.zclear()
        if old.ztype.is_set:
            for k in entries:
                old.zadd(k)
        else:
            for k, v in entries:
                old[k] = v
        return old

    def close_all(self) -> None:
        for tbl, store, _kind in self.bound.values():
            store.close()
            tbl.zstore = None
        self.bound.clear()


def load_sqlite(
    store: ReplicatedStore,
    path: str,
    pragmas: dict | None = None,
    *,
    delete_on_failure=False,
    on_failure: Callable[[str], None] | None = None,
) -> tuple[set, str | None]:
    """Open the SQLite file ``path`` as ``store``'s persistent copy and load it:
    ``(loaded keys, None)``, or ``(set(), error)`` when it cannot be opened or
    read (``delete_on_failure``: then ``on_failure(error)`` is told, the file
    is removed and opened again, empty, as Broker's ``SQLITE_FAILURE_MODE_DELETE``)."""
    import sqlite3  # noqa: PLC0415 - only where SQLite is used

    from .sqlite import DEFAULT_PRAGMAS, SQLiteBackend  # noqa: PLC0415

    config = {
        "database_path": path,
        "table_name": "store",
        "busy_timeout": 5.0,
        "pragma_commands": dict(DEFAULT_PRAGMAS) if pragmas is None else pragmas,
    }
    be = SQLiteBackend()
    r = be.open(config, None, None, None)
    if not r.ok and delete_on_failure:
        if on_failure is not None:
            on_failure(r.error_str)
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.remove(path + suffix)
            except OSError:
                pass
        be = SQLiteBackend()
        r = be.open(config, None, None, None)
    if not r.ok:
        return set(), r.error_str
    try:
        return store.load(be), None
    except (OSError, sqlite3.Error) as e:
        return set(), str(e)


def _expire_of(store: ReplicatedStore):
    if store.expire is None:
        return None
    kind, interval = store.expire
    return (kind, interval, None)


def _sanitize(name: str) -> str:
    return "".join(c if c.isalnum() or c in "_.:-" else "_" for c in name)
