"""Judging a follow-up probe answer against the probe's weak and strong answers.

First whether there is an answer at all (no speech: ``skipped``) and whether it addresses the
question (:mod:`starcoach.analysis.relevance`: ``off-topic`` otherwise); then its content.

The probe's key line is the model ("I brought a solution, not just a problem."). An answer leans
strong when it conveys the key line or shows what the strong answer shows (a fix brought, work
started unasked, validation done, a story-specific change proposed); it leans weak when it shows
what the weak answer shows (hand-offs, routing, being assigned, team credit, vague outcomes,
generic lessons) or resembles the weak answer more than the strong one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from starcoach.analysis import agency, phrases
from starcoach.analysis.answer import analyze_answer
from starcoach.analysis.lexicon import lexicon
from starcoach.analysis.model import ProbeVerdict
from starcoach.analysis.nlp import parse

if TYPE_CHECKING:  # pragma: no cover
    from starcoach.scenario import Probe, Scenario

#: What a probe tests, recognised from its question and "probes" line (first match wins).
PROBE_FOCI: dict[str, tuple[str, ...]] = {
    focus: tuple(cues) for focus, cues in lexicon().table("probe_foci").items()}

#: Verbs that show validation when the candidate does them.
VALIDATION_VERBS = lexicon().validation_verbs

_WEAK_KINDS = ("handoff", "routing", "assigned", "team-credit", "vague-outcome", "generic-reflection")


#: Foci an adaptive follow-up sets itself (data/followups.toml), besides the ones read from questions.
FOLLOWUP_FOCI = ("impact", "personal", "follow-through", "scope", "org", "adoption")


def probe_focus(probe: Probe) -> str:
    """What the probe tests: ``validation``, ``motivation``, ``differently``, ``solution`` (was
    a fix brought, not just the problem) or ``general``; an adaptive follow-up names its own
    (:data:`FOLLOWUP_FOCI`)."""
    if getattr(probe, "focus", ""):
        return probe.focus
    text = f"{probe.question} {probe.probes}".lower()
    for focus, cues in PROBE_FOCI.items():
        if any(c in text for c in cues):
            return focus
    return "general"


def _content_lemmas(doc) -> set[str]:
    return {t.lemma_.lower() for t in doc if t.pos_ in ("NOUN", "PROPN", "VERB", "ADJ") and not t.is_stop
            and len(t.lemma_) > 2}


def _expand(lemmas: set[str], lex) -> set[str]:
    """Lemmas with their synonym groups folded to one representative (the smallest word)."""
    return {min(lex.similar(w)) for w in lemmas}


def _similarity(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


#: The line of a probe nobody answered.
NOT_ANSWERED = "not answered: no speech was heard"


def judge_probe(answer_text: str, probe: Probe, scenario: Scenario, transcript: Any = None,
                level: str = "sde2", context: Mapping[str, str] | None = None) -> ProbeVerdict:
    """Judge an answer to a follow-up probe.

    An answer with no words is ``skipped`` (not weak: nothing was said); an answer that does not
    address the question is ``off-topic`` (:func:`starcoach.analysis.relevance.address`) with the
    line that says so, and is not rated on its content; the rest is ``strong``, ``mixed`` or
    ``weak`` against the probe's model answers.

    Args:
        answer_text: What the candidate said.
        probe: The probe asked.
        scenario: Its scenario.
        transcript: The :class:`starcoach.transcribe.Transcript` when the answer came from audio.
        level: The level the run is at.
        context: The candidate's answers to the STAR steps (step -> transcript), to recognise an
            answer that retells one of them; default: the scenario's strong examples.

    Returns:
        A :class:`ProbeVerdict` with the reasons.
    """
    from starcoach.analysis.relevance import address

    analysis = analyze_answer(answer_text, "probe", scenario, level=level, transcript=transcript)
    if analysis.no_speech:
        return ProbeVerdict("skipped", [NOT_ANSWERED], probe.key_line, False, analysis)
    lex = lexicon()
    doc = parse(analysis.transcript)
    focus = probe_focus(probe)
    relevance = address(doc, probe, scenario, context=context, focus=focus)
    if not relevance.on_topic:
        return ProbeVerdict("off-topic", [relevance.why, relevance.fix], probe.key_line, False, analysis)
    stmts = agency.statements(doc, lex)
    strong: list[str] = []
    weak: list[str] = []

    # the key line
    key_spec = phrases.phrase_spec(probe.key_line.strip().strip('"').strip())
    qs_doc = []
    key_hit = phrases.conveys(key_spec, doc, stmts, qs_doc)
    matched_key_line = key_hit is not None and key_hit.score >= 0.6
    if matched_key_line:
        strong.append(f"conveys the key line: {probe.key_line}")

    # what the weak answer shows
    for d in analysis.disqualifiers:
        if d.kind in _WEAK_KINDS or d.kind == "scenario":
            label = {"handoff": "hands the problem off", "routing": "routes it instead of owning it",
                     "assigned": "the work was assigned, not self-initiated", "team-credit": "credits the team, not you",
                     "vague-outcome": "vague outcome", "generic-reflection": "generic lesson",
                     "scenario": "a phrase that sinks this answer"}.get(d.kind, d.kind)
            weak.append(f"{label}: \"{d.text}\"")
    # what the candidate does that the weak answer does is not to their credit ("I fixed it for him")
    strong_doc, weak_doc = parse(probe.strong_answer), parse(probe.weak_answer)
    strong_acts = _shared_actions(stmts, agency.statements(strong_doc, lex), lex)
    weak_acts = _shared_actions(stmts, agency.statements(weak_doc, lex), lex) - strong_acts
    contributions = [st for st in stmts if agency.is_contribution(st, lex) and st.verb.text not in weak_acts]
    passed_on = {h.verb.i for h in agency.handoffs(doc, stmts, lex)}
    mine = [st for st in stmts if st.agent == agency.I and not st.negated and not st.hypothetical
            and st.verb.text not in weak_acts and st.verb.i not in passed_on and st.action not in _LIGHT_VERBS]
    if not contributions and focus in ("solution", "validation", "personal", "follow-through"):
        weak.append("no individual contribution: say what you did yourself")
    elif len(contributions) >= 2:
        strong.append(f"first-person actions: {', '.join(st.verb.text for st in contributions[:4])}")
    elif focus == "general" and len(mine) >= 2:
        # a judgement, a trade-off or a persuasion probe: what you decided, offered, accepted
        strong.append(f"speaks for what you did: {', '.join(st.verb.text for st in mine[:4])}")
    if _dismisses(doc):
        weak.append(f"dismisses the question: \"{doc[0:min(len(doc), 4)].text}\"")
    unsure = _unsure(doc)
    if unsure:
        weak.append(f"does not know the outcome: \"{unsure}\"")

    if focus == "validation":
        checks = [st for st in contributions if st.action in VALIDATION_VERBS or st.verb.lemma_.lower() in VALIDATION_VERBS]
        if len(checks) >= 2 or (checks and analysis.quantified):
            strong.append(f"evidence of validation: {', '.join(st.verb.text for st in checks[:4])}")
        elif checks:
            strong.append(f"some validation: {checks[0].verb.text}")
            weak.append("validation stops before production: say how you watched it after release")
        else:
            weak.append("no evidence of testing or validation")
    elif focus == "motivation":
        initiative = analysis.checks.get("self_initiated")
        if initiative is not None and initiative.ok:
            strong.append("self-initiated: " + "; ".join(f.text for f in initiative.evidence[:2]))
        noticed = [st for st in stmts if st.agent == agency.I and st.verb.lemma_.lower() in lex.similar("notice")]
        if noticed:
            strong.append(f"you noticed it yourself: \"{noticed[0].verb.text}\"")
        if not (initiative and initiative.ok) and not noticed:
            weak.append("no sign you started it yourself")
    elif focus == "differently":
        concrete_changes = [st for st in stmts if st.agent == agency.I and _concrete_change(st, lex)]
        specific = analysis.checks["reflection_specific"].ok
        story = _content_lemmas(parse(f"{scenario.overview} {probe.strong_answer}")) - set(lex.generic_nouns)
        overlap = _content_lemmas(doc) & story
        if specific and (overlap or analysis.checks["org_insight"].ok):
            strong.append("story-specific change: " + ", ".join(sorted(overlap)[:4] or ["organisational"]))
        elif specific:
            strong.append("a specific change, though not tied to this story")
        elif concrete_changes:
            st = concrete_changes[0]
            strong.append(f"a concrete change: \"{doc[st.first:st.last + 1].text} …\"")
            weak.append("not tied to what this story revealed")
        else:
            weak.append("generic: no story-specific insight")
        if analysis.checks["org_insight"].ok:
            strong.append("organisational insight")
    elif focus == "impact":
        business = analysis.checks["business_impact"]
        if analysis.quantified and business.ok:
            strong.append("measured, with what it was worth: " + ", ".join(q.text for q in analysis.quantified[:3]))
        elif analysis.quantified:
            strong.append("measured: " + ", ".join(q.text for q in analysis.quantified[:3]))
        else:
            weak.append("no number: give the metric before and after")
    elif focus == "personal":
        we = [st for st in stmts if st.agent == agency.WE and not st.negated]
        if len(we) > len(contributions):
            weak.append(f"'we' again: \"{doc[we[0].first:we[0].last + 1].text}\"")
    elif focus == "follow-through":
        checks = [st for st in contributions if st.action in VALIDATION_VERBS or st.verb.lemma_.lower() in VALIDATION_VERBS]
        if checks or analysis.quantified:
            strong.append("followed it through: " + ", ".join(
                [st.verb.text for st in checks[:3]] + [q.text for q in analysis.quantified[:2]]))
        elif not unsure:
            weak.append("does not say how it ended: what you checked, and what the numbers did")
    elif focus == "scope":
        scope, initiative = analysis.checks["scope_boundary"], analysis.checks["self_initiated"]
        if scope.ok or initiative.ok:
            strong.append("self-initiated: " + "; ".join(f.text for f in (scope.evidence + initiative.evidence)[:2]))
        elif not any(d.kind == "assigned" for d in analysis.disqualifiers):
            weak.append("does not say whose job it was or that nobody asked")
    elif focus == "org":
        if analysis.checks["org_insight"].ok:
            strong.append("organisational insight")
        else:
            weak.append("no organisational gap named: an owner, a shared target, a process")
    elif focus == "adoption":
        if analysis.checks["second_order"].ok:
            strong.append("lasting change: " + "; ".join(f.text for f in analysis.checks["second_order"].evidence[:2]))
        else:
            weak.append("nothing changed beyond the fix")
    elif focus == "solution":
        solution = [st for st in stmts if agency.is_solution(st, lex) and st.agent == agency.I]
        if solution:
            strong.append(f"brought a solution: \"{solution[0].verb.text}\"")
            backing = sorted({t.lemma_.lower() for t in doc if t.pos_ == "NOUN" and t.lemma_.lower() in _EVIDENCE})
            if len(backing) >= 2:
                strong.append("backed it with " + ", ".join(backing))
        elif not any("hands" in w or "routes" in w for w in weak):
            weak.append("no sign you brought a fix")

    # resemblance to the model answers: their content words (with synonyms), and what the
    # candidate does in them ("I fixed it for him" in the weak answer, "I asked him" in the strong)
    answer_lemmas = _expand(_content_lemmas(doc), lex)
    weak_lemmas = _expand(_content_lemmas(weak_doc), lex)
    sim_weak = _similarity(answer_lemmas, weak_lemmas)
    sim_strong = _similarity(answer_lemmas, _expand(_content_lemmas(strong_doc), lex))
    shared_weak = answer_lemmas & weak_lemmas
    weak_recall = len(shared_weak) / len(weak_lemmas) if weak_lemmas else 0.0
    if (sim_weak >= SIMILAR or len(shared_weak) >= 2 and weak_recall >= 0.6) and sim_weak > sim_strong:
        weak.append("close to the typical weak answer")
    elif sim_strong >= SIMILAR_STRONG and sim_strong > sim_weak + 0.1:
        strong.append("close to the strong answer")
    if weak_acts and len(strong_acts) < 2:
        weak.append(f"does what the weak answer does: {', '.join(sorted(weak_acts))}")
    if len(strong_acts) >= 2:
        strong.append(f"does what the strong answer does: {', '.join(sorted(strong_acts))}")

    verdict = _verdict(strong, weak, matched_key_line)
    if verdict == "weak" and not strong and not weak and len(doc) >= 20 and len(shared_weak) <= 1 and any(
            st.agent == agency.I and not st.negated for st in stmts):
        verdict = "mixed"  # in the first person and of some length, but nothing to check either way
        weak.append("nothing a Bar Raiser can check: add what you did and what it showed")
    reasons = (strong + weak) if verdict == "strong" else (weak + strong)
    return ProbeVerdict(verdict, reasons or ["too little to judge"], probe.key_line, matched_key_line, analysis,
                        strong, weak)


#: Nouns that show a fix came with its proof ("with tests, documentation and a rollback plan").
_EVIDENCE = lexicon().evidence


def _concrete_change(st: agency.Statement, lex) -> bool:
    """A first-person change with a concrete object ("I'd start reading their docs sooner")."""
    if st.action in lex.communication_verbs or st.action in lex.stative_verbs:
        return False
    tok = st.verb
    for _ in range(4):  # follow "start reading", "push to add"
        nxt = next((c for c in tok.children if c.dep_ == "xcomp" and c.pos_ == "VERB"), None)
        if nxt is None:
            break
        tok = nxt
    objects = [c for c in tok.children if c.dep_ in ("dobj", "pobj")] + [
        g for c in tok.children if c.dep_ == "prep" for g in c.children if g.dep_ == "pobj"]
    return any(o.pos_ in ("NOUN", "PROPN") and o.lemma_.lower() not in lex.generic_nouns for o in objects)


#: Content-word similarity (Jaccard, synonyms folded) from which an answer resembles a model answer.
SIMILAR = 0.3
#: … the strong one (paraphrases of a strong answer share fewer words than copies of a short weak one).
SIMILAR_STRONG = 0.2

_DISMISSALS = tuple(lexicon().table("dismissals"))


def _dismisses(doc) -> bool:
    """The answer waves the question away ("Nothing really, it was better in every way")."""
    start = doc.text.strip().lower()
    for filler in ("um, ", "uh, ", "honestly, ", "well, ", "so, ", "um ", "uh "):
        if start.startswith(filler):
            start = start[len(filler):]
    return start.startswith(_DISMISSALS)


#: Verbs too light to say what someone did ("I did it", "I got it", "I made sure").
_LIGHT_VERBS = lexicon().light_verbs


_UNSURE_CUES = tuple(lexicon().table("unsure_cues"))


def _unsure(doc) -> str:
    """Words where the candidate says they do not know what came of it ("I'm not sure what people
    did with it", "I don't really know if anyone changed anything"), or ""."""
    text = doc.text.lower()
    for cue in _UNSURE_CUES:
        at = text.find(cue)
        if at >= 0:
            return doc.text[at:at + len(cue)]
    return ""


def _shared_actions(answer_stmts, model_stmts, lex) -> set[str]:
    """First-person actions the answer shares with a model answer (verb lemmas, with synonyms)."""
    def acts(stmts) -> dict[str, str]:
        return {min(lex.similar(st.action)): st.verb.text for st in stmts
                if st.agent == agency.I and not st.negated and st.action not in lex.stative_verbs
                and st.action not in _LIGHT_VERBS}

    model = acts(model_stmts)
    return {text for key, text in acts(answer_stmts).items() if key in model}


def _verdict(strong: list[str], weak: list[str], key: bool) -> str:
    """Strong: two or more strong signals and nothing weak (or four against one). Weak: nothing
    strong, or weak signals outweighing strong ones by two (three against one). Mixed: the rest.
    (Resembling the strong answer much more than the weak one, or the reverse, weighs two.)"""
    s = len(strong) + (1 if key else 0) + sum(1 for x in strong if x == "close to the strong answer")
    w = len(weak) + sum(1 for x in weak if x == "close to the typical weak answer")
    if (w == 0 and s >= 2) or (w <= 1 and s >= 4):
        return "strong"
    if s == 0 or w >= s + 2:
        return "weak"
    return "mixed"

