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
COMMAND_MODULES = ("run", "scenarios", "speech", "analyze", "sessions", "serve", "doctor")


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
    from starcoach.heap import limit_arenas

    limit_arenas()  # before any thread allocates: a run peaks lower (starcoach/heap.py)
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
        print(f"starcoach: error {e.code}: {e.one_line()}{flag_hint(parser, args, e)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"starcoach: stopped ({stop_reason()}).", file=sys.stderr)
        return stop_exit_code()
    except BrokenPipeError:
        return 0


def flag_hint(parser: argparse.ArgumentParser, args: argparse.Namespace, error) -> str:
    """The flags of the command that ran which an error's input or alternatives are given with.

    The library names the input that was wrong (``error.param``: ``speed``) and the options that
    would avoid the problem (``error.instead``: ``no_audio``) by its own names; this adds the
    matching flags, when the command has them: `` (--speed)``, `` (--no-audio)``.
    """
    sid = error.details.get("session_id")
    if "resume" in error.instead and sid:  # resuming is another command: name it whole
        return f" (`starcoach run --resume {sid}`)"
    names = ([error.param] if error.param else []) + list(error.instead)
    options = _options_of(parser, args)
    flags = [f"--{name.replace('_', '-')}" for name in names]
    flags = [flag for flag in dict.fromkeys(flags) if flag in options and flag not in error.one_line()]
    return f" ({', '.join(flags)})" if flags else ""


def _options_of(parser: argparse.ArgumentParser, args: argparse.Namespace) -> set[str]:
    """Every option string of the (sub)command ``args`` was parsed for."""
    options: set[str] = set()
    while parser is not None:
        options.update(s for action in parser._actions for s in action.option_strings)
        chosen = None
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                chosen = action.choices.get(getattr(args, action.dest, None) or "")
        parser = chosen
    return options
