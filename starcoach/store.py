"""Saved sessions on disk: one folder per session, ``session.json`` written atomically.

The folder is the source of truth. The SQLite index (:mod:`starcoach.index`) is derived from the
folders and rebuilt from them whenever it is missing, stale or damaged.

Everything that takes a session reference from a person goes through :func:`check_session_id`
or :func:`resolve_session_id`, so no user input can name a path outside the sessions folder.
Paths stored *inside* a session (audio files) go through :func:`audio_path` for the same reason:
a session may arrive from someone else's machine in a bundle.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from starcoach.errors import SessionInvalid, SessionNotFound, StorageError
from starcoach.paths import sessions_dir
from starcoach.records import RecordError
from starcoach.session import SESSION_ID_RE, Note, Session

#: Name of the per-session lock file (read-modify-write of session.json holds it).
LOCK_NAME = ".lock"

def check_session_id(session_id: str) -> str:
    """Return ``session_id`` if it is a well-formed id, else raise (no path traversal)."""
    if not SESSION_ID_RE.match(session_id or ""):
        raise SessionNotFound(
            f"'{session_id}' is not a session id",
            "ids look like 20261127-143005-learn-and-be; run `starcoach sessions` to list them, or use 'latest'",
        )
    return session_id


def session_dir(session_id: str, create: bool = False) -> Path:
    """The folder of a session (created with its ``audio/`` sub-folder when ``create``)."""
    path = sessions_dir() / check_session_id(session_id)
    if create:
        try:
            (path / "audio").mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise _storage_error(e, path) from e
    return path


def write_json_atomic(path: Path, data: object) -> None:
    """Write JSON to ``path`` via a temp file in the same folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise _storage_error(e, path) from e


def save_session(session: Session) -> Path:
    """Write ``session.json`` for ``session`` atomically; returns its path."""
    path = session_dir(session.session_id, create=True) / "session.json"
    write_json_atomic(path, session.to_dict())
    return path


def list_session_ids() -> list[str]:
    """Ids of all sessions on disk, oldest first."""
    root = sessions_dir()
    return sorted(p.name for p in root.iterdir() if SESSION_ID_RE.match(p.name) and (p / "session.json").exists())


def resolve_session_id(ref: str) -> str:
    """Turn ``latest`` or a unique id prefix into a full session id."""
    ids = list_session_ids()
    if not ids:
        raise SessionNotFound("No sessions saved yet", "run `starcoach run` or `starcoach demo` first")
    if ref == "latest":
        return ids[-1]
    if ref in ids:
        return ref
    matches = [i for i in ids if i.startswith(ref)] if ref else []
    if len(matches) == 1:
        return matches[0]
    hint = f"it matches {len(matches)} sessions; give more of the id" if matches else "run `starcoach sessions` to list ids"
    raise SessionNotFound(f"No session '{ref}'", hint)


def load_session(ref: str) -> Session:
    """Load a session by id, unique prefix, or ``latest``."""
    session_id = resolve_session_id(ref)
    return read_session_file(session_dir(session_id) / "session.json")


def read_session_file(path: Path) -> Session:
    """Read a ``session.json``, checking the type of every field.

    Raises:
        SessionInvalid: the file cannot be read, is not JSON, or a field is missing or has the
            wrong type (the error names the file and the field).
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise SessionInvalid(str(path), "", f"cannot be read ({e})") from e
    return session_from_json(data, str(path))


def session_from_json(data: Any, where: str = "session.json", fix: str = "") -> Session:
    """Build a :class:`Session` from parsed JSON (a file's, or a bundle's).

    Raises:
        SessionInvalid: ``data`` is not a session, or a field has the wrong type.
    """
    try:
        return Session.from_dict(data)
    except RecordError as e:
        if not e.field:
            raise SessionInvalid(where, "", f"is not a starcoach session (it is {e.got})", fix) from e
        raise SessionInvalid(where, e.field, e.problem, fix) from e


def audio_path(session_id: str, relative: str) -> Path:
    """The absolute path of an audio file named inside a session, refusing paths that escape it.

    Raises:
        StorageError: ``relative`` is absolute or climbs out of the session folder.
    """
    return resolve_inside(session_dir(session_id), relative)


def resolve_inside(folder: Path, relative: str) -> Path:
    """``folder / relative`` for a relative path that stays inside ``folder`` (no ``..``, no drive).

    Raises:
        StorageError: ``relative`` is empty, absolute or climbs out of ``folder``.
    """
    rel = PurePosixPath(str(relative).replace("\\", "/"))
    if not relative or rel.is_absolute() or ".." in rel.parts or any(":" in p for p in rel.parts):
        raise StorageError(
            f"Session {folder.name} names a file outside its folder: {relative!r}",
            "the session file was edited or is damaged; re-import it from its bundle",
        )
    return folder.joinpath(*rel.parts)


@contextlib.contextmanager
def session_lock(session_id: str) -> Iterator[None]:
    """Hold the session's lock file, so read-modify-write of ``session.json`` never loses an update."""
    folder = session_dir(session_id)
    try:
        handle = open(folder / LOCK_NAME, "a+b")  # noqa: SIM115 - released in finally
    except OSError as e:
        raise _storage_error(e, folder / LOCK_NAME) from e
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: atomic rename is the only guard
            fcntl = None
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield
    finally:
        handle.close()


def update_session(ref: str, change: Callable[[Session], None]) -> Session:
    """Load a session under its lock, apply ``change`` to it, save it; returns the saved session."""
    session_id = resolve_session_id(ref)
    with session_lock(session_id):
        session = read_session_file(session_dir(session_id) / "session.json")
        change(session)
        save_session(session)
    return session


def add_note(ref: str, note: Note) -> Session:
    """Pin ``note`` to a session (kept in time order); returns the updated session.

    Raises:
        StorageError: the note is empty, names an unknown step, or lies beyond the recording.
    """
    if not note.text.strip():
        raise StorageError("The note is empty", 'write the note after the options: starcoach note latest --at 1:23 "text"')
    if note.at_s < 0:
        raise StorageError(f"A note cannot be at a negative time ({note.at_s:g} s)", "give --at as M:SS from the start")

    def _pin(session: Session) -> None:
        length = _span_of(session, note.step)
        if length is not None and note.at_s > length + 1.0:
            where = f"step {note.step}" if note.step else "the session"
            raise StorageError(
                f"--at {_clock(note.at_s)} is beyond the end of {where} ({_clock(length)})",
                "give a time inside the recording" + ("" if note.step else ", or --step STEP for a time within a step"),
            )
        session.notes.append(note)
        session.notes.sort(key=lambda n: (_section_order(session, n.step), n.at_s))

    return update_session(ref, _pin)


def delete_session(ref: str) -> str:
    """Delete a session folder (audio included); returns the deleted id.

    The folder is first renamed to a hidden name, so a half-deleted session never shows up.
    """
    session_id = resolve_session_id(ref)
    folder = session_dir(session_id)
    trash = folder.with_name(f".deleted-{session_id}-{os.getpid()}")
    try:
        os.replace(folder, trash)
    except OSError as e:
        raise _storage_error(e, folder) from e
    shutil.rmtree(trash, ignore_errors=True)
    return session_id


def section_names(session: Session) -> list[str]:
    """The steps and probes of a session a note or a seek can name, in replay order."""
    names = [s.step for s in session.steps]
    names += [f"probe-{p.index}" for p in session.probes if p.audio or p.transcript]
    return names


def _span_of(session: Session, section: str) -> float | None:
    """Length of ``section`` ("" = whole session) in seconds, or None if unknown."""
    names = section_names(session)
    if section and section not in names:
        valid = ", ".join(names) or "none (the session has no recorded steps)"
        raise StorageError(f"Unknown step '{section}' in session {session.session_id}", f"expected one of {valid}")
    lengths = {s.step: s.duration_s for s in session.steps}
    lengths.update({f"probe-{p.index}": p.duration_s for p in session.probes})
    if section:
        return lengths.get(section) or None
    total = sum(lengths.get(n) or 0.0 for n in names)
    return total or None


def _section_order(session: Session, section: str) -> int:
    names = section_names(session)
    return names.index(section) + 1 if section in names else 0


def _clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _storage_error(e: OSError, path: Path) -> StorageError:
    if e.errno == errno.ENOSPC:
        return StorageError(f"The disk is full while writing {path}", "free some space; audio recorded so far is kept")
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageError(f"Cannot write {path} (permission denied)", "set STARCOACH_HOME to a folder you can write")
    return StorageError(f"Cannot write {path} ({e.strerror})", "check the disk and STARCOACH_HOME")
