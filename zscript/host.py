"""The composition root: a :class:`Host` is one zscript process.

Everything is wired here and nowhere else: the runtime helpers, the
built-in functions and the engine services that compiled code calls are
installed into one namespace dict, and the subsystems (cluster, logging,
storage, telemetry, WebSocket) are installed and connected.  What is loaded
before the user's scripts is decided in :mod:`zscript.loader.prelude` (Zeek's
bare and default modes); how each unit of a script is parsed, checked,
compiled and run is :class:`zscript.loader.units.ScriptLoading`.
:meth:`Host.run` then drives the :class:`~zscript.engine.loop.EventLoop`.
"""

from __future__ import annotations

import functools
import os
import sys
import weakref

from .broker.subsystem import install as install_broker
from .check.checker import Checker
from .cluster.logtransport import install as cluster_logs_install
from .cluster.storetransport import ClusterStoreTransport
from .cluster.subsystem import install as cluster_install
from .cluster.supervised import install as install_supervision
from .cluster.websocket import install as websocket_install
from .compile.codegen import CodeGen
from .config.install import install as install_config
from .diagnostics import Diagnostic, SourceFile, Span
from .engine.loop import EventLoop
from .engine.metadata_bifs import install as install_event_metadata
from .engine.reporter import Reporter
from .engine.timers import VirtualClock, WallClock
from .input.install import install as install_input
from .loader import Conditionals, resolve_load
from .loader.cache import UnitCache
from .loader.codecache import CodeCache
from .loader.prelude import load_prelude
from .loader.units import ScriptLoading
from .logs.batch import LogBatch
from .logs.install import install as install_logs
from .logs.writers import writer_samples
from .resources import stdlib_dir
from .runtime import bifs as bifs_mod
from .runtime import ops, patterns, zeekorder
from .runtime.addresses import make_addr, make_port, make_subnet
from .runtime.asyncval import Pending
from .runtime.builtins.introspection import make_backtrace
from .runtime.containers import Set, Table, expire_entry, new_set, new_table
from .runtime.errors import NO_VALUE, AssertionFailure, ZeekExit
from .runtime.literals import Literals
from .runtime.patterns import (
    make_pattern,
    pattern_problem,
    pmatch,
    psearch,
)
from .runtime.values import EnumVal, TypeVal, record_class
from .storage.install import install as install_storage
from .syntax import ast as A
from .syntax.lexer import IncompleteInput
from .syntax.pragmas import Pragmas
from .syntax.printer import expr_text
from .telemetry import sources as telemetry_sources
from .telemetry.subsystem import install as install_telemetry
from .types import FuncType, RecordType, TableType, container_type_name

__all__ = ["Host"]


class _Services:
    """Runtime services the code generator needs at compile time."""

    def __init__(self, host: Host):
        self.host = host
        self.make_pattern = make_pattern
        self.make_port = make_port
        self.make_addr = make_addr
        self.make_subnet = make_subnet
        self.TypeVal = TypeVal
        #: Literal strings with their origins, forgotten with the host.
        self.literal_string = Literals().string

    def handler(self, name: str, ztype: FuncType):
        return self.host.loop.handler(name, ztype)


def _script_id(host: Host, gid):
    """A global identifier as the introspection bifs see it."""
    kind = gid.kind
    t = gid.value if kind == "type" else gid.type
    if kind == "type":
        value = None
    elif kind == "enum":
        value = functools.partial(host.enum_value, gid.name)
    else:
        ns, py = host.ns, gid.py_name
        value = functools.partial(lambda: ns.get(py))
    attrs = [(name, None if e is None else expr_text(e)) for name, e in gid.attrs.items()]
    return bifs_mod.ScriptId(
        gid.name,
        kind,
        t,
        t.describe() if t is not None else "",
        exported=gid.is_export,
        redef=gid.is_redef,
        backend="&backend" in gid.attrs,
        attrs=[a for a in attrs if a[0].startswith("&")],
        value=value,
    )


class _BifContext(bifs_mod.BifContext):
    def __init__(self, host: Host):
        self.host = host

    def network_time(self) -> float:
        return self.host.loop.network_time

    def current_event_time(self) -> float:
        return self.host.loop.metadata.current_time()

    def set_network_time(self, t: float) -> None:
        self.host.loop.set_network_time(t)

    def terminate(self) -> bool:
        return self.host.loop.terminate()

    def raise_event(self, name: str, args: tuple) -> bool:
        return self.host.loop.raise_by_name(name, args)

    def record_field_table(self, rt, rec):
        return self.host._record_fields(rt, rec)

    def is_terminating(self) -> bool:
        return self.host.loop.terminating

    def exit(self, code: int):
        raise ZeekExit(code)

    def types_by_name(self, name: str):
        gid = self.host.checker.globals.get(name)
        return gid.value if gid is not None and gid.kind == "type" else None

    def global_value(self, name: str, default=None):
        """The current value of a script global (``max_find_all_string_length`` ...)."""
        return self.host._global_value(name, default)

    def builtin_error(self, message: str, detail: str | None = None) -> None:
        """Zeek's non-fatal builtin error, at the calling script expression."""
        from .diagnostics import render_runtime
        from .runtime.linemap import builtin_call_location, describe_node

        span, node = builtin_call_location(3)
        call = describe_node(node) or None
        text = f"{call} and {detail}" if call and detail is not None else (call or detail)
        self.host.reporter.errors += 1
        self.host.reporter.write(render_runtime("error", message, span, text))

    def reporter_error(self, message: str) -> None:
        self.host.reporter.error(message)

    def script_ids(self) -> list:
        host = self.host
        out = [_script_id(host, gid) for gid in host.checker.globals.values()]
        for m in sorted(host.checker.modules):
            out.append(
                bifs_mod.ScriptId(
                    f"module {m}",
                    "module",
                    None,
                    "module",
                    exported=False,
                    redef=False,
                    backend=False,
                    attrs=[],
                    value=None,
                )
            )
        return out

    def script_id(self, name: str):
        gid = self.host.checker.globals.get(name)
        return _script_id(self.host, gid) if gid is not None else None

    def event_handled(self, name: str) -> bool:
        h = self.host.loop.registry.lookup(name)
        return h is not None and bool(h.handlers)

    def in_script_function(self) -> bool:
        return self.host._running

    def run_blocking(self, fn):
        loop = self.host.loop
        pending = Pending()
        loop.sources += 1

        def done(fut) -> None:
            loop.sources -= 1
            exc = fut.exception()
            pending.resolve(None if exc is not None else fut.result())
            loop.wake()

        loop.add_io(lambda aloop: aloop.run_in_executor(None, fn).add_done_callback(done))
        return pending

    def reporter_warning(self, message: str) -> None:
        self.host.reporter.warnings += 1
        self.host.reporter.write(f"warning: {message}\n")

    def write_stdout(self, text: str) -> None:
        """Write script bytes (characters 0-255) to the print stream unchanged."""
        out = self.host.stdout
        if out is None:
            sys.stdout.flush()
            sys.stdout.buffer.write(text.encode("latin-1", "replace"))
            sys.stdout.buffer.flush()
        else:
            out.write(text)


class Host(ScriptLoading):
    """One zscript process: its scripts, their namespace and the event loop.

    :param node: the cluster node name (``"standalone"`` outside a cluster).
    :param bare: Zeek's bare mode (``zeek -b``): load only ``base/init-bare``
        and ``base/init-frameworks-and-bifs`` before the user's scripts; if
        false, ``base/init-default`` too (see :mod:`zscript.loader.prelude`).
    :param virtual_time: use a :class:`~.engine.timers.VirtualClock`.
    :param stdout: stream for ``print`` (default ``sys.stdout``).
    :param stderr: stream for errors and warnings (default ``sys.stderr``).
    :param options: settings for the subsystems (e.g. ``layout``: the cluster
        layout file of a cluster node).
    """

    def __init__(
        self,
        *,
        node: str = "standalone",
        bare: bool = True,
        virtual_time: bool = False,
        stdout=None,
        stderr=None,
        options: dict | None = None,
    ):
        self.node = node
        self.options: dict = dict(options or {})
        # The hash seed and the iteration order of tables: process-wide, as
        # Zeek's seed is (``zeek_order``/``seed_file`` options, else the
        # environment; see runtime.zeekorder).
        zeekorder.configure(
            zeek_order=self.options.get("zeek_order"), seed_file=self.options.get("seed_file")
        )
        #: Scripts that ``@load NAME`` finds before any file (see :meth:`provide_script`).
        self.provided: dict[str, str] = {}
        self.stdout = stdout
        self.reporter = Reporter(stderr)
        clock = VirtualClock() if virtual_time else WallClock()
        self.loop = EventLoop(self.reporter, clock)
        self.ns: dict = {"__builtins__": __builtins__}
        self.checker = Checker()
        self.codegen = CodeGen(self.ns, _Services(self))
        self.global_statements: list = []
        self.loaded: set[str] = set()
        self.diagnostics: list[Diagnostic] = []
        #: Warnings a run shows once the subsystems have started (option
        #: ``defer_usage_warnings``; see :meth:`finish_loading`).
        self.deferred_diagnostics: list[Diagnostic] = []
        self.failed = False
        #: Loading stopped where Zeek's parser would stop (Zeek's format only).
        self.parse_stopped = False
        self.pragmas = Pragmas()
        self.checker.ignore_deprecations = self.pragmas.quiet_at
        #: Where each file being loaded was loaded from (None: command line).
        self._loaded_from: list[Span | None] = []
        #: Script files in the order they were loaded, with how deeply each was
        #: nested in ``@load`` (Zeek's ``files_scanned``), for ``zeek_script_loaded``.
        self.scripts_loaded: list[tuple[str, int]] = []
        #: Set when :meth:`run` starts the event loop.
        self._running = False
        #: Tables with expiration attributes, by id (their hash follows their content).
        self._expiring: dict[int, weakref.ref] = {}
        self._sweep_timer = None
        self.checker.on_enum_added = self._enum_added
        self.checker.pattern_problem = pattern_problem
        self._install_runtime()
        self._declare_bifs()
        #: Called once loading is done, before ``zeek_init`` is queued.
        self.on_start: list = []
        #: The installed subsystems by name: each ``install(host)`` registers
        #: its built-in functions; the subsystem's ``before_frameworks()`` and
        #: ``load_scripts()`` (if any) load what this process needs
        #: (:mod:`zscript.loader.prelude` says when).
        self.subsystems: dict[str, object] = {}
        for name, install in _SUBSYSTEMS:
            self.subsystems[name] = install(self)
        self._connect_subsystems()
        self._table_change: tuple = ()  # TableChange values, once init-bare declared them
        self.bare = bare
        self.unit_cache = UnitCache.from_environment()
        self.code_cache = CodeCache.from_environment()
        self.codegen.compile_source = self.code_cache.compile
        self.codegen.compile_late = self.code_cache.compile_late
        self.checker.library_path = os.path.realpath(stdlib_dir()) + os.sep
        self.checker.in_library = True
        load_prelude(self, bare=bare)
        self.checker.in_library = False

    def init_bare_loaded(self) -> None:
        """Called by the prelude once ``base/init-bare`` declared the core types."""
        self._table_change = self._enum_values("TableChange")

    # ---------------------------------------------------------------- wiring

    def _connect_subsystems(self) -> None:
        """Connect subsystems that must not import each other (same level)."""
        logs, transport = self.subsystems.get("logs"), self.subsystems.get("cluster-logs")
        if logs is not None and transport is not None:
            # Remote logging: the cluster's PUSH/PULL pipeline carries the log batches.
            transport.connect_sink = logs.set_remote_sink
            transport.accept = lambda payload: logs.accept_remote(LogBatch.decode(payload))
        storage, cluster = self.subsystems.get("storage"), self.subsystems.get("cluster")
        if storage is not None and cluster is not None:
            # &backend tables and Broker:: stores replicate over the cluster's
            # sockets on a cluster node.  Installed before the tables are bound
            # (on_start, first), so they get their role (master on the manager)
            # at once; messages wait until the backend connects in zeek_init.
            # A node that joins later (``repl --node``) gets it then.
            stores = self.subsystems["cluster-stores"] = ClusterStoreTransport(cluster)

            def use_cluster_stores() -> None:
                if cluster.enabled and storage.transport is not stores:
                    storage.set_transport(stores)

            self.on_start.insert(0, use_cluster_stores)
            cluster.on_backend_up.append(use_cluster_stores)
        broker = self.subsystems.get("broker")
        if broker is not None and logs is not None:
            self._connect_broker(broker, logs)
        telemetry = self.subsystems.get("telemetry")
        if telemetry is not None:
            # Metric sources read the other subsystems' counters at scrape time
            # (zscript/telemetry/sources.py lists the metrics).
            cluster = self.subsystems.get("cluster")
            if cluster is not None:

                def backend_stats():
                    be = cluster.backend
                    if be is not None:
                        return be.stats.as_dict()
                    return {} if cluster.enabled else None  # None: not in a cluster

                telemetry.add_source(telemetry_sources.cluster_source(backend_stats), "cluster")
                telemetry.add_source(cluster.telemetry.samples, "cluster-verbose")
            ws = self.subsystems.get("websocket")
            if ws is not None:  # the WebSocket clients' event metrics
                telemetry.add_source(ws.telemetry.samples, "websocket-events")
            if transport is not None:
                # Remote logging drops (zscript_cluster_log_drops_total, ..._log_msg_errors_total).
                telemetry.add_source(
                    telemetry_sources.log_transport_source(
                        lambda: transport.stats() if transport.transport is not None else None
                    ),
                    "cluster-logs",
                )
            if logs is not None and hasattr(logs, "write_counts"):  # see telemetry-requests T3
                telemetry.add_source(telemetry_sources.log_source(logs.write_counts), "logs")
                # Writers' own counters (the NATS writer's acknowledged and lost records).
                telemetry.add_source(writer_samples, "log-writers")
            storage = self.subsystems.get("storage")
            if storage is not None:
                telemetry.add_source(storage.metric_samples, "storage")

    def _connect_broker(self, broker, logs) -> None:
        """Outside a cluster layout, Broker peerings carry replicated stores,
        and remote logs when Broker is the cluster backend (``zscript/broker``)."""
        cluster = self.subsystems.get("cluster")
        storage = self.subsystems.get("storage")

        def endpoint_up(ep) -> None:
            if broker.is_cluster_backend:
                logs.set_remote_sink(_BrokerLogSink(broker))
            if cluster is not None and cluster.enabled:
                return  # a cluster node replicates over the cluster's transport
            if storage is not None:
                from .broker.stores import BrokerStoreTransport

                storage.set_transport(BrokerStoreTransport(broker, ep))

        broker.on_endpoint.append(endpoint_up)
        if cluster is not None:
            cluster.backend_factories["Cluster::CLUSTER_BACKEND_BROKER"] = broker.cluster_backend
        broker.accept_log = lambda payload: logs.accept_remote(LogBatch.decode(payload))
        broker.flush_logs = logs.flush_all
        if storage is not None:
            storage.stores.wrap_result = broker.data.result

    def _install_runtime(self) -> None:
        ns = self.ns
        ns.update(ops.HELPERS)
        ops.WARNINGS[0] = self.reporter.warning_here
        ops.ERRORS[0] = self.reporter.error_here
        ops.TYPE_ERRORS[0] = self.reporter.type_error_here
        ops.PLAIN_WARNINGS[0] = self.reporter.script_warning
        out = self.stdout
        if out is None:
            write = sys.stdout.write

            def _print(*parts: str) -> None:
                write(", ".join(parts) + "\n")

        else:

            def _print(*parts: str) -> None:
                out.write(", ".join(parts) + "\n")

        ns["_z_print"] = _print
        loop = self.loop
        ns["_z_event"] = loop.event
        ns["_z_qappend"] = loop.queue.queue.append
        ns["_z_schedule"] = loop.schedule
        ns["_z_when"] = loop.triggers.when
        ns["_z_acall"] = loop.triggers.async_call
        ns["_z_acached"] = loop.triggers.cached
        ns["_z_wlocal"] = _wlocal
        ns["_z_addhandler"] = self._add_handler
        ns["_z_lazy"] = self.lazy_body
        ns["_z_mktable"] = self.make_table
        ns["_z_mkset"] = self.make_set
        ns["_z_zloop"] = zeekorder.begin_loop
        ns["_z_zdone"] = zeekorder.end_loop
        ns["_z_withattrs"] = self.with_attrs
        ns["_z_backend_assign"] = self.backend_assign
        ns["_z_pmatch"] = pmatch
        ns["_z_psearch"] = psearch
        ns["_z_assert"] = self._assert
        for name in (
            "pattern_concat",
            "pattern_union",
            "pattern_add_to",
            "pattern_lookup",
            "pattern_in",
        ):
            ns["_z_" + name] = getattr(patterns, name)

    def _declare_bifs(self) -> None:
        """Install the built-in functions.

        Each is declared lazily, when a script first names it (its signature
        parsed, its module imported): most scripts use a handful of the few
        hundred built-ins, and preparing them all would dominate start-up.
        """
        self.bif_context = _BifContext(self)
        lazy = self.checker.lazy_globals
        for name in bifs_mod.bif_names():
            lazy[name] = functools.partial(self._declare_core_bif, name)

    def _declare_core_bif(self, name: str) -> bool:
        """Declare core bif ``name`` when a script first names it (its module
        of :mod:`.runtime.builtins` is imported only then)."""
        b = bifs_mod.get_bif(name)
        py_name = "_bif_" + name.replace("::", "__")
        self.ns[py_name] = functools.partial(b.func, self.bif_context) if b.context else b.func
        return self._declare_bif(name, b, py_name)

    def _declare_bif(self, name: str, b, py_name: str) -> bool:
        decl = self.unit_cache.declaration(f"global __bif__: {b.signature};", "<bif>")
        saved = self.checker.take_diagnostics()
        t = self.checker.resolve_type(decl.type)
        bad = self.checker.take_diagnostics()
        self.checker.diags.extend(saved)
        if bad or not isinstance(t, FuncType):
            module = name.split("::", 1)[0] if "::" in name else None
            if module is not None and module not in self.checker.modules:
                # Its framework is not loaded (bare mode): the built-in does not
                # exist yet, but will once a script loads the framework.
                self.checker.lazy_globals[name] = functools.partial(
                    self._declare_bif, name, b, py_name
                )
                return False
            # A signature naming an undeclared type: a zscript bug, reported once.
            self.reporter.write(
                f"internal warning: built-in function {name} has a bad signature: {b.signature}\n"
            )
            return False
        t.varargs = b.varargs
        t.is_async = b.is_async
        if b.result is not None:
            t.result_fn = b.result
        self.checker.declare_builtin(name, t, py_name)
        return True

    def _enum_added(self, etype, name: str) -> None:
        gid = self.checker.globals.get(name)
        value = etype.values[name]
        ev = EnumVal(etype, name, value)
        if not hasattr(etype, "runtime_values"):
            etype.runtime_values = {}
        etype.runtime_values[name] = ev
        if gid is not None:
            self.ns[gid.py_name] = ev

    def _enum_values(self, type_name: str) -> tuple:
        gid = self.checker.globals.get(type_name)
        if gid is None:
            return ()
        et = gid.value
        return tuple(et.runtime_values[n] for n in et.values)

    def _add_handler(self, name: str, fn, priority) -> None:
        gid = self.checker.globals.get(name)
        self.loop.handler(name, gid.type if gid is not None else None).add(fn, int(priority))

    # ------------------------------------------------------------- containers

    def make_table(self, t: TableType, items=(), *, backend=None, name=None, **attrs) -> Table:
        """A table of type ``t`` with the declaration's attributes (``default``,
        ``default_func``, ``default_insert``, ``on_change``, ``expire``); an
        ``&backend`` one (``name``: the global it is built for) comes from the
        storage subsystem's factory."""
        factory = getattr(self, "backend_table_factory", None)
        if (backend is not None or "broker_store" in attrs) and factory is not None:
            return factory(t, items, backend=backend, name=name, **attrs)
        return self._published(name, attrs, lambda kw: self._local_table(t, items, **kw))

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
        factory = getattr(self, "backend_table_factory", None)
        if (backend is not None or "broker_store" in attrs) and factory is not None:
            return factory(t, items, backend=backend, name=name, **attrs)
        return self._published(name, attrs, lambda kw: self._local_set(t, items, **kw))

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
        from .runtime.values import box

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

    # ---------------------------------------------------------- subsystem API
    #
    # Subsystem packages (cluster, logs, storage, telemetry ...) sit below the
    # host and do not import it; their ``install(host)`` function receives the
    # host and uses only the methods in this section.

    def add_bif(
        self,
        name: str,
        signature: str,
        func,
        *,
        varargs: bool = False,
        result=None,
        is_async: bool = False,
    ) -> None:
        """Make ``func`` callable from scripts as ``name`` (signature in zscript
        syntax, parsed when a script first uses the name).

        ``is_async``: ``func`` returns a :class:`~.runtime.asyncval.Pending`;
        scripts may call it only inside a ``when`` condition, as in Zeek.
        """
        b = bifs_mod.Bif(name, signature, func, varargs, result, False, is_async)
        py_name = "_bif_" + name.replace("::", "__")
        self.ns[py_name] = func
        self.checker.lazy_globals[name] = functools.partial(self._declare_bif, name, b, py_name)

    def builtin_error(self, message: str) -> None:
        """Zeek's ``emit_builtin_error`` for subsystems' built-in functions:
        ``message`` at the calling script expression, which is shown."""
        self.bif_context.builtin_error(message)

    def fail(self, message: str, *, fatal: bool = False) -> None:
        """A subsystem's configuration error.  While loading it is a static
        error (nothing runs); at run time it is reported, and ``fatal`` ends
        the process as Zeek's ``Reporter::fatal`` does."""
        if not fatal and not self._running:
            self.diagnostics.append(Diagnostic("error", message))
            self.failed = True
            return
        self.reporter.write(f"fatal error: {message}\n" if fatal else f"error: {message}\n")
        if fatal:
            raise ZeekExit(1)
        self.reporter.errors += 1

    def script_type(self, name: str):
        """The type declared under ``name`` by the scripts (e.g. ``Cluster::Node``)."""
        gid = self.checker.globals.get(name)
        return gid.value if gid is not None and gid.kind == "type" else None

    def global_value(self, name: str, default=None):
        """The current value of a script global."""
        return self._global_value(name, default)

    def set_global(self, name: str, value) -> bool:
        gid = self.checker.globals.get(name)
        if gid is None:
            return False
        self.ns[gid.py_name] = value
        return True

    def enum_value(self, name: str):
        """The value of enumerator ``name`` (``Cluster::MANAGER``)."""
        gid = self.checker.globals.get(name)
        return self.ns.get(gid.py_name) if gid is not None and gid.kind == "enum" else None

    def raise_event(self, name: str, args: tuple) -> bool:
        """Queue event ``name`` (if it has handlers); True if queued."""
        return self.loop.raise_by_name(name, args)

    def call_hook(self, name: str, args: tuple) -> bool:
        h = self._hook(name)
        return True if h is None else h(*args)

    # --------------------------------------------------------------- asserts

    def _hook(self, name: str):
        h = self.loop.registry.lookup(name)
        return h if h is not None and h.handlers else None

    def backtrace(self, first: str | None = None, depth: int = 2):
        """A ``Backtrace`` value of the running script (Zeek's ``backtrace()``)."""
        return make_backtrace(self.bif_context, first, depth)

    def _assert(self, ok: bool, cond_text: str, msg_fn) -> None:
        result_hook = self._hook("assertion_result")
        if ok and result_hook is None:
            return
        msg = msg_fn() if msg_fn is not None else ""
        failure_hook = self._hook("assertion_failure")
        bt = self.backtrace("assert", 3) if (result_hook or failure_hook) else None
        report = True
        if result_hook is not None:
            report &= result_hook(ok, cond_text, msg, bt)
        if ok:
            return
        if failure_hook is not None:
            report &= failure_hook(cond_text, msg, bt)
        raise AssertionFailure(f"assertion failure: {cond_text}", msg or None, silent=not report)

    # -------------------------------------------------------------- running

    def run(self) -> int:
        """Run the event loop to completion; return the process exit code."""
        for option, attr, default in (
            ("exit_only_after_terminate", "exit_only_after_terminate", False),
            ("allow_network_time_forward", "time_forward", True),
        ):
            gid = self.checker.globals.get(option)
            if gid is not None:
                setattr(self.loop, attr, functools.partial(self.ns.get, gid.py_name, default))
        if self.reporter.errors:
            # As Zeek (zeek-setup.cc): an error reported while the scripts
            # were loading (a failed global initializer ...) ends the run.
            sys.stdout.flush()
            return 1
        self._running = True
        try:
            for cb in self.on_start:
                cb()
            if self.reporter.errors:
                # As Zeek (zeek-setup.cc): an error while the subsystems start
                # (InitPostScript: a store that cannot be imported ...) ends
                # the run before zeek_init, whatever ZEEK_ALLOW_INIT_ERRORS says.
                sys.stdout.flush()
                return 1
            self.loop.start([*self.global_statements, self._raise_script_loaded])
            if self.reporter.errors and not _allow_init_errors():
                # As Zeek: a runtime error while initializing is fatal.
                self.reporter.write("fatal error: errors occurred while initializing\n")
                return 1
            return self.loop.run()
        except ZeekExit as e:
            sys.stdout.flush()
            return e.code

    def _raise_script_loaded(self) -> None:
        # As Zeek (zeek-setup.cc): after zeek_init is queued and the top-level
        # statements ran, one zeek_script_loaded per script file loaded.
        h = self.loop.registry.lookup("zeek_script_loaded")
        if h is not None:
            for path, level in self.scripts_loaded:
                self.loop.event(h, (path, level))

    # ------------------------------------------------------------ REPL support
    #
    # The interactive REPL (``zscript.repl``) feeds the host one input at a
    # time, while the event loop runs; the methods below are its interface.
    #
    # Every input is a transaction for the static state.  ``failed`` is reset
    # when it starts, so an error never latches the host.  The units of an
    # input take effect one at a time, as in a script, and each unit is
    # all-or-nothing: the checker state a unit can touch is saved before it is
    # checked, and if the unit has a static error the state is restored, so
    # none of its names half-exist (declared but never compiled).  Units after
    # a failed one are still checked, for the diagnostics ``zscript check``
    # would print, then forgotten the same way; nothing after the failure runs.
    # A top-level statement runs as soon as it is compiled (before the loop
    # starts it waits for ``zeek_init`` to be queued, as in a script), and the
    # event queue drains when the input is done.
    #
    # Two conveniences bend Zeek's one-definition rule, only here: declaring a
    # ``global`` again with an initializer re-initializes it, and defining a
    # ``function`` again replaces its body (the types must still agree).

    _repl_started = False
    #: During an input: saved checker states to restore when it ends (in reverse).
    _repl_undo: list | None = None

    def repl_start(self) -> None:
        """Start an interactive session: run ``zeek_init`` (once) and the global
        statements loaded so far, and count the REPL as an I/O source so the
        loop keeps running (:meth:`~.engine.loop.EventLoop.run_async`)."""
        self._running = True
        self.checker.interactive = True
        for cb in self.on_start:
            cb()
        self.loop.start(self.global_statements, fatal=False)
        self.global_statements.clear()
        self.loop.sources += 1
        self._repl_started = True

    def repl_stop(self) -> None:
        """End the session: the loop runs Zeek's shutdown (``zeek_done``) and returns."""
        if self._repl_started:
            self._repl_started = False
            self.loop.sources -= 1
            self.loop.stop()  # other I/O sources (a cluster connection) end too

    def repl_abort(self) -> None:
        """Zeek's ``exit()``: drop all pending work, so that the shutdown which
        follows :meth:`repl_stop` dispatches nothing (no ``zeek_done``)."""
        from .engine.timers import TimerQueue

        self.loop.registry.by_name.clear()
        self.loop.queue.queue.clear()
        self.loop.triggers.clear()
        self.loop.timers = TimerQueue()

    def repl_execute(self, source: SourceFile, *, statement_mode: bool = False) -> list[Diagnostic]:
        """Process the declarations and statements of one input now.

        :param statement_mode: parse as statements from the start, so that
            ``event e(1);`` raises ``e`` instead of starting a handler.
        :returns: the input's diagnostics (errors and warnings), not yet shown.
        """
        return self._repl_transaction(
            lambda: self._repl_run_source(source, keep_module=True, statement_mode=statement_mode)
        )

    def repl_load(self, name: str) -> list[Diagnostic]:
        """``:load NAME``: load a script (a path, or a name ``@load`` finds)."""

        def body() -> None:
            path = name if os.path.isfile(name) else resolve_load(name, ".")
            if path is None:
                self.diagnostics.append(Diagnostic("error", f"can't find {name}"))
                self.failed = True
            elif os.path.realpath(path) in self.loaded:
                msg = f"{name} is already loaded (a script loads once)"
                self.diagnostics.append(Diagnostic("warning", msg))
            else:
                self._repl_load_file(str(path), None)

        return self._repl_transaction(body)

    def repl_evaluate(self, expr: A.Expr) -> tuple[str | None, list[Diagnostic]]:
        """Evaluate a parsed expression; return its value rendered as ``print``
        would (None for a void call or after an error) and the diagnostics.
        A runtime error is reported by the :class:`Reporter`, as in a script."""
        result: list[str | None] = [None]

        def body() -> None:
            from .runtime.describe import formatter

            e = self._repl_check_expr(expr)
            if e is None:
                return
            fn = self.codegen.compile_expr(e)
            try:
                value = fn()
            except (ZeekExit, KeyboardInterrupt):
                raise
            except Exception as exc:  # noqa: BLE001 - reported like any runtime error
                self.reporter.exception(exc)
                return
            if e.type.tag not in ("void", "error"):
                result[0] = formatter(e.type, True)(value)

        diags = self._repl_transaction(body)
        return result[0], diags

    def repl_type_of(self, expr: A.Expr) -> tuple[str | None, list[Diagnostic]]:
        """The static type of a parsed expression (``:type``); nothing runs and
        the checker is left as it was."""
        result: list[str | None] = [None]

        def body() -> None:
            e = self._repl_check_expr(expr, keep=False)
            if e is not None:
                result[0] = str(e.type)

        diags = self._repl_transaction(body)
        return result[0], diags

    def repl_names(self) -> dict[str, str]:
        """Every name a script can use here, with its kind: ``var``, ``const``,
        ``option``, ``type``, ``enum``, ``function``, ``event``, ``hook``,
        ``local`` (top-level locals) or ``module``."""
        ch = self.checker
        out: dict[str, str] = dict.fromkeys((m for m in ch.modules if m != "GLOBAL"), "module")
        out.update(dict.fromkeys(ch.lazy_globals, "function"))
        for name, gid in ch.globals.items():
            kind = gid.kind
            if kind == "func" and isinstance(gid.type, FuncType):
                kind = gid.type.flavor
            out[name] = kind
        for lid in ch.top.locals.values():
            out[lid.name] = "local"
        return out

    def repl_fields(self, path: list[str]) -> list[str]:
        """Field names of the record reached by ``a$b$c`` (``path`` = a, b, c)."""
        from .check.scope import full_name

        if not path:
            return []
        ch = self.checker
        name = path[0]
        ident = (
            ch.top.locals.get(full_name(ch.module, name))
            or ch.globals.get(full_name(ch.module, name))
            or ch.globals.get(full_name("GLOBAL", name))
        )
        t = ident.type if ident is not None and ident.kind != "type" else None
        for field in path[1:]:
            f = t.field(field) if isinstance(t, RecordType) else None
            t = f.type if f is not None else None
        return [f.name for f in t.fields] if isinstance(t, RecordType) else []

    def repl_globals(self, *, library: bool = False) -> list[tuple[str, str, str]]:
        """``(kind, name, type)`` of the globals declared by the user (by every
        script, bundled library and built-ins included, with ``library``)."""
        lib = str(stdlib_dir())
        out = []
        for name, gid in sorted(self.checker.globals.items()):
            span = gid.span
            if not library and (
                gid.kind == "enum"
                or span is None
                or span.file is None
                or span.file.path == "<bif>"
                or os.path.realpath(span.file.path).startswith(lib)
            ):
                continue
            kind = gid.kind
            if kind == "func" and isinstance(gid.type, FuncType):
                kind = gid.type.flavor
            t = gid.value if gid.kind == "type" else gid.type
            text = (
                t.describe_fields() if gid.kind == "type" and isinstance(t, RecordType) else str(t)
            )
            out.append((kind, name, text))
        for lid in self.checker.top.locals.values():
            out.append(("local", lid.name, str(lid.type)))
        return out

    def repl_events(self) -> list[tuple[str, str, int]]:
        """``(name, type, number of handlers)`` of every declared or handled event."""
        out = []
        for name, gid in sorted(self.checker.globals.items()):
            if isinstance(gid.type, FuncType) and gid.type.flavor == "event":
                h = self.loop.registry.lookup(name)
                out.append((name, str(gid.type), len(h.handlers) if h is not None else 0))
        return out

    # -- the transaction machinery

    def _repl_transaction(self, body) -> list[Diagnostic]:
        start = len(self.diagnostics)
        self.failed = False
        self._repl_undo = []
        self.loop.update_time()
        ch = self.checker
        try:
            body()
        finally:
            for snap in reversed(self._repl_undo):
                self._repl_restore(snap)
            self._repl_undo = None
            self.failed = False
            ch.take_diagnostics()
            ch.touched_records.clear()
            ch.func = None
            ch.in_when_cond = False
            diags = self.diagnostics[start:]
            del self.diagnostics[start:]
        if self._repl_started:
            self.loop.drain()
            self.loop.wake()  # new timers: the loop recomputes its wait
        return diags

    def _repl_check_expr(self, expr: A.Expr, *, keep: bool = True):
        """Check ``expr`` at the top level; the checked expression, or None.
        Unless ``keep``, what checking declared is forgotten when the input ends."""
        ch = self.checker
        self._repl_undo.append(self._repl_snapshot([]))
        ch.func = ch.top
        try:
            e = ch.check_expr(expr)
        finally:
            ch.func = None
        diags = ch.take_diagnostics()
        self.diagnostics.extend(diags)
        if any(d.severity == "error" for d in diags):
            self.failed = True
            return None
        if keep:
            self._repl_undo.pop()
        return e

    def _repl_run_source(
        self, source: SourceFile, *, keep_module: bool, statement_mode: bool = False
    ) -> None:
        """:meth:`load_source`, unit by unit through :meth:`_repl_unit`."""
        saved_module = self.checker.module
        if not keep_module:
            self.checker.module = self.checker.top.module = "GLOBAL"
        conds = Conditionals()
        from .syntax.parser import UnitParser

        parser = UnitParser(source, lambda d, lx: self._repl_directive(d, lx, source, conds))
        if statement_mode:
            parser.mode = "stmt"
        try:
            for unit in parser.units():
                if parser.errors:
                    self.failed = True
                self._repl_unit(unit)
        except IncompleteInput:
            pass
        finally:
            if not keep_module:
                self.checker.module = self.checker.top.module = saved_module
        if parser.errors:
            self.diagnostics.extend(parser.errors)
            self.failed = True
        if conds.depth:
            span = conds.spans[-1] or Span(source, 1, 1, 1, 1)
            msg = "unbalanced @if ... @endif (missing @endif)"
            self.diagnostics.append(Diagnostic("error", msg, span))
            self.failed = True

    def _repl_load_file(self, path: str, span: Span | None) -> None:
        opened = self.open_once(path, span)
        if opened is None:
            return
        real, text = opened
        self._repl_run_source(SourceFile(path, text), keep_module=False)
        if self.failed:
            # Not loaded: once fixed, the file can be loaded again.
            self.loaded.discard(real)

    def _repl_directive(self, d, lexer, source: SourceFile, conds) -> None:
        if d.name != "load":
            self._directive(d, lexer, source, conds)
            return
        if self.failed:
            return  # nothing after an error takes effect
        if d.arg in self.provided:
            key = "<provided>/" + d.arg
            if key not in self.loaded:
                self.loaded.add(key)
                source = SourceFile(f"<{d.arg}>", self.provided[d.arg])
                self._repl_run_source(source, keep_module=False)
            return
        # Typed input loads relative to the working directory.
        here = "." if source.path.startswith("<") else (os.path.dirname(source.path) or ".")
        target = resolve_load(d.arg, here) if d.arg else None
        if target is None:
            msg = f"can't find {d.arg}" if d.arg else "@load needs a script name"
            self.diagnostics.append(Diagnostic("error", msg, d.span))
            self.failed = True
            return
        self._repl_load_file(str(target), d.span)

    def _repl_unit(self, unit: A.Node) -> None:
        """Process one unit; see the section comment for the all-or-nothing rule."""
        snap = self._repl_snapshot(list(self._repl_unit_ids(unit)))
        if self.failed:
            # Checked for its diagnostics only, then forgotten.
            self._repl_undo.append(snap)
            self.process_unit(unit)
            return
        self._repl_relax(unit)
        n = len(self.global_statements)
        try:
            self.process_unit(unit)
            if self.failed:
                self._repl_undo.append(snap)
                return
            if self._repl_started:
                todo = self.global_statements[n:]
                del self.global_statements[n:]
                for fn in todo:
                    try:
                        fn()
                    except Exception as exc:  # noqa: BLE001 - reported, the input goes on
                        self.reporter.exception(exc)
        except KeyboardInterrupt:
            self._repl_undo.append(snap)
            raise

    def _repl_unit_ids(self, unit):
        """The existing globals a declaration may change (redef, re-declaration ...)."""
        if isinstance(unit, A.ExportDecl):
            for sub in unit.decls:
                yield from self._repl_unit_ids(sub)
            return
        name = getattr(unit, "name", None)
        if isinstance(unit, A.Decl) and isinstance(name, str):
            ch = self.checker
            gid = ch.globals.get(ch.def_name(name)) or ch.globals.get(name.lstrip(":"))
            if gid is not None:
                yield gid

    def _repl_relax(self, unit: A.Node) -> None:
        """Let a REPL input re-initialize a global or replace a function body."""
        if isinstance(unit, A.ExportDecl):
            for sub in unit.decls:
                self._repl_relax(sub)
            return
        for gid in self._repl_unit_ids(unit):
            if isinstance(unit, A.GlobalDecl) and unit.kind == "global" and gid.kind == "var":
                gid.assigned = False
            elif (
                isinstance(unit, A.FuncDecl)
                and unit.flavor == "function"
                and gid.kind == "func"
                and gid.value != "bif"
            ):
                gid.has_body = False

    def _repl_snapshot(self, ids: list) -> tuple:
        """The checker state a unit touching ``ids`` can change."""
        from .types import EnumType

        ch = self.checker
        id_state = []
        types = []
        for gid in ids:
            protos = list(gid.type.prototypes) if isinstance(gid.type, FuncType) else None
            id_state.append(
                (
                    gid,
                    gid.kind,
                    gid.type,
                    gid.value,
                    dict(gid.attrs),
                    gid.assigned,
                    gid.has_body,
                    gid.info,
                    gid.is_export,
                    protos,
                )
            )
            t = gid.value if gid.kind == "type" else None
            if isinstance(t, RecordType):
                types.append(
                    (t, list(t.fields), dict(t.field_map), [dict(f.attrs) for f in t.fields])
                )
            elif isinstance(t, EnumType):
                types.append((t, dict(t.values), t.next_value, None))
        return (
            dict(ch.globals),
            dict(ch.lazy_globals),
            set(ch.modules),
            (ch.module, ch.top.module, ch.in_export),
            dict(ch.events_raised),
            set(ch.events_handled),
            dict(ch.top.locals),
            id_state,
            types,
        )

    def _repl_restore(self, snap: tuple) -> None:
        from .types import EnumType

        ch = self.checker
        globs, lazy, modules, where, raised, handled, top_locals, id_state, types = snap
        for mapping, saved in (
            (ch.globals, globs),
            (ch.lazy_globals, lazy),
            (ch.events_raised, raised),
            (ch.top.locals, top_locals),
        ):
            mapping.clear()
            mapping.update(saved)
        ch.modules.clear()
        ch.modules.update(modules)
        ch.events_handled.clear()
        ch.events_handled.update(handled)
        ch.module, ch.top.module, ch.in_export = where
        for gid, kind, t, value, attrs, assigned, has_body, info, export, protos in id_state:
            gid.kind, gid.type, gid.value, gid.attrs = kind, t, value, attrs
            gid.assigned, gid.has_body, gid.info, gid.is_export = assigned, has_body, info, export
            if protos is not None:
                t.prototypes[:] = protos
        for t, a, b, c in types:
            if isinstance(t, EnumType):
                t.values.clear()
                t.values.update(a)
                t.next_value = b
                continue
            t.fields[:] = a
            t.field_map.clear()
            t.field_map.update(b)
            for f, fattrs in zip(t.fields, c, strict=True):
                f.attrs = fattrs
            if t.runtime_class is not None:
                t.runtime_class.refresh()


class _BrokerLogSink:
    """Remote log batches published to Broker peers (a ``LogSink``)."""

    def __init__(self, broker):
        self.broker = broker

    def send(self, batch) -> bool:
        return self.broker.send_log(batch.path, batch.encode())


#: Subsystems installed into every host, in order: (name, install function).
#: Each ``install(host)`` returns the subsystem object (``host.subsystems[name]``).
_SUBSYSTEMS: list[tuple[str, object]] = [
    ("event-metadata", install_event_metadata),
    ("cluster", cluster_install),
    ("cluster-logs", cluster_logs_install),
    ("logs", install_logs),
]
_SUBSYSTEMS.append(("storage", install_storage))
_SUBSYSTEMS.append(("telemetry", install_telemetry))
_SUBSYSTEMS.append(("websocket", websocket_install))
_SUBSYSTEMS.append(("input", install_input))
_SUBSYSTEMS.append(("config", install_config))
_SUBSYSTEMS.append(("broker", install_broker))
_SUBSYSTEMS.append(("supervisor", install_supervision))


def _allow_init_errors() -> bool:
    return bool(
        os.environ.get("ZEEK_ALLOW_INIT_ERRORS") or os.environ.get("ZSCRIPT_ALLOW_INIT_ERRORS")
    )


def _wlocal(frame, name: str, value) -> bool:
    setattr(frame, name, value)
    return True
