"""``Storage::STORAGE_BACKEND_SQLITE``: entries in a table of an SQLite file.

Options (``Storage::Backend::SQLite::Options``, field ``$sqlite``):
``database_path`` (``":memory:"`` works; missing directories are not
created), ``table_name`` (several tables may share a file),
``busy_timeout`` (5 s), ``pragma_commands`` run in order at open (Zeek's
defaults: ``quick_check``, ``journal_mode=WAL``, ``synchronous=normal``,
``temp_store=memory``; a busy database is retried every
``pragma_wait_on_busy`` for up to ``pragma_timeout``).

The schema is Zeek's, so files are interchangeable with Zeek::

    create table if not exists <table> (key_str blob primary key,
                                        value_str blob not null, expire_time real)
    create table if not exists zeek_storage_expiry_runs (ukey primary key, last_run double)

Each statement commits on its own (autocommit), except that a script's
asynchronous operations collected in one round of the event loop run in
one transaction (see :meth:`SQLiteBackend._do_many`); either way a put
that returned ``SUCCESS`` is in the file, and with ``synchronous=full`` it
survives a crash of the process or the machine.  ``quick_check``/``integrity_check``
results other than ``ok`` make the open fail (``INITIALIZATION_FAILED``),
so a corrupt file is reported instead of being written to.

Semantics follow ``src/storage/backend/sqlite/SQLite.cc``: a put with
``overwrite`` is an upsert; without it, an existing entry is only replaced
when it has expired (otherwise ``KEY_EXISTS``); a get only sees entries
that have not expired; the expiration sweep records its last run in
``zeek_storage_expiry_runs`` so that processes sharing a file do not sweep
more often than ``Storage::expire_interval``.

Besides the framework's metrics, an SQLite backend has Zeek's two gauges
``zeek_storage_sqlite_database_size_pages`` (``pragma page_count``) and
``zeek_storage_sqlite_database_size_bytes`` (the file's size), labelled
with ``config``; they keep their last values once the backend is closed.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time

from .backend import ConfigError, OperationResult, ReturnCode, StorageBackend, record_field

__all__ = ["DEFAULT_PRAGMAS", "SQLiteBackend", "record_field"]

#: Zeek's default ``pragma_commands`` (``""`` is a pragma without a value).
DEFAULT_PRAGMAS = {
    "quick_check": "",
    "journal_mode": "WAL",
    "synchronous": "normal",
    "temp_store": "memory",
}

_CHECKS = ("quick_check", "integrity_check")


class SQLiteBackend(StorageBackend):
    tag = "STORAGE_BACKEND_SQLITE"

    def __init__(self) -> None:
        super().__init__()
        self._db: sqlite3.Connection | None = None
        self._sql: dict[str, str] = {}
        #: Last values of the size gauges.
        self._pages = 0.0
        self._bytes = 0.0

    # ------------------------------------------------------------ configure

    @classmethod
    def config_from_options(cls, options) -> dict:
        sq = record_field(options, "sqlite")
        if sq is None:
            raise ConfigError("sqlite backend options not provided")
        pragmas = record_field(sq, "pragma_commands")
        return {
            "database_path": record_field(sq, "database_path", ""),
            "table_name": record_field(sq, "table_name", ""),
            "busy_timeout": float(record_field(sq, "busy_timeout", 5.0)),
            "pragma_commands": dict(pragmas) if pragmas is not None else dict(DEFAULT_PRAGMAS),
            "pragma_timeout": float(record_field(sq, "pragma_timeout", 0.5)),
            "pragma_wait_on_busy": float(record_field(sq, "pragma_wait_on_busy", 0.005)),
            "expire_interval": 15.0,
        }

    def config_label(self) -> str:
        return f"{self.config.get('database_path', '')}-{self.config.get('table_name', '')}"

    def metric_samples(self):
        labels = {"config": self.config_label()}
        if self._db is not None and self._lock.acquire(timeout=2.0):
            try:  # skipped if a worker holds the connection that long: the last value stays
                if self._db is not None:
                    self._pages = float(self._db.execute("pragma page_count").fetchone()[0])
            except sqlite3.Error:
                pass
            finally:
                self._lock.release()
        try:
            self._bytes = float(os.stat(self.config.get("database_path", "")).st_size)
        except OSError:
            pass
        yield (
            "zeek_storage_sqlite_database_size_pages",
            "gauge",
            "Storage sqlite backend value of page_count pragma",
            labels,
            self._pages,
        )
        yield (
            "zeek_storage_sqlite_database_size_bytes",
            "gauge",
            "Storage sqlite backend database file size on disk",
            labels,
            self._bytes,
        )

    # ----------------------------------------------------------------- open

    def _do_open(self, config: dict) -> OperationResult:
        path = config["database_path"]
        table = config.get("table_name") or ""
        if not table:
            return OperationResult(ReturnCode.INITIALIZATION_FAILED, "table_name must not be empty")
        try:
            db = sqlite3.connect(
                path,
                timeout=config.get("busy_timeout", 5.0),
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as e:
            return OperationResult(ReturnCode.OPERATION_FAILED, f"SQLite call failed: {e}")
        self._db = db
        for name, value in (config.get("pragma_commands") or DEFAULT_PRAGMAS).items():
            if name == "busy_timeout":
                continue
            r = self._pragma(name, value, config)
            if not r.ok:
                self._close_quietly()
                return r
        t = _ident(table)
        try:
            db.execute(
                f"create table if not exists {t} "
                "(key_str blob primary key, value_str blob not null, expire_time real)"
            )
            db.execute(
                "create table if not exists zeek_storage_expiry_runs (ukey primary key, last_run double)"
            )
            db.execute(
                "insert or ignore into zeek_storage_expiry_runs (ukey, last_run) values (?, 0)",
                (table,),
            )
        except sqlite3.Error as e:
            self._close_quietly()
            return OperationResult(
                ReturnCode.INITIALIZATION_FAILED, f"Error executing table creation statement: {e}"
            )
        self._sql = {
            "put": f"insert into {t} (key_str, value_str, expire_time) values (?, ?, ?) "
            "on conflict(key_str) do update set value_str=?, expire_time=? "
            "where expire_time > 0.0 and expire_time <= ?",
            "put_overwrite": f"insert into {t} (key_str, value_str, expire_time) values (?, ?, ?) "
            "on conflict(key_str) do update set value_str=excluded.value_str, "
            "expire_time=excluded.expire_time",
            "get": f"select value_str from {t} where key_str=? "
            "and (expire_time > ? or expire_time == 0.0)",
            "erase": f"delete from {t} where key_str=?",
            "expire": f"delete from {t} where expire_time > 0 and expire_time <= ?",
            "items": f"select key_str, value_str, expire_time from {t} "
            "where expire_time > ? or expire_time == 0.0 or expire_time is null",
            "clear": f"delete from {t}",
        }
        return OperationResult(ReturnCode.SUCCESS)

    def _pragma(self, name: str, value: str, config: dict) -> OperationResult:
        cmd = f"pragma {name}" + (f" = {value}" if value else "")
        limit = config.get("pragma_timeout", 0.5)
        wait = max(config.get("pragma_wait_on_busy", 0.005), 0.001)
        spent = 0.0
        while True:
            try:
                rows = self._db.execute(cmd).fetchall()
                break
            except sqlite3.OperationalError as e:
                if not _busy(e):
                    return _init_failed(cmd, e)
                if limit and spent >= limit:
                    return OperationResult(
                        ReturnCode.INITIALIZATION_FAILED,
                        f"Database was busy while executing '{cmd}'",
                    )
                time.sleep(wait)
                spent += wait
            except sqlite3.Error as e:
                return _init_failed(cmd, e)
        if name in _CHECKS:
            found = [str(r[0]) for r in rows]
            if found != ["ok"]:
                return OperationResult(
                    ReturnCode.INITIALIZATION_FAILED,
                    f"Database integrity check failed: {'; '.join(found) or 'no result'}",
                )
        return OperationResult(ReturnCode.SUCCESS)

    def _close_quietly(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None

    def _do_close(self) -> OperationResult:
        db, self._db = self._db, None
        if db is None:
            return OperationResult(ReturnCode.SUCCESS)
        result = OperationResult(ReturnCode.SUCCESS)
        try:
            db.execute("pragma optimize")
        except sqlite3.Error as e:
            if not _busy(e):
                result = OperationResult(
                    ReturnCode.DISCONNECTION_FAILED, f"Sqlite failed to optimize at shutdown: {e}"
                )
        try:
            db.close()
        except sqlite3.Error:
            result = OperationResult(
                ReturnCode.DISCONNECTION_FAILED, "Sqlite could not close main db connection"
            )
        return result

    # ----------------------------------------------------------- operations

    def _do_put(self, key, value, overwrite, expire_at, now) -> OperationResult:
        db = self._db
        if db is None:
            return OperationResult(ReturnCode.NOT_CONNECTED)
        try:
            if overwrite:
                db.execute(self._sql["put_overwrite"], (key, value, expire_at))
                return OperationResult(ReturnCode.SUCCESS)
            cur = db.execute(self._sql["put"], (key, value, expire_at, value, expire_at, now))
        except sqlite3.Error as e:
            return _failure(e)
        if cur.rowcount == 0:
            return OperationResult(ReturnCode.KEY_EXISTS)
        return OperationResult(ReturnCode.SUCCESS)

    def _do_get(self, key, now) -> OperationResult:
        db = self._db
        if db is None:
            return OperationResult(ReturnCode.NOT_CONNECTED)
        try:
            row = db.execute(self._sql["get"], (key, now)).fetchone()
        except sqlite3.Error as e:
            return _failure(e)
        if row is None:
            return OperationResult(ReturnCode.KEY_NOT_FOUND)
        return OperationResult(ReturnCode.SUCCESS, "", row[0])

    def _do_erase(self, key) -> OperationResult:
        db = self._db
        if db is None:
            return OperationResult(ReturnCode.NOT_CONNECTED)
        try:
            db.execute(self._sql["erase"], (key,))
        except sqlite3.Error as e:
            return _failure(e)
        return OperationResult(ReturnCode.SUCCESS)

    def _do_expire(self, now: float) -> int:
        db = self._db
        if db is None:
            return 0
        table = self.config.get("table_name", "")
        interval = self.config.get("expire_interval", 15.0)
        try:
            # "begin immediate" fails at once while another process sweeps.
            db.execute("begin immediate")
        except sqlite3.Error:
            return 0
        try:
            row = db.execute(
                "select last_run from zeek_storage_expiry_runs where ukey = ?", (table,)
            ).fetchone()
            if row is not None and now > 0 and now - (row[0] or 0.0) < interval:
                db.execute("rollback")
                return 0
            db.execute(
                "update zeek_storage_expiry_runs set last_run = ? where ukey = ?", (now, table)
            )
            n = db.execute(self._sql["expire"], (now,)).rowcount
            db.execute("commit")
            return max(n, 0)
        except sqlite3.Error:
            try:
                db.execute("rollback")
            except sqlite3.Error:
                pass
            return 0

    def _do_many(self, hooks: list[tuple]) -> list[OperationResult]:
        """A batch of asynchronous operations in one transaction; if it cannot
        commit, each runs again on its own (autocommit), so every result is
        that of its own statement and what returned SUCCESS is in the file."""
        db = self._db
        if db is None or len(hooks) == 1:
            return super()._do_many(hooks)
        try:
            db.execute("begin")
        except sqlite3.Error:
            return super()._do_many(hooks)
        results = super()._do_many(hooks)
        try:
            db.execute("commit")
            return results
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error):
                db.execute("rollback")
            return super()._do_many(hooks)

    def _do_items(self, now: float):
        if self._db is None:
            raise OSError("backend is closed")
        rows = self._db.execute(self._sql["items"], (now,)).fetchall()
        return [(bytes(k), bytes(v), float(x or 0.0)) for k, v, x in rows]

    def _do_batch(self, ops: list[tuple], now: float) -> None:
        db = self._db
        if db is None:
            raise OSError("backend is closed")
        if any(op[0] == "meta" for op in ops):
            self._meta_table()
        db.execute("begin")
        try:
            for op in ops:
                if op[0] == "put":
                    db.execute(self._sql["put_overwrite"], (op[1], op[2], op[3]))
                elif op[0] == "erase":
                    db.execute(self._sql["erase"], (op[1],))
                elif op[0] == "clear":
                    db.execute(self._sql["clear"])
                elif op[0] == "meta":
                    db.execute(self._sql["meta_put"], (op[1], op[2]))
            db.execute("commit")
        except sqlite3.Error:
            db.execute("rollback")
            raise

    def _meta_table(self) -> None:
        """``<table>_zscript_meta``: replication bookkeeping beside Zeek's table."""
        if "meta_put" in self._sql:
            return
        t = _ident(self.config.get("table_name", "") + "_zscript_meta")
        self._db.execute(f"create table if not exists {t} (name blob primary key, value blob)")
        self._sql["meta_put"] = f"insert or replace into {t} (name, value) values (?, ?)"
        self._sql["meta_items"] = f"select name, value from {t}"

    def _do_meta_items(self) -> dict[bytes, bytes]:
        if self._db is None:
            raise OSError("backend is closed")
        self._meta_table()
        return {bytes(k): bytes(v) for k, v in self._db.execute(self._sql["meta_items"])}


def _ident(name: str) -> str:
    """``name`` quoted as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _busy(e: sqlite3.Error) -> bool:
    code = getattr(e, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    text = str(e)
    return "locked" in text or "busy" in text


def _failure(e: sqlite3.Error) -> OperationResult:
    if _busy(e):
        return OperationResult(ReturnCode.TIMEOUT, f"SQLite call failed: {e}")
    if isinstance(e, sqlite3.IntegrityError):
        return OperationResult(ReturnCode.KEY_EXISTS)
    return OperationResult(ReturnCode.OPERATION_FAILED, f"SQLite call failed: {e}")


def _init_failed(cmd: str, e: sqlite3.Error) -> OperationResult:
    code = getattr(e, "sqlite_errorcode", None)
    suffix = f" ({code})" if code is not None else ""
    return OperationResult(
        ReturnCode.INITIALIZATION_FAILED, f"Error while executing '{cmd}': {e}{suffix}"
    )
