"""Single key presses from the terminal, without Enter (POSIX terminals).

``with raw_keys() as read_key: key = read_key(0.05)`` returns a key name or None after the
timeout. Names: single characters (``"n"``), ``"space"``, ``"enter"``, ``"esc"``, ``"left"``,
``"right"``, ``"up"``, ``"down"``. The terminal is restored on exit, even after an exception.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
from collections.abc import Callable, Iterator

_SEQUENCES = {"\x1b[A": "up", "\x1b[B": "down", "\x1b[C": "right", "\x1b[D": "left",
              "\x1bOA": "up", "\x1bOB": "down", "\x1bOC": "right", "\x1bOD": "left"}


def keys_available() -> bool:
    """True when stdin is a terminal we can read single keys from."""
    try:
        import termios  # noqa: F401
    except ImportError:
        return False
    return sys.stdin.isatty()


@contextlib.contextmanager
def raw_keys() -> Iterator[Callable[[float], str | None]]:
    """Put the terminal in cbreak mode (no echo, no line buffering) while the block runs."""
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)

    def read_key(timeout: float) -> str | None:
        ready, _, _ = select.select([fd], [], [], max(0.0, timeout))
        if not ready:
            return None
        ch = os.read(fd, 1).decode("utf-8", "replace")
        if ch == "\x1b":
            seq = ch
            while len(seq) < 3 and select.select([fd], [], [], 0.02)[0]:
                seq += os.read(fd, 1).decode("utf-8", "replace")
            return _SEQUENCES.get(seq, "esc")
        if ch == " ":
            return "space"
        if ch in ("\r", "\n"):
            return "enter"
        if ch == "\x03":
            raise KeyboardInterrupt
        return ch

    try:
        yield read_key
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
