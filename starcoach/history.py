"""Looking back at saved sessions, as functions that return data: the list, one session's report,
coach notes, deletion, exports, bundles and progress.

Both front ends call these (``starcoach sessions|review|note|export|import|progress`` and the
browser page of ``starcoach serve``), so they check input the same way and raise the same errors.
Nothing here prints or reads the keyboard. The functions that already live with their data are
re-exported, so a front end needs this one module:

- :func:`list_sessions` (the index, synced with the folders), :func:`parse_since`;
- :func:`open_report` (a session on one clock: :class:`~starcoach.report.timeline.Timeline`);
- :func:`pin_note`, :func:`describe_session`, :func:`remove_session`;
- :func:`export_session`, :func:`render_export`, :func:`export_bundle`, :func:`import_bundle`;
- :func:`progress`, :func:`progress_page`, :func:`reindex`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from starcoach.clock import parse_clock
from starcoach.errors import StarcoachError
from starcoach.index import ReindexReport, SessionIndex, SessionSummary, reindex
from starcoach.report.bundle import BundleInfo, export_bundle, import_bundle
from starcoach.report.export import ExportResult, export_session, load_timeline, render as render_export
from starcoach.report.progress import Progress, progress, render_progress_html
from starcoach.report.timeline import Timeline
from starcoach.session import Note, Session, now_iso
from starcoach.store import add_note, delete_session, load_session, resolve_session_id


class HistoryInputError(StarcoachError):
    """A filter or a note given to a look-back function is not valid.

    Attributes:
        field: Which input: ``since``, ``at``, ``text``.
        value: The value given.
    """


    def __init__(self, message: str, fix: str, field: str, value: object) -> None:
        super().__init__(message, fix, param=field, value=value)
        self.field = field
        self.value = value


@dataclass
class SessionList:
    """Saved sessions, oldest first.

    Attributes:
        sessions: One row per session; a damaged file is a row with ``error`` set.
        repaired: Why the index was rebuilt while reading ("" when it was healthy).
    """

    sessions: list[SessionSummary] = field(default_factory=list)
    repaired: str = ""

    @property
    def unreadable(self) -> list[SessionSummary]:
        """The rows of session files that cannot be read."""
        return [s for s in self.sessions if s.error]


def parse_since(text: str | None, today: date | None = None) -> str | None:
    """``YYYY-MM-DD``, ``today``, ``yesterday``, ``7d`` or ``2w`` -> ``YYYY-MM-DD`` (None: no filter).

    Raises:
        HistoryInputError: not a date.
    """
    if not text:
        return None
    today = today or date.today()
    value = text.strip().lower()
    if value == "today":
        return today.isoformat()
    if value == "yesterday":
        return (today - timedelta(days=1)).isoformat()
    m = re.fullmatch(r"(\d+)([dw])", value)
    if m:
        days = int(m.group(1)) * (7 if m.group(2) == "w" else 1)
        return (today - timedelta(days=days)).isoformat()
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise HistoryInputError(f"'{text}' is not a date", "write YYYY-MM-DD, 'today', 'yesterday', or 7d / 2w",
                                "since", text) from None


def list_sessions(scenario: str | None = None, since: str | None = None, today: date | None = None) -> SessionList:
    """Saved sessions, oldest first, optionally of one scenario and from a date on (see :func:`parse_since`)."""
    since_day = parse_since(since, today)
    with SessionIndex() as index:
        rows = index.sessions(scenario=scenario, since=since_day)
        return SessionList(rows, index.repaired)


def open_report(ref: str, takes: dict[str, int] | None = None) -> Timeline:
    """A session (id, unique prefix or ``latest``) with its words, findings and notes on one clock;
    ``takes`` plays other takes than the counted ones (step -> take number)."""
    return load_timeline(ref, takes=takes)


class PinnedNote(NamedTuple):
    """A note as pinned, and the session as saved with it."""

    session: Session
    note: Note


def pin_note(ref: str, at: str | float, text: str, step: str = "", author: str = "coach") -> PinnedNote:
    """Pin a coach's note to a time of a session.

    Args:
        ref: The session (id, unique prefix or ``latest``).
        at: Seconds, or a time as people write it (``1:23``), from the start of ``step`` (or of
            the session when ``step`` is "").
        text: The note.
        step: A step or ``probe-N`` the time is in.
        author: Who wrote it.

    Raises:
        TimelineError: ``at`` is not a time.
        StorageError: the note is empty, the step unknown, or the time beyond the recording.
    """
    seconds = parse_clock(at) if isinstance(at, str) else float(at)
    note = Note(at_s=seconds, text=text.strip(), step=step or "", created_at=now_iso(), author=author or "coach")
    return PinnedNote(add_note(resolve_session_id(ref), note), note)


def describe_session(ref: str) -> str:
    """One line that says which session ``ref`` is (for a confirmation): scenario, start, takes."""
    session_id = resolve_session_id(ref)
    try:
        session = load_session(session_id)
    except StarcoachError:
        return "unreadable session"
    return f"{session.scenario}, {session.started_at[:16].replace('T', ' ')}, {len(session.takes)} takes"


def remove_session(ref: str) -> str:
    """Delete a session, audio included; returns its id."""
    return delete_session(ref)


def progress_page(p: Progress) -> str:
    """The trends as one self-contained HTML page."""
    return render_progress_html(p)


__all__ = [
    "BundleInfo", "ExportResult", "HistoryInputError", "PinnedNote", "Progress", "ReindexReport", "SessionList", "SessionSummary",
    "Timeline", "describe_session", "export_bundle", "export_session", "import_bundle", "list_sessions",
    "open_report", "parse_since", "pin_note", "progress", "progress_page", "reindex", "remove_session",
    "render_export",
]
