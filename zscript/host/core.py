"""The :class:`Host`: one zscript process, composed here and nowhere else.

Creating a host makes its event loop, checker, code generator and script
namespace, installs the built-in functions (declared when a script first
names them) and the subsystems (:mod:`.wiring`), then loads the library
(:mod:`zscript.loader.prelude`).  Loading the user's scripts is
:class:`~zscript.loader.units.ScriptLoading`; the containers compiled code
makes are :class:`~.containers.Containers`; the REPL's interface is
:class:`~.interactive.Interactive`.  :meth:`Host.run` drives the loop; the
methods under "subsystem API" are all a subsystem's ``install(host)`` uses.
"""

from __future__ import annotations

import functools
import os
import sys
import weakref

from ..check.checker import Checker
from ..compile.codegen import CodeGen
from ..diagnostics import Diagnostic, Span
from ..engine.loop import EventLoop
from ..engine.reporter import Reporter
from ..engine.timers import VirtualClock, WallClock
from ..loader.cache import UnitCache
from ..loader.codecache import CodeCache
from ..loader.prelude import load_prelude
from ..loader.units import ScriptLoading
from ..resources import stdlib_dir
from ..runtime import bifs as bifs_mod
from ..runtime import zeekorder
from ..runtime.builtins.introspection import make_backtrace
from ..runtime.errors import AssertionFailure, ZeekExit
from ..runtime.patterns import pattern_problem
from ..runtime.values import EnumVal
from ..syntax.pragmas import Pragmas
from ..types import FuncType
from .containers import Containers
from .interactive import Interactive
from .services import HostBifContext, Services
from .wiring import install_runtime, install_subsystems

__all__ = ["Host"]


class Host(ScriptLoading, Containers, Interactive):
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
        self.codegen = CodeGen(self.ns, Services(self))
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
        install_runtime(self)
        self._declare_bifs()
        #: Called once loading is done, before ``zeek_init`` is queued.
        self.on_start: list = []
        #: The installed subsystems by name: each ``install(host)`` registers
        #: its built-in functions; the subsystem's ``before_frameworks()`` and
        #: ``load_scripts()`` (if any) load what this process needs
        #: (:mod:`zscript.loader.prelude` says when).
        self.subsystems: dict[str, object] = {}
        install_subsystems(self)
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

    def _declare_bifs(self) -> None:
        """Install the built-in functions.

        Each is declared lazily, when a script first names it (its signature
        parsed, its module imported): most scripts use a handful of the few
        hundred built-ins, and preparing them all would dominate start-up.
        """
        self.bif_context = HostBifContext(self)
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


def _allow_init_errors() -> bool:
    return bool(
        os.environ.get("ZEEK_ALLOW_INIT_ERRORS") or os.environ.get("ZSCRIPT_ALLOW_INIT_ERRORS")
    )
