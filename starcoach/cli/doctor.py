"""``starcoach doctor``: what works on this machine and the exact fix for what does not."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check microphone, models, voice and data folder",
                       description="Check Python, PortAudio and input devices, the Whisper model, "
                                   "the spaCy model, the voice and the data directory.")
    p.add_argument("--json", action="store_true", help="print the checks as JSON")
    p.set_defaults(func=cmd_doctor)


def cmd_doctor(args: argparse.Namespace) -> int:
    from starcoach.doctor import environment, run_checks

    checks = run_checks()
    failed = [c for c in checks if not c.ok and c.essential]
    if args.json:
        from starcoach.cli._output import print_json

        print_json({"ok": not failed, "checks": [c.to_dict() for c in checks], "environment": environment()})
        return 1 if failed else 0
    from rich.table import Table

    from starcoach.cli._output import console

    table = Table(title="starcoach doctor", show_lines=False)
    table.add_column("Check")
    table.add_column("")
    table.add_column("Found")
    table.add_column("Fix")
    for c in checks:
        mark = "[green]ok[/]" if c.ok else ("[red]FAIL[/]" if c.essential else "[yellow]missing[/]")
        table.add_row(c.name, mark, c.detail, c.fix)
    out = console()
    out.print(table)
    for k, v in environment().items():
        out.print(f"  {k}={v}")
    if failed:
        out.print(f"[red]{len(failed)} problem(s)[/]: fix them as shown, then run `starcoach doctor` again.")
        return 1
    out.print("[green]Ready.[/] Start a mock run with `starcoach run`.")
    return 0
