"""Reading findings out of an analysis JSON, whatever its age.

The analysis issue's JSON carries ``findings`` (objects with ``text`` and, where known, ``type`` or
``kind``, ``start``/``end`` character offsets, ``start_s``/``end_s`` seconds, ``coaching``). Older or
partial analyses may only have the per-family lists (``fillers``, ``handoffs``, ...); this module
turns either into :class:`Finding` objects so every view reads them the same way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

#: Per-family lists of the analysis JSON that count as findings when ``findings`` is absent,
#: with the finding type each becomes.
FAMILY_TYPES: dict[str, str] = {
    "disqualifiers": "disqualifier",
    "handoffs": "handoff",
    "we_statements": "we-statement",
    "other_statements": "other-statement",
    "passive_statements": "passive",
    "fillers": "filler",
    "hedges": "hedge",
}

#: Counters of the analysis JSON that the index and progress keep per step.
COUNTED_LISTS: tuple[str, ...] = (
    "i_statements", "we_statements", "other_statements", "passive_statements", "handoffs",
    "quantified", "disqualifiers", "fillers", "hedges",
)


@dataclass
class Finding:
    """One thing to fix (or to keep) in one step's answer.

    Attributes:
        step: The step (or ``probe-N``) the finding belongs to.
        type: Finding family (``filler``, ``handoff``, ``disqualifier``, ``timing`` ...).
        text: The words the finding covers.
        coaching: What to do about it.
        kind: The specific kind within the family (``team-credit``, ``routing``), "" if none.
        severity: ``high``, ``medium``, ``low`` or ``info`` when the analysis says.
        start: Character offset of ``text`` in the step's transcript, if known.
        end: End character offset, if known.
        start_s: Start time within the step's audio, if known.
        end_s: End time within the step's audio, if known.
    """

    step: str
    type: str
    text: str
    coaching: str = ""
    start: int | None = None
    end: int | None = None
    start_s: float | None = None
    end_s: float | None = None
    kind: str = ""
    severity: str = ""

    @property
    def label(self) -> str:
        """What a person reads: the family, and the kind when it says more (``disqualifier (routing)``)."""
        return f"{self.type} ({self.kind})" if self.kind and self.kind != self.type else self.type

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)


def findings_of(analysis: dict[str, Any] | None, step: str) -> list[Finding]:
    """The findings of one analysis JSON (tolerates missing keys and odd values)."""
    analysis = analysis if isinstance(analysis, dict) else {}
    raw = analysis.get("findings")
    if isinstance(raw, list):
        items = [(f.get("type") or f.get("kind") or "finding", f) for f in raw if isinstance(f, dict)]
    else:
        items = []
        for family, kind in FAMILY_TYPES.items():
            for f in analysis.get(family) or []:
                if isinstance(f, dict):
                    items.append((f.get("type") or f.get("kind") or kind, f))
                elif isinstance(f, str):
                    items.append((kind, {"text": f}))
    out = []
    for kind, f in items:
        out.append(Finding(
            step=step,
            type=str(kind),
            text=str(f.get("text") or ""),
            coaching=str(f.get("coaching") or f.get("message") or ""),
            start=_int(f.get("start")),
            end=_int(f.get("end")),
            start_s=_float(f.get("start_s")),
            end_s=_float(f.get("end_s")),
            kind=str(f.get("kind") or "") if f.get("type") else "",
            severity=str(f.get("severity") or ""),
        ))
    return out


def count_of(analysis: dict[str, Any] | None, key: str) -> int:
    """Length of one of the analysis lists (0 when missing)."""
    value = (analysis or {}).get(key) if isinstance(analysis, dict) else None
    return len(value) if isinstance(value, list) else 0


def key_phrases_of(analysis: dict[str, Any] | None) -> tuple[list[str], list[str]]:
    """(found, missing) key phrases of an analysis, as text."""
    kp = (analysis or {}).get("key_phrases") if isinstance(analysis, dict) else None
    kp = kp if isinstance(kp, dict) else {}

    def texts(items: Any) -> list[str]:
        out = []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                out.append(str(item.get("text") or item.get("phrase") or ""))
            else:
                out.append(str(item))
        return [t for t in out if t]

    return texts(kp.get("found")), texts(kp.get("missing"))


def timing_status(duration_s: float, target_s: float) -> str:
    """``under``, ``on`` or ``over`` target, by the run summary's rule; "" without a target."""
    if not target_s:
        return ""
    from starcoach.summary import timing_status as summary_status

    return summary_status(duration_s or 0.0, target_s)


def _int(value: Any) -> int | None:
    try:
        return None if value is None or isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None
