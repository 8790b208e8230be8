"""The session index: SQLite (stdlib ``sqlite3``) rows for sessions, steps, findings and probes.

It answers ``starcoach sessions`` and ``starcoach progress`` without parsing every session file.
The session folders stay the source of truth (:mod:`starcoach.store`); this index is derived:

- every use first *syncs* it with the folders (a stat per session; changed, new and removed
  sessions are re-read), so sessions saved by another process show up without a reindex;
- ``starcoach sessions reindex`` (:func:`reindex`) rebuilds it from scratch;
- a damaged file (not a database, corrupt pages, written by a newer starcoach) is moved aside and
  rebuilt, and :attr:`SessionIndex.repaired` says why; if the data folder cannot hold an index at
  all, an in-memory one is built so listing still works. An index problem is never fatal.

Concurrent writers are safe: WAL journal, a busy timeout, ``BEGIN IMMEDIATE`` for writes, and an
exclusive lock file while the file is created, migrated or repaired. Waiting for another process
is bounded (:func:`starcoach.locks.lock_timeout_s`, 15 s): past it, :class:`IndexBusy` names the
process holding the index instead of hanging or showing SQLite's "database is locked".
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sqlite3
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from starcoach.errors import StarcoachError, StorageError
from starcoach.locks import LockTimeout, describe_holders, file_lock, lock_timeout_s
from starcoach.migrations import NewerIndexError, migrate, schema_version
from starcoach.paths import data_dir, sessions_dir
from starcoach.session import Session
from starcoach.summary import step_timeline
from starcoach.store import list_session_ids, read_session_file

#: File name of the index inside the data directory.
INDEX_NAME = "index.sqlite"

# SQLite primary result codes that mean the file itself is damaged.
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26
# ... and the ones that mean another connection holds a lock.
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6


class IndexBusy(LockTimeout):
    """Another process kept the session index locked longer than the lock timeout."""


@dataclass
class SessionSummary:
    """One row of ``starcoach sessions``.

    Attributes:
        session_id: The session id.
        scenario: Scenario id.
        started_at: ISO time the run began.
        complete: False if the run was interrupted (or the file is unreadable).
        mode: Preparation mode id.
        level: Level id.
        total_s: Time spoken over the counted steps.
        budget_s: Upper end of the level's budget (0 if unknown).
        budget_min_s: Lower end of the level's budget.
        n_steps: Steps recorded.
        n_takes: Takes recorded (redos included).
        n_notes: Coach notes.
        headline: The headline findings (the run's top fixes, else the commonest finding types).
        lean: The Bar Raiser read (``hire``/``no hire``/...), "" if none.
        question: The question asked.
        error: Why the session file could not be read ("" when it could).
    """

    session_id: str
    scenario: str
    started_at: str
    complete: bool
    mode: str = ""
    level: str = ""
    total_s: float = 0.0
    budget_s: float = 0.0
    budget_min_s: float = 0.0
    n_steps: int = 0
    n_takes: int = 0
    n_notes: int = 0
    headline: list[str] = field(default_factory=list)
    lean: str = ""
    question: str = ""
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)


@dataclass
class StepStats:
    """Per-step figures of one session, for trends.

    Attributes mirror the ``steps`` table: counts are lengths of the analysis lists.
    """

    session_id: str
    started_at: str
    scenario: str
    step: str
    duration_s: float
    target_s: float
    status: str
    words: int
    speech_s: float | None
    wpm: float | None
    i_statements: int
    we_statements: int
    other_statements: int
    passive_statements: int
    handoffs: int
    quantified: int
    disqualifiers: int
    fillers: int
    hedges: int
    key_found: int
    key_missing: int


@dataclass
class ReindexReport:
    """What a rebuild of the index did.

    Attributes:
        path: The index file (``:memory:`` if the data folder cannot hold one).
        sessions: Sessions indexed.
        unreadable: Ids whose ``session.json`` could not be read (listed, marked unreadable).
        errors: For each unreadable id, why (the file and the field that is wrong).
        repaired: Why the old index was replaced ("" if it was healthy).
        schema_version: Schema version of the rebuilt index.
        seconds: Time the rebuild took.
    """

    path: str
    sessions: int
    unreadable: list[str]
    repaired: str
    schema_version: int
    seconds: float
    errors: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)


def index_path() -> Path:
    """Where the index lives: ``<data_dir>/index.sqlite``."""
    return data_dir() / INDEX_NAME


class SessionIndex:
    """An open, migrated, synced session index. Use as a context manager.

    Args:
        path: The index file (default :func:`index_path`).
        sync: Bring the index up to date with the session folders on open.

    Attributes:
        repaired: Why the index was rebuilt on open ("" if it was healthy); the CLI shows it.
        unreadable: Session ids whose files could not be read during the last sync.
    """

    def __init__(self, path: Path | None = None, sync: bool = True) -> None:
        self.path = Path(path) if path else index_path()
        self.repaired = ""
        self.unreadable: list[str] = []
        self.db = self._open()
        if sync:
            self.sync()

    # -- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> "SessionIndex":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        with contextlib.suppress(sqlite3.Error):
            self.db.close()

    @property
    def in_memory(self) -> bool:
        """True when the data folder could not hold the index and an in-memory one is used."""
        return self._memory

    def _open(self) -> sqlite3.Connection:
        self._memory = False
        try:
            with self._lock():
                try:
                    return self._connect(self.path)
                except NewerIndexError as e:
                    reason = f"it was written by a newer starcoach (migrations {e})"
                except sqlite3.DatabaseError as e:
                    if _is_busy(e):
                        raise self._busy() from e
                    if not _is_damage(e):
                        raise
                    reason = f"it was damaged ({e})"
                self.repaired = reason
                _quarantine(self.path)
                return self._connect(self.path)
        except LockTimeout:
            raise
        except (sqlite3.Error, OSError, NewerIndexError, StorageError) as e:
            # Unwritable folder, a lock held too long, a damaged file we could not move aside:
            # build the index in memory for this command. Listing still works.
            self.repaired = self.repaired or f"the index file {self.path} cannot be used ({e}); using a temporary one"
            self._memory = True
            return self._connect(None)

    def _lock(self):
        """The lock file held while the index is created, migrated or repaired (bounded wait)."""
        lock = self.path.with_name(self.path.name + ".lock")
        return file_lock(lock, f"the session index {self.path}")

    def _busy(self) -> IndexBusy:
        files = [self.path.with_name(self.path.name + s) for s in ("", "-wal", "-shm", "-journal", ".lock")]
        return IndexBusy(
            f"The session index {self.path} is locked by {describe_holders(*files)} "
            f"for more than {lock_timeout_s():g} s",
            "wait for that command to finish (or stop it), then try again",
        )

    def _connect(self, path: Path | None) -> sqlite3.Connection:
        timeout = lock_timeout_s()
        db = sqlite3.connect(str(path) if path else ":memory:", timeout=timeout, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            if path is not None:
                mode = db.execute("PRAGMA journal_mode = WAL").fetchone()
                check = db.execute("PRAGMA quick_check").fetchone()
                if not check or check[0] != "ok":
                    raise sqlite3.DatabaseError(f"quick_check: {check[0] if check else 'no answer'}")
                del mode
            db.execute("PRAGMA foreign_keys = ON")
            migrate(db)
            missing = _expected_tables() - _tables(db)
            if missing:
                raise sqlite3.DatabaseError(f"malformed schema: missing {', '.join(sorted(missing))}")
        except BaseException:
            db.close()
            raise
        return db

    def _retry_on_damage(self, fn, *args):
        """Run ``fn``; if the file turns out damaged mid-use, rebuild once and run it again.

        Raises:
            IndexBusy: another process held the index locked past the lock timeout.
        """
        try:
            return fn(*args)
        except sqlite3.DatabaseError as e:
            if _is_busy(e) and not self._memory:
                raise self._busy() from e
            if not _is_damage(e):
                raise
            self.close()
            self.repaired = f"it was damaged ({e})"
            with self._lock():
                _quarantine(self.path)
            self.db = self._open()
            self.repaired = self.repaired or f"it was damaged ({e})"
            self.sync()
            return fn(*args)

    # -- keeping up with the folders -----------------------------------------------------------

    def sync(self) -> None:
        """Re-read new and changed session folders and drop rows of deleted ones."""
        self._retry_on_damage(self._sync)

    def _sync(self) -> None:
        on_disk: dict[str, tuple[int, int]] = {}
        root = sessions_dir()
        for session_id in list_session_ids():
            try:
                st = (root / session_id / "session.json").stat()
            except OSError:
                continue  # deleted between listing and stat
            on_disk[session_id] = (st.st_mtime_ns, st.st_size)
        indexed = {
            row[0]: (row[1], row[2])
            for row in self.db.execute("SELECT session_id, json_mtime_ns, json_size FROM sessions")
        }
        stale = [sid for sid, stamp in on_disk.items() if indexed.get(sid) != stamp]
        gone = [sid for sid in indexed if sid not in on_disk]
        self.unreadable = [
            sid for (sid,) in self.db.execute("SELECT session_id FROM sessions WHERE error != ''")
            if sid in on_disk and sid not in stale
        ]
        if not stale and not gone:
            return
        # Read outside the write transaction; the stat taken before reading means a file changed
        # meanwhile is simply re-read next time.
        prepared = [(sid, on_disk[sid], self._read(root / sid / "session.json", sid)) for sid in stale]
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for sid in gone:
                self._delete_rows(sid)
            for sid, stamp, rows in prepared:
                self._delete_rows(sid)
                self._insert_rows(sid, stamp, rows)
            self.db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise

    def _read(self, path: Path, session_id: str) -> dict[str, Any]:
        try:
            session = read_session_file(path)
        except StarcoachError as e:
            self.unreadable.append(session_id)
            return {"error": e.message}
        return session_rows(session)

    def _delete_rows(self, session_id: str) -> None:
        for table in ("findings", "steps", "probes", "sessions"):
            self.db.execute(f"DELETE FROM {table} WHERE session_id = ?", (session_id,))

    def _insert_rows(self, session_id: str, stamp: tuple[int, int], rows: dict[str, Any]) -> None:
        session = dict(rows.get("session") or {"session_id": session_id, "error": rows.get("error", "")})
        session.update(session_id=session_id, json_mtime_ns=stamp[0], json_size=stamp[1])
        _insert(self.db, "sessions", session)
        for row in rows.get("steps", []):
            _insert(self.db, "steps", {**row, "session_id": session_id})
        for row in rows.get("findings", []):
            _insert(self.db, "findings", {**row, "session_id": session_id})
        for row in rows.get("probes", []):
            _insert(self.db, "probes", {**row, "session_id": session_id})

    # -- queries -------------------------------------------------------------------------------

    def sessions(self, scenario: str | None = None, since: str | None = None) -> list[SessionSummary]:
        """Sessions, oldest first, optionally only one scenario's and from a date (YYYY-MM-DD) on."""
        return self._retry_on_damage(self._sessions, scenario, since)

    def _sessions(self, scenario: str | None, since: str | None) -> list[SessionSummary]:
        sql = "SELECT * FROM sessions WHERE 1=1"
        params: list[Any] = []
        if scenario:
            sql += " AND scenario = ?"
            params.append(scenario)
        if since:
            sql += " AND substr(started_at, 1, 10) >= ?"
            params.append(since)
        sql += " ORDER BY started_at, session_id"
        cursor = self.db.execute(sql, params)
        names = [d[0] for d in cursor.description]
        out = []
        for values in cursor:
            row = dict(zip(names, values))
            out.append(SessionSummary(
                session_id=row["session_id"], scenario=row["scenario"], started_at=row["started_at"],
                complete=bool(row["complete"]), mode=row["mode"], level=row["level"],
                total_s=row["total_s"], budget_s=row["budget_s"], budget_min_s=row["budget_min_s"],
                n_steps=row["n_steps"], n_takes=row["n_takes"], n_notes=row["n_notes"],
                headline=_json_list(row["headline"]), lean=row["lean"], question=row["question"],
                error=row["error"],
            ))
        return out

    def step_stats(self, scenario: str | None = None) -> list[StepStats]:
        """Per-step figures of every readable session, oldest session first, steps in order."""
        return self._retry_on_damage(self._step_stats, scenario)

    def _step_stats(self, scenario: str | None) -> list[StepStats]:
        sql = (
            "SELECT s.session_id, s.started_at, s.scenario, st.step, st.duration_s, st.target_s,"
            " st.status, st.words, st.speech_s, st.wpm, st.i_statements, st.we_statements,"
            " st.other_statements, st.passive_statements, st.handoffs, st.quantified,"
            " st.disqualifiers, st.fillers, st.hedges, st.key_found, st.key_missing"
            " FROM steps st JOIN sessions s USING (session_id)"
        )
        params: list[Any] = []
        if scenario:
            sql += " WHERE s.scenario = ?"
            params.append(scenario)
        sql += " ORDER BY s.started_at, s.session_id, st.position"
        return [StepStats(*row) for row in self.db.execute(sql, params)]

    def probe_verdicts(self, scenario: str | None = None) -> dict[str, list[str]]:
        """Probe verdicts per session id, in probe order."""
        def query() -> dict[str, list[str]]:
            sql = "SELECT p.session_id, p.verdict FROM probes p JOIN sessions s USING (session_id)"
            params: list[Any] = []
            if scenario:
                sql += " WHERE s.scenario = ?"
                params.append(scenario)
            out: dict[str, list[str]] = {}
            for sid, verdict in self.db.execute(sql + " ORDER BY p.session_id, p.idx", params):
                out.setdefault(sid, []).append(verdict)
            return out

        return self._retry_on_damage(query)

    def finding_counts(self, session_id: str | None = None) -> Counter[str]:
        """How many findings of each type (one session, or all)."""
        def query() -> Counter[str]:
            sql = "SELECT type, count(*) FROM findings"
            params: tuple[Any, ...] = ()
            if session_id:
                sql += " WHERE session_id = ?"
                params = (session_id,)
            return Counter(dict(self.db.execute(sql + " GROUP BY type", params).fetchall()))

        return self._retry_on_damage(query)

    def errors(self) -> dict[str, str]:
        """Sessions whose file cannot be read, with why (the file and the field), by id."""
        return self._retry_on_damage(
            lambda: dict(self.db.execute("SELECT session_id, error FROM sessions WHERE error != '' ORDER BY session_id")))

    def schema_version(self) -> int:
        """The schema version of the open index (``PRAGMA user_version``)."""
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])


def reindex() -> ReindexReport:
    """Rebuild the index from the session folders, from scratch.

    Every row is marked stale and then replaced by the sync's single transaction (rather than
    deleting the file), so another starcoach reading the index meanwhile sees either the old rows
    or the new ones.
    """
    started = time.perf_counter()
    with SessionIndex(sync=False) as index:
        index._retry_on_damage(index.db.execute, "UPDATE sessions SET json_mtime_ns = -1")
        index.sync()
        count = index.db.execute("SELECT count(*) FROM sessions").fetchone()[0]
        return ReindexReport(
            path=":memory:" if index.in_memory else str(index.path),
            sessions=count,
            unreadable=sorted(index.unreadable),
            repaired=index.repaired,
            schema_version=index.schema_version(),
            seconds=round(time.perf_counter() - started, 3),
            errors=index.errors(),
        )


#: The analysis lists the index counts per step (one column each).
COUNTED_LISTS: tuple[str, ...] = (
    "i_statements", "we_statements", "other_statements", "passive_statements", "handoffs",
    "quantified", "disqualifiers", "fillers", "hedges",
)


def session_rows(session: Session) -> dict[str, Any]:
    """The index rows for one session: ``session``, ``steps``, ``findings``, ``probes``."""
    steps = []
    findings = []
    status_of = {t.step: t.status for t in step_timeline(session)}
    for position, step in enumerate(session.steps):
        analysis = step.analysis
        take = _take_for(session, step.step, step.take)
        transcript = take.transcript if take else None
        row = {
            "position": position,
            "step": step.step,
            "take": step.take,
            "duration_s": step.duration_s,
            "target_s": step.target_s,
            "status": status_of.get(step.step, ""),
            "words": len(transcript.words) if transcript else len(step.transcript.split()),
            "speech_s": transcript.speech_s if transcript else None,
            "wpm": analysis.wpm,
            "key_found": len(analysis.key_phrases_found),
            "key_missing": len(analysis.key_phrases_missing),
            "transcript": step.transcript,
        }
        row.update({key: len(getattr(analysis, key)) for key in COUNTED_LISTS})
        steps.append(row)
        for f in analysis.findings:
            findings.append({"step": step.step, "type": f.type, "kind": f.kind, "severity": f.severity,
                             "text": f.text, "coaching": f.coaching, "start_s": f.start_s, "end_s": f.end_s})
    probes = [{"idx": p.index, "question": p.question, "verdict": p.verdict} for p in session.probes]
    row = {
        "scenario": session.scenario,
        "scenario_version": session.scenario_version,
        "question": session.question,
        "principle": session.principle,
        "mode": session.mode,
        "level": session.level,
        "started_at": session.started_at,
        "ended_at": session.ended_at,
        "complete": int(session.complete),
        "continuous": int(session.continuous),
        "source": session.source,
        "total_s": session.total_s or sum(s.duration_s for s in session.steps),
        "budget_s": session.budget_s or session.budget_range_s[1],
        "budget_min_s": session.budget_range_s[0],
        "n_steps": len(session.steps),
        "n_takes": len(session.takes),
        "n_notes": len(session.notes),
        "headline": json.dumps(headline_of(session, findings)),
        "lean": session.summary.bar_raiser.lean if session.summary else "",
        "error": "",
    }
    return {"session": row, "steps": steps, "findings": findings, "probes": probes}


def headline_of(session: Session, findings: list[dict[str, Any]] | None = None) -> list[str]:
    """The two or three things a session list shows about a session."""
    if session.summary is not None and session.summary.top_fixes:
        return [f"{f.step}: {f.text}" if f.step else f.text for f in session.summary.top_fixes[:3]]
    if findings is None:
        findings = [{"type": f.type} for s in session.steps for f in s.analysis.findings]
    counts = Counter(f["type"] for f in findings if f.get("type"))
    return [f"{n} {kind}{'' if n == 1 else 's'}" for kind, n in counts.most_common(3)]


def _take_for(session: Session, step: str, number: int):
    takes = session.takes_for(step)
    for take in takes:
        if take.take == number:
            return take
    return takes[-1] if takes else None


def _insert(db: sqlite3.Connection, table: str, row: dict[str, Any]) -> None:
    names = list(row)
    db.execute(
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        [row[n] for n in names],
    )


def _json_list(text: str) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


@functools.lru_cache(maxsize=1)
def _expected_tables() -> frozenset[str]:
    """Tables (and their columns) a fully migrated index has."""
    db = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(db)
        return _tables(db)
    finally:
        db.close()


def _tables(db: sqlite3.Connection) -> frozenset[str]:
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return frozenset(f"{n}.{c[1]}" for n in names for c in db.execute(f"PRAGMA table_info('{n}')"))


def _is_busy(e: sqlite3.Error) -> bool:
    """True when another connection holds a lock SQLite waited for in vain."""
    code = getattr(e, "sqlite_errorcode", None)
    if code is not None and (code & 0xFF) in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return True
    return "database is locked" in str(e).lower() or "database table is locked" in str(e).lower()


def _is_damage(e: sqlite3.DatabaseError) -> bool:
    """True for errors that mean the index file itself is unusable (not a busy lock)."""
    code = getattr(e, "sqlite_errorcode", None)
    if code is not None and (code & 0xFF) in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return True
    text = str(e).lower()
    return any(s in text for s in ("not a database", "malformed", "quick_check", "no such table", "no such column"))


def _quarantine(path: Path) -> None:
    """Move a damaged index aside (kept for inspection) and drop its WAL files."""
    if path.exists():
        os.replace(path, path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}"))
    for suffix in ("-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path.with_name(path.name + suffix))


__all__ = [
    "INDEX_NAME", "IndexBusy", "ReindexReport", "SessionIndex", "SessionSummary", "StepStats", "headline_of",
    "index_path", "reindex", "schema_version", "session_rows",
]
