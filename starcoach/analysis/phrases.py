"""Phrases: the disqualifier families (``data/disqualifiers.toml``) and the scenario's own
disqualifiers, the step's key phrases, and the step checks (scope boundary, specific reflection,
organisational insight, business impact, second-order effect).

Families are spaCy ``Matcher`` and ``DependencyMatcher`` patterns over lemmas and the parse, so
"my manager asked me to", "my lead had asked me to" and "I was asked by my manager to" all match.
Scenario disqualifiers and key phrases are matched by meaning rather than by string: the content
words of the phrase (lemmas, with the synonyms of ``lexicon.toml``), its numbers (by value), its
negation and the person doing its verb must all be found in one sentence of the answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable

from starcoach.analysis.agency import (
    I,
    OTHER,
    PASSIVE,
    Statement,
    WE,
    _CAUSATIVE,
    classify_agent,
    handoffs,
    statements,
)
from starcoach.analysis.lexicon import (
    Family,
    Lexicon,
    PatternRule,
    disqualifier_families,
    lexicon,
    signal_families,
)
from starcoach.analysis.nlp import load_nlp
from starcoach.analysis.quantities import Quantity, quantities
from starcoach.analysis.spans import controlling_subject, fast, kids, negated, own_subject

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language
    from spacy.tokens import Doc, Token

_NEGATORS = lexicon().negators
_PHRASE_STOP = lexicon().phrase_stop


@dataclass(frozen=True)
class PatternMatch:
    """One match of a family pattern: the rule and the token range it covers."""

    rule: PatternRule
    first: int
    last: int


def _anchors(specs: list[dict]) -> tuple[frozenset[str], ...]:
    """Word sets that must each meet the text for a pattern to match.

    One set per required token of the pattern that tests LEMMA / LOWER / ORTH for equality or an
    IN list (lower-cased), and one per TAG test ("tag:JJR"); a text missing every word of any one
    set cannot match, so the pattern is skipped for it.
    """
    sets = []
    for spec in specs:
        op = spec.get("OP")
        if op in ("?", "*") or (isinstance(op, str) and op.startswith("{0")):
            continue
        for attr in ("LEMMA", "LOWER", "ORTH", "TEXT"):
            value = spec.get(attr)
            if isinstance(value, str):
                sets.append(frozenset({value.lower()}))
            elif isinstance(value, dict) and isinstance(value.get("IN"), list):
                sets.append(frozenset(str(v).lower() for v in value["IN"]))
        value = spec.get("TAG")  # "tag:JJR": a comparative must be in the sentence
        if isinstance(value, str):
            sets.append(frozenset({f"tag:{value}"}))
        elif isinstance(value, dict) and isinstance(value.get("IN"), list):
            sets.append(frozenset(f"tag:{v}" for v in value["IN"]))
    return tuple(sets)


class FamilyMatcher:
    """spaCy Matcher + DependencyMatcher for a set of families.

    Each pattern has its own matcher, built and validated once. A sentence only runs the patterns
    it could match: a pattern one of whose required words (see :func:`_anchors`) is absent from the
    sentence is skipped.
    """

    def __init__(self, nlp: Language, families: tuple[Family, ...]) -> None:
        from spacy.matcher import DependencyMatcher, Matcher

        self.vocab = nlp.vocab
        self.families = {f.id: f for f in families}
        self.rules: dict[str, PatternRule] = {}
        self.anchors: dict[str, tuple[frozenset[str], ...]] = {}
        self.matchers: dict[str, object] = {}
        self.by_word: dict[str, list[str]] = {}  # a word of a rule's smallest anchor set -> rule ids
        self.unanchored: list[str] = []
        self._anchor_ids: dict[frozenset[str], int] = {}
        self._word_anchors: dict[str, list[int]] = {}
        self._needs: dict[str, frozenset[int]] = {}
        for fam in families:
            for rule in fam.rules:
                self.rules[rule.id] = rule
                specs = rule.pattern if rule.matcher == "token" else [n.get("RIGHT_ATTRS", {}) for n in rule.pattern]
                anchors = tuple(sorted(_anchors(specs), key=len))
                self.anchors[rule.id] = anchors
                need = set()
                for a in anchors:  # each distinct anchor set gets a number; a word lists the sets it is in
                    if a not in self._anchor_ids:
                        self._anchor_ids[a] = len(self._anchor_ids)
                        for word in a:
                            self._word_anchors.setdefault(word, []).append(self._anchor_ids[a])
                    need.add(self._anchor_ids[a])
                self._needs[rule.id] = frozenset(need)
                if anchors:
                    for word in anchors[0]:
                        self.by_word.setdefault(word, []).append(rule.id)
                else:
                    self.unanchored.append(rule.id)
                # one matcher per pattern, validated now so a bad data file fails at load
                matcher = DependencyMatcher(nlp.vocab, validate=True) if rule.matcher == "dep" else \
                    Matcher(nlp.vocab, validate=True)
                matcher.add(rule.id, [rule.pattern])
                self.matchers[rule.id] = matcher
        self._positions = {rule_id: k for k, rule_id in enumerate(self.rules)}

    def __call__(self, doc: Doc, step: frozenset[str] | None = None,
                 every_step: frozenset[str] = frozenset()) -> list[PatternMatch]:
        """The matches in ``doc`` of the rules that apply to a step with the roles ``step`` (None:
        every rule); the families in ``every_step`` are matched whatever their roles."""
        fd = fast(doc)
        tags = fd.tags
        whole = fd.word_set() | {f"tag:{t}" for t in set(tags)}
        rules = self._candidates(whole, step, every_step)
        found: list[PatternMatch] = []
        if not rules:
            return found
        # sentence by sentence, each with only the patterns whose words it holds; the dependency
        # patterns run on the sentence's own Doc (a Span would be copied for every pattern)
        pieces = _pieces(fd)
        dep_live: dict[int, set[str]] = {}
        checks = [(r, self._needs[rule_id]) for rule_id, r in rules.items()]
        word_anchors = self._word_anchors
        for (start, end), index in zip(fd.sent_bounds, fd.sentence_index()):
            met: set[int] = set()  # the anchor sets this sentence has a word of
            for word in index:
                ids = word_anchors.get(word)
                if ids:
                    met.update(ids)
            for tag in set(tags[start:end]):
                ids = word_anchors.get(f"tag:{tag}")
                if ids:
                    met.update(ids)
            live = [r for r, need in checks if need <= met]
            if not live:
                continue
            span = None
            for rule in live:
                if rule.matcher == "dep":
                    piece = next(k for k, (off, d) in enumerate(pieces) if off <= start < off + len(d))
                    dep_live.setdefault(piece, set()).add(rule.id)
                    continue
                span = span if span is not None else fd.doc[start:end]
                for _id, a, b in self.matchers[rule.id](span):
                    found.append(PatternMatch(rule, start + a, start + b - 1))
        for piece, rule_ids in dep_live.items():
            offset, piece_doc = pieces[piece]
            for rule_id in sorted(rule_ids):
                rule = self.rules[rule_id]
                for _id, token_ids in self.matchers[rule_id](piece_doc):
                    ids = [offset + i for i in token_ids]
                    first, last = min(ids), max(ids)
                    for i in ids:  # "The team was happy": the whole subject
                        tok = fd[i]
                        if tok.dep_ in ("nsubj", "nsubjpass") and first - tok.left_edge.i <= 4:
                            first = min(first, tok.left_edge.i)
                    found.append(PatternMatch(rule, first, last))
        kept = []
        for m in found:
            if step is not None and m.rule.roles and step.isdisjoint(m.rule.roles) and m.rule.family not in every_step:
                continue
            if not m.rule.keep_negated and _match_negated(doc, m.first, m.last):
                continue
            if m.rule.by_candidate and not _candidates_clause(fd, m.first, m.last):
                continue
            kept.append(m)
        return _longest_per_family(kept)


    def _candidates(self, words, step: frozenset[str] | None,
                    every_step: frozenset[str] = frozenset()) -> dict[str, PatternRule]:
        """The rules (by id, in data-file order) that apply to ``step`` and whose every anchor
        set meets ``words``, found through the index of their smallest anchor set."""
        ids = set(self.unanchored)
        for word in words:
            found = self.by_word.get(word)
            if found:
                ids.update(found)
        out = {}
        for rule_id in sorted(ids, key=self._order):
            rule = self.rules[rule_id]
            if (step is None or not rule.roles or not step.isdisjoint(rule.roles) or rule.family in every_step) and all(
                    not a.isdisjoint(words) for a in self.anchors[rule_id][1:]):
                out[rule_id] = rule
        return out

    def _order(self, rule_id: str) -> int:
        return self._positions[rule_id]


def _pieces(fd) -> list:
    """(token offset, Doc) of the sentence Docs the text was parsed as (see
    :func:`starcoach.analysis.nlp.parse`), or the whole Doc as one piece."""
    pieces = fd.doc.user_data.get("starcoach.pieces")
    if pieces and sum(len(d) for _o, d in pieces) == len(fd):
        return pieces
    return [(0, fd.doc)]


def _longest_per_family(matches: list[PatternMatch]) -> list[PatternMatch]:
    """Overlapping matches of one family collapse to their union."""
    out: list[PatternMatch] = []
    for m in sorted(matches, key=lambda m: (m.rule.family, m.first, -m.last)):
        if out and out[-1].rule.family == m.rule.family and m.first <= out[-1].last:
            prev = out[-1]
            out[-1] = PatternMatch(prev.rule, prev.first, max(prev.last, m.last))
            continue
        out.append(m)
    return sorted(out, key=lambda m: m.first)


def _match_negated(doc: Doc, first: int, last: int) -> bool:
    """A match in a negated clause ("nobody asked me to", "I wasn't told to", "without being asked")."""
    doc = fast(doc)
    for tok in doc[first:last + 1]:
        if tok.dep_ == "neg" or tok.lower_ in ("n't", "not", "never", "nobody"):
            return True
    for k in range(max(0, first - 3), first):
        if doc[k].lower_ in ("without", "not", "n't", "never", "nobody", "no"):
            return True
    inside = doc[first:last + 1]
    root = next((t for t in inside if not (first <= t.head.i <= last) or t.head.i == t.i), inside[0])
    heads = [root]
    if root.dep_ in ("xcomp", "acomp", "dobj", "attr", "prep", "pobj", "advmod", "prt", "oprd", "dative"):
        heads.append(root.head)  # the span is part of its head's clause
    for tok in heads:
        if tok.pos_ in ("VERB", "AUX") and negated(tok):
            return True
        subj = own_subject(tok) if tok.pos_ in ("VERB", "AUX") else None
        if subj is not None and (subj.lower_ in ("nobody", "noone", "none") or
                                 any(c.lower_ == "no" for c in kids(subj))):
            return True
    return False


def _candidates_clause(doc, first: int, last: int) -> bool:
    """Whether the clause a match hangs on is the candidate's: the first verb above the match
    (outside it) has I or we as its subject, or no subject at all."""
    tok = doc[first]
    for _ in range(12):
        if tok.head.i == tok.i:
            break
        tok = tok.head
        if tok.pos_ in ("VERB", "AUX") and not first <= tok.i <= last:
            subject = controlling_subject(tok)
            return subject is None or classify_agent(subject) in (I, WE) or subject.lower_ in ("i", "we")
    return True


@lru_cache(maxsize=1)
def family_matcher() -> FamilyMatcher:
    """One matcher for the disqualifier families and the signal families (one pass per answer)."""
    return FamilyMatcher(load_nlp(), disqualifier_families() + signal_families())


@lru_cache(maxsize=1)
def _signal_ids() -> frozenset[str]:
    return frozenset(f.id for f in signal_families())


def all_matches(doc: Doc, step: frozenset[str] | None = None) -> list[PatternMatch]:
    """The family matches in ``doc``: every signal, and the disqualifier patterns that apply to a
    step with the roles ``step`` (None: every step); computed once per doc and roles."""
    fd = fast(doc)
    cache = fd.doc.user_data.setdefault("starcoach.matches", {})
    if step not in cache:
        if None in cache:
            cache[step] = cache[None]  # the matches of every step hold those of this one
        else:
            cache[step] = family_matcher()(fd, step, _signal_ids())
    return cache[step]


def disqualifier_matcher():
    """The matcher of the disqualifier families (also holds the signals)."""
    return family_matcher()


def general_disqualifiers(doc: Doc, step: frozenset[str] | None) -> list[PatternMatch]:
    """Matches of the general disqualifier families that apply to a step with the roles ``step``
    (None: any step; ``{"probe"}`` for a follow-up answer)."""
    sig = _signal_ids()
    return [m for m in all_matches(doc, step) if m.rule.family not in sig
            and (step is None or not m.rule.roles or not step.isdisjoint(m.rule.roles))]


def signals(doc: Doc, step: frozenset[str] | None = None) -> dict[str, list[PatternMatch]]:
    """Matches of the positive signal families, by family id."""
    sig = _signal_ids()
    out: dict[str, list[PatternMatch]] = {}
    cache = fast(doc).doc.user_data.get("starcoach.matches") or {}
    # every cached step holds all the signals
    matches = next(iter(cache.values())) if cache else all_matches(doc)
    for m in matches:
        if m.rule.family in sig and (step is None or not m.rule.roles or not step.isdisjoint(m.rule.roles)):
            out.setdefault(m.rule.family, []).append(m)
    return out


# --- conveying a phrase ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PhraseSpec:
    """What a key phrase or scenario disqualifier requires of an answer sentence.

    Attributes:
        text: The phrase.
        content: For each content word, the lemmas that convey it (with synonyms).
        values: Numbers the phrase quantifies (matched by value).
        negation: The phrase is negative ("not my team", "no alerting").
        verb: Lemmas of its main verb when a pronoun does it ("I pulled": pull…), else empty.
        agent: Who must do that verb (``i``, ``we``, ``other``), or None.
        sequence: The phrase's words in order (pronouns by agent class, negations), for short phrases.
        n_tokens: Its number of words.
        verb_pos: Where the verb stands among the content words (-1 without a verb).
        spread: The largest number of dependency arcs between two of its content words (and the
            verb) in the phrase's own parse: how tightly its words hang together.
        roles: For the content words and the verb in order, ``subj`` (who does it), ``obj`` (what
            it is done to) or None: "my manager asked" must not match "I told my manager".
    """

    text: str
    content: tuple[frozenset[str], ...]
    values: tuple[float, ...]
    negation: bool
    verb: frozenset[str]
    agent: str | None
    sequence: tuple[tuple[str, frozenset[str]], ...] = ()
    n_tokens: int = 0
    verb_pos: int = -1
    spread: int = 0
    roles: tuple[str | None, ...] = ()

    @property
    def size(self) -> int:
        return len(self.content) + len(self.values) + (1 if self.verb else 0) + (1 if self.negation else 0)


@lru_cache(maxsize=512)
def phrase_spec(text: str) -> PhraseSpec:
    """Parse a phrase (cached) into what conveying it takes."""
    lex = lexicon()
    doc = load_nlp()(text)
    qs = quantities(doc, lex)
    q_tokens = {i for q in qs for i in range(q.first, q.last + 1)}
    values = tuple(q.value for q in qs if q.value is not None)
    negation = any(t.lower_ in ("no", "not", "n't", "never", "nobody", "none", "without", "lack") or t.dep_ == "neg"
                   for t in doc)
    verb_tok = None
    agent = None
    for t in doc:
        if t.pos_ in ("VERB", "AUX") and t.lemma_.lower() not in ("be", "have", "do"):
            if t.tag_ == "VB" and t.dep_ in ("ccomp", "xcomp") and t.head.lemma_.lower() in _CAUSATIVE:
                continue  # "letting him drive": "him" is the object of "let", "drive" a content word
            subj = own_subject(t)
            if subj is not None and subj.pos_ == "PRON":
                cls = classify_agent(subj, lex)
                if cls is not None:
                    verb_tok, agent = t, cls
                    break
    content = []
    structure: list = []  # the content words and the verb, in order: their tokens in the phrase
    verb_pos = -1
    for t in doc:
        if verb_tok is not None and t.i == verb_tok.i:
            verb_pos = len(content)
            structure.append(t)
            continue
        if t.i in q_tokens or t.is_punct:
            continue
        lemma = t.lemma_.lower()
        if lemma in _PHRASE_STOP or t.lower_ in _PHRASE_STOP or t.pos_ in ("DET", "ADP", "PRON", "CCONJ", "PART", "AUX"):
            continue
        content.append(lex.similar(lemma) | lex.similar(t.lower_))
        structure.append(t)
    shaped = structure
    if doc[0].tag_ in ("VBD", "VBN", "VB", "VBP") and not any(t.dep_ in ("nsubj", "nsubjpass") and t.head.i == 0
                                                               for t in doc):
        # "added retries and the errors went away": a clause without its subject parses badly
        # alone; its shape is read from "I added retries …"
        full = load_nlp()(f"I {text}")
        if len(full) == len(doc) + 1:
            shaped = [full[t.i + 1] for t in structure]
    spread = max((tree_distance(a, b) for k, a in enumerate(shaped) for b in shaped[k + 1:]), default=0)
    roles = tuple(semantic_role(t) if t.pos_ in ("NOUN", "PROPN") else None for t in shaped)
    verb = (lex.similar(verb_tok.lemma_.lower()) | {verb_tok.lemma_.lower()}) if verb_tok is not None else frozenset()
    sequence = []
    for t in doc:
        if t.is_punct or t.pos_ == "DET":
            continue
        if t.pos_ == "PRON":
            sequence.append(("pron", frozenset({classify_agent(t, lex) or "thing"})))
        elif t.dep_ == "neg" or t.lower_ in ("no", "not", "n't", "never"):
            sequence.append(("neg", frozenset()))
        else:
            sequence.append(("word", lex.similar(t.lemma_.lower()) | {t.lower_}))
    return PhraseSpec(text, tuple(content), values, negation, frozenset(verb), agent, tuple(sequence),
                      sum(1 for t in doc if not t.is_punct), verb_pos, spread, roles)


def semantic_role(tok: Token) -> str | None:
    """``subj`` for a doer (subject, "by" agent), ``obj`` for what is acted on (object, passive
    subject), None otherwise."""
    if tok.dep_ in ("nsubj", "csubj") or tok.dep_ == "pobj" and tok.head.dep_ == "agent":
        return "subj"
    if tok.dep_ in ("dobj", "nsubjpass", "dative"):
        return "obj"
    return None


def tree_distance(a: Token, b: Token) -> int:
    """Number of dependency arcs between two tokens of one sentence."""
    up: dict[int, int] = {}
    tok, d = a, 0
    while True:
        up[tok.i] = d
        if tok.head.i == tok.i or d > 40:
            break
        tok, d = tok.head, d + 1
    tok, d = b, 0
    while tok.i not in up:
        if tok.head.i == tok.i or d > 40:
            return 99
        tok, d = tok.head, d + 1
    return d + up[tok.i]


#: A scenario phrase's words in the answer: at most this many other words between two of them
#: when they come in the phrase's order.
PHRASE_WINDOW_GAP = 3
#: … or, in any order, at most this many dependency arcs more between them than in the phrase
#: (and never fewer than two: "a support problem" / "a problem with support").
PHRASE_TREE_SLACK = 0


def _shaped(spec: PhraseSpec, tokens: list) -> bool:
    """Whether the answer's tokens for a phrase's content words (and verb, at ``spec.verb_pos``)
    have the phrase's structure: in its order with small gaps ("a support problem"), or bound as
    tightly in the parse ("it was assigned to me" for "they assigned it to me"). Words that only
    share a sentence ("The deeper problem was organizational: support tickets …") do not."""
    if len(tokens) < 2:
        return True
    for tok, role in zip(tokens, spec.roles):
        if role is not None and {role, semantic_role(tok)} == {"subj", "obj"}:
            return False  # the phrase's doer is the answer's object, or the reverse
    idx = [t.i for t in tokens]
    if all(0 < b - a <= PHRASE_WINDOW_GAP + 1 for a, b in zip(idx, idx[1:])):
        return True
    limit = max(spec.spread, 2) + PHRASE_TREE_SLACK
    return all(tree_distance(a, b) <= limit for k, a in enumerate(tokens) for b in tokens[k + 1:])


def _in_sequence(spec: PhraseSpec, sent) -> bool:
    """The phrase's words in order in ``sent``, at most two other words between any two."""
    lex = lexicon()
    tokens = [t for t in sent if not t.is_punct]

    def ok(tok, item) -> bool:
        what, options = item
        if what == "pron":
            return tok.pos_ == "PRON" and (classify_agent(tok, lex) or "thing") in options
        if what == "neg":
            return tok.dep_ == "neg" or tok.lower_ in ("no", "not", "n't", "never")
        return _word_matches(tok, options)

    items = list(spec.sequence)
    if not items:
        return False
    for start in range(len(tokens)):
        if not ok(tokens[start], items[0]):
            continue
        pos, good = start, True
        for item in items[1:]:
            nxt = next((k for k in range(pos + 1, min(len(tokens), pos + 4)) if ok(tokens[k], item)), None)
            if nxt is None:
                good = False
                break
            pos = nxt
        if good:
            return True
    return False


def _word_matches(tok: Token, options: frozenset[str]) -> bool:
    lemma = tok.lemma_.lower()
    lower = tok.lower_
    if lemma in options or lower in options:
        return True
    if len(lower) >= 5:
        for o in options:
            if len(o) >= 5 and (lower[:5] == o[:5] and (lower.startswith(o[:-2]) or o.startswith(lower[:-2]))):
                return True
    return False


@dataclass(frozen=True)
class Conveyed:
    """Where an answer conveys a phrase: token range and the share of the phrase found."""

    first: int
    last: int
    score: float


def conveys(spec: PhraseSpec, doc: Doc, stmts: list[Statement], qs: list[Quantity],
            threshold: str = "key") -> Conveyed | None:
    """Whether one sentence of ``doc`` conveys ``spec``.

    Args:
        threshold: ``key`` (most of the phrase: all of up to two words, two of three, three of
            four or five …) or ``all`` (every word, for scenario disqualifiers).
    """
    size = spec.size
    if size == 0:
        return None
    need = size if (threshold == "all" or size <= 2) else max(2, math.ceil(size * 0.6))
    best: Conveyed | None = None
    fd = fast(doc)
    # quick test on the whole answer: can enough of the phrase be there at all?
    words = fd.word_set()
    present = sum(1 for options in spec.content if options & words or any(
        len(o) >= 5 and fd.by_prefix(o[:5]) for o in options))
    present += len(spec.values) + (1 if spec.verb and spec.verb & words else 0) + (1 if spec.negation else 0)
    if present < need:
        return None
    for sent, index in zip(fd.sentences(), fd.sentence_index()):
        hits: list[int] = []
        matched = 0
        options_found: list[list[int]] = []  # per content word: where it is in this sentence
        verb_hit = None
        if spec.verb:
            for st in stmts:
                if fd.sent_start[st.verb.i] != sent[0].i or st.negated and not spec.negation:
                    continue
                if spec.agent is not None and st.agent != spec.agent:
                    continue
                if st.verb.lemma_.lower() in spec.verb or st.action in spec.verb:
                    verb_hit = st
                    break
            if verb_hit is not None:
                matched += 1
                hits.extend([verb_hit.first, verb_hit.last])
        for options in spec.content:
            exact = [index[o] for o in options if o in index]
            if exact:
                matched += 1
                hits.append(min(exact))
                if threshold == "all":
                    options_found.append(sorted({t.i for t in sent if fd.lowers[t.i] in options
                                                 or fd.lemmas[t.i] in options}))
                continue
            candidates = sorted({i for o in options if len(o) >= 5 for i in fd.by_prefix(o[:5])
                                 if sent[0].i <= i <= sent[-1].i})
            found = [i for i in candidates if _word_matches(fd[i], options)]
            if found:
                matched += 1
                hits.append(found[0])
                options_found.append(found)
        for value in spec.values:
            q = next((q for q in qs if sent[0].i <= q.first <= sent[-1].i and q.value is not None and
                      (abs(q.value - value) <= max(0.01, abs(value) * 0.02))), None)
            if q is not None:
                matched += 1
                hits.extend([q.first, q.last])
        if spec.negation:
            neg = next((t for t in sent if t.lower_ in _NEGATORS or t.dep_ == "neg"), None)
            if neg is not None:
                matched += 1
            elif threshold == "all" or spec.size <= 3:
                continue  # "no alerting", "not my team": the negation is the point
        if spec.verb and threshold == "all" and not any(
                fd.sent_start[st.verb.i] == sent[0].i and (st.verb.lemma_.lower() in spec.verb or st.action in spec.verb)
                and not st.negated for st in stmts):
            continue
        if threshold == "all" and hits and max(hits) - min(hits) > 3 * spec.n_tokens + 2:
            continue  # the words are there but too far apart to be the phrase
        if threshold == "all" and matched >= need:
            shape = _best_shape(spec, options_found, verb_hit, fd)
            if shape is None:
                continue  # the words are in the sentence but not as the phrase
            if size <= 2 and not _in_sequence(spec, sent):
                # a short phrase in other words: two of its words bound together, and its
                # negation on them ("Quietly, we fixed it"; "I escalated the whole thing to my manager")
                if len(shape) < 2 or spec.negation and not any(
                        (t.dep_ == "neg" or t.lower_ in _NEGATORS) and min(tree_distance(t, fd[i]) for i in shape) <= 2
                        for t in sent):
                    continue
            hits = shape + [i for i in hits if i not in shape and verb_hit is not None
                            and i in (verb_hit.first, verb_hit.last)]
        if matched >= need and hits:
            cand = Conveyed(min(hits), max(hits), matched / size)
            if best is None or cand.score > best.score:
                best = cand
    return best


def _best_shape(spec: PhraseSpec, options_found: list[list[int]], verb_hit, fd) -> list[int] | None:
    """Token indices, one per content word (and the verb), that have the phrase's structure
    (:func:`_shaped`); None when no choice has it."""
    import itertools

    choices = [opts[:6] for opts in options_found]
    if verb_hit is not None:
        pos = spec.verb_pos if 0 <= spec.verb_pos <= len(choices) else len(choices)
        choices.insert(pos, [verb_hit.verb.i])
    if len(choices) < 2:
        return [c[0] for c in choices]
    for n, combo in enumerate(itertools.product(*choices)):
        if n >= 256:
            break
        if len(set(combo)) == len(combo) and _shaped(spec, [fd[i] for i in combo]):
            return list(combo)
    return None


@lru_cache(maxsize=256)
def phrase_kind(text: str) -> str:
    """The general family a scenario disqualifier phrase belongs to ("scenario" if none)."""
    doc = load_nlp()(text)
    stmts = statements(doc)
    for h in handoffs(doc, stmts):
        return h.kind
    for m in general_disqualifiers(doc, None):
        return m.rule.family
    if any(st.agent == WE for st in stmts):
        return "team-credit"
    if any(st.agent == OTHER for st in stmts):
        return "handoff"
    return "scenario"


# --- step checks -------------------------------------------------------------------------------------


def concrete_nouns(doc: Doc, lex: Lexicon | None = None, skip: Iterable[tuple[int, int]] = ()) -> list[Token]:
    """Nouns that carry a story (not "communication", "lesson", "things")."""
    lex = lex or lexicon()
    skipped = {i for a, b in skip for i in range(a, b + 1)}
    out = []
    fd = fast(doc)
    pos = fd.pos
    for i in range(len(fd)):
        if i in skipped or pos[i] not in ("NOUN", "PROPN"):
            continue
        t = fd[i]
        if t.is_stop:
            continue
        lemma = t.lemma_.lower()
        if lemma in lex.generic_nouns or lemma in lex.generic_virtues or len(lemma) < 3:
            continue
        out.append(t)
    return out


#: Organisational-insight words that carry it alone.
_ORG_CORE = lexicon().org_core


def org_terms(doc: Doc, lex: Lexicon | None = None) -> tuple[list[Token], list[Token]]:
    """(strong, weak) organisational-insight words of ``doc``."""
    lex = lex or lexicon()
    strong, weak = [], []
    doc = fast(doc)
    wanted = lex.org_terms_strong | lex.org_terms_weak | {"cross"}
    for i in range(len(doc)):
        lemma, lower = doc.lemmas[i], doc.lowers[i]
        if lemma not in wanted and lower not in wanted:
            continue
        t = doc[i]
        if t.pos_ in ("NOUN", "PROPN", "ADJ", "ADV") and (lemma in lex.org_terms_strong or lower in lex.org_terms_strong):
            if lemma == "owner" and any(c.lower_ in ("my", "code") for c in kids(t)):
                continue
            strong.append(t)
        elif lower == "cross" and t.i + 2 < len(doc) and doc[t.i + 1].text == "-" and doc[t.i + 2].lemma_.lower() == "team":
            weak.append(t)
        elif lemma in lex.org_terms_weak or lower in lex.org_terms_weak:
            if lemma == "across" and not any(c.lemma_.lower() in ("team", "org", "service", "boundary", "company")
                                             for c in t.subtree):
                continue
            if lemma == "team" and lower != "teams":
                continue
            weak.append(t)
    return strong, weak


def org_insight_score(doc: Doc, lex: Lexicon | None = None, sigs=None) -> tuple[float, list[Token]]:
    """How strongly ``doc`` reads as organisational insight, and the words that show it.

    A core word ("organizational", "systemic", "SLO", "error budget", "ownership", "process") counts 2, another
    organisational word ("owner", "checklist", "review", "standard") 1, a cross-team word ("teams",
    "shared", "boundary") 0.5, and the systemic framing "the real gap/root cause was" 1.5.
    """
    strong, weak = org_terms(doc, lex)
    score = sum(2.0 if t.lemma_.lower() in _ORG_CORE or t.lower_ in _ORG_CORE or (
        t.lemma_.lower() == "budget" and any(c.lower_ == "error" for c in kids(t))) else 1.0 for t in strong)
    score += 0.5 * len(weak)
    framing = (sigs if sigs is not None else signals(doc)).get("systemic-framing", [])
    score += 1.5 * min(1, len(framing))
    words = strong + weak + [fast(doc)[m.first] for m in framing]
    return score, sorted(words, key=lambda t: t.i)


def has_org_insight(doc: Doc, lex: Lexicon | None = None, sigs=None) -> tuple[bool, list[Token]]:
    score, words = org_insight_score(doc, lex, sigs)
    return score >= 2.0, words


__all__ = [
    "Conveyed",
    "FamilyMatcher",
    "PatternMatch",
    "PhraseSpec",
    "concrete_nouns",
    "conveys",
    "general_disqualifiers",
    "has_org_insight",
    "org_insight_score",
    "org_terms",
    "phrase_kind",
    "phrase_spec",
    "signals",
]
