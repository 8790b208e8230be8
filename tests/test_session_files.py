"""Session files are checked on read and on import: types, not only JSON syntax (issue #10, item 5).

A session.json with a field of the wrong type is listed as unreadable, with its path and the field,
by every command that lists sessions; the other sessions keep working (``sessions``, ``sessions
reindex``, ``progress``, ``review``, HTML export); ``doctor`` reports it; and a bundle carrying such
a file (with checksums that match) is refused on import. Run through the real ``starcoach``.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from sessionfactory import handmade_session
from starcoach.errors import SessionInvalid
from starcoach.paths import sessions_dir
from starcoach.session import Session
from starcoach.store import load_session, save_session
from test_sessions_cli import one_error_line, sc

GOOD = "20260401-100000-good"
BAD = "20260402-100000-bad"

#: (what a hand edit or a bug wrote, the field the error must name, what it must say about it)
DAMAGE = [
    (lambda d: d.update(total_s="abc"), "total_s", "is text 'abc', expected a number"),
    (lambda d: d.update(started_at=12345), "started_at", "is the number 12345, expected text"),
    (lambda d: d["steps"][2]["analysis"].update(duration_s="7s"), "steps[2].analysis.duration_s",
     "is text '7s', expected a number"),
    (lambda d: d["takes"][0]["transcript"]["words"][1].update(start=None), "takes[0].transcript.words[1].start",
     "is null, expected a number"),
    (lambda d: d["summary"]["top_fixes"][0].pop("text"), "summary.top_fixes[0].text", "is missing"),
    (lambda d: d.update(notes={"at_s": 1}), "notes", "is an object, expected a list"),
    (lambda d: d.update(complete="yes"), "complete", "is text 'yes', expected true or false"),
]


def _two_sessions(damage) -> Path:
    """A good session and a damaged one on disk; returns the damaged file."""
    save_session(handmade_session(GOOD))
    save_session(handmade_session(BAD))
    path = sessions_dir() / BAD / "session.json"
    data = json.loads(path.read_text())
    damage(data)
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("damage,field,problem", DAMAGE, ids=[d[1] for d in DAMAGE])
def test_a_wrong_type_is_refused_on_read_naming_the_file_and_field(damage, field, problem):
    path = _two_sessions(damage)
    with pytest.raises(SessionInvalid) as e:
        load_session(BAD)
    assert (e.value.path, e.value.field, e.value.problem) == (str(path), field, problem)
    assert e.value.one_line().startswith(f"Session file {path} is damaged: {field} {problem} — ")
    assert load_session(GOOD).session_id == GOOD


def test_the_session_round_trips_exactly():
    session = handmade_session(GOOD)
    data = json.loads(json.dumps(session.to_dict()))
    assert Session.from_dict(data) == session
    assert Session.from_dict(data).to_dict() == data


@pytest.mark.slow
def test_every_command_lists_a_damaged_session_and_keeps_working(tmp_path):
    path = _two_sessions(lambda d: d.update(total_s="abc"))
    damaged = f"{path} is damaged: total_s is text 'abc', expected a number"

    out = sc("sessions").stdout
    assert f"{BAD}  unreadable: Session file {damaged}" in out
    assert f"{GOOD}  ownership/sde2" in out and "2 sessions." in out
    rows = {r["session_id"]: r for r in json.loads(sc("sessions", "--json").stdout)}
    assert damaged in rows[BAD]["error"] and rows[GOOD]["error"] == ""

    reindex = sc("sessions", "reindex")
    assert reindex.returncode == 0 and "Indexed 2 sessions" in reindex.stdout
    assert f"unreadable: {BAD}: Session file {damaged}" in " ".join(reindex.stdout.split())
    report = json.loads(sc("sessions", "reindex", "--json").stdout)
    assert report["unreadable"] == [BAD] and damaged in report["errors"][BAD]

    progress = json.loads(sc("progress", "--json").stdout)
    assert [s["session_id"] for s in progress["sessions"]] == [GOOD]
    assert sc("progress").returncode == 0

    assert "Bar Raiser read" in sc("review", GOOD).stdout
    one_error_line(sc("review", BAD), "E402", damaged)
    one_error_line(sc("review", "latest"), damaged)  # latest is the damaged one: said, not hidden
    assert sc("export", GOOD, "-f", "html", "-o", str(tmp_path / "good.html")).returncode == 0
    assert "Bar Raiser read" in (tmp_path / "good.html").read_text()
    one_error_line(sc("export", BAD, "-f", "html", "-o", str(tmp_path / "bad.html")), damaged)

    doctor = sc("doctor", "--json")
    check = next(c for c in json.loads(doctor.stdout)["checks"] if c["name"] == "Sessions")
    assert not check["ok"] and "1 of 2 unreadable" in check["detail"] and damaged in check["detail"]
    assert "restore" in check["fix"]
    assert doctor.returncode == 1


@pytest.mark.slow
def test_doctor_says_sessions_are_fine_when_they_are():
    save_session(handmade_session(GOOD))
    check = next(c for c in json.loads(sc("doctor", "--json").stdout)["checks"] if c["name"] == "Sessions")
    assert check["ok"] and check["detail"] == "1 saved, all readable"


@pytest.mark.slow
def test_a_bundle_with_a_wrong_type_is_refused_even_with_matching_checksums(tmp_path):
    save_session(handmade_session(GOOD))
    bundle = tmp_path / "good.zip"
    assert sc("export", GOOD, "--bundle", str(bundle)).returncode == 0
    edited = tmp_path / "edited.zip"
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(edited, "w") as dst:
        manifest = json.loads(src.read("starcoach-bundle.json"))
        for name in src.namelist():
            data = src.read(name)
            if name.endswith("session.json"):
                session = json.loads(data)
                session["started_at"] = 12345
                data = json.dumps(session).encode()
                manifest["files"][name] = hashlib.sha256(data).hexdigest()
            if name != "starcoach-bundle.json":
                dst.writestr(name, data)
        dst.writestr("starcoach-bundle.json", json.dumps(manifest))
    sc("sessions", "rm", GOOD, "--yes")
    one_error_line(sc("import", str(edited)), "E402", "edited.zip: session.json is damaged: started_at is the number 12345, "
                   "expected text", "export the bundle again")
    assert not (sessions_dir() / GOOD).exists()
