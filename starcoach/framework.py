"""Interview frameworks as data: STAR (+ Reflection) first, any other (CAR, SOAR ...) as another file.

A framework is the ordered list of steps an answer moves through (``data/frameworks/star.toml``):
each step's name, title, badge, default target, *roles* (what the step is for: ``setting``,
``scope``, ``actions``, ``outcome``, ``lesson``), the step checks required of it, its typical
share of a whole answer and the cues whole-answer mode splits on. The analysis, the summary, the
run and the views read steps from here and act on roles, so no code names a step; a scenario
picks its framework with ``framework = "id"`` (default ``star``).

Frameworks are found in the package (``starcoach/data/frameworks``) and in
``<data dir>/frameworks`` for your own (``STARCOACH_FRAMEWORKS``, a path list, replaces the latter).

Also here: the principles, levels and preparation modes scenarios are written for
(``data/principles.toml``).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from starcoach.errors import FrameworkError
from starcoach.paths import data_dir

#: The framework a scenario uses when it names none.
DEFAULT_FRAMEWORK = "star"

#: What a step can be for; the analysis and the summary act on these.
ROLES: tuple[str, ...] = ("setting", "scope", "actions", "outcome", "lesson")

#: The step checks a step can require (see starcoach/analysis/answer.py).
CHECKS: tuple[str, ...] = ("scope_boundary", "individual_contribution", "business_impact", "second_order",
                           "reflection_specific", "org_insight_at_senior")

_ID_RE = re.compile(r"^[a-z][a-z0-9-]*$")


@dataclass(frozen=True)
class FrameworkStep:
    """One step of a framework.

    Attributes:
        name: The step id (``situation``).
        title: What a person reads (``Situation``).
        badge: A short mark for tables (``S``).
        target_s: The default target time.
        roles: What the step is for (see :data:`ROLES`).
        checks: The step checks required of an answer to it (see :data:`CHECKS`).
        share: Typical share of a whole answer (relative weight).
        cues: Whole-answer mode: (compiled pattern, weight) pairs.
    """

    name: str
    title: str
    badge: str
    target_s: float
    roles: tuple[str, ...]
    checks: tuple[str, ...]
    share: float
    cues: tuple[tuple[re.Pattern, float], ...]


@dataclass(frozen=True)
class Framework:
    """An interview framework: its steps in answer order.

    Attributes:
        id: ``star``, ``car`` ...
        name: What a person reads.
        steps: The steps, in the order a candidate answers them.
        openers: Phrases that open a step even after a comma ("as a result", "looking back").
        path: The file it was read from.
    """

    id: str
    name: str
    steps: tuple[FrameworkStep, ...]
    openers: tuple[str, ...] = ()
    path: Path | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The step names, in order."""
        return tuple(s.name for s in self.steps)

    def step(self, name: str) -> FrameworkStep:
        """The step called ``name``.

        Raises:
            KeyError: no such step.
        """
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(name)

    def title(self, name: str) -> str:
        """A step's title; other labels read as themselves (``answer`` -> ``Whole answer``)."""
        for s in self.steps:
            if s.name == name:
                return s.title
        if name == "answer":
            return "Whole answer"
        if name.startswith("probe-"):
            return f"Probe {name.split('-', 1)[1]}"
        return name.replace("-", " ").capitalize()

    def with_role(self, role: str) -> str | None:
        """The first step that has ``role`` (None if the framework has none)."""
        for s in self.steps:
            if role in s.roles:
                return s.name
        return None

    def has_role(self, name: str, role: str) -> bool:
        """Whether step ``name`` has ``role`` (False for a probe or an unknown step)."""
        return any(s.name == name and role in s.roles for s in self.steps)

    def requires(self, name: str, check: str) -> bool:
        """Whether step ``name`` requires ``check`` of an answer."""
        return any(s.name == name and check in s.checks for s in self.steps)


def framework_dirs() -> list[Path]:
    """Folders searched for ``<id>.toml`` framework files: the package's, then the user's."""
    dirs = [Path(str(resources.files("starcoach").joinpath("data", "frameworks"))).resolve()]
    env = os.environ.get("STARCOACH_FRAMEWORKS")
    if env:
        dirs += [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    else:
        dirs.append(data_dir(create=False) / "frameworks")
    return dirs


def available_frameworks() -> list[str]:
    """Ids of every framework file found."""
    return sorted({p.stem for d in framework_dirs() if d.is_dir() for p in d.glob("*.toml")})


def framework(framework_id: str = DEFAULT_FRAMEWORK) -> Framework:
    """The framework called ``framework_id`` (its file read and checked once per location).

    Raises:
        FrameworkError: no such framework, or its file is malformed (the field is named).
    """
    for folder in reversed(framework_dirs()):  # the user's file wins over a bundled one
        path = folder / f"{framework_id}.toml"
        if path.is_file():
            return _load(path, path.stat().st_mtime_ns)
    raise FrameworkError(f"Unknown interview framework {framework_id!r}",
                         f"expected one of {', '.join(available_frameworks())}, or add {framework_id}.toml "
                         f"to {framework_dirs()[-1]}", param="framework", value=framework_id)


@lru_cache(maxsize=32)
def _load(path: Path, _mtime_ns: int) -> Framework:
    where = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise FrameworkError(f"Cannot read framework file {where}: {e}", "fix it or remove it") from e

    def bad(field: str, expected: str) -> FrameworkError:
        return FrameworkError(f"{where}: {field} is not valid", f"expected {expected}", field=field)

    if raw.get("id") != path.stem or not _ID_RE.match(str(raw.get("id"))):
        raise bad("id", f"the file name without .toml ({path.stem!r})")
    steps = []
    for i, s in enumerate(raw.get("step") or [], 1):
        at = f"step[{i}]"
        if not isinstance(s.get("name"), str) or not _ID_RE.match(s["name"]) or s["name"] in ("answer", "probe"):
            raise bad(f"{at}.name", "lowercase words joined by hyphens (not 'answer' or 'probe')")
        for key in ("title", "badge"):
            if not isinstance(s.get(key), str) or not s[key].strip():
                raise bad(f"{at}.{key}", "text")
        for key in ("target_s", "share"):
            if not isinstance(s.get(key), (int, float)) or isinstance(s.get(key), bool) or s[key] <= 0:
                raise bad(f"{at}.{key}", "a number above 0")
        roles, checks = s.get("roles", []), s.get("checks", [])
        if not isinstance(roles, list) or any(r not in ROLES for r in roles):
            raise bad(f"{at}.roles", f"a list of {', '.join(ROLES)}")
        if not isinstance(checks, list) or any(c not in CHECKS for c in checks):
            raise bad(f"{at}.checks", f"a list of {', '.join(CHECKS)}")
        cues = []
        for j, cue in enumerate(s.get("cues", []), 1):
            try:
                pattern, weight = cue
                cues.append((re.compile(pattern), float(weight)))
            except (TypeError, ValueError, re.error) as e:
                raise bad(f"{at}.cues[{j}]", "[regular expression, weight]") from e
        steps.append(FrameworkStep(s["name"], s["title"].strip(), s["badge"].strip(), float(s["target_s"]),
                                   tuple(roles), tuple(checks), float(s["share"]), tuple(cues)))
    if not steps:
        raise bad("step", "at least one [[step]] table")
    if len({s.name for s in steps}) != len(steps):
        raise bad("step", "each step name once")
    openers = raw.get("openers", [])
    if not isinstance(openers, list) or not all(isinstance(o, str) for o in openers):
        raise bad("openers", "a list of phrases")
    return Framework(raw["id"], str(raw.get("name") or raw["id"]), tuple(steps), tuple(o.lower() for o in openers),
                     path)


def steps_with_role(role: str) -> frozenset[str]:
    """The names of the steps that have ``role`` in any framework found (for views across sessions
    of several frameworks)."""
    names = set()
    for framework_id in available_frameworks():
        try:
            names.update(s.name for s in framework(framework_id).steps if role in s.roles)
        except FrameworkError:
            continue  # a broken user file is reported where a scenario names it
    return frozenset(names)


def step_titles() -> dict[str, str]:
    """Step name -> title over every framework found (the default framework's first), for views
    that show sessions of any framework."""
    titles: dict[str, str] = {}
    for framework_id in [DEFAULT_FRAMEWORK, *available_frameworks()]:
        try:
            for s in framework(framework_id).steps:
                titles.setdefault(s.name, s.title)
        except FrameworkError:
            continue
    return titles


@dataclass(frozen=True)
class Principles:
    """What scenarios are written for (``data/principles.toml``).

    Attributes:
        principles: The principles a scenario may target, in their canonical order.
        levels: Level id -> display name, in order of seniority.
        modes: Preparation-mode id -> display name.
    """

    principles: tuple[str, ...]
    levels: dict[str, str]
    modes: dict[str, str]


@lru_cache(maxsize=1)
def principles() -> Principles:
    """The principles, levels and modes of ``data/principles.toml``."""
    raw = tomllib.loads(resources.files("starcoach.data").joinpath("principles.toml").read_text(encoding="utf-8"))
    return Principles(tuple(raw["principles"]), dict(raw["levels"]), dict(raw["modes"]))
