"""Running the web app: bind the address, make the token, serve with uvicorn until stopped.

:func:`serve` binds the socket itself (so a busy port is one clear error before anything starts,
and port 0 picks a free one), makes a fresh token, and runs :func:`starcoach.web.app.create_app`
under uvicorn with its logging off. It reports through callbacks and never prints: the CLI says
what to say. Ctrl-C (SIGINT) or SIGTERM stops it gracefully; a run in progress is saved as
incomplete first.
"""

from __future__ import annotations

import errno
import socket
import threading
from dataclasses import dataclass
from typing import Callable

from starcoach.errors import StarcoachError
from starcoach.web.security import Policy, is_loopback, is_wildcard, new_token

#: The port ``starcoach serve`` listens on unless told otherwise.
DEFAULT_PORT = 8765


class ServeError(StarcoachError):
    """The server cannot start (address in use, not this machine's, no permission)."""


@dataclass(frozen=True)
class ServeOptions:
    """How to serve.

    Attributes:
        host: Address to listen on (loopback by default).
        port: Port (0: any free port).
        voice: The interviewer's voice for probes (``hibari``, ``espeak``, ``off``).
        model: Whisper model name or path (None: the default).
        silence_stop_s: Seconds of silence (after speech) that end a take (None: only Stop does).
        warm: Load the speech and language models in the background at start.
    """

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    voice: str = "hibari"
    model: str | None = None
    silence_stop_s: float | None = None
    warm: bool = True


def public_url(host: str, port: int, token: str) -> str:
    """The address to open (with the token); a wildcard bind is reached through loopback."""
    shown = "127.0.0.1" if is_wildcard(host) else (f"[{host}]" if ":" in host and not host.startswith("[") else host)
    return f"http://{shown}:{port}/?token={token}"


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``.

    Raises:
        ServeError: the port is taken, the address is not this machine's, or binding is not allowed.
    """
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise ServeError(f"Cannot listen on '{host}': no such address ({e.strerror})",
                         "listen on 127.0.0.1 (the default) or an address of this machine", param="host",
                         value=host) from e
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise ServeError(f"Port {port} on {host} is already in use (another starcoach serve?)",
                             f"stop the other server, or choose another port such as {port + 1}", param="port",
                             value=port) from e
        if e.errno == errno.EADDRNOTAVAIL:
            raise ServeError(f"'{host}' is not an address of this machine",
                             "listen on 127.0.0.1 (the default) or one of this machine's addresses", param="host",
                             value=host) from e
        if e.errno == errno.EACCES:
            raise ServeError(f"Not allowed to listen on port {port}", "choose a port above 1023, such as 8765",
                             param="port", value=port) from e
        raise ServeError(f"Cannot listen on {host}:{port} ({e.strerror})", "choose another port", param="port",
                         value=port) from e
    sock.set_inheritable(True)
    return sock


def serve(options: ServeOptions, on_ready: Callable[[str], None] | None = None,
          on_warn: Callable[[str], None] | None = None) -> None:
    """Serve until Ctrl-C or SIGTERM.

    Args:
        options: Address, voice, model.
        on_ready: Called once with the address to open (token included) when the server accepts
            connections.
        on_warn: Called with a one-line warning when the address is reachable from other machines.

    Raises:
        ServeError: the server cannot start.
    """
    import uvicorn

    from starcoach.web.app import WebConfig, create_app

    sock = bind(options.host, options.port)
    port = sock.getsockname()[1]
    if not is_loopback(options.host) and on_warn is not None:
        on_warn(f"listening on {options.host}: other machines on the network can reach this server "
                "(they still need the token); the default address, 127.0.0.1, keeps it on this machine")
    token = new_token()
    config = WebConfig(Policy(token, options.host, port), voice=options.voice, model=options.model,
                       silence_stop_s=options.silence_stop_s)
    url = public_url(options.host, port, token)
    app = create_app(config)
    uv = uvicorn.Config(app, log_config=None, log_level="critical", access_log=False, lifespan="on",
                        ws="websockets-sansio", http="h11", timeout_graceful_shutdown=10, server_header=False,
                        ws_max_size=2 * 1024 * 1024)

    class Server(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets=sockets)
            if self.started and on_ready is not None:
                on_ready(url)

    server = Server(uv)
    warm = threading.Thread(target=_warm, args=(options.model,), name="starcoach-warm", daemon=True)
    if options.warm:
        warm.start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn re-raises Ctrl-C after its graceful shutdown: that is the normal way out
    finally:
        sock.close()
        config.close()
        if warm.is_alive():  # native model loaders abort the interpreter if it exits under them
            warm.join(30)


def _warm(model: str | None) -> None:
    """Load Whisper and spaCy now, so the first answer's feedback is as quick as the rest."""
    try:
        from starcoach.analysis import analyze_answer
        from starcoach.analysis.answer import sample_step
        from starcoach.run import load_whisper_kept
        from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario

        load_whisper_kept(model)
        scenario = find_scenario(DEFAULT_SCENARIO_ID)
        analyze_answer("I traced the failure and wrote a fix.", sample_step(scenario), scenario)
    except Exception:  # noqa: BLE001 - a practice reports model problems when it starts
        pass
