"""The web app: pages, a small JSON API and the practice WebSocket, behind the guard.

:func:`create_app` returns the ASGI app ``starcoach serve`` runs. Everything goes through the
same library and session store as the terminal, so a session made in the browser is listed by
``starcoach sessions`` and the other way round:

- ``/practice`` (and ``/``): pick a question, answer it aloud (:mod:`starcoach.web.practice`);
- ``/sessions``: the saved sessions, filtered; ``DELETE /api/sessions/ID`` deletes one;
- ``/sessions/ID``: the review page (the HTML export's report, with the audio served from here
  and a note form; ``POST /api/sessions/ID/notes`` pins a note under the session's lock);
- ``/progress``: the trends charts;
- ``/api/sessions``: the list as ``starcoach sessions --json`` prints it.

It never prints; the world comes in as parameters (:class:`WebConfig`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starcoach.errors import StarcoachError
from starcoach.web.render import render
from starcoach.web.security import Guard, Policy

#: Where the web app's own files live.
STATIC_DIR = Path(__file__).with_name("static")

#: Files of the HTML export served to the pages as they are (shared styles and player script).
REPORT_ASSETS = {"session.css": "text/css", "session.js": "text/javascript"}


@dataclass
class WebConfig:
    """How the app runs.

    Attributes:
        policy: Token and address checks (:class:`starcoach.web.security.Policy`).
        voice: The interviewer's voice for probes (``hibari``, ``espeak`` or ``off``).
        model: Whisper model name or path (None: the default).
        silence_stop_s: Seconds of silence (after speech) that end a take; None: only Stop does.
        cache_dir: Where session tracks and spoken questions are kept while the server runs
            (a private temp folder by default, removed by :meth:`close`).
    """

    policy: Policy
    voice: str = "hibari"
    model: str | None = None
    silence_stop_s: float | None = None
    cache_dir: Path | None = None
    _own_cache: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.cache_dir is None:
            self.cache_dir = Path(tempfile.mkdtemp(prefix="starcoach-web-"))
            self._own_cache = True

    def close(self) -> None:
        """Remove the cache folder if the config made it."""
        if self._own_cache and self.cache_dir is not None:
            shutil.rmtree(self.cache_dir, ignore_errors=True)


def create_app(config: WebConfig):
    """The guarded ASGI app."""
    from starlette.applications import Starlette
    from starlette.routing import Mount, Route, WebSocketRoute
    from starlette.staticfiles import StaticFiles

    from starcoach.web import practice

    practices = practice.PracticeHub(config)
    routes = [
        Route("/", practice_page),
        Route("/practice", practice_page),
        Route("/sessions", sessions_page),
        Route("/sessions/{session_id}", review_page),
        Route("/sessions/{session_id}/audio.wav", session_audio),
        Route("/progress", progress_page),
        Route("/api/sessions", api_sessions),
        Route("/api/sessions/{session_id}", api_session, methods=["GET", "DELETE"]),
        Route("/api/sessions/{session_id}/notes", api_add_note, methods=["POST"]),
        Route("/voice/{name}", practices.voice_file),
        Route("/static/report/{name}", report_asset),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
        WebSocketRoute("/ws/practice", practices.websocket),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        await practices.shutdown()

    app = Starlette(routes=routes, exception_handlers={404: _not_found, 500: _server_error}, lifespan=lifespan)
    app.state.config = config
    app.state.audio_lock = threading.Lock()
    return Guard(app, config.policy, refused=_refused_page)


# --------------------------------------------------------------------------------- pages


def _page(request, template: str, status: int = 200, **context: Any):
    from starlette.responses import HTMLResponse

    nav = request.url.path.split("/")[1] or "practice"
    return HTMLResponse(render(template, nav=nav, **context), status_code=status)


def _error_page(request, e: StarcoachError, status: int = 400):
    return _page(request, "error.html", status=status, message=e.message, fix=e.fix, code=e.code)


async def practice_page(request):
    """Pick a question (or a principle, or a mock loop), a mode and a level; then answer aloud."""
    from starlette.concurrency import run_in_threadpool

    return _page(request, "practice.html", **await run_in_threadpool(_practice_context, request.query_params))


def _practice_context(params) -> dict[str, Any]:
    from starcoach.library import covered_principles
    from starcoach.scenario import DEFAULT_SCENARIO_ID, LEVEL_NAMES, MODE_NAMES, STEP_NAMES, scan

    scenarios = sorted(scan().scenarios, key=lambda s: (s.principle, s.id))
    chosen = params.get("scenario") or DEFAULT_SCENARIO_ID
    resume = params.get("resume") or ""
    return dict(scenarios=scenarios, principles=covered_principles(scenarios), chosen=chosen,
                modes=MODE_NAMES, levels=LEVEL_NAMES, resume=resume, step_names=_step_names(scenarios, STEP_NAMES))


def _step_names(scenarios, default: tuple[str, ...]) -> list[str]:
    """The steps the page offers to answer: those of every framework the question bank uses (the
    default framework's first); a question is asked the ones of its own framework."""
    names = [n for n in default if any(n in s.framework.names for s in scenarios)]
    for scenario in scenarios:
        names += [n for n in scenario.framework.names if n not in names]
    return names or list(default)


@dataclass
class SessionFilters:
    """The Sessions page's filters (all optional).

    Attributes:
        scenario: Only this scenario's sessions.
        principle: Only sessions of questions for this principle.
        since: From this date on (YYYY-MM-DD).
        until: Up to this date (YYYY-MM-DD).
        state: ``complete``, ``incomplete`` or "" for both.
    """

    scenario: str = ""
    principle: str = ""
    since: str = ""
    until: str = ""
    state: str = ""

    @classmethod
    def from_query(cls, params) -> "SessionFilters":
        """The filters of a query string (dates as ``sessions --since`` takes them).

        Raises:
            HistoryInputError: a date is not a date.
        """
        from starcoach.history import parse_since

        state = params.get("state") or ""
        return cls(scenario=params.get("scenario") or "", principle=params.get("principle") or "",
                   since=parse_since(params.get("since")) or "", until=parse_since(params.get("until")) or "",
                   state=state if state in ("complete", "incomplete") else "")

    @property
    def active(self) -> bool:
        return any((self.scenario, self.principle, self.since, self.until, self.state))


def list_sessions(filters: SessionFilters) -> tuple[list[Any], str]:
    """Session rows (newest first) matching ``filters``, and why the index was rebuilt ("" if not)."""
    from starcoach.history import list_sessions as history_list

    listed = history_list(scenario=filters.scenario or None, since=filters.since or None)
    rows, repaired = listed.sessions, listed.repaired
    if filters.until:
        rows = [r for r in rows if r.started_at[:10] <= filters.until]
    if filters.state:
        rows = [r for r in rows if r.complete == (filters.state == "complete")]
    if filters.principle:
        principles = _principles()
        rows = [r for r in rows if principles.get(r.scenario) == filters.principle]
    return list(reversed(rows)), repaired


def _principles() -> dict[str, str]:
    """Scenario id -> its primary principle, for the scenarios in the library."""
    from starcoach.scenario import scan

    return {s.id: s.principle for s in scan().scenarios}


async def sessions_page(request):
    """The saved sessions with filters; delete with confirmation."""
    from starlette.concurrency import run_in_threadpool

    from starcoach.library import covered_principles
    from starcoach.scenario import scan

    try:
        filters = SessionFilters.from_query(request.query_params)
    except StarcoachError as e:
        return _error_page(request, e)
    rows, repaired = await run_in_threadpool(list_sessions, filters)
    scenarios = await run_in_threadpool(lambda: sorted(scan().scenarios, key=lambda s: s.id))
    known = sorted({s.id for s in scenarios} | {r.scenario for r in rows if r.scenario})
    return _page(request, "sessions.html", rows=rows, filters=filters, repaired=repaired, scenario_ids=known,
                 principles=covered_principles(scenarios), principle_of=_principles())


async def review_page(request):
    """A session's report with its audio, the transcript following playback, and the note form."""
    from starlette.concurrency import run_in_threadpool

    from starcoach.history import open_report
    from starcoach.report.html import session_context
    from starcoach.store import check_session_id

    try:
        session_id = check_session_id(request.path_params["session_id"])
        timeline = await run_in_threadpool(open_report, session_id)
    except StarcoachError as e:
        return _error_page(request, e, status=404)
    audio = f"/sessions/{session_id}/audio.wav?v={_stamp(session_id)}" if timeline.sections else ""
    context = session_context(timeline, audio_src=audio)
    return _page(request, "review.html", sections_json=json.dumps(
        [{"name": s.name, "title": s.title, "start": s.start_s} for s in timeline.sections]), **context)


async def session_audio(request):
    """The session as one WAV track on the review clock (range requests allowed, so seeking works)."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import FileResponse

    from starcoach.store import check_session_id

    try:
        session_id = check_session_id(request.path_params["session_id"])
        path = await run_in_threadpool(_session_track, request.app, session_id)
    except StarcoachError as e:
        return _error_page(request, e, status=404)
    return FileResponse(path, media_type="audio/wav")


def _stamp(session_id: str) -> str:
    """Changes whenever the session's file does (new takes, notes), so the track is rebuilt."""
    from starcoach.store import session_dir

    try:
        st = (session_dir(session_id) / "session.json").stat()
    except OSError:
        return "0"
    return hashlib.sha1(f"{st.st_mtime_ns}:{st.st_size}".encode()).hexdigest()[:12]


def _session_track(app, session_id: str) -> Path:
    from starcoach.history import open_report
    from starcoach.report.audio import encode, session_audio

    config: WebConfig = app.state.config
    out = config.cache_dir / "tracks" / f"{session_id}-{_stamp(session_id)}.wav"
    with app.state.audio_lock:
        if not out.exists():
            timeline = open_report(session_id)
            data = encode(session_audio(timeline), "wav")
            out.parent.mkdir(parents=True, exist_ok=True)
            for old in out.parent.glob(f"{session_id}-*.wav"):
                old.unlink(missing_ok=True)
            tmp = out.with_suffix(".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, out)
    return out


async def progress_page(request):
    """The trends charts (the ``progress --html`` page, inside the app)."""
    from starlette.concurrency import run_in_threadpool

    from starcoach.history import progress
    from starcoach.report.progress import progress_context

    scenario = request.query_params.get("scenario") or None
    p = await run_in_threadpool(progress, scenario)
    ids = sorted({s.scenario for s in (await run_in_threadpool(progress, None)).sessions}) if scenario else \
        sorted({s.scenario for s in p.sessions})
    return _page(request, "trends.html", scenario_ids=ids, **progress_context(p))


async def report_asset(request):
    """``session.css`` / ``session.js`` of the HTML export, shared with the pages."""
    from importlib import resources

    from starlette.responses import PlainTextResponse, Response

    name = request.path_params["name"]
    if name not in REPORT_ASSETS:
        return PlainTextResponse("Not found", status_code=404)
    body = resources.files("starcoach.report").joinpath(name).read_bytes()
    return Response(body, media_type=REPORT_ASSETS[name])


# --------------------------------------------------------------------------------- API


async def api_sessions(request):
    """``starcoach sessions --json``: the session rows, oldest first (same filters as the page)."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse

    try:
        filters = SessionFilters.from_query(request.query_params)
    except StarcoachError as e:
        return _json_error(e, 400)
    rows, _ = await run_in_threadpool(list_sessions, filters)
    return JSONResponse([r.to_dict() for r in reversed(rows)])


async def api_session(request):
    """GET: the session JSON (as ``export --format json``); DELETE: delete it, audio included."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse

    from starcoach.history import remove_session
    from starcoach.locks import InUse
    from starcoach.store import check_session_id, load_session

    try:
        session_id = check_session_id(request.path_params["session_id"])
        if request.method == "DELETE":
            deleted = await run_in_threadpool(remove_session, session_id)
            return JSONResponse({"deleted": deleted})
        session = await run_in_threadpool(load_session, session_id)
    except InUse as e:  # a run (here or in a terminal) is recording into it
        return _json_error(e, 409)
    except StarcoachError as e:
        return _json_error(e, 404)
    return JSONResponse(session.to_dict())


async def api_add_note(request):
    """Pin a note at a time of the review clock (or on a word): ``{"at_s", "text", "author"}``.

    The time is on the review page's clock; the note is stored against the step playing then
    (as ``starcoach note --step STEP --at M:SS`` stores it), taking the session's lock.
    """
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse

    from starcoach.history import HistoryInputError
    from starcoach.store import check_session_id

    try:
        session_id = check_session_id(request.path_params["session_id"])
        try:
            body = await request.json()
        except ValueError:
            raise HistoryInputError("The note request is not JSON", 'send {"at_s": 12.5, "text": "..."}', "note", "") from None
        if not isinstance(body, dict):
            raise HistoryInputError("The note request is not a JSON object", 'send {"at_s": 12.5, "text": "..."}', "note", "")
        note = await run_in_threadpool(pin_note, session_id, body.get("at_s"), body.get("text"), body.get("author"))
    except StarcoachError as e:
        return _json_error(e, 404 if e.code == "E401" else 400)
    return JSONResponse(note, status_code=201)


def pin_note(session_id: str, at_s: Any, text: Any, author: Any = None) -> dict[str, Any]:
    """Store a note at ``at_s`` seconds of the review clock; returns where it landed.

    The review page plays the session as one track; the note belongs to the step (or probe)
    playing at that time, at its time within that step, as ``starcoach note --step`` pins it.
    """
    from starcoach import history
    from starcoach.clock import format_clock
    from starcoach.errors import TimelineError
    from starcoach.history import HistoryInputError

    try:
        at = float(at_s)
    except (TypeError, ValueError):
        raise HistoryInputError(f"The note's time {at_s!r} is not a number of seconds", "pin it at a time in the recording",
                                "at", at_s) from None
    text = str(text or "")
    if len(text) > 4000:
        raise HistoryInputError("The note is longer than 4000 characters", "split it into shorter notes", "text", len(text))
    timeline = history.open_report(session_id)
    if not timeline.sections:
        raise TimelineError(f"Session {session_id} has no recorded step to pin a note to", "record an answer first")
    at = max(0.0, min(at, timeline.duration_s))
    section = timeline.sections[timeline.section_at(at)]
    local = round(max(0.0, at - section.start_s), 2)
    pinned = history.pin_note(session_id, local, text, step=section.name, author=str(author or "").strip()[:60] or "coach")
    note = pinned.note
    return {"session_id": session_id, "step": note.step, "title": section.title, "at_s": note.at_s,
            "t": round(section.start_s + note.at_s, 3), "clock": format_clock(note.at_s), "text": note.text,
            "author": note.author}


def _json_error(e: StarcoachError, status: int):
    from starlette.responses import JSONResponse

    return JSONResponse({"error": e.message, "fix": e.fix, "code": e.code}, status_code=status)


# --------------------------------------------------------------------------------- errors


async def _not_found(request, exc):
    from starlette.responses import JSONResponse

    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": "Not found", "fix": "", "code": "E404"}, status_code=404)
    return _page(request, "error.html", status=404, message="There is no page at this address.",
                 fix="Use the links above.", code="404")


async def _server_error(request, exc):
    from starlette.responses import PlainTextResponse

    return PlainTextResponse(f"starcoach hit an internal error: {type(exc).__name__}", status_code=500)


def _refused_page(status: int, reason: str) -> tuple[str, bytes]:
    body = render("refused.html", status=status, reason=reason)
    return "text/html; charset=utf-8", body.encode("utf-8")
