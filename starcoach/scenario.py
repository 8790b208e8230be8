"""Scenarios: one behavioural interview question with everything needed to coach it.

A scenario is a TOML file in ``scenarios/`` (see ``scenarios/README.md`` for the format). This
module defines the dataclasses every other part uses and the loader that validates a file
against the schema, raising :class:`starcoach.errors.ScenarioError` with the file, the field and
what was expected.
"""

from __future__ import annotations

import dataclasses

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from starcoach.errors import FrameworkError, ScenarioError, ScenarioNotFound
from starcoach.findings import annotation_kinds
from starcoach.framework import DEFAULT_FRAMEWORK, Framework, framework, principles
from starcoach.paths import scenario_dirs

#: The steps of the default framework (STAR + Reflection), in the order a candidate answers them.
#: A scenario's own steps are those of its framework: ``scenario.framework.names``.
STEP_NAMES: tuple[str, ...] = framework().names

#: Level ids, in order of seniority, with their display names (``data/principles.toml``).
LEVEL_NAMES: dict[str, str] = principles().levels

#: Preparation-mode ids with their display names (``data/principles.toml``).
MODE_NAMES: dict[str, str] = principles().modes


@dataclass(frozen=True)
class Step:
    """One STAR step of the model answer.

    Attributes:
        name: One of :data:`STEP_NAMES`.
        target_s: Target speaking time in seconds.
        strong_example: What a strong answer for this step sounds like.
        key_phrases: Phrases of the strong example a good answer conveys.
        coaching: The one-line coaching tip for this step.
        common_mistake: The mistake candidates most often make here.
        senior_example: Optional senior-level version of the strong example (the seed page shows
            an "SDE2 Reflection" and a "Senior Reflection" side by side; the SDE2 one is
            ``strong_example``). Key phrases may come from either.
    """

    name: str
    target_s: float
    strong_example: str
    key_phrases: tuple[str, ...]
    coaching: str
    common_mistake: str
    senior_example: str = ""


@dataclass(frozen=True)
class Level:
    """A seniority level's expectations.

    Attributes:
        id: ``sde1``, ``sde2`` or ``senior``.
        name: Display name ("SDE1", "SDE2", "Senior SDE").
        guidance: How to pitch the story at this level.
        reflection: A model reflection at this level.
        bar: What the bar is for this level.
        budget_s: (min, max) seconds for the whole answer.
        budget_label: The budget as the walkthrough says it ("Keep to 2 minutes").
    """

    id: str
    name: str
    guidance: str
    reflection: str
    bar: str
    budget_s: tuple[float, float]
    budget_label: str


@dataclass(frozen=True)
class Probe:
    """A follow-up question the interviewer asks after the answer.

    Attributes:
        question: What the interviewer asks.
        probes: What the question tests ("Cross-team collaboration and ownership").
        weak_answer: A typical weak answer.
        weak_why: Why that answer is weak.
        strong_answer: A strong answer.
        key_line: The line of the strong answer that carries it.
        focus: What the judge looks for in an answer (``impact``, ``personal`` …); "" lets the judge
            read it from the question (adaptive follow-ups set it, scenario files do not).
    """

    question: str
    probes: str
    weak_answer: str
    weak_why: str
    strong_answer: str
    key_line: str
    focus: str = ""


@dataclass(frozen=True)
class Annotation:
    """One annotation on the weak answer.

    Attributes:
        note: The annotation as written ("'I did escalate it' shows handing off responsibility.").
        quote: The words of the weak answer it points at, or "" when it is about the whole answer.
        kind: Which analysis finding should flag it: ``handoff``, ``routing``,
            ``no-individual-contribution``, ``no-quantification``, ``vague-outcome``,
            ``assigned``, ``team-credit`` or ``generic-reflection``.
    """

    note: str
    quote: str
    kind: str


@dataclass(frozen=True)
class WeakAnswer:
    """The annotated weak answer and the Bar Raiser's read of it."""

    text: str
    annotations: tuple[Annotation, ...]
    bar_raiser: str


@dataclass(frozen=True)
class Mode:
    """A preparation mode: which angle of the story to lead with.

    Attributes:
        id: ``ownership``, ``dive-deep`` or ``deliver-results``.
        name: Display name.
        lead_in: How to open the story in this mode.
        emphasize: What to emphasize.
        downplay: What to downplay.
    """

    id: str
    name: str
    lead_in: str
    emphasize: str
    downplay: str


@dataclass(frozen=True)
class QuizQuestion:
    """A multiple-choice question about the scenario.

    Attributes:
        question: The question.
        options: The choices, in display order.
        answer: Index into ``options`` of the right answer.
        why: Why that answer is right (and the others are not).
    """

    question: str
    options: tuple[str, ...]
    answer: int
    why: str


@dataclass(frozen=True)
class Scenario:
    """A complete behavioural question walkthrough.

    Attributes:
        id: Stable id, the file name without ``.toml``.
        version: Content version; bump it when the scenario changes (sessions record it).
        title: Short title for lists.
        principles: Leadership principles it targets, first is the primary.
        question: The interview question as asked.
        overview: The story in one paragraph.
        takeaways: What makes the strong answer strong (the walkthrough's summary).
        steps: The steps of its framework, in the framework's order.
        levels: Level expectations, ordered sde1, sde2, senior.
        probes: Follow-up probes in the order they are asked.
        weak_answer: The annotated weak answer with the Bar Raiser read.
        disqualifiers: Phrases that sink an answer to this question specifically.
        modes: The three preparation modes.
        quiz: Quiz questions.
        path: The file it was loaded from.
        replaces: The file of an earlier folder (the bundled bank) with the same id that this one
            replaces ("" if none): a user's own copy of a bundled scenario wins.
        framework: The interview framework its steps follow (``framework = "id"`` in the file;
            STAR + Reflection by default).
    """

    id: str
    version: str
    title: str
    principles: tuple[str, ...]
    question: str
    overview: str
    takeaways: str
    steps: tuple[Step, ...]
    levels: tuple[Level, ...]
    probes: tuple[Probe, ...]
    weak_answer: WeakAnswer
    disqualifiers: tuple[str, ...]
    modes: tuple[Mode, ...]
    quiz: tuple[QuizQuestion, ...]
    path: Path | None = field(default=None, compare=False)
    replaces: str = field(default="", compare=False)
    framework: Framework = field(default_factory=framework, compare=False)

    @property
    def principle(self) -> str:
        """The primary leadership principle."""
        return self.principles[0]

    def step(self, name: str) -> Step:
        """The step called ``name`` (one of ``self.framework.names``)."""
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def level(self, level_id: str) -> Level:
        """The level with id ``level_id`` (``sde1``, ``sde2``, ``senior``)."""
        for level in self.levels:
            if level.id == level_id:
                return level
        raise KeyError(level_id)

    def mode(self, mode_id: str) -> Mode:
        """The preparation mode with id ``mode_id``."""
        for mode in self.modes:
            if mode.id == mode_id:
                return mode
        raise KeyError(mode_id)

    @property
    def total_target_s(self) -> float:
        """Sum of the step targets."""
        return sum(s.target_s for s in self.steps)


#: Id of the seed scenario, the default everywhere a scenario is optional.
DEFAULT_SCENARIO_ID = "learn-and-be-curious-proactive-learning"

# --- loading and validation: load_scenario(path), load_all(), find_scenario(id) below ---

#: Kinds an annotation of the weak answer may have: the analysis finding that should flag it
#: (the finding types marked ``annotation`` in ``data/findings.toml``).
ANNOTATION_KINDS: tuple[str, ...] = annotation_kinds()

#: The principles a scenario may target, as scenario files must spell them: Amazon's 16 Leadership
#: Principles (``data/principles.toml``).
LEADERSHIP_PRINCIPLES: tuple[str, ...] = principles().principles

_PRINCIPLE_LIST = ", ".join(repr(p) for p in LEADERSHIP_PRINCIPLES)

#: Text that marks a value of the ``scenarios new`` template that the author has to replace.
PLACEHOLDER = "FILL IN"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file.

    Attributes:
        path: The file, as it was given.
        field: Where in the file: ``question``, ``steps[action].target_s``, ``probes[2].question``
            (probes, quiz questions and annotations count from 1, in file order), or ``(file)``
            for problems with the file as a whole.
        message: What is wrong and what was expected.
        line: Line number, when known (only for malformed TOML).
    """

    path: Path
    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {self.message}"


class ScenarioInvalid(ScenarioError):
    """A scenario file fails the schema; ``problems`` lists every problem found in it."""

    def __init__(self, path: Path | None, problems: list[Problem]) -> None:
        self.path = path
        self.problems = tuple(problems)
        if len(problems) == 1:
            message = str(problems[0])
        else:
            lines = "".join(f"\n  {p}" for p in problems)
            where = path if path is not None else "the scenario files"
            message = f"{where} has {len(problems)} problems (format: scenarios/README.md):{lines}"
        super().__init__(message)


@dataclass(frozen=True)
class ScenarioLibrary:
    """What a scan of the scenario folders found.

    Attributes:
        scenarios: The valid scenarios, sorted by id (for an id in two folders, the later
            folder's file, with ``replaces`` set; within one folder, the first file found).
        problems: Problems with the other files (invalid files, duplicate ids in one folder).
    """

    scenarios: tuple[Scenario, ...]
    problems: tuple[Problem, ...]

    @property
    def ids(self) -> list[str]:
        """Ids of the valid scenarios."""
        return [s.id for s in self.scenarios]

    @property
    def replacing(self) -> list[Scenario]:
        """The scenarios that replace one with the same id from an earlier folder."""
        return [s for s in self.scenarios if s.replaces]


# --- the schema, table-driven -------------------------------------------------------------------
#
# Each table of the file has a spec: key -> (kind, what is expected, required). The kinds are
# checked by _Checker.value(); rules across fields (step order, duplicates, ranges) are in _check().

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

_Spec = dict[str, tuple[str, str, bool]]

_TOP: _Spec = {
    "id": ("id", "the scenario id: lowercase words joined by hyphens, same as the file name", True),
    "version": ("text", 'the content version as text, e.g. "1"', True),
    "title": ("text", "a short title of the story for lists", True),
    "principles": ("principles", "a list of leadership principles, the primary first", True),
    "question": ("text", "the interview question as the interviewer asks it", True),
    "overview": ("text", "the story in one paragraph", True),
    "takeaways": ("text", "what makes the strong answer strong", True),
    "disqualifiers": ("texts", "a list of phrases that sink an answer to this question", True),
    "steps": ("tables", "five [[steps]] tables: situation, task, action, result, reflection", True),
    "levels": ("tables", "three [[levels]] tables: sde1, sde2, senior", True),
    "probes": ("tables", "[[probes]] tables, one per follow-up question", True),
    "weak_answer": ("table", "a [weak_answer] table with text, bar_raiser and annotations", True),
    "modes": ("tables", "three [[modes]] tables: ownership, dive-deep, deliver-results", True),
    "quiz": ("tables", "[[quiz]] tables, one per question", True),
    "framework": ("framework", "the id of an interview framework, e.g. \"star\" (the default) or \"car\"", False),
}
_STEP: _Spec = {
    "name": ("step", "one of " + ", ".join(STEP_NAMES), True),
    "target_s": ("seconds", "target seconds, a positive number such as 30", True),
    "strong_example": ("text", "what a strong answer for this step sounds like", True),
    "key_phrases": ("texts", "a list of the phrases a good answer conveys", True),
    "coaching": ("text", "the one-line coaching tip", True),
    "common_mistake": ("text", "the mistake candidates most often make here", True),
    "senior_example": ("text", "a senior-level version of the strong example", False),
}
_LEVEL: _Spec = {
    "id": ("level", "one of " + ", ".join(LEVEL_NAMES), True),
    "guidance": ("text", "how to pitch the story at this level", True),
    "reflection": ("text", "a model reflection at this level", True),
    "bar": ("text", "what the bar is at this level", True),
    "budget_s": ("budget", "[min, max] seconds for the whole answer, e.g. [105, 135]", True),
    "budget_label": ("text", 'the budget as the walkthrough says it, e.g. "Keep to 2 minutes."', True),
}
_PROBE: _Spec = {
    "question": ("text", "the follow-up question", True),
    "probes": ("text", "what the question tests", True),
    "weak_answer": ("text", "a typical weak answer", True),
    "weak_why": ("text", "why that answer is weak", True),
    "strong_answer": ("text", "a strong answer", True),
    "key_line": ("text", "the line of the strong answer that carries it", True),
}
_WEAK: _Spec = {
    "text": ("text", "the weak answer as a candidate says it", True),
    "bar_raiser": ("text", "what the Bar Raiser thinks of it", True),
    "annotations": ("tables", "[[weak_answer.annotations]] tables with note, quote and kind", True),
}
_ANNOTATION: _Spec = {
    "note": ("text", "the annotation as written", True),
    "quote": ("quote", 'words quoted from weak_answer.text, or "" for the whole answer', True),
    "kind": ("kind", "one of " + ", ".join(ANNOTATION_KINDS), True),
}
_MODE: _Spec = {
    "id": ("mode", "one of " + ", ".join(MODE_NAMES), True),
    "lead_in": ("text", "how to open the story in this mode", True),
    "emphasize": ("text", "what to emphasize", True),
    "downplay": ("text", "what to downplay", True),
}
_QUIZ: _Spec = {
    "question": ("text", "the quiz question", True),
    "options": ("texts", "a list of at least two different answer options", True),
    "answer": ("answer", "the number of the right option, counting from 1", True),
    "why": ("text", "why that option is right and the others are not", True),
}

_ENUMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "step": ("step", STEP_NAMES),
    "level": ("level", tuple(LEVEL_NAMES)),
    "mode": ("mode", tuple(MODE_NAMES)),
    "kind": ("annotation kind", ANNOTATION_KINDS),
}


def _describe(value: object) -> str:
    """A value as an error message names it: "text '90s'", "the number -5", "a list"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        short = value if len(value) <= 40 else value[:37] + "..."
        return f"text {short!r}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _norm(text: str) -> str:
    """Text compared loosely: lower case, punctuation and extra spaces ignored."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower().replace("&", " and ")).split())


class _Checker:
    """Collects the problems of one file."""

    def __init__(self, path: Path, steps: tuple[str, ...] = STEP_NAMES) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.enums = {**_ENUMS, "step": ("step", steps)}

    def add(self, field_: str, message: str) -> None:
        self.problems.append(Problem(self.path, field_, message))

    def table(self, data: dict, spec: _Spec, where: str) -> dict:
        """Check every key of ``data`` against ``spec``; returns the keys whose values are valid."""
        prefix = f"{where}." if where else ""
        for key in data:
            if key not in spec:
                close = difflib.get_close_matches(key, list(spec), n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'? " if close else ""
                self.add(f"{prefix}{key}", f"unknown key: {hint}expected one of {', '.join(spec)}")
        valid = {}
        for key, (kind, expect, required) in spec.items():
            if key not in data:
                if required:
                    self.add(f"{prefix}{key}", f"missing: expected {expect}")
                continue
            if self.value(data[key], kind, expect, f"{prefix}{key}"):
                valid[key] = data[key]
        return valid

    def value(self, value: object, kind: str, expect: str, where: str) -> bool:
        """Check one value of the given kind; True when it is valid."""
        before = len(self.problems)
        if kind in ("text", "id", "quote", "framework") or kind in self.enums:
            self.text(value, expect, where, allow_empty=kind == "quote")
        if kind == "id" and len(self.problems) == before and not _ID_RE.match(value):
            self.add(where, f"{value!r} is not a valid id: expected {expect}")
        elif kind in self.enums and len(self.problems) == before:
            label, allowed = self.enums[kind]
            if value not in allowed:
                self.add(where, f"unknown {label} {value!r}: expected one of {', '.join(allowed)}")
        elif kind in ("texts", "principles"):
            self.texts(value, expect, where)
            if kind == "principles" and len(self.problems) == before:
                for i, name in enumerate(value, 1):
                    if name not in LEADERSHIP_PRINCIPLES:
                        self.add(f"{where}[{i}]", _unknown_principle(name))
        elif kind == "seconds":
            self.seconds(value, expect, where)
        elif kind == "budget":
            if not (isinstance(value, list) and len(value) == 2 and all(map(_is_number, value))):
                self.add(where, f"got {_describe(value)}: expected {expect}")
            elif min(value) <= 0:
                self.add(where, f"{value} has a number <= 0: expected {expect}")
            elif value[0] > value[1]:
                self.add(where, f"min {value[0]} is more than max {value[1]}: expected {expect}")
        elif kind == "answer":
            if not isinstance(value, int) or isinstance(value, bool):
                self.add(where, f"got {_describe(value)}: expected {expect}")
            elif value == 0:
                self.add(where, f"still 0 from the template: fill in {expect}")
        elif kind == "table" and not isinstance(value, dict):
            self.add(where, f"got {_describe(value)}: expected {expect}")
        elif kind == "tables":
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                self.add(where, f"got {_describe(value)}: expected {expect}")
            elif not value:
                self.add(where, f"empty: expected {expect}")
        return len(self.problems) == before

    def text(self, value: object, expect: str, where: str, allow_empty: bool = False) -> None:
        if not isinstance(value, str):
            self.add(where, f"got {_describe(value)}: expected {expect}")
        elif value.strip().startswith(PLACEHOLDER):
            self.add(where, f"still the template text: fill in {expect}")
        elif not value.strip() and not allow_empty:
            self.add(where, f"empty: expected {expect}")

    def texts(self, value: object, expect: str, where: str) -> None:
        if not isinstance(value, list):
            self.add(where, f"got {_describe(value)}: expected {expect}")
        elif not value:
            self.add(where, f"empty: expected {expect}")
        else:
            for i, item in enumerate(value, 1):
                self.text(item, expect, f"{where}[{i}]")

    def seconds(self, value: object, expect: str, where: str) -> None:
        if not _is_number(value):
            self.add(where, f"got {_describe(value)}: expected {expect}")
        elif value < 0:
            self.add(where, f"{value} is negative: expected {expect}")
        elif value == 0:
            self.add(where, f"0 seconds: expected {expect}")


def _unknown_principle(name: str) -> str:
    by_norm = {_norm(p): p for p in LEADERSHIP_PRINCIPLES}
    close = difflib.get_close_matches(_norm(name), list(by_norm), n=1, cutoff=0.6)
    hint = f"did you mean '{by_norm[close[0]]}'? " if close else ""
    return (
        f"unknown leadership principle {name!r}: {hint}"
        f"expected one of {_PRINCIPLE_LIST}"
    )


def _check_by_id(c: _Checker, top: dict, key: str, spec: _Spec, ids: tuple[str, ...]) -> None:
    """Check the [[levels]] or [[modes]] tables: one each of ``ids``, in any order."""
    found = []
    for i, table in enumerate(top.get(key, []), 1):
        id_ = table.get("id")
        label = id_ if isinstance(id_, str) and id_ in ids else str(i)
        valid = c.table(table, spec, f"{key}[{label}]")
        if "id" in valid:
            found.append(valid["id"])
    if key in top and len(found) == len(top[key]):
        for id_ in ids:
            if id_ not in found:
                c.add(key, f"missing {key[:-1]} '{id_}': expected one each of {', '.join(ids)}")
            elif found.count(id_) > 1:
                c.add(key, f"duplicate {key[:-1]} '{id_}': expected one each of {', '.join(ids)}")


def _framework_of(data: dict, path: Path) -> tuple[Framework | None, list[Problem]]:
    """The framework a scenario file names (STAR by default), or the problem with it."""
    name = data.get("framework", DEFAULT_FRAMEWORK) if isinstance(data, dict) else DEFAULT_FRAMEWORK
    if not isinstance(name, str):
        return None, []  # the schema check reports the type
    try:
        return framework(name), []
    except FrameworkError as e:
        return None, [Problem(path, "framework", f"{e.message}: {e.fix}")]


def _check(data: dict, path: Path) -> list[Problem]:
    """Every problem of a parsed scenario file (empty when it is valid)."""
    fw, problems = _framework_of(data, path)
    fw = fw or framework()
    steps = fw.names
    c = _Checker(path, steps)
    c.problems.extend(problems)
    step_spec = {**_STEP, "name": ("step", "one of " + ", ".join(steps), True)}
    top_spec = {**_TOP, "steps": ("tables", f"{len(steps)} [[steps]] tables: {', '.join(steps)}", True)}
    top = c.table(data, top_spec, "")
    if "id" in top and top["id"] != path.stem:
        c.add("id", f"{top['id']!r} does not match the file name {path.name!r}: "
                    f"expected the file to be called {top['id']}.toml (or change the id)")

    # Steps: every step of the framework, once each, in its order.
    names: list[str] = []
    for i, step in enumerate(top.get("steps", []), 1):
        name = step.get("name")
        label = name if isinstance(name, str) and name in steps else str(i)
        valid = c.table(step, step_spec, f"steps[{label}]")
        if "name" in valid:
            names.append(valid["name"])
    if "steps" in top and len(names) == len(top["steps"]):
        for name in steps:
            if name not in names:
                c.add("steps", f"missing step '{name}': expected all of {', '.join(steps)}, "
                               "in that order")
        for name in sorted(set(names), key=steps.index):
            if names.count(name) > 1:
                c.add("steps", f"duplicate step '{name}': expected each step once")
        if sorted(set(names), key=names.index) != sorted(set(names), key=steps.index):
            c.add("steps", f"steps out of order ({', '.join(names)}): "
                           f"expected {', '.join(steps)}")

    _check_by_id(c, top, "levels", _LEVEL, tuple(LEVEL_NAMES))

    seen: dict[str, int] = {}
    for i, probe in enumerate(top.get("probes", []), 1):
        valid = c.table(probe, _PROBE, f"probes[{i}]")
        if "question" in valid:
            first = seen.setdefault(_norm(valid["question"]), i)
            if first != i:
                c.add(f"probes[{i}].question", f"duplicate probe: same question as probes[{first}]")

    weak = c.table(top["weak_answer"], _WEAK, "weak_answer") if "weak_answer" in top else {}
    for i, note in enumerate(weak.get("annotations", []), 1):
        valid = c.table(note, _ANNOTATION, f"weak_answer.annotations[{i}]")
        quote = valid.get("quote")
        if quote and "text" in weak and _norm(quote) not in _norm(weak["text"]):
            c.add(f"weak_answer.annotations[{i}].quote",
                  f"{quote!r} does not appear in weak_answer.text: expected {_ANNOTATION['quote'][1]}")

    _check_by_id(c, top, "modes", _MODE, tuple(MODE_NAMES))

    for i, question in enumerate(top.get("quiz", []), 1):
        valid = c.table(question, _QUIZ, f"quiz[{i}]")
        options = valid.get("options")
        if options is not None:
            if len(options) < 2:
                c.add(f"quiz[{i}].options", f"only {len(options)} option: expected {_QUIZ['options'][1]}")
            elif len({_norm(o) for o in options}) < len(options):
                c.add(f"quiz[{i}].options", f"two options are the same: expected {_QUIZ['options'][1]}")
        answer = valid.get("answer")
        if options is not None and answer is not None and not 1 <= answer <= len(options):
            c.add(f"quiz[{i}].answer", f"{answer} is out of range: expected the number of the right "
                                       f"option, 1 to {len(options)}")

    # A strong example must not say what the scenario calls a disqualifier.
    if "disqualifiers" in top and "steps" in top and not c.problems:
        for step in top["steps"]:
            for key in ("strong_example", "senior_example"):
                for phrase in top["disqualifiers"]:
                    if _norm(phrase) in _norm(step.get(key, "")):
                        c.add(f"steps[{step['name']}].{key}",
                              f"contains the disqualifier {phrase!r}: expected a strong example "
                              "free of this scenario's disqualifiers")
    return c.problems


def _build(data: dict, path: Path) -> Scenario:
    """The Scenario of a file that passed :func:`_check`."""
    weak = data["weak_answer"]
    return Scenario(
        framework=framework(data.get("framework", DEFAULT_FRAMEWORK)),
        id=data["id"],
        version=data["version"],
        title=data["title"],
        principles=tuple(data["principles"]),
        question=data["question"].strip(),
        overview=data["overview"].strip(),
        takeaways=data["takeaways"].strip(),
        steps=tuple(
            Step(
                name=s["name"],
                target_s=float(s["target_s"]),
                strong_example=s["strong_example"].strip(),
                key_phrases=tuple(s["key_phrases"]),
                coaching=s["coaching"].strip(),
                common_mistake=s["common_mistake"].strip(),
                senior_example=s.get("senior_example", "").strip(),
            )
            for s in data["steps"]
        ),
        levels=tuple(
            Level(
                id=lv["id"],
                name=LEVEL_NAMES[lv["id"]],
                guidance=lv["guidance"].strip(),
                reflection=lv["reflection"].strip(),
                bar=lv["bar"].strip(),
                budget_s=(float(lv["budget_s"][0]), float(lv["budget_s"][1])),
                budget_label=lv["budget_label"].strip(),
            )
            for lv in sorted(data["levels"], key=lambda lv: list(LEVEL_NAMES).index(lv["id"]))
        ),
        probes=tuple(
            Probe(**{k: p[k].strip() for k in _PROBE}) for p in data["probes"]
        ),
        weak_answer=WeakAnswer(
            text=weak["text"].strip(),
            annotations=tuple(
                Annotation(note=a["note"].strip(), quote=a["quote"].strip(), kind=a["kind"])
                for a in weak["annotations"]
            ),
            bar_raiser=weak["bar_raiser"].strip(),
        ),
        disqualifiers=tuple(data["disqualifiers"]),
        modes=tuple(
            Mode(
                id=m["id"],
                name=MODE_NAMES[m["id"]],
                lead_in=m["lead_in"].strip(),
                emphasize=m["emphasize"].strip(),
                downplay=m["downplay"].strip(),
            )
            for m in sorted(data["modes"], key=lambda m: list(MODE_NAMES).index(m["id"]))
        ),
        quiz=tuple(
            QuizQuestion(
                question=q["question"].strip(),
                options=tuple(q["options"]),
                answer=q["answer"] - 1,
                why=q["why"].strip(),
            )
            for q in data["quiz"]
        ),
        path=path,
    )


#: The largest scenario file read (the biggest bundled one is about 20 KB).
MAX_SCENARIO_BYTES = 1024 * 1024


def _read_limited(path: Path) -> tuple[bytes | None, list[Problem]]:
    """The file's bytes, refusing anything but a regular file of at most MAX_SCENARIO_BYTES.

    A FIFO or a device (``/dev/zero``) is refused before it is opened, so reading never blocks or
    runs without end; the size is checked again while reading, in case the file grows.
    """
    import stat

    try:
        info = path.stat()
    except OSError as e:
        return None, [Problem(path, "(file)", f"cannot read it: {e.strerror or e}")]
    if not stat.S_ISREG(info.st_mode):
        kind = ("a folder" if stat.S_ISDIR(info.st_mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(info.st_mode)
                else "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else "not a regular file")
        return None, [Problem(path, "(file)", f"{kind}, not a scenario file: give the path of a .toml file")]
    too_big = Problem(path, "(file)", f"{_size(info.st_size)}, too large for a scenario file "
                      f"(at most {_size(MAX_SCENARIO_BYTES)}): is it the right file?")
    if info.st_size > MAX_SCENARIO_BYTES:
        return None, [too_big]
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_SCENARIO_BYTES + 1)
    except OSError as e:
        return None, [Problem(path, "(file)", f"cannot read it: {e.strerror or e}")]
    if len(raw) > MAX_SCENARIO_BYTES:
        return None, [too_big]
    return raw, []


def _size(n: int) -> str:
    return f"{n / 1024**2:.1f} MB" if n >= 1024**2 else f"{n / 1024:.0f} KB"


def _parse(path: Path) -> tuple[dict | None, list[Problem]]:
    """Read and parse a TOML file: (data, []) or (None, [the problem]).

    A UTF-8 byte-order mark (some Windows editors write one) is accepted.
    """
    import tomllib

    raw, problems = _read_limited(path)
    if raw is None:
        return None, problems
    try:
        return tomllib.loads(raw.decode("utf-8-sig")), []
    except UnicodeDecodeError as e:
        return None, [Problem(path, "(file)", f"not UTF-8 text ({e.reason} at byte {e.start})")]
    except tomllib.TOMLDecodeError as e:
        # Python 3.11's message ends "(at line 3, column 8)" or "(at end of document)".
        text = str(e)
        where = re.search(r"\(at line (\d+), column (\d+)\)$", text)
        if where:
            line, col = int(where.group(1)), int(where.group(2))
            reason = text[: where.start()].strip()
            return None, [Problem(path, f"line {line}",
                                  f"malformed TOML: {reason} (line {line}, column {col})", line)]
        if text.endswith("(at end of document)"):
            line = raw.decode("utf-8-sig").count("\n") + 1
            reason = text.removesuffix("(at end of document)").strip()
            return None, [Problem(path, f"line {line}",
                                  f"malformed TOML: {reason} (at the end of the file)", line)]
        return None, [Problem(path, "(file)", f"malformed TOML: {text}")]


def check_file(path: str | Path) -> tuple[Scenario | None, list[Problem]]:
    """Load one file without raising: (the scenario, []) or (None, its problems)."""
    path = Path(path)
    data, problems = _parse(path)
    if data is not None:
        problems = _check(data, path)
    if problems:
        return None, problems
    return _build(data, path), []


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate one scenario file.

    Raises:
        ScenarioInvalid: The file cannot be read, is not TOML or fails the schema; the message
            lists every problem as ``path: field: what was expected``.
    """
    scenario, problems = check_file(path)
    if problems:
        raise ScenarioInvalid(Path(path), problems)
    return scenario


def _toml_files(dirs: list[Path]) -> list[Path]:
    files: list[Path] = []
    for folder in dirs:
        if folder.is_dir():
            files.extend(sorted(folder.glob("*.toml")))
    return files


def scan(dirs: list[Path] | None = None) -> ScenarioLibrary:
    """Load every scenario in ``dirs`` (default :func:`starcoach.paths.scenario_dirs`), leniently.

    Invalid files and duplicated ids do not stop the scan; they are returned as problems, so
    one half-written file of the user's does not hide the others.

    A file in a later folder replaces a scenario with the same id from an earlier one (the user's
    folder comes after the bundled bank, so the user's copy of a bundled question wins; its
    :attr:`Scenario.replaces` names the bundled file, so every command can say so). Two files
    with one id in the same folder are a problem (the first one found is used).
    """
    if dirs is None:
        dirs = scenario_dirs()
    found: dict[str, Scenario] = {}
    folder_of: dict[str, int] = {}
    problems: list[Problem] = []
    for rank, folder in enumerate(Path(d) for d in dirs):
        for path in _toml_files([folder]):
            scenario, file_problems = check_file(path)
            problems.extend(file_problems)
            if scenario is None:
                continue
            if scenario.id in found:
                earlier = found[scenario.id]
                if folder_of[scenario.id] == rank or earlier.path is None or earlier.path.resolve() == path.resolve():
                    problems.append(Problem(path, "id", f"duplicate id {scenario.id!r}: "
                                            f"{earlier.path} has it too; ids must be unique"))
                    continue
                scenario = dataclasses.replace(scenario, replaces=str(earlier.replaces or earlier.path))
            found[scenario.id] = scenario
            folder_of[scenario.id] = rank
    return ScenarioLibrary(tuple(sorted(found.values(), key=lambda s: s.id)), tuple(problems))


def load_all(dirs: list[Path] | None = None) -> list[Scenario]:
    """Every scenario in ``dirs`` (default :func:`starcoach.paths.scenario_dirs`), sorted by id.

    Raises:
        ScenarioInvalid: A file is invalid or two files share an id (all problems listed).
    """
    library = scan(dirs)
    if library.problems:
        files = {p.path for p in library.problems}
        raise ScenarioInvalid(files.pop() if len(files) == 1 else None, list(library.problems))
    return list(library.scenarios)


def scenario_files(paths: list[str | Path]) -> list[Path]:
    """The files ``paths`` name: each file as given, each folder's ``*.toml`` files sorted."""
    files: list[Path] = []
    for p in map(Path, paths):
        files.extend(_toml_files([p]) if p.is_dir() else [p])
    return files


def validate_files(paths: list[str | Path]) -> list[Problem]:
    """Every problem in the given files and folders (a folder means its ``*.toml`` files).

    Also reports ids shared by two of the files, and folders without scenario files. An empty
    list means all are valid.
    """
    problems = [Problem(Path(p), "(folder)", "no *.toml files in this folder")
                for p in paths if Path(p).is_dir() and not _toml_files([Path(p)])]
    files = scenario_files(paths)
    owners: dict[str, Path] = {}
    for path in files:
        scenario, file_problems = check_file(path)
        problems.extend(file_problems)
        if scenario is not None:
            if scenario.id in owners and owners[scenario.id].resolve() != path.resolve():
                problems.append(Problem(path, "id", f"duplicate id {scenario.id!r}: "
                                        f"{owners[scenario.id]} has it too; ids must be unique"))
            owners.setdefault(scenario.id, path)
    return problems


def find_scenario(id_or_path: str | Path) -> Scenario:
    """The scenario with this id (searched in :func:`starcoach.paths.scenario_dirs`), or the
    scenario in this ``.toml`` file.

    Raises:
        ScenarioNotFound: No scenario has the id; the message lists close matches and all ids.
        ScenarioInvalid: The file (given, or the one named after the id) fails the schema.
    """
    text = str(id_or_path)
    if text.endswith(".toml") or "/" in text or Path(text).is_file():
        path = Path(text).expanduser()
        if not path.exists():
            raise ScenarioNotFound(f"No scenario file {text}",
                                   "check the path, or give a scenario id (starcoach scenarios)")
        return load_scenario(path)
    library = scan()
    for scenario in library.scenarios:
        if scenario.id == text:
            return scenario
    broken = [p for p in library.problems if p.path.stem == text]
    if broken:
        raise ScenarioInvalid(broken[0].path, [p for p in broken if p.path == broken[0].path])
    ids = library.ids
    close = difflib.get_close_matches(text, ids, n=3, cutoff=0.5)
    close += [i for i in ids if text.lower() in i and i not in close][: 3 - len(close)]
    fix = f"did you mean {', '.join(close)}? " if close else ""
    fix += f"Available: {', '.join(ids)}" if ids else "No scenarios found in the scenario folders"
    raise ScenarioNotFound(f"No scenario with id {text!r}", fix)


def resolve_principle(name: str) -> str:
    """The leadership principle a loosely written name means.

    Case, hyphens, punctuation and "&" for "and" do not matter ("dive deep", "Dive-Deep"); a
    unique part also works ("curious" -> "Learn and Be Curious").

    Raises:
        ScenarioError: No principle or more than one matches; the message lists them.
    """
    wanted = _norm(name)
    by_norm = {_norm(p): p for p in LEADERSHIP_PRINCIPLES}
    if wanted in by_norm:
        return by_norm[wanted]
    partial = [p for n, p in by_norm.items() if wanted and f" {wanted} " in f" {n} "]
    if len(partial) == 1:
        return partial[0]
    if len(partial) > 1:
        raise ScenarioError(f"Principle {name!r} is ambiguous",
                            f"it matches {', '.join(partial)}; give more of the name")
    close = difflib.get_close_matches(wanted, list(by_norm), n=1, cutoff=0.6)
    fix = f"did you mean {by_norm[close[0]]!r}? " if close else ""
    raise ScenarioError(f"Unknown leadership principle {name!r}",
                        fix + f"expected one of {_PRINCIPLE_LIST}")


def with_principle(scenarios: list[Scenario], principle: str) -> list[Scenario]:
    """The scenarios that target ``principle`` (as primary or secondary), resolved loosely."""
    wanted = resolve_principle(principle)
    return [s for s in scenarios if wanted in s.principles]


_TEMPLATE = '''\
# Scenario {id}: one behavioural question with everything starcoach needs to coach it.
# Replace every "FILL IN" text, then check with:  starcoach scenarios validate {file}
# The format, field by field, is in scenarios/README.md; the seed scenario
# learn-and-be-curious-proactive-learning.toml is a complete example.
# Long texts may use """triple-quoted""" strings; a backslash at a line end joins the lines.

id = "{id}"          # must match the file name ({id}.toml)
version = "1"        # bump when you change the content; sessions record it
title = "FILL IN: a short title of the story, for lists"
# Amazon's Leadership Principles this question targets, the primary first, spelled as in
# starcoach.scenario.LEADERSHIP_PRINCIPLES (e.g. "Learn and Be Curious", "Ownership").
principles = ["FILL IN: the primary leadership principle"]
question = "FILL IN: the interview question, as the interviewer asks it"
overview = "FILL IN: the story in one paragraph, in the first person"
takeaways = "FILL IN: what makes the strong answer strong (the walkthrough's summary)"
# Phrases that sink an answer to THIS question (hand-offs, assignments, "we" credit...).
# A strong example must not contain any of them.
disqualifiers = ["FILL IN: a phrase that sinks this answer"]

# The five STAR steps, in this order: situation, task, action, result, reflection.
# target_s is the target speaking time in seconds (the seed uses 30/20/90/20/15).
[[steps]]
name = "situation"
target_s = 30
strong_example = "FILL IN: what a strong situation sounds like"
key_phrases = ["FILL IN: a phrase of the strong example a good answer conveys"]
coaching = "FILL IN: the one-line coaching tip for this step"
common_mistake = "FILL IN: the mistake candidates most often make here"

[[steps]]
name = "task"
target_s = 20
strong_example = "FILL IN: what a strong task sounds like (state the scope boundary)"
key_phrases = ["FILL IN: a key phrase"]
coaching = "FILL IN: the coaching tip"
common_mistake = "FILL IN: the common mistake"

[[steps]]
name = "action"
target_s = 90
strong_example = "FILL IN: what you did, one 'I' sentence per action"
key_phrases = ["FILL IN: a key phrase, e.g. an 'I ...' verb"]
coaching = "FILL IN: the coaching tip"
common_mistake = "FILL IN: the common mistake"

[[steps]]
name = "result"
target_s = 20
strong_example = "FILL IN: the result with a metric delta, business impact and second-order effect"
key_phrases = ["FILL IN: a key phrase with a number"]
coaching = "FILL IN: the coaching tip"
common_mistake = "FILL IN: the common mistake"

[[steps]]
name = "reflection"
target_s = 15
strong_example = "FILL IN: a specific, story-related reflection"
# senior_example = "an optional senior-level version of the strong example"
key_phrases = ["FILL IN: a key phrase"]
coaching = "FILL IN: the coaching tip"
common_mistake = "FILL IN: the common mistake"

# One table per level: sde1, sde2, senior. budget_s is [min, max] seconds for the whole answer.
[[levels]]
id = "sde1"
guidance = "FILL IN: how to pitch the story at SDE1"
reflection = "FILL IN: a model SDE1 reflection"
bar = "FILL IN: the SDE1 bar"
budget_s = [105, 135]
budget_label = "Keep to 2 minutes."

[[levels]]
id = "sde2"
guidance = "FILL IN: how to pitch the story at SDE2"
reflection = "FILL IN: a model SDE2 reflection"
bar = "FILL IN: the SDE2 bar"
budget_s = [120, 150]
budget_label = "About 2-2.5 minutes."

[[levels]]
id = "senior"
guidance = "FILL IN: how to pitch the story at Senior SDE"
reflection = "FILL IN: a model Senior SDE reflection"
bar = "FILL IN: the Senior SDE bar"
budget_s = [150, 180]
budget_label = "2.5-3 minutes."

# Follow-up probes, in the order the interviewer asks them (copy the table for more; the
# question bank has at least three per scenario). Questions must differ.
[[probes]]
question = "FILL IN: the follow-up question"
probes = "FILL IN: what the question tests"
weak_answer = "FILL IN: a typical weak answer"
weak_why = "FILL IN: why it is weak"
strong_answer = "FILL IN: a strong answer"
key_line = "FILL IN: the line that carries the strong answer"

# The annotated weak answer and what the Bar Raiser thinks of it.
[weak_answer]
text = "FILL IN: the weak answer, as a candidate would say it"
bar_raiser = "FILL IN: the Bar Raiser's read"

# One table per annotation. quote: words copied from weak_answer.text, or "" when the note is
# about the whole answer. kind: the finding that should flag it, one of
# {kinds}.
[[weak_answer.annotations]]
note = "FILL IN: the annotation"
quote = ""
kind = "FILL IN: the annotation kind"

# The three preparation modes: ownership, dive-deep, deliver-results.
[[modes]]
id = "ownership"
lead_in = "FILL IN: how to open the story when leading with Ownership"
emphasize = "FILL IN: what to emphasize"
downplay = "FILL IN: what to downplay"

[[modes]]
id = "dive-deep"
lead_in = "FILL IN: how to open the story when leading with Dive Deep"
emphasize = "FILL IN: what to emphasize"
downplay = "FILL IN: what to downplay"

[[modes]]
id = "deliver-results"
lead_in = "FILL IN: how to open the story when leading with Deliver Results"
emphasize = "FILL IN: what to emphasize"
downplay = "FILL IN: what to downplay"

# Quiz questions (copy the table for more). answer is the number of the right option, from 1.
[[quiz]]
question = "FILL IN: the quiz question"
options = [
    "FILL IN: option 1",
    "FILL IN: option 2",
    "FILL IN: option 3",
    "FILL IN: option 4",
]
answer = 0
why = "FILL IN: why the right option is right and the others are not"
'''


def template(scenario_id: str) -> str:
    """A commented scenario file for ``scenario_id`` to fill in.

    Every text to write reads "FILL IN: ..." and the quiz answer is 0, so the file fails
    validation ("not filled in yet") until the author has replaced them all.

    Raises:
        ScenarioError: ``scenario_id`` is not lowercase words joined by hyphens.
    """
    if not _ID_RE.match(scenario_id):
        raise ScenarioError(f"Invalid scenario id {scenario_id!r}",
                            "use lowercase words joined by hyphens, e.g. dive-deep-latency-spike")
    return _TEMPLATE.format(id=scenario_id, file=f"{scenario_id}.toml",
                            kinds=", ".join(ANNOTATION_KINDS))
