"""Drive Debian's headless Chromium over the DevTools protocol, with nothing but the stdlib.

Chromium's ``--remote-debugging-pipe`` speaks the DevTools protocol (NUL-terminated JSON
messages) on file descriptors 3 (commands in) and 4 (replies and events out), so no websocket
library and no browser download are needed: the test uses the system ``chromium`` package.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

#: Flags that keep Chromium offline, quiet and runnable as root in a container.
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--remote-debugging-pipe",
]


def find_chromium() -> str | None:
    """Path of the system Chromium, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class CDPError(RuntimeError):
    """A DevTools command failed."""


class Browser:
    """A headless Chromium with one page; use as a context manager.

    Attributes:
        events: Every event received, as (session_id, method, params).
    """

    def __init__(self, executable: str | None = None, timeout: float = 30.0, flags: list[str] | None = None) -> None:
        exe = executable or find_chromium()
        if exe is None:
            raise FileNotFoundError("chromium is not installed (apt-get install chromium)")
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="starcoach-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire_pipes() -> None:  # in the child: fd 3 = commands in, fd 4 = messages out
            a = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [exe, *FLAGS, *(flags or []), f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire_pipes, close_fds=False,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._ids = itertools.count(1)
        self._replies: dict[int, queue.Queue] = {}
        self._lock = threading.Lock()
        self.events: list[tuple[str | None, str, dict[str, Any]]] = []
        self._event_cv = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.session = self._open_page()

    # -- plumbing ------------------------------------------------------------------------------

    def _read(self) -> None:
        buf = b""
        while True:
            try:
                chunk = os.read(self._from_chrome, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._event_cv:
                    self._event_cv.notify_all()
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    q = self._replies.get(message["id"])
                    if q is not None:
                        q.put(message)
                else:
                    with self._event_cv:
                        self.events.append((message.get("sessionId"), message["method"], message.get("params", {})))
                        self._event_cv.notify_all()

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = "page") -> dict[str, Any]:
        """Send a command and wait for its result (``session=None`` targets the browser)."""
        msg_id = next(self._ids)
        message: dict[str, Any] = {"id": msg_id, "method": method, "params": params or {}}
        if session == "page":
            session = self.session
        if session:
            message["sessionId"] = session
        q: queue.Queue = queue.Queue()
        self._replies[msg_id] = q
        with self._lock:
            os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        try:
            reply = q.get(timeout=self.timeout)
        except queue.Empty:
            raise CDPError(f"{method}: no reply in {self.timeout} s") from None
        finally:
            self._replies.pop(msg_id, None)
        if "error" in reply:
            raise CDPError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_event(self, method: str, since: int = 0, timeout: float | None = None) -> dict[str, Any]:
        """Wait for event ``method`` on the page (looking at events from index ``since`` on)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._event_cv:
            while True:
                for sid, name, params in self.events[since:]:
                    if name == method and sid == self.session:
                        return params
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CDPError(f"no {method} event in {timeout or self.timeout} s")
                self._event_cv.wait(left)

    def _open_page(self) -> str:
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=None)["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=None)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=session)
        return session

    # -- what tests use ------------------------------------------------------------------------

    def open(self, path: Path) -> None:
        """Load a local file and wait for its load event."""
        mark = len(self.events)
        self.send("Page.navigate", {"url": Path(path).resolve().as_uri()})
        self.wait_event("Page.loadEventFired", since=mark)

    def goto(self, url: str) -> None:
        """Load ``url`` and wait for its load event."""
        mark = len(self.events)
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired", since=mark)

    def wait_for(self, expression: str, timeout: float = 60.0, every: float = 0.05) -> Any:
        """Poll a JavaScript expression until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise CDPError(f"still false after {timeout} s: {expression}")
            time.sleep(every)

    def key(self, key: str, code: str | None = None, text: str | None = None) -> None:
        """Press and release one key, as a person would (``" "``, ``"Enter"``, ``"r"``)."""
        named = {" ": 32, "Enter": 13, "Tab": 9, "Escape": 27}
        code = code or {" ": "Space"}.get(key, f"Key{key.upper()}" if len(key) == 1 else key)
        text = text if text is not None else {"Enter": "\r"}.get(key, key if len(key) == 1 else "")
        keycode = named.get(key, ord(key.upper()) if len(key) == 1 else 0)
        down = {"type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": keycode}
        if text:
            down["text"] = text
        self.send("Input.dispatchKeyEvent", down)
        self.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "code": code, "windowsVirtualKeyCode": keycode})

    def screenshot(self, path: Path, full_page: bool = False) -> Path:
        """Save a PNG of the page (the viewport, or the whole page)."""
        import base64

        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": full_page})["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)

    def evaluate(self, expression: str, await_promise: bool = True) -> Any:
        """Evaluate JavaScript in the page and return its value (JSON-able)."""
        result = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": await_promise,
                                                "returnByValue": True, "userGesture": True})
        if "exceptionDetails" in result:
            raise CDPError(f"{expression[:60]}...: {result['exceptionDetails']}")
        return result["result"].get("value")

    def click(self, selector: str) -> None:
        """A real mouse click (press and release) in the middle of the first element matching ``selector``."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2]; })()"
        )
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1], "button": "left",
                                                   "clickCount": 1 if kind != "mouseMoved" else 0})

    def console_errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error log entries seen so far."""
        out = []
        for sid, method, params in list(self.events):
            if sid != self.session:
                continue
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                out.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                out.append(details.get("exception", {}).get("description") or details.get("text", "exception"))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                out.append(params["entry"].get("text", ""))
        return out

    def requests(self) -> list[str]:
        """URLs the page requested (scheme and a little of the rest)."""
        return [p["request"]["url"][:80] for sid, m, p in list(self.events)
                if sid == self.session and m == "Network.requestWillBeSent"]

    def close(self) -> None:
        """Close the browser and remove its profile."""
        try:
            self.send("Browser.close", session=None)
        except (CDPError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: Page scripts that wait for the page's <audio id=player>: its duration once known, and where a seek landed.
WAIT_METADATA = """new Promise((resolve) => {
  const a = document.getElementById('player');
  if (a.readyState >= 1) { resolve(a.duration); return; }
  a.addEventListener('loadedmetadata', () => resolve(a.duration));
  a.addEventListener('error', () => resolve('error ' + (a.error && a.error.code)));
})"""

WAIT_SEEKED = """new Promise((resolve) => {
  const a = document.getElementById('player');
  if (!a.seeking) { resolve(a.currentTime); return; }
  a.addEventListener('seeked', () => resolve(a.currentTime), {once: true});
})"""
