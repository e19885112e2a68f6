"""The timer queue: cancelled timers let go of what they hold, and the heap
sheds them without changing the order of the others."""

from __future__ import annotations

import gc
import weakref

from zscript.engine.timers import TimerQueue


class _Held:
    """Something a timer's callback keeps alive (a trigger and its frame)."""


def test_a_cancelled_timer_lets_go_of_its_callback():
    q = TimerQueue()
    held = _Held()
    ref = weakref.ref(held)
    t = q.add(10.0, lambda held=held: held)
    del held
    t.cancel()
    gc.collect()
    assert ref() is None  # nothing reachable from the queue holds it any more
    assert len(q) == 0
    assert q.next_time() is None
    t.cancel()  # twice is harmless
    assert len(q) == 0


def test_cancelled_entries_are_shed_and_the_rest_expire_in_order():
    q = TimerQueue()
    ran = []
    timers = [q.add(float(i % 97), lambda i=i: ran.append(i)) for i in range(3000)]
    for i, t in enumerate(timers):
        if i % 10:
            t.cancel()
    kept = [i for i in range(3000) if i % 10 == 0]
    assert len(q) == len(kept)
    # Most entries were cancelled: the heap was rebuilt without them.
    assert len(q._heap) < 3000 // 2
    q.expire(50.0, None)
    due = sorted((i % 97, i) for i in kept if i % 97 <= 50)
    assert ran == [i for _, i in due]
    assert len(q) == len(kept) - len(due)
    q.expire(None, None)
    assert sorted(ran) == kept
    assert len(q) == 0 and q.next_time() is None


def test_cancelling_from_a_callback_while_expiring():
    q = TimerQueue()
    ran = []
    later = [q.add(5.0 + i, lambda i=i: ran.append(i)) for i in range(600)]

    def cancel_most():
        ran.append("first")
        for t in later[1:]:
            t.cancel()  # rebuilds the heap while expire() walks it

    q.add(1.0, cancel_most)
    assert q.expire(None, None) == 2
    assert ran == ["first", 0]
    assert len(q) == 0
