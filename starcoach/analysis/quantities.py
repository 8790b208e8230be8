"""Quantified results: percentages, money, durations, counts of measured things, rates,
multipliers and before/after deltas — in digits ("$8,000", "0.3%") or words ("eight thousand
dollars a week", "from forty minutes to eleven", "cut in half").

Not results: dates and times of day ("in 2022", "last week", "one morning"), ordinals, versions
and names ("Android 12", "P2"), small counts of incidental things ("two workers", "three retries"),
"a/an" + unit ("for an hour"), and vague magnitudes ("a ton of money").

Numbers are read from the tokens (spaCy's ``like_num`` plus Whisper's spellings: "8K", "40x",
"200ms", "forty-five"); the parse gives the counted noun (``nummod``) and the lemmatizer the
unit; NER marks relative dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starcoach.analysis.lexicon import Lexicon, lexicon
from starcoach.analysis.spans import fast, kids

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc, Token

_UNITS = lexicon().table("units")
_TENS = lexicon().table("tens")
_SCALES = lexicon().table("scales")
_NUMBER_WORDS = {**_UNITS, **_TENS, **_SCALES, "dozen": 12}
_SUFFIX_SCALE = lexicon().table("suffix_scale")
_FRACTION_VALUES = lexicon().table("fraction_values")
_DIGITS = re.compile(r"^~?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$")
_SUFFIXED = re.compile(r"^~?(\d+(?:\.\d+)?)(k|m|b|bn|mm|x|ms|s|sec|secs|h|hr|hrs|min|mins|gb|mb|tb|kb|%|d|w)$", re.I)
_UNIT_SUFFIX = lexicon().table("unit_suffix")
_CURRENCY = lexicon().currency
_APPROX = lexicon().approx
_RELATIVE_TIME = lexicon().relative_time
_DATE_LEADS = lexicon().date_leads
_RATE_PREPS = lexicon().rate_preps
_DURATION_PREPS = lexicon().duration_preps
_DELTA_VERBS = lexicon().delta_verbs
_MONTHS = lexicon().months


@dataclass(frozen=True)
class Number:
    """A number read from consecutive tokens ("eight thousand", "1,000", "8K")."""

    first: int
    last: int
    value: float
    scale_unit: str = ""  # unit carried inside the token ("200ms" -> "ms", "40x" -> "x", "8K" -> "k")


@dataclass(frozen=True)
class Quantity:
    """A quantified expression in the answer.

    Attributes:
        kind: ``percent``, ``money``, ``duration``, ``count``, ``multiplier``, ``rate`` or
            ``delta``.
        first: First token index.
        last: Last token index (inclusive).
        value: The (first) number's value (the new value for "to" deltas), None for verbal deltas
            ("doubled").
        unit: The unit or counted noun lemma ("%", "$", "minute", "customer", "x").
        rate: The period of a rate ("week" in "$8,000 a week"), "" otherwise.
    """

    kind: str
    first: int
    last: int
    value: float | None
    unit: str = ""
    rate: str = ""


def _token_number(tok: Token) -> tuple[float, str] | None:
    text = tok.text.lower().replace("\u2009", "")
    if len(text) > 2 and text.endswith(".") and text[-2].isalpha():
        text = text[:-1]  # "$8K." at the end of a sentence is one token
    m = _DIGITS.match(text)
    if m:
        whole = m.group(1).replace(",", "")
        frac = m.group(2)
        return (float(f"{whole}.{frac}") if frac else float(whole)), ""
    m = _SUFFIXED.match(text)
    if m:
        value = float(m.group(1))
        suffix = m.group(2).lower()
        if suffix in _SUFFIX_SCALE:
            return value * _SUFFIX_SCALE[suffix], suffix
        if suffix == "x":
            return value, "x"
        if suffix == "%":
            return value, "%"
        return value, _UNIT_SUFFIX.get(suffix, suffix)
    if text in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[text]), ""
    return None


def numbers(doc: Doc) -> list[Number]:
    """Every number in ``doc``, consecutive number words joined ("eighteen hundred" = 1800)."""
    doc = fast(doc)
    found: list[Number] = []
    i, n = 0, len(doc)
    lowers = doc.lowers
    while i < n:
        lower = lowers[i]
        if not (lower[:1].isdigit() or lower[:1] in "~$" or lower in _NUMBER_WORDS or lower[:2] in ("~", "$")):
            i += 1  # cheap test first: most tokens are not numbers
            continue
        tok = doc[i]
        parsed = _token_number(tok)
        # "one" as a pronoun ("every one of them", "no one") is not a number
        if parsed is None or (tok.lower_ == "one" and (tok.pos_ == "PRON" or (i + 1 < n and doc[i + 1].lower_ == "of")
                                                       or (i > 0 and doc[i - 1].lower_ in ("no", "every", "each", "any", "the", "this", "that")))):
            i += 1
            continue
        value, unit = parsed
        first = last = i
        words = [tok.lower_] if tok.lower_ in _NUMBER_WORDS else []
        j = i + 1
        # join spelled numbers: "forty - five", "eight thousand", "two hundred and fifty", "one point five"
        while j < n:
            t = doc[j]
            lower = t.lower_
            if lower == "-" and j + 1 < n and doc[j + 1].lower_ in _UNITS and words and words[-1] in _TENS:
                value += _UNITS[doc[j + 1].lower_]
                words.append(doc[j + 1].lower_)
                last = j + 1
                j += 2
                continue
            if lower == "point" and j + 1 < n and doc[j + 1].lower_ in _UNITS and (words or tok.like_num):
                digits = []
                k = j + 1
                while k < n and doc[k].lower_ in _UNITS and _UNITS[doc[k].lower_] < 10:
                    digits.append(str(_UNITS[doc[k].lower_]))
                    k += 1
                value = float(f"{int(value)}.{''.join(digits)}")
                last = k - 1
                j = k
                continue
            if words and lower in _SCALES:
                value = (value or 1) * _SCALES[lower] if value < _SCALES[lower] else value + _SCALES[lower]
                words.append(lower)
                last = j
                j += 1
                continue
            if words and lower in _UNITS and words[-1] in _TENS:
                value += _UNITS[lower]
                words.append(lower)
                last = j
                j += 1
                continue
            if words and lower == "and" and j + 1 < n and doc[j + 1].lower_ in _NUMBER_WORDS and words[-1] in _SCALES:
                value += _NUMBER_WORDS[doc[j + 1].lower_]
                words.append(doc[j + 1].lower_)
                last = j + 1
                j += 2
                continue
            if not words and unit == "" and lower in ("k", "m", "mm", "bn", "b") and (first > 0 and doc[first - 1].text in _CURRENCY):
                value *= _SUFFIX_SCALE[lower]
                unit = lower
                last = j
                j += 1
                continue
            if lower in ("thousand", "million", "billion") and not words:
                value *= _SCALES[lower]
                last = j
                j += 1
                continue
            break
        # "a hundred", "a thousand"
        if first > 0 and doc[first - 1].lower_ in ("a", "one") and tok.lower_ in _SCALES:
            first -= 1
        # "eight or nine": keep the range together
        if j + 1 < n and doc[j].lower_ in ("or", "to", "-") and _token_number(doc[j + 1]) and doc[j].lower_ == "or":
            last = j + 1
            j += 2
        found.append(Number(first, last, value, unit))
        i = j if j > i else i + 1
    return found


def _lemma(tok: Token) -> str:
    return tok.lemma_.lower()


def _is_time_unit(tok: Token, lex: Lexicon) -> bool:
    return _lemma(tok) in lex.time_units or tok.lower_ in lex.time_units


def _in_date_entity(doc: Doc, num: Number) -> bool:
    """A relative or calendar date ("last week", "March 3", "two weeks ago", "in 2022")."""
    tok = doc[num.first]
    if tok.ent_type_ not in ("DATE", "TIME"):
        return False
    ent = next((e for e in doc.ents if e.start <= num.first < e.end), None)
    if ent is None:
        return False
    words = {t.lower_ for t in ent}
    return bool(words & (_MONTHS | _DATE_LEADS | {"ago", "am", "pm", "a.m.", "p.m.", "o'clock", "noon", "midnight"}))


def _next_index(doc: Doc, i: int, skip: frozenset[str] = frozenset()) -> int:
    while i < len(doc) and doc[i].lower_ in skip:
        i += 1
    return i


def _rate_after(doc: Doc, i: int, lex: Lexicon) -> tuple[str, int] | None:
    """"a week", "per request", "every day", "/week", "weekly" starting at token ``i``."""
    if i >= len(doc):
        return None
    tok = doc[i]
    if tok.lower_ in ("weekly", "daily", "monthly", "hourly", "yearly", "annually", "nightly", "quarterly"):
        return tok.lower_, i
    if tok.lower_ in _RATE_PREPS and i + 1 < len(doc):
        nxt = doc[i + 1]
        if _is_time_unit(nxt, lex) or _lemma(nxt) in lex.measure_units or _lemma(nxt) in ("deploy", "release", "run", "request", "build", "user", "customer"):
            return _lemma(nxt), i + 1
        if i + 2 < len(doc) and nxt.pos_ == "ADJ" and _is_time_unit(doc[i + 2], lex):
            return _lemma(doc[i + 2]), i + 2
    return None


def _unit_after(doc: Doc, num: Number, lex: Lexicon) -> tuple[str, str, int] | None:
    """(kind, unit, last index) of the unit following a number, if any."""
    n = len(doc)
    i = num.last + 1
    if num.scale_unit == "%":
        return "percent", "%", num.last
    if num.scale_unit == "x":
        return "multiplier", "x", num.last
    if num.scale_unit in ("k", "m", "b", "bn", "mm") and num.first > 0 and doc[num.first - 1].text in _CURRENCY:
        return "money", "$", num.last
    if num.scale_unit and num.scale_unit not in ("k", "m", "b", "bn", "mm"):
        kind = "duration" if num.scale_unit in lex.time_units or num.scale_unit in ("ms", "second", "minute", "hour", "day", "week") else "count"
        return kind, num.scale_unit, num.last
    if num.first > 0 and doc[num.first - 1].text in _CURRENCY:
        return "money", "$", num.last
    if i >= n:
        return None
    tok = doc[i]
    lower = tok.lower_
    if lower in ("%", "percent", "pct") or (lower == "per" and i + 1 < n and doc[i + 1].lower_ == "cent"):
        last = i + 1 if lower == "per" else i
        if last + 1 < n and doc[last + 1].lower_ in ("points", "point"):
            last += 1
        return "percent", "%", last
    if lower in ("percentage",) and i + 1 < n and doc[i + 1].lower_ in ("points", "point"):
        return "percent", "%", i + 1
    if _lemma(tok) in lex.money_words or lower in lex.money_words:
        if lower == "k" and not (num.first > 0 and doc[num.first - 1].text in _CURRENCY):
            return None
        return "money", "$", i
    if lower in ("x", "times", "fold") or lower.endswith("fold"):
        nxt = doc[i + 1] if i + 1 < n else None
        if nxt is not None and (nxt.tag_ in ("JJR", "RBR") or nxt.lower_ in ("the", "as", "our", "their", "more", "less", "faster", "slower")):
            return "multiplier", "x", i + 1 if nxt.tag_ in ("JJR", "RBR") else i
        if lower == "x":
            return "multiplier", "x", i
        rate = _rate_after(doc, i + 1, lex)
        if rate is not None:
            return "rate", "times", rate[1]
        return None
    if lower == "in" and i + 1 < n and _token_number(doc[i + 1]):  # "one in fifty", "1 in 1,000 transactions"
        last = i + 1
        k = i + 2
        while k < n and doc[k].lower_ in (",",) :
            k += 1
        if k < n and (_lemma(doc[k]) in lex.measure_units or doc[k].pos_ == "NOUN") and doc[k].lower_ not in lex.time_units:
            last = k
        return "rate", "ratio", last
    # the counted noun: the nummod head, or the next noun within two words ("two engineer days")
    head = doc[num.last].head if doc[num.last].dep_ in ("nummod", "quantmod", "compound") else None
    candidates = []
    if head is not None and head.i > num.last and head.i - num.last <= 3:
        candidates.append(head)
    for k in range(i, min(n, i + 4)):
        t = doc[k]
        if t.pos_ in ("NOUN", "PROPN", "ADJ", "NUM", "VERB") or t.lower_ in lex.time_units or \
                t.lower_ in ("more", "fewer", "less", "additional", "extra", "new", "fewer"):
            candidates.append(t)
            if t.pos_ in ("NOUN", "PROPN") and t.dep_ != "compound" and t.lower_ not in ("engineer", "person", "developer", "man", "team"):
                break
        else:
            break
    for cand in candidates:
        lemma = _lemma(cand)
        if _is_time_unit(cand, lex):
            return "duration", lemma, cand.i
        if lemma in lex.measure_units or cand.lower_ in lex.measure_units:
            return "count", lemma, cand.i
    return None


def quantities(doc: Doc, lex: Lexicon | None = None) -> list[Quantity]:
    """The quantified expressions of ``doc`` (see the module docstring), in order."""
    lex = lex or lexicon()
    doc = fast(doc)
    found: list[Quantity] = []
    nums = numbers(doc)
    used: set[int] = set()
    for num in nums:
        if num.first in used:
            continue
        q = _quantity_of(doc, num, lex)
        if q is None:
            continue
        found.append(q)
    found.extend(_verbal_deltas(doc, lex))
    found = _merge_from_to(doc, found, nums, lex)
    found.sort(key=lambda q: q.first)
    # drop quantities nested in another
    kept: list[Quantity] = []
    for q in found:
        if any(k.first <= q.first and q.last <= k.last for k in kept):
            continue
        kept = [k for k in kept if not (q.first <= k.first and k.last <= q.last)]
        kept.append(q)
    return kept


def _delta_context(doc: Doc, first: int, lex: Lexicon) -> bool:
    """Whether the number at ``first`` follows "to"/"by"/"down to" after a change verb."""
    k = first - 1
    while k >= 0 and doc[k].lower_ in _APPROX - {"to", "up", "down"}:
        k -= 1
    if k < 0 or doc[k].lower_ not in ("to", "by"):
        return False
    prep = doc[k]
    head = prep.head
    for _ in range(3):
        if _lemma(head) in lex.change_verbs or head.lower_ in ("down", "up"):
            return True
        if head.head.i == head.i:
            break
        head = head.head
    before = doc[max(0, k - 3):k]
    return any(_lemma(t) in lex.change_verbs or t.lower_ in ("down", "up") for t in before)


def _quantity_of(doc: Doc, num: Number, lex: Lexicon) -> Quantity | None:
    n = len(doc)
    first_tok = doc[num.first]
    # calendar years and dates
    if num.scale_unit == "" and 1900 <= num.value <= 2100 and float(num.value).is_integer() and first_tok.like_num and \
            first_tok.text.isdigit() and (num.last + 1 >= n or _lemma(doc[num.last + 1]) not in lex.measure_units):
        return None
    if _in_date_entity(doc, num):
        return None
    prev = doc[num.first - 1] if num.first > 0 else None
    if prev is not None and (prev.lower_ in _MONTHS or prev.lower_ in ("version", "v", "android", "ios", "python",
                                                                     "java", "sev", "p", "level", "step", "phase",
                                                                     "number", "no", "#", "room", "gen", "tier")):
        return None
    if 400 <= num.value <= 599 and float(num.value).is_integer() and num.last + 1 < n and \
            doc[num.last + 1].lower_ in ("error", "errors", "response", "responses", "status", "code", "codes", "s"):
        return None  # "500 errors": an HTTP status, not a count
    unit = _unit_after(doc, num, lex)
    first = num.first
    if prev is not None and prev.text in _CURRENCY:
        first = num.first - 1
    if unit is None:
        # "went to zero", "down to 15", "by 35" after a change verb
        if _delta_context(doc, num.first, lex) or (num.value == 0 and prev is not None and prev.lower_ == "to"):
            # "went to zero", "dropped to 15": take the verb and its preposition along
            k = first - 1
            while k >= 0 and doc[k].lower_ in _APPROX - {"to", "up", "down"}:
                k -= 1
            if k >= 1 and doc[k].lower_ in ("to", "by"):
                j = k - 1
                if doc[j].lower_ in ("down", "up") and j >= 1:
                    j -= 1
                if _lemma(doc[j]) in lex.change_verbs:
                    first = j
            return Quantity("delta", first, num.last, num.value)
        rate = _rate_after(doc, num.last + 1, lex)
        if rate is not None and num.value >= 1:
            return Quantity("rate", first, rate[1], num.value, "", rate[0])
        return None
    kind, unit_name, last = unit
    if kind == "duration":
        nxt = doc[last + 1] if last + 1 < n else None
        if nxt is not None and nxt.lower_ in _RELATIVE_TIME - {"in", "after", "before", "since"} :
            return None  # "two weeks ago"
        if prev is not None and prev.lower_ in _DATE_LEADS:
            return None  # "last two weeks"? counted as date reference
        if doc[num.first].lower_ == "one" and doc[last].tag_ == "NN" and (prev is None or prev.lower_ not in _DURATION_PREPS):
            return None  # "one morning", "one day"
    if kind == "count" and 0 < num.value < 10 and not _delta_context(doc, num.first, lex):
        rate = _rate_after(doc, last + 1, lex)
        if rate is None:
            return None  # "two retail events": an incidental count
    rate = _rate_after(doc, last + 1, lex)
    rate_name = ""
    if rate is not None:
        rate_name, last = rate
        if kind == "count":
            kind = "rate"
    return Quantity(kind, first, last, num.value, unit_name, rate_name)


def _verbal_deltas(doc: Doc, lex: Lexicon) -> list[Quantity]:
    """"doubled", "halved", "cut in half", "by a third", "twice our peak", "went to zero"."""
    found = []
    n = len(doc)
    for tok in doc:
        lemma = _lemma(tok)
        lower = tok.lower_
        if lemma in _DELTA_VERBS and tok.pos_ == "VERB":
            found.append(Quantity("delta", tok.i, tok.i, None, lemma))
        elif lower in ("half", "third", "thirds", "quarter", "fifth", "tenth") and tok.i > 0:
            prev = doc[tok.i - 1]
            k = tok.i - 1
            while k >= 0 and doc[k].lower_ in ("a", "an", "one", "two", "like", "about", "roughly", "almost", "nearly", "over", "more", "than"):
                k -= 1
            lead = doc[k] if k >= 0 else None
            if prev.lower_ == "in" and lower == "half":
                found.append(Quantity("delta", tok.i - 1, tok.i, 0.5, "half"))
            elif lead is not None and lead.lower_ == "by" and (lower != "quarter" or prev.lower_ in ("a", "one")):
                if lower == "quarter" and tok.i + 1 < n and doc[tok.i + 1].lower_ in ("of",):
                    continue
                found.append(Quantity("delta", k, tok.i, _FRACTION_VALUES.get(lower), lower))
        elif lower in ("twice", "thrice"):
            nxt = doc[tok.i + 1] if tok.i + 1 < n else None
            if nxt is not None and nxt.lower_ in ("the", "our", "their", "as", "that", "its", "my"):
                # "twice our peak traffic": up to the noun it multiplies
                last = tok.i + 1
                for k in range(tok.i + 1, min(n, tok.i + 5)):
                    if doc[k].pos_ in ("NOUN", "PROPN"):
                        last = k
                        if k + 1 < n and doc[k + 1].pos_ == "NOUN":
                            continue
                        break
                found.append(Quantity("multiplier", tok.i, last, 2.0 if lower == "twice" else 3.0, "x"))
            elif nxt is not None and _rate_after(doc, tok.i + 1, lex) is not None:
                found.append(Quantity("rate", tok.i, _rate_after(doc, tok.i + 1, lex)[1], 2.0, "times"))
    return found


def _merge_from_to(doc: Doc, found: list[Quantity], nums: list[Number], lex: Lexicon) -> list[Quantity]:
    """Join "from X to Y" into one delta; a bare "to Y" after "from X" becomes part of it."""
    by_first = {q.first: q for q in found}
    merged: list[Quantity] = []
    consumed: set[int] = set()
    num_at = {nm.first: nm for nm in nums}
    for q in sorted(found, key=lambda q: q.first):
        if q.first in consumed:
            continue
        k = q.first - 1
        while k >= 0 and doc[k].lower_ in _APPROX - {"to"}:
            k -= 1
        if k >= 0 and doc[k].lower_ == "from":
            j = q.last + 1
            j = _next_index(doc, j, frozenset({","}))
            if j < len(doc) and doc[j].lower_ == "to":
                j2 = _next_index(doc, j + 1, _APPROX - {"to"})
                target = by_first.get(j2)
                if target is None and j2 in num_at:
                    nm = num_at[j2]
                    unit = _unit_after(doc, nm, lex)
                    last = unit[2] if unit else nm.last
                    rate = _rate_after(doc, last + 1, lex)
                    target = Quantity("delta", nm.first, rate[1] if rate else last, nm.value)
                elif target is None and j2 < len(doc) and doc[j2].lower_ in ("zero", "nothing", "none", "0"):
                    target = Quantity("delta", j2, j2, 0.0)
                if target is not None:
                    consumed.add(target.first)
                    merged.append(Quantity("delta", k, target.last, target.value, q.unit, q.rate or target.rate))
                    continue
        merged.append(q)
    return merged


def outcome_claims(doc: Doc, lex: Lexicon | None = None) -> list[Token]:
    """Verbs that claim a metric changed ("the drop rate improved", "errors went down")."""
    lex = lex or lexicon()
    doc = fast(doc)
    claims = []
    for tok in doc:
        if tok.pos_ != "VERB" or _lemma(tok) not in lex.change_verbs:
            continue
        if any(c.dep_ == "neg" for c in kids(tok)):
            continue
        subj = next((c for c in kids(tok) if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is None or subj.lower_ in ("i", "we", "you", "they", "he", "she"):
            continue
        if _lemma(tok) in ("go", "come") and not any(c.lower_ in ("down", "up", "away") or c.dep_ == "prep" and c.lower_ == "to"
                                                      for c in kids(tok)):
            continue
        if _lemma(tok) in ("fix", "resolve") and not any(c.dep_ == "auxpass" for c in kids(tok)):
            continue
        claims.append(tok)
    return claims


#: Subordinators of a reason or time clause: a number there is why it went well, not how well.
_REASON_MARKS = lexicon().reason_marks


def measured_in_sentence(doc: Doc, at: int, qs: list[Quantity]) -> bool:
    """Whether the sentence holding token ``at`` measures its outcome with one of ``qs``.

    A quantity inside a reason or time clause ("because I load-tested it to 3x", "after I cut the
    timeout to 2 seconds") or a "by …ing" phrase gives the reason, not the measure, and does not count.
    """
    fd = fast(doc)
    start = fd.sent_start[at]
    end = next((b for a, b in fd.sent_bounds if a == start), len(fd))
    for q in qs:
        if not start <= q.first < end:
            continue
        tok, reason = fd[q.first], False
        for _ in range(40):
            if tok.dep_ == "advcl" and any(t.dep_ == "mark" and t.lower_ in _REASON_MARKS
                                           for t in fd[tok.left_edge.i:tok.i]):
                reason = True
                break
            if tok.dep_ == "pcomp" and tok.head.lower_ == "by":
                reason = True
                break
            if tok.head.i == tok.i:
                break
            tok = tok.head
        if not reason:
            return True
    return False
