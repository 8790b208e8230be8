"""Delivery: fillers, hedges, pace, long pauses, repeated words, and (from audio) vocal energy.

Fillers and hedges are read from the tagged tokens so that "like" is a filler only where it is one
("it was, like, three times slower"; not "it looks like", "something like eight", "I like it"),
"kind of" only as a hedge ("kind of stale"; not "this kind of bug"), and "I think" only in the
present tense.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starcoach.analysis.lexicon import Lexicon, lexicon
from starcoach.analysis.spans import fast

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc, Token

#: Comfortable speaking rate for an interview answer, words per minute.
WPM_BAND: tuple[int, int] = (110, 170)

#: A silence at least this long inside an answer is a long pause.
LONG_PAUSE_S = 2.0

#: Below these, a voice sounds flat (pitch variation in semitones, loudness variation in dB).
MONOTONE_PITCH_ST = 1.5
MONOTONE_LOUDNESS_DB = 3.0

_LIKE_NEXT_NUMERIC = lexicon().like_next_numeric
_YOU_KNOW_OBJECTS = lexicon().you_know_objects
_REPEAT_OK = lexicon().repeat_ok


def _is_like_filler(tok: Token, lex: Lexicon, doc) -> bool:
    prev = doc[tok.i - 1] if tok.i > 0 else None
    nxt = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
    prev_lower = prev.lower_ if prev is not None else ""
    if tok.pos_ == "VERB" and any(c.dep_ in ("nsubj", "dobj") for c in tok.children):
        return False  # "I like it"
    if prev_lower in lex.like_governors or (prev is not None and prev.lemma_.lower() in lex.like_governors):
        return False  # "looks like", "something like eight", "just like"
    if nxt is not None and nxt.lower_ == ",":
        return True  # "like, three times slower"
    if prev is not None and prev.lower_ == "," and nxt is not None and nxt.lower_ in ("i", "we", "the", "it", "you", "they"):
        return True  # "and, like the whole thing"
    if tok.pos_ == "INTJ":
        return True
    if nxt is not None and (nxt.like_num or nxt.lower_ in _LIKE_NEXT_NUMERIC or nxt.text in ("$", "~")):
        if nxt.lower_ in ("a", "an"):
            after = doc[tok.i + 2] if tok.i + 2 < len(doc) else None
            return after is not None and (after.like_num or after.lower_ in ("third", "half", "quarter", "week",
                                                                            "day", "month", "year", "couple",
                                                                            "few", "hundred", "thousand",
                                                                            "dozen", "minute", "second", "hour",
                                                                            "ton", "bunch", "lot"))
        return True  # "by like $15,000", "maybe like twenty minutes"
    if prev is not None and prev.lower_ in ("was", "is", "were", "been", "'s", "are") and nxt is not None and \
            nxt.pos_ in ("ADJ", "ADV", "VERB"):
        return True  # "it was like really slow"
    return False


def fillers(doc: Doc, lex: Lexicon | None = None) -> list[tuple[int, int, str]]:
    """Fillers as (first, last, kind) token ranges: um/uh, filler "like", "you know", "basically",
    "I mean"."""
    lex = lex or lexicon()
    doc = fast(doc)
    found = []
    n = len(doc)
    for tok in doc:
        lower = tok.lower_
        if lower in lex.filler_sounds:
            found.append((tok.i, tok.i, "sound"))
        elif lower == "like" and _is_like_filler(tok, lex, doc):
            found.append((tok.i, tok.i, "like"))
        elif lower == "basically":
            found.append((tok.i, tok.i, "basically"))
        elif lower == "you" and tok.i + 1 < n and doc[tok.i + 1].lower_ == "know":
            know = doc[tok.i + 1]
            after = doc[tok.i + 2] if tok.i + 2 < n else None
            prev = doc[tok.i - 1] if tok.i > 0 else None
            parenthetical = after is None or after.is_punct or (prev is not None and prev.is_punct and
                                                                after.lower_ not in _YOU_KNOW_OBJECTS)
            has_object = any(c.dep_ in ("dobj", "ccomp") for c in know.children) and not (after is not None and after.is_punct)
            if parenthetical and not has_object:
                found.append((tok.i, tok.i + 1, "you know"))
        elif lower == "i" and tok.i + 1 < n and doc[tok.i + 1].lower_ == "mean":
            after = doc[tok.i + 2] if tok.i + 2 < n else None
            if after is None or after.is_punct or after.lower_ in ("i", "we", "it", "the", "like", "you", "they"):
                found.append((tok.i, tok.i + 1, "I mean"))
    return found


def hedges(doc: Doc, lex: Lexicon | None = None) -> list[tuple[int, int, str]]:
    """Hedges as (first, last, kind): I think / I guess (present tense), kind of / sort of, maybe,
    probably, perhaps …"""
    lex = lex or lexicon()
    doc = fast(doc)
    found = []
    n = len(doc)
    for tok in doc:
        lower = tok.lower_
        if lower in lex.hedge_adverbs:
            found.append((tok.i, tok.i, lower))
        elif lower in ("kind", "sort") and tok.i + 1 < n and doc[tok.i + 1].lower_ == "of":
            prev = doc[tok.i - 1] if tok.i > 0 else None
            nxt = doc[tok.i + 2] if tok.i + 2 < n else None
            if prev is not None and (prev.lower_ in lex.kind_of_determiners or prev.pos_ in ("DET", "ADJ", "NUM")):
                continue  # "this kind of bug", "a different sort of problem"
            if nxt is not None and nxt.pos_ in ("NOUN", "PROPN") and nxt.dep_ != "amod" and nxt.tag_ not in ("VBN", "VBD"):
                if prev is None or prev.pos_ in ("VERB", "ADP", "AUX"):
                    continue  # "what kind of ...", "some sort of cache"
            found.append((tok.i, tok.i + 1, f"{lower} of"))
        elif lower in lex.hedge_verbs and tok.i > 0 and doc[tok.i - 1].lower_ == "i":
            if tok.tag_ != "VBP" and lower not in ("guess", "reckon", "suppose"):
                continue  # "I thought the fix would work": past tense is narration
            nxt = doc[tok.i + 1] if tok.i + 1 < n else None
            if nxt is not None and nxt.lower_ in ("about", "of", "through", "differently"):
                continue  # "I think about", "I think of"
            if lower == "feel" and not (nxt is not None and nxt.lower_ in ("like", "that")):
                continue
            if lower == "assume" and not (nxt is not None and nxt.lower_ in ("it", "that")):
                continue
            found.append((tok.i - 1, tok.i, f"I {lower}"))
    return found


def repeats(doc: Doc, lex: Lexicon | None = None) -> list[tuple[int, int]]:
    """Words or phrases said twice in a row ("I, I", "we basically, um, we basically"), as token
    ranges covering both, fillers and punctuation in between ignored."""
    lex = lex or lexicon()
    doc = fast(doc)
    words = [(t.i, t.lower_) for t in doc if not t.is_punct and not t.is_space and t.lower_ not in lex.filler_sounds]
    found: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        hit = None
        for size in (4, 3, 2, 1):
            if i + 2 * size > len(words):
                continue
            if words[i][1] != words[i + size][1]:
                continue
            a = [w for _, w in words[i:i + size]]
            b = [w for _, w in words[i + size:i + 2 * size]]
            if a == b:
                if size == 1 and (a[0] in _REPEAT_OK or doc[words[i][0]].like_num):
                    continue
                # real repetition only when the words are adjacent or separated by fillers/punctuation
                gap = range(words[i + size - 1][0] + 1, words[i + size][0])
                gap_ok = all((doc[k].is_punct and doc[k].text not in (".", "?", "!")) or doc[k].lower_ in lex.filler_sounds
                             for k in gap)
                if gap_ok:
                    hit = size
                    break
        if hit:
            found.append((words[i][0], words[i + 2 * hit - 1][0]))
            i += 2 * hit
        else:
            i += 1
    return found


#: An emphasis word (lexicon ``emphasis_words``) is overused from this many uses …
OVERUSE_MIN_COUNT = 3
#: … when it is also said more than this many times per 100 words (plain speech: well under one).
EMPHASIS_PER_100 = 1.0
#: Another adjective, adverb or verb needs this many uses and this rate (nouns carry the story and
#: recur naturally: "the webhook" five times is not a tic).
CONTENT_MIN_COUNT = 4
CONTENT_PER_100 = 1.5
#: A phrase tic (lexicon ``phrase_tics``) or a repeated 2-3 word phrase without a noun.
PHRASE_MIN_COUNT = 3
PHRASE_PER_100 = 0.8

#: Verbs and words too common to be a tic by themselves.
_COMMON = lexicon().common


def _opens_sentence(fd, tok: Token) -> bool:
    """"So, um, …" at the start of a sentence (a tic), not "so I wrote a fix" (a connective)."""
    k = tok.i - 1
    while k >= fd.sent_start[tok.i] and (fd[k].is_punct or fd.lowers[k] in ("um", "uh", "and", "but", "well")):
        k -= 1
    return k < fd.sent_start[tok.i]


def overused(doc: Doc, lex: Lexicon | None = None, skip: set[int] | None = None) -> list[tuple[str, list[tuple[int, int]]]]:
    """Words and phrases said far more often than the answer needs, across the whole answer:
    emphasis words ("really", "super", "just", "stuff") past about one per 100 words, other
    adjectives, adverbs and verbs past 1.5 per 100 words (nouns are the story and may recur), and
    phrase tics ("and then", "at the end of the day") or noun-free 2-3 word phrases said three
    times or more (past 0.8 per 100 words). Fillers and hedges (``skip``, token indices) have
    findings of their own and are left out.

    Returns:
        (word or phrase, token ranges of every use), most used first.
    """
    lex = lex or lexicon()
    fd = fast(doc)
    skip = skip or set()
    lowers, lemmas, pos, punct, tokens = fd.lowers, fd.lemmas, fd.pos, fd.punct, fd.tokens
    fillers, emphasis, stative = lex.filler_sounds, lex.emphasis_words, lex.stative_verbs
    n_tokens = len(tokens)
    # a token that breaks a phrase: punctuation, a filler, a filler/hedge word
    bad = [punct[i] or i in skip or lowers[i] in fillers for i in range(n_tokens)]
    n = max(sum(1 for i in range(n_tokens) if not punct[i] and lowers[i] not in fillers), 1)
    per_100 = 100.0 / n
    # single words
    uses: dict[str, list[int]] = {}
    content = [False] * n_tokens
    for i in range(n_tokens):
        if bad[i]:
            continue
        lower = lowers[i]
        if lower in emphasis:
            p = pos[i]
            if lower == "pretty" and p != "ADV" or lower == "so" and not _opens_sentence(fd, tokens[i]) \
                    or lower in ("right", "okay", "ok", "great", "cool", "whole") and p not in ("INTJ", "ADJ", "ADV"):
                continue
            uses.setdefault(lower, []).append(i)
        elif pos[i] in ("ADJ", "ADV", "VERB") and lemmas[i] not in _COMMON and len(lower) > 2 \
                and lemmas[i] not in stative and not tokens[i].is_stop and not tokens[i].like_num:
            uses.setdefault("~" + lemmas[i], []).append(i)
            content[i] = True
    found: list[tuple[str, list[tuple[int, int]]]] = []
    for key, idx in uses.items():
        if key.startswith("~"):
            if len(idx) >= CONTENT_MIN_COUNT and len(idx) * per_100 > CONTENT_PER_100:
                found.append((key[1:], [(i, i) for i in idx]))
        elif len(idx) >= OVERUSE_MIN_COUNT and len(idx) * per_100 > EMPHASIS_PER_100:
            found.append((key, [(i, i) for i in idx]))
    # phrases: the tics by their first word, and noun-free 2-3 word phrases with a content word
    tics = _tics(lex)
    nounish = {"NOUN", "PROPN", "PRON", "NUM"}
    grams: dict[tuple[str, ...], list[int]] = {}
    for i in range(n_tokens):
        if bad[i]:
            continue
        limit = fd.sent_end[i]  # phrases stay inside the sentence
        for tic in tics.get(lowers[i], ()):
            j = i + len(tic)
            if j <= limit and tuple(lowers[i:j]) == tic and not any(bad[i:j]):
                grams.setdefault(tic, []).append(i)
        if pos[i] in nounish:
            continue
        for size in (2, 3):
            j = i + size
            if j > limit or any(bad[i:j]) or any(pos[k] in nounish for k in range(i, j)):
                break
            if any(content[k] or lowers[k] in emphasis for k in range(i, j)):
                grams.setdefault(tuple(lowers[i:j]), []).append(i)
    taken: set[int] = set()
    for key in sorted(grams, key=len, reverse=True):
        starts = [i for i in grams[key] if i not in taken]
        if len(starts) >= PHRASE_MIN_COUNT and len(starts) * per_100 > PHRASE_PER_100:
            found.append((" ".join(key), [(i, i + len(key) - 1) for i in starts]))
            for i in starts:
                taken.update(range(i, i + len(key)))
    # a word inside a flagged phrase is that phrase, not a word of its own
    out = []
    for word, spans in found:
        if " " not in word:
            spans = [(a, b) for a, b in spans if a not in taken]
            if len(spans) < OVERUSE_MIN_COUNT:
                continue
        out.append((word, spans))
    return sorted(out, key=lambda item: (-len(item[1]), item[1][0][0]))


_TICS: dict[int, dict[str, list[tuple[str, ...]]]] = {}


def _tics(lex: Lexicon) -> dict[str, list[tuple[str, ...]]]:
    """The phrase tics by their first word (built once per lexicon)."""
    key = id(lex)
    if key not in _TICS:
        by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in lex.phrase_tics:
            words = tuple(phrase.split())
            by_first.setdefault(words[0], []).append(words)
        _TICS[key] = by_first
    return _TICS[key]


def words_per_minute(word_count: int, duration_s: float | None) -> float | None:
    if duration_s is None or duration_s <= 0:
        return None
    return word_count / duration_s * 60.0


def pace_of(wpm: float | None, band: tuple[int, int] = WPM_BAND) -> str | None:
    if wpm is None:
        return None
    if wpm < band[0]:
        return "slow"
    if wpm > band[1]:
        return "fast"
    return "ok"


def long_pauses(transcript: Any, min_s: float = LONG_PAUSE_S) -> list[tuple[float, float]]:
    """Silences of at least ``min_s`` between the first and the last word of a transcript.

    Uses the transcript's VAD pauses when it has them, else the gaps between word timestamps.
    """
    words = list(getattr(transcript, "words", None) or [])
    if not words:
        return []
    first, last = words[0].start, words[-1].end
    pauses = [(p.start, p.end) for p in (getattr(transcript, "pauses", None) or [])]
    if not pauses:
        pauses = [(a.end, b.start) for a, b in zip(words, words[1:])]
    return [(s, e) for s, e in pauses if e - s >= min_s and s >= first - 0.05 and e <= last + 0.05]


def voice_energy(samples: Any, sample_rate: int) -> dict[str, float | bool | None] | None:
    """Loudness and pitch variation of ``samples``: a mono float or int16 numpy array, or a
    recording read from disk block by block (anything with a ``blocks()`` method yielding float
    arrays, as :class:`starcoach.transcribe.AudioFile`), so an answer of any length is measured
    in bounded memory.

    Frames of 40 ms (hop 10 ms); voiced frames are those within 30 dB of the loudest and above
    -55 dBFS; pitch per voiced frame by autocorrelation (70–400 Hz). Returns None for audio with
    under half a second of voice. Blocks are read twice: the loudness of every frame first, then
    the (at most 400) voiced frames whose pitch is measured.
    """
    import numpy as np

    blocks = samples.blocks if hasattr(samples, "blocks") else _array_blocks(samples)
    frame = int(0.04 * sample_rate)
    hop = int(0.01 * sample_rate)
    if frame <= 0:
        return None
    db = [20 * np.log10(np.sqrt(power) + 1e-12) for power in _frame_power(blocks(), frame, hop)]
    db = np.concatenate(db) if db else np.zeros(0)
    if not len(db) or not np.isfinite(db).any():
        return None
    voiced = (db > db.max() - 30) & (db > -55)
    voiced_s = float(voiced.sum()) * hop / sample_rate
    if voiced_s < 0.5:
        return None
    loud = db[voiced]
    # pitch by autocorrelation on (at most 400) voiced frames
    lag_min = int(sample_rate / 400)
    lag_max = int(sample_rate / 70)
    chosen = np.flatnonzero(voiced)
    if len(chosen) > 400:
        chosen = chosen[np.linspace(0, len(chosen) - 1, 400).astype(int)]
    pitches = []
    if lag_max < frame:
        voiced_frames = _some_frames(blocks(), frame, hop, chosen)
        win = np.hanning(frame).astype(np.float32)
        spec = np.fft.rfft((voiced_frames - voiced_frames.mean(axis=1, keepdims=True)) * win, n=2 * frame, axis=1)
        ac = np.fft.irfft(np.abs(spec) ** 2, axis=1)[:, :frame]
        ac0 = ac[:, :1] + 1e-9
        seg = ac[:, lag_min:lag_max] / ac0
        best = seg.argmax(axis=1)
        strength = seg[np.arange(len(seg)), best]
        good = strength > 0.45
        pitches = (sample_rate / (best[good] + lag_min)).tolist()
    pitch_hz = pitch_st = None
    if len(pitches) >= 10:
        p = np.asarray(pitches)
        pitch_hz = float(np.median(p))
        st = 12 * np.log2(p / pitch_hz)
        st = st[np.abs(st) < 12]  # drop octave errors
        pitch_st = float(np.std(st)) if len(st) >= 5 else None
    loud_std = float(np.std(loud))
    monotone = (pitch_st is not None and pitch_st < MONOTONE_PITCH_ST) and loud_std < MONOTONE_LOUDNESS_DB * 2 or (
        pitch_st is None and loud_std < MONOTONE_LOUDNESS_DB)
    return {
        "voiced_s": round(voiced_s, 2),
        "loudness_db": float(np.mean(loud)),
        "loudness_std_db": loud_std,
        "pitch_hz": pitch_hz,
        "pitch_std_semitones": pitch_st,
        "monotone": bool(monotone),
    }


def _array_blocks(samples: Any):
    """``blocks`` for an array in memory: itself, as float32 mono, in 10 s slices."""
    import numpy as np

    x = np.asarray(samples)
    if x.ndim > 1:
        x = x.mean(axis=1)
    if x.dtype.kind == "i":
        x = x.astype(np.float32) / float(np.iinfo(x.dtype).max)
    else:
        x = x.astype(np.float32, copy=False)
    return lambda: (x[i:i + 160_000] for i in range(0, len(x), 160_000))


def _windows(blocks: Any, frame: int, hop: int):
    """``(index of the first frame, n, x)`` over a stream of blocks: ``x`` holds the ``n``
    ``frame``-sample windows at ``hop`` steps that start in it (frame ``first + i`` is
    ``x[i * hop:i * hop + frame]``), every window that fits in the audio, as if the blocks were
    one array."""
    import numpy as np

    carry = np.zeros(0, np.float32)
    first = 0
    for block in blocks:
        x = np.concatenate([carry, np.asarray(block, np.float32).reshape(-1)])
        n = 1 + (len(x) - frame) // hop if len(x) >= frame else 0
        if n:
            yield first, n, x
            first += n
        carry = x[n * hop:]


def _frame_power(blocks: Any, frame: int, hop: int):
    """Mean square of every frame, block by block, from running sums (linear in the audio's
    length: no frame is copied)."""
    import numpy as np

    for _, n, x in _windows(blocks, frame, hop):
        sums = np.concatenate([[0.0], np.cumsum(np.square(x, dtype=np.float64))])
        starts = hop * np.arange(n)
        yield np.maximum((sums[starts + frame] - sums[starts]) / frame, 0.0) + 1e-12


def _some_frames(blocks: Any, frame: int, hop: int, chosen: Any):
    """The frames numbered ``chosen`` (sorted), as one ``(len(chosen), frame)`` array."""
    import numpy as np

    out = []
    for first, n, x in _windows(blocks, frame, hop):
        mine = chosen[(chosen >= first) & (chosen < first + n)] - first
        if len(mine):
            out.append(x[np.arange(frame)[None, :] + hop * mine[:, None]])
    return np.concatenate(out) if out else np.zeros((0, frame), np.float32)


def word_count(doc: Doc) -> int:
    """Spoken words: tokens that are not punctuation, contractions joined ("didn't" is one)."""
    fd = fast(doc)
    return sum(1 for i, lower in enumerate(fd.lowers) if not fd.punct[i] and not lower.startswith("'")
               and lower not in ("n't", "%", "$"))

