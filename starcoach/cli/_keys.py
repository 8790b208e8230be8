"""Single key presses from the terminal, without Enter (POSIX terminals): the one key reader.

``with KeyReader() as keys: key = keys.read(0.05)`` returns a key name or None after the timeout.
Names: single lower-case characters (``"n"``), ``"space"``, ``"enter"``, ``"esc"``, ``"left"``,
``"right"``, ``"up"``, ``"down"``. The terminal is in cbreak mode while the block runs (no echo, no
line buffering; Ctrl-C still interrupts) and is restored on exit, even after an exception. When
stdin is not a terminal the reader still reads (keys piped in), without changing any mode.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
from collections.abc import Callable, Iterable, Iterator

_SEQUENCES = {"\x1b[A": "up", "\x1b[B": "down", "\x1b[C": "right", "\x1b[D": "left",
              "\x1bOA": "up", "\x1bOB": "down", "\x1bOC": "right", "\x1bOD": "left"}


def keys_available() -> bool:
    """True when stdin is a terminal we can read single keys from."""
    try:
        import termios  # noqa: F401
    except ImportError:
        return False
    return sys.stdin.isatty()


class KeyReader:
    """Key presses from ``stream`` (default stdin), by name.

    Raises (from :meth:`read`):
        EOFError: the input ended.
        KeyboardInterrupt: Ctrl-C arrived as a key (a terminal without signals).
    """

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stdin
        self.fd = self.stream.fileno()
        self._saved = None

    def __enter__(self) -> KeyReader:
        import termios
        import tty

        try:
            self._saved = termios.tcgetattr(self.fd)
            tty.setcbreak(self.fd)
        except termios.error:  # not a terminal: read as it comes
            self._saved = None
        return self

    def __exit__(self, *exc) -> None:
        import termios

        if self._saved is not None:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)

    def _byte(self, timeout: float | None) -> str | None:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return None
        data = os.read(self.fd, 1)
        if not data:
            raise EOFError
        return data.decode("utf-8", "replace")

    def read(self, timeout: float | None = None) -> str | None:
        """One key's name, or None after ``timeout`` seconds (None: wait for ever)."""
        ch = self._byte(None if timeout is None else max(0.0, timeout))
        if ch is None:
            return None
        if ch == "\x1b":
            seq = ch
            while len(seq) < 3:
                more = self._byte(0.02)
                if more is None:
                    break
                seq += more
            return _SEQUENCES.get(seq, "esc")
        if ch == " ":
            return "space"
        if ch in ("\r", "\n"):
            return "enter"
        if ch == "\x03":
            raise KeyboardInterrupt
        return ch.lower()

    def wait(self, names: Iterable[str]) -> str:
        """Block until one of the keys ``names`` is pressed; returns its name."""
        wanted = set(names)
        while True:
            key = self.read(None)
            if key in wanted:
                return key

    def drain(self) -> None:
        """Forget keys pressed before now (typed ahead while the coach was talking)."""
        while self.read(0) is not None:
            pass


@contextlib.contextmanager
def raw_keys() -> Iterator[Callable[[float], str | None]]:
    """``with raw_keys() as read_key: key = read_key(0.05)``: :meth:`KeyReader.read` on stdin."""
    with KeyReader() as keys:
        yield keys.read
