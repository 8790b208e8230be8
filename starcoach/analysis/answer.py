"""Analyse one step's answer: run every finding family and gather the findings to fix.

:func:`analyze_answer` is the library entry point; ``starcoach analyze`` and the mock run call it.
"""

from __future__ import annotations

import bisect
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from starcoach.analysis import agency, delivery, phrases, quantities as quantities_mod
from starcoach.analysis.lexicon import lexicon
from starcoach.analysis.model import Analysis, Check, Delivery, Finding, KeyPhraseMatch, Timing, VoiceEnergy
from starcoach.analysis.nlp import _fast_ruler, load_nlp, parse
from starcoach.analysis.spans import fast, finding_from_tokens, kids, merge_overlapping
from starcoach.analysis.timing import time_against_target
from starcoach.errors import StarcoachError
from starcoach.findings import SEVERITIES, coaching_for, severity_of
from starcoach.scenario import LEVEL_NAMES, load_all

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc

    from starcoach.scenario import Scenario

#: What an answer to a follow-up probe is analysed as (any other answer: a step of the scenario's
#: framework, whose roles say what is looked for).
PROBE = "probe"

#: In the Action step, below this share of first-person statements the answer reads as "we".
FIRST_PERSON_MIN_SHARE = 0.5

#: Fillers (or hedges) per 100 words from which they become a finding.
FILLER_RATE_FINDING = 3.0

_AGENT_TYPES = {agency.I: "i-statement", agency.WE: "we-statement", agency.OTHER: "other-statement",
                agency.PASSIVE: "passive"}



class AnalysisInputError(StarcoachError):
    """The analysis was asked about an unknown step or level."""


class NothingToAnalyse(AnalysisInputError):
    """The answer has no words (an empty text, or audio without speech)."""


class WordTimer:
    """Maps character spans of the transcript text to the words' audio times."""

    def __init__(self, text: str, transcript: Any) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.times: list[tuple[float, float]] = []
        words = list(getattr(transcript, "words", None) or [])
        pos = 0
        lower = text.lower()
        for w in words:
            token = str(getattr(w, "word", "")).strip()
            if not token:
                continue
            at = lower.find(token.lower(), pos)
            if at < 0 or at - pos > 40:
                continue
            self.starts.append(at)
            self.ends.append(at + len(token))
            self.times.append((float(w.start), float(w.end)))
            pos = at + len(token)

    def __bool__(self) -> bool:
        return bool(self.times)

    def span(self, start: int | None, end: int | None) -> tuple[float | None, float | None]:
        if start is None or end is None or not self.times:
            return None, None
        i = bisect.bisect_right(self.ends, start)
        j = bisect.bisect_left(self.starts, end) - 1
        if i >= len(self.times) or j < i:
            return None, None
        return self.times[i][0], self.times[j][1]

    def timed(self, f: Finding) -> Finding:
        if not self.times or f.start is None:
            return f
        s, e = self.span(f.start, f.end)
        if s is None:
            return f
        return Finding(f.type, f.text, f.start, f.end, f.coaching, f.severity, s, e, f.kind, f.detail)


def _check_inputs(step: str, level: str, steps: tuple[str, ...]) -> None:
    if step not in (*steps, PROBE):
        raise AnalysisInputError(f"Unknown step {step!r}", f"expected one of {', '.join((*steps, PROBE))}",
                                 param="step", value=step)
    if level not in LEVEL_NAMES:
        raise AnalysisInputError(f"Unknown level {level!r}", f"expected one of {', '.join(LEVEL_NAMES)}")


def analyze_answer(
    text: str,
    step: str,
    scenario: Scenario,
    level: str = "sde2",
    transcript: Any = None,
    duration_s: float | None = None,
    samples: Any = None,
    sample_rate: int = 16000,
) -> Analysis:
    """Analyse the answer to one STAR step (or a follow-up probe).

    Args:
        text: What the candidate said (the transcript text). When empty, ``transcript.text``.
        step: ``situation``, ``task``, ``action``, ``result``, ``reflection`` or ``probe``.
        scenario: The scenario the answer is for (coaching lines, key phrases, its disqualifiers).
        level: ``sde1``, ``sde2`` or ``senior`` (the Senior level expects organisational insight).
        transcript: A :class:`starcoach.transcribe.Transcript` when the answer came from audio:
            gives word times to the findings, long pauses and the duration.
        duration_s: Elapsed seconds of the answer (default: ``transcript.duration_s``).
        samples: The recorded audio (mono numpy array) for the vocal-energy measure.
        sample_rate: Sample rate of ``samples``.

    Raises:
        AnalysisInputError: Unknown step or level.
        ModelNotFound: The spaCy model is not installed.
    """
    fw = scenario.framework
    _check_inputs(step, level, fw.names)
    roles = frozenset({PROBE}) if step == PROBE else frozenset(fw.step(step).roles)
    if not text and transcript is not None:
        text = str(getattr(transcript, "text", "") or "")
    text = text or ""
    if duration_s is None and transcript is not None:
        duration_s = getattr(transcript, "duration_s", None)
    lex = lexicon()
    doc = parse(text)
    timer = WordTimer(text, transcript)
    scenario_step = None if step == PROBE else scenario.step(step)
    coaching = scenario_step.coaching if scenario_step else ""
    target_s = scenario_step.target_s if scenario_step else None

    if delivery.word_count(doc) == 0:
        return _no_speech(step, text, level, scenario.id, duration_s, target_s)

    def tokens(first: int, last: int, type_: str, **kw) -> Finding:
        return timer.timed(finding_from_tokens(doc, first, last, type_, **kw))

    # --- agency -------------------------------------------------------------------------------
    stmts = agency.statements(doc, lex)
    by_agent: dict[str, list[Finding]] = {a: [] for a in _AGENT_TYPES}
    for st in stmts:
        by_agent[st.agent].append(tokens(st.first, st.last, _AGENT_TYPES[st.agent], kind=st.verb.lemma_.lower(),
                                         detail="negated" if st.negated else ""))
    handoff_list = agency.handoffs(doc, stmts, lex)
    handoff_findings = [tokens(h.first, h.last, "handoff", kind=h.kind, detail=h.how,
                               coaching=coaching_for(h.kind), severity=severity_of("handoff")) for h in handoff_list]

    # --- quantities ---------------------------------------------------------------------------
    qs = quantities_mod.quantities(doc, lex)
    quantified = [tokens(q.first, q.last, "quantified", kind=q.kind,
                         detail=_quantity_detail(q)) for q in qs]

    # --- disqualifiers -------------------------------------------------------------------------
    high = severity_of("disqualifier")
    disq: list[Finding] = [Finding("disqualifier", f.text, f.start, f.end, f.coaching, high, f.start_s, f.end_s,
                                   f.kind, f.detail) for f in handoff_findings]
    for m in phrases.general_disqualifiers(doc, roles):
        if m.rule.unless_measured and quantities_mod.measured_in_sentence(doc, m.first, qs):
            continue  # "the launch went fine: zero errors at 3x peak"
        disq.append(tokens(m.first, m.last, "disqualifier", kind=m.rule.family, severity=high,
                           coaching=coaching_for(m.rule.family), detail=m.rule.id))
    for st in agency.directed_at_candidate(stmts, lex):
        last = max([st.last] + [c.right_edge.i for c in kids(st.verb) if c.dep_ in ("dobj", "dative")]
                   + [c.i for c in kids(st.verb) if c.dep_ in ("xcomp", "ccomp")])
        disq.append(tokens(st.first, min(last, st.last + 4), "disqualifier", kind="assigned", severity=high,
                           coaching=coaching_for("assigned"), detail="assigned/directed"))
    disq = merge_overlapping(disq)
    for phrase in scenario.disqualifiers:
        spec = phrases.phrase_spec(phrase)
        hit = phrases.conveys(spec, doc, stmts, qs, threshold="all")
        if hit is None:
            continue
        f = tokens(hit.first, hit.last, "disqualifier", severity=high)
        if any(d.overlaps(f.start, f.end) for d in disq):
            continue
        kind = phrases.phrase_kind(phrase)
        disq.append(Finding("disqualifier", f.text, f.start, f.end, coaching_for(kind).format(phrase=phrase),
                            high, f.start_s, f.end_s, kind, f"scenario: {phrase}"))
    disq = merge_overlapping(disq)

    # --- delivery ------------------------------------------------------------------------------
    filler_findings = [tokens(a, b, "filler", kind=k) for a, b, k in delivery.fillers(doc, lex)]
    hedge_findings = [tokens(a, b, "hedge", kind=k) for a, b, k in delivery.hedges(doc, lex)]
    repeat_findings = [tokens(a, b, "repeat", coaching=coaching_for("repeat"), severity=severity_of("repeat"),
                              kind="restart")
                       for a, b in delivery.repeats(doc, lex)]
    said = {i for f in (delivery.fillers(doc, lex), delivery.hedges(doc, lex)) for a, b, _k in f for i in range(a, b + 1)}
    overuse_summary: list[Finding] = []
    for word, spans in delivery.overused(doc, lex, said):
        detail = f"{len(spans)} times"
        uses = [tokens(a, b, "repeat", coaching=coaching_for("overused").format(word=word, n=len(spans)),
                       severity=severity_of("overused"),
                       kind="overused", detail=detail) for a, b in spans]
        repeat_findings.extend(uses)
        overuse_summary.append(uses[0])
    repeat_findings.sort(key=lambda f: f.start if f.start is not None else -1)
    words = delivery.word_count(doc)
    wpm = delivery.words_per_minute(words, duration_s) if transcript is not None or duration_s is not None else None
    pause_findings = []
    if transcript is not None:
        for s, e in delivery.long_pauses(transcript):
            at = _char_at_time(timer, e)
            pause_findings.append(Finding("long-pause", "", at, at, coaching_for("long-pause"), severity_of("long-pause"), s, e,
                                          detail=f"{e - s:.1f} s"))
    energy = None
    if samples is not None:
        measured = delivery.voice_energy(samples, sample_rate)
        if measured is not None:
            energy = VoiceEnergy(**measured)
    deliv = Delivery(words, wpm, delivery.WPM_BAND, delivery.pace_of(wpm), len(filler_findings),
                     len(hedge_findings), tuple(pause_findings), tuple(repeat_findings), energy)
    repeat_summary = [f for f in repeat_findings if f.kind == "restart"] + overuse_summary
    timing = time_against_target(target_s, duration_s, words)

    # --- key phrases and checks ---------------------------------------------------------------------
    key_phrases = _key_phrases(scenario_step.key_phrases if scenario_step else (), doc, stmts, qs)
    sigs = phrases.signals(doc)
    checks = _checks(fw, step, level, doc, stmts, qs, sigs, disq, tokens, lex)

    findings = _findings(step, roles, level, scenario, doc, stmts, by_agent, qs, disq, checks, filler_findings,
                         hedge_findings, deliv, timing, words, coaching, tokens, lex, repeat_summary)
    return Analysis(
        step=step, transcript=text, level=level, scenario_id=scenario.id, duration_s=duration_s,
        target_s=target_s, wpm=wpm,
        i_statements=tuple(by_agent[agency.I]), we_statements=tuple(by_agent[agency.WE]),
        other_statements=tuple(by_agent[agency.OTHER]), passive_statements=tuple(by_agent[agency.PASSIVE]),
        handoffs=tuple(handoff_findings), quantified=tuple(quantified), disqualifiers=tuple(disq),
        fillers=tuple(filler_findings), hedges=tuple(hedge_findings), key_phrases=tuple(key_phrases),
        findings=tuple(findings), timing=timing, delivery=deliv, checks=checks,
    )


def _no_speech(step: str, text: str, level: str, scenario_id: str, duration_s: float | None,
               target_s: float | None) -> Analysis:
    """An answer with no words (silence, noise, an empty text): one finding that says so and
    nothing else — no pace, voice, timing or missing key phrases to coach on words never said."""
    timing = Timing(target_s, duration_s, "unknown", None, None)
    deliv = Delivery(0, None, delivery.WPM_BAND, None, 0, 0)
    finding = Finding("no-speech", "", None, None, coaching_for("no-speech"), severity_of("no-speech"))
    return Analysis(
        step=step, transcript=text.strip(), level=level, scenario_id=scenario_id, duration_s=duration_s,
        target_s=target_s, wpm=None, i_statements=(), we_statements=(), other_statements=(),
        passive_statements=(), handoffs=(), quantified=(), disqualifiers=(), fillers=(), hedges=(),
        key_phrases=(), findings=(finding,), timing=timing, delivery=deliv, checks={},
    )


def warm_up(scenario: Scenario | None = None) -> None:
    """Load the model and prepare everything the first analysis of ``scenario`` would build:
    the family matchers, the parsed key phrases and disqualifier phrases of every step, the probes'
    key lines and the scenario's model-answer expectations. Call it while the candidate reads the
    question; afterwards every analysis runs at full speed."""
    load_nlp()
    _fast_ruler()
    phrases.family_matcher()
    if scenario is None:
        return
    for step in scenario.steps:
        for phrase in step.key_phrases:
            phrases.phrase_spec(phrase)
    for phrase in scenario.disqualifiers:
        phrases.phrase_spec(phrase)
        phrases.phrase_kind(phrase)
    for probe in scenario.probes:
        phrases.phrase_spec(probe.key_line.strip().strip('"').strip())
    scope_expected(scenario)
    outcome = scenario.framework.with_role("outcome")
    if outcome:
        model_expects(scenario, outcome, "business_impact")
        model_expects(scenario, outcome, "second_order")
    # the story's own words: answers about it reuse them, and spaCy caches each word's tokenization
    # and lemma the first time it sees it
    story = [scenario.overview, *(s.strong_example for s in scenario.steps), scenario.weak_answer.text,
             *(p.strong_answer for p in scenario.probes), *(p.weak_answer for p in scenario.probes)]
    parse(" ".join(t.strip() for t in story if t))
    learn_question_bank_words()
    analyze_answer("I traced the failure, wrote a fix and cut errors by 40%.", sample_step(scenario), scenario)


def sample_step(scenario: Scenario) -> str:
    """The step a warm-up analysis uses: the one about the candidate's actions (else the first)."""
    return scenario.framework.with_role("actions") or scenario.framework.names[0]


@lru_cache(maxsize=1)
def learn_question_bank_words() -> int:
    """Tokenize every scenario of the question bank once, so that spaCy knows the words answers
    about engineering stories use: a word the vocabulary has never seen costs ~35 µs to add (its
    lexical attributes), about 3 ms for the new words of a typical 450-word answer. Takes ~0.1 s
    once per process. Returns the number of words added."""
    nlp = load_nlp()
    before = len(nlp.vocab)
    try:
        scenarios = load_all()
    except StarcoachError:  # a broken scenario file is reported elsewhere; this is only a warm-up
        return 0
    for sc in scenarios:
        texts = [sc.title, sc.overview, sc.weak_answer.text]
        texts += [f"{st.strong_example} {st.senior_example} {st.coaching}" for st in sc.steps]
        texts += [f"{p.question} {p.strong_answer} {p.weak_answer}" for p in sc.probes]
        for text in texts:
            nlp.make_doc(text)
    return len(nlp.vocab) - before


def _quantity_detail(q: quantities_mod.Quantity) -> str:
    parts = []
    if q.value is not None:
        value = int(q.value) if float(q.value).is_integer() else round(q.value, 4)
        parts.append(str(value))
    if q.unit:
        parts.append(q.unit)
    if q.rate:
        parts.append(f"per {q.rate}")
    return " ".join(parts)


def _char_at_time(timer: WordTimer, t: float) -> int | None:
    for (s, _e), start in zip(timer.times, timer.starts):
        if s >= t - 0.05:
            return start
    return None


def _key_phrases(key_phrases, doc: Doc, stmts, qs) -> list[KeyPhraseMatch]:
    out = []
    for phrase in key_phrases:
        spec = phrases.phrase_spec(phrase)
        hit = phrases.conveys(spec, doc, stmts, qs)
        if hit is None:
            out.append(KeyPhraseMatch(phrase, False))
            continue
        f = finding_from_tokens(doc, hit.first, hit.last, "key-phrase")
        out.append(KeyPhraseMatch(phrase, True, f.text, f.start, f.end, hit.score))
    return out


def _checks(fw, step, level, doc, stmts, qs, sigs, disq, tokens, lex) -> dict[str, Check]:
    """Every step check, each marked required where the framework's step asks for it."""
    checks: dict[str, Check] = {}

    def evidence(matches) -> tuple[Finding, ...]:
        return tuple(tokens(m.first, m.last, "evidence", kind=m.rule.family) for m in matches)

    scope = sigs.get("scope-boundary", [])
    checks["scope_boundary"] = Check("scope_boundary", bool(scope), fw.requires(step, "scope_boundary"), evidence(scope),
                                     "whose system it was, no ticket, nobody asked")

    contributions = [st for st in stmts if agency.is_contribution(st, lex)]
    checks["individual_contribution"] = Check(
        "individual_contribution", bool(contributions), fw.requires(step, "individual_contribution"),
        tuple(tokens(st.first, st.last, "evidence", kind=st.action) for st in contributions),
        "first-person statements that investigate, build, fix or ship")

    business = _business_quantities(doc, qs, lex)
    checks["business_impact"] = Check("business_impact", bool(business), fw.requires(step, "business_impact"),
                                      tuple(tokens(q.first, q.last, "evidence", kind=q.kind) for q in business),
                                      "a number in money, customers, tickets, availability or people's time")

    adoption = list(sigs.get("second-order", []))
    adoption_stmts = [st for st in stmts if _is_adoption(st, lex)] + _adoptions_without_subject(doc, stmts, lex)
    checks["second_order"] = Check(
        "second_order", bool(adoption or adoption_stmts), fw.requires(step, "second_order"),
        evidence(adoption) + tuple(tokens(st.first, st.last, "evidence", kind="adoption") for st in adoption_stmts),
        "another team adopting it, a new standard, lasting change")

    generic_spans = [(f.start, f.end) for f in disq if f.kind == "generic-reflection"]
    skip_tokens = [(t.i, t.i) for t in fast(doc) for a, b in generic_spans if a <= t.idx < b]
    concrete = phrases.concrete_nouns(doc, lex, skip_tokens)
    specific = len(concrete) >= 2 or (len(concrete) >= 1 and bool(qs))
    checks["reflection_specific"] = Check(
        "reflection_specific", specific, fw.requires(step, "reflection_specific"),
        tuple(tokens(t.i, t.i, "evidence", kind="concrete") for t in concrete[:8]),
        "story-specific nouns (the system, the mechanism, the gap), not a generic lesson")

    org_ok, org_tokens = phrases.has_org_insight(doc, lex, sigs)
    checks["org_insight"] = Check("org_insight", org_ok, fw.requires(step, "org_insight_at_senior") and level == "senior",
                                  tuple(tokens(t.i, t.i, "evidence", kind="org") for t in org_tokens[:8]),
                                  "organisational insight: ownership, shared SLOs, process, cross-team gaps")
    initiative = sigs.get("self-initiated", [])
    checks["self_initiated"] = Check("self_initiated", bool(initiative or scope), False,
                                     evidence(initiative + scope), "acted without being asked")
    return checks


def _business_quantities(doc, qs, lex) -> list[quantities_mod.Quantity]:
    out = []
    for q in qs:
        if q.kind == "money" or q.unit in lex.business_nouns:
            out.append(q)
            continue
        fd = fast(doc)
        start = fd.sent_start[q.first]
        end = next((b for a, b in fd.sent_bounds if a == start), len(fd))
        if any(fd.lemmas[i] in lex.business_nouns and fd[i].pos_ in ("NOUN", "PROPN") for i in range(start, end)):
            out.append(q)
    return out


_ADOPT = lexicon().answer_adopt


def _adoptions_without_subject(doc, stmts, lex) -> list[agency.Statement]:
    """"The finance team liked it enough to copy it": an adopting verb with no subject of its own,
    under a clause whose subject is someone else."""
    fd = fast(doc)
    seen = {st.verb.i for st in stmts}
    out = []
    for i, lemma in enumerate(fd.lemmas):
        if lemma not in _ADOPT or i in seen or fd.pos[i] != "VERB":
            continue
        tok = fd[i]
        for _ in range(3):
            if tok.head.i == tok.i:
                break
            tok = tok.head
            subject = next((c for c in kids(tok) if c.dep_ == "nsubj"), None) if tok.pos_ in ("VERB", "AUX") else None
            if subject is not None:
                if agency.classify_agent(subject, lex) == agency.OTHER:
                    out.append(agency.Statement(fd[i], agency.OTHER, subject, i, i, False, False, lemma))
                break
    return out


def _is_adoption(st: agency.Statement, lex) -> bool:
    if st.agent not in (agency.OTHER, agency.PASSIVE) or st.negated:
        return False
    lemma = st.verb.lemma_.lower()
    if lemma in _ADOPT:
        return True
    if lemma in lex.adoption_verbs:
        objs = {t.lemma_.lower() for c in kids(st.verb) if c.dep_ in ("dobj", "prep", "prt") for t in c.subtree}
        mine = any(t.lower_ == "my" for c in kids(st.verb) if c.dep_ == "dobj" for t in c.subtree)
        return mine or bool(objs & lex.adoptable_things)
    return False


def _findings(step, roles, level, scenario, doc, stmts, by_agent, qs, disq, checks, filler_findings, hedge_findings,
              deliv, timing, words, coaching, tokens, lex, repeat_summary=()) -> list[Finding]:
    """What to fix, by the roles of the step (``probe``: a follow-up answer)."""
    out: list[Finding] = list(disq)
    step_obj = None if step == PROBE else scenario.step(step)
    mistake = step_obj.common_mistake if step_obj else ""
    actions, outcome, probe = "actions" in roles, "outcome" in roles, PROBE in roles

    if actions:
        for f in by_agent[agency.WE]:
            out.append(Finding("we-statement", f.text, f.start, f.end, coaching, severity_of("we-statement"), f.start_s, f.end_s,
                               "we-statement", f.kind))
        passives = {st.first: st for st in stmts if st.agent == agency.PASSIVE}
        for f, st in zip(by_agent[agency.PASSIVE], sorted(passives.values(), key=lambda st: st.first)):
            severity = _passive_severity(st, lex)
            if severity is not None:
                out.append(Finding("passive", f.text, f.start, f.end, coaching_for("passive"), severity, f.start_s,
                                   f.end_s, "passive", f.kind))
        share = agency.first_person_share(stmts)
        if share is not None and len(stmts) >= 2 and share < FIRST_PERSON_MIN_SHARE:
            out.append(Finding("first-person-low", "", None, None, coaching or mistake, severity_of("first-person-low"),
                               detail=f"{round(100 * share)}% of statements are 'I'"))
    if (actions or probe) and not checks["individual_contribution"].ok and text_has_words(doc):
        out.append(Finding("no-individual-contribution", "", None, None,
                           coaching or coaching_for("no-individual-contribution"),
                           "high" if actions else "medium"))
    claims = quantities_mod.outcome_claims(doc, lex)
    if not qs and (outcome or claims) and text_has_words(doc):
        claim = claims[0] if claims else None
        if claim is not None:
            sent = claim.sent
            f = tokens(sent.start, sent.end - 1, "no-quantification")
        else:
            f = Finding("no-quantification", "", None, None)
        out.append(Finding("no-quantification", f.text, f.start, f.end,
                           (coaching if outcome else "") or coaching_for("no-quantification"),
                           "high" if outcome or probe else "medium", f.start_s, f.end_s))
    if "scope" in roles and not checks["scope_boundary"].ok and scope_expected(scenario):
        out.append(Finding("scope-boundary-missing", "", None, None, coaching, severity_of("scope-boundary-missing"),
                           detail=mistake))
    if outcome and qs:
        if not checks["business_impact"].ok and model_expects(scenario, step, "business_impact"):
            out.append(Finding("no-business-impact", "", None, None, coaching, severity_of("no-business-impact"),
                               detail="translate the metric into money, customers or time"))
        if not checks["second_order"].ok and model_expects(scenario, step, "second_order"):
            out.append(Finding("no-second-order", "", None, None, coaching, severity_of("no-second-order"),
                               detail="what changed beyond your fix"))
    if "lesson" in roles and not checks["reflection_specific"].ok and not any(
            f.kind == "generic-reflection" for f in disq) and text_has_words(doc):
        out.append(Finding("generic-reflection", doc.text.strip(), 0 if doc.text else None,
                           len(doc.text) if doc.text else None, coaching, severity_of("generic-reflection"),
                           kind="generic-reflection"))
    if checks["org_insight"].required and not checks["org_insight"].ok:
        guidance = scenario.level("senior").guidance if any(lv.id == "senior" for lv in scenario.levels) else ""
        out.append(Finding("no-org-insight", "", None, None, guidance or coaching, severity_of("no-org-insight")))

    # delivery
    per_100 = 100.0 / max(words, 1)
    if filler_findings and (len(filler_findings) >= 3 or len(filler_findings) * per_100 >= FILLER_RATE_FINDING):
        first = filler_findings[0]
        kinds = sorted({f.text.lower() for f in filler_findings})
        out.append(Finding("filler", first.text, first.start, first.end, coaching_for("filler"),
                           "medium" if len(filler_findings) * per_100 >= 2 * FILLER_RATE_FINDING else "low",
                           first.start_s, first.end_s, detail=f"{len(filler_findings)} fillers ({', '.join(kinds)})"))
    if hedge_findings and (len(hedge_findings) >= 2 or len(hedge_findings) * per_100 >= FILLER_RATE_FINDING):
        first = hedge_findings[0]
        kinds = sorted({f.text.lower() for f in hedge_findings})
        out.append(Finding("hedge", first.text, first.start, first.end, coaching_for("hedge"), severity_of("hedge"),
                           first.start_s, first.end_s, detail=f"{len(hedge_findings)} hedges ({', '.join(kinds)})"))
    out.extend(repeat_summary)  # restarts, and one finding per overused word (its first use)
    out.extend(deliv.long_pauses)
    if deliv.pace in ("slow", "fast"):
        out.append(Finding("pace", "", None, None,
                           f"Aim for {deliv.wpm_band[0]}-{deliv.wpm_band[1]} words a minute; you spoke "
                           f"{'slowly' if deliv.pace == 'slow' else 'fast'} ({deliv.wpm:.0f}).", severity_of("pace"),
                           kind=deliv.pace))
    if deliv.energy is not None and deliv.energy.monotone:
        out.append(Finding("monotone", "", None, None, coaching_for("monotone"), severity_of("monotone")))
    if timing.status in ("over", "under") and not timing.estimated:
        clean = not any(f.type not in DELIVERY_TYPES and f.severity != "info" for f in out)
        severity = "medium" if timing.status == "over" else "low"
        if timing.status == "over":
            tip = f"{abs(timing.delta_s):.0f} s over the {timing.target_s:.0f} s target: cut to what the step needs."
            if "setting" in roles and mistake:
                tip += f" Common mistake: {mistake}"
        elif clean:  # nothing missing: short is fine, not a fix
            severity = "info"
            tip = (f"{abs(timing.delta_s):.0f} s under the {timing.target_s:.0f} s target, and nothing is missing: "
                   "fine as it is; add a concrete detail only if you have one.")
        else:
            tip = f"{abs(timing.delta_s):.0f} s under the {timing.target_s:.0f} s target: add the specifics this step asks for."
        out.append(Finding("timing", "", None, None, tip, severity, kind=timing.status,
                           detail=f"{timing.delta_s:+.0f} s"))
    return rank_findings(out)


#: Finding types about how the answer was said; they rank after what was said.
DELIVERY_TYPES = frozenset({"filler", "hedge", "repeat", "long-pause", "pace", "monotone"})


def rank_findings(findings) -> list[Finding]:
    """What to fix first: what was said (content), then how it was said (delivery), then how long
    it took (timing); within each, by severity, then by position in the answer."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}

    def tier(f: Finding) -> int:
        return 2 if f.type == "timing" else 1 if f.type in DELIVERY_TYPES else 0

    return sorted(findings, key=lambda f: (tier(f), rank.get(f.severity, 9),
                                           f.start if f.start is not None else 10 ** 9))


def _passive_severity(st: agency.Statement, lex) -> str | None:
    """How much an agentless passive in the Action step matters.

    "A patch was written and deployed" hides who acted (medium); "offsets were committed before
    the write" describes the system (low); present tense describes how it works (not a finding).
    """
    verb = st.verb
    aux = [c for c in kids(verb) if c.dep_ in ("auxpass", "aux")]
    if not aux and verb.dep_ == "conj":
        aux = [c for c in kids(verb.head) if c.dep_ in ("auxpass", "aux")]
    tags = {c.tag_ for c in aux} | {c.lower_ for c in aux}
    if tags & {"VBZ", "VBP", "are", "is", "am"} and not tags & {"VBD", "was", "were"}:
        return None
    if "had" in tags:
        return "low"
    return "medium" if verb.lemma_.lower() in lex.solution_verbs or st.action in lex.solution_verbs or \
        verb.lemma_.lower() in lex.fix_verbs else "low"


def scope_expected(scenario) -> bool:
    """Whether this scenario's scope step (the Task in STAR) is about ownership beyond one's scope
    (its model answer states a scope boundary, or its coaching asks for one). A capacity-judgement
    story does not need one; a framework without a scope step never does."""
    name = scenario.framework.with_role("scope")
    if name is None:
        return False
    task = scenario.step(name)
    if any(w in task.coaching.lower() for w in lexicon().scope_coaching_words):
        return True
    return model_expects(scenario, name, "scope_boundary")


def model_expects(scenario, step: str, check: str) -> bool:
    """Whether the scenario's own strong example for ``step`` passes ``check``: a step is only held
    to what its model answer shows (a Result whose model has no money figure is not asked for one)."""
    example = scenario.step(step).strong_example
    return _model_expects(scenario.id, scenario.version, step, check, example)


@lru_cache(maxsize=256)
def _model_expects(_id: str, _version: str, step: str, check: str, example: str) -> bool:
    lex = lexicon()
    doc = parse(example)
    if check == "scope_boundary":
        return bool(phrases.signals(doc).get("scope-boundary"))
    if check == "business_impact":
        return bool(_business_quantities(doc, quantities_mod.quantities(doc, lex), lex))
    if check == "second_order":
        stmts = agency.statements(doc, lex)
        return bool(phrases.signals(doc).get("second-order")) or any(_is_adoption(st, lex) for st in stmts)
    return True


def text_has_words(doc) -> bool:
    return any(not t.is_punct and not t.is_space for t in doc)
