"""A real ``starcoach serve`` process for the web tests: started as a person starts it, read from
the one line it prints, stopped with Ctrl-C (SIGINT)."""

from __future__ import annotations

import http.client
import os
import re
import select
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STARCOACH = REPO / ".venv" / "bin" / "starcoach"

#: The one line ``starcoach serve`` prints (the issue's interface).
READY_RE = re.compile(r"^starcoach is running at http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_\-]+)$")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        import json

        return json.loads(self.body)


class Served:
    """``starcoach serve --no-browser --port 0`` in a subprocess.

    Attributes:
        home: Its STARCOACH_HOME.
        line: The line it printed.
        port: Its port.
        token: Its token.
    """

    def __init__(self, home: Path, *args: str, timeout: float = 60.0) -> None:
        self.home = Path(home)
        env = {**os.environ, "STARCOACH_HOME": str(self.home), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([str(STARCOACH), "serve", "--no-browser", "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                     env=env, cwd=str(REPO))
        self.line = self._first_line(timeout)
        m = READY_RE.match(self.line)
        if not m:
            self.stop()
            raise AssertionError(f"unexpected first line: {self.line!r}")
        self.port, self.token = int(m.group(1)), m.group(2)
        self.base = f"http://127.0.0.1:{self.port}"

    def _first_line(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        buf = b""
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.poll() is not None else ""
                raise AssertionError(f"starcoach serve printed no address ({buf!r}; stderr: {err})")
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    continue
                buf += chunk
        line, _, rest = buf.partition(b"\n")
        self.extra_stdout = rest
        return line.decode()

    def request(self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes | None = None,
                host: str | None = None) -> Reply:
        """One raw HTTP request (no cookies kept, no redirects followed)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", host if host is not None else f"127.0.0.1:{self.port}")
            for k, v in (headers or {}).items():
                conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        finally:
            conn.close()

    def get(self, path: str, **kwargs) -> Reply:
        return self.request("GET", path, **kwargs)

    def authed(self) -> dict[str, str]:
        """The cookie a browser holds after opening the printed address."""
        return {"Cookie": f"starcoach_token_{self.port}={self.token}"}

    def stop(self, sig: int = signal.SIGINT, timeout: float = 60.0) -> tuple[int, str, str]:
        """Stop it as Ctrl-C does; returns (exit code, rest of stdout, stderr)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        return self.proc.returncode, (getattr(self, "extra_stdout", b"") + out).decode(), err.decode()
