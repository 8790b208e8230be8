"""The analysis's data files: word classes (``data/lexicon.toml``) and the disqualifier families
(``data/disqualifiers.toml``), loaded once and validated.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from starcoach.errors import StarcoachError
from starcoach.findings import registry

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
LEXICON_FILE = DATA_DIR / "lexicon.toml"
DISQUALIFIERS_FILE = DATA_DIR / "disqualifiers.toml"
SIGNALS_FILE = DATA_DIR / "signals.toml"


class AnalysisDataError(StarcoachError):
    """A data file of the analysis is missing or malformed."""


class Lexicon:
    """Word classes by name, as frozensets (``lex.people``, ``lex["stative_verbs"]``)."""

    def __init__(self, classes: dict[str, frozenset[str]], synonyms: dict[str, frozenset[str]] | None = None,
                 tables: dict[str, Any] | None = None) -> None:
        self._classes = classes
        self.synonyms: dict[str, frozenset[str]] = synonyms or {}
        self._tables = tables or {}
        for name, words in classes.items():  # plain attributes: ``lex.people`` is read in every loop
            if not hasattr(type(self), name):
                self.__dict__[name] = words

    def table(self, name: str) -> Any:
        """A table or ordered list of ``[tables]``, as written (``lex.table("units")["one"] == 1``)."""
        try:
            return self._tables[name]
        except KeyError:
            raise AnalysisDataError(f"No tables.{name} in {LEXICON_FILE.name}", "restore the file from git") from None

    def similar(self, word: str) -> frozenset[str]:
        """``word`` and its synonyms (the ``[synonyms]`` groups it belongs to)."""
        return self.synonyms.get(word, frozenset()) | {word}

    def __getattr__(self, name: str) -> frozenset[str]:
        try:
            return self._classes[name]
        except KeyError:
            raise AttributeError(f"no word class {name!r} in {LEXICON_FILE.name}") from None

    def __getitem__(self, name: str) -> frozenset[str]:
        return self._classes[name]

    def __contains__(self, name: str) -> bool:
        return name in self._classes

    def names(self) -> list[str]:
        return sorted(self._classes)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError as e:
        raise AnalysisDataError(f"Missing analysis data file {path}", "reinstall starcoach (pip install -e .)") from e
    except tomllib.TOMLDecodeError as e:
        raise AnalysisDataError(f"{path} is not valid TOML: {e}", "fix the file or restore it from git") from e


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The word classes of ``data/lexicon.toml``."""
    raw = _read_toml(LEXICON_FILE)
    classes: dict[str, frozenset[str]] = {}
    synonyms: dict[str, set[str]] = {}
    tables = raw.pop("tables", {})
    for head, words in raw.pop("synonyms", {}).items():
        group = {head.lower(), *(w.lower() for w in words)}
        for w in group:
            synonyms.setdefault(w, set()).update(group)
    for name, words in raw.items():
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise AnalysisDataError(f"{LEXICON_FILE}: {name} must be a list of words", "write it as [\"word\", ...]")
        classes[name] = frozenset(w.lower() for w in words)
    return Lexicon(classes, {w: frozenset(g) for w, g in synonyms.items()}, tables)


@dataclass(frozen=True)
class PatternRule:
    """One pattern of a disqualifier family.

    Attributes:
        id: Unique id ("assigned/boss-asked-me").
        family: The family it belongs to.
        matcher: ``token`` (spaCy Matcher) or ``dep`` (DependencyMatcher).
        pattern: The spaCy pattern, with ``$class`` references expanded.
        roles: Roles of the steps it applies to (``outcome``, ``lesson``, ``probe`` ...; empty:
            every step).
        keep_negated: Match negated clauses too ("never give up"); by default a negated match
            ("nobody asked me to") is dropped.
        unless_measured: Drop the match when its sentence measures the outcome with a quantity
            ("the launch went fine: zero errors at 3x peak"); a number given only as the reason
            ("went fine because I load-tested it to 3x") does not measure it.
        by_candidate: Keep the match only when the clause it belongs to is the candidate's (its
            subject is I or we, or it has none): "I fixed them like my manager asked" is assigned,
            "other teams adopted it at our director's request" is not.
    """

    id: str
    family: str
    matcher: str
    pattern: list[Any]
    roles: tuple[str, ...] = ()
    keep_negated: bool = False
    unless_measured: bool = False
    by_candidate: bool = False


@dataclass(frozen=True)
class Family:
    """A family of patterns: a disqualifier's detector (its label, coaching and severity are its row
    of the finding-type registry, :mod:`starcoach.findings`) or a positive signal.

    Attributes:
        id: The family id (the finding kind of a disqualifier).
        title: What the family is (signals document themselves with it; "" when not given).
        roles: Roles of the steps its patterns apply to (empty: every step).
        rules: Its patterns.
    """

    id: str
    title: str
    roles: tuple[str, ...]
    rules: tuple[PatternRule, ...]


def _expand(value: Any, lex: Lexicon, where: str) -> Any:
    """Replace ``"$class"`` strings by the word list of that class (for IN / NOT_IN)."""
    if isinstance(value, str) and value.startswith("$"):
        name = value[1:]
        if name not in lex:
            raise AnalysisDataError(f"{where} names unknown word class {value}",
                                    f"expected one of {', '.join(lex.names())}")
        return sorted(lex[name])
    if isinstance(value, list):
        if any(isinstance(v, str) and v.startswith("$") for v in value):
            # ["$people", "$teams", "they"]: the union of the classes and the plain words
            words: set[str] = set()
            for v in value:
                expanded = _expand(v, lex, where)
                words.update(expanded if isinstance(expanded, list) else [expanded])
            return sorted(words)
        return [_expand(v, lex, where) for v in value]
    if isinstance(value, dict):
        return {k: _expand(v, lex, where) for k, v in value.items()}
    return value


def _load_families(path: Path) -> tuple[Family, ...]:
    raw = _read_toml(path)
    lex = lexicon()
    families = []
    for fam_id, spec in raw.get("family", {}).items():
        where = f"{path.name}: family.{fam_id}"
        fam_roles = tuple(spec.get("roles", ()))
        rules = []
        for i, rule in enumerate(spec.get("pattern", []), 1):
            kind = "dep" if "dep" in rule else "token"
            pattern = rule.get(kind)
            if not isinstance(pattern, list) or not pattern:
                raise AnalysisDataError(f"{where}.pattern[{i}] has no token or dep list",
                                        "give token = [...] (Matcher) or dep = [...] (DependencyMatcher)")
            rules.append(PatternRule(
                id=f"{fam_id}/{rule.get('id', i)}", family=fam_id, matcher=kind,
                pattern=_expand(pattern, lex, f"{where}.pattern[{i}]"),
                roles=tuple(rule.get("roles", fam_roles)),
                keep_negated=bool(rule.get("keep_negated", spec.get("keep_negated", False))),
                unless_measured=bool(rule.get("unless_measured", spec.get("unless_measured", False))),
                by_candidate=bool(rule.get("by_candidate", spec.get("by_candidate", False))),
            ))
        families.append(Family(fam_id, str(spec.get("title", "")), fam_roles, tuple(rules)))
    return tuple(families)


@lru_cache(maxsize=1)
def disqualifier_families() -> tuple[Family, ...]:
    """The general disqualifier families of ``data/disqualifiers.toml`` (each has its row in the
    finding-type registry: a family without one is a data error)."""
    families = _load_families(DISQUALIFIERS_FILE)
    for fam in families:
        row = registry().types.get(fam.id)
        if row is None or not row.coaching or not row.severity:
            raise AnalysisDataError(f"{DISQUALIFIERS_FILE.name}: family.{fam.id} has no row with coaching and "
                                    "severity in findings.toml", f"add [type.{fam.id}] to starcoach/data/findings.toml")
    return families


@lru_cache(maxsize=1)
def signal_families() -> tuple[Family, ...]:
    """The positive signals of ``data/signals.toml`` (scope boundary, self-initiation, validation,
    adoption by others, organisational insight)."""
    return _load_families(SIGNALS_FILE)


def family(fam_id: str) -> Family | None:
    """The family with id ``fam_id`` (None if the data file has none)."""
    for fam in disqualifier_families():
        if fam.id == fam_id:
            return fam
    return None
