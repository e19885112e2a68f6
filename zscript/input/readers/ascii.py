"""The ASCII reader (``Input::READER_ASCII``): Zeek's tab-separated format.

Behaviour from Zeek's ``input/readers/ascii/Ascii.cc``:

* The header is the first ``#fields`` line (or, without one, the first
  line that is not a comment); other ``#`` lines and empty lines are
  skipped anywhere.  Columns are matched to fields by name, so their order
  and extra columns do not matter; a missing column is an error unless
  the field is optional (it is then always unset).  ``#types`` is ignored:
  the script's types decide.
* Each line is split at the separator and each field parsed
  (:mod:`..formatter`); a line that is too short or has a field that does
  not parse is skipped with a warning (an error ending the stream with
  ``fail_on_invalid_lines``).  After a warning, identical warnings are
  suppressed until a line is good again ("Suppressed N warning(s)").
* MANUAL reads the file at start and on ``force_update``; REREAD again
  whenever its inode or modification time changes (checked on
  heartbeats); STREAM keeps the file open and reads what is appended.
  A file that cannot be opened is a warning (an error with
  ``fail_on_file_problem``), and is tried again on the next update.
"""

from __future__ import annotations

import os

from ...asciifmt import SeparatorInfo
from ..formatter import AsciiParser, ParseError, parse_proto
from ..reader import MODE_REREAD, MODE_STREAM, ReaderBackend

__all__ = ["AsciiReader"]


class AsciiReader(ReaderBackend):
    options = {
        "InputAscii::separator": "\t",
        "InputAscii::set_separator": ",",
        "InputAscii::empty_field": "(empty)",
        "InputAscii::unset_field": "-",
        "InputAscii::fail_on_invalid_lines": False,
        "InputAscii::fail_on_file_problem": False,
        "InputAscii::path_prefix": "",
    }

    def __init__(self, info, send):
        super().__init__(info, send)
        self.file = None
        self.fname = ""
        self.mtime = 0
        self.ino = 0
        self.line_no = 0
        self.header = ""
        self.columns: list[tuple] = []
        #: Zeek tracks the reading location once the file was opened the first time.
        self._located = False

    # ------------------------------------------------------------- hooks

    def _do_init(self, info, fields) -> bool:
        self.stop_warning_suppression()
        opt = info.options
        sep = opt["InputAscii::separator"]
        set_sep = opt["InputAscii::set_separator"]
        empty = opt["InputAscii::empty_field"]
        unset = opt["InputAscii::unset_field"]
        self.fail_on_invalid_lines = bool(opt["InputAscii::fail_on_invalid_lines"])
        self.fail_on_file_problem = bool(opt["InputAscii::fail_on_file_problem"])
        self.path_prefix = opt["InputAscii::path_prefix"]
        cfg = info.config
        sep = cfg.get("separator", sep)
        set_sep = cfg.get("set_separator", set_sep)
        empty = cfg.get("empty_field", empty)
        unset = cfg.get("unset_field", unset)
        if "fail_on_invalid_lines" in cfg:
            self.fail_on_invalid_lines = cfg["fail_on_invalid_lines"].startswith("T")
        if "fail_on_file_problem" in cfg:
            self.fail_on_file_problem = cfg["fail_on_file_problem"].startswith("T")
        if len(sep) != 1:
            self.error("separator length has to be 1. Separator will be truncated.")
        if len(set_sep) != 1:
            self.error("set_separator length has to be 1. Separator will be truncated.")
        self.seps = SeparatorInfo(sep[:1], set_sep[:1], unset, empty)
        self.parser = AsciiParser(self.seps, self.warning)
        return self._do_update()

    def _do_close(self) -> None:
        self._close()
        self.location = None

    def _do_heartbeat(self, network_time: float, now: float) -> bool:
        if not self._open():
            return not self.fail_on_file_problem
        if self.info.mode in (MODE_REREAD, MODE_STREAM):
            self.update()
        return True

    def _do_update(self) -> bool:
        if not self._open():
            return not self.fail_on_file_problem
        self.line_no = 0
        self._set_location()
        mode = self.info.mode
        if mode == MODE_REREAD:
            try:
                st = os.stat(self.fname)
            except OSError:
                self.fail_warn(
                    self.fail_on_file_problem, f"Could not get stat for {self.fname}", True
                )
                self._close()
                return not self.fail_on_file_problem
            if st.st_ino == self.ino and int(st.st_mtime) == self.mtime:
                return True
            if self.ino != 0:
                self.stop_warning_suppression()
            self.mtime = int(st.st_mtime)
            self.ino = st.st_ino
        if mode == MODE_STREAM and self.file is not None:
            self._set_columns(self.header)  # re-check against the cached header
        else:
            self._close()
            self._open()
        if self.file is None:
            return True
        if not self._read_lines():
            return False  # an invalid line with fail_on_invalid_lines
        if mode != MODE_STREAM:
            self.end_current_send()
        self.stop_warning_suppression()
        return True

    # ------------------------------------------------------------- reading

    def _set_location(self) -> None:
        if self._located:
            self.location = (
                self.fname if self.line_no == 0 else f"{self.fname}, line {self.line_no}"
            )

    def _path(self) -> str:
        name = self.info.source
        prefix = self.path_prefix
        if not os.path.isabs(name) and prefix:
            stripped = prefix.rstrip("/")
            name = f"{stripped or ''}/{name}"
        return name

    def _open(self) -> bool:
        if self.file is not None:
            return True
        self.fname = self._path()
        try:
            self.file = open(self.fname, "rb")  # noqa: SIM115 - kept open across updates
        except OSError:
            self.fail_warn(self.fail_on_file_problem, f"Init: cannot open {self.fname}", True)
            return False
        self.line_no = 0
        self._set_location()
        header = self._next_line(header=True)
        if header is None:
            self.fail_warn(
                self.fail_on_file_problem,
                f"Could not read input data file {self.fname}; first line could not be read",
                True,
            )
        if header is None or not self._set_columns(header):
            self.fail_warn(
                self.fail_on_file_problem,
                f"Init: cannot open {self.fname}; problem reading file header",
                True,
            )
            self._close()
            return False
        self.header = header
        if not self._located:
            self._located = True
            self._set_location()
        self.stop_warning_suppression()
        return True

    def _close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None

    def _next_line(self, header: bool = False) -> str | None:
        """``Ascii::GetLine``: the next data line (or ``#fields`` contents)."""
        sep = self.seps.separator
        while True:
            raw = self.file.readline()
            if not raw:
                return None
            if not raw.endswith(b"\n") and self.info.mode == MODE_STREAM and not header:
                # An incomplete last line: read it once it is complete.
                self.file.seek(-len(raw), os.SEEK_CUR)
                return None
            self.line_no += 1
            self._set_location()
            line = raw.decode("latin-1").rstrip("\n")
            if not line:
                continue
            if line.endswith("\r"):
                line = line[:-1]
            if not line.startswith("#"):
                return line
            if len(line) > 8 and line.startswith("#fields") and line[7] == sep:
                return line[8:]

    def _set_columns(self, header: str) -> bool:
        """``ReadHeader``: where each field's column is."""
        names = header.split(self.seps.separator)
        self.columns = []
        for f in self.fields:
            if f.name not in names:
                if f.optional:
                    self.columns.append((f, -1, -1))
                    continue
                self.fail_warn(
                    self.fail_on_file_problem,
                    f"Did not find requested field {f.name} in input data file {self.fname}.",
                    True,
                )
                return False
            second = -1
            if f.secondary_name:
                if f.secondary_name not in names:
                    self.fail_warn(
                        self.fail_on_file_problem,
                        f"Could not find requested port type field {f.secondary_name} "
                        f"in input data file {self.fname}.",
                        True,
                    )
                    return False
                second = names.index(f.secondary_name)
            self.columns.append((f, names.index(f.name), second))
        return True

    def _read_lines(self) -> bool:
        stream = self.info.mode == MODE_STREAM
        while True:
            line = self._next_line()
            if line is None:
                return True
            vals = self._parse_line(line)
            if vals is False:
                return False
            if vals is None:
                continue
            self.stop_warning_suppression()
            if stream:
                self.put(vals, self.line_no)
            else:
                self.send_entry(vals, self.line_no)

    def _parse_line(self, line: str):
        """The values of one line; None to skip it, False to stop reading."""
        parts = line.split(self.seps.separator)
        last = len(parts) - 1
        vals = []
        for f, pos, second in self.columns:
            if pos < 0:
                vals.append(None)
                continue
            if pos > last or second > last:
                self.fail_warn(
                    self.fail_on_invalid_lines,
                    f"Not enough fields in line '{line}' of {self.fname}. Found {last} fields, "
                    f"want positions {pos} and {second}",
                    not self.fail_on_invalid_lines,
                )
                return False if self.fail_on_invalid_lines else None
            try:
                v = self.parser.parse(parts[pos], f.name, f.tag, f.subtype)
            except ParseError:
                self.warning(
                    f"Could not convert line '{line}' of {self.fname} to Val. Ignoring line."
                )
                return None
            if second >= 0 and v is not None:
                v.proto = parse_proto(parts[second], self.warning)
            vals.append(v)
        return vals
