"""Schema of the session index (``<data_dir>/index.sqlite``), as ordered migrations.

The index is derived data: every row comes from a session folder and ``starcoach sessions
reindex`` rebuilds it from scratch. It still carries a schema so that a newer starcoach can add
tables without a rebuild, the way llm records its migrations: each migration is a function,
applied once, in the order written here, and its name is recorded in ``_migrations``. Never edit a
migration that has shipped; append a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone

Migration = Callable[[sqlite3.Connection], None]

#: Every migration, in the order it must run.
MIGRATIONS: list[Migration] = []


class NewerIndexError(Exception):
    """The index was written by a newer starcoach (it has migrations this one does not know)."""


def migration(fn: Migration) -> Migration:
    """Register ``fn`` as the next migration."""
    MIGRATIONS.append(fn)
    return fn


def schema_version() -> int:
    """The schema version this starcoach writes (the number of migrations)."""
    return len(MIGRATIONS)


def applied_migrations(db: sqlite3.Connection) -> list[str]:
    """Names of the migrations already applied to ``db``, in order."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    return [row[0] for row in db.execute("SELECT name FROM _migrations ORDER BY rowid")]


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply the migrations ``db`` lacks, each in its own transaction; returns their names.

    Raises:
        NewerIndexError: ``db`` has migrations this version does not know.
    """
    applied = applied_migrations(db)
    known = [fn.__name__ for fn in MIGRATIONS]
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise NewerIndexError(", ".join(unknown))
    done = []
    for fn in MIGRATIONS:
        if fn.__name__ in applied:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have applied it while we waited for the write lock.
            if db.execute("SELECT 1 FROM _migrations WHERE name = ?", (fn.__name__,)).fetchone():
                db.execute("COMMIT")
                continue
            fn(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                (fn.__name__, datetime.now(timezone.utc).isoformat(timespec="seconds")),
            )
            db.execute(f"PRAGMA user_version = {known.index(fn.__name__) + 1}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        done.append(fn.__name__)
    return done


@migration
def m001_sessions_steps_findings(db: sqlite3.Connection) -> None:
    """Sessions, their counted steps, and every finding of those steps."""
    db.execute(
        """
        CREATE TABLE sessions (
            session_id TEXT PRIMARY KEY,
            scenario TEXT NOT NULL DEFAULT '',
            scenario_version TEXT NOT NULL DEFAULT '',
            question TEXT NOT NULL DEFAULT '',
            principle TEXT NOT NULL DEFAULT '',
            mode TEXT NOT NULL DEFAULT '',
            level TEXT NOT NULL DEFAULT '',
            started_at TEXT NOT NULL DEFAULT '',
            ended_at TEXT NOT NULL DEFAULT '',
            complete INTEGER NOT NULL DEFAULT 0,
            continuous INTEGER NOT NULL DEFAULT 0,
            source TEXT NOT NULL DEFAULT '',
            total_s REAL NOT NULL DEFAULT 0,
            budget_s REAL NOT NULL DEFAULT 0,
            budget_min_s REAL NOT NULL DEFAULT 0,
            n_steps INTEGER NOT NULL DEFAULT 0,
            n_takes INTEGER NOT NULL DEFAULT 0,
            n_notes INTEGER NOT NULL DEFAULT 0,
            headline TEXT NOT NULL DEFAULT '[]',
            lean TEXT NOT NULL DEFAULT '',
            error TEXT NOT NULL DEFAULT '',
            json_mtime_ns INTEGER NOT NULL DEFAULT 0,
            json_size INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    db.execute("CREATE INDEX sessions_scenario ON sessions (scenario, started_at)")
    db.execute(
        """
        CREATE TABLE steps (
            session_id TEXT NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            step TEXT NOT NULL,
            take INTEGER NOT NULL DEFAULT 1,
            duration_s REAL NOT NULL DEFAULT 0,
            target_s REAL NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT '',
            words INTEGER NOT NULL DEFAULT 0,
            speech_s REAL,
            wpm REAL,
            i_statements INTEGER NOT NULL DEFAULT 0,
            we_statements INTEGER NOT NULL DEFAULT 0,
            other_statements INTEGER NOT NULL DEFAULT 0,
            passive_statements INTEGER NOT NULL DEFAULT 0,
            handoffs INTEGER NOT NULL DEFAULT 0,
            quantified INTEGER NOT NULL DEFAULT 0,
            disqualifiers INTEGER NOT NULL DEFAULT 0,
            fillers INTEGER NOT NULL DEFAULT 0,
            hedges INTEGER NOT NULL DEFAULT 0,
            key_found INTEGER NOT NULL DEFAULT 0,
            key_missing INTEGER NOT NULL DEFAULT 0,
            transcript TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (session_id, position)
        )
        """
    )
    db.execute("CREATE INDEX steps_step ON steps (step)")
    db.execute(
        """
        CREATE TABLE findings (
            session_id TEXT NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
            step TEXT NOT NULL,
            type TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL DEFAULT '',
            coaching TEXT NOT NULL DEFAULT '',
            start_s REAL,
            end_s REAL
        )
        """
    )
    db.execute("CREATE INDEX findings_session ON findings (session_id, step)")
    db.execute("CREATE INDEX findings_type ON findings (type)")


@migration
def m002_probes(db: sqlite3.Connection) -> None:
    """Probe verdicts, for the verdict trend of ``starcoach progress``."""
    db.execute(
        """
        CREATE TABLE probes (
            session_id TEXT NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            question TEXT NOT NULL DEFAULT '',
            verdict TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (session_id, idx)
        )
        """
    )


@migration
def m003_finding_kind_severity(db: sqlite3.Connection) -> None:
    """The analysis gives each finding a specific kind and a severity; keep them.

    Existing rows lack them, so every session is marked stale and re-read on the next sync.
    """
    db.execute("ALTER TABLE findings ADD COLUMN kind TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE findings ADD COLUMN severity TEXT NOT NULL DEFAULT ''")
    db.execute("UPDATE sessions SET json_mtime_ns = -1")
