"""The finding types: one registry, read from ``data/findings.toml``, that everything consults.

A finding's type (``filler``, ``timing`` ...) or, for a disqualifier, its family (``assigned``,
``routing`` ...) names one :class:`FindingType`: its label, default coaching line, severity, rank
bonus in the run summary, the text shown when it is about something missing, which part of the
Bar Raiser read it sinks, whether a scenario annotation may name it, and how its words are
highlighted. The analysis, the summary, the feedback panel, the reports and the scenario schema
all read it here, so adding a finding type is a detector plus one row of the data file.

    >>> finding_type("team-credit").label
    'Team credit'
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from starcoach.errors import StarcoachError

SEVERITIES: tuple[str, ...] = ("high", "medium", "low", "info")
_SINKS = ("ownership", "impact")


class FindingTypesError(StarcoachError):
    """``data/findings.toml`` is malformed."""


@dataclass(frozen=True)
class FindingType:
    """One row of the registry.

    Attributes:
        id: The type or family id.
        label: What a person reads ("Hand-off").
        coaching: The default coaching line ("" if none).
        severity: The fixed severity, or "" where the detector decides.
        bonus: Extra rank weight in the run summary.
        missing: Text for a finding about something absent ("" if none).
        sinks: ``ownership``, ``impact`` or "".
        annotation: Whether a scenario's weak-answer annotation may name it.
        highlight: Rich style of its words in a transcript ("" if not highlighted).
        list: The :class:`~starcoach.analysis.model.Analysis` list holding its words.
        legend: Its word in the colour legend.
        gap: How the Bar Raiser's headline names it when it is the decisive gap, ``{q}`` standing
            for the words said ("hands the problem off ({q})"); "" for kinds that sink nothing.
    """

    id: str
    label: str
    coaching: str = ""
    severity: str = ""
    bonus: float = 0.0
    missing: str = ""
    sinks: str = ""
    annotation: bool = False
    highlight: str = ""
    list: str = ""
    legend: str = ""
    gap: str = ""


@dataclass(frozen=True)
class Registry:
    """Every finding type, and the highlight order."""

    types: dict[str, FindingType]
    highlight_order: tuple[str, ...]


_FIELDS = {"label": str, "coaching": str, "severity": str, "bonus": (int, float), "missing": str, "sinks": str,
           "annotation": bool, "highlight": str, "list": str, "legend": str, "gap": str}


@lru_cache(maxsize=1)
def registry() -> Registry:
    """The registry of ``starcoach/data/findings.toml`` (loaded and checked once)."""
    name = "findings.toml"
    try:
        raw = tomllib.loads(resources.files("starcoach.data").joinpath(name).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise FindingTypesError(f"Cannot read starcoach/data/{name}: {e}", "restore it from git or reinstall") from e
    types: dict[str, FindingType] = {}
    for type_id, row in raw.get("type", {}).items():
        where = f"{name}: type.{type_id}"
        for key, value in row.items():
            if key not in _FIELDS:
                raise FindingTypesError(f"{where} has unknown key {key!r}", f"expected one of {', '.join(_FIELDS)}")
            if not isinstance(value, _FIELDS[key]) or (key == "bonus" and isinstance(value, bool)):
                raise FindingTypesError(f"{where}.{key} = {value!r} has the wrong type", "see the file's header")
        if "label" not in row:
            raise FindingTypesError(f"{where} has no label", "add label = \"...\"")
        if row.get("severity", "") not in ("", *SEVERITIES):
            raise FindingTypesError(f"{where}.severity = {row['severity']!r}", f"expected one of {', '.join(SEVERITIES)}")
        if row.get("sinks", "") not in ("", *_SINKS):
            raise FindingTypesError(f"{where}.sinks = {row['sinks']!r}", f"expected one of {', '.join(_SINKS)}")
        if bool(row.get("highlight")) != bool(row.get("list")) or bool(row.get("highlight")) != bool(row.get("legend")):
            raise FindingTypesError(f"{where} needs highlight, list and legend together", "give all three or none")
        types[type_id] = FindingType(id=type_id, **{**row, "bonus": float(row.get("bonus", 0.0))})
    order = tuple(raw.get("highlight", {}).get("order", ()))
    highlighted = {t.id for t in types.values() if t.highlight}
    if set(order) != highlighted:
        raise FindingTypesError(f"{name}: highlight.order {list(order)} does not list exactly the highlighted types",
                                f"list {', '.join(sorted(highlighted))}")
    return Registry(types, order)


def finding_type(type_id: str) -> FindingType:
    """The row for ``type_id``; an id without a row reads as itself ("pace-drift" -> "Pace drift")."""
    row = registry().types.get(type_id)
    if row is None:
        return FindingType(type_id, type_id.replace("-", " ").capitalize())
    return row


def coaching_for(type_id: str) -> str:
    """The default coaching line of a type or family ("" if none)."""
    return finding_type(type_id).coaching


def severity_of(type_id: str) -> str:
    """The fixed severity of a type (raises for a type whose detector decides: a data error)."""
    severity = finding_type(type_id).severity
    if not severity:
        raise FindingTypesError(f"findings.toml: type.{type_id} has no severity", "add severity = \"...\"")
    return severity


def highlighted_types() -> list[FindingType]:
    """The types whose words are styled in a transcript, lowest priority first."""
    reg = registry()
    return [reg.types[t] for t in reg.highlight_order]


def annotation_kinds() -> tuple[str, ...]:
    """The kinds a scenario's weak-answer annotation may name, in the file's order."""
    return tuple(t.id for t in registry().types.values() if t.annotation)


def sinking(part: str) -> frozenset[str]:
    """The kinds that count against ``ownership`` or ``impact`` in the Bar Raiser read."""
    return frozenset(t.id for t in registry().types.values() if t.sinks == part)
