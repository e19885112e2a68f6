"""Zeek's process-wide pseudo-random numbers (``random_number`` in ``src/util.cc``).

Zeek draws the numbers behind ``rand``, the address anonymizers and other
randomised choices from one generator.  With a seed file (``-G``,
``ZEEK_SEED_FILE``) it is Zeek's own Lehmer generator (multiplier 16807,
modulus 2^31 - 1), started from the file's first number, so a script's
"random" output repeats from run to run and matches Zeek's.  Without one
Zeek uses the C library's ``random()`` seeded from fresh entropy; here the
same Lehmer generator runs from a random start, so the values are random
and the range (:func:`max_random`) is the same in both cases.

``srand`` (:func:`seed_random`) restarts the generator, as in Zeek.
"""

from __future__ import annotations

import os

__all__ = [
    "MODULUS",
    "initial_seed",
    "max_random",
    "prng",
    "random_number",
    "random_u32",
    "seed_random",
    "start",
]

#: The Lehmer generator's modulus; its values are 1 .. MODULUS - 1.
MODULUS = 2147483647
_MULTIPLIER = 16807

_INITIAL = [int.from_bytes(os.urandom(4), "little")]
_STATE = [_INITIAL[0] % MODULUS or 1]


def start(seed: int) -> None:
    """Start the process's generator from ``seed`` (the seed file's first
    number); :func:`initial_seed` reports it from then on."""
    _INITIAL[0] = seed & 0xFFFFFFFF
    seed_random(seed)


def initial_seed() -> int:
    """The number the process's generator started from (Zeek's
    ``initial_seed``; ``srand`` does not change it)."""
    return _INITIAL[0]


def seed_random(seed: int) -> None:
    """Restart the generator from ``seed`` (0 counts as 1, as in Zeek)."""
    seed &= 0xFFFFFFFF
    _STATE[0] = seed % MODULUS or 1


def prng(state: int) -> int:
    """One step of the generator from ``state`` (Zeek's ``prng``)."""
    return (state * _MULTIPLIER) % MODULUS


def random_number() -> int:
    """The next number, in ``1 .. max_random()``."""
    s = _STATE[0] = (_STATE[0] * _MULTIPLIER) % MODULUS
    return s


def max_random() -> int:
    """The largest value :func:`random_number` returns."""
    return MODULUS - 1


def random_u32() -> int:
    """32 random bits from two draws, high half first (``rand32`` in ``src/Anon.cc``)."""
    hi = random_number() & 0xFFFF
    return (hi << 16) | (random_number() & 0xFFFF)
