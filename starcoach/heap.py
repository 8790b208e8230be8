"""The process heap (glibc): fewer malloc arenas, and freed memory handed back to the system.

A run keeps Whisper, spaCy and the voice in one process with several threads (recorder,
transcriber, model loader). glibc gives each thread its own malloc arena, memory freed in one
stays reserved there, and large blocks freed once make later ones come from the heap; with two
arenas, a fixed mmap threshold and a trim after a big release (the voice engine), a whole run peaks
lower (BENCHMARKS.md, "Peak memory"). Elsewhere (not glibc) these are no-ops.
"""

from __future__ import annotations

import ctypes
import functools

_M_ARENA_MAX = -8  # malloc.h
_M_MMAP_THRESHOLD = -3


@functools.lru_cache(maxsize=1)
def _libc():
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt  # noqa: B018 - glibc only
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def limit_arenas(arenas: int = 2, mmap_threshold: int = 8 << 20) -> None:
    """Use at most ``arenas`` malloc arenas, and give every allocation of ``mmap_threshold``
    bytes or more its own mapping, returned to the system when freed (call before threads start
    allocating).

    A fixed threshold also turns off glibc's sliding one: after a large block is freed, glibc
    raises the threshold (up to 32 MB), so the next spectrograms and encoder buffers of a
    Whisper decode come from the heap and stay resident after it (measured: a run's resident
    size crept from 406 to 430 MB between decodes; with this, it stays near 370 MB).
    """
    libc = _libc()
    if libc is not None:
        libc.mallopt(_M_ARENA_MAX, arenas)
        libc.mallopt(_M_MMAP_THRESHOLD, mmap_threshold)


def trim() -> None:
    """Give free heap memory back to the system (after releasing something big)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
