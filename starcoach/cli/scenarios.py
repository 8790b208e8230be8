"""``starcoach scenarios`` (list, show, validate, new) and ``starcoach quiz``.

Thin commands over :mod:`starcoach.scenario` and :mod:`starcoach.quiz`: they parse arguments,
call the library, and print. Nothing heavy is imported until a command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers) -> None:
    """Add the ``scenarios`` and ``quiz`` commands."""
    p = subparsers.add_parser(
        "scenarios",
        help="list, show, validate and create interview scenarios",
        description="List the interview scenarios (the bundled ones and your own), or use a "
        "subcommand to show, validate or create one.",
    )
    p.add_argument("--principle", metavar="P",
                   help="only scenarios for this leadership principle (e.g. 'dive deep', "
                        "'Learn-and-Be-Curious', 'curious')")
    p.add_argument("--json", action="store_true",
                   help="print a JSON list of {id, principle, principles, title, question, path}")
    p.set_defaults(func=_list)
    sub = p.add_subparsers(dest="scenarios_command", metavar="SUBCOMMAND")

    show = sub.add_parser("show", help="the whole walkthrough of a scenario",
                          description="Show a scenario like the walkthrough page: overview, "
                          "STAR steps with targets, levels, probes, weak answer, modes, quiz.")
    show.add_argument("id", metavar="ID", help="scenario id, or a path to a .toml file")
    show.add_argument("--json", dest="show_json", action="store_true",
                      help="print the whole scenario as JSON instead")
    show.set_defaults(func=_show)

    validate = sub.add_parser("validate", help="check scenario files against the format",
                              description="Check scenario files (or folders of them). Prints "
                              "one line per problem, 'path: field: message'; exits 1 if any.")
    validate.add_argument("paths", nargs="*", metavar="PATH",
                          help="files or folders (default: every scenario folder)")
    validate.set_defaults(func=_validate)

    new = sub.add_parser("new", help="write a commented template for a new scenario",
                         description="Write a commented scenario template to fill in. Default "
                         "place: scenarios/ID.toml when run in the starcoach checkout, else "
                         "<data dir>/scenarios/ID.toml (where starcoach finds your own).")
    new.add_argument("id", metavar="ID", help="the new id: lowercase words joined by hyphens")
    new.add_argument("-o", "--output", metavar="PATH",
                     help="file (must be named ID.toml) or folder to write it to")
    new.add_argument("--force", action="store_true", help="overwrite an existing file")
    new.set_defaults(func=_new)

    quiz = subparsers.add_parser(
        "quiz",
        help="answer a scenario's quiz questions",
        description="Ask a scenario's quiz questions one by one (type the number of an option), "
        "say whether each answer is right and why, and give the score.",
    )
    quiz.add_argument("id", metavar="ID", nargs="?",
                      help="scenario id or .toml path (default: the seed scenario)")
    quiz.add_argument("--no-input", action="store_true",
                      help="do not ask: print each question with its answer and explanation")
    quiz.set_defaults(func=_quiz)


# --- scenarios (list) ----------------------------------------------------------------------------


def _warn_broken(problems) -> None:
    """One line per invalid scenario file found while scanning (on stderr)."""
    counts: dict[Path, int] = {}
    for problem in problems:
        counts[problem.path] = counts.get(problem.path, 0) + 1
    for path, n in counts.items():
        print(f"starcoach: skipped {path} ({n} problem{'s' if n > 1 else ''}): "
              f"see `starcoach scenarios validate {path}`", file=sys.stderr)


def note_replaced(scenario) -> None:
    """One line on stderr when ``scenario`` is a user's copy that replaces a bundled one."""
    if getattr(scenario, "replaces", ""):
        print(f"starcoach: note: using {scenario.path}, which replaces the bundled scenario "
              f"'{scenario.id}' ({scenario.replaces})", file=sys.stderr)


def _list(args: argparse.Namespace) -> int:
    from starcoach.scenario import resolve_principle, scan, with_principle

    library = scan()
    scenarios = list(library.scenarios)
    if args.principle:
        scenarios = with_principle(scenarios, args.principle)
    _warn_broken(library.problems)
    for scenario in library.replacing:
        note_replaced(scenario)
    if args.json:
        from starcoach.cli._output import print_json

        print_json([
            {
                "id": s.id,
                "principle": s.principle,
                "principles": list(s.principles),
                "title": s.title,
                "question": s.question,
                "version": s.version,
                "path": str(s.path),
            }
            for s in scenarios
        ])
        return 0
    from rich.padding import Padding
    from rich.text import Text

    from starcoach.cli._output import console

    out = console()
    if not scenarios:
        what = f" for {resolve_principle(args.principle)}" if args.principle else ""
        out.print(Text(f"No scenarios{what} yet. Write one: starcoach scenarios new ID"))
        return 0
    for s in scenarios:
        line = Text.assemble((s.id, "bold cyan"), "  ", s.principle)
        if len(s.principles) > 1:
            line.append(" + " + ", ".join(s.principles[1:]), style="dim")
        out.print(line)
        out.print(Padding(Text(s.question), (0, 0, 0, 4)))
    n = len(scenarios)
    out.print(Text(f"\n{n} scenario{'s' if n != 1 else ''}. "
                   "Walk through one: starcoach scenarios show ID", style="dim"))
    return 0


# --- scenarios show ------------------------------------------------------------------------------


def _show(args: argparse.Namespace) -> int:
    from starcoach.scenario import find_scenario

    scenario = find_scenario(args.id)
    note_replaced(scenario)
    if args.show_json:
        import dataclasses

        from starcoach.cli._output import print_json

        def plain(value):
            if dataclasses.is_dataclass(value):
                return dataclasses.asdict(value)
            return [plain(v) for v in value] if isinstance(value, tuple) else value

        data = {f.name: plain(getattr(scenario, f.name)) for f in dataclasses.fields(scenario) if f.name != "framework"}
        data["path"] = str(scenario.path)
        data["principle"] = scenario.principle
        data["framework"] = scenario.framework.id
        print_json(data)
        return 0
    from starcoach.cli._output import console
    from starcoach.report.walkthrough import walkthrough

    console().print(*walkthrough(scenario))
    return 0


# --- scenarios validate --------------------------------------------------------------------------


def _validate(args: argparse.Namespace) -> int:
    from starcoach.paths import scenario_dirs
    from starcoach.scenario import scenario_files, validate_files

    paths = [Path(p) for p in args.paths] or scenario_dirs()
    files = scenario_files(paths)
    problems = validate_files(paths)
    for problem in problems:
        print(problem)
    bad = {p.path for p in problems}
    n = len(files)
    if not problems:
        print(f"{n} scenario file{'s' if n != 1 else ''} valid.")
        return 0
    print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in "
          f"{len(bad)} of {n} file{'s' if n != 1 else ''} (format: scenarios/README.md).",
          file=sys.stderr)
    return 1


# --- scenarios new -------------------------------------------------------------------------------


def default_new_path(scenario_id: str) -> Path:
    """Where ``scenarios new ID`` writes without ``-o``.

    In the starcoach checkout (the current directory is the project root) the new scenario joins
    the bundled bank, ``scenarios/ID.toml``; anywhere else it goes with the user's own scenarios,
    ``<data dir>/scenarios/ID.toml``, which starcoach also searches.
    """
    from starcoach.paths import data_dir, source_checkout

    checkout = source_checkout()
    if checkout is not None and Path.cwd().resolve() == checkout:
        return checkout / "scenarios" / f"{scenario_id}.toml"
    return data_dir() / "scenarios" / f"{scenario_id}.toml"


def _new(args: argparse.Namespace) -> int:
    from starcoach.errors import ScenarioError
    from starcoach.paths import scenario_dirs
    from starcoach.scenario import template

    text = template(args.id)  # checks the id first
    if args.output:
        path = Path(args.output).expanduser()
        if path.is_dir():
            path = path / f"{args.id}.toml"
        elif path.name != f"{args.id}.toml":
            raise ScenarioError(f"Output file {path} does not match the id {args.id!r}",
                                f"name it {args.id}.toml (a scenario's file is named by its id)")
    else:
        path = default_new_path(args.id)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w" if args.force else "x", encoding="utf-8") as f:
            f.write(text)
    except FileExistsError as e:
        raise ScenarioError(f"{path} already exists",
                            "choose another id or -o PATH, or add --force to overwrite") from e
    except OSError as e:
        import errno

        why = {errno.EROFS: "the folder is on a read-only file system", errno.EACCES: "permission denied",
               errno.EPERM: "permission denied", errno.ENOSPC: "the disk is full"}.get(e.errno, e.strerror)
        raise ScenarioError(f"Cannot write {path}: {why}",
                            "write it elsewhere with -o PATH (then set STARCOACH_SCENARIOS), "
                            "or set STARCOACH_HOME to a folder you can write") from e
    print(f"Wrote {path}")
    print(f"Replace every FILL IN, then check it: starcoach scenarios validate {path}")
    searched = [d.resolve() for d in scenario_dirs()]
    if path.parent.resolve() not in searched:
        print(f"Note: starcoach looks for scenarios in {', '.join(map(str, scenario_dirs()))}; "
              "move the file there (or set STARCOACH_SCENARIOS) to use it.")
    return 0


# --- quiz ----------------------------------------------------------------------------------------


def _answer_prompt():
    """rich's Prompt, echoing the answer when it is piped in (so a transcript reads well)."""
    from rich.prompt import Prompt

    class AnswerPrompt(Prompt):
        @classmethod
        def get_input(cls, console, prompt, password, stream=None) -> str:
            value = super().get_input(console, prompt, password, stream)
            if not sys.stdin.isatty():
                console.print(value, markup=False, highlight=False)
            return value

    return AnswerPrompt


def _quiz(args: argparse.Namespace) -> int:
    from rich.text import Text

    from starcoach.cli._output import console
    from starcoach.quiz import QuizResult, grade, parse_choice
    from starcoach.scenario import DEFAULT_SCENARIO_ID, find_scenario

    scenario = find_scenario(args.id or DEFAULT_SCENARIO_ID)
    note_replaced(scenario)
    out = console()
    total = len(scenario.quiz)
    out.print(Text.assemble(("Quiz: ", "bold"), scenario.question, "\n",
                            (f"{total} question{'s' if total != 1 else ''} · {scenario.id}", "dim")))
    answers = []
    for i, question in enumerate(scenario.quiz, 1):
        body = Text.assemble("\n", (f"{i}/{total}  {question.question}", "bold"))
        for n, option in enumerate(question.options, 1):
            body.append(f"\n  {n}) {option}")
        out.print(body)
        if args.no_input:
            right = question.answer
            out.print(Text.assemble(("Answer: ", "bold green"), f"{right + 1}) ",
                                    question.options[right]))
            out.print(Text.assemble(("Why: ", "bold"), question.why))
            continue
        choices = [str(n) for n in range(1, len(question.options) + 1)]
        try:
            typed = _answer_prompt().ask("Your answer", console=out, choices=choices)
        except EOFError:
            out.print(Text("\nNo more answers: stopping the quiz.", style="yellow"))
            break
        answer = grade(question, parse_choice(typed, question))
        if answer.correct:
            out.print(Text("✓ Right.", style="bold green"))
        else:
            out.print(Text.assemble(("✗ Wrong. ", "bold red"), "The answer is ",
                                    (f"{question.answer + 1}) {answer.right_option}", "bold")))
        out.print(Text.assemble(("Why: ", "bold"), question.why))
        answers.append(answer)
    if args.no_input:
        return 0
    result = QuizResult(scenario.id, total, tuple(answers))
    out.print(Text.assemble("\n", ("Score: ", "bold"), f"{result.score}/{result.total}",
                            "" if result.finished else f" ({len(answers)} answered)"))
    if result.finished and result.score == result.total:
        out.print(Text("All right. Now say it out loud: starcoach run " + scenario.id, style="dim"))
    return 0 if result.finished else 1
