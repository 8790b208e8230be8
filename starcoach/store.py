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
import itertools
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from starcoach.clock import format_clock
from starcoach.errors import SessionInvalid, SessionNotFound, StorageError, storage_error
from starcoach.locks import file_lock, hold
from starcoach.paths import sessions_dir
from starcoach.records import RecordError
from starcoach.session import Note, SESSION_ID_RE, Session, Take, new_session_id
from starcoach.wavfile import repair_header

#: Name of the per-session lock file (read-modify-write of session.json holds it).
LOCK_NAME = ".lock"
#: Name of the file a live run holds locked for as long as it records into the session.
HOLD_NAME = ".live"
#: How the run names a take's audio: ``audio/<step or answer or probe-N or followup-N>-<take>.wav``.
TAKE_FILE_RE = re.compile(
    r"^(situation|task|action|result|reflection|answer|probe-[1-9][0-9]*|followup-[1-9][0-9]*)-([1-9][0-9]*)\.wav$")

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
            raise storage_error(e, path) from e
    return path


def claim_session_folder(scenario_id: str, when: datetime | None = None) -> str:
    """Create the folder of a new session and return its id.

    Creating the folder is the claim: ``mkdir`` succeeds for exactly one process, so two runs
    started in the same second never share a folder; the later one gets ``-2``, ``-3``, ...

    Raises:
        StorageError: the sessions folder cannot be written (read-only, full disk).
    """
    base = new_session_id(scenario_id, when)
    root = sessions_dir()
    for n in itertools.count(1):
        candidate = base if n == 1 else f"{base}-{n}"
        folder = root / candidate
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        except OSError as e:
            raise storage_error(e, folder) from e
        try:
            (folder / "audio").mkdir()
        except OSError as e:
            with contextlib.suppress(OSError):
                folder.rmdir()
            raise storage_error(e, folder / "audio") from e
        return candidate
    raise AssertionError("unreachable")  # pragma: no cover


def release_unused_folder(session_id: str) -> None:
    """Remove a claimed session folder that never received anything (a run that failed to start)."""
    folder = session_dir(session_id)
    with contextlib.suppress(OSError):
        (folder / "audio").rmdir()
        for name in (HOLD_NAME, LOCK_NAME):
            (folder / name).unlink(missing_ok=True)
        folder.rmdir()


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
        _fsync_folder(path.parent)  # the rename itself survives a power cut
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise storage_error(e, path) from e


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows cannot open folders; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on folders
        pass
    finally:
        os.close(fd)


def save_session(session: Session) -> Path:
    """Write ``session.json`` for ``session`` atomically; returns its path.

    This overwrites whatever is on disk: a writer that may run while others do (a run, a note,
    the web app) goes through :func:`editing_session` or :func:`save_run_session` instead.
    """
    path = session_dir(session.session_id, create=True) / "session.json"
    write_json_atomic(path, session.to_dict())
    return path


def save_run_session(session: Session) -> Path:
    """Save a run's session under its lock, keeping the notes pinned to it meanwhile.

    A run owns its steps, takes, probes and summary, but not the notes: a coach's ``note`` (or
    the web app) may add one while the run records. The file on disk is re-read under the lock and
    its notes are kept (``session.notes`` is updated to them), so a note is never lost to a save.

    Raises:
        StorageError: the file cannot be written (full disk, read-only folder), or the lock is
            held by another process for too long.
    """
    with session_lock(session.session_id):
        path = session_dir(session.session_id) / "session.json"
        if path.exists():
            try:
                on_disk = read_session_file(path)
            except StorageError:
                on_disk = None  # a damaged file is replaced by the run's complete copy
            if on_disk is not None:
                session.notes = _merge_notes(on_disk.notes, session.notes)
        return save_session(session)


def _merge_notes(on_disk: list[Note], mine: list[Note]) -> list[Note]:
    """The notes on disk, plus any of ``mine`` they do not have (kept in their order)."""
    def key(n: Note) -> tuple:
        return (n.created_at, n.at_s, n.step, n.text, n.author)

    seen = {key(n) for n in on_disk}
    return list(on_disk) + [n for n in mine if key(n) not in seen]


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
    """Hold the session's lock, so read-modify-write of ``session.json`` never loses an update.

    Short: held only while one writer reads, changes and saves the file. Waits at most
    :func:`starcoach.locks.lock_timeout_s` for another writer.

    Raises:
        LockTimeout: another process held it too long (the message names it).
        StorageError: the lock file cannot be created.
    """
    folder = session_dir(session_id)
    if not folder.is_dir():
        raise SessionNotFound(f"Session {session_id} no longer exists", "run `starcoach sessions` to list sessions")
    with file_lock(folder / LOCK_NAME, f"session {session_id}"):
        yield


@contextlib.contextmanager
def editing_session(ref: str) -> Iterator[Session]:
    """Change a saved session safely while other processes may write it too.

    Takes the session's lock, re-reads ``session.json`` (so the change applies to what is on disk
    now, not to a copy read earlier), yields the :class:`Session` to change, and saves it when the
    block ends without an exception (nothing is saved if it raises)::

        with editing_session(session_id) as session:
            session.notes.append(note)

    Every writer of a session other than the run recording it (``note``, the web app) uses this;
    the run uses :func:`save_run_session`, which keeps notes added meanwhile.

    Raises:
        SessionNotFound: no such session (or it was deleted meanwhile).
        LockTimeout: another process held the lock too long.
        StorageError: the file cannot be read or written.
    """
    session_id = resolve_session_id(ref)
    with session_lock(session_id):
        path = session_dir(session_id) / "session.json"
        if not path.exists():
            raise SessionNotFound(f"Session {session_id} no longer exists", "run `starcoach sessions` to list sessions")
        session = read_session_file(path)
        yield session
        save_session(session)


def update_session(ref: str, change: Callable[[Session], None]) -> Session:
    """Load a session under its lock, apply ``change`` to it, save it; returns the saved session."""
    with editing_session(ref) as session:
        change(session)
    return session


def hold_session(session_id: str, command: str = "a run"):
    """Hold a session for as long as a live process records into it; returns a :class:`~starcoach.locks.Hold`.

    While held, ``sessions rm``, ``import --replace`` and a second ``run --resume`` of it are
    refused with a line naming the process. The hold is an ``flock`` on ``.live`` in the folder,
    so it ends with the process however it ends (``kill -9`` included): nothing stale is left.
    Call ``.release()`` (or use it as a context manager) when the run ends.

    Raises:
        InUse: another live process holds the session.
    """
    folder = session_dir(session_id)
    return hold(folder / HOLD_NAME, f"session {session_id}",
                f"wait for {command} to finish (or stop it with Ctrl-C), then try again")


def add_note(ref: str, note: Note) -> Session:
    """Pin ``note`` to a session (kept in time order); returns the updated session.

    Raises:
        StorageError: the note is empty, names an unknown step, or lies beyond the recording.
    """
    if not note.text.strip():
        raise StorageError("The note is empty", "write what the note says", param="text")
    if note.at_s < 0:
        raise StorageError(f"A note cannot be at a negative time ({note.at_s:g} s)",
                           "give the time as M:SS from the start", param="at")

    def _pin(session: Session) -> None:
        length = _span_of(session, note.step)
        if length is not None and note.at_s > length + 1.0:
            where = f"step {note.step}" if note.step else "the session"
            raise StorageError(
                f"{format_clock(note.at_s)} is beyond the end of {where} ({format_clock(length)})",
                "give a time inside the recording" + ("" if note.step else ", or the step the time is in"),
                param="at", instead=() if note.step else ("step",),
            )
        session.notes.append(note)
        session.notes.sort(key=lambda n: (_section_order(session, n.step), n.at_s))

    return update_session(ref, _pin)


def delete_session(ref: str) -> str:
    """Delete a session folder (audio included); returns the deleted id.

    The folder is first renamed to a hidden name, so a half-deleted session never shows up.

    Raises:
        InUse: a live process (a run) holds the session; nothing is deleted.
    """
    session_id = resolve_session_id(ref)
    folder = session_dir(session_id)
    trash = folder.with_name(f".deleted-{session_id}-{os.getpid()}")
    with hold_session(session_id, "the run recording into it"), session_lock(session_id):
        try:
            os.replace(folder, trash)
        except OSError as e:
            raise storage_error(e, folder) from e
    shutil.rmtree(trash, ignore_errors=True)
    return session_id


def take_numbers_on_disk(session_id: str, label: str) -> set[int]:
    """Take numbers of ``label`` that have an audio file in the session folder (listed or not)."""
    folder = session_dir(session_id) / "audio"
    numbers = set()
    with contextlib.suppress(OSError):
        for path in folder.iterdir():
            m = TAKE_FILE_RE.match(path.name)
            if m and m.group(1) == label:
                numbers.add(int(m.group(2)))
    return numbers


def adopt_orphan_takes(session: Session) -> list[Take]:
    """Add to ``session`` the takes whose audio is in its folder but not in its ``session.json``.

    A run killed mid-take (``kill -9``, a power cut, a full disk) leaves the take's WAV on disk,
    readable up to the last flush, but never got to list it. Each such file is adopted as a take
    stopped by ``interrupt``: its header is repaired to cover every whole frame on disk and its
    duration read from it. Transcribing it is the caller's (it needs the model). Empty files
    (a take claimed but never recorded) are removed. Returns the adopted takes, in file order.
    """
    folder = session_dir(session.session_id)
    listed = {t.audio for t in session.takes} | {s.audio for s in session.steps} | {p.audio for p in session.probes}
    adopted: list[Take] = []
    try:
        files = sorted((folder / "audio").iterdir(), key=lambda p: (p.stat().st_mtime, p.name))
    except OSError:
        return adopted
    for path in files:
        m = TAKE_FILE_RE.match(path.name)
        rel = f"audio/{path.name}"
        if not m or rel in listed:
            continue
        try:
            if path.stat().st_size <= 44:
                path.unlink()
                continue
            duration = repair_header(path)
            mtime = path.stat().st_mtime
        except OSError:
            continue
        if duration is None:
            continue
        started = datetime.fromtimestamp(mtime - duration).astimezone().isoformat(timespec="seconds")
        take = Take(step=m.group(1), take=int(m.group(2)), audio=rel, started_at=started,
                    duration_s=round(duration, 2), stopped_by="interrupt")
        session.takes.append(take)
        adopted.append(take)
    return adopted


def section_names(session: Session) -> list[str]:
    """The steps and probes of a session a note or a seek can name, in replay order."""
    names = [s.step for s in session.steps]
    names += [p.label for p in session.probes if p.audio or p.transcript]
    return names


def _span_of(session: Session, section: str) -> float | None:
    """Length of ``section`` ("" = whole session) in seconds, or None if unknown."""
    names = section_names(session)
    if section and section not in names:
        valid = ", ".join(names) or "none (the session has no recorded steps)"
        raise StorageError(f"Unknown step '{section}' in session {session.session_id}", f"expected one of {valid}")
    lengths = {s.step: s.duration_s for s in session.steps}
    lengths.update({p.label: p.duration_s for p in session.probes})
    if section:
        return lengths.get(section) or None
    total = sum(lengths.get(n) or 0.0 for n in names)
    return total or None


def _section_order(session: Session, section: str) -> int:
    names = section_names(session)
    return names.index(section) + 1 if section in names else 0
