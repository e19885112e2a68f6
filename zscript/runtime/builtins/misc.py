"""Miscellaneous built-in functions: time text, types, paths, the host system.

Provides: strftime, strptime, enum_names, sleep,
compress_path, find_in_zeekpath, file_mode, print_raw, gethostname,
is_local_interface.

``find_in_zeekpath`` tells which file ``@load NAME`` would load from the
search path (the current directory, ``ZSCRIPTPATH``, ``ZEEKPATH`` and the
library: ``script_path_entries``), as Zeek's bif of that name: ``NAME``,
``NAME.zs``, ``NAME.zeek``, or a package's ``__load__`` file; "" when
nothing is found, and an error for a name starting with ``.`` or ``/``.

``print_raw`` writes the bytes of its arguments unescaped (a string's
characters are bytes), so ``print_raw("\\xc3\\xa9")`` prints ``é`` on a
UTF-8 terminal, as Zeek does.
"""

from __future__ import annotations

import ipaddress
import os
import re
import sys
import time

from ...resources import script_path_entries
from ...types import STRING, EnumType, TableType
from ..addresses import addr_bits, addr_from_bits
from ..bifs import bif, describe_any
from ..containers import Set
from ..values import TypeVal
from ._support import reporter_error, reporter_warning

__all__ = []

_STRING_SET = TableType([STRING], None)


# ------------------------------------------------------------ time


@bif("strftime", "function(fmt: string, d: time): string")
def strftime(fmt, d):
    """Format the local time ``d``; ``<strftime error>`` if empty or longer than 127 bytes."""
    try:
        text = time.strftime(fmt, time.localtime(int(d)))
    except (ValueError, OverflowError, OSError):
        text = ""
    return text if 0 < len(text) < 128 else "<strftime error>"


_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
#: Numeric directives: (tm field, minimum, maximum, most digits read).
_NUMERIC = {
    "Y": ("year", 0, 9999, 4),
    "m": ("mon", 1, 12, 2),
    "d": ("mday", 1, 31, 2),
    "e": ("mday", 1, 31, 2),
    "H": ("hour", 0, 23, 2),
    "k": ("hour", 0, 23, 2),
    "M": ("min", 0, 59, 2),
    "S": ("sec", 0, 61, 2),
    "j": ("yday", 1, 366, 3),
    "y": ("year2", 0, 99, 2),
    "C": ("century", 0, 99, 2),
    "I": ("hour12", 1, 12, 2),
    "l": ("hour12", 1, 12, 2),
}
_COMPOUND = {"T": "%H:%M:%S", "D": "%m/%d/%y", "F": "%Y-%m-%d", "R": "%H:%M", "r": "%I:%M:%S %p"}
_C_SPACE = " \t\n\v\f\r"


class _Scanner:
    """C ``strptime`` (glibc rules): numbers read greedily up to a width, then range-checked."""

    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.fields: dict[str, int] = {}

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _C_SPACE:
            self.pos += 1

    def number(self, lo: int, hi: int, width: int) -> int:
        self.skip_space()
        m = re.compile(r"[0-9]{1,%d}" % width).match(self.text, self.pos)
        if m is None or not lo <= int(m.group(0)) <= hi:
            raise ValueError
        self.pos = m.end()
        return int(m.group(0))

    def name(self, names: list[str]) -> int:
        self.skip_space()
        rest = self.text[self.pos :].lower()
        for i, full in enumerate(names):
            for cand in (full, full[:3]):
                if rest.startswith(cand):
                    self.pos += len(cand)
                    return i
        raise ValueError

    def scan(self, fmt: str) -> None:
        i = 0
        while i < len(fmt):
            c = fmt[i]
            if c in _C_SPACE:
                self.skip_space()
            elif c != "%":
                if self.text[self.pos : self.pos + 1] != c:
                    raise ValueError
                self.pos += 1
            else:
                i += 1
                d = fmt[i : i + 1]
                if d in ("E", "O"):
                    i += 1
                    d = fmt[i : i + 1]
                self.directive(d)
            i += 1

    def directive(self, d: str) -> None:
        if d in _NUMERIC:
            field, lo, hi, width = _NUMERIC[d]
            self.fields[field] = self.number(lo, hi, width)
        elif d in _COMPOUND:
            self.scan(_COMPOUND[d])
        elif d in ("b", "B", "h"):
            self.fields["mon"] = self.name(_MONTHS) + 1
        elif d in ("a", "A"):
            self.name(_DAYS)
        elif d == "p":
            self.fields["pm"] = self.name(["am", "pm"])
        elif d in ("n", "t"):
            self.skip_space()
        elif d == "%":
            if self.text[self.pos : self.pos + 1] != "%":
                raise ValueError
            self.pos += 1
        elif d == "s":
            self.skip_space()
            m = re.compile(r"-?[0-9]+").match(self.text, self.pos)
            if m is None:
                raise ValueError
            self.pos = m.end()
            self.fields["epoch"] = int(m.group(0))
        else:
            raise ValueError


def c_strptime(text: str, fmt: str) -> float:
    """Seconds since the epoch of local time ``text``; fields ``fmt`` lacks come from the epoch."""
    sc = _Scanner(text)
    sc.scan(fmt)
    f = sc.fields
    if "epoch" in f:
        return float(f["epoch"])
    base = time.localtime(0)
    year = f.get("year", base.tm_year)
    if "year2" in f:
        century = f.get("century", 19 if f["year2"] >= 69 else 20)
        year = century * 100 + f["year2"]
    elif "century" in f and "year" not in f:
        year = f["century"] * 100
    hour = f.get("hour", base.tm_hour)
    if "hour12" in f:
        hour = f["hour12"] % 12 + 12 * f.get("pm", 0)
    mon, mday = f.get("mon", base.tm_mon), f.get("mday", base.tm_mday)
    if "yday" in f and "mon" not in f and "mday" not in f:
        mon, mday = 1, f["yday"]
    fields = (
        year,
        mon,
        mday,
        hour,
        f.get("min", base.tm_min),
        f.get("sec", base.tm_sec),
        0,
        1,
        base.tm_isdst,
    )
    return float(time.mktime(time.struct_time(fields)))


@bif("strptime", "function(fmt: string, d: string): time", context=True)
def strptime(ctx, fmt, d):
    """Parse local time ``d`` as C's ``strptime`` and ``mktime`` do (0.0 and a warning on failure)."""
    try:
        return c_strptime(d, fmt)
    except (ValueError, OverflowError):
        reporter_warning(ctx, f"strptime conversion failed: fmt:{fmt} d:{d}")
        return 0.0


@bif("sleep", "function(i: interval): interval")
def sleep(i):
    start = time.perf_counter()
    time.sleep(max(0.0, i))
    return time.perf_counter() - start


# ------------------------------------------------------------ types, identifiers


@bif("enum_names", "function(et: any): string_set", context=True)
def enum_names(ctx, et):
    """The names of an enum type, given as a type or by name (empty if not an enum)."""
    t = ctx.types_by_name(et) if isinstance(et, str) else et.type if type(et) is TypeVal else None
    if not isinstance(t, EnumType):
        return Set(_STRING_SET)
    return Set(_STRING_SET, t.values)


# ------------------------------------------------------------ paths, files


@bif("compress_path", "function(dir: string): string")
def compress_path(path):
    """Remove ``.`` components and resolve ``..`` textually (Zeek's ``normalize_path``)."""
    if "/." not in path and "//" not in path:
        return path[:-1] if len(path) > 1 and path.endswith("/") else path
    parts: list[str] = []
    for i, comp in enumerate(path.split("/")):
        if comp == "" or (comp == "." and i != 0):
            continue
        parts.append(comp)
        if comp == ".." and len(parts) > 1:
            last = parts[-2]
            if last in ("/", "~", ".."):
                continue
            if last == ".":
                parts[-2] = ".."
                parts.pop()
            else:
                del parts[-2:]
    out = ("/" if path.startswith("/") else "") + "".join(c + "/" for c in parts)
    return out[:-1] if len(out) > 1 and out.endswith("/") else out


def _perm_triplet(mode: int, shift: int, special: int, special_char: str) -> str:
    r = "r" if mode & (4 << shift) else "-"
    w = "w" if mode & (2 << shift) else "-"
    x = bool(mode & (1 << shift))
    s = bool(mode & special)
    if s:
        return r + w + (special_char if x else special_char.upper())
    return r + w + ("x" if x else "-")


@bif("file_mode", "function(mode: count): string")
def file_mode(mode):
    """``ls -l`` style permissions: ``rwsr-xr-x``, ``rwxrwxrwt`` ..."""
    return (
        _perm_triplet(mode, 6, 0o4000, "s")
        + _perm_triplet(mode, 3, 0o2000, "s")
        + _perm_triplet(mode, 0, 0o1000, "t")
    )


# ------------------------------------------------------------ output, host


def write_raw(stream, text: str) -> None:
    """Write ``text``'s characters as bytes (through the binary buffer when there is one)."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(text)
        return
    stream.flush()
    buffer.write(text.encode("latin-1"))
    buffer.flush()


@bif("print_raw", "function(): bool", varargs=True, context=True)
def print_raw(ctx, *args):
    # The host's ``print`` stream; BifContext has no accessor for it yet.
    stream = getattr(getattr(ctx, "host", None), "stdout", None) or sys.stdout
    write_raw(stream, "".join(describe_any(a) for a in args))
    return True


@bif("gethostname", "function(): string")
def gethostname():
    import socket  # not at start-up (this module is imported by every process)

    try:
        return socket.gethostname()
    except OSError:
        return "<unknown>"


def _local_addresses() -> set:
    import socket

    try:
        infos = socket.getaddrinfo(socket.gethostname(), None)
    except OSError:
        return set()
    out = set()
    for info in infos:
        try:
            out.add(ipaddress.ip_address(info[4][0].split("%")[0]))
        except ValueError:
            continue
    return out


@bif("is_local_interface", "function(ip: addr): bool")
def is_local_interface(ip):
    """Whether ``ip`` is a loopback address or one of this host's addresses."""
    canonical = addr_from_bits(addr_bits(ip)).ip
    if canonical.is_loopback:
        return True
    return canonical in _local_addresses()


@bif("find_in_zeekpath", "function(p: string): string", context=True)
def find_in_zeekpath(ctx, p):
    if p.startswith((".", "/")):
        reporter_error(ctx, "find_in_zeek_path: path must be relative or absolute")
        return ""
    if not p:
        return ""
    for base in [".", *script_path_entries()]:
        q = os.path.join(base, p)
        for candidate in (q, q + ".zs", q + ".zeek"):
            if os.path.isfile(candidate):
                return candidate
        if os.path.isdir(q):
            for pkg in ("__load__.zs", "__load__.zeek"):
                if os.path.isfile(os.path.join(q, pkg)):
                    return os.path.join(q, pkg)
            # (A directory without a package file stops the search, as
            # Zeek's find_script_file finds the directory.)
            return ""
    return ""
