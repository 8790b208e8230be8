"""Small helpers shared by the finding families: token spans to findings, and the grammar questions
every family asks (is this clause negated, hypothetical, who is its subject).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from starcoach.analysis.lexicon import lexicon
from starcoach.analysis.model import Finding

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc, Token

#: Dependency labels of a clause's subject.
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"})

#: Modal auxiliaries that make a clause hypothetical ("I would escalate", "could have fixed").
HYPOTHETICAL_AUX = lexicon().hypothetical_aux

#: Nouns that make a compound verb with the verb after them ("load tested", "smoke tested").
VERB_PREFIX_NOUNS = lexicon().verb_prefix_nouns

#: Relative pronouns: the subject of a relative clause is the noun it hangs on.
RELATIVE_PRONOUNS = lexicon().relative_pronouns


class FastDoc:
    """A Doc's tokens, text and sentences, built once and shared by every finding family.

    spaCy creates a new Token object on every ``doc[i]`` and joins the whole text on every
    ``doc.text``; over a 450-word answer the families would spend more time on that than on the
    analysis. Indexing a FastDoc returns the same Token objects from a list.
    """

    __slots__ = ("doc", "tokens", "text", "_ents", "_sents", "sent_start", "lowers", "lemmas", "_prefix", "_words",
                 "_pos", "_punct", "_tags", "_sent_index", "_sent_list", "sent_end", "_kids")

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.tokens = list(doc)
        self.text = doc.text
        self.lowers = [t.lower_ for t in self.tokens]
        self.lemmas = [t.lemma_.lower() for t in self.tokens]
        self._ents = None
        self._sents = None
        self._prefix: dict[str, list[int]] | None = None
        self._words: set[str] | None = None
        self._pos: list[str] | None = None
        self._punct: list[bool] | None = None
        self._tags: list[str] | None = None
        self._sent_index: list[dict[str, int]] | None = None
        self._sent_list: list | None = None
        self._kids: list[list[Token]] | None = None
        self.sent_start = [0] * len(self.tokens)
        self.sent_end = [0] * len(self.tokens)
        for start, end in self.sent_bounds:
            for i in range(start, end):
                self.sent_start[i] = start
                self.sent_end[i] = end

    def __getitem__(self, i):
        return self.tokens[i]

    def __len__(self) -> int:
        return len(self.tokens)

    def __iter__(self):
        return iter(self.tokens)

    @property
    def vocab(self):
        return self.doc.vocab

    @property
    def ents(self):
        if self._ents is None:
            self._ents = list(self.doc.ents)
        return self._ents

    @property
    def sent_bounds(self) -> list[tuple[int, int]]:
        if self._sents is None:
            self._sents = [(s.start, s.end) for s in self.doc.sents] if len(self.tokens) else []
        return self._sents

    @property
    def pos(self) -> list[str]:
        """Each token's coarse part of speech."""
        if self._pos is None:
            self._pos = [t.pos_ for t in self.tokens]
        return self._pos

    @property
    def tags(self) -> list[str]:
        """Each token's fine-grained tag."""
        if self._tags is None:
            self._tags = [t.tag_ for t in self.tokens]
        return self._tags

    @property
    def punct(self) -> list[bool]:
        """Whether each token is punctuation or space."""
        if self._punct is None:
            self._punct = [t.is_punct or t.is_space for t in self.tokens]
        return self._punct

    def word_set(self) -> set[str]:
        """Every lower-case text and lemma of the doc."""
        if self._words is None:
            self._words = set(self.lowers) | set(self.lemmas)
        return self._words

    def by_prefix(self, prefix: str) -> list[int]:
        """Indices of tokens whose lower-case text starts with ``prefix`` (5 letters)."""
        if self._prefix is None:
            self._prefix = {}
            for i, w in enumerate(self.lowers):
                if len(w) >= 5:
                    self._prefix.setdefault(w[:5], []).append(i)
        return self._prefix.get(prefix, [])

    @property
    def kids(self) -> list[list[Token]]:
        """Each token's children, in order."""
        if self._kids is None:
            self._kids = [[] for _ in self.tokens]
            for t in self.tokens:
                h = t.head.i
                if h != t.i:
                    self._kids[h].append(t)
        return self._kids

    def sentences(self) -> list[list[Token]]:
        if self._sent_list is None:
            self._sent_list = [self.tokens[a:b] for a, b in self.sent_bounds]
        return self._sent_list

    def sentence_index(self) -> list[dict[str, int]]:
        """For each sentence, its lower-case words and lemmas -> first token index."""
        if self._sent_index is None:
            self._sent_index = []
            for a, b in self.sent_bounds:
                index: dict[str, int] = {}
                for i in range(b - 1, a - 1, -1):
                    index[self.lowers[i]] = i
                    index[self.lemmas[i]] = i
                self._sent_index.append(index)
        return self._sent_index


def kids(tok: Token) -> list[Token]:
    """``tok.children`` as a list, from the FastDoc's table when the doc has one (spaCy builds new
    Token objects on every ``children`` walk)."""
    fd = tok.doc.user_data.get("starcoach.fast")
    if fd is None:
        return list(tok.children)
    return fd.kids[tok.i]


def fast(doc) -> FastDoc:
    """The FastDoc of ``doc`` (made once and kept in ``doc.user_data``)."""
    if isinstance(doc, FastDoc):
        return doc
    cached = doc.user_data.get("starcoach.fast")
    if cached is None:
        cached = FastDoc(doc)
        doc.user_data["starcoach.fast"] = cached
    return cached


def finding_from_tokens(doc: Doc, first: int, last: int, type_: str, **kw) -> Finding:
    """A finding covering tokens ``first..last`` (inclusive) of ``doc``."""
    fd = fast(doc)
    toks = fd.tokens
    first, last = max(0, first), min(len(toks) - 1, last)
    # never start or end on punctuation
    while first < last and toks[first].is_punct:
        first += 1
    while last > first and toks[last].is_punct and toks[last].text not in ("%", "$"):
        last -= 1
    start = toks[first].idx
    end = toks[last].idx + len(toks[last].text)
    return Finding(type_, fd.text[start:end], start, end, **kw)


def finding_from_chars(text: str, start: int, end: int, type_: str, **kw) -> Finding:
    return Finding(type_, text[start:end], start, end, **kw)


def negated(tok: Token) -> bool:
    """Whether the clause of ``tok`` is negated (a ``neg`` child, "never", "no longer")."""
    for child in kids(tok):
        if child.dep_ == "neg" or child.lower_ in ("never", "nobody"):
            return True
    return False


def hypothetical(tok: Token) -> bool:
    """Whether ``tok`` is under a modal auxiliary ("would escalate", "could have fixed")."""
    return any(c.dep_ == "aux" and c.lower_ in HYPOTHETICAL_AUX for c in kids(tok))


def own_subject(verb: Token) -> Token | None:
    """The verb's own subject token, resolving a relative pronoun to its noun and repairing a few
    parses the small model gets wrong on spoken answers."""
    children = list(kids(verb))
    for child in children:
        if child.dep_ in SUBJECT_DEPS:
            if child.lower_ in RELATIVE_PRONOUNS and verb.dep_ == "relcl":
                return verb.head
            if child.pos_ in ("VERB", "AUX") and child.dep_ in ("csubj", "csubjpass"):
                # "What I'd do differently is push for …": the doer of the pseudo-cleft
                return next((c for c in kids(child) if c.dep_ == "nsubj"), None)
            if child.pos_ == "VERB" and child.i == verb.i - 1:
                # "I load tested it": the parser made "load" the subject; its own subject is the one
                return next((c for c in kids(child) if c.dep_ == "nsubj"), None)
            if child.pos_ == "NOUN" and child.i == verb.i - 1 and child.dep_ == "nsubj" and not any(
                    c.dep_ == "det" for c in kids(child)):
                # "I had load tested it": "load" taken for the subject, "I" hung on the auxiliary
                real = next((g for c in children if c.dep_ == "aux" and c.i < child.i
                             for g in kids(c) if g.dep_ == "nsubj" and g.pos_ == "PRON"), None)
                if real is not None:
                    return real
                if verb.dep_ == "conj" and child.lower_ in VERB_PREFIX_NOUNS and not list(kids(child)):
                    return None  # "…, and load tested the path": the verb shares its conjunct's subject
            return child
    for aux in children:  # "What I'd do is push": the clause hangs on the auxiliary
        if aux.dep_ in ("aux", "auxpass"):
            for c in kids(aux):
                if c.dep_ in ("csubj", "csubjpass"):
                    return next((g for g in kids(c) if g.dep_ == "nsubj"), None)
    if verb.dep_ == "ROOT" and verb.tag_ in ("VBD", "VBZ", "VBP"):
        # "I added a policy, wrote a test, and rolled it out": the first conjunct parsed as a
        # clausal complement of the second
        for c in children:
            if c.dep_ == "ccomp" and c.i < verb.i and any(t.text == "," for t in verb.doc[c.i:verb.i]):
                subj = next((g for g in kids(c) if g.dep_ == "nsubj"), None)
                if subj is not None:
                    return subj
    if verb.dep_ == "acl" and verb.tag_ in ("VBD", "VBN") and verb.head.dep_ in ("ROOT", "relcl") \
            and verb.head.pos_ in ("NOUN", "PROPN") and verb.head.i == verb.i - 1:
        # "A customer escalated to our VP", "which finance valued at $40,000": a main verb the
        # parser hung on the noun before it
        return verb.head
    return None


def governing_chain(verb: Token) -> list[Token]:
    """The verb and the verbs it is the infinitive or conjunct of ("decided to escalate" → decided)."""
    chain = [verb]
    tok = verb
    while (tok.dep_ in ("xcomp", "conj") or tok.dep_ == "dep" and tok.head.pos_ == "VERB" and tok.head.i < tok.i) \
            and tok.head.i != tok.i and len(chain) < 6:
        if tok.dep_ in ("conj", "dep") and own_subject(tok) is not None:
            break
        tok = tok.head
        chain.append(tok)
    return chain


def controlling_subject(verb: Token) -> Token | None:
    """The subject of ``verb``, shared through coordination and infinitives when it has none."""
    for tok in governing_chain(verb):
        subj = own_subject(tok)
        if subj is not None:
            return subj
        if tok.dep_ == "acomp" and tok.head.i != tok.i:  # "I was able to reproduce"
            subj = own_subject(tok.head)
            if subj is not None:
                return subj
    return None


def chain_negated(verb: Token) -> bool:
    """Negated itself or through a governing verb ("didn't want to just escalate it")."""
    return any(negated(t) for t in governing_chain(verb))


def chain_hypothetical(verb: Token) -> bool:
    return any(hypothetical(t) for t in governing_chain(verb))


def sentence_of(tok: Token):
    return tok.sent


def merge_overlapping(findings: Iterable[Finding]) -> list[Finding]:
    """Drop findings that overlap an earlier (longer-first) finding of the same type and kind."""
    kept: list[Finding] = []
    for f in sorted(findings, key=lambda f: (f.start if f.start is not None else -1, -(f.end or 0))):
        if f.start is not None and any(k.type == f.type and k.kind == f.kind and k.overlaps(f.start, f.end)
                                       for k in kept):
            continue
        kept.append(f)
    return kept
