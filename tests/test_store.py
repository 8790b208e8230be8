"""The session store and its SQLite index: round trips, tolerance, safety, damage, concurrency."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sqlite3

import pytest

from sessionfactory import bank  # noqa: F401 - fixture
from starcoach.errors import SessionNotFound, StorageError
from starcoach.index import SessionIndex, reindex
from starcoach.migrations import MIGRATIONS, NewerIndexError, m001_sessions_steps_findings, migrate
from starcoach.paths import data_dir, sessions_dir
from starcoach.session import Note, Session
from starcoach.store import (
    add_note,
    audio_path,
    check_session_id,
    delete_session,
    list_session_ids,
    load_session,
    resolve_session_id,
    save_session,
    session_dir,
)

pytestmark = pytest.mark.slow  # sessions are spoken and transcribed once per test run


def minimal(session_id: str, **extra) -> Session:
    """A session as an interrupted run leaves it: no steps, no summary."""
    data = {"session_id": session_id, "scenario": "learn-and-be-curious-proactive-learning",
            "scenario_version": "1", "question": "Q?", "principle": "Learn and Be Curious",
            "mode": "ownership", "level": "sde2", "started_at": f"{session_id[:4]}-{session_id[4:6]}-{session_id[6:8]}T10:00:00+00:00"}
    data.update(extra)
    return Session.from_dict(data)


# -- folders ---------------------------------------------------------------------------------------


def test_round_trip_keeps_every_field(bank):
    session = bank.install("strong")
    path = session_dir(session.session_id) / "session.json"
    on_disk = json.loads(path.read_text())
    assert load_session(session.session_id).to_dict() == on_disk
    # words with timings, analyses, the redo, the summary and the probe survive
    assert [t.take for t in session.takes_for("action")] == [1, 2]
    assert session.steps[2].take == 2
    assert session.takes[0].transcript.words[0].start >= 0
    assert session.summary.timeline[0].step == "situation"
    assert session.probes[0].verdict == "strong"
    assert audio_path(session.session_id, session.steps[0].audio).is_file()


def test_latest_and_prefix_resolve(bank):
    strong = bank.install("strong")
    weak = bank.install("weak")
    assert resolve_session_id("latest") == weak.session_id
    assert resolve_session_id(strong.session_id[:11]) == strong.session_id
    with pytest.raises(SessionNotFound, match="matches 2 sessions"):
        resolve_session_id("2026030")
    with pytest.raises(SessionNotFound, match="No session '19990101'"):
        resolve_session_id("19990101")


def test_no_sessions_says_how_to_make_one():
    with pytest.raises(SessionNotFound, match="No sessions saved yet"):
        resolve_session_id("latest")


@pytest.mark.parametrize("bad", ["../etc", "20260101-000000/../../x", "/tmp/x", "", "20260101-000000-A"])
def test_ids_cannot_traverse(bad):
    with pytest.raises(SessionNotFound, match="is not a session id"):
        check_session_id(bad)


@pytest.mark.parametrize("bad", ["../../../etc/passwd", "/etc/passwd", "audio/../../x.wav", "C:\\x.wav", ""])
def test_audio_paths_stay_inside_the_session(bad):
    save_session(minimal("20260101-000000-x"))
    with pytest.raises(StorageError, match="outside its folder"):
        audio_path("20260101-000000-x", bad)


def test_keys_with_defaults_may_be_missing_and_unknown_keys_are_ignored():
    folder = sessions_dir() / "20260105-120000-old"
    folder.mkdir()
    # The keys every session has, plus one a newer starcoach might write; no steps yet.
    data = minimal("20260105-120000-old", scenario="x").to_dict()
    data = {k: data[k] for k in ("session_id", "scenario", "scenario_version", "question", "principle", "mode",
                                 "level", "started_at")}
    (folder / "session.json").write_text(json.dumps({**data, "future_key": 1}))
    session = load_session("latest")
    assert session.steps == [] and session.summary is None and not session.complete
    with SessionIndex() as index:
        [row] = index.sessions()
    assert row.session_id == "20260105-120000-old" and row.n_steps == 0 and not row.error


def test_a_step_without_its_analysis_is_reported_with_the_field():
    """A counted step always has an analysis: a file without one is damaged, not silently empty."""
    folder = sessions_dir() / "20260105-120000-old"
    folder.mkdir()
    data = minimal("20260105-120000-old").to_dict()
    data["steps"] = [{"step": "situation", "duration_s": 3.0, "target_s": 30.0, "transcript": ""}]
    (folder / "session.json").write_text(json.dumps(data))
    with pytest.raises(StorageError, match=r"20260105-120000-old/session.json is damaged: steps\[0\].analysis is missing"):
        load_session("latest")
    with SessionIndex() as index:
        [row] = index.sessions()
    assert row.error and "steps[0].analysis" in row.error


def test_a_file_that_is_not_a_session_is_reported_not_fatal(bank):
    bank.install("strong")
    broken = sessions_dir() / "20260106-120000-broken"
    broken.mkdir()
    (broken / "session.json").write_text("{not json")
    with pytest.raises(StorageError, match="cannot be read"):
        load_session("20260106-120000-broken")
    with SessionIndex() as index:
        rows = {r.session_id: r for r in index.sessions()}
        assert index.unreadable == ["20260106-120000-broken"]
    assert rows["20260106-120000-broken"].error and not rows["20260106-120000-broken"].complete
    assert not rows["20260302-093000-learn-and-be-curious"].error


def test_delete_removes_folder_and_index_rows(bank):
    session = bank.install("strong")
    with SessionIndex() as index:
        assert len(index.sessions()) == 1
    assert delete_session("latest") == session.session_id
    assert list_session_ids() == []
    assert not any(p.name.startswith(".deleted") for p in sessions_dir().iterdir())
    with SessionIndex() as index:
        assert index.sessions() == []
        assert index.db.execute("SELECT count(*) FROM findings").fetchone()[0] == 0


# -- notes -------------------------------------------------------------------------------------------


def test_notes_are_validated_and_kept_in_order(bank):
    session = bank.install("strong")
    add_note("latest", Note(at_s=2.0, text="Good scope boundary", step="task"))
    add_note("latest", Note(at_s=1.0, text="Strong opening", step="situation"))
    notes = load_session(session.session_id).notes
    assert [(n.step, n.text) for n in notes] == [("situation", "Strong opening"), ("task", "Good scope boundary")]
    with pytest.raises(StorageError, match="Unknown step 'actoin'.*expected one of situation, task, action, result, reflection, probe-1"):
        add_note("latest", Note(at_s=1.0, text="x", step="actoin"))
    with pytest.raises(StorageError, match=r"9:00 is beyond the end of step task \(0:0\d\)"):
        add_note("latest", Note(at_s=540.0, text="x", step="task"))
    with pytest.raises(StorageError, match="The note is empty"):
        add_note("latest", Note(at_s=1.0, text="  "))


# -- index -------------------------------------------------------------------------------------------


def test_index_lists_filters_and_counts(bank):
    strong = bank.install("strong")
    weak = bank.install("weak")
    save_session(minimal("20260110-080000-other", scenario="ownership-orphaned-certificates"))
    with SessionIndex() as index:
        rows = index.sessions()
        by_id = {r.session_id: r for r in rows}
        assert [r.session_id for r in index.sessions(scenario="ownership-orphaned-certificates")] == ["20260110-080000-other"]
        assert [r.session_id for r in index.sessions(since="2026-03-05")] == [weak.session_id]
        w = by_id[weak.session_id]
        assert (w.scenario, w.mode, w.level, w.complete, w.n_steps) == (strong.scenario, "ownership", "senior", True, 5)
        assert w.total_s == pytest.approx(weak.total_s)
        assert w.budget_s == weak.budget_s and w.lean == weak.summary.bar_raiser.lean
        fix = weak.summary.top_fixes[0]
        assert w.headline and w.headline[0] == f"{fix.step}: {fix.text}"
        counts = index.finding_counts(weak.session_id)
        expected = sum(len(s.analysis.findings) for s in weak.steps)
        assert sum(counts.values()) == expected and counts["handoff"] >= 1
        steps = [s for s in index.step_stats() if s.session_id == strong.session_id]
        assert [s.step for s in steps] == ["situation", "task", "action", "result", "reflection"]
        assert steps[2].i_statements == len(strong.steps[2].analysis.i_statements)
        assert index.probe_verdicts()[weak.session_id] == ["weak"]
    # sorted by start time, whatever the folder names
    assert [r.session_id for r in rows][-2:] == [strong.session_id, weak.session_id]


def test_index_follows_changes_without_reindex(bank):
    session = bank.install("strong")
    with SessionIndex() as index:
        assert index.sessions()[0].n_notes == 0
    add_note(session.session_id, Note(at_s=1.0, text="n"))
    save_session(minimal("20260401-090000-new"))
    with SessionIndex() as index:
        rows = {r.session_id: r for r in index.sessions()}
    assert rows[session.session_id].n_notes == 1 and "20260401-090000-new" in rows
    shutil.rmtree(session_dir("20260401-090000-new"))
    with SessionIndex() as index:
        assert [r.session_id for r in index.sessions()] == [session.session_id]


def test_reindex_rebuilds_from_folders(bank):
    session = bank.install("weak")
    with SessionIndex() as index:
        index.db.execute("DELETE FROM findings")
        index.db.execute("UPDATE sessions SET level = 'wrong'")
    report = reindex()
    assert report.sessions == 1 and report.repaired == "" and report.schema_version == len(MIGRATIONS)
    with SessionIndex() as index:
        assert index.sessions()[0].level == "senior"
        assert sum(index.finding_counts().values()) == sum(len(s.analysis.findings) for s in session.steps)


def test_migrations_apply_in_order_and_upgrade_an_old_index(bank):
    bank.install("weak")
    path = data_dir() / "index.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    m001_sessions_steps_findings(db)
    db.execute("INSERT INTO _migrations VALUES ('m001_sessions_steps_findings', 'then')")
    db.close()
    with SessionIndex() as index:
        names = [r[0] for r in index.db.execute("SELECT name FROM _migrations ORDER BY rowid")]
        assert names == [m.__name__ for m in MIGRATIONS]
        assert index.schema_version() == len(MIGRATIONS)
        assert index.repaired == ""
        assert index.probe_verdicts() != {}
        kinds = {k for (k,) in index.db.execute("SELECT kind FROM findings")}
        assert "handoff" in kinds  # m003 re-read the rows it added columns to
    db = sqlite3.connect(":memory:", isolation_level=None)
    assert migrate(db) == [m.__name__ for m in MIGRATIONS] and migrate(db) == []


def test_an_index_from_a_newer_starcoach_is_rebuilt(bank):
    bank.install("strong")
    with SessionIndex() as index:
        index.db.execute("INSERT INTO _migrations VALUES ('m999_from_the_future', 'later')")
    with pytest.raises(NewerIndexError):
        migrate(sqlite3.connect(data_dir() / "index.sqlite", isolation_level=None))
    with SessionIndex() as index:
        assert "newer starcoach" in index.repaired
        assert len(index.sessions()) == 1


@pytest.mark.parametrize("damage", ["garbage", "torn pages", "dropped table"])
def test_a_damaged_index_is_detected_and_rebuilt(bank, damage):
    session = bank.install("weak")
    path = data_dir() / "index.sqlite"
    with SessionIndex() as index:
        index.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if damage == "dropped table":
            index.db.execute("DROP TABLE findings")
    if damage == "garbage":
        path.write_bytes(b"this is not a database " * 500)
    elif damage == "torn pages":
        data = bytearray(path.read_bytes())
        assert len(data) > 8192
        data[4096:len(data)] = os.urandom(len(data) - 4096)  # every page after the first
        path.write_bytes(bytes(data))
    with SessionIndex() as index:
        assert "damaged" in index.repaired, index.repaired
        assert [r.session_id for r in index.sessions()] == [session.session_id]
        assert sum(index.finding_counts().values()) > 0
    assert list(data_dir().glob("index.sqlite.damaged-*")), "the damaged file is kept aside"
    with SessionIndex() as index:
        assert index.repaired == ""


def test_an_unusable_index_location_falls_back_to_memory(bank):
    bank.install("strong")
    (data_dir() / "index.sqlite").mkdir()  # a folder where the file should be
    with SessionIndex() as index:
        assert index.in_memory and "cannot be used" in index.repaired
        assert len(index.sessions()) == 1


# -- concurrency -------------------------------------------------------------------------------------


def _worker(args: tuple[str, int]) -> int:
    home, n = args
    os.environ["STARCOACH_HOME"] = home
    from starcoach.index import SessionIndex as Index
    from starcoach.session import Note as N
    from starcoach.store import add_note as note, save_session as save

    for i in range(8):
        note("20260302-093000-learn-and-be-curious", N(at_s=float(i % 4), text=f"w{n}-{i}"))
        save(minimal(f"20260501-{n:02d}{i:02d}00-w"))
        with Index() as index:
            index.sessions()
    return n


def test_concurrent_writers_lose_nothing(bank, starcoach_home):
    session = bank.install("strong")
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(4) as pool:
        assert sorted(pool.map(_worker, [(str(starcoach_home), n) for n in range(4)])) == [0, 1, 2, 3]
    notes = load_session(session.session_id).notes
    assert sorted(n.text for n in notes) == sorted(f"w{n}-{i}" for n in range(4) for i in range(8))
    with SessionIndex() as index:
        rows = index.sessions()
        assert index.repaired == ""
    assert len(rows) == 1 + 32
    assert next(r for r in rows if r.session_id == session.session_id).n_notes == 32
