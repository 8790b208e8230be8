"""Saved sessions on disk: one folder per session, ``session.json`` written atomically.

The folder is the source of truth; any index is rebuilt from the folders.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path

from starcoach.errors import SessionNotFound, StorageError
from starcoach.paths import sessions_dir
from starcoach.session import SESSION_ID_RE, Session


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
    path = session_dir(session_id) / "session.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise StorageError(f"Session file {path} cannot be read ({e})", "its audio is still in the folder; restore session.json from a backup or delete the session") from e
    return Session.from_dict(data)


def _storage_error(e: OSError, path: Path) -> StorageError:
    if e.errno == errno.ENOSPC:
        return StorageError(f"The disk is full while writing {path}", "free some space; audio recorded so far is kept")
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageError(f"Cannot write {path} (permission denied)", "set STARCOACH_HOME to a folder you can write")
    return StorageError(f"Cannot write {path} ({e.strerror})", "check the disk and STARCOACH_HOME")
