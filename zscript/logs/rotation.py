"""When logs rotate (Zeek's ``calc_next_rotate``).

With a rotation interval ``i`` (``Log::default_rotation_interval`` or a
filter's ``$interv``), files rotate at the times ``start of day + base + k*i``
(local time), where *base* comes from ``log_rotate_base_time`` (``"0:00"``,
i.e. midnight: an hourly interval rotates on the hour).  The first rotation
of a file therefore usually comes sooner than one interval after it was
opened.  Without a base time the next multiple of ``i`` since the epoch is
used.
"""

from __future__ import annotations

import math
import time

__all__ = ["next_rotation_delay", "parse_base_time"]


def parse_base_time(text: str) -> float:
    """``"H:MM"`` as seconds after midnight; -1 for "" or unparsable text."""
    if not text:
        return -1.0
    try:
        t = time.strptime(text, "%H:%M")
    except ValueError:
        return -1.0
    return float(t.tm_hour * 3600 + t.tm_min * 60)


def next_rotation_delay(now: float, interval: float, base: float) -> float:
    """Seconds from ``now`` to the next rotation (``util::detail::calc_next_rotate``)."""
    if interval <= 0:
        return 0.0
    if base < 0:
        return math.floor(now / interval) * interval + interval - now
    lt = time.localtime(now)
    start_of_day = time.mktime((lt.tm_year, lt.tm_mon, lt.tm_mday, 0, 0, 0, 0, 0, -1))
    delta = start_of_day + base + math.ceil((now - start_of_day - base) / interval) * interval - now
    return delta if delta > 0.0 else interval
