"""Zeek's rendering of doubles, times and intervals (pure functions).

Shared by the runtime (``print``) and the AST printer (expression text in
error messages), so it lives at the bottom layer.
"""

from __future__ import annotations

import math
from decimal import Decimal

__all__ = ["format_double", "format_interval"]

_INT_MAX = 2147483647.0


def _scientific_shortest(a: float) -> str:
    """C++ ``std::to_chars(scientific)``: shortest round-trip digits, e.g. ``1e+10``."""
    sign, digits, exp = Decimal(repr(a)).as_tuple()
    ds = "".join(map(str, digits)).rstrip("0") or "0"
    e = exp + len(digits) - 1
    mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
    return f"{mant}e{'-' if e < 0 else '+'}{abs(e):02d}"


def format_double(d: float, precision: int = 6) -> str:
    """Zeek's ``ODesc::Add(double)`` in readable mode."""
    if d != d:
        return "nan"
    neg = d < 0
    a = -d if neg else abs(d)
    if a == math.inf:
        s = "inf"
    elif a > _INT_MAX:
        s = _scientific_shortest(a)
    elif a < 10.0**-precision:
        s = "%.*g" % (precision, a)
    else:
        s = "%.*f" % (precision, a)
        s = s.rstrip("0")
        if s.endswith("."):
            s = s[:-1]
    if neg:
        s = "-" + s
    if math.isfinite(d) and abs(d - round(d)) < 1e-9 and "e" not in s:
        s += ".0"
    return s


_UNITS = (
    (86400.0, "day"),
    (3600.0, "hr"),
    (60.0, "min"),
    (1.0, "sec"),
    (1e-3, "msec"),
    (1e-6, "usec"),
)


def format_interval(v: float) -> str:
    """Zeek's ``IntervalVal::ValDescribe``: ``13.0 mins 20.0 secs``."""
    if v == 0.0:
        return "0 secs"
    parts: list[str] = []
    last = len(_UNITS) - 1
    for i, (unit, word) in enumerate(_UNITS):
        if i == last:
            to_print = v / unit
            if abs(to_print) < 1e-6:
                if not parts:
                    parts.append("0 secs")
                break
        else:
            if not (v >= unit or v <= -unit):
                continue
            num = v / unit
            num = math.ceil(num) if num < 0 else math.floor(num)
            v -= num * unit
            to_print = float(num)
        s = f"{format_double(to_print)} {word}"
        if abs(to_print - 1) >= 1e-6 and abs(to_print + 1) >= 1e-6:
            s += "s"
        parts.append(s)
    return " ".join(parts)
