"""Locks shared by processes over the data folder: who may write what, and who holds it.

Several starcoach processes use one data folder at once (a run, ``note``, ``sessions rm``, the
web app), so every lock here is an ``flock`` on a file: the kernel releases it when its process
ends, even by ``kill -9`` or a power cut, so a crash never leaves a stale lock behind. Waiting is
bounded (:func:`lock_timeout_s`, 15 s); a lock still held after that raises
:class:`LockTimeout`, which names the process holding it (from ``/proc/locks`` where the system
has it), never hangs and never shows a traceback.

This module never prints; callers turn :class:`LockTimeout` into one line.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from starcoach.errors import StorageError, storage_error

#: How long a command waits for a lock another process holds before it gives up.
DEFAULT_LOCK_TIMEOUT_S = 15.0

try:  # pragma: no cover - Windows has no flock; atomic renames are the only guard there
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None


def lock_timeout_s() -> float:
    """Seconds to wait for a held lock: 15, or ``STARCOACH_LOCK_TIMEOUT`` (tests, slow disks)."""
    try:
        return max(0.0, float(os.environ.get("STARCOACH_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT_S)))
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT_S


class LockTimeout(StorageError):
    """Another process held a lock longer than :func:`lock_timeout_s`."""


class InUse(StorageError):
    """A session is held by a live process (a run recording into it)."""


@dataclass(frozen=True)
class Holder:
    """A process holding a lock.

    Attributes:
        pid: Its process id.
        command: Its command line ("" if it cannot be read).
    """

    pid: int
    command: str

    def describe(self) -> str:
        """``pid 1234: starcoach run`` (the command shortened to something readable)."""
        return f"pid {self.pid}" + (f": {self.command}" if self.command else "")


def holders(*paths: Path) -> list[Holder]:
    """Processes other than this one holding a lock on any of ``paths`` (empty if unknown).

    Reads ``/proc/locks`` (Linux), which lists flock and POSIX locks (SQLite's) by inode.
    """
    wanted = set()
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            continue
        wanted.add((os.major(st.st_dev), os.minor(st.st_dev), st.st_ino))
    if not wanted:
        return []
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return []
    pids: list[int] = []
    for line in lines:
        parts = line.split()
        # "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; blocked waiters are "1: -> FLOCK ..."
        if len(parts) < 6 or parts[1] == "->":
            continue
        try:
            pid = int(parts[4])
            major, minor, inode = parts[5].split(":")
            key = (int(major, 16), int(minor, 16), int(inode))
        except ValueError:
            continue
        if key in wanted and pid > 0 and pid != os.getpid() and pid not in pids:
            pids.append(pid)
    return [Holder(pid, _command_of(pid)) for pid in pids]


def describe_holders(*paths: Path) -> str:
    """``another process (pid 1234: starcoach run)``, or ``another process`` when unknown."""
    found = holders(*paths)
    if not found:
        return "another process"
    return "another process (" + "; ".join(h.describe() for h in found[:3]) + ")"


def _command_of(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    args = [a.decode(errors="replace") for a in raw.split(b"\0") if a]
    if not args:
        return ""
    # "python -m starcoach run ..." and ".venv/bin/starcoach run ..." both read as "starcoach run ..."
    for i, arg in enumerate(args):
        if arg == "starcoach" or arg.endswith("/starcoach"):
            args = ["starcoach", *args[i + 1:]]
            break
    else:
        args[0] = os.path.basename(args[0])
    text = " ".join(" ".join(args).split())  # one line, whatever the arguments hold
    return text if len(text) <= 80 else text[:77] + "..."


@contextlib.contextmanager
def file_lock(path: Path, what: str, *, shared: bool = False, timeout_s: float | None = None) -> Iterator[None]:
    """Hold an ``flock`` on ``path`` (created if needed) for the block, waiting at most ``timeout_s``.

    Args:
        path: The lock file.
        what: What the lock guards, for the message ("session 2026…", "the session index").
        shared: Take a shared lock (many readers) instead of an exclusive one.
        timeout_s: Seconds to wait (default :func:`lock_timeout_s`).

    Raises:
        LockTimeout: another process held it longer; the message names that process.
        StorageError: the lock file cannot be created (read-only folder, full disk).
    """
    handle = _open(path)
    try:
        _acquire(handle, path, what, shared, lock_timeout_s() if timeout_s is None else timeout_s)
        yield
    finally:
        os.close(handle)


def _open(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    except OSError as e:
        if e.errno is not None and os.path.isdir(path.parent):
            # A read-only data folder can still be read: fall back to opening the lock read-only.
            with contextlib.suppress(OSError):
                return os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        raise storage_error(e, path) from e


def _acquire(handle: int, path: Path, what: str, shared: bool, timeout_s: float) -> None:
    if fcntl is None:  # pragma: no cover
        return
    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    deadline = time.monotonic() + timeout_s
    delay = 0.01
    while True:
        try:
            fcntl.flock(handle, mode | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        if time.monotonic() >= deadline:
            raise LockTimeout(
                f"{what[:1].upper()}{what[1:]} is locked by {describe_holders(path)} for more than {timeout_s:g} s",
                "wait for that command to finish (or stop it), then try again",
            )
        time.sleep(delay)
        delay = min(0.2, delay * 2)


class Hold:
    """A lock held for as long as a process works on something (see :func:`hold`)."""

    def __init__(self, handle: int, path: Path) -> None:
        self._handle: int | None = handle
        self.path = path

    def release(self) -> None:
        """Let go (idempotent); the kernel does the same if the process dies."""
        if self._handle is not None:
            os.close(self._handle)
            self._handle = None

    def __enter__(self) -> "Hold":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def hold(path: Path, what: str, fix: str) -> Hold:
    """Take the exclusive lock ``path`` without waiting, for as long as the caller keeps it.

    A live run holds its session this way; ``sessions rm`` and a second ``--resume`` try to take
    the same lock and are refused while the run lives. The lock dies with the process.

    Raises:
        InUse: another live process holds it; the message names that process and ``fix``.
    """
    handle = _open(path)
    if fcntl is not None:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            raise InUse(f"{what[:1].upper()}{what[1:]} is in use by {describe_holders(path)}", fix) from None
    return Hold(handle, path)
