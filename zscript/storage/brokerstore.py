"""Broker-style data stores for scripts that create them explicitly.

``Broker::create_master(name, Broker::MEMORY | Broker::SQLITE, options)``
and ``Broker::create_clone(name)`` return an ``opaque of Broker::Store``;
keys and values are ``any``.  The stores are :class:`~.replication.ReplicatedStore`
objects with an :class:`~.codec.AnyCodec`, replicated over the same
transport as ``&backend`` tables.

* Queries (``exists``, ``get``, ``put_unique``, ``get_index_from_value``,
  ``keys``) must be called in a ``when`` condition with a ``timeout`` block
  (Zeek's errors otherwise) and return ``Broker::QueryResult``; masters and
  clones answer from their own copy at once, except ``put_unique`` on a
  clone, which the master decides.  The result's ``result`` field is an
  ``any`` holding the value (use ``r$result as count``; Zeek wraps it in a
  ``Broker::Data``), ``keys`` returns a set.
* Mutations (``put``, ``erase``, ``clear``, ``increment``, ``decrement``,
  ``append``, ``insert_into_set``, ``insert_into_table``, ``remove_from``,
  ``push``, ``pop``) return F only for a closed handle.  An expiration
  interval ``e`` applies from the entry's last change.  Read-modify-write
  operations run on the master, so concurrent increments are not lost.
* A SQLITE master keeps its data in ``options$sqlite$path``, by default
  ``<name>.sqlite`` in the current directory.

Not implemented: the clone's ``stale_interval`` and
``mutation_buffer_interval`` (the transport decides what happens to
messages while disconnected; the clone resynchronises afterwards) and
multi-part index values for ``insert_into_*``/``remove_from``.
"""

from __future__ import annotations

from ..runtime.asyncval import Pending, Ready
from ..runtime.builtins._support import builtin_error, located_error
from ..runtime.containers import Set, Table, Vector
from ..runtime.values import box, record_class, type_of, unbox
from ..types import COUNT, STRING, OpaqueType, TableType, same_type
from .backend import record_field
from .codec import AnyCodec
from .replication import ReplicatedStore
from .tables import load_sqlite

__all__ = ["MUTATORS", "BrokerStores", "StoreHandle"]


class StoreHandle:
    """A script's ``opaque of Broker::Store``."""

    ztype = OpaqueType("Broker::Store")

    __slots__ = ("closed", "name", "store")

    def __init__(self, name: str, store: ReplicatedStore | None):
        self.name = name
        self.store = store
        #: Closed by the script, or never open (the store could not be made).
        self.closed = store is None

    def __str__(self) -> str:
        return "Broker::Store"


# ------------------------------------------------------------- mutations


def _numeric(old, amount, sign: int):
    if old is None:
        if sign > 0:
            return amount
        t = type_of(amount)
        return box(-unbox(amount), t) if t is not None and t.tag != "count" else amount
    t = type_of(old)
    if t is None or t.tag not in ("count", "int", "double", "time", "interval"):
        raise ValueError(f"cannot add to a value of type {t}")
    v = unbox(old) + sign * unbox(amount)
    if t.tag == "count":
        v &= 0xFFFFFFFFFFFFFFFF
    elif t.tag in ("double", "time", "interval"):
        v = float(v)
    return box(v, t)


def _append(old, s):
    if old is None:
        return s
    if type(old) is not str:
        raise ValueError("append needs a string value")
    return old + s


def _container(old, kinds: tuple) -> dict | list:
    if old is None:
        raise ValueError("no such key")
    if not isinstance(old, kinds):
        raise ValueError(f"the value is not a {'/'.join(k.__name__.lower() for k in kinds)}")
    return old


def _insert_into_set(old, item):
    s = _container(old, (Set,))
    new = s.copy_empty()
    dict.update(new, s)
    dict.__setitem__(new, unbox(item), None)
    return new


def _insert_into_table(old, key, value):
    t = _container(old, (Table,))
    new = t.copy_empty()
    dict.update(new, t)
    dict.__setitem__(new, unbox(key), unbox(value))
    return new


def _remove_from(old, item):
    c = _container(old, (Set, Table))
    new = c.copy_empty()
    dict.update(new, c)
    dict.pop(new, unbox(item), None)
    return new


def _push(old, value):
    v = _container(old, (Vector,))
    return Vector(v.ztype, [*v, unbox(value)])


def _pop(old):
    v = _container(old, (Vector,))
    return Vector(v.ztype, list(v)[:-1])


#: Read-modify-write operations, run by a store's master.
MUTATORS = {
    "increment": lambda old, a: _numeric(old, a, 1),
    "decrement": lambda old, a: _numeric(old, a, -1),
    "append": _append,
    "insert_into_set": _insert_into_set,
    "insert_into_table": _insert_into_table,
    "remove_from": _remove_from,
    "push": _push,
    "pop": _pop,
}

_S = "opaque of Broker::Store"
_Q = "Broker::QueryResult"


class BrokerStores:
    """The ``Broker::`` store built-in functions of one host.

    :param sub: the :class:`~.install.StorageSubsystem`.
    """

    def __init__(self, sub):
        self.sub = sub
        self.host = sub.host
        #: name -> handle of the stores created here.
        self.stores: dict[str, StoreHandle] = {}
        self._qcls = None
        #: Set by the composition root: makes the ``Broker::Data`` of a
        #: query's result (None: no value), as Zeek's ``QueryResult$result``.
        self.wrap_result = None

    def register(self) -> None:
        add = self.host.add_bif
        add(
            "Broker::create_master",
            f"function(name: string, b: Broker::BackendType &default=Broker::MEMORY,"
            f" options: Broker::BackendOptions &default=Broker::BackendOptions()): {_S}",
            self.create_master,
        )
        add(
            "Broker::create_clone",
            "function(name: string, resync_interval: interval &default=10sec,"
            " stale_interval: interval &default=5min,"
            f" mutation_buffer_interval: interval &default=2min): {_S}",
            self.create_clone,
        )
        add("Broker::close", f"function(h: {_S}): bool", self.close)
        add("Broker::is_closed", f"function(h: {_S}): bool", self.is_closed)
        add("Broker::store_name", f"function(h: {_S}): string", self.store_name)
        for name, sig in (
            ("exists", "k: any"),
            ("get", "k: any"),
            ("put_unique", "k: any, v: any, e: interval &default=0sec"),
            ("get_index_from_value", "k: any, i: any"),
            ("keys", ""),
        ):
            params = f"h: {_S}" + (f", {sig}" if sig else "")
            add(f"Broker::{name}", f"function({params}): {_Q}", getattr(self, name), is_async=True)
        for name, sig in (
            ("put", "k: any, v: any, e: interval &default=0sec"),
            ("erase", "k: any"),
            ("clear", ""),
            ("increment", "k: any, a: any &default=1, e: interval &default=0sec"),
            ("decrement", "k: any, a: any &default=1, e: interval &default=0sec"),
            ("append", "k: any, s: string, e: interval &default=0sec"),
            ("insert_into_set", "k: any, i: any, e: interval &default=0sec"),
            ("insert_into_table", "k: any, i: any, v: any, e: interval &default=0sec"),
            ("remove_from", "k: any, i: any, e: interval &default=0sec"),
            ("push", "k: any, v: any, e: interval &default=0sec"),
            ("pop", "k: any, e: interval &default=0sec"),
        ):
            params = f"h: {_S}" + (f", {sig}" if sig else "")
            add(f"Broker::{name}", f"function({params}): bool", getattr(self, "m_" + name))

    # ------------------------------------------------------------- creation

    def create_master(self, name: str, b=None, options=None) -> StoreHandle:
        h = self.stores.get(name)
        if h is not None and not h.closed:
            return h
        if not self.sub.tables.started:
            # As Zeek (Manager::MakeMaster): no stores before Broker is up.
            located_error(self, "Broker stores cannot be created at the global scope")
            located_error(self, f"Could not create Broker master store '{name}'")
            return StoreHandle(name, None)
        kind = getattr(b, "name", "Broker::MEMORY").rpartition("::")[2]
        sq = record_field(options, "sqlite") if options is not None else None
        path = (record_field(sq, "path", "") if sq is not None else "") or f"{name}.sqlite"
        mode = record_field(sq, "failure_mode") if sq is not None else None
        delete = getattr(mode, "name", "").endswith("DELETE")
        errors: list[str] = []

        def failed(reason: str) -> None:
            self._broker_log(1, "sqlite", f"failed to open database {path}: {reason}")

        def open_sqlite(store, path):
            loaded, error = load_sqlite(
                store, path, _pragmas(sq), delete_on_failure=delete, on_failure=failed
            )
            if error is not None:
                failed(error)
                errors.append(error)
                return None
            return loaded

        opener = open_sqlite if kind == "SQLITE" else None
        bound = self.sub.tables.bind_named(
            name, master=True, sqlite_path=path if opener else None, open_sqlite=opener
        )
        if bound is None:  # no table declared &broker_store=name: a store of its own
            store = self._new_store(name, master=True)
            bound = store if opener is None or opener(store, path) is not None else False
            if bound:
                store.attach(self.sub.transport)
        if bound is False:
            # Broker's attach_master failed (Manager::MakeMaster, store.bif).
            builtin_error(self, "Failed to attach master store backend_failure:")
            builtin_error(self, f"Could not create Broker master store '{name}'")
            return StoreHandle(name, None)
        h = self.stores[name] = StoreHandle(name, bound)
        return h

    def create_clone(self, name: str, resync_interval=10.0, stale_interval=300.0, mbi=120.0):
        h = self.stores.get(name)
        if h is not None and not h.closed:
            return h
        bound = self.sub.tables.bind_named(name, master=False)
        if bound is not None:
            h = self.stores[name] = StoreHandle(name, bound)
            return h
        store = self._new_store(name, master=False)
        store.attach(self.sub.transport)
        h = self.stores[name] = StoreHandle(name, store)
        return h

    def _broker_log(self, severity: int, identifier: str, description: str) -> None:
        """A message of Broker's own log (0 critical, 1 error, 2 warning ...):
        on stderr if ``Broker::log_stderr_severity_level`` asks for it, as Zeek
        prints them (Manager::ProcessLogEvents)."""
        level = self.sub.global_value("Broker::log_stderr_severity_level")
        if severity <= getattr(level, "value", 0):
            name = ("critical", "error", "warning", "info", "verbose", "debug")[severity]
            self.host.reporter.write(f"[BROKER/{name}] {identifier}: {description}\n")

    def _new_store(self, name: str, *, master: bool) -> ReplicatedStore:
        return ReplicatedStore(
            name,
            AnyCodec(self.host.script_type),
            master=master,
            host=self.sub,
            mutators=MUTATORS,
            sweep_interval=lambda: 1.0,
        )

    def close(self, h: StoreHandle) -> bool:
        if self._invalid(h):
            return False
        h.closed = True
        h.store.close()
        if self.stores.get(h.name) is h:
            del self.stores[h.name]
        return True

    def close_all(self) -> None:
        for h in list(self.stores.values()):
            if not h.closed:
                self.close(h)

    def rebind(self) -> None:
        for h in self.stores.values():
            h.store.attach(self.sub.transport)

    def is_closed(self, h: StoreHandle) -> bool:
        return h.closed

    def store_name(self, h: StoreHandle) -> str:
        return h.name

    # --------------------------------------------------------------- queries

    def _query(self, status: str, value=None):
        cls = self._qcls
        if cls is None:
            cls = self._qcls = record_class(self.host.script_type(_Q))
        given = {"f_status": self.host.enum_value("Broker::" + status)}
        if self.wrap_result is not None:
            given["f_result"] = self.wrap_result(value)
        elif value is not None:
            given["f_result"] = value
        return cls._zmake(given)

    def _invalid(self, h: StoreHandle) -> bool:
        """A closed handle, or one whose store could not be made: Zeek's error."""
        if not h.closed:
            return False
        builtin_error(self, "invalid Broker store handle", "broker::store::{}")
        return True

    def _invalid(self, h: StoreHandle) -> bool:
        """A closed handle, or one whose store could not be made: Zeek's error."""
        if not h.closed:
            return False
        builtin_error(self, "invalid Broker store handle", "broker::store::{}")
        return True

    def _query_on(self, h: StoreHandle, answer):
        """Run query ``answer(store)`` on ``h`` as Zeek's store bifs do: in a
        ``when`` with a timeout, on a valid handle (else FAILURE at once)."""
        if not self.sub.check_when("Broker queries must specify a timeout block"):
            return Pending()
        if self._invalid(h):
            return Ready(self._query("FAILURE"))  # answered without waiting, as Zeek's
        store = h.store
        if store.master or store.epoch is not None:
            return answer(store)
        # A clone answers once it has its master's data (Broker's clone keeps
        # requests until then); without a master, the query times out.
        p = Pending()

        def synced() -> None:
            r = answer(store)
            if type(r) is Pending:
                r.callbacks.append(p.resolve)
            else:
                p.resolve(r)

        store.on_synced.append(synced)
        self.sub.keep_alive(p)
        return p

    def exists(self, h: StoreHandle, k):
        def answer(store):
            found, _ = store.lookup(store.codec.store_key(k))
            return self._query("SUCCESS", found)

        return self._query_on(h, answer)

    def get(self, h: StoreHandle, k):
        def answer(store):
            found, v = store.lookup(store.codec.store_key(k))
            if not found:
                return self._query("FAILURE")
            yt = getattr(store.codec, "yield_", None)  # the store of a &broker_store table
            return self._query("SUCCESS", box(v, yt) if yt is not None else v)

        return self._query_on(h, answer)

    def put_unique(self, h: StoreHandle, k, v, e=0.0):
        def answer(store):
            p = Pending()
            sk = store.codec.store_key(k)
            store.put_unique(sk, v, e, lambda ok: p.resolve(self._query("SUCCESS", ok)))
            if p.done:
                return p.value
            self.sub.keep_alive(p)
            return p

        return self._query_on(h, answer)

    def get_index_from_value(self, h: StoreHandle, k, i):
        def answer(store):
            found, v = store.lookup(store.codec.store_key(k))
            if not found:
                return self._query("FAILURE")
            c, idx = unbox(v), unbox(i)
            if isinstance(c, Set):
                return self._query("SUCCESS", idx in c)
            if isinstance(c, Table):
                if idx not in c:
                    return self._query("FAILURE")
                return self._query("SUCCESS", box(dict.__getitem__(c, idx), c.ztype.yield_))
            if isinstance(c, Vector) and isinstance(idx, int) and 0 <= idx < len(c):
                return self._query("SUCCESS", box(c[idx], c.ztype.elem))
            return self._query("FAILURE")

        return self._query_on(h, answer)

    def keys(self, h: StoreHandle):
        def answer(store):
            values = [store.codec.key_value(sk) for sk in store.live_keys()]
            types = [type_of(v) for v in values]
            kt = types[0] if types and all(same_type(t, types[0]) for t in types) else STRING
            out = Set(TableType([kt], None))
            for v in values:
                dict.__setitem__(out, unbox(v), None)
            return self._query("SUCCESS", out)

        return self._query_on(h, answer)

    # ------------------------------------------------------------- mutations

    def m_put(self, h: StoreHandle, k, v, e=0.0) -> bool:
        if self._invalid(h):
            return False
        h.store.put(h.store.codec.store_key(k), v, e)
        return True

    def m_erase(self, h: StoreHandle, k) -> bool:
        if self._invalid(h):
            return False
        h.store.erase(h.store.codec.store_key(k))
        return True

    def m_clear(self, h: StoreHandle) -> bool:
        if self._invalid(h):
            return False
        h.store.clear()
        return True

    def _mutate(self, h: StoreHandle, op: str, k, args: tuple, e: float) -> bool:
        if self._invalid(h):
            return False
        h.store.mutate(op, h.store.codec.store_key(k), args, e)
        return True

    def m_increment(self, h, k, a=None, e=0.0) -> bool:
        return self._mutate(h, "increment", k, (a if a is not None else _one(),), e)

    def m_decrement(self, h, k, a=None, e=0.0) -> bool:
        return self._mutate(h, "decrement", k, (a if a is not None else _one(),), e)

    def m_append(self, h, k, s, e=0.0) -> bool:
        return self._mutate(h, "append", k, (s,), e)

    def m_insert_into_set(self, h, k, i, e=0.0) -> bool:
        return self._mutate(h, "insert_into_set", k, (i,), e)

    def m_insert_into_table(self, h, k, i, v, e=0.0) -> bool:
        return self._mutate(h, "insert_into_table", k, (i, v), e)

    def m_remove_from(self, h, k, i, e=0.0) -> bool:
        return self._mutate(h, "remove_from", k, (i,), e)

    def m_push(self, h, k, v, e=0.0) -> bool:
        return self._mutate(h, "push", k, (v,), e)

    def m_pop(self, h, k, e=0.0) -> bool:
        return self._mutate(h, "pop", k, (), e)


def _one():
    return box(1, COUNT)


def _pragmas(sq) -> dict:
    """Pragmas for a ``Broker::SQLiteOptions`` record (SQLite's own defaults when unset)."""
    if sq is None:
        from .sqlite import DEFAULT_PRAGMAS  # noqa: PLC0415 - sqlite3 when used

        return dict(DEFAULT_PRAGMAS)
    out = {"integrity_check": ""} if record_field(sq, "integrity_check", False) else {}
    sync = record_field(sq, "synchronous")
    if sync is not None:
        out["synchronous"] = sync.name.rpartition("_")[2].lower()
    mode = record_field(sq, "journal_mode")
    if mode is not None:
        out["journal_mode"] = "wal" if mode.name.endswith("WAL") else "delete"
    return out
