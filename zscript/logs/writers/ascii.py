"""Zeek's ASCII writer: TSV files with a ``#`` header, or JSON lines.

The file is ``<path>.log`` (the extension comes from ``ZEEK_LOG_SUFFIX`` if
set), under ``Log::default_logdir`` unless the path is absolute, created (and
truncated) on the first write.  Layout, as Zeek writes it::

    #separator \\x09
    #set_separator<TAB>,
    #empty_field<TAB>(empty)
    #unset_field<TAB>-
    #path<TAB>conn
    #open<TAB>2025-01-02-03-04-05
    #fields<TAB>ts<TAB>uid ...
    #types<TAB>time<TAB>string ...
    <rows>
    #close<TAB>2025-01-02-03-04-09

``#open``/``#close`` carry the wall-clock time, local time, in
``%Y-%m-%d-%H-%M-%S``.  A path starting with ``/dev/`` (or
``LogAscii::output_to_stdout``, which makes it ``/dev/stdout``) is written
to as it is: no extension, no log directory, no rotation.

With ``LogAscii::gzip_level`` above 0 the file is gzip-compressed at that
level and named ``<path>.log.gz`` (``LogAscii::gzip_file_extension``).

With ``LogAscii::enable_leftover_log_rotation`` and a rotation interval,
opening ``conn.log`` also writes a *shadow file* ``.shadow.conn.log`` naming
the extension and the filter's postprocessor; rotation removes it.  A
shadow file left behind by a process that ended without rotating marks its
log as leftover: the next process rotates and postprocesses it when it
starts (:mod:`.leftover`).  With ``LogAscii::use_json`` (or the filter config
``use_json=T``) each row is a JSON object and there is no header; with
``include_meta=F`` neither; with the config ``tsv=T`` the header is a single
line of column names and there is no ``#close``.

Options are the ``LogAscii::*`` constants; every one of them can be
overridden per filter through ``$config`` (strings; booleans as ``"T"`` or
``"F"``).  Rows reach the file in batches; each batch is written and flushed
to the operating system at once (Zeek writes every row with ``write(2)``),
so readers see a row as soon as its batch was handed to the writer.
Rotation closes the file (writing ``#close``) and renames it to
``<rotated path>.log``; the next write opens a fresh file.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Sequence

from .base import WriterBackend, WriterError
from .formatters import JsonFormatter, TsvFormatter, escape_header

__all__ = ["SHADOW_PREFIX", "AsciiWriter", "is_special", "log_extension", "open_timestamp"]

#: Prefix of the shadow file of a log being written (``.shadow.conn.log``).
SHADOW_PREFIX = ".shadow."

_BOOL_OPTIONS = ("use_json", "enable_utf_8", "output_to_stdout", "json_include_unset_fields", "tsv")
_TEXT_OPTIONS = (
    "separator",
    "set_separator",
    "empty_field",
    "unset_field",
    "meta_prefix",
    "json_timestamps",
    "json_string_escape_policy",
    "gzip_file_extension",
)


def log_extension() -> str:
    """The log file extension (``ZEEK_LOG_SUFFIX`` or ``log``)."""
    return os.environ.get("ZEEK_LOG_SUFFIX", "log")


def is_special(path: str) -> bool:
    """Whether ``path`` is written to as it is (a device such as ``/dev/stdout``)."""
    return path.startswith("/dev/")


def shadow_name(fname: str) -> str:
    """The shadow file of log file ``fname`` (``logs/conn.log`` -> ``logs/.shadow.conn.log``)."""
    head, tail = os.path.split(fname)
    return os.path.join(head, SHADOW_PREFIX + tail)


def open_timestamp() -> str:
    """The ``#open``/``#close`` value: wall-clock time now, local, ``%Y-%m-%d-%H-%M-%S``."""
    return time.strftime("%Y-%m-%d-%H-%M-%S", time.localtime())


class AsciiWriter(WriterBackend):
    """``Log::WRITER_ASCII``."""

    name = "ascii"
    options_module = "LogAscii"
    OPTIONS = {
        "output_to_stdout": False,
        "use_json": False,
        "enable_utf_8": True,
        "json_timestamps": "JSON::TS_EPOCH",
        "json_include_unset_fields": False,
        "json_string_escape_policy": "JSON::STRING_ESCAPE_POLICY_HEX",
        "include_meta": True,
        "meta_prefix": "#",
        "separator": "\t",
        "set_separator": ",",
        "empty_field": "(empty)",
        "unset_field": "-",
        "tsv": False,
        "gzip_level": 0,
        "gzip_file_extension": "gz",
        "enable_leftover_log_rotation": False,
    }

    def _do_init(self) -> None:
        opts = self.options
        for key, value in self.info.config.items():
            if key in _BOOL_OPTIONS:
                if value not in ("T", "F"):
                    raise WriterError(
                        f'invalid value for \'{key}\', must be a string and either "T" or "F"'
                    )
                opts[key] = value == "T"
            elif key in _TEXT_OPTIONS:
                opts[key] = value
            elif key == "gzip_level":
                opts[key] = _leading_int(value)
                if not 0 <= opts[key] <= 9:
                    raise WriterError(
                        "invalid value for 'gzip_level', must be a number between 0 and 9."
                    )
        fields = self.info.fields
        if opts["use_json"]:
            try:
                self._fmt = JsonFormatter(
                    fields,
                    timestamps=str(opts["json_timestamps"]),
                    include_unset=bool(opts["json_include_unset_fields"]),
                    string_policy=str(opts["json_string_escape_policy"]),
                )
            except ValueError as e:
                raise WriterError(str(e)) from None
            self._meta = False
        else:
            self._fmt = TsvFormatter(
                fields,
                separator=opts["separator"],
                set_separator=opts["set_separator"],
                empty_field=opts["empty_field"],
                unset_field=opts["unset_field"],
                utf8=bool(opts["enable_utf_8"]),
                meta_prefix=opts["meta_prefix"],
            )
            self._meta = bool(opts["include_meta"])
        self._tsv = bool(opts["tsv"])
        self._gzip = int(opts["gzip_level"])
        self._file = None
        #: The path as written in ``#path`` (``/dev/stdout`` for output_to_stdout).
        self._path = "/dev/stdout" if opts["output_to_stdout"] else self.info.path
        self._ext = ""
        if not is_special(self._path):
            self._ext = "." + log_extension()
            if self._gzip > 0:
                self._ext += "." + (str(opts["gzip_file_extension"]) or "gz")
        self.fname = self._file_name()
        self._shadow = (
            shadow_name(self.fname)
            if opts["enable_leftover_log_rotation"]
            and self.info.rotation_interval > 0
            and not is_special(self._path)
            else None
        )

    # ------------------------------------------------------------- the file

    def _special(self) -> bool:
        return is_special(self._path)

    def _file_name(self) -> str:
        path = self._path
        if is_special(path):
            return path
        if not path.startswith("/") and self.info.logdir:
            path = os.path.join(self.info.logdir, path)
        return path + self._ext

    def _open(self) -> None:
        if not 0 <= self._gzip <= 9:
            raise WriterError("invalid value for 'gzip_level', must be a number between 0 and 9.")
        if self._shadow is not None:
            self._write_shadow()
        if self.fname == "/dev/stdout":
            self._file = _StdoutFile()
        else:
            try:
                if self._gzip > 0:
                    import gzip  # noqa: PLC0415 - only compressed logs need it

                    self._file = gzip.open(self.fname, "wb", compresslevel=self._gzip)  # noqa: SIM115
                else:
                    self._file = open(self.fname, "wb")  # noqa: SIM115 - kept open across batches
            except OSError as e:
                raise WriterError(f"cannot open {self.fname}: {e.strerror}") from None
        self._write_text(self._header())

    def _write_shadow(self) -> None:
        """Write the shadow file (atomically: a temporary file, then a rename)."""
        head, tail = os.path.split(self._shadow)
        tmp = os.path.join(head, ".tmp" + tail)
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(f"{self._ext}\n{self.info.post_proc_func}\n")
                f.flush()
                os.fsync(f.fileno())
        except OSError as e:
            raise WriterError(f"cannot open {tmp}: {e.strerror}") from None
        try:
            os.rename(tmp, self._shadow)
        except OSError as e:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise WriterError(f"Unable to rename {tmp} to {self._shadow}: {e.strerror}") from None

    def _header(self) -> str:
        if not self._meta:
            return ""
        names = [f.name for f in self.info.fields]
        sep = self.options["separator"]
        if self._tsv:
            return sep.join(names) + "\n"
        mp = self.options["meta_prefix"]
        lines = [f"{mp}separator {escape_header(sep)}\n"]
        for key, value in (
            ("set_separator", escape_header(self.options["set_separator"])),
            ("empty_field", escape_header(self.options["empty_field"])),
            ("unset_field", escape_header(self.options["unset_field"])),
            ("path", escape_header(self._path)),
            ("open", open_timestamp()),
            ("fields", sep.join(names)),
            ("types", sep.join(f.type for f in self.info.fields)),
        ):
            lines.append(f"{mp}{key}{sep}{value}\n")
        return "".join(lines)

    def _write_text(self, text: str) -> None:
        if not text:
            return
        try:
            self._file.write(text.encode("latin-1"))
            self._file.flush()
        except OSError as e:
            raise WriterError(f"error writing to {self.fname}: {e.strerror}") from None

    def _close_file(self) -> None:
        if self._file is None:
            return
        if self._meta and not self._tsv:
            mp = self.options["meta_prefix"]
            self._write_text(f"{mp}close{self.options['separator']}{open_timestamp()}\n")
        self._file.close()
        self._file = None

    # ----------------------------------------------------------------- hooks

    def _do_write(self, rows: Sequence[Sequence]) -> None:
        if self._file is None:
            self._open()
        line = self._fmt.line
        self._write_text("".join([line(r) for r in rows]))

    def _do_flush(self, network_time: float) -> None:
        if self._file is not None:
            self._file.flush()

    def _do_rotate(self, rotated_path: str, open_time: float, close_time: float, terminating: bool):
        if self._file is None or self._special():
            return None
        self._close_file()
        new_name = rotated_path + self._ext
        try:
            os.rename(self.fname, new_name)
        except OSError as e:
            raise WriterError(
                f"failed to rename {self.fname} to {new_name}: {e.strerror}"
            ) from None
        if self._shadow is not None:
            try:
                os.unlink(self._shadow)
            except OSError as e:
                raise WriterError(f"cannot unlink {self._shadow}: {e.strerror}") from None
        return new_name

    def _do_finish(self, network_time: float) -> None:
        self._close_file()


def _leading_int(text: str) -> int:
    """C's ``atoi``: the leading decimal number of ``text``, 0 if none."""
    m = re.match(r"\s*[+-]?\d+", text)
    return int(m.group(0)) if m else 0


class _StdoutFile:
    """``/dev/stdout`` as Zeek opens it, but through Python's ``sys.stdout``
    (so output interleaves correctly with ``print``)."""

    def write(self, data: bytes) -> None:
        out = sys.stdout
        buf = getattr(out, "buffer", None)
        if buf is None:
            out.write(data.decode("latin-1"))
            return
        out.flush()
        buf.write(data)

    def flush(self) -> None:
        sys.stdout.flush()
        buf = getattr(sys.stdout, "buffer", None)
        if buf is not None:
            buf.flush()

    def close(self) -> None:
        self.flush()
