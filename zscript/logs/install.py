"""Wiring the logging framework into a host.

:func:`install` (listed in the host's ``SUBSYSTEMS``) creates the process's
:class:`~.manager.LogManager` with :class:`HostServices`, registers the
built-in functions the scripts in ``stdlib/base/frameworks/logging`` call
(Zeek's ``logging.bif``: ``Log::__create_stream``, ``Log::__add_filter``,
``Log::__write`` ...), and hooks shutdown: buffers are flushed when shutdown
begins and the writers closed when it ends.

The bifs translate script values into the manager's Python specs: a
``Log::Stream`` record becomes a :class:`~.manager.StreamSpec`, a
``Log::Filter`` a :class:`~.manager.FilterSpec`; ``Log::ID`` enumerators
are the stream ids.  Script callbacks (policy hooks, ``path_func``,
``ext_func``, ``Log::rotation_format_func``, rotation postprocessors) are
called as the compiled functions they are.

The cluster layer reaches the manager as ``host.subsystems["logs"]`` and
connects it with :meth:`~.manager.LogManager.set_remote_sink` and
:meth:`~.manager.LogManager.accept_remote`.
"""

from __future__ import annotations

import os

from ..runtime.values import EnumVal, TypeVal, record_class
from ..types import FuncType, RecordType, same_type
from .limits import Limits
from .manager import FilterSpec, LogManager, StreamSpec
from .printlog import install_redirect
from .services import LogServices

__all__ = ["HostServices", "install"]


class HostServices(LogServices):
    """:class:`~.services.LogServices` backed by a host's loop, globals and reporter."""

    def __init__(self, host):
        super().__init__()
        self.host = host
        self._stream_hook = None

    def network_time(self) -> float:
        return self.host.loop.network_time

    def is_terminating(self) -> bool:
        return self.host.loop.terminating

    def add_timer(self, when: float, callback, kind: str = ""):
        report = self.host.reporter.exception

        def guarded() -> None:
            try:
                callback()
            except Exception as exc:  # noqa: BLE001 - reported like a script error
                report(exc)

        return self.host.loop.timers.add(when, guarded, kind)

    def option(self, name: str, default):
        v = self.host.global_value(name, default)
        return v.name if type(v) is EnumVal else v

    def raise_event(self, event, args: tuple) -> None:
        self.host.loop.event(event, args)

    def stream_policy(self, rec, stream_id) -> bool:
        h = self._stream_hook
        if h is None:
            h = self._stream_hook = self.host.loop.registry.lookup("Log::log_stream_policy")
            if h is None:
                return True
        return True if not h.handlers else h(rec, stream_id)

    def error(self, message: str) -> None:
        self.host.reporter.error(message)

    def warning(self, message: str) -> None:
        rep = self.host.reporter
        rep.warnings += 1
        rep.write(f"warning: {message}\n")

    def info(self, message: str) -> None:
        self.host.reporter.info(message)

    def writer_error(self, message: str) -> None:
        # Printed as an error, not counted: it cannot make initialization fail.
        self.host.reporter.write(f"error: {message}\n")

    def fatal(self, message: str) -> None:
        self.host.fail(message, fatal=True)

    def weird(self, name: str, addl: str) -> None:
        # Zeek's Reporter::Weird without a connection: net_weird(name, addl, source).
        self.host.raise_event("net_weird", (name, addl, ""))

    # -------------------------------------------------------------- rotation

    def _record(self, type_name: str, fields: dict):
        return record_class(self.host.script_type(type_name))._zmake(fields)

    def _postprocessor(self, postprocessor):
        if postprocessor is not None:
            return postprocessor
        return self.host.global_value("Log::__default_rotation_postprocessor")

    def postprocessor_named(self, name: str):
        fn = self.host.global_value(name)
        ft = _ftype(fn)
        dt = _ftype(self.host.global_value("Log::__default_rotation_postprocessor"))
        return fn if ft is not None and dt is not None and same_type(ft, dt) else None

    def rotation_path(self, writer, path, open_time, close_time, terminating, postprocessor) -> str:
        """``Log::rotation_format_func``, then directory handling as in Zeek."""
        host = self.host
        func = host.global_value("Log::rotation_format_func")
        info = self._record(
            "Log::RotationFmtInfo",
            {
                "f_writer": host.enum_value(writer),
                "f_path": path,
                "f_open": open_time,
                "f_close": close_time,
                "f_terminating": terminating,
                "f_postprocessor": self._postprocessor(postprocessor),
            },
        )
        try:
            rp = func(info)
            prefix, directory = rp.f_file_basename, rp.f_dir
        except Exception as exc:  # noqa: BLE001 - Zeek falls back to a fixed name
            host.reporter.exception(exc)
            fallback = super().rotation_path(writer, path, open_time, close_time, terminating, None)
            self.error(
                f"Failed to call Log::rotation_format_func for path {path} "
                f"continuing with rotation to: ./{fallback}"
            )
            return fallback
        logdir = str(self.option("Log::default_logdir", ""))
        if not directory and logdir:
            directory = logdir
        if directory:
            try:
                os.makedirs(directory, exist_ok=True)
            except OSError as e:
                self.error(
                    f"Failed to create dir '{directory}' returned by Log::rotation_format_func "
                    f"for path {path}: {e.strerror}"
                )
                directory = ""
        return os.path.join(directory, prefix) if directory else prefix

    def rotation_finished(
        self, writer, new_name, path, open_time, close_time, terminating, postprocessor
    ) -> bool:
        info = self._record(
            "Log::RotationInfo",
            {
                "f_writer": self.host.enum_value(writer),
                "f_fname": new_name,
                "f_path": path,
                "f_open": open_time,
                "f_close": close_time,
                "f_terminating": terminating,
            },
        )
        return bool(self._postprocessor(postprocessor)(info))


# -------------------------------------------------------------------- specs


def _opt(rec, name: str, default=None):
    return getattr(rec, "f_" + name, default)


def _ftype(fn) -> FuncType | None:
    t = getattr(fn, "_ztype", None) or getattr(fn, "ztype", None)
    return t if isinstance(t, FuncType) else None


def _stream_spec(mgr: LogManager, stream) -> StreamSpec | None:
    err = mgr.services.error
    cols = _opt(stream, "columns")
    columns = cols.type if type(cols) is TypeVal else None
    if not isinstance(columns, RecordType):
        err("columns of a log stream must be a record type")
        return None
    ev = _opt(stream, "ev")
    if ev is not None:
        ft = _ftype(ev)
        if ft is None or ft.flavor != "event":
            err("stream event is a function, not an event")
            return None
        if len(ft.params) != 1:
            err("stream event must take a single argument")
            return None
        if not same_type(ft.params[0].type, columns):
            err("stream event's argument type does not match column record type")
            return None
    given = [_opt(stream, "max_" + name) for name in Limits._fields]
    limits = Limits(*map(int, given)) if None not in given else None
    return StreamSpec(columns, ev, _opt(stream, "policy"), _opt(stream, "path"), limits)


def _filter_spec(fval) -> FilterSpec:
    writer = _opt(fval, "writer")
    path_func = _opt(fval, "path_func")
    pf_rec = None
    ft = _ftype(path_func)
    if ft is not None and len(ft.params) >= 3 and isinstance(ft.params[2].type, RecordType):
        pf_rec = ft.params[2].type
    ext_func = _opt(fval, "ext_func")
    ft = _ftype(ext_func)
    ext_type = ft.ret if ft is not None and isinstance(ft.ret, RecordType) else None
    include = _opt(fval, "include")
    exclude = _opt(fval, "exclude")
    return FilterSpec(
        name=_opt(fval, "name", ""),
        writer=writer.name if type(writer) is EnumVal else "Log::WRITER_ASCII",
        path=_opt(fval, "path"),
        path_func=path_func,
        path_func_rec=pf_rec,
        include=set(include) if include is not None else None,
        exclude=set(exclude) if exclude is not None else None,
        log_local=bool(_opt(fval, "log_local", True)),
        log_remote=bool(_opt(fval, "log_remote", True)),
        field_name_map=dict(_opt(fval, "field_name_map", None) or {}),
        scope_sep=_opt(fval, "scope_sep", "."),
        ext_prefix=_opt(fval, "ext_prefix", "_"),
        ext_func=ext_func if ext_type is not None else None,
        ext_type=ext_type,
        interval=float(_opt(fval, "interv", 0.0)),
        postprocessor=_opt(fval, "postprocessor"),
        config=dict(_opt(fval, "config", None) or {}),
        policy=_opt(fval, "policy"),
        value=fval,
    )


# --------------------------------------------------------------------- bifs


def _register_bifs(host, mgr: LogManager) -> None:
    def create_stream(sid, stream) -> bool:
        spec = _stream_spec(mgr, stream)
        return spec is not None and mgr.create_stream(sid, spec)

    def add_filter(sid, fval) -> bool:
        return mgr.add_filter(sid, _filter_spec(fval))

    def flush_all() -> bool:
        mgr.flush_all()
        return True

    def run_postprocessor_cmd(cmd: str, env) -> bool:
        environ = dict(os.environ)
        environ.update({"ZEEK_ARG_" + k: v for k, v in (env or {}).items()})
        import subprocess  # not at start-up

        try:
            subprocess.Popen(["/bin/sh", "-c", cmd], env=environ)  # noqa: S603 - Zeek's system_env
        except OSError as e:
            mgr.services.error(f"failed to run rotation postprocessor '{cmd}': {e.strerror}")
            return False
        return True

    add = host.add_bif
    add("Log::__create_stream", "function(id: Log::ID, stream: Log::Stream): bool", create_stream)
    add("Log::__remove_stream", "function(id: Log::ID): bool", mgr.remove_stream)
    add("Log::__enable_stream", "function(id: Log::ID): bool", mgr.enable_stream)
    add("Log::__disable_stream", "function(id: Log::ID): bool", mgr.disable_stream)
    add("Log::__add_filter", "function(id: Log::ID, filter: Log::Filter): bool", add_filter)
    add("Log::__remove_filter", "function(id: Log::ID, name: string): bool", mgr.remove_filter)
    add("Log::__write", "function(id: Log::ID, columns: any): bool", mgr.write)
    add("Log::__set_buf", "function(id: Log::ID, buffered: bool): bool", mgr.set_buf)
    add("Log::__flush", "function(id: Log::ID): bool", mgr.flush)
    add("Log::flush_all", "function(): bool", flush_all)
    add(
        "Log::__run_postprocessor_cmd",
        "function(cmd: string, env: table[string] of string): bool",
        run_postprocessor_cmd,
    )


def _rotate_leftover_logs(services: HostServices) -> None:
    """Before ``zeek_init`` (Zeek: the ASCII writer plugin's ``InitPostScript``)."""
    if services.option("LogAscii::enable_leftover_log_rotation", False):
        from .writers.leftover import rotate_leftover_logs  # noqa: PLC0415 - rarely used

        rotate_leftover_logs(services)


def install(host) -> LogManager:
    """Create the host's log manager and register the logging bifs."""
    mgr = LogManager(HostServices(host))
    _register_bifs(host, mgr)
    host.on_start.append(lambda: _rotate_leftover_logs(mgr.services))
    host.on_start.append(lambda: install_redirect(host, mgr))
    host.loop.on_shutdown.append(mgr.begin_shutdown)
    host.loop.on_exit.append(mgr.terminate)
    return mgr
