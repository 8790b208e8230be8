"""``starcoach analyze``: analyse one step's answer, typed or recorded.

    starcoach analyze --step action --text "I traced the failure and wrote a fix."
    starcoach analyze --step result answer.wav --json

A thin command over :func:`starcoach.analysis.analyze_answer`; the feedback is rendered by
:func:`starcoach.report.feedback.render_analysis`.
"""

from __future__ import annotations

from starcoach.framework import principles


def register(subparsers) -> None:
    """Add the ``analyze`` command."""
    p = subparsers.add_parser(
        "analyze",
        help="analyse one STAR step's answer (typed or recorded)",
        description="Analyse the answer to one STAR step: who does what (I / we / someone else / "
        "passive), hand-offs, quantified results, disqualifiers, key phrases, fillers, hedges, pace "
        "and time against the step's target. Give the answer as --text or as an audio file.",
    )
    p.add_argument("--step", required=True, metavar="STEP",
                   help="the step the answer is for: situation, task, action, result or reflection (the steps of "
                        "the scenario's framework), or probe for a follow-up answer")
    p.add_argument("--scenario", metavar="ID", default=None,
                   help="scenario id or .toml path (default: the seed scenario)")
    p.add_argument("--level", choices=tuple(principles().levels), default="sde2", help="level to judge at (default sde2)")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", metavar="TEXT", help="the answer as text")
    source.add_argument("audio", metavar="AUDIO", nargs="?", help="the answer as an audio file (wav, mp3, ...)")
    p.add_argument("--model", metavar="PATH|NAME", default=None,
                   help="Whisper model for AUDIO (default: STARCOACH_MODEL, then the packaged tiny.en)")
    p.add_argument("--json", action="store_true", help="print the analysis as one JSON object")
    p.set_defaults(func=_analyze)


def _analyze(args) -> int:
    from starcoach.analysis import analyze_answer
    from starcoach.analysis.answer import NothingToAnalyse
    from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario

    if args.text is not None and not any(c.isalnum() for c in args.text):
        raise NothingToAnalyse("Nothing to analyse: the text is empty",
                               "give the answer's words, e.g. --text \"I traced the failure and wrote a fix.\"")

    scenario = find_scenario(args.scenario or DEFAULT_SCENARIO_ID)
    transcript = None
    if args.audio is not None:
        from starcoach.transcribe import SAMPLE_RATE, AudioFile, transcribe_file

        from starcoach.cli.speech import warn_if_cut_short

        warn_if_cut_short(args.audio)
        from starcoach.vocabulary import transcribe_options

        # read block by block (any length), with the scenario's technical terms as hotwords
        transcript = transcribe_file(args.audio, model=args.model, options=transcribe_options(scenario))
        analysis = analyze_answer(transcript.text, args.step, scenario, level=args.level, transcript=transcript,
                                  samples=AudioFile(args.audio), sample_rate=SAMPLE_RATE)
    else:
        analysis = analyze_answer(args.text, args.step, scenario, level=args.level)
    if args.json:
        from starcoach.cli._output import print_json

        print_json(analysis.to_dict())
        return 0
    if analysis.no_speech:
        raise NothingToAnalyse(f"Nothing to analyse: no speech detected in {args.audio}",
                               "play the file to check it holds speech, or record the answer again "
                               "(`starcoach record OUT.wav`)")
    from rich.panel import Panel

    from starcoach.cli._output import console
    from starcoach.report.feedback import render_analysis

    title = f"[bold]{scenario.framework.title(args.step)}[/bold] · {scenario.title}"
    console().print(Panel(render_analysis(analysis), title=title, title_align="left", border_style="cyan"))
    return 0
