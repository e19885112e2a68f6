"""Timers in network time, and the clocks that drive network time.

The :class:`TimerQueue` is a heap of ``(time, seq, callback)``; ``schedule``
adds a timer at ``network_time + delay`` whose callback queues the event.
The event loop expires due timers each round (at most
:data:`MAX_TIMER_EXPIRES`, Zeek's ``max_timer_expires``) and all remaining
ones at shutdown, in time order.

A cancelled timer lets go of its callback at once (and with it whatever the
callback holds, such as a finished ``when`` trigger and its frame); its heap
entry is dropped when it reaches the top, or when cancelled entries make up
most of the heap (Zeek's ``TimerMgr::Cancel`` removes a timer from its queue
at once).  A ``when ... timeout`` that completes in time thus leaves nothing
behind that the cyclic collector would have to scan again and again.

Network time comes from a clock.  :class:`WallClock` is Zeek's behaviour
without a packet source (network time follows the wall clock while the loop
runs).  :class:`VirtualClock` jumps straight to the next timer instead of
sleeping: scripts with ``schedule`` and ``when ... timeout`` then run
instantly and deterministically, which golden tests rely on.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable

__all__ = [
    "BACKGROUND_KINDS",
    "MAX_TIMER_EXPIRES",
    "Timer",
    "TimerQueue",
    "VirtualClock",
    "WallClock",
]

MAX_TIMER_EXPIRES = 300

#: Timer kinds that only keep the process's own machinery going (they re-arm
#: themselves and never make script code run): with nothing else pending,
#: virtual time does not run on for them (see ``EventLoop._wait``).
BACKGROUND_KINDS = frozenset({"LogFlushWriteBufferTimer"})


#: Cancelled entries a heap holds before it is rebuilt without them (when
#: they are also more than half of it).
_COMPACT_AT = 256


class Timer:
    __slots__ = ("background", "callback", "cancelled", "kind", "queue", "when")

    def __init__(
        self,
        when: float,
        callback: Callable[[], None],
        kind: str = "",
        background: Callable[[], bool] | None = None,
    ):
        self.when = when
        self.callback = callback
        self.cancelled = False
        #: Zeek's timer type name ("ScheduleTimer", "TriggerTimer", ...; "" if none
        #: applies), the ``type`` label of ``zeek_timers_pending``.
        self.kind = kind
        #: Whether the timer, now, only keeps the process's machinery going
        #: (see :meth:`TimerQueue.only_background`); None: by its kind.
        self.background = background
        #: The queue whose heap holds the timer (None once it left the heap).
        self.queue: TimerQueue | None = None

    def is_background(self) -> bool:
        if self.background is not None:
            return self.background()
        return self.kind in BACKGROUND_KINDS

    def cancel(self) -> None:
        if self.cancelled:
            return
        self.cancelled = True
        self.callback = None
        self.background = None
        q = self.queue
        if q is not None:
            q._cancelled_one()


class TimerQueue:
    def __init__(self):
        self._heap: list[tuple[float, int, Timer]] = []
        self._seq = 0
        #: Timers ever added (Zeek's cumulative ``zeek_timers_total``).
        self.added = 0
        #: Cancelled timers still in the heap.
        self._cancelled = 0

    def add(
        self,
        when: float,
        callback: Callable[[], None],
        kind: str = "",
        background: Callable[[], bool] | None = None,
    ) -> Timer:
        """Run ``callback`` at ``when``; ``kind`` is Zeek's timer type name, if
        one applies; ``background()`` says whether the timer, when asked, only
        keeps machinery going (default: whether ``kind`` is in
        :data:`BACKGROUND_KINDS`)."""
        self._seq += 1
        self.added += 1
        t = Timer(when, callback, kind, background)
        t.queue = self
        heapq.heappush(self._heap, (when, self._seq, t))
        return t

    def _cancelled_one(self) -> None:
        self._cancelled += 1
        if self._cancelled > _COMPACT_AT and 2 * self._cancelled > len(self._heap):
            # Rebuild in place: callers may hold the heap list (expire's loop).
            live = [e for e in self._heap if not e[2].cancelled]
            for e in self._heap:
                if e[2].cancelled:
                    e[2].queue = None
            self._heap[:] = live
            heapq.heapify(self._heap)
            self._cancelled = 0

    def _pop(self) -> Timer:
        t = heapq.heappop(self._heap)[2]
        t.queue = None
        if t.cancelled:
            self._cancelled -= 1
        return t

    def next_time(self) -> float | None:
        h = self._heap
        while h and h[0][2].cancelled:
            self._pop()
        return h[0][0] if h else None

    def only_background(self) -> bool:
        """Whether every pending timer only keeps machinery going (a
        :data:`BACKGROUND_KINDS` kind, or its ``background()`` says so);
        False when none is pending."""
        h = self._heap
        if not h or not h[0][2].is_background():
            return False  # the common case: decided by the next timer
        return all(t.cancelled or t.is_background() for _, _, t in h)

    def __len__(self) -> int:
        return len(self._heap) - self._cancelled

    def pending_by_kind(self) -> dict[str, int]:
        """Pending (not cancelled) timers per :attr:`Timer.kind`."""
        out: dict[str, int] = {}
        for _, _, t in self._heap:
            if not t.cancelled:
                out[t.kind] = out.get(t.kind, 0) + 1
        return out

    def expire(self, now: float, limit: int | None = MAX_TIMER_EXPIRES) -> int:
        """Run the callbacks of timers due at ``now`` (all of them if ``now`` is None)."""
        h = self._heap
        n = 0
        while h and (limit is None or n < limit):
            if now is not None and h[0][0] > now:
                break
            t = self._pop()
            if t.cancelled:
                continue
            n += 1
            t.callback()
        return n


class WallClock:
    virtual = False

    def now(self) -> float:
        return time.time()


class VirtualClock:
    """Network time that only moves when the loop advances it to a timer."""

    virtual = True

    def __init__(self, start: float | None = None):
        self.t = time.time() if start is None else start

    def now(self) -> float:
        return self.t

    def advance_to(self, t: float) -> None:
        if t > self.t:
            self.t = t
