"""``starcoach run`` and ``starcoach demo``: the spoken mock interview, live or scripted.

The coach is :class:`starcoach.run.MockRun`; the plan is checked by
:meth:`starcoach.run.RunPlan.build` and a resumed run comes from :func:`starcoach.run.resume_run`
(the same rules a web front end uses). This module turns flags into those calls, chooses the
audio source and the voice, and prints: the renderables are in :mod:`starcoach.cli.views`, the
interactive run (keys, live recording view) in :mod:`starcoach.cli.live`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable

from starcoach.cli._signals import stop_exit_code
from starcoach.cli.scenarios import note_replaced
from starcoach.cli.views import (
    ScriptedView,
    print_interrupted,
    print_saved,
    render_demo_comparison,
    render_summary,
)

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
                   help="follow-up questions to ask: the scenario's probes by number and range (1,3 or 1-2) and "
                        "'adaptive' (up to two follow-ups chosen from your answer's gaps, asked after the "
                        "scenario's), 'none', or 'all' (default: every probe, then the adaptive ones)")
    p.add_argument("--voice", choices=("hibari", "espeak", "off"), default=None,
                   help="how the interviewer reads probes aloud (default hibari; off in scripted runs)")
    p.add_argument("--realtime", action="store_true",
                   help="feed answer files at real-time pace through the microphone path")
    p.add_argument("--model", metavar="PATH|NAME", help="Whisper model (default tiny.en, packaged)")
    p.add_argument("--json", action="store_true", help="print the saved session as one JSON object")


# --------------------------------------------------------------------------------- commands


def run_command(args: argparse.Namespace) -> int:
    """``starcoach run``: one scenario, or ``--principle`` / ``--loop`` questions picked at random."""
    from starcoach.cli import _args

    _args.count(getattr(args, "loop", None), "--loop", "questions")
    _args.seconds(getattr(args, "silence", None), "--silence", zero_means="turns it off")
    if not (args.principle or args.loop):
        return _run_one(args, args.scenario)
    scenarios = pick_for_run(args)
    console = _console(stderr=bool(args.json))
    for number, scenario in enumerate(scenarios, 1):
        if len(scenarios) > 1:
            console.rule(f"Question {number} of {len(scenarios)} · {scenario.principle}")
        code = _run_one(args, scenario.id)
        if code:
            if len(scenarios) > 1 and number < len(scenarios):
                console.print(f"Loop stopped after question {number} of {len(scenarios)}.")
            return code
    return 0


def _run_one(args: argparse.Namespace, scenario_ref: str | None) -> int:
    """One mock run of ``scenario_ref`` (the seed scenario when None), or the resumed session."""
    from starcoach.errors import UsageError
    from starcoach.run import (
        MockRun, RunInterrupted, RunPlan, answers_source_factory, check_answer_files, find_answer_files,
        microphone_source_factory, resume_run,
    )
    from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario

    interactive = sys.stdin.isatty() and not args.no_input and not args.answers and not args.json
    if args.or_demo:
        reason = _no_live_reason(args)
        if reason:
            print(f"starcoach: {reason}; running the demo instead (`starcoach demo`).", flush=True)
            return demo_command(args)

    if not args.answers:
        if not interactive:
            raise UsageError(
                "A live run needs a terminal to read the start and stop keys",
                "run it in a terminal, or give recorded answers with --answers DIR --no-input",
            )
        from starcoach.capture import resolve_input_device

        resolve_input_device(_device(args.input_device))  # a missing microphone fails now, in one line

    session = None
    if args.resume:
        session, plan = resume_run(args.resume)
    else:
        scenario = find_scenario(scenario_ref or DEFAULT_SCENARIO_ID)
        note_replaced(scenario)
        mode, level = _choose_mode_level(args, scenario, interactive)
        plan = RunPlan.build(scenario, mode, level, only=args.only, probes=args.probes, continuous=args.continuous)
    scenario = plan.scenario

    if args.answers:
        files = find_answer_files(args.answers, scenario.framework.names)
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
            print_interrupted(_console(stderr=True), e.session)
            return stop_exit_code()
        from starcoach.cli._output import print_json

        print_json(session.to_dict())
        return 0

    console = _console()
    if not interactive:
        view = ScriptedView(console)
        run = MockRun(plan, factory, voice=_voice(voice_name, console), on_event=view.on_event, model=args.model,
                      session=session, source_kind=source_kind)
        view.intro(plan, resumed=session)
        try:
            session = run.run()
        except RunInterrupted as e:
            print_interrupted(console, e.session)
            return stop_exit_code()
        console.print(render_summary(session, scenario))
        print_saved(console, session)
        return 0

    from starcoach.cli.live import LiveRun

    live = LiveRun(console, plan, factory, voice=_voice(voice_name, console), model=args.model, session=session,
                   silence_s=silence or None, source_kind=source_kind)
    return live.run()


def pick_for_run(args: argparse.Namespace) -> list:
    """The scenarios ``--principle`` / ``--loop`` ask for (random; ``--seed`` repeats a pick)."""
    import random

    from starcoach.errors import UsageError
    from starcoach.library import pick_scenarios
    from starcoach.scenario import scan

    if args.scenario:
        raise UsageError(f"Give either a scenario id ('{args.scenario}') or --principle/--loop, not both",
                             "drop the id to pick at random, or drop --principle/--loop")
    if args.resume:
        raise UsageError("--resume continues one saved session", "drop --principle/--loop")
    if args.loop and args.answers:
        raise UsageError("--loop asks questions picked at random, so it cannot use one --answers folder",
                             "run each scenario with its own --answers DIR instead")
    return pick_scenarios(principle=args.principle, loop=args.loop, rng=random.Random(args.seed),
                          scenarios=scan().scenarios)


def demo_command(args: argparse.Namespace) -> int:
    """``starcoach demo`` (also ``run --or-demo`` without a microphone)."""
    from starcoach.demo import run_demo
    from starcoach.paths import data_dir
    from starcoach.run import RunInterrupted, RunPlan
    from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario

    scenario = find_scenario(getattr(args, "scenario", None) or DEFAULT_SCENARIO_ID)
    plan = RunPlan.build(scenario, getattr(args, "mode", None), getattr(args, "level", None),
                         only=getattr(args, "only", None), probes=getattr(args, "probes", None))
    console = _console(stderr=bool(args.json))
    voice = _voice(getattr(args, "voice", None) or "off", console)
    view = ScriptedView(console, quiet=bool(args.json))

    def on_candidate(candidate) -> None:
        view.candidate(candidate, plan)

    try:
        result = run_demo(scenario, plan.mode, plan.level, data_dir() / "demo", voice=voice, on_event=view.on_event,
                          on_candidate=on_candidate, realtime=bool(getattr(args, "realtime", False)),
                          steps=plan.steps, probes=plan.probes, followups=plan.followups,
                          model=getattr(args, "model", None))
    except RunInterrupted as e:
        print_interrupted(console, e.session)
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
        print_saved(console, session)
    return 0


# --------------------------------------------------------------------------------- choices


def _choose_mode_level(args, scenario, interactive: bool) -> tuple[str | None, str | None]:
    """``--mode`` and ``--level`` as given (checked now), prompting for a missing one in a terminal."""
    from starcoach.run import default_level, resolve_level, resolve_mode
    from starcoach.scenario import LEVEL_NAMES

    mode = resolve_mode(scenario, args.mode)
    level = resolve_level(scenario, args.level)
    if interactive and (not mode or not level):
        from rich.prompt import Prompt

        console = _console()
        if not mode:
            modes = [m.id for m in scenario.modes]
            for m in scenario.modes:
                console.print(f"  [bold]{m.id}[/]: {m.lead_in}")
            mode = Prompt.ask("Preparation mode", choices=modes, default=modes[0], console=console)
        if not level:
            levels = [lvl.id for lvl in scenario.levels]
            console.print("  " + ", ".join(f"[bold]{lid}[/] ({LEVEL_NAMES.get(lid, lid)})" for lid in levels))
            level = Prompt.ask("Level", choices=levels, default=default_level(scenario), console=console)
    return mode, level


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
    from starcoach.voice import Interviewer

    interviewer = Interviewer(name)
    state = {"ok": True}

    def speak(text: str) -> None:
        if not state["ok"]:
            return
        try:
            interviewer(text)
        except Exception as e:  # noqa: BLE001 - no speaker must not end the interview
            state["ok"] = False
            if console is not None:
                console.print(f"[dim](cannot play the interviewer's voice: {getattr(e, 'message', e)}; "
                              "questions are shown as text)[/]")

    speak.prepare = interviewer.prepare  # MockRun speaks the questions in advance (the voice is out of memory then)
    return speak


def _console(stderr: bool = False):
    from starcoach.cli._output import console

    return console(stderr=stderr)
