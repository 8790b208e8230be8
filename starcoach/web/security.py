"""The web app's guard: who may talk to the server, and what a page may load.

The server serves recordings of a person's voice, so every request passes :class:`Guard`, an ASGI
middleware in front of the whole app (pages, API, static files and WebSockets alike):

- **Host header** (DNS rebinding): only the server's own address is accepted — the host it was
  bound to, the loopback names when it listens on loopback, IP literals when it listens on every
  interface — with the right port. A page on ``evil.example`` whose name was re-pointed at
  127.0.0.1 sends ``Host: evil.example:8765`` and gets 403.
- **Token**: the address printed at start carries ``?token=…``; a request with it gets an
  HttpOnly, SameSite=Strict cookie (a browser loading a page is redirected to the same address
  without the token, so it leaves the address bar). Every other request needs that cookie (or
  ``Authorization: Bearer TOKEN``, or ``?token=``, for scripts): no token is 401, a wrong one 403.
- **Origin**: a WebSocket handshake, and any request that changes something (POST, PUT, PATCH,
  DELETE), must come from the server's own origin; a foreign or missing Origin is 403 (scripts
  that send no Origin use the bearer header).
- **Headers** on every response: a Content-Security-Policy that allows nothing outside the
  server (no inline script, no CDN), ``nosniff``, no referrer, no framing, ``no-store``.

It never prints; the app's pages decide what a refused person reads.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

#: Methods that change something and so need a same-origin request.
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: Names that mean "this machine".
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def new_token() -> str:
    """A fresh random token for one server run (URL-safe, 192 bits)."""
    return secrets.token_urlsafe(24)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    """True for a bind address that means every interface (``0.0.0.0``, ``::``)."""
    return host.strip("[]") in ("0.0.0.0", "::", "")


def _ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


@dataclass
class Policy:
    """What the guard accepts.

    Attributes:
        token: The secret every request must carry.
        host: The address the server is bound to (``127.0.0.1`` by default).
        port: The port it listens on.
        extra_hosts: More host names accepted in the Host header (without port).
    """

    token: str
    host: str
    port: int
    extra_hosts: tuple[str, ...] = ()
    _names: set[str] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        names = {self._bracket(self.host).lower(), *(h.lower() for h in self.extra_hosts)}
        if is_loopback(self.host) or is_wildcard(self.host):
            names.update(LOOPBACK_NAMES)
        if is_wildcard(self.host):
            hostname = socket.gethostname().lower()
            names.update({hostname, socket.getfqdn().lower()})
        self._names = names

    @property
    def cookie_name(self) -> str:
        """The token cookie's name (cookies are not kept apart by port, so the port is in it)."""
        return f"starcoach_token_{self.port}"

    @staticmethod
    def _bracket(host: str) -> str:
        return f"[{host}]" if ":" in host and not host.startswith("[") else host

    def host_allowed(self, value: str | None) -> bool:
        """Whether a Host header names this server (DNS rebinding check)."""
        if not value:
            return False
        value = value.strip().lower()
        if value.startswith("["):
            name, _, rest = value.partition("]")
            name += "]"
            port = rest[1:] if rest.startswith(":") else ""
        else:
            name, _, port = value.rpartition(":") if value.count(":") == 1 else (value, "", "")
            if not name:
                name, port = value, ""
        if (port or "80") != str(self.port):
            return False
        if name in self._names:
            return True
        # Listening on every interface: any address of this machine may be used, and an IP
        # literal cannot be re-pointed by DNS. A name can, so names stay limited to the above.
        return is_wildcard(self.host) and _ip_literal(name)

    def origin_allowed(self, origin: str | None, host_header: str | None) -> bool:
        """Whether an Origin header is this server's own origin (as the browser addressed it)."""
        if not origin or not host_header:
            return False
        return origin.strip().lower() == f"http://{host_header.strip().lower()}" and self.host_allowed(host_header)

    def token_ok(self, value: str | None) -> bool:
        """Constant-time comparison with the token."""
        return bool(value) and secrets.compare_digest(value.encode(), self.token.encode())


def content_security_policy(host_header: str) -> str:
    """The CSP of every response: the server's own files, nothing else, nothing inline."""
    return "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self'",
        f"connect-src 'self' ws://{host_header}",
        "font-src 'self'",
        "manifest-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ])


class Guard:
    """ASGI middleware enforcing a :class:`Policy` (see the module docs).

    Args:
        app: The ASGI app behind the guard.
        policy: What to accept.
        refused: ``(status, reason) -> (content_type, body bytes)``; the page a refused request gets.
    """

    def __init__(self, app, policy: Policy, refused=None) -> None:
        self.app = app
        self.policy = policy
        self.refused = refused or _plain_refusal

    async def __call__(self, scope, receive, send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        host = headers.get("host")
        if not self.policy.host_allowed(host):
            await self._refuse(scope, send, 403, "This address is not the starcoach server's own (Host header refused).")
            return
        if kind == "websocket" and not self.policy.origin_allowed(headers.get("origin"), host):
            await self._refuse(scope, send, 403, "WebSocket from another origin refused.")
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        bearer = _bearer(headers.get("authorization"))
        cookie = _cookie(headers.get("cookie"), self.policy.cookie_name)
        if kind == "http" and scope["method"] in UNSAFE_METHODS:
            origin = headers.get("origin")
            if origin is not None and not self.policy.origin_allowed(origin, host):
                await self._refuse(scope, send, 403, "Request from another origin refused.")
                return
            if origin is None and bearer is None:
                await self._refuse(scope, send, 403, "A change needs a same-origin request (or a bearer token).")
                return
        if "token" in query:
            if not self.policy.token_ok(query["token"]):
                await self._refuse(scope, send, 403, "Wrong token: open the address starcoach printed.")
                return
            if kind == "http" and scope["method"] in ("GET", "HEAD") and _navigation(headers):
                await self._welcome(scope, send, query)
                return
            await self.app(scope, receive, self._with_headers(send, host, set_cookie=True))
            return
        elif bearer is not None:
            if not self.policy.token_ok(bearer):
                await self._refuse(scope, send, 403, "Wrong token.")
                return
        elif cookie is None:
            await self._refuse(scope, send, 401, "Open the address starcoach printed when it started (it carries ?token=…).")
            return
        elif not self.policy.token_ok(cookie):
            await self._refuse(scope, send, 403, "This browser holds the token of another starcoach run: "
                                                 "open the address starcoach printed.")
            return
        await self.app(scope, receive, self._with_headers(send, host))

    def _with_headers(self, send, host: str, set_cookie: bool = False):
        extra = _security_headers(host) + ([(b"set-cookie", self._cookie_header())] if set_cookie else [])

        async def wrapped(message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        return wrapped

    def _cookie_header(self) -> bytes:
        return f"{self.policy.cookie_name}={self.policy.token}; Path=/; HttpOnly; SameSite=Strict".encode("latin-1")

    async def _welcome(self, scope, send, query: dict[str, str]) -> None:
        """The token arrived in the address: keep it in a cookie, and drop it from the address."""
        rest = {k: v for k, v in query.items() if k != "token"}
        location = scope.get("path", "/") + (f"?{urlencode(rest)}" if rest else "")
        headers = [(b"location", location.encode("latin-1")), (b"set-cookie", self._cookie_header()),
                   (b"content-length", b"0")] + _security_headers(_headers(scope).get("host", ""))
        await send({"type": "http.response.start", "status": 303, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    async def _refuse(self, scope, send, status: int, reason: str) -> None:
        if scope["type"] == "websocket":
            # Closing before accepting makes the server answer the handshake with HTTP 403.
            await send({"type": "websocket.close", "code": 1008, "reason": reason[:120]})
            return
        content_type, body = self.refused(status, reason)
        headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()),
                   (b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff"),
                   (b"content-security-policy", b"default-src 'none'; style-src 'self'; frame-ancestors 'none'")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body if scope.get("method") != "HEAD" else b""})


def _security_headers(host: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-security-policy", content_security_policy(host).encode("latin-1")),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"cross-origin-resource-policy", b"same-origin"),
        (b"cache-control", b"no-store"),
    ]


def _headers(scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in scope.get("headers", []):
        name = key.decode("latin-1").lower()
        if name not in out:  # the first of a repeated header counts
            out[name] = value.decode("latin-1")
    return out


def _navigation(headers: dict[str, str]) -> bool:
    """A browser loading a page (not a script fetching data): worth a redirect that hides the token."""
    return headers.get("sec-fetch-mode") == "navigate" or "text/html" in headers.get("accept", "")


def _bearer(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _cookie(value: str | None, name: str) -> str | None:
    if not value:
        return None
    jar = SimpleCookie()
    try:
        jar.load(value)
    except Exception:  # noqa: BLE001 - a malformed Cookie header is no token
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None


def _plain_refusal(status: int, reason: str) -> tuple[str, bytes]:
    return "text/plain; charset=utf-8", f"{status}: {reason}\n".encode()
