"""``starcoach run`` and ``starcoach demo``: the spoken mock interview, live or scripted.

The coach itself is :class:`starcoach.run.MockRun`; this module is its face: prompts, the live
recording view (elapsed against target, input level), keys, feedback, probes read aloud, and the
summary. Everything a person sees is rendered here.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from typing import Any, Callable

from starcoach.cli._signals import stop_exit_code
from starcoach.cli.scenarios import note_replaced

STEP_TITLES = {"situation": "Situation", "task": "Task", "action": "Action", "result": "Result",
               "reflection": "Reflection", "answer": "Whole answer"}

#: Seconds of silence (after speech started) that end a live take; 0 turns it off.
DEFAULT_SILENCE_S = 4.0


def register(subparsers) -> None:
    """Add the ``run`` and ``demo`` commands."""
    run = subparsers.add_parser(
        "run",
        help="a timed spoken mock interview: STAR steps, feedback, follow-up probes, summary",
        description=(
            "A spoken mock interview. Each STAR step is timed against its target; feedback appears "
            "about a second after you stop; the interviewer then asks follow-up probes aloud. "
            "Every take is saved. Keys while recording: Enter or space stops. Ctrl-C stops the run "
            "and keeps everything (resume with --resume ID)."
        ),
    )
    run.add_argument("scenario", nargs="?", help="scenario id (default: the seed scenario; see `starcoach scenarios`)")
    _common(run)
    run.add_argument("--continuous", action="store_true",
                     help="whole-answer mode: answer in one go; the answer is split into STAR steps afterwards")
    run.add_argument("--answers", metavar="DIR",
                     help="scripted run: DIR holds situation.*, task.*, action.*, result.*, reflection.* "
                          "(any audio format; answer.* for --continuous) and optionally probe-1.*, probe-2.*")
    run.add_argument("--no-input", action="store_true", help="never read the keyboard (use with --answers)")
    run.add_argument("--input-device", metavar="NAME|INDEX", help="microphone to record from (see `starcoach devices`)")
    run.add_argument("--silence", type=float, default=None, metavar="S",
                     help=f"live takes stop after S seconds of silence once you have spoken (default {DEFAULT_SILENCE_S:g}; 0: off)")
    run.add_argument("--resume", metavar="ID", help="continue an interrupted session at its first unanswered step")
    run.add_argument("--principle", metavar="P",
                     help="pick a random question for this leadership principle (see `starcoach scenarios`)")
    run.add_argument("--loop", type=int, metavar="N",
                     help="a mock loop: N questions across different principles, one after the other")
    run.add_argument("--seed", type=int, default=None, help=argparse.SUPPRESS)  # repeatable picks in tests
    run.add_argument("--or-demo", action="store_true",
                     help="start the live run when a microphone and a terminal exist, else run the demo (make run)")
    run.set_defaults(func=run_command)

    demo = subparsers.add_parser(
        "demo",
        help="watch a synthetic candidate (strong, then weak) go through a full run",
        description=(
            "A synthetic candidate — the bundled voice — answers the scenario twice: first with the "
            "strong examples, then with the mistakes the scenario warns about. Both answers go through "
            "transcription, timing, analysis, probes and the summary, and both sessions are saved."
        ),
    )
    demo.add_argument("scenario", nargs="?", help="scenario id (default: the seed scenario)")
    _common(demo)
    demo.set_defaults(func=demo_command)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mode", help="preparation mode: ownership, dive-deep, deliver-results (prompted when missing)")
    p.add_argument("--level", help="level: sde1, sde2, senior (prompted when missing)")
    p.add_argument("--only", metavar="STEPS", help="answer only these steps, e.g. --only situation,task")
    p.add_argument("--probes", metavar="LIST", default=None,
                   help="follow-up probes to ask: numbers and ranges like 1,3 or 1-2, 'none', or 'all' (default)")
    p.add_argument("--voice", choices=("hibari", "espeak", "off"), default=None,
                   help="how the interviewer reads probes aloud (default hibari; off in scripted runs)")
    p.add_argument("--realtime", action="store_true",
                   help="feed answer files at real-time pace through the microphone path")
    p.add_argument("--model", metavar="PATH|NAME", help="Whisper model (default tiny.en, packaged)")
    p.add_argument("--json", action="store_true", help="print the saved session as one JSON object")


# --------------------------------------------------------------------------------- commands


def run_command(args: argparse.Namespace) -> int:
    """``starcoach run``."""
    from starcoach.run import (
        MockRun, RunInterrupted, RunPlan, answers_source_factory, check_answer_files, find_answer_files,
        microphone_source_factory, plan_from_session, steps_from_only,
    )
    from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario

    from starcoach.cli import _args

    _args.count(getattr(args, "loop", None), "--loop", "questions")
    _args.seconds(getattr(args, "silence", None), "--silence", zero_means="turns it off")
    if getattr(args, "principle", None) or getattr(args, "loop", None):
        return _run_picked(args)
    interactive = sys.stdin.isatty() and not args.no_input and not args.answers and not args.json
    if args.or_demo:
        reason = _no_live_reason(args)
        if reason:
            print(f"starcoach: {reason}; running the demo instead (`starcoach demo`).", flush=True)
            return demo_command(args)

    if not args.answers:
        if not interactive:
            from starcoach.errors import StarcoachError

            raise StarcoachError(
                "A live run needs a terminal to read the start and stop keys",
                "run it in a terminal, or give recorded answers with --answers DIR --no-input",
            )
        from starcoach.capture import resolve_input_device

        resolve_input_device(_device(args.input_device))  # a missing microphone fails now, in one line

    session = None
    if args.resume:
        from starcoach.store import load_session

        session = load_session(args.resume)
        if session.complete:
            from starcoach.errors import StarcoachError

            raise StarcoachError(f"Session {session.session_id} is already complete",
                                 f"review it with `starcoach review {session.session_id}` or start a new run")
        scenario = find_scenario(session.scenario)
        plan = plan_from_session(session, scenario)
    else:
        scenario = find_scenario(args.scenario or DEFAULT_SCENARIO_ID)
        note_replaced(scenario)
        mode, level = _choose_mode_level(args, scenario, interactive)
        plan = RunPlan(scenario, mode, level, steps=steps_from_only(args.only),
                       probes=_probe_indexes(args.probes, len(scenario.probes)), continuous=args.continuous)

    if args.answers:
        files = find_answer_files(args.answers)
        check_answer_files(files, plan, args.answers)
        from starcoach.cli.speech import warn_if_cut_short

        for path in files.values():
            warn_if_cut_short(path)
        factory = answers_source_factory(files, realtime=args.realtime)
        source_kind = "files"
    else:
        factory = microphone_source_factory(_device(args.input_device))
        source_kind = "microphone"

    voice_name = args.voice or ("hibari" if interactive else "off")
    if args.silence is None:
        from starcoach.config import silence_stop_default

        silence = silence_stop_default(DEFAULT_SILENCE_S)
    else:
        silence = args.silence
    if args.json:
        run = MockRun(plan, factory, voice=_voice(voice_name, None), model=args.model, session=session,
                      source_kind=source_kind)
        try:
            session = run.run()
        except RunInterrupted as e:
            _print_interrupted(_console(stderr=True), e.session)
            return stop_exit_code()
        from starcoach.cli._output import print_json

        print_json(session.to_dict())
        return 0

    console = _console()
    if not interactive:
        view = ScriptedView(console)
        run = MockRun(plan, factory, voice=_voice(voice_name, console), on_event=view.on_event, model=args.model,
                      session=session, source_kind=source_kind)
        view.intro(plan, resumed=session is not None)
        try:
            session = run.run()
        except RunInterrupted as e:
            _print_interrupted(console, e.session)
            return stop_exit_code()
        console.print(render_summary(session, scenario))
        _print_saved(console, session)
        return 0

    live = LiveRun(console, plan, factory, voice_name=voice_name, model=args.model, session=session,
                   silence_s=silence or None, source_kind=source_kind)
    return live.run()


def pick_for_run(args: argparse.Namespace) -> list:
    """The scenarios ``--principle`` / ``--loop`` ask for (random; ``--seed`` repeats a pick)."""
    import random

    from starcoach.errors import StarcoachError
    from starcoach.library import pick_scenarios
    from starcoach.scenario import scan

    if args.scenario:
        raise StarcoachError(f"Give either a scenario id ('{args.scenario}') or --principle/--loop, not both",
                             "drop the id to pick at random, or drop --principle/--loop")
    if args.resume:
        raise StarcoachError("--resume continues one saved session", "drop --principle/--loop")
    if args.loop and args.answers:
        raise StarcoachError("--loop asks questions picked at random, so it cannot use one --answers folder",
                             "run each scenario with its own --answers DIR instead")
    return pick_scenarios(principle=args.principle, loop=args.loop, rng=random.Random(args.seed),
                          scenarios=scan().scenarios)


def _run_picked(args: argparse.Namespace) -> int:
    """``run --principle P`` (one random question) or ``run --loop N`` (N questions in a row)."""
    scenarios = pick_for_run(args)
    console = _console(stderr=bool(args.json))
    for number, scenario in enumerate(scenarios, 1):
        if len(scenarios) > 1:
            console.rule(f"Question {number} of {len(scenarios)} · {scenario.principle}")
        one = argparse.Namespace(**{**vars(args), "scenario": scenario.id, "principle": None, "loop": None})
        code = run_command(one)
        if code:
            if len(scenarios) > 1 and number < len(scenarios):
                console.print(f"Loop stopped after question {number} of {len(scenarios)}.")
            return code
    return 0


def demo_command(args: argparse.Namespace) -> int:
    """``starcoach demo`` (also ``run --or-demo`` without a microphone)."""
    from starcoach.demo import run_demo
    from starcoach.paths import data_dir
    from starcoach.run import RunInterrupted, steps_from_only
    from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario

    scenario = find_scenario(getattr(args, "scenario", None) or DEFAULT_SCENARIO_ID)
    mode, level = _choose_mode_level(args, scenario, interactive=False)
    steps = steps_from_only(getattr(args, "only", None))
    probes = _probe_indexes(getattr(args, "probes", None), len(scenario.probes))
    console = _console(stderr=bool(args.json))
    voice = _voice(getattr(args, "voice", None) or "off", console)
    view = ScriptedView(console, quiet=bool(args.json))
    from starcoach.run import RunPlan

    def on_candidate(candidate) -> None:
        view.candidate(candidate, RunPlan(scenario, mode, level, steps=steps, probes=probes))

    try:
        result = run_demo(scenario, mode, level, data_dir() / "demo", voice=voice, on_event=view.on_event,
                          on_candidate=on_candidate, realtime=bool(getattr(args, "realtime", False)),
                          steps=steps, probes=probes, model=getattr(args, "model", None))
    except RunInterrupted as e:
        _print_interrupted(console, e.session)
        return stop_exit_code()
    if args.json:
        from starcoach.cli._output import print_json

        print_json({"strong": result.strong.to_dict(), "weak": result.weak.to_dict()})
        return 0
    for name, session in (("Strong candidate", result.strong), ("Weak candidate", result.weak)):
        console.rule(f"[bold]{name}: summary")
        console.print(render_summary(session, scenario))
    console.print()
    console.print(render_demo_comparison(result.strong, result.weak))
    for session in (result.strong, result.weak):
        _print_saved(console, session)
    return 0


# --------------------------------------------------------------------------------- choices


def _choose_mode_level(args, scenario, interactive: bool) -> tuple[str, str]:
    from starcoach.errors import StarcoachError
    from starcoach.scenario import LEVEL_NAMES

    modes = [m.id for m in scenario.modes]
    levels = [lvl.id for lvl in scenario.levels]
    mode = _normalise(getattr(args, "mode", None))
    level = _normalise(getattr(args, "level", None))
    aliases = {"senior-sde": "senior", "sr": "senior", "sde-1": "sde1", "sde-2": "sde2"}
    level = aliases.get(level, level) if level else level
    if mode and mode not in modes:
        raise StarcoachError(f"Unknown mode '{args.mode}'", f"expected one of {', '.join(modes)}")
    if level and level not in levels:
        raise StarcoachError(f"Unknown level '{args.level}'", f"expected one of {', '.join(levels)}")
    if interactive and (not mode or not level):
        from rich.prompt import Prompt

        console = _console()
        if not mode:
            for m in scenario.modes:
                console.print(f"  [bold]{m.id}[/]: {m.lead_in}")
            mode = Prompt.ask("Preparation mode", choices=modes, default=modes[0], console=console)
        if not level:
            console.print("  " + ", ".join(f"[bold]{lid}[/] ({LEVEL_NAMES.get(lid, lid)})" for lid in levels))
            level = Prompt.ask("Level", choices=levels, default="sde2" if "sde2" in levels else levels[0],
                               console=console)
    return mode or modes[0], level or ("sde2" if "sde2" in levels else levels[0])


def _normalise(value: str | None) -> str | None:
    return value.strip().lower().replace(" ", "-").replace("_", "-") if value else None


def _probe_indexes(value: str | None, count: int) -> tuple[int, ...] | None:
    """``--probes``: ``all`` (default), ``none`` or ``0``, or probe numbers and ranges: ``2``, ``1,3``, ``1-2``."""
    from starcoach.errors import StarcoachError

    if value is None or value.strip().lower() == "all":
        return None
    value = value.strip().lower()
    if value in ("0", "none", ""):
        return ()
    indexes: set[int] = set()
    try:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if "-" in part:
                lo, hi = (int(x) for x in part.split("-", 1))
                indexes.update(range(lo, hi + 1))
            else:
                indexes.add(int(part))
    except ValueError:
        raise StarcoachError(f"--probes '{value}' is not a list of probe numbers",
                             f"give probe numbers like 1,3 or 1-{count}, or 'none'") from None
    bad = sorted(i for i in indexes if not 1 <= i <= count)
    if bad:
        raise StarcoachError(f"No probe {bad[0]} in this scenario", f"it has probes 1-{count}")
    return tuple(sorted(indexes))


def _device(value: str | None):
    """``--input-device`` as given (None: the configured default, see :mod:`starcoach.config`)."""
    if value and value.strip().isdigit():
        return int(value)
    return value or None


def _no_live_reason(args) -> str:
    """Why a live run cannot start here ("" when it can)."""
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        return "not running in a terminal"
    from starcoach.capture import resolve_input_device

    try:
        resolve_input_device(_device(getattr(args, "input_device", None)))
    except Exception as e:  # noqa: BLE001 - any reason the device is unusable means "demo"
        return f"no microphone found ({getattr(e, 'message', str(e)).rstrip('.')})"
    return ""


def _voice(name: str, console) -> Callable[[str], None] | None:
    """The interviewer's voice: speaks through the speakers; falls back to text only, once."""
    if name == "off":
        return None
    state = {"ok": True}

    def speak(text: str) -> None:
        if not state["ok"]:
            return
        from starcoach.voice import speak as say

        try:
            say(text, voice=name)
        except Exception as e:  # noqa: BLE001 - no speaker must not end the interview
            state["ok"] = False
            if console is not None:
                console.print(f"[dim](cannot play the interviewer's voice: {getattr(e, 'message', e)}; "
                              "questions are shown as text)[/]")

    return speak


def _console(stderr: bool = False):
    from starcoach.cli._output import console

    return console(stderr=stderr)


# --------------------------------------------------------------------------------- rendering


def timing_colour(elapsed: float, target: float) -> str:
    """Green well before the target, yellow from 80% of it, red once past it."""
    if target <= 0 or elapsed < 0.8 * target:
        return "green"
    if elapsed <= target:
        return "yellow"
    return "red"


def level_meter(level: float, width: int = 24) -> str:
    """An input level bar from a 0..1 level (drawn on a dB scale, -60 dBFS to 0)."""
    import math

    db = 20 * math.log10(max(level, 1e-6))
    fill = max(0, min(width, round((db + 60) / 60 * width)))
    return "█" * fill + "░" * (width - fill)


def _clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


def render_intro(plan) -> Any:
    """The question, the mode's emphasis, the level and its budget."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    sc = plan.scenario
    mode = sc.mode(plan.mode)
    level = sc.level(plan.level)
    body = Text()
    body.append(sc.question + "\n\n", style="bold")
    body.append(f"Mode: {mode.name}. ", style="cyan")
    body.append(mode.lead_in + "\n")
    body.append("  Emphasize: ", style="green")
    body.append(mode.emphasize + "\n")
    body.append("  Downplay:  ", style="yellow")
    body.append(mode.downplay + "\n")
    body.append(f"Level: {level.name}. ", style="cyan")
    body.append(f"{level.guidance} Budget: {level.budget_label}\n")
    steps = " · ".join(f"{STEP_TITLES[s.name]} {s.target_s:.0f}s" for s in sc.steps if s.name in plan.steps)
    body.append(("Answer in one go: " if plan.continuous else "Steps: ") + steps, style="dim")
    return Group(Panel(body, title=f"[bold]{sc.principle}[/] · {sc.title}", border_style="blue"))


def render_step_prompt(plan, step: str, number: int, total: int) -> Any:
    from rich.panel import Panel
    from rich.text import Text

    s = plan.scenario.step(step)
    body = Text()
    body.append(f"Target {s.target_s:.0f}s. ", style="bold")
    body.append(s.coaching + "\n")
    body.append("Avoid: ", style="yellow")
    body.append(s.common_mistake)
    return Panel(body, title=f"[bold]{number}/{total} {STEP_TITLES[step]}", border_style="cyan")


def render_feedback(result, scenario) -> Any:
    """A step's feedback: time against target, findings with coaching, highlighted transcript."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    from starcoach.analysis.timing import timing_status
    from starcoach.report.feedback import render_analysis

    status = timing_status(result.duration_s, result.target_s)
    colour = {"under": "yellow", "on": "green", "over": "red"}[status]
    # the shared renderer shows the time against target itself
    parts: list[Any] = [Text(f"take {result.take}", style="dim")] if result.take > 1 else []
    parts.append(render_analysis(result.analysis))
    if not result.transcript.strip():
        parts.insert(0, Text("No speech detected: check the microphone (`starcoach devices`) and redo this step.",
                             style="bold yellow"))
    return Panel(Group(*parts), title=f"[bold]{STEP_TITLES.get(result.step, result.step)}: feedback",
                 border_style=colour)


def render_probe(result) -> Any:
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    from starcoach.report.feedback import highlighted_transcript

    colour = {"strong": "green", "mixed": "yellow", "weak": "red"}.get(result.verdict, "dim")
    head = Text()
    head.append(f"Verdict: {result.verdict}", style=f"bold {colour}")
    parts: list[Any] = [head]
    for reason in result.reasons[:4]:
        parts.append(Text(f"• {reason}"))
    if result.key_line:
        parts.append(Text(f"Model line: {result.key_line}", style="cyan"))
    if result.transcript:
        parts.append(Text(""))
        parts.append(highlighted_transcript(result.analysis) if result.analysis else Text(result.transcript))
    return Panel(Group(*parts), title=f"[bold]Probe {result.index}: {result.question}", border_style=colour)


def render_summary(session, scenario) -> Any:
    """Timeline bars, total against budget, top three fixes, reflection bar, Bar Raiser read."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    summary = session.summary
    table = Table.grid(padding=(0, 1))
    table.add_column(justify="right", style="bold")
    table.add_column()
    table.add_column(justify="right")
    longest = max([e.duration_s for e in summary.timeline] + [e.target_s for e in summary.timeline] + [1])
    width = 36
    for e in summary.timeline:
        colour = {"under": "yellow", "on": "green", "over": "red", "missing": "dim"}[e.status]
        fill = round(e.duration_s / longest * width)
        mark = round(e.target_s / longest * width)
        bar = Text()
        for i in range(width):
            if i == mark:
                bar.append("│", style="bold")
            elif i < fill:
                bar.append("█", style=colour)
            else:
                bar.append(" ")
        label = f"{_clock(e.duration_s)}/{_clock(e.target_s)} {e.status}"
        table.add_row(STEP_TITLES.get(e.step, e.step), bar, Text(label, style=colour))
    parts: list[Any] = [table]
    lo, hi = summary.budget_range_s
    budget_colour = {"within": "green", "under": "yellow", "over": "red"}.get(summary.budget_status, "white")
    parts.append(Text(f"Total {_clock(summary.total_s)} against the {session.level} budget "
                      f"{_clock(lo)}–{_clock(hi)}: {summary.budget_status}", style=budget_colour))
    if summary.top_fixes:
        parts.append(Text("\nTop things to fix", style="bold"))
        for i, f in enumerate(summary.top_fixes, 1):
            line = Text(f"{i}. [{STEP_TITLES.get(f.step, f.step)}] ")
            line.append(f.text)
            if f.coaching:
                line.append(f" — {f.coaching}", style="dim")
            parts.append(line)
    rb = summary.reflection_bar
    parts.append(Text(f"\nReflection bar ({rb.level}): {rb.bar}", style="bold"))
    parts.append(Text(("✓ " if rb.met else "✗ ") + rb.why, style="green" if rb.met else "red"))
    parts.append(Text(f"Model: {rb.model_reflection}", style="dim"))
    br = summary.bar_raiser
    hire = br.lean == "leaning hire"
    parts.append(Text(f"\nBar Raiser: {br.headline}", style="bold green" if hire else "bold red"))
    for r in br.for_[:4]:
        parts.append(Text(f"  + {r}", style="green"))
    for r in br.against[:5]:
        parts.append(Text(f"  − {r}", style="red"))
    if any(summary.probes.values()):
        parts.append(Text("Probes: " + ", ".join(f"{v} {k}" for k, v in summary.probes.items() if v), style="dim"))
    return Panel(Group(*parts), title=f"[bold]Summary · {scenario.principle}", border_style="blue")


def render_demo_comparison(strong, weak) -> Any:
    from rich.table import Table

    table = Table(title="Demo: the same question, two candidates")
    table.add_column("")
    table.add_column("Strong")
    table.add_column("Weak")
    table.add_row("Bar Raiser", strong.summary.bar_raiser.lean, weak.summary.bar_raiser.lean)
    table.add_row("Total", f"{strong.total_s:.0f}s", f"{weak.total_s:.0f}s")
    for name in ("strong", "mixed", "weak"):
        table.add_row(f"Probes {name}", str(strong.summary.probes.get(name, 0)), str(weak.summary.probes.get(name, 0)))
    top = lambda s: "\n".join(f.text[:50] for f in s.summary.top_fixes) or "—"  # noqa: E731
    table.add_row("Top fixes", top(strong), top(weak))
    return table


def render_adopted(event) -> str:
    """The line a resumed run prints about takes a crashed run recorded but never listed."""
    n = len(event.takes)
    which = ", ".join(f"{STEP_TITLES.get(t.step, t.step).lower()} take {t.take} ({t.duration_s:.1f} s)"
                      for t in event.takes)
    return (f"Recovered {n} take{'s' * (n != 1)} an earlier run was recording: {which}; "
            f"kept as interrupted (transcribed, not counted).")


def _print_saved(console, session) -> None:
    console.print(f"Saved session [bold]{session.session_id}[/] — review it with "
                  f"`starcoach review {session.session_id}`", soft_wrap=True)


def _print_interrupted(console, session) -> None:
    takes = len(session.takes)
    console.print(
        f"\nStopped. Everything recorded so far ({takes} take{'s' * (takes != 1)}) is saved in session "
        f"[bold]{session.session_id}[/] (incomplete).\n"
        f"  Resume:  starcoach run --resume {session.session_id}\n"
        f"  Review:  starcoach review {session.session_id}",
        soft_wrap=True,
    )


# --------------------------------------------------------------------------------- scripted view


class ScriptedView:
    """Prints a scripted or demo run as it goes: feedback per step, verdicts per probe."""

    def __init__(self, console, quiet: bool = False) -> None:
        self.console = console
        self.quiet = quiet
        self.plan = None

    def intro(self, plan, resumed: bool = False) -> None:
        self.plan = plan
        if not self.quiet:
            self.console.print(render_intro(plan))
            if resumed:
                self.console.print("[dim]Resuming the interrupted session.[/]")

    def candidate(self, candidate, plan) -> None:
        self.plan = plan
        if self.quiet:
            return
        self.console.rule(f"[bold]Demo: the {candidate.name} candidate")
        self.console.print(render_intro(plan))

    def on_event(self, event) -> None:
        from starcoach import run as r

        if self.quiet:
            return
        if isinstance(event, r.TakesAdopted):
            self.console.print(render_adopted(event), soft_wrap=True)
        elif isinstance(event, r.StepFeedback):
            self.console.print(render_feedback(event.result, self.plan.scenario))
            self.console.print(f"[dim]feedback {event.latency_s:.2f}s after the answer ended[/]")
        elif isinstance(event, r.ProbeAsked):
            self.console.print(f"\n[bold cyan]Interviewer:[/] {event.question}")
        elif isinstance(event, r.ProbeJudged):
            self.console.print(render_probe(event.result))


# --------------------------------------------------------------------------------- live run


class KeyReader:
    """Single key presses from the terminal (cbreak mode: Ctrl-C still interrupts)."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stdin
        self.fd = self.stream.fileno()
        self._saved = None

    def __enter__(self) -> "KeyReader":
        import termios
        import tty

        try:
            self._saved = termios.tcgetattr(self.fd)
            tty.setcbreak(self.fd)
        except termios.error:
            self._saved = None
        return self

    def __exit__(self, *exc) -> None:
        import termios

        if self._saved is not None:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)

    def read(self, timeout: float | None = None) -> str | None:
        """One key, or None after ``timeout`` seconds."""
        import select

        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return None
        data = os.read(self.fd, 1)
        if not data:
            raise EOFError
        return data.decode(errors="replace")

    def wait(self, keys: str) -> str:
        """Block until one of ``keys`` is pressed (Enter arrives as ``\\n``)."""
        while True:
            key = self.read(None)
            key = "\n" if key == "\r" else key
            if key and key.lower() in keys:
                return key.lower()

    def drain(self) -> None:
        while self.read(0) is not None:
            pass


class RecordingView:
    """The live panel: elapsed against target (colour turns), input level meter, what stops it."""

    def __init__(self, title: str, target_s: float, silence_s: float | None, clock=time.monotonic) -> None:
        self.title = title
        self.target_s = target_s
        self.silence_s = silence_s
        self.clock = clock
        self.elapsed = 0.0
        self.level = 0.0
        self.speaking = False
        self.state = "waiting"
        self.models_ready = False
        self._stopped_at: float | None = None

    def update(self, event) -> None:
        from starcoach import run as r

        if isinstance(event, r.TakeStarted):
            self.state = "recording"
        elif isinstance(event, r.Progress):
            self.elapsed, self.level, self.speaking = event.elapsed_s, event.level, event.speaking
        elif isinstance(event, r.TakeStopped):
            self.state = f"stopped ({event.stopped_by}) — transcribing and analysing…"
            self.elapsed = event.duration_s
            self._stopped_at = self.clock()
        elif isinstance(event, r.ModelsReady):
            self.models_ready = True

    def __rich__(self):
        from rich.panel import Panel
        from rich.text import Text

        colour = timing_colour(self.elapsed, self.target_s)
        body = Text()
        body.append("● " if self.state == "recording" else "■ ", style="bold red" if self.state == "recording" else "dim")
        body.append(f"{_clock(self.elapsed)}", style=f"bold {colour}")
        body.append(f" / {_clock(self.target_s)} target", style="dim")
        if self.elapsed > self.target_s:
            body.append(f"  +{self.elapsed - self.target_s:.0f}s over", style="red")
        body.append("\nlevel ")
        body.append(level_meter(self.level), style="green" if self.speaking else "cyan")
        body.append("\n")
        if self.state == "waiting":
            body.append("the interviewer is asking…", style="dim")
        elif self.state == "recording":
            hint = "Enter or space: stop"
            if self.silence_s:
                hint += f" · stops after {self.silence_s:g}s of silence"
            body.append(hint, style="dim")
            if not self.models_ready:
                body.append("  (loading models…)", style="dim")
        else:
            body.append(self.state, style="yellow")
        return Panel(body, title=f"[bold]{self.title}", border_style=colour)


class LiveRun:
    """The interactive run: prompts, keys, the live view, feedback, probes, summary."""

    def __init__(self, console, plan, factory, *, voice_name: str, model: str | None, session,
                 silence_s: float | None, source_kind: str) -> None:
        from starcoach.run import MockRun

        self.console = console
        self.plan = plan
        self.silence_s = silence_s
        self.view: RecordingView | None = None
        self.models_ready = False
        self.run_ = MockRun(plan, factory, voice=_voice(voice_name, console), on_event=self._on_event,
                            model=model, session=session, source_kind=source_kind, silence_stop_s=silence_s)

    def _on_event(self, event) -> None:
        from starcoach import run as r

        if isinstance(event, r.ModelsReady):
            self.models_ready = True
        if isinstance(event, r.TakesAdopted):
            self.console.print(render_adopted(event), soft_wrap=True)
        view = self.view
        if view is not None:
            view.update(event)

    def run(self) -> int:
        from starcoach.run import RunInterrupted

        console = self.console
        console.print(render_intro(self.plan))
        self.run_.start()  # models load while the candidate reads the question
        try:
            with KeyReader() as keys:
                self.keys = keys
                self._loop()
        except (KeyboardInterrupt, EOFError):
            _print_interrupted(console, self.run_.interrupt())
            return stop_exit_code()
        except RunInterrupted as e:
            _print_interrupted(console, e.session)
            return stop_exit_code()
        finally:
            self.run_.close()
        session = self.run_.finish()
        console.print(render_summary(session, self.plan.scenario))
        _print_saved(console, session)
        return 0

    def _loop(self) -> None:
        pending = self.run_.pending()
        steps = [p for p in pending if not p.startswith("probe-")]
        for number, label in enumerate(steps, 1):
            if label == "answer":
                self._answer()
            else:
                self._step(label, number, len(steps))
        probes = [p for p in pending if p.startswith("probe-")]
        if probes:
            self.console.rule("[bold]Follow-up questions")
            self.console.print("The interviewer asks; answer aloud when the question ends. Enter or space stops.")
        for label in probes:
            self._probe(int(label.split("-")[1]))

    def _step(self, step: str, number: int, total: int) -> None:
        console = self.console
        while True:
            console.print(render_step_prompt(self.plan, step, number, total))
            console.print("[bold]Enter[/] to start speaking · [bold]q[/] to stop the run here")
            self.keys.drain()
            if self.keys.wait("\n q") == "q":
                raise KeyboardInterrupt
            target = self.plan.scenario.step(step).target_s
            result = self._record(f"{STEP_TITLES[step]} · target {target:.0f}s", target,
                                  lambda stop: self.run_.record_step(step, stop))
            console.print(render_feedback(result, self.plan.scenario))
            console.print("[bold]Enter[/] next · [bold]r[/] redo this step (every take is kept) · [bold]q[/] stop here")
            self.keys.drain()
            key = self.keys.wait("\nrq ")
            if key == "q":
                raise KeyboardInterrupt
            if key != "r":
                return

    def _answer(self) -> None:
        console = self.console
        while True:
            target = sum(self.plan.scenario.step(s).target_s for s in self.plan.steps)
            console.print(f"Answer the whole question in one go (about {_clock(target)}). "
                          "[bold]Enter[/] to start · [bold]q[/] to stop the run here")
            self.keys.drain()
            if self.keys.wait("\n q") == "q":
                raise KeyboardInterrupt
            results = self._record(f"Whole answer · target {_clock(target)}", target,
                                   lambda stop: self.run_.record_answer(stop))
            for result in results:
                console.print(render_feedback(result, self.plan.scenario))
            missing = [s for s in self.plan.steps if s not in {r.step for r in results}]
            if missing:
                console.print(f"[yellow]Not heard: {', '.join(STEP_TITLES[m] for m in missing)}[/]")
            console.print("[bold]Enter[/] continue · [bold]r[/] answer again (kept) · [bold]q[/] stop here")
            self.keys.drain()
            key = self.keys.wait("\nrq ")
            if key == "q":
                raise KeyboardInterrupt
            if key != "r":
                return

    def _probe(self, index: int) -> None:
        probe = self.plan.scenario.probes[index - 1]
        self.console.print(f"\n[bold cyan]Interviewer:[/] {probe.question}")
        result = self._record(f"Probe {index} · answer aloud", 30.0, lambda stop: self.run_.ask_probe(index, stop))
        self.console.print(render_probe(result))

    def _record(self, title: str, target: float, work: Callable[[threading.Event], Any]):
        """Run ``work(stop)`` in a worker thread while the live view shows elapsed and level."""
        from rich.live import Live

        stop = threading.Event()
        box: dict[str, Any] = {}

        def target_fn() -> None:
            try:
                box["result"] = work(stop)
            except BaseException as e:  # noqa: BLE001 - re-raised on the main thread
                box["error"] = e

        self.view = RecordingView(title, target, self.silence_s)
        self.view.models_ready = self.models_ready
        worker = threading.Thread(target=target_fn, name="starcoach-take", daemon=True)
        self.keys.drain()
        worker.start()
        try:
            with Live(self.view, console=self.console, refresh_per_second=10, transient=True):
                while worker.is_alive():
                    key = self.keys.read(0.05)
                    # keys pressed while the interviewer is still talking do not end the answer
                    if key in ("\n", "\r", " ") and self.view.state == "recording":
                        stop.set()
        except KeyboardInterrupt:
            self.run_.cancel()
            worker.join(10)
            raise
        finally:
            self.view = None
        if "error" in box:
            raise box["error"]
        return box["result"]
