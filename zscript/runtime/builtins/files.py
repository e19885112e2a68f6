"""Built-in functions on files and directories (Zeek's src/zeek.bif, "Files
and Directories").

Provides: open, open_for_append, close, write_file, set_buf, flush_all,
active_file, get_file_name, file_size, enable_raw_output, rotate_file,
rotate_file_by_name, mkdir, rmdir, unlink, rename.

Failures of the directory operations are warnings that name the file and
the system's reason (``cannot remove directory 'x': No such file or
directory``) and return F, as in Zeek.
"""

from __future__ import annotations

import os

from .. import files
from ..bifs import bif
from ..files import ScriptFile, rotate_path
from ..values import record_class
from ._support import reporter_warning, script_type

__all__ = []


def _now(ctx) -> float:
    return ctx.network_time()


@bif("open", "function(f: string): file", context=True)
def open_(ctx, f):
    return ScriptFile(f, "wb", _now(ctx))


@bif("open_for_append", "function(f: string): file", context=True)
def open_for_append(ctx, f):
    return ScriptFile(f, "ab", _now(ctx))


@bif("close", "function(f: file): bool")
def close(f):
    return f.close()


@bif("write_file", "function(f: file, data: string): bool")
def write_file(f, data):
    return f is not None and f.write(data)


@bif("set_buf", "function(f: file, buffered: bool): any")
def set_buf(f, buffered):
    f.buffered = buffered
    return True


@bif("flush_all", "function(): bool")
def flush_all():
    files.flush_all()
    return True


@bif("active_file", "function(f: file): bool")
def active_file(f):
    return f.is_open


@bif("get_file_name", "function(f: file): string")
def get_file_name(f):
    return "" if f is None else f.name


@bif("file_size", "function(f: string): double")
def file_size(f):
    try:
        return float(os.stat(f).st_size)
    except OSError:
        return -1.0


@bif("enable_raw_output", "function(f: file): any")
def enable_raw_output(f):
    f.raw_output = True


def _rotate_info(ctx, old: str, new: str, opened: float, closed: float):
    cls = record_class(script_type(ctx, "rotate_info"))
    return cls._zmake({"f_old_name": old, "f_new_name": new, "f_open": opened, "f_close": closed})


@bif("rotate_file", "function(f: file): rotate_info", context=True)
def rotate_file(ctx, f):
    now = _now(ctx)
    moved = f.rotate(now)
    if moved is None:
        return _rotate_info(ctx, "", "", 0.0, 0.0)
    new_name, opened = moved
    return _rotate_info(ctx, f.name, new_name, opened, now)


@bif("rotate_file_by_name", "function(f: string): rotate_info", context=True)
def rotate_file_by_name(ctx, f):
    now = _now(ctx)
    new_name = rotate_path(f, now)
    if new_name is None:
        return _rotate_info(ctx, "", "", 0.0, 0.0)
    return _rotate_info(ctx, f, new_name, now, now)


def _os_call(ctx, what: str, fn, *args) -> bool:
    try:
        fn(*args)
    except OSError as exc:
        reporter_warning(ctx, f"{what}: {exc.strerror}")
        return False
    return True


@bif("mkdir", "function(f: string): bool", context=True)
def mkdir(ctx, f):
    if os.path.isdir(f):
        return True
    return _os_call(ctx, f"cannot create directory '{f}'", os.mkdir, f, 0o777)


@bif("rmdir", "function(d: string): bool", context=True)
def rmdir(ctx, d):
    return _os_call(ctx, f"cannot remove directory '{d}'", os.rmdir, d)


@bif("unlink", "function(f: string): bool", context=True)
def unlink(ctx, f):
    return _os_call(ctx, f"cannot unlink file '{f}'", os.unlink, f)


@bif("rename", "function(src_f: string, dst_f: string): bool", context=True)
def rename(ctx, src_f, dst_f):
    return _os_call(ctx, f"cannot rename file '{src_f}' to '{dst_f}'", os.rename, src_f, dst_f)
