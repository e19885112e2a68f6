"""Mathematical built-in functions.

Results follow the C library Zeek calls: out-of-domain arguments give
``nan`` or ``-inf`` and overflows ``inf`` instead of Python exceptions.

Provides: floor, ceil, sqrt, exp, ln, log2, log10, pow, modulo,
haversine_distance.
"""

from __future__ import annotations

import math

from ..bifs import bif
from ._support import reporter_error

__all__ = []


def _c_log(fn, d: float) -> float:
    if d == 0.0:
        return -math.inf
    if d < 0.0 or math.isnan(d):
        return math.nan
    return fn(d)


@bif("floor", "function(d: double): double")
def floor(d):
    return float(math.floor(d)) if math.isfinite(d) else d


@bif("ceil", "function(d: double): double")
def ceil(d):
    return float(math.ceil(d)) if math.isfinite(d) else d


@bif("sqrt", "function(x: double): double", context=True)
def sqrt(ctx, x):
    if x < 0:
        reporter_error(ctx, "negative sqrt argument")
        return -1.0
    return math.sqrt(x)


@bif("exp", "function(d: double): double")
def exp(d):
    try:
        return math.exp(d)
    except OverflowError:
        return math.inf


@bif("ln", "function(d: double): double")
def ln(d):
    return _c_log(math.log, d)


@bif("log2", "function(d: double): double")
def log2(d):
    return _c_log(math.log2, d)


@bif("log10", "function(d: double): double")
def log10(d):
    return _c_log(math.log10, d)


def _odd_integer(y: float) -> bool:
    return float(y).is_integer() and y % 2 == 1


@bif("pow", "function(x: double, y: double): double")
def pow_(x, y):
    try:
        return math.pow(x, y)
    except OverflowError:
        # |result| too large: an infinity, negative for a negative base to an odd power.
        return -math.inf if x < 0 and _odd_integer(y) else math.inf
    except ValueError:
        if x == 0.0:
            # Zero to a negative power.
            return math.copysign(math.inf, x) if _odd_integer(y) else math.inf
        # A negative base to a non-integral power.
        return math.nan


@bif("modulo", "function(a: int, b: int): int", context=True)
def modulo(ctx, a, b):
    """The modulo, ``((a % b) + b) % b`` with C's remainder; ``%`` is the remainder."""
    if b == 0:
        reporter_error(ctx, "modulo by zero")
        return 0
    return a % b


_EARTH_RADIUS_MILES = 3958.8


@bif(
    "haversine_distance",
    "function(lat1: double, long1: double, lat2: double, long2: double): double",
)
def haversine_distance(lat1, long1, lat2, long2):
    """Great-circle distance in miles between two points given in degrees."""
    s1 = math.sin((lat2 - lat1) * math.pi / 360)
    s2 = math.sin((long2 - long1) * math.pi / 360)
    a = s1 * s1 + math.cos(lat1 * math.pi / 180) * math.cos(lat2 * math.pi / 180) * s2 * s2
    return 2 * _EARTH_RADIUS_MILES * math.asin(math.sqrt(a))
