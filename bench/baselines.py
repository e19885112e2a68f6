"""Plain-Python equivalents of the programs in ``bench/programs/``.

Each function does the same work as its zscript counterpart, written the way
one would write it in idiomatic Python (``for ... in range()`` where the
zscript program has to use a ``while`` loop, no 64-bit wrap-around masks).
That makes the baseline the stricter one: the ratio includes everything
zscript's semantics and compiler add on top of plain Python.
"""

from __future__ import annotations

from collections import deque

# ----------------------------------------------------------------- 1. fib


def fib(n: int) -> int:
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


# ----------------------------------------------------------- 2. table sum


def make_table(n: int) -> dict[int, int]:
    return {i: 2 * i for i in range(n)}


def table_sum(t: dict[int, int], reps: int) -> int:
    total = 0
    for _ in range(reps):
        for _k, v in t.items():
            total += v
    return total


# ------------------------------------------------------ 3. record + fmt


class BenchRec:
    __slots__ = ("n", "name")

    def __init__(self, name: str, n: int):
        self.name = name
        self.n = n


def record_fmt(iterations: int) -> int:
    r = BenchRec("host.example", 4242)
    total = 0
    for _ in range(iterations):
        total += len("%s:%d" % (r.name, r.n))  # noqa: UP031 - the equivalent of fmt()
    return total


# ------------------------------------------------------------- 4. events
#
# An event queue reduced to its essence: a deque of (handler tuple, args)
# drained FIFO, each entry calling its plain functions in order.

c1 = 0
c2 = 0
c3 = 0


def on_ev_1(i: int) -> None:
    global c1
    c1 += 1


def on_ev_2(i: int) -> None:
    global c2
    c2 += i


def on_ev_3(i: int) -> None:
    global c3
    if i % 2 == 0:
        c3 += 1


EV_HANDLERS = (on_ev_1, on_ev_2, on_ev_3)
queue: deque = deque()


def events_raise(n: int) -> None:
    append = queue.append
    handlers = EV_HANDLERS
    for i in range(n):
        append((handlers, (i,)))


def events_drain() -> None:
    popleft = queue.popleft
    while queue:
        handlers, args = popleft()
        for fn in handlers:
            fn(*args)


def events_counters() -> tuple[int, int, int]:
    return c1, c2, c3
