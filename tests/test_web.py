"""``starcoach serve`` over real HTTP and WebSockets: the printed line, the token (cookie, 401/403),
the Host check (DNS rebinding), the WebSocket and write Origin checks, the security headers, the
JSON API against ``starcoach sessions --json``, notes and deletes through the store, and a clean
stop on Ctrl-C. One server process serves the whole module.
"""

from __future__ import annotations

import json
import re
import subprocess
import time

import pytest

from sessionfactory import bank, with_script_transcript  # noqa: F401 - fixture
from starcoach.session import Note
from starcoach.web.security import Policy, content_security_policy
from webserver import STARCOACH, Served

pytestmark = pytest.mark.slow


# --------------------------------------------------------------------------------- pure rules


def test_host_rule_accepts_only_this_server():
    p = Policy("t", "127.0.0.1", 8765)
    for ok in ("127.0.0.1:8765", "localhost:8765", "LOCALHOST:8765", "[::1]:8765"):
        assert p.host_allowed(ok), ok
    for bad in ("evil.example:8765", "127.0.0.1:8766", "127.0.0.1", "localhost.evil.example:8765", "",
                None, "10.0.0.5:8765", "127.0.0.1:8765@evil", "[::1]"):
        assert not p.host_allowed(bad), bad
    wild = Policy("t", "0.0.0.0", 9000)
    assert wild.host_allowed("192.168.1.20:9000") and wild.host_allowed("[fe80::1]:9000")
    assert not wild.host_allowed("rebound.example:9000")  # a name can be re-pointed; an IP literal cannot
    lan = Policy("t", "192.168.1.20", 9000)
    assert lan.host_allowed("192.168.1.20:9000") and not lan.host_allowed("localhost:9000")
    assert p.origin_allowed("http://127.0.0.1:8765", "127.0.0.1:8765")
    assert not p.origin_allowed("http://evil.example", "127.0.0.1:8765")
    assert not p.origin_allowed("null", "127.0.0.1:8765") and not p.origin_allowed(None, "127.0.0.1:8765")
    assert not p.origin_allowed("http://evil.example:8765", "evil.example:8765")
    assert p.token_ok("t") and not p.token_ok("u") and not p.token_ok("") and not p.token_ok(None)


def test_csp_allows_nothing_outside_the_server():
    csp = content_security_policy("127.0.0.1:8765")
    directives = dict(d.split(" ", 1) for d in csp.split("; "))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'" and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["connect-src"] == "'self' ws://127.0.0.1:8765"
    assert directives["frame-ancestors"] == "'none'"
    assert not re.search(r"https?:|\*", csp)


# --------------------------------------------------------------------------------- the server


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("web-home")


@pytest.fixture(scope="module")
def server(home):
    served = Served(home, "--voice", "off", "--no-warm")
    yield served
    served.stop()


@pytest.fixture
def sessions(server, bank, monkeypatch):
    """Two sessions in the server's data folder: the strong one and a hostile weak one."""
    monkeypatch.setenv("STARCOACH_HOME", str(server.home))
    from starcoach.store import delete_session, list_session_ids

    for sid in list_session_ids():
        delete_session(sid)
    strong = bank.install("strong")
    hostile = bank.install("web-hostile", texts=None, edit=with_script_transcript, probes=[],
                           notes=[Note(at_s=0.5, text="<img src=x onerror=alert(1)> see </div>", step="task")])
    return strong, hostile


def test_prints_one_line_with_the_address(server):
    assert re.fullmatch(r"starcoach is running at http://127\.0\.0\.1:\d+/\?token=[\w-]{20,}", server.line)


def test_token_is_needed_for_every_request(server, sessions):
    for path in ("/", "/practice", "/sessions", f"/sessions/{sessions[0].session_id}", "/progress",
                 "/api/sessions", "/static/app.css", "/static/report/session.js",
                 f"/sessions/{sessions[0].session_id}/audio.wav"):
        r = server.get(path)
        assert r.status == 401, (path, r.status)
        assert b"token" in r.body
        assert server.get(path, headers={"Cookie": f"starcoach_token_{server.port}=wrong"}).status == 403, path
        assert server.get(path + ("&" if "?" in path else "?") + "token=wrong").status == 403, path
        assert server.get(path, headers={"Authorization": "Bearer wrong"}).status == 403, path
        assert server.get(path, headers=server.authed()).status == 200, path
        assert server.get(path, headers={"Authorization": f"Bearer {server.token}"}).status == 200, path


def test_first_visit_turns_the_token_into_a_strict_httponly_cookie(server):
    r = server.get(f"/sessions?token={server.token}&state=complete",
                   headers={"Accept": "text/html", "Sec-Fetch-Mode": "navigate"})
    assert r.status == 303
    assert r.headers["location"] == "/sessions?state=complete"  # the token leaves the address bar
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"starcoach_token_{server.port}={server.token};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    # a script with the token in the address gets its answer directly (and the cookie too)
    r = server.get(f"/api/sessions?token={server.token}")
    assert r.status == 200 and "HttpOnly" in r.headers["set-cookie"]


def test_api_sessions_lists_what_the_cli_lists(server, sessions):
    r = server.get(f"/api/sessions?token={server.token}")
    assert r.status == 200 and r.headers["content-type"].startswith("application/json")
    api = r.json()
    cli = json.loads(subprocess.run([str(STARCOACH), "sessions", "--json"], capture_output=True, text=True,
                                    check=True, env={**__import__("os").environ, "STARCOACH_HOME": str(server.home)}).stdout)
    assert [row["session_id"] for row in api] == [row["session_id"] for row in cli] == \
        sorted(s.session_id for s in sessions)
    assert api == cli
    only = server.get(f"/api/sessions?token={server.token}&since=2026-03-05").json()
    assert [row["session_id"] for row in only] == [r["session_id"] for r in cli if r["started_at"][:10] >= "2026-03-05"]
    assert server.get(f"/api/sessions?token={server.token}&since=yesterday-ish").status == 400


def test_host_header_of_another_name_is_refused(server, sessions):
    for host in ("evil.example", f"evil.example:{server.port}", f"127.0.0.1.nip.io:{server.port}",
                 f"127.0.0.1:{server.port + 1}", ""):
        r = server.get("/api/sessions", headers=server.authed(), host=host)
        assert r.status == 403 and b"Host" in r.body, host
    assert server.get("/api/sessions", headers=server.authed(), host=f"localhost:{server.port}").status == 200


def test_every_response_carries_the_security_headers(server, sessions):
    for path in ("/practice", "/sessions", f"/sessions/{sessions[1].session_id}", "/progress", "/api/sessions",
                 "/static/practice.js"):
        r = server.get(path, headers=server.authed())
        assert r.status == 200, path
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp, path
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY" and r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["cache-control"] == "no-store"


def test_pages_escape_what_people_and_the_recogniser_wrote(server, sessions):
    html = server.get(f"/sessions/{sessions[1].session_id}", headers=server.authed()).text
    assert "<script>window.__pwned" not in html and "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt; see &lt;/div&gt;" in html
    assert re.search(r'<audio id="player"[^>]* src="/sessions/[\w-]+/audio\.wav\?v=\w+"', html)
    assert not re.search(r"<script>(?!</script>)", html.replace('<script src="', ""))  # no inline script
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html)


def test_review_audio_is_the_session_track_with_ranges(server, sessions):
    import io

    import soundfile as sf

    from starcoach.report.export import load_timeline

    sid = sessions[0].session_id
    r = server.get(f"/sessions/{sid}/audio.wav", headers=server.authed())
    assert r.status == 200 and r.headers["content-type"] == "audio/wav"
    data, rate = sf.read(io.BytesIO(r.body))
    assert rate == 16000 and len(data) / rate == pytest.approx(load_timeline(sid).duration_s, abs=0.05)
    part = server.get(f"/sessions/{sid}/audio.wav", headers={**server.authed(), "Range": "bytes=100-199"})
    assert part.status == 206 and part.body == r.body[100:200]
    assert server.get("/sessions/..%2F..%2Fetc/audio.wav", headers=server.authed()).status == 404
    assert server.get("/sessions/20990101-000000-nope", headers=server.authed()).status == 404


def test_websocket_needs_its_own_origin_and_the_token(server):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    url = f"ws://127.0.0.1:{server.port}/ws/practice"
    own = f"http://127.0.0.1:{server.port}"
    for origin, headers in ((None, server.authed()), ("http://evil.example", server.authed()),
                            (f"http://localhost:{server.port + 1}", server.authed()), ("null", server.authed()),
                            (own, {}), (own, {"Cookie": f"starcoach_token_{server.port}=wrong"})):
        with pytest.raises(InvalidStatus) as refused:
            connect(url, origin=origin, additional_headers=headers, open_timeout=10).close()
        assert refused.value.response.status_code == 403, (origin, headers)
    with connect(url, origin=own, additional_headers=server.authed(), open_timeout=10) as ws:
        ws.send(json.dumps({"type": "record", "label": "situation", "rate": 48000}))
        reply = json.loads(ws.recv(timeout=10))
        assert reply["type"] == "error" and "No run in progress" in reply["message"]
        ws.send("not json")
        assert json.loads(ws.recv(timeout=10))["type"] == "error"


def test_changes_need_a_same_origin_request(server, sessions, monkeypatch):
    monkeypatch.setenv("STARCOACH_HOME", str(server.home))
    from starcoach.store import list_session_ids, load_session

    sid = sessions[0].session_id
    body = json.dumps({"at_s": 1.0, "text": "Say I, not we."}).encode()
    json_ct = {"Content-Type": "application/json"}
    # a cross-site form or fetch (foreign Origin) and a request with no Origin at all are refused
    for extra in ({"Origin": "http://evil.example"}, {}, {"Origin": "null"}):
        r = server.request("POST", f"/api/sessions/{sid}/notes", headers={**server.authed(), **json_ct, **extra}, body=body)
        assert r.status == 403, extra
        r = server.request("DELETE", f"/api/sessions/{sid}", headers={**server.authed(), **extra})
        assert r.status == 403, extra
    assert load_session(sid).notes == sessions[0].notes and sid in list_session_ids()

    own = {"Origin": f"http://127.0.0.1:{server.port}"}
    r = server.request("POST", f"/api/sessions/{sid}/notes", headers={**server.authed(), **json_ct, **own}, body=body)
    assert r.status == 201, r.text
    pinned = r.json()
    stored = load_session(sid).notes
    assert [n.text for n in stored] == ["Say I, not we."] and stored[0].step == pinned["step"] == "situation"
    assert stored[0].at_s == pytest.approx(1.0) and stored[0].author == "coach"
    bad = server.request("POST", f"/api/sessions/{sid}/notes", headers={**server.authed(), **json_ct, **own},
                         body=json.dumps({"at_s": 1.0, "text": "   "}).encode())
    assert bad.status == 400 and "empty" in bad.json()["error"]

    r = server.request("DELETE", f"/api/sessions/{sid}", headers={"Authorization": f"Bearer {server.token}"})
    assert r.status == 200 and r.json() == {"deleted": sid}
    assert sid not in list_session_ids()
    assert server.request("DELETE", f"/api/sessions/{sid}", headers={**server.authed(), **own}).status == 404


def test_warns_in_one_line_off_loopback_and_stops_cleanly(tmp_path):
    import socket

    served = Served(tmp_path, "--voice", "off", "--no-warm", "--host", "0.0.0.0")
    # the printed address still points at this machine; other machines' Host (an IP) is accepted
    ip = socket.gethostbyname(socket.gethostname())
    assert served.get("/api/sessions", headers=served.authed(), host=f"{ip}:{served.port}").status == 200
    code, out, err = served.stop()
    assert code == 0 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("starcoach: warning: listening on 0.0.0.0")


def test_busy_port_is_one_line(server):
    r = subprocess.run([str(STARCOACH), "serve", "--no-browser", "--port", str(server.port)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [
        f"starcoach: error E710: Port {server.port} on 127.0.0.1 is already in use (another starcoach serve?) — "
        f"stop the other server, or choose another port such as {server.port + 1} (--port)"]


def test_ctrl_c_stops_cleanly(tmp_path):
    served = Served(tmp_path, "--voice", "off", "--no-warm")
    assert served.get("/api/sessions", headers=served.authed()).status == 200
    code, out, err = served.stop()
    assert (code, out, err) == (0, "", "")


def test_a_page_that_goes_away_mid_answer_keeps_the_take(server, say, monkeypatch):
    """The browser's audio goes to disk as it arrives: a tab closed mid-answer leaves a playable
    take (marked interrupted) and an incomplete session that `run --resume` continues."""
    import numpy as np
    import soundfile as sf
    from websockets.sync.client import connect

    monkeypatch.setenv("STARCOACH_HOME", str(server.home))
    from starcoach.store import load_session, session_dir

    data, rate = sf.read(str(say("I noticed a silent drop rate of three percent in the webhook logs.")), dtype="float32")
    url = f"ws://127.0.0.1:{server.port}/ws/practice"
    with connect(url, origin=f"http://127.0.0.1:{server.port}", additional_headers=server.authed(),
                 open_timeout=10) as ws:
        ws.send(json.dumps({"type": "start", "only": ["situation"], "probes": "none", "adaptive": False}))
        plan = _until(ws, "plan")
        assert [s["label"] for s in plan["steps"]] == ["situation"] and plan["probes"] == []
        ws.send(json.dumps({"type": "record", "label": "situation", "rate": rate}))
        half = data[: len(data) // 2]
        for i in range(0, len(half), rate // 10):  # at speaking pace, as a page sends it
            ws.send(half[i:i + rate // 10].astype("<f4").tobytes())
            time.sleep(0.1)
        _until(ws, "level", lambda m: m["elapsed_s"] >= len(half) / rate - 0.3)
    sid = plan["session_id"]
    session = None
    for _ in range(300):
        session = load_session(sid)
        if session.takes and session.ended_at:
            break
        time.sleep(0.1)
    assert not session.complete and session.steps == []
    assert [(t.step, t.take, t.stopped_by) for t in session.takes] == [("situation", 1, "interrupt")]
    info = sf.info(str(session_dir(sid) / session.takes[0].audio))
    assert info.samplerate == 16000 and info.duration == pytest.approx(len(half) / rate, abs=0.1)


def _until(ws, kind: str, ok=lambda m: True) -> dict:
    while True:
        message = json.loads(ws.recv(timeout=60))
        assert message["type"] != "error", message
        if message["type"] == kind and ok(message):
            return message
