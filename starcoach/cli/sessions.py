"""Looking back: ``sessions``, ``review``, ``replay``, ``note``, ``export``, ``import``, ``progress``.

Every command that takes a session ID also takes ``latest`` or a unique prefix of an id.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ID_HELP = "session id, a unique prefix of one, or 'latest'"


def register(sub: argparse._SubParsersAction) -> None:
    # sessions [--scenario ID] [--since DATE] [--json] | sessions rm ID [--yes] | sessions reindex
    p = sub.add_parser("sessions", help="list saved sessions (rm, reindex)",
                       description="List saved sessions: date, scenario, mode, level, time against budget, "
                                   "complete or not, headline findings.")
    p.add_argument("--scenario", metavar="ID", help="only sessions of this scenario")
    p.add_argument("--since", metavar="DATE", help="only sessions from this date on (YYYY-MM-DD, 'today', '7d')")
    p.add_argument("--json", action="store_true", help="print the list as JSON")
    p.set_defaults(func=cmd_sessions)
    ssub = p.add_subparsers(dest="sessions_command", metavar="{rm,reindex}")
    rm = ssub.add_parser("rm", help="delete a session (audio included)", description="Delete a session folder, audio included.")
    rm.add_argument("session", metavar="ID", help=ID_HELP)
    rm.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    rm.set_defaults(func=cmd_rm)
    ri = ssub.add_parser("reindex", help="rebuild the session index from the session folders",
                         description="Rebuild the SQLite session index from the session folders.")
    ri.add_argument("--json", action="store_true", help="print what was done as JSON")
    ri.set_defaults(func=cmd_reindex)

    p = sub.add_parser("review", help="the full report of a session in the terminal",
                       description="The run's summary, each step's transcript with findings and coaching, probes and notes.")
    p.add_argument("session", metavar="ID", nargs="?", default="latest", help=ID_HELP + " (default: latest)")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("replay", help="play a session back with the transcript following along",
                       description="Play the recording while the transcript scrolls with the current word "
                                   "highlighted and findings inline. Keys: space pause, left/right seek 5 s, "
                                   "n/p next/previous step, 0-9 jump, q quit.")
    p.add_argument("session", metavar="ID", nargs="?", default="latest", help=ID_HELP + " (default: latest)")
    p.add_argument("--step", metavar="STEP", help="start at this step (situation, task, ..., probe-1)")
    p.add_argument("--take", type=int, metavar="N",
                   help="with --step: play take N of that step instead of the one that counts (review lists them)")
    p.add_argument("--speed", type=float, default=1.0, metavar="X", help="replay speed, 0.25-64 (default 1)")
    p.add_argument("--no-audio", action="store_true", help="transcript only, at its real pace (no output device needed)")
    p.add_argument("--output-device", metavar="NAME|INDEX", help="audio output device (default: the system's)")
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser("note", help="pin a coach's note to a time in a session",
                       description='Pin a note to a time: starcoach note latest --at 1:23 --step action "Say I, not we".')
    p.add_argument("session", metavar="ID", help=ID_HELP)
    p.add_argument("text", help="the note")
    p.add_argument("--at", required=True, metavar="TIME", help="M:SS (or seconds) from the start of the step, or of the session without --step")
    p.add_argument("--step", metavar="STEP", default="", help="the step (or probe-N) the time is in")
    p.add_argument("--author", default="coach", help="who wrote it (default: coach)")
    p.set_defaults(func=cmd_note)

    p = sub.add_parser("export", help="export a session (html, md, json, vtt, srt) or bundle it for a coach",
                       description="Write a session as one self-contained HTML file (audio embedded), Markdown, "
                                   "JSON or captions (VTT/SRT, with the audio beside them); or as a zip bundle "
                                   "another machine can import.")
    p.add_argument("session", metavar="ID", nargs="?", default="latest", help=ID_HELP + " (default: latest)")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--format", "-f", choices=("html", "md", "json", "vtt", "srt"), help="document format")
    how.add_argument("--bundle", metavar="PATH.zip", help="write a zip bundle for `starcoach import`")
    p.add_argument("-o", "--output", metavar="PATH", help="output file or folder ('-' prints md/json/vtt/srt); default ./<id>.<ext>")
    p.add_argument("--no-audio", action="store_true", help="HTML without embedded audio; captions without the audio file")
    p.add_argument("--audio-format", choices=("mp3", "ogg", "wav"), default="mp3", help="embedded/side audio encoding (default mp3)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import", help="import a session bundle (.zip)",
                       description="Import a bundle made by `starcoach export ID --bundle`, after validating it.")
    p.add_argument("bundle", metavar="PATH.zip")
    p.add_argument("--replace", action="store_true", help="replace a session with the same id")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("progress", help="trends over your sessions",
                       description="Time discipline per step, share of first-person statements, quantified results, "
                                   "fillers per minute and verdicts over sessions.")
    p.add_argument("--scenario", metavar="ID", help="only this scenario's sessions")
    p.add_argument("--html", metavar="PATH", help="also write the trends as a self-contained HTML page")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=cmd_progress)


# -- sessions ------------------------------------------------------------------------------------


def cmd_sessions(args: argparse.Namespace) -> int:
    from starcoach.history import list_sessions

    listing = list_sessions(scenario=args.scenario, since=args.since)
    rows = listing.sessions
    _warn_repaired(listing.repaired)
    if args.json:
        from starcoach.cli._output import print_json

        print_json([r.to_dict() for r in rows])
        return 0
    from rich.text import Text

    from starcoach.cli._output import console
    from starcoach.clock import format_clock

    out = console()
    if not rows:
        what = " matching those filters" if (args.scenario or args.since) else ""
        out.print(f"No sessions{what}. Start one with `starcoach run` (or `starcoach demo`).")
        return 0
    # Two lines per session (the id must never wrap: people copy it): the facts, then what stood out.
    for r in rows:
        line = Text(r.session_id, style="bold")
        if r.error:
            line.append("  unreadable: ", style="red")
            line.append(r.error, style="red")
            out.print(line, soft_wrap=True)  # the path stays whole, to be copied
            continue
        line.append(f"  {r.mode or '-'}/{r.level or '-'}  ")
        over = bool(r.budget_s) and r.total_s > r.budget_s
        line.append(format_clock(r.total_s) + (f" / {format_clock(r.budget_s)}" if r.budget_s else ""),
                    style="red" if over else "")
        line.append("  complete" if r.complete else "  incomplete", style="green" if r.complete else "yellow")
        out.print(line, no_wrap=True, overflow="ellipsis")
        detail = Text(f"    {r.started_at.replace('T', ' ')[:16]} · {r.scenario}", style="dim")
        if r.lean:
            detail.append(f" · {r.lean}", style="red" if "no hire" in r.lean else "green")
        if r.headline:
            detail.append(" · " + "; ".join(r.headline[:2]))
        out.print(detail)
    out.print(f"{len(rows)} session{'s' * (len(rows) != 1)}. Review one with `starcoach review ID` (or `latest`).")
    return 0


def cmd_rm(args: argparse.Namespace) -> int:
    from starcoach.errors import UsageError
    from starcoach.history import describe_session, remove_session
    from starcoach.store import hold_session, resolve_session_id

    session_id = resolve_session_id(args.session)
    if not args.yes:
        hold_session(session_id, "the run recording into it").release()  # refused before asking, not after
        if not sys.stdin.isatty():
            raise UsageError(f"Not deleting {session_id} without confirmation", "add --yes to delete without asking")
        answer = input(f"Delete session {session_id} ({describe_session(session_id)}) and its audio? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Kept.")
            return 1
    remove_session(session_id)
    print(f"Deleted session {session_id}.")
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    from starcoach.history import reindex

    report = reindex()
    if args.json:
        from starcoach.cli._output import print_json

        print_json(report.to_dict())
        return 0
    _warn_repaired(report.repaired)
    print(f"Indexed {report.sessions} session{'s' * (report.sessions != 1)} in {report.seconds:.2f} s "
          f"(schema version {report.schema_version}, {report.path}).")
    for sid in report.unreadable:
        print(f"  unreadable: {sid}: {report.errors.get(sid) or 'its session.json cannot be read'}")
    return 0


# -- review, note ----------------------------------------------------------------------------------


def cmd_review(args: argparse.Namespace) -> int:
    from starcoach.cli._output import console
    from starcoach.history import open_report
    from starcoach.report.review import review_renderables

    timeline = open_report(args.session)
    out = console()
    sid = timeline.session.session_id
    for part in review_renderables(timeline, hear=lambda step, take: f"starcoach replay {sid} --step {step} --take {take}"):
        out.print(part)
    return 0


def cmd_note(args: argparse.Namespace) -> int:
    from starcoach.clock import format_clock
    from starcoach.history import pin_note

    session, note = pin_note(args.session, args.at, args.text, step=args.step or "", author=args.author)
    where = f"{args.step} {format_clock(note.at_s)}" if args.step else f"{format_clock(note.at_s)} into the session"
    print(f"Note pinned to {session.session_id} at {where} ({len(session.notes)} note{'s' * (len(session.notes) != 1)}).")
    return 0


# -- export, import --------------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    if args.bundle:
        from starcoach.history import export_bundle

        info = export_bundle(args.session, Path(args.bundle))
        print(f"Wrote {info.path} ({info.files} files, {_size(info.path.stat().st_size)}). "
              f"On the other machine: starcoach import {info.path.name}")
        return 0
    from starcoach.history import export_session, open_report, render_export

    if args.output == "-":
        if args.format == "html":
            from starcoach.errors import UsageError

            raise UsageError("HTML is not printed to the terminal", "give -o report.html")
        text, _ = render_export(open_report(args.session), args.format, with_audio=False)
        sys.stdout.write(text)
        return 0
    result = export_session(args.session, args.format, Path(args.output) if args.output else None,
                            with_audio=not args.no_audio, audio_format=args.audio_format)
    for path in result.paths:
        print(f"Wrote {path} ({_size(path.stat().st_size)})")
    if result.missing_audio:
        print(f"Audio missing for {', '.join(result.missing_audio)} (silent in the export).", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from starcoach.history import import_bundle

    info = import_bundle(Path(args.bundle), replace=args.replace)
    verb = "Replaced" if info.replaced else "Imported"
    print(f"{verb} session {info.session_id} ({info.files} files, {_size(info.bytes)}). "
          f"Review it with `starcoach review {info.session_id}`.")
    if info.missing_audio:
        n = len(info.missing_audio)
        print(f"starcoach: warning: the bundle has no audio for {', '.join(info.missing_audio)} "
              f"({'it replays' if n == 1 else 'they replay'} as silence; ask for a new export)", file=sys.stderr)
    if info.skipped:
        n = len(info.skipped)
        print(f"starcoach: note: skipped {n} file{'s' * (n != 1)} the session does not use: "
              f"{', '.join(info.skipped[:5])}{' ...' if n > 5 else ''}", file=sys.stderr)
    return 0


# -- progress --------------------------------------------------------------------------------------


def cmd_progress(args: argparse.Namespace) -> int:
    from starcoach.history import progress, progress_page
    from starcoach.report.progress import progress_renderables

    p = progress(args.scenario)
    _warn_repaired(p.repaired)
    if args.html:
        from starcoach.report.export import write_file

        write_file(Path(args.html), progress_page(p).encode("utf-8"))
    if args.json:
        from starcoach.cli._output import print_json

        print_json(p.to_dict())
        return 0
    from starcoach.cli._output import console

    out = console()
    for part in progress_renderables(p):
        out.print(part)
    if args.html:
        out.print(f"Wrote {args.html}")
    return 0


# -- replay ----------------------------------------------------------------------------------------


def cmd_replay(args: argparse.Namespace) -> int:
    from starcoach.cli._keys import keys_available
    from starcoach.history import open_report
    from starcoach.replay import Replay, SoundDeviceSink

    if args.take is not None and not args.step:
        from starcoach.errors import StarcoachError

        raise StarcoachError("--take needs the step it is a take of", "give --step STEP --take N")
    timeline = open_report(args.session, takes={args.step: args.take} if args.take is not None else None)
    if not timeline.sections:
        print("This session has nothing to replay (no step was recorded).")
        return 0
    sink = None
    if not args.no_audio:
        device = int(args.output_device) if args.output_device and args.output_device.isdigit() else args.output_device
        sink = SoundDeviceSink(timeline, device=device)
        if sink.missing:
            print(f"Audio missing for {', '.join(sink.missing)}: those steps replay silently.", file=sys.stderr)
    replay = Replay(timeline, speed=args.speed, sink=sink)
    try:
        if args.step:
            replay.go_to_section(args.step)
        if keys_available() and sys.stdout.isatty():
            _replay_interactive(replay, audio=sink is not None)
        else:
            _replay_stream(replay)
    finally:
        replay.close()
    return 0


def _replay_interactive(replay, audio: bool) -> None:
    """Live view with keys (a terminal on both ends)."""
    from rich.live import Live

    from starcoach.cli._keys import raw_keys
    from starcoach.cli._output import console
    from starcoach.report.review import replay_view

    out = console()
    with raw_keys() as read_key, Live(replay_view(replay.timeline, replay.frame(), audio), console=out,
                                      refresh_per_second=20, auto_refresh=False) as live:
        replay.play()
        while True:
            key = read_key(0.05)
            if key in ("q", "esc"):
                break
            if key == "space":
                replay.toggle()
            elif key in ("right", "l", "f"):
                replay.skip(5.0)
            elif key in ("left", "h", "b"):
                replay.skip(-5.0)
            elif key in ("n", "down"):
                replay.next_section()
            elif key in ("p", "up"):
                replay.previous_section()
            elif key is not None and key.isdigit():
                replay.seek(replay.duration_s * int(key) / 10)
            replay.events()
            live.update(replay_view(replay.timeline, replay.frame(), audio), refresh=True)


def _replay_stream(replay, sleep=None) -> None:
    """Transcript at its pace as plain lines (no terminal, or output piped): no keys."""
    import time

    from rich.text import Text

    from starcoach.cli._output import console
    from starcoach.report.review import finding_text, note_text
    from starcoach.clock import format_clock

    sleep = sleep or time.sleep
    out = console()
    timeline = replay.timeline
    line_open = False

    def end_line() -> None:
        nonlocal line_open
        if line_open:
            out.print()
            line_open = False

    replay.play()
    while True:
        for ev in replay.events():
            if ev.kind == "section":
                end_line()
                sec = timeline.sections[ev.index]
                title = f"── {sec.title} · {format_clock(sec.start_s)}"
                if sec.target_s:
                    title += f" · {format_clock(sec.duration_s)} against {format_clock(sec.target_s)} ({sec.status})"
                if sec.n_takes > 1:
                    title += f" · take {sec.take} of {sec.n_takes}"
                out.print(Text(title + " ──", style="bold cyan"))
                if sec.question:
                    out.print(Text(f"“{sec.question}”", style="italic"))
            elif ev.kind == "word":
                w = timeline.words[ev.index]
                if line_open and w.space_before:
                    out.print(" ", end="")
                out.print(Text(w.text, style="bold yellow" if w.findings else ""), end="")
                line_open = True
                if w.text.endswith((".", "?", "!")):
                    end_line()
            elif ev.kind == "finding":
                end_line()
                f = timeline.findings[ev.index]
                out.print(finding_text(f, timeline.sections[f.section].start_s))
            elif ev.kind == "note":
                end_line()
                n = timeline.notes[ev.index]
                out.print(note_text(n.at_s - timeline.sections[n.section].start_s, n.note.author, n.note.text))
            out.file.flush()
        if replay.finished:
            break
        wait = replay.next_event_in()
        sleep(min(0.25, wait if wait is not None else 0.25))
    end_line()
    out.print(Text(f"── end · {format_clock(replay.duration_s)} ──", style="bold cyan"))


# -- helpers ---------------------------------------------------------------------------------------


def _warn_repaired(reason: str) -> None:
    if reason:
        print(f"starcoach: the session index was rebuilt from the session folders: {reason}", file=sys.stderr)


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"
