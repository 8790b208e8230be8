"""``starcoach serve``: practise and review in the browser, on this machine only.

The app itself is :mod:`starcoach.web`; this command says where it runs (one line with the
address and its token), opens the browser, and stops cleanly on Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    """Add the ``serve`` command."""
    from starcoach.web.server import DEFAULT_PORT

    p = subparsers.add_parser(
        "serve",
        help="practise and review in your browser (a local web app; nothing leaves this machine)",
        description=(
            "A local web app on the same sessions as the terminal: practise a question aloud with the "
            "browser's microphone, list and review sessions (audio, transcript, coach notes), see progress. "
            "It listens on 127.0.0.1 only and every request needs the token in the printed address. "
            "Ctrl-C stops it; a run in progress is saved as incomplete."
        ),
    )
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; anything else is reachable from other machines)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open the browser")
    p.add_argument("--voice", choices=("hibari", "espeak", "off"), default="hibari",
                   help="how the interviewer reads follow-up questions in the page (default hibari)")
    p.add_argument("--silence", type=float, default=None, metavar="S",
                   help="a take stops after S seconds of silence once you have spoken (default as `run`; 0: off)")
    p.add_argument("--model", metavar="PATH|NAME", help="Whisper model (default tiny.en, packaged)")
    p.add_argument("--no-warm", action="store_true", help=argparse.SUPPRESS)  # tests that never practise
    p.set_defaults(func=serve_command)


def serve_command(args: argparse.Namespace) -> int:
    """``starcoach serve``."""
    from starcoach.cli.run import DEFAULT_SILENCE_S
    from starcoach.web.server import ServeError, ServeOptions, serve

    if not 0 <= args.port <= 65535:
        raise ServeError(f"{args.port} is not a port number", "give a number from 1 to 65535 (0: any free port)",
                         param="port", value=args.port)
    if args.silence is None:
        from starcoach.config import silence_stop_default

        silence = silence_stop_default(DEFAULT_SILENCE_S)
    else:
        silence = args.silence
    options = ServeOptions(host=args.host, port=args.port, voice=args.voice, model=args.model,
                           silence_stop_s=silence or None, warm=not args.no_warm)

    def ready(url: str) -> None:
        print(f"starcoach is running at {url}", flush=True)
        if not args.no_browser:
            _open_browser(url)

    def warn(text: str) -> None:
        print(f"starcoach: warning: {text}", file=sys.stderr, flush=True)

    serve(options, on_ready=ready, on_warn=warn)
    return 0


def _open_browser(url: str) -> None:
    import threading
    import webbrowser

    def open_it() -> None:
        try:
            webbrowser.open(url, new=2)
        except Exception:  # noqa: BLE001 - no browser here: the printed address is enough
            pass

    threading.Thread(target=open_it, name="starcoach-browser", daemon=True).start()
