"""The config reader (``Input::READER_CONFIG``): ``name value`` lines.

Behaviour from Zeek's ``input/readers/config/Config.cc``: each line that is
not empty or a comment is an option name, blanks, and a value (trailing
blanks and set separators dropped).  The value is parsed as the option's
type (sets and vectors split at ``InputConfig::set_separator``; no unset
marker; an empty value is an empty container).  For each option whose
text changed since the last reading the reader sends a table entry
(name, value) and raises ``InputConfig::new_value`` with the typed value;
unknown options, options of types a file cannot express and values that
do not parse are warnings.  Modes and file problems are handled as by the
ASCII reader (``InputConfig::fail_on_file_problem``).
"""

from __future__ import annotations

import os
import re

from ...asciifmt import SeparatorInfo
from ..formatter import AsciiParser, ParseError
from ..reader import MODE_REREAD, MODE_STREAM, ReaderBackend

__all__ = ["ConfigReader"]


class ConfigReader(ReaderBackend):
    options = {
        "InputConfig::set_separator": ",",
        "InputConfig::empty_field": "",
        "InputConfig::fail_on_file_problem": False,
    }
    #: The manager passes every option's name and type (``info.script_options``).
    wants_script_options = True

    def __init__(self, info, send):
        super().__init__(info, send)
        self.file = None
        self.mtime = 0
        self.ino = 0
        #: option -> the text of its value at the last reading.
        self.values: dict[str, str] = {}

    def _do_init(self, info, fields) -> bool:
        opt = info.options
        self.fail_on_file_problem = bool(opt["InputConfig::fail_on_file_problem"])
        set_sep = opt["InputConfig::set_separator"]
        seps = SeparatorInfo("\t", set_sep, "", opt["InputConfig::empty_field"])
        self.parser = AsciiParser(seps, self.warning)
        sep = re.escape(set_sep[:1])
        self.line_re = re.compile(
            rf"^([^ \t]+)[ \t]+([^ \t](.*[^ \t{sep}])?)?[ \t{sep}]*$"
            if sep
            else r"^([^ \t]+)[ \t]+(.*?)[ \t]*$"
        )
        return self._do_update()

    def _do_close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None

    def _do_heartbeat(self, network_time: float, now: float) -> bool:
        if self.info.mode in (MODE_REREAD, MODE_STREAM):
            self.update()
        return True

    def _open(self) -> bool:
        if self.file is not None:
            return True
        try:
            self.file = open(self.info.source, "rb")  # noqa: SIM115 - kept open across updates
        except OSError:
            self.fail_warn(self.fail_on_file_problem, f"Init: cannot open {self.info.source}", True)
            return not self.fail_on_file_problem
        self.stop_warning_suppression()
        return True

    def _do_update(self) -> bool:
        if not self._open():
            return False
        if self.file is None:
            return True
        source = self.info.source
        mode = self.info.mode
        if mode == MODE_REREAD:
            try:
                st = os.stat(source)
            except OSError:
                self.fail_warn(self.fail_on_file_problem, f"Could not get stat for {source}", True)
                self._do_close()
                return not self.fail_on_file_problem
            if st.st_ino == self.ino and int(st.st_mtime) == self.mtime:
                return True
            if self.ino != 0:
                self.stop_warning_suppression()
            self.mtime, self.ino = int(st.st_mtime), st.st_ino
        if mode != MODE_STREAM:
            self._do_close()
            self._open()
            if self.file is None:
                return True
        unseen = set(self.values)
        types = self.info.script_options
        for raw in self.file:
            line = raw.decode("latin-1").rstrip("\n")
            if line.endswith("\r"):
                line = line[:-1]
            if not line or line.startswith("#"):
                continue
            m = self.line_re.match(line)
            if m is None:
                self.warning(f"Could not parse '{line}'; line has invalid format. Ignoring line.")
                continue
            key, value = m.group(1), m.group(2) or ""
            t = types.get(key)
            if t is None:
                self.warning(f"Option '{key}' does not exist. Ignoring line.")
                continue
            if not _readable(t):
                self.warning(
                    f"Option '{key}' has type '{t}', which is not supported for file input. "
                    "Ignoring line."
                )
                continue
            tag = "table" if t.tag == "table" else t.tag
            sub = t.indices[0].tag if tag == "table" else (t.elem.tag if tag == "vector" else None)
            try:
                v = self.parser.parse(value, key, tag, sub)
            except ParseError:
                self.warning(f"Could not convert line '{line}' to value. Ignoring line.")
                continue
            if v is None:
                self.warning(f"Line '{line}' has no value. Ignoring line.")
                continue
            unseen.discard(key)
            if self.values.get(key) == value:
                continue
            self.values[key] = value
            if mode == MODE_STREAM:
                self.put([key, value])
            else:
                self.send_entry([key, value])
            info = self.info
            self.send_event(
                "InputConfig::new_value",
                [(info.name, None), (info.source, None), (key, None), (v, t)],
            )
        if mode != MODE_STREAM:
            self.end_current_send()
        for key in unseen:
            del self.values[key]
        return True


def _readable(t) -> bool:
    """Zeek's check: not a record, and a type readers can fill."""
    from ..fields import is_compatible_type

    return t.tag != "record" and is_compatible_type(t)
