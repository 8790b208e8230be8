"""SIGTERM stops a command the way Ctrl-C does.

``kill PID`` (SIGTERM: what a closing terminal, ``timeout`` or a service manager sends) raises
``KeyboardInterrupt`` in the main thread, exactly like Ctrl-C, so a run saves what it recorded,
closes the take's WAV and prints the same "Stopped … resume with …" message. The exit status
tells the two apart: 130 after Ctrl-C, 143 after SIGTERM (the shell's 128 + signal number).
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

_received: int | None = None


@contextlib.contextmanager
def sigterm_stops() -> Iterator[None]:
    """While the block runs, SIGTERM raises ``KeyboardInterrupt`` in the main thread.

    The previous handler comes back afterwards, so calling ``main()`` in-process (tests, other
    programs) leaves the caller's signal handling as it was.
    """
    global _received
    _received = None
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError):  # not the main thread (embedded use): leave the default
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _on_sigterm(signum, frame) -> None:
    global _received
    _received = signum
    raise KeyboardInterrupt


def stop_exit_code() -> int:
    """The exit status after a stop: 143 if SIGTERM asked for it, else 130 (Ctrl-C)."""
    return 128 + (_received or signal.SIGINT)


def stop_reason() -> str:
    """``SIGTERM`` or ``Ctrl-C``: what stopped the command, for its last line."""
    return "SIGTERM" if _received == signal.SIGTERM else "Ctrl-C"
