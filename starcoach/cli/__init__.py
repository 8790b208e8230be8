"""The ``starcoach`` command.

Each command group lives in its own module under ``starcoach.cli`` and exposes
``register(subparsers)``. Registering imports nothing heavy; each command's handler imports what
it needs when it runs, so ``starcoach --help`` stays fast.

Handlers receive the parsed ``argparse.Namespace`` and return an exit code. Library errors
(:class:`starcoach.errors.StarcoachError`) become one line on stderr with the fix; Ctrl-C
becomes one line too. Only this package prints.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from starcoach import __version__

#: Command-group modules, in the order their commands appear in ``--help``.
COMMAND_MODULES = ("run", "scenarios", "speech", "analyze", "sessions", "doctor")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every command group registered."""
    parser = argparse.ArgumentParser(
        prog="starcoach",
        description=(
            "Spoken mock-interview coach for behavioural (STAR) answers. "
            "Everything runs on this machine: nothing is uploaded."
        ),
    )
    parser.add_argument("--version", action="version", version=f"starcoach {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"starcoach.cli.{name}")
        except ModuleNotFoundError as e:  # a group not written yet
            if e.name == f"starcoach.cli.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "func", None)
    if handler is None:
        parser.print_help()
        return 0
    from starcoach.cli._signals import sigterm_stops, stop_exit_code, stop_reason
    from starcoach.errors import StarcoachError

    try:
        with sigterm_stops():  # SIGTERM stops like Ctrl-C
            return int(handler(args) or 0)
    except StarcoachError as e:
        print(f"starcoach: error {e.code}: {e.one_line()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"starcoach: stopped ({stop_reason()}).", file=sys.stderr)
        return stop_exit_code()
    except BrokenPipeError:
        return 0
