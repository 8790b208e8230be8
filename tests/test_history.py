"""The look-back functions both front ends call (starcoach.history): data in, data out, one set of errors."""

from __future__ import annotations

from datetime import date

import pytest

from sessionfactory import handmade_session
from starcoach import history
from starcoach.errors import StorageError, TimelineError
from starcoach.store import save_session


def test_list_sessions_filters_and_says_why_a_filter_is_wrong():
    save_session(handmade_session("20260401-100000-a"))
    save_session(handmade_session("20260403-100000-b"))
    listing = history.list_sessions()
    assert [r.session_id for r in listing.sessions] == ["20260401-100000-a", "20260403-100000-b"]
    assert listing.unreadable == [] and listing.repaired == ""
    # started_at is the handmade session's own (2026-04-01) for both; the filter reads it
    assert history.list_sessions(since="2026-04-02").sessions == []
    assert len(history.list_sessions(since="7d", today=date(2026, 4, 5)).sessions) == 2
    assert history.list_sessions(scenario="nope").sessions == []
    with pytest.raises(history.HistoryInputError) as e:
        history.list_sessions(since="last tuesday")
    assert (e.value.field, e.value.value) == ("since", "last tuesday")
    assert e.value.one_line() == "'last tuesday' is not a date — write YYYY-MM-DD, 'today', 'yesterday', or 7d / 2w"


def test_parse_since():
    today = date(2026, 3, 10)
    assert history.parse_since("today", today) == "2026-03-10"
    assert history.parse_since("yesterday", today) == "2026-03-09"
    assert history.parse_since("2w", today) == "2026-02-24"
    assert history.parse_since(None, today) is None


def test_pin_note_report_describe_and_remove():
    save_session(handmade_session("20260401-100000-a"))
    session, note = history.pin_note("latest", "0:02", "  Lead with the number  ", step="result", author="Ana")
    assert (note.at_s, note.text, note.step, note.author) == (2.0, "Lead with the number", "result", "Ana")
    assert note in session.notes
    report = history.open_report("latest")
    assert any(n.note.text == "Lead with the number" for n in report.notes)
    with pytest.raises(TimelineError, match="'soon' is not a time"):
        history.pin_note("latest", "soon", "x")
    with pytest.raises(StorageError, match="The note is empty"):
        history.pin_note("latest", 1.0, "   ")
    assert history.describe_session("latest").startswith("learn-and-be-curious-proactive-learning, 2026-04-01 10:00, 5 takes")
    assert history.remove_session("latest") == "20260401-100000-a"
    assert history.list_sessions().sessions == []
