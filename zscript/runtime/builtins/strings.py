"""String built-in functions (Zeek's ``strings.bif``).

Strings are byte strings (characters 0-255); character classes (``is_num``,
``to_title`` ...) follow the C locale, so only ASCII letters and digits
count.  Pattern searches use Zeek's matching rules (see
:func:`._support.find_matches`): longest match at the leftmost position,
empty matches skipped when splitting or substituting.

Provides: levenshtein_distance, string_cat, join_string_set, edit, split_string,
split_string1, split_string_all, split_string_n, sub, gsub, clean,
to_string_literal, string_to_ascii_hex, string_fill, safe_shell_quote,
find_all, find_all_ordered, find_first, find_last, hexdump, count_substr,
find_str, rfind_str, is_num, is_alpha, is_alnum, ljust, rjust, zfill,
swap_case, to_title, remove_prefix, remove_suffix, fmt and cat_sep (which
check their arguments at run time, as Zeek does).
"""

from __future__ import annotations

import re
import time

from ...types import STRING, TableType, VectorType
from .. import zeekorder
from ..addresses import addr_bits
from ..bifs import bif, describe_any
from ..containers import Set, Vector
from ..describe import escape_bytes
from ..values import type_of, unbox
from ._support import builtin_error, find_matches, match_at, reporter_error

__all__ = []

_STRING_VEC = VectorType(STRING)
_STRING_SET = TableType([STRING], None)

#: Zeek's default for ``max_find_all_string_length`` (init-bare.zeek).
MAX_FIND_ALL_STRING_LENGTH = 10000


# ------------------------------------------------------------ comparing


@bif("levenshtein_distance", "function(s1: string, s2: string): count")
def levenshtein_distance(s1, s2):
    prev = list(range(len(s2) + 1))
    for i, c1 in enumerate(s1, 1):
        cur = [i]
        for j, c2 in enumerate(s2, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (c1 != c2)))
        prev = cur
    return prev[-1]


@bif("count_substr", "function(str: string, sub: string): count")
def count_substr(s, sub):
    return s.count(sub) if sub else 0


def _find_str(ctx, s, sub, start, end, case_sensitive, rfind):
    """Zeek's ``do_find_str``; the searched text is ``s[start:start+end]`` as in Zeek."""
    if start > len(s):
        return -1
    if end != -1 and end < start:
        reporter_error(ctx, "find_str: end position must be greater than start position")
        return -1
    end_pos = end if 0 <= end < len(s) else len(s)
    if end_pos - start + 1 < len(sub):
        return -1
    text = s[start : start + end_pos]
    if not case_sensitive:
        text, sub = _ascii_lower(text), _ascii_lower(sub)
    pos = text.rfind(sub) if rfind else text.find(sub)
    return -1 if pos < 0 else pos + start


_FIND_STR_SIG = (
    "(str: string, sub: string, start: count &default=0, end: int &default=-1,"
    " case_sensitive: bool &default=T): int"
)


@bif("find_str", "function" + _FIND_STR_SIG, context=True)
def find_str(ctx, s, sub, start=0, end=-1, case_sensitive=True):
    return _find_str(ctx, s, sub, start, end, case_sensitive, False)


@bif("rfind_str", "function" + _FIND_STR_SIG, context=True)
def rfind_str(ctx, s, sub, start=0, end=-1, case_sensitive=True):
    return _find_str(ctx, s, sub, start, end, case_sensitive, True)


# ------------------------------------------------------------ character classes

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_TO_LOWER = str.maketrans(_UPPER, _LOWER)
_SWAP = str.maketrans(_UPPER + _LOWER, _LOWER + _UPPER)


def _ascii_lower(s: str) -> str:
    return s.translate(_TO_LOWER)


def _all_in(s: str, rx: re.Pattern) -> bool:
    return s != "" and rx.fullmatch(s) is not None


_DIGITS = re.compile(r"[0-9]+")
_ALPHA = re.compile(r"[A-Za-z]+")
_ALNUM = re.compile(r"[A-Za-z0-9]+")


@bif("is_num", "function(str: string): bool")
def is_num(s):
    return _all_in(s, _DIGITS)


@bif("is_alpha", "function(str: string): bool")
def is_alpha(s):
    return _all_in(s, _ALPHA)


@bif("is_alnum", "function(str: string): bool")
def is_alnum(s):
    return _all_in(s, _ALNUM)


@bif("swap_case", "function(str: string): string")
def swap_case(s):
    return s.translate(_SWAP)


_WORD_START = re.compile(r"(?:^|(?<= ))[a-z]")


@bif("to_title", "function(str: string): string")
def to_title(s):
    """Upper-case the first character of each run of non-blanks (only ' ' separates)."""
    return _WORD_START.sub(lambda m: m.group(0).upper(), s)


# ------------------------------------------------------------ padding, trimming


def _justify(ctx, name: str, s: str, width: int, fill: str, left: bool) -> str:
    if len(fill) != 1:
        reporter_error(ctx, f"Fill string passed to {name}() must be a single character")
        return s
    return s.ljust(width, fill) if left else s.rjust(width, fill)


@bif(
    "ljust", 'function(str: string, width: count, fill: string &default=" "): string', context=True
)
def ljust(ctx, s, width, fill=" "):
    return _justify(ctx, "ljust", s, width, fill, True)


@bif(
    "rjust", 'function(str: string, width: count, fill: string &default=" "): string', context=True
)
def rjust(ctx, s, width, fill=" "):
    return _justify(ctx, "rjust", s, width, fill, False)


@bif("zfill", "function(str: string, width: count): string")
def zfill(s, width):
    return s.rjust(width, "0")


@bif("remove_prefix", "function(str: string, sub: string): string")
def remove_prefix(s, sub):
    """Strip repeated leading copies of ``sub``.

    As in Zeek, counting stops at the first occurrence of ``sub`` that
    overlaps the previous one (``remove_prefix("aaaa", "aa")`` is ``"aa"``).
    """
    if not s.startswith(sub) or not sub:
        return s
    nxt = len(sub)
    pos = s.find(sub, 1)
    while pos == nxt and nxt < len(s):
        nxt += len(sub)
        pos = s.find(sub, pos + 1)
    return s[nxt:]


def _rfind_at_or_before(s: str, sub: str, p: int) -> int:
    """C++ ``std::string::rfind(sub, p)``: last occurrence starting at or before ``p``."""
    return s.rfind(sub) if p < 0 else s.rfind(sub, 0, p + len(sub))


@bif("remove_suffix", "function(str: string, sub: string): string")
def remove_suffix(s, sub):
    """Strip repeated trailing copies of ``sub`` (overlaps stop it, as in Zeek)."""
    if not sub or not s.endswith(sub):
        return s
    nxt = len(s) - len(sub)
    pos = nxt
    while pos == nxt:
        nxt -= len(sub)
        pos = _rfind_at_or_before(s, sub, pos - 1) if nxt >= 0 else -1
    return s[: max(nxt + len(sub), 0)]


@bif("string_fill", "function(len: int, source: string): string")
def string_fill(n, source):
    """``len`` bytes of repeated ``source``; the last byte is NUL, as in Zeek."""
    if n <= 0 or not source:
        return ""
    return (source * (n // len(source) + 1))[: n - 1] + "\x00"


@bif("edit", "function(arg_s: string, arg_edit_char: string): string", context=True)
def edit(ctx, s, edit_char):
    """Apply backspace characters: each ``edit_char`` deletes the character before it."""
    if len(edit_char) != 1:
        builtin_error(ctx, "not exactly one edit character", edit_char)
    c = edit_char[:1] or "\x00"
    out: list[str] = []
    for ch in s:
        if ch == c:
            if out:
                out.pop()
        else:
            out.append(ch)
    return "".join(out)


# ------------------------------------------------------------ escaping


@bif("clean", "function(str: string): string")
def clean(s):
    return escape_bytes(s)


_LITERAL_SPECIALS = re.compile(r"[\\'\"]")


@bif("to_string_literal", "function(str: string): string")
def to_string_literal(s):
    return escape_bytes(_LITERAL_SPECIALS.sub(lambda m: "\\" + m.group(0), s))


@bif("string_to_ascii_hex", "function(s: string): string")
def string_to_ascii_hex(s):
    return s.encode("latin-1").hex()


_SHELL_SPECIALS = re.compile(r"[`\"\\$]")


@bif("safe_shell_quote", "function(source: string): string")
def safe_shell_quote(source):
    return '"' + _SHELL_SPECIALS.sub(lambda m: "\\" + m.group(0), source) + '"'


def _hexdump_line(offset: int, chunk: str) -> str:
    hex_part = ""
    text = ""
    for i, c in enumerate(chunk):
        hex_part += "%02x " % ord(c)
        text += c if " " <= c < "\x7f" else "."
        if i == 7:
            hex_part += " "
            text += " "
    return "%04x  " % (offset & 0xFFFF) + hex_part.ljust(50) + text + "\n"


@bif("hexdump", "function(data_str: string): string")
def hexdump(data):
    """16 bytes a line: offset, hex bytes, then the printable characters."""
    if not data:
        return " " * 50 + "\n"
    return "".join(_hexdump_line(i, data[i : i + 16]) for i in range(0, len(data), 16))


# ------------------------------------------------------------ patterns


def _split(s, pat, incl_sep: bool, max_num_sep: int):
    out = []
    pos = 0
    for num, (b, e) in enumerate(find_matches(pat, s)):
        if max_num_sep and num >= max_num_sep:
            break
        out.append(s[pos:b])
        if incl_sep:
            out.append(s[b:e])
        pos = e
    out.append(s[pos:])
    return Vector(_STRING_VEC, out)


@bif("split_string", "function(str: string, re: pattern): string_vec")
def split_string(s, pat):
    return _split(s, pat, False, 0)


@bif("split_string1", "function(str: string, re: pattern): string_vec")
def split_string1(s, pat):
    return _split(s, pat, False, 1)


@bif("split_string_all", "function(str: string, re: pattern): string_vec")
def split_string_all(s, pat):
    return _split(s, pat, True, 0)


@bif(
    "split_string_n",
    "function(str: string, re: pattern, incl_sep: bool, max_num_sep: count): string_vec",
)
def split_string_n(s, pat, incl_sep, max_num_sep):
    return _split(s, pat, incl_sep, max_num_sep)


def _replace(s, pat, repl, do_all: bool) -> str:
    out = []
    pos = 0
    for b, e in find_matches(pat, s):
        out.append(s[pos:b])
        out.append(repl)
        pos = e
        if not do_all:
            break
    out.append(s[pos:])
    return "".join(out)


@bif("sub", "function(str: string, re: pattern, repl: string): string")
def sub(s, pat, repl):
    return _replace(s, pat, repl, False)


@bif("gsub", "function(str: string, re: pattern, repl: string): string")
def gsub(s, pat, repl):
    return _replace(s, pat, repl, True)


def _find_all(s, pat, max_str_size):
    limit = MAX_FIND_ALL_STRING_LENGTH if max_str_size < 0 else max_str_size
    if limit > 0 and len(s) > limit:
        return []
    return [s[b:e] for b, e in find_matches(pat, s, every_bol=True, allow_empty=True)]


@bif("find_all", "function(str: string, re: pattern, max_str_size: int &default=-1): string_set")
def find_all(s, pat, max_str_size=-1):
    return Set(_STRING_SET, _find_all(s, pat, max_str_size))


@bif(
    "find_all_ordered",
    "function(str: string, re: pattern, max_str_size: int &default=-1): string_vec",
)
def find_all_ordered(s, pat, max_str_size=-1):
    return Vector(_STRING_VEC, _find_all(s, pat, max_str_size))


@bif("find_first", "function(str: string, re: pattern, offset: count &default=0): string")
def find_first(s, pat, offset=0):
    for b, e in find_matches(pat, s, offset, every_bol=True, allow_empty=True):
        return s[b:e]
    return ""


@bif("find_last", "function(str: string, re: pattern, offset: count &default=0): string")
def find_last(s, pat, offset=0):
    """The match starting last (not necessarily the longest), at or after ``offset``."""
    for pos in range(len(s) - 1, offset - 1, -1):
        n = match_at(pat, s, pos)
        if n >= 0:
            return s[pos : pos + n]
    return ""


@bif("string_cat", "function(): string", varargs=True, context=True)
def string_cat(ctx, *args):
    if not all(type(a) is str for a in args):
        # As Zeek (strings.bif): an error without location, and no result.
        reporter_error(ctx, "string_cat() requires string arguments")
        return ""
    return "".join(args)


@bif("join_string_set", "function(ss: string_set, sep: string): string")
def join_string_set(ss, sep):
    return sep.join(zeekorder.keys(ss))


# ------------------------------------------------------------ formatting

_FMT_SPEC = re.compile(r"(-?)(0?)(\d*)(?:\.(\d*))?(.?)", re.DOTALL)
_D_TYPES = ("bool", "enum", "int", "count", "port")
_F_TYPES = ("double", "time", "interval")
_M64 = (1 << 64) - 1


def _fmt_integer(ctx, v, tag: str, conv: str, num_fmt: str) -> str:
    raw = unbox(v)
    if conv == "x" and tag == "addr":
        n = addr_bits(raw)
        return "%08x" % (n & 0xFFFFFFFF) if n >> 32 == 0xFFFF else "%032x" % n
    if tag not in _D_TYPES:
        builtin_error(ctx, "bad type for %d/%x format", v)
        return ""
    n = raw.num if tag == "port" else raw.value if tag == "enum" else int(raw)
    if conv == "x":
        n &= _M64
    return ("%" + num_fmt + conv) % n


def _fmt_time(ctx, v, tag: str, conv: str) -> str:
    if tag != "time":
        builtin_error(ctx, "bad type for Date/Time format", v)
        return ""
    secs = float(unbox(v))
    tm = time.localtime(int(secs))
    if conv == "D":
        return time.strftime("%Y-%m-%d-%H:%M:%S", tm)
    frac = int(secs) % 60 + secs - int(secs)
    return time.strftime("%Y-%m-%d-%H:%M", tm) + ":%012.9f" % frac


def _fmt_directive(ctx, spec: re.Match, v) -> str:
    """One ``%`` directive of ``fmt`` (the text after the ``%``) applied to ``v``."""
    left, zero, width_text, precision_text, conv = spec.groups()
    width = int(width_text) if width_text else -1
    precision = int(precision_text or "0") if precision_text is not None else -1
    if width > 128 or precision > 128:
        builtin_error(ctx, "excessive field width or precision")
        return ""
    num_fmt = ("-" if left else "0" if zero else "") + width_text if width >= 0 else ""
    if precision >= 0:
        num_fmt += f".{precision}"
        if conv not in ("e", "f", "g"):
            builtin_error(ctx, "precision specified for non-floating point")
    t = type_of(v)
    tag = t.tag if t is not None else ""
    if conv in ("D", "T"):
        text = _fmt_time(ctx, v, tag, conv)
    elif conv in ("d", "x"):
        text = _fmt_integer(ctx, v, tag, conv, num_fmt)
    elif conv == "s":
        text = describe_any(v)
    elif conv in ("e", "f", "g"):
        if tag in _F_TYPES:
            text = ("%" + num_fmt + conv) % float(unbox(v))
        else:
            builtin_error(ctx, "bad type for floating-point format", v)
            text = ""
    else:
        builtin_error(ctx, "bad format")
        text = ""
    return text.ljust(width) if left else text.rjust(width)


@bif("fmt", "function(): string", varargs=True, context=True)
def fmt(ctx, *args):
    """Zeek's ``fmt``: ``%[-][0][width][.precision](d|x|s|e|f|g|D|T)`` and ``%%``.

    ``fmt()`` is the empty string; a wrong number of arguments is a
    non-fatal error returning the empty string.
    """
    if not args:
        return ""
    f = unbox(args[0])
    if not isinstance(f, str):  # the checker refuses this unless fmt is called indirectly
        builtin_error(ctx, "first argument to util::fmt() needs to be a format string")
        return ""
    out: list[str] = []
    pos = n = 0
    while True:
        j = f.find("%", pos)
        if j < 0:
            out.append(f[pos:])
            break
        out.append(f[pos:j])
        if f[j + 1 : j + 2] == "%":
            out.append("%")
            pos = j + 2
            continue
        n += 1
        if n >= len(args):
            break
        spec = _FMT_SPEC.match(f, j + 1)
        out.append(_fmt_directive(ctx, spec, args[n]))
        pos = spec.end()
        if pos >= len(f):
            break
    if n < len(args) - 1:
        builtin_error(ctx, "too many arguments for format", f)
        return ""
    if n >= len(args):
        builtin_error(ctx, "too few arguments for format", f)
        return ""
    return "".join(out)


def _type_tag_name(v) -> str:
    t = type_of(v)
    return "func" if t is None else t.tag


@bif("cat_sep", "function(): string", varargs=True, context=True)
def cat_sep(ctx, *args):
    """``cat_sep(sep, def, ...)``: the arguments described and joined by ``sep``; empty strings become ``def``."""
    if len(args) < 2:
        builtin_error(ctx, f"cat_sep() takes at least 2 argument(s), got {len(args)}")
        return ""
    for name, v in zip(("sep", "def"), args, strict=False):
        if type_of(v) is not STRING:
            builtin_error(ctx, f"expected type string for {name}, got {_type_tag_name(v)}")
            return ""
    sep, default = args[0], args[1]
    return sep.join(default if type(a) is str and a == "" else describe_any(a) for a in args[2:])
