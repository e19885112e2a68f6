"""The raw reader (``Input::READER_RAW``): records of a file or a command.

Behaviour from Zeek's ``input/readers/raw/Raw.cc``:

* The stream has one string field (plus a bool with ``read_stderr``); each
  record, up to ``InputRaw::record_separator`` (a newline), is one line
  (``put``).  Data after the last separator is a record too once the
  source ends.
* A source ending in ``|`` is a command, run with ``/bin/sh -c`` in its
  own process group.  ``$config``: ``stdin`` (text written to its standard
  input), ``read_stderr`` (its standard error becomes lines with the bool
  field T), ``force_kill`` (SIGKILL after SIGTERM when the stream closes).
  When the command has ended (checked after each reading),
  ``InputRaw::process_finished`` is raised, an exit status other than 0 is
  an error, and the stream ends.
* MANUAL reads to the end (for a command: until it closes its output);
  REREAD reads a file again when its size, inode or time changes; STREAM
  reads what is there on each heartbeat, follows a file that is replaced,
  and waits for a file that does not exist yet.  ``offset`` (MANUAL and
  STREAM files) starts reading at a byte offset, or from the end when
  negative (``-1``: at the end).
* MANUAL and REREAD readings end with ``end_current_send``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import time

from ..reader import MODE_MANUAL, MODE_REREAD, MODE_STREAM, ReaderBackend

__all__ = ["RawReader"]

_BLOCK = 4096


class _Lines:
    """Splits what is read from one file object into records."""

    def __init__(self, f, sep: bytes, nonblocking: bool):
        self.f = f
        self.sep = sep
        self.buf = b""
        self.nonblocking = nonblocking
        self.eof = False

    def _read(self) -> bytes | None:
        """Some bytes; b"" at the end; None when nothing is ready."""
        try:
            if self.nonblocking:
                return os.read(self.f.fileno(), _BLOCK)
            return self.f.read1(_BLOCK) if hasattr(self.f, "read1") else self.f.read(_BLOCK)
        except BlockingIOError:
            return None
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR):
                return None
            raise

    def next(self) -> str | None:
        """The next record; None when there is none (yet)."""
        while True:
            i = self.buf.find(self.sep) if self.sep else -1
            if i >= 0:
                rec, self.buf = self.buf[:i], self.buf[i + len(self.sep) :]
                return rec.decode("latin-1")
            data = self._read()
            if data is None:
                return None
            if not data:
                if self.buf:
                    rec, self.buf = self.buf, b""
                    return rec.decode("latin-1")
                return None
            self.buf += data


class RawReader(ReaderBackend):
    options = {"InputRaw::record_separator": "\n"}

    def __init__(self, info, send):
        super().__init__(info, send)
        self.proc: subprocess.Popen | None = None
        self.file = None
        self.lines: _Lines | None = None
        self.err_lines: _Lines | None = None
        self.stat = None
        self.firstrun = True
        self.offset = 0
        self.stdin_data = b""
        self.execute = False
        self.use_stderr = False
        self.forcekill = False

    # ------------------------------------------------------------- hooks

    def _do_init(self, info, fields) -> bool:
        source = info.source
        if not source:
            self.error("No source path provided")
            return False
        self.sep = info.options["InputRaw::record_separator"].encode("latin-1")
        self.fname = source
        if source.endswith("|"):
            self.execute = True
            self.fname = source[:-1]
        cfg = info.config
        want = 1
        if "stdin" in cfg:
            self.stdin_data = cfg["stdin"].encode("latin-1")
        if "read_stderr" in cfg and self.execute:
            self.use_stderr = True
            want = 2
        if "force_kill" in cfg and self.execute:
            self.forcekill = True
        if "offset" in cfg:
            if self.execute or info.mode not in (MODE_STREAM, MODE_MANUAL):
                self.error(
                    "Offset only is supported for MODE_STREAM and MODE_MANUAL; it is also not "
                    "supported when executing a command"
                )
                return False
            self.offset = _strtoll(cfg["offset"])
        if len(fields) != want:
            self.error(
                f"Filter for raw reader contains wrong number of fields -- got {len(fields)}, "
                f"expected {want}. Filters for the raw reader contain one string field when used "
                "in normal mode and one string and one bool fields when using execute mode with "
                "stderr capturing. Filter ignored."
            )
            return False
        if fields[0].tag != "string":
            self.error("First field for raw reader always has to be of type string.")
            return False
        if self.use_stderr and fields[1].tag != "bool":
            self.error("Second field for raw reader always has to be of type bool.")
            return False
        if self.execute and info.mode == MODE_REREAD:
            self.error("Rereading only supported for files, not for executables.")
            return False
        if not self._open():
            return False
        self._do_update()
        return True

    def _do_heartbeat(self, network_time: float, now: float) -> bool:
        if self.info.mode in (MODE_REREAD, MODE_STREAM):
            self.update()
        return True

    def _do_close(self) -> None:
        self._close_input()
        self._stop_child()

    def _do_abort(self) -> None:
        # A blocking read of the command's output ends when the command does.
        self.forcekill = True
        self._stop_child()

    def _stop_child(self) -> None:
        """End the command's process group (SIGTERM, then SIGKILL with
        ``force_kill``) and reap the command."""
        proc = self.proc
        if not self.execute or proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGTERM)
            if self.forcekill:
                time.sleep(0.0002)
                if proc.poll() is None:
                    with contextlib.suppress(OSError):
                        os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(1.0)

    # -------------------------------------------------------------- input

    def _open(self) -> bool:
        if self.execute:
            return self._execute()
        try:
            self.file = open(self.fname, "rb")  # noqa: SIM115 - kept open across updates
        except OSError:
            if self.info.mode == MODE_STREAM:
                return True  # wait for the file to appear
            self.error(f"Init: cannot open {self.fname}")
            return False
        if self.info.mode in (MODE_STREAM, MODE_REREAD):
            try:
                self.stat = _key(os.stat(self.fname))
            except OSError:
                self.error(f"Could not get stat for {self.fname}")
                return False
        if self.offset:
            try:
                if self.offset >= 0:
                    self.file.seek(self.offset, os.SEEK_SET)
                else:
                    self.file.seek(self.offset + 1, os.SEEK_END)
            except OSError as e:
                self.error(f"Seek failed in init: {e.strerror}")
        self.lines = _Lines(self.file, self.sep, False)
        return True

    def _execute(self) -> bool:
        try:
            self.proc = subprocess.Popen(
                ["/bin/sh", "-c", self.fname],
                stdin=subprocess.PIPE if self.stdin_data else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE if self.use_stderr else subprocess.DEVNULL,
                process_group=0,
            )
        except OSError as e:
            self.error(f"Could not spawn child process: {e.errno}")
            return False
        stream = self.info.mode == MODE_STREAM
        if stream:
            os.set_blocking(self.proc.stdout.fileno(), False)
        self.file = self.proc.stdout
        self.lines = _Lines(self.proc.stdout, self.sep, stream)
        if self.use_stderr:
            os.set_blocking(self.proc.stderr.fileno(), False)
            self.err_lines = _Lines(self.proc.stderr, self.sep, True)
        if self.stdin_data:
            self._write_stdin()
        return True

    def _write_stdin(self) -> None:
        pipe = self.proc.stdin
        try:
            pipe.write(self.stdin_data)
            pipe.close()
        except OSError as e:
            self.error(
                f"Writing to child process stdin failed: {e.errno}. Stopping writing at position 0"
            )
        self.stdin_data = b""

    def _close_input(self) -> None:
        for f in (self.file, getattr(self.proc, "stderr", None)):
            if f is not None:
                with contextlib.suppress(OSError):
                    f.close()
        self.file = None
        self.lines = self.err_lines = None

    # ------------------------------------------------------------ reading

    def _do_update(self) -> bool:
        mode = self.info.mode
        if self.firstrun:
            self.firstrun = False
        elif mode == MODE_REREAD:
            try:
                key = _key(os.stat(self.fname))
            except OSError:
                self.error(f"Could not get stat for {self.fname}")
                return False
            if key == self.stat:
                return True
            self._close_input()
            if not self._open():
                return False
            self.stat = key
        elif mode == MODE_MANUAL:
            self._close_input()
            if not self._open():
                return False
        elif mode == MODE_STREAM and not self.execute:
            self._follow()
        if self.lines is not None:
            while (rec := self.lines.next()) is not None:
                self.put([rec, False] if self.use_stderr else [rec])
        if self.err_lines is not None:
            while (rec := self.err_lines.next()) is not None:
                self.put([rec, True])
        if mode in (MODE_MANUAL, MODE_REREAD):
            self.end_current_send()
        return self._check_child()

    def _follow(self) -> None:
        """STREAM on a file: open it once it exists, reopen it when replaced."""
        try:
            st = os.stat(self.fname)
        except OSError:
            return
        key = _key(st)
        if self.file is not None and key[:2] == self.stat[:2]:
            return
        try:
            f = open(self.fname, "rb")  # noqa: SIM115
        except OSError:
            return
        self._close_input()
        self.file = f
        self.stat = key
        self.lines = _Lines(f, self.sep, False)

    def _check_child(self) -> bool:
        proc = self.proc
        if proc is None:
            return True
        status = proc.poll()
        if status is None:
            return True
        self.proc = None
        signalled = status < 0
        code = -status if signalled else status
        if signalled:
            self.error(f"Child process exited due to signal {code}")
        elif code != 0:
            self.error(f"Child process exited with non-zero return code {code}")
        if self.info.mode == MODE_STREAM:
            self.end_current_send()
        self.send_event(
            "InputRaw::process_finished",
            [(self.info.name, None), (self.info.source, None), (code, None), (signalled, None)],
        )
        return False


def _key(st: os.stat_result) -> tuple:
    """What tells that a file changed: device, inode, time and size."""
    return (st.st_dev, st.st_ino, int(st.st_mtime), st.st_size)


def _strtoll(s: str) -> int:
    digits = s.strip()
    sign = -1 if digits.startswith("-") else 1
    digits = digits.lstrip("+-")
    n = 0
    for c in digits:
        if not c.isdigit():
            break
        n = n * 10 + int(c)
    return sign * n
