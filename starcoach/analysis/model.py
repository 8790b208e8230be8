"""What the analysis of one answer returns: findings, checks, timing and delivery, as dataclasses.

:meth:`Analysis.to_dict` is the JSON contract other parts rely on (the ``analyze --json`` output,
the session files, the summary): the keys ``step``, ``transcript``, ``duration_s``, ``target_s``,
``wpm``, the statement lists, ``handoffs``, ``quantified``, ``disqualifiers``, ``fillers``,
``hedges``, ``key_phrases``, ``findings`` and ``no_speech`` are always present; every list holds
objects with at least ``text``. An answer without words (``no_speech``) has one finding,
``no-speech``, and nothing else to coach.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from starcoach.records import REQUIRED, Fields



@dataclass(frozen=True)
class Finding:
    """One thing the analysis found in an answer.

    Attributes:
        type: The family: ``i-statement``, ``we-statement``, ``other-statement``, ``passive``,
            ``handoff``, ``quantified``, ``disqualifier``, ``filler``, ``hedge``, ``repeat``,
            ``long-pause``, ``pace``, ``monotone``, ``timing``, ``no-quantification``,
            ``no-individual-contribution``, ``scope-boundary-missing``, ``generic-reflection``,
            ``no-org-insight``, ``no-business-impact``, ``no-second-order``, ``first-person-low``,
            ``key-phrase``, ``no-speech`` (the answer has no words: the only finding then).
        text: The words of the answer it covers ("" when it is about something missing).
        start: Character offset of ``text`` in the transcript (None when nothing is covered).
        end: End character offset (exclusive).
        coaching: What to do about it, drawn from the scenario where it applies.
        severity: ``high``, ``medium``, ``low`` or ``info`` (info: counted, not a problem); see
            :data:`starcoach.findings.SEVERITIES`.
        start_s: Start of the words in the audio, in seconds (answers from audio only).
        end_s: End of the words in the audio, in seconds.
        kind: The finer kind within the family: the disqualifier family (``assigned``,
            ``handoff``, ``routing``, ``team-credit``, ``vague-outcome``,
            ``generic-reflection``, ``scenario``), the quantity kind (``percent``, ``money``,
            ``duration``, ``count``, ``multiplier``, ``delta``, ``rate``), the verb lemma of a
            statement. Defaults to ``type``.
        detail: A short extra note (the count of fillers, the value of a quantity).
    """

    type: str
    text: str
    start: int | None
    end: int | None
    coaching: str = ""
    severity: str = "info"
    start_s: float | None = None
    end_s: float | None = None
    kind: str = ""
    detail: str = ""

    def __post_init__(self) -> None:
        if not self.kind:
            object.__setattr__(self, "kind", self.type)

    @property
    def label(self) -> str:
        """What a person reads: the type, and the kind when it says more (``disqualifier (routing)``)."""
        return f"{self.type} ({self.kind})" if self.kind and self.kind != self.type else self.type

    def overlaps(self, start: int, end: int) -> bool:
        """Whether this finding covers any character of ``[start, end)``."""
        return self.start is not None and self.end is not None and self.start < end and start < self.end

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; ``start_s``/``end_s`` rounded to milliseconds."""
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        for key in ("start_s", "end_s"):
            if d[key] is not None:
                d[key] = round(d[key], 3)
        return d

    @classmethod
    def from_dict(cls, data: Any, where: str = "finding") -> "Finding":
        """Rebuild a finding saved with :meth:`to_dict`.

        Raises:
            RecordError: a field has the wrong type (its path is named).
        """
        f = Fields(data, where)
        return cls(type=f.text("type"), text=f.text("text"), start=f.optional_integer("start", REQUIRED),
                   end=f.optional_integer("end", REQUIRED), coaching=f.text("coaching", ""),
                   severity=f.text("severity", "info"), start_s=f.optional_number("start_s"),
                   end_s=f.optional_number("end_s"), kind=f.text("kind", ""), detail=f.text("detail", ""))


@dataclass(frozen=True)
class KeyPhraseMatch:
    """A key phrase of the step's strong example and where the answer conveys it.

    Attributes:
        phrase: The key phrase as the scenario gives it.
        found: Whether the answer conveys it.
        text: The words of the answer that convey it ("" when missing).
        start: Character offset of ``text`` (None when missing).
        end: End character offset.
        score: How much of the phrase the answer conveys, 0..1.
    """

    phrase: str
    found: bool
    text: str = ""
    start: int | None = None
    end: int | None = None
    score: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        if not self.found:
            return {"text": self.phrase}
        return {"text": self.phrase, "matched": self.text, "start": self.start, "end": self.end,
                "score": round(self.score, 2)}

    @classmethod
    def from_dict(cls, data: Any, where: str, found: bool) -> "KeyPhraseMatch":
        """Rebuild a match from the ``found`` or ``missing`` list of :meth:`Analysis.to_dict`."""
        f = Fields(data, where)
        if not found:
            return cls(f.text("text"), False)
        return cls(f.text("text"), True, f.text("matched", ""), f.optional_integer("start"),
                   f.optional_integer("end"), f.number("score", 0.0))


@dataclass(frozen=True)
class Timing:
    """Elapsed time against the step's target.

    Attributes:
        target_s: The step's target in seconds (None for a probe answer).
        duration_s: Time taken (None for a typed answer).
        status: ``under``, ``on`` or ``over`` the target; ``unknown`` without a target.
        delta_s: ``duration - target`` in seconds (positive means over).
        tolerance_s: How far from the target still counts as on target.
        estimated: True when the duration is estimated from the word count (typed answers).
        estimated_s: The estimated spoken duration (typed answers only).
    """

    target_s: float | None
    duration_s: float | None
    status: str
    delta_s: float | None
    tolerance_s: float | None
    estimated: bool = False
    estimated_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        for key in ("duration_s", "delta_s", "tolerance_s", "estimated_s"):
            if d[key] is not None:
                d[key] = round(d[key], 1)
        return d

    @classmethod
    def from_dict(cls, data: Any, where: str = "timing") -> "Timing":
        f = Fields(data, where)
        return cls(f.optional_number("target_s", REQUIRED), f.optional_number("duration_s", REQUIRED),
                   f.text("status"), f.optional_number("delta_s", REQUIRED),
                   f.optional_number("tolerance_s", REQUIRED), f.boolean("estimated", False),
                   f.optional_number("estimated_s"))


@dataclass(frozen=True)
class VoiceEnergy:
    """Loudness and pitch variation of the recorded answer.

    Attributes:
        voiced_s: Seconds of voiced frames measured.
        loudness_db: Mean loudness of voiced frames, dBFS.
        loudness_std_db: Standard deviation of loudness over voiced frames, dB.
        pitch_hz: Median pitch of voiced frames, Hz (None when no pitch was found).
        pitch_std_semitones: Pitch variation, semitones (None when no pitch was found).
        monotone: True when both pitch and loudness vary little.
    """

    voiced_s: float
    loudness_db: float
    loudness_std_db: float
    pitch_hz: float | None
    pitch_std_semitones: float | None
    monotone: bool

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        for key, value in d.items():
            if isinstance(value, float):
                d[key] = round(value, 2)
        return d

    @classmethod
    def from_dict(cls, data: Any, where: str = "energy") -> "VoiceEnergy":
        f = Fields(data, where)
        return cls(f.number("voiced_s"), f.number("loudness_db"), f.number("loudness_std_db"),
                   f.optional_number("pitch_hz", REQUIRED),
                   f.optional_number("pitch_std_semitones", REQUIRED), f.boolean("monotone"))


@dataclass(frozen=True)
class Delivery:
    """How the answer was spoken.

    Attributes:
        word_count: Words spoken (fillers included).
        wpm: Words per minute over the answer's duration (None for a typed answer).
        wpm_band: The comfortable band (low, high) in words per minute.
        pace: ``slow``, ``ok`` or ``fast`` (None for a typed answer).
        filler_count: Number of fillers.
        hedge_count: Number of hedges.
        long_pauses: Silences of at least :data:`LONG_PAUSE_S` inside the answer.
        repeats: Words or phrases said twice in a row ("I, I"; kind ``restart``), and every use
            of a word or phrase overused across the answer ("really" five times; kind
            ``overused``, detail "'really' 5 times").
        energy: Loudness and pitch variation (answers from audio with samples only).
    """

    word_count: int
    wpm: float | None
    wpm_band: tuple[int, int]
    pace: str | None
    filler_count: int
    hedge_count: int
    long_pauses: tuple[Finding, ...] = ()
    repeats: tuple[Finding, ...] = ()
    energy: VoiceEnergy | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "word_count": self.word_count,
            "wpm": None if self.wpm is None else round(self.wpm, 1),
            "wpm_band": list(self.wpm_band),
            "pace": self.pace,
            "filler_count": self.filler_count,
            "hedge_count": self.hedge_count,
            "long_pauses": [f.to_dict() for f in self.long_pauses],
            "repeats": [f.to_dict() for f in self.repeats],
            "energy": None if self.energy is None else self.energy.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "delivery") -> "Delivery":
        f = Fields(data, where)
        lo, hi = f.numbers("wpm_band", 2)
        return cls(word_count=f.integer("word_count"), wpm=f.optional_number("wpm", REQUIRED),
                   wpm_band=(int(lo), int(hi)), pace=f.optional_text("pace", REQUIRED),
                   filler_count=f.integer("filler_count"), hedge_count=f.integer("hedge_count"),
                   long_pauses=tuple(f.records("long_pauses", Finding.from_dict, ())),
                   repeats=tuple(f.records("repeats", Finding.from_dict, ())),
                   energy=f.optional_record("energy", VoiceEnergy.from_dict))


@dataclass(frozen=True)
class Check:
    """A step check: something the step should contain.

    Attributes:
        name: ``scope_boundary``, ``individual_contribution``, ``business_impact``,
            ``second_order``, ``reflection_specific`` or ``org_insight``.
        ok: Whether the answer has it.
        required: Whether this step (at this level) is expected to have it.
        evidence: The words that show it.
        note: One line saying what was looked for.
    """

    name: str
    ok: bool
    required: bool
    evidence: tuple[Finding, ...] = ()
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "required": self.required, "note": self.note,
                "evidence": [f.to_dict() for f in self.evidence]}

    @classmethod
    def from_dict(cls, name: str, data: Any, where: str = "check") -> "Check":
        f = Fields(data, where)
        return cls(name, f.boolean("ok"), f.boolean("required"),
                   tuple(f.records("evidence", Finding.from_dict, ())), f.text("note", ""))


@dataclass(frozen=True)
class Analysis:
    """Everything the analysis found in one step's answer.

    Attributes:
        step: The STAR step (``situation`` … ``reflection``) or ``probe``.
        transcript: The answer's text.
        level: The level it was judged at (``sde1``, ``sde2``, ``senior``).
        scenario_id: The scenario it was judged against.
        duration_s: Elapsed seconds (None for a typed answer).
        target_s: The step's target seconds (None for a probe).
        wpm: Words per minute (None for a typed answer).
        i_statements: Clauses whose subject is the candidate.
        we_statements: Clauses whose subject is the team or "we".
        other_statements: Clauses whose subject is someone else.
        passive_statements: Passive clauses with no agent.
        handoffs: Hand-offs and routing ("escalated it", "they handled it").
        quantified: Quantities and deltas.
        disqualifiers: Phrases that sink the answer (general families and the scenario's own).
        fillers: Fillers (um, uh, filler "like", you know, basically, I mean).
        hedges: Hedges (I think, kind of, maybe, probably …).
        key_phrases: The step's key phrases, conveyed or not.
        findings: What to fix, most serious first.
        timing: Time against target.
        delivery: Pace, pauses, repeats, voice energy.
        checks: Step checks by name.
    """

    step: str
    transcript: str
    level: str
    scenario_id: str
    duration_s: float | None
    target_s: float | None
    wpm: float | None
    i_statements: tuple[Finding, ...]
    we_statements: tuple[Finding, ...]
    other_statements: tuple[Finding, ...]
    passive_statements: tuple[Finding, ...]
    handoffs: tuple[Finding, ...]
    quantified: tuple[Finding, ...]
    disqualifiers: tuple[Finding, ...]
    fillers: tuple[Finding, ...]
    hedges: tuple[Finding, ...]
    key_phrases: tuple[KeyPhraseMatch, ...]
    findings: tuple[Finding, ...]
    timing: Timing
    delivery: Delivery
    checks: dict[str, Check] = field(default_factory=dict)

    @property
    def no_speech(self) -> bool:
        """True when the answer has no words (silence, noise, an empty text): nothing to coach."""
        return self.delivery.word_count == 0

    @property
    def key_phrases_found(self) -> list[KeyPhraseMatch]:
        return [k for k in self.key_phrases if k.found]

    @property
    def key_phrases_missing(self) -> list[KeyPhraseMatch]:
        return [k for k in self.key_phrases if not k.found]

    def flagged(self, kind: str, quote: str = "") -> list[Finding]:
        """Findings of type or kind ``kind`` (e.g. an annotation kind of the weak answer).

        Args:
            kind: A finding type or kind (``handoff``, ``routing``, ``no-quantification`` …).
            quote: When given, only findings overlapping these words of the transcript (or,
                for findings about something missing, any finding of that kind).
        """
        found = [f for f in self.findings if kind in (f.type, f.kind)]
        if not quote:
            return found
        pos = self.transcript.lower().find(quote.lower())
        if pos < 0:
            return found
        return [f for f in found if f.start is None or f.overlaps(pos, pos + len(quote))]

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract (see the module docstring)."""

        def items(findings) -> list[dict[str, Any]]:
            return [f.to_dict() for f in findings]

        return {
            "step": self.step,
            "scenario": self.scenario_id,
            "level": self.level,
            "transcript": self.transcript,
            "duration_s": None if self.duration_s is None else round(self.duration_s, 2),
            "target_s": self.target_s,
            "wpm": None if self.wpm is None else round(self.wpm, 1),
            "i_statements": items(self.i_statements),
            "we_statements": items(self.we_statements),
            "other_statements": items(self.other_statements),
            "passive_statements": items(self.passive_statements),
            "handoffs": items(self.handoffs),
            "quantified": items(self.quantified),
            "disqualifiers": items(self.disqualifiers),
            "fillers": items(self.fillers),
            "hedges": items(self.hedges),
            "key_phrases": {
                "found": [k.to_dict() for k in self.key_phrases_found],
                "missing": [k.to_dict() for k in self.key_phrases_missing],
            },
            "findings": items(self.findings),
            "timing": self.timing.to_dict(),
            "delivery": self.delivery.to_dict(),
            "checks": {name: c.to_dict() for name, c in self.checks.items()},
            "no_speech": self.no_speech,
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "analysis") -> "Analysis":
        """Rebuild an analysis saved with :meth:`to_dict` (``from_dict(a.to_dict()).to_dict()``
        equals ``a.to_dict()``).

        Raises:
            RecordError: a field is missing or has the wrong type (its path is named).
        """
        f = Fields(data, where)

        def items(key: str) -> tuple[Finding, ...]:
            return tuple(f.records(key, Finding.from_dict))

        def key_phrases(data: Any, path: str) -> tuple[KeyPhraseMatch, ...]:
            kp = Fields(data, path)
            return tuple(kp.records("found", lambda d, w: KeyPhraseMatch.from_dict(d, w, True))) + \
                tuple(kp.records("missing", lambda d, w: KeyPhraseMatch.from_dict(d, w, False)))

        return cls(
            step=f.text("step"), transcript=f.text("transcript"), level=f.text("level"),
            scenario_id=f.text("scenario"), duration_s=f.optional_number("duration_s", REQUIRED),
            target_s=f.optional_number("target_s", REQUIRED), wpm=f.optional_number("wpm", REQUIRED),
            i_statements=items("i_statements"), we_statements=items("we_statements"),
            other_statements=items("other_statements"), passive_statements=items("passive_statements"),
            handoffs=items("handoffs"), quantified=items("quantified"), disqualifiers=items("disqualifiers"),
            fillers=items("fillers"), hedges=items("hedges"), key_phrases=f.record("key_phrases", key_phrases),
            findings=items("findings"), timing=f.record("timing", Timing.from_dict),
            delivery=f.record("delivery", Delivery.from_dict),
            checks=f.mapping("checks", Check.from_dict, {}),
        )


@dataclass(frozen=True)
class ProbeVerdict:
    """How a probe answer compares with the probe's weak and strong answers.

    Attributes:
        verdict: ``strong``, ``mixed`` or ``weak``; ``off-topic`` when the answer does not address
            the question (not rated on its content); ``skipped`` when nothing was said.
        reasons: Why, one short line each, strongest first.
        key_line: The probe's key line, the model of a strong answer.
        matched_key_line: Whether the answer conveys the key line.
        analysis: The full analysis of the answer.
        strong_signals: What pulled it towards strong.
        weak_signals: What pulled it towards weak.
    """

    verdict: str
    reasons: list[str]
    key_line: str
    matched_key_line: bool
    analysis: Analysis
    strong_signals: list[str] = field(default_factory=list)
    weak_signals: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "key_line": self.key_line,
            "matched_key_line": self.matched_key_line,
            "strong_signals": list(self.strong_signals),
            "weak_signals": list(self.weak_signals),
            "analysis": self.analysis.to_dict(),
        }

