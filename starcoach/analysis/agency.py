"""Agency: for every clause with an action verb, who does it — the candidate, the team, someone
else, or nobody (an agentless passive) — and the hand-offs, where the candidate passes the problem
on instead of solving it.

Works on the dependency parse: the subject of a verb is its ``nsubj``/``nsubjpass`` child, shared
through coordination ("I reproduced it and wrote a fix") and through "have to" / "be able to"
infinitives; a passive's agent is its "by" phrase. Word classes come from ``data/lexicon.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starcoach.analysis.lexicon import Lexicon, lexicon
from starcoach.analysis.spans import (
    kids,
    chain_hypothetical,
    fast,
    chain_negated,
    controlling_subject,
    governing_chain,
    hypothetical,
    negated,
    own_subject,
)

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc, Token

#: Agent classes of a statement.
I, WE, OTHER, PASSIVE = "i", "we", "other", "passive"

_I_WORDS = lexicon().i_words
_WE_WORDS = lexicon().we_words
_OTHER_PRONOUNS = lexicon().other_pronouns
_NO_AGENT = lexicon().no_agent
_OUR = lexicon().our
_OWN_TEAM_MODIFIERS = lexicon().own_team_modifiers
_QUANTIFIER_SUBJECTS = lexicon().quantifier_subjects
_OBJECT_PRONOUNS = lexicon().object_pronouns
_DIRECT_DEPS = frozenset({"prt", "dobj", "dative", "prep", "agent", "attr", "oprd", "acomp", "ccomp", "xcomp"})


@dataclass(frozen=True)
class Statement:
    """One clause with an action verb and who performs it.

    Attributes:
        verb: The action verb token.
        agent: ``i``, ``we``, ``other`` or ``passive``.
        subject: The subject (or passive agent) token, None when shared or absent.
        first: First token index of the statement's words ("I traced", "was written").
        last: Last token index (inclusive).
        negated: The clause is negated.
        hypothetical: The clause is under would/could/should.
        action: The lemma of the real action (through "decided to take" → take).
    """

    verb: Token
    agent: str
    subject: Token | None
    first: int
    last: int
    negated: bool
    hypothetical: bool
    action: str


@dataclass(frozen=True)
class Handoff:
    """A hand-off: the candidate passing the problem on, or someone else taking it over.

    Attributes:
        kind: ``handoff`` (escalating, someone else taking over) or ``routing`` (passing it on by
            message, ticket, report or hand-over).
        how: ``escalation``, ``takeover``, ``message``, ``ticket``, ``report``, ``handover``.
        verb: The verb token.
        first: First token index of the words.
        last: Last token index (inclusive).
    """

    kind: str
    how: str
    verb: Token
    first: int
    last: int


def classify_agent(tok: Token | None, lex: Lexicon | None = None) -> str | None:
    """``i``, ``we``, ``other`` or None (nobody, a thing, generic "you") for a subject token."""
    if tok is None:
        return None
    lex = lex or lexicon()
    group = [tok, *tok.conjuncts]
    if len(group) > 1:
        classes = [classify_agent_single(t, lex) for t in group]
        if I in classes or WE in classes:
            return WE
        return OTHER if OTHER in classes else None
    return classify_agent_single(tok, lex)


def classify_agent_single(tok: Token, lex: Lexicon) -> str | None:
    lower = tok.lower_
    if lower in _I_WORDS:
        return I
    if lower in _WE_WORDS:
        return WE
    if lower in _OTHER_PRONOUNS:
        return OTHER
    if lower in _NO_AGENT or lower in lex.nobody:
        return None
    dets = {c.lower_ for c in kids(tok) if c.dep_ in ("det", "poss", "neg")}
    if "no" in dets:  # "no one", "no engineer"
        return None
    lemma = tok.lemma_.lower()
    if lemma in lex.teams:
        mods = [c for c in kids(tok) if c.dep_ in ("compound", "amod", "nmod", "poss", "det")]
        if lemma not in ("team", "squad", "group", "pod", "crew", "side"):
            # "the company", "the business": an organisation, not the candidate's own team
            return WE if any(c.lower_ in _OUR for c in mods) else OTHER
        if any(c.lower_ in _OUR for c in mods):
            return WE
        other_mods = [c for c in mods if c.dep_ in ("compound", "amod", "nmod", "poss")
                      and c.lower_ not in _OWN_TEAM_MODIFIERS]
        if not other_mods and any(c.lower_ == "the" for c in mods):
            return WE
        return OTHER
    if lemma in lex.people or lower in lex.people:
        return OTHER
    if lemma in _QUANTIFIER_SUBJECTS or lower in _QUANTIFIER_SUBJECTS:
        # "a ton of users", "most of the team", "some of our customers": the "of" noun decides
        for prep in kids(tok):
            if prep.dep_ == "prep" and prep.lower_ == "of":
                for pobj in kids(prep):
                    if pobj.dep_ == "pobj":
                        return classify_agent(pobj, lex)
        return None
    if tok.pos_ == "PROPN":
        if tok.ent_type_ == "PERSON" or any(
                c.lemma_.lower() in lex.people for c in kids(tok) if c.dep_ in ("compound", "appos")):
            return OTHER
        if tok.ent_type_ in ("", "NORP") and tok.text[:1].isupper() and not tok.is_sent_start and tok.is_alpha:
            return OTHER  # a name the NER did not catch
        if tok.ent_type_ in ("", "NORP") and tok.is_sent_start and tok.dep_ == "nsubj" and any(
                c.dep_ == "dobj" and c.pos_ in ("NOUN", "PROPN", "PRON") and not c.like_num for c in kids(tok.head)):
            return OTHER  # "Priya fixed the retry bug": someone acting on something ("Latency went down" is not)
        return None
    # "my teammate Priya": the people noun may hang on the name
    if any(c.dep_ == "appos" and c.pos_ == "PROPN" and c.ent_type_ == "PERSON" for c in kids(tok)):
        return OTHER
    return None


def _is_relative(tok: Token) -> bool:
    return tok.dep_ == "relcl"


#: Degree adverbs modify adjectives, not verbal passives: "the queue was really backed up" is a state.
_DEGREE = lexicon().degree


def _passive(verb: Token) -> bool:
    if any(c.dep_ == "advmod" and c.lower_ in _DEGREE and c.i < verb.i for c in kids(verb)):
        return False
    return any(c.dep_ in ("auxpass", "nsubjpass", "csubjpass") for c in kids(verb))


def _get_passive(verb: Token) -> bool:
    """"got unblocked", "got merged": get + a past-participle complement."""
    if verb.lemma_ != "get":
        return False
    for c in kids(verb):
        if c.dep_ in ("acomp", "oprd", "xcomp", "dobj") and (c.tag_ == "VBN" or
                                                              (c.pos_ == "ADJ" and c.lower_.endswith("ed"))):
            if c.dep_ == "dobj" or (c.dep_ == "xcomp" and any(g.dep_ == "aux" for g in kids(c))):
                continue
            return True
    return False


def _linking(verb: Token) -> bool:
    """"things got better", "it looks like", "I got curious": a linking use, not an action."""
    if verb.lemma_ in ("get", "go", "look", "sound", "turn", "grow", "keep", "stay", "end"):
        for c in kids(verb):
            if c.dep_ in ("acomp", "oprd") and c.tag_ != "VBN" and not c.lower_.endswith("ed"):
                return True
            if verb.lemma_ in ("look", "sound") and c.dep_ == "prep" and c.lower_ == "like":
                return True
        if verb.lemma_ == "turn" and any(c.dep_ == "prt" and c.lower_ == "out" for c in kids(verb)):
            return True
    return False


def _adjectival_passive(verb: Token) -> bool:
    """"It was kind of assigned to me": a past participle as the complement of "be"."""
    return (verb.pos_ == "VERB" and verb.tag_ == "VBN" and verb.dep_ == "acomp"
            and verb.head.lemma_ == "be")


def _agent_of(verb: Token) -> Token | None:
    for c in kids(verb):
        if c.dep_ == "agent":
            for g in kids(c):
                if g.dep_ == "pobj":
                    return g
    return None


def _action_token(verb: Token) -> Token:
    """The verb of the real action: follow "decided to take", "started digging"."""
    tok = verb
    for _ in range(4):
        nxt = next((c for c in kids(tok) if c.dep_ == "xcomp" and c.pos_ == "VERB"), None)
        if nxt is None:
            break
        tok = nxt
    return tok


def _action_lemma(verb: Token) -> str:
    """The lemma of the real action: follow "decided to take", "started digging"."""
    return _action_token(verb).lemma_.lower()


def _particle(verb: Token) -> str:
    """The verb's particle ("along" in "went along with it"), or ""."""
    return next((c.lower_ for c in kids(verb) if c.dep_ == "prt" or (
        c.dep_ == "advmod" and c.i == verb.i + 1 and c.lower_ in ("along", "in", "down", "back", "with"))), "")


def _span(verb: Token, subject: Token | None, own: bool) -> tuple[int, int]:
    first = last = verb.i
    for c in kids(verb):
        if c.dep_ in ("aux", "auxpass", "neg") and c.i < verb.i and verb.i - c.i <= 3:
            first = min(first, c.i)
        if c.dep_ == "prt":
            last = max(last, c.i)
        if verb.lemma_ == "get" and c.dep_ in ("acomp", "oprd", "xcomp") and c.i > verb.i and c.i - verb.i <= 3:
            last = max(last, c.i)  # "got unblocked"
    if verb.dep_ == "acomp" and verb.head.i < verb.i:
        first = min(first, verb.head.i)  # "was kind of assigned"
    if subject is not None and own and subject.i < verb.i and verb.i - subject.i <= 5:
        first = min(first, subject.left_edge.i if verb.i - subject.left_edge.i <= 6 else subject.i)
    return first, last


def statements(doc: Doc, lex: Lexicon | None = None) -> list[Statement]:
    """Every clause with an action verb and its agent class, in order."""
    lex = lex or lexicon()
    found: list[Statement] = []
    fd = fast(doc)
    for i, pos in enumerate(fd.pos):
        if pos != "VERB":
            continue
        st = _statement(fd[i], lex)
        if st is not None:
            found.append(st)
    return found


def _misparsed_conjunct(verb: Token) -> Token | None:
    """"… and noticed p99 latency had crept up": a past-tense verb after "and" that the parser hung
    on a noun; returns the earlier verb of the sentence it is coordinated with."""
    if verb.dep_ not in ("amod", "compound", "nmod") or verb.tag_ not in ("VBD", "VBN") or verb.i == 0:
        return None
    prev = verb.doc[verb.i - 1]
    if prev.lower_ not in ("and", "then", ","):
        return None
    for k in range(verb.i - 2, fast(verb.doc).sent_start[verb.i] - 1, -1):
        cand = fast(verb.doc)[k]
        if cand.pos_ == "VERB" and own_subject(cand) is not None:
            return cand
    return None


def _noun_taken_for_verb(verb: Token) -> bool:
    """"… and support tickets about logins fell": a bare base-form verb coordinated with a tensed
    one, followed by its "object" and then another tensed verb — a noun compound the tagger misread."""
    if verb.tag_ != "VB" or verb.dep_ != "conj" or verb.head.tag_ not in ("VBD", "VBP", "VBZ"):
        return False
    if any(c.dep_ in ("aux", "nsubj") for c in kids(verb)):
        return False
    obj = next((c for c in kids(verb) if c.dep_ == "dobj" and c.i == verb.i + 1), None)
    if obj is None:
        return False
    return any(t.pos_ == "VERB" and t.tag_ == "VBD" and t.dep_ == "conj" and t.head.i == verb.head.i
               for t in verb.doc[obj.i + 1:obj.i + 6])


#: Verbs whose bare-infinitive complement has the verb's object as its doer ("helped him fix").
_CAUSATIVE = lexicon().causative


def _coordinated_with_main_clause(verb: Token, head: Token, subject: Token | None, lex: Lexicon) -> bool:
    """Whether a conjunct the parser hung on a subordinate clause belongs to the main clause: after
    a progressive complement whose subject is a thing ("noticed the disk was filling up and
    helped"), or after a parenthetical "like/as my manager asked"."""
    if verb.dep_ != "conj" or head.head.i == head.i or head.head.pos_ not in ("VERB", "AUX"):
        return False
    if head.dep_ == "ccomp" and head.tag_ == "VBG" and verb.tag_ == "VBD" and not any(
            c.dep_ == "aux" for c in kids(verb)) and classify_agent(subject, lex) is None:
        return True
    if head.dep_ == "advcl" and not any(c.dep_ == "dobj" for c in kids(head)) and any(
            t.dep_ == "mark" and t.lower_ in ("like", "as") for t in kids(head)):
        return True
    return False


def _statement(verb: Token, lex: Lexicon) -> Statement | None:
    if verb.pos_ != "VERB" or _noun_taken_for_verb(verb):
        return None
    lemma = verb.lemma_.lower()
    repaired_head = None
    if verb.pos_ == "VERB" and verb.dep_ in ("amod", "compound", "nmod"):
        repaired_head = _misparsed_conjunct(verb)
        if repaired_head is None:
            return None
    elif verb.pos_ == "VERB" and verb.dep_ == "nsubj" and verb.head.pos_ == "VERB" and verb.head.i == verb.i + 1:
        return None  # "I load tested it": the first half of a compound verb
    elif verb.dep_ in ("aux", "auxpass", "amod", "compound", "nmod", "pobj", "dobj", "nsubj"):
        if not _adjectival_passive(verb):
            return None
    if lemma in lex.people and verb.i > 0 and verb.doc[verb.i - 1].lower_ in ("team", "tech", "engineering", "product", "project"):
        return None  # "our team lead wanted …": a noun the tagger took for a verb
    if verb.lower_ in lex.state_participles:
        return None  # "the team was thrilled"
    is_get_passive = _get_passive(verb)
    causative = lemma == "have" and any(c.dep_ in ("ccomp", "xcomp") and c.tag_ == "VB" and any(
        g.dep_ == "nsubj" for g in kids(c)) for c in kids(verb))  # "she had the database team look into it"
    if (lemma in lex.stative_verbs and not causative) or (_linking(verb) and not is_get_passive):
        return None
    subject = own_subject(verb)
    if subject is not None and subject.dep_ == "nsubj" and verb.dep_ != "ROOT" and any(
            c.dep_ == "aux" and c.lower_ == "to" for c in kids(verb)):
        return None  # "wanted us to reduce", "got the vendor to raise": the object of another's request
    if subject is not None and verb.tag_ == "VB" and verb.dep_ in ("ccomp", "xcomp") and \
            verb.head.lemma_.lower() in _CAUSATIVE and not any(c.dep_ == "aux" for c in kids(verb)):
        return None  # "helped the intern reproduce the leak": the intern is the object of "helped"
    if lemma in ("go", "come") and any(c.dep_ in ("prt", "advmod") and c.lower_ in ("up", "down") or (
            c.dep_ == "prep" and c.lower_ in ("from", "to") and any(g.like_num for g in c.subtree)) for c in kids(verb)):
        return None  # "weekly active users went from 1,200 to 1,900": a metric moving, not an action
    own = subject is not None
    passive = _passive(verb) or is_get_passive or _adjectival_passive(verb)
    if subject is None and _adjectival_passive(verb):
        subject = own_subject(verb.head)
        own = subject is not None
    if subject is None:
        if repaired_head is not None:
            subject = controlling_subject(repaired_head)
        elif verb.dep_ == "conj" or (verb.dep_ in ("dep", "parataxis") and verb.tag_ in ("VBD", "VBZ", "VBP")
                                     and verb.head.pos_ == "VERB" and verb.head.i < verb.i):
            head = verb.head
            if head.dep_ in ("xcomp", "advcl", "pcomp", "acl") and own_subject(head) is None and not (
                    head.dep_ == "xcomp" and (head.head.lemma_.lower() in lex.modal_verbs or head.head.lower_ in lex.modal_verbs)):
                return None  # "wanted to just file a ticket and walk away"
            # share the subject (and passive voice) of the verb it is coordinated with
            subject = controlling_subject(head) if head.pos_ in ("VERB", "AUX") else None
            if _coordinated_with_main_clause(verb, head, subject, lex):
                # "I noticed the disk was filling up and helped …", "…, like my manager asked, and
                # then deleted …": the conjunct continues the main clause, not the clause before it
                head = head.head
                subject = controlling_subject(head)
            misread = next((t for t in fast(verb.doc)[head.i + 1:verb.i]
                            if t.dep_ == "conj" and t.head.i == head.i and _noun_taken_for_verb(t)), None)
            if misread is not None:  # "support tickets … fell": the misread noun phrase is the subject
                subject = next((c for c in kids(misread) if c.dep_ == "dobj"), None)
            if subject is not None and not any(c.dep_ in ("aux",) for c in kids(verb)):
                passive = passive or _passive(head)
        elif verb.dep_ == "xcomp":
            head = verb.head
            if head.lemma_.lower() in lex.modal_verbs or head.lower_ in lex.modal_verbs:
                subject = controlling_subject(head)
    if subject is None and not passive:
        return None
    if subject is None and passive and verb.dep_ not in ("ROOT", "conj", "ccomp", "advcl", "relcl"):
        return None
    if passive:
        agent_tok = _agent_of(verb)
        if agent_tok is not None:
            agent = classify_agent(agent_tok, lex)
            if agent is None:  # "caused by a race condition": a thing, not a person
                return None
        else:
            agent = PASSIVE
    else:
        agent = classify_agent(subject, lex)
        if agent is None:
            return None
        if subject is not None and subject.lower_ in _I_WORDS and subject.dep_ == "nsubjpass":
            agent = PASSIVE
        if agent == I and subject is not None and subject.i >= 2:
            doc = fast(verb.doc)
            before, partner = doc[subject.i - 1], doc[subject.i - 2]
            if before.lower_ == "and" and (partner.lemma_.lower() in lex.people or partner.pos_ == "PROPN"
                                           or partner.lower_ in ("he", "she", "they")):
                agent = WE  # "my teammate and I paired on it", parsed without the shared subject
    first, last = _span(verb, subject, own)
    return Statement(verb, agent, subject, first, last, negated(verb), hypothetical(verb), _action_lemma(verb))


# --- contribution -----------------------------------------------------------------------------------


def _objects(verb: Token) -> list[Token]:
    objs = []
    for c in kids(verb):
        if c.dep_ in ("dobj", "dative", "nsubjpass", "attr", "oprd"):
            objs.append(c)
        elif c.dep_ in ("prep", "agent"):
            objs.extend(g for g in kids(c) if g.dep_ == "pobj")
        elif c.dep_ == "prt":
            objs.extend(g for g in kids(c) if g.dep_ == "pobj")
    return objs


def _object_lemmas(verb: Token) -> set[str]:
    lemmas = set()
    for obj in _objects(verb):
        for t in obj.subtree:
            lemmas.add(t.lemma_.lower())
    return lemmas


def is_contribution(st: Statement, lex: Lexicon | None = None) -> bool:
    """Whether a first-person statement builds, fixes, investigates or ships something.

    Telling, messaging, meeting and escalating are not contributions; neither is writing up a
    summary ("wrote up a summary" is communication, "wrote a fix" is not).
    """
    lex = lex or lexicon()
    if st.agent != I or st.hypothetical:
        return False
    lemma = st.action
    if lemma in lex.stative_verbs or lemma in lex.non_contribution_verbs:
        return False  # "I noticed", "I had predicted", "I helped with some parts of it"
    action = _action_token(st.verb)
    if f"{lemma} {_particle(action)}" in lex.non_contribution_phrasals:
        return False  # "I went along with it"
    if lemma in ("go", "come", "return") and not any(
            c.lower_ in ("through", "over", "into") for c in kids(action)):
        return False  # "went back to my sprint work" ("went through the logs" investigates)
    if _routing_how(action, lex) is not None and not (_object_lemmas(action) & lex.work_products):
        return False  # "I took it to my manager": passing it on
    if st.verb.lemma_.lower() in lex.lesson_verbs:  # "I learned to pick my battles": the lesson, not "pick"
        action, lemma = st.verb, st.verb.lemma_.lower()
    if lemma in lex.lesson_verbs:
        after = action.doc[action.i + 1] if action.i + 1 < len(action.doc) else None
        clause = after is None or after.lower_ in ("that", "how", "what", "why", "when", "to", "about", "from", ",", ".")
        if clause or not any(c.dep_ == "dobj" and c.pos_ in ("NOUN", "PROPN") for c in kids(action)):
            return False  # "I learned that testing matters", "I learned to pick my battles"
    if lemma in lex.communication_verbs or lemma in lex.escalation_verbs or lemma in lex.routing_verbs:
        return bool(_object_lemmas(st.verb) & lex.work_products) and lemma not in ("tell", "ask", "escalate")
    heads = {o.lemma_.lower() for o in _objects(st.verb)}
    if heads and heads <= lex.communication_artefacts:
        return False
    return True


def is_solution(st: Statement, lex: Lexicon) -> bool:
    """A first-person statement that brings a fix ("brought a complete fix", "wrote the patch")."""
    if st.agent not in (I, WE) or st.negated or st.hypothetical:
        return False
    if st.action not in lex.solution_verbs and st.verb.lemma_.lower() not in lex.solution_verbs:
        return False
    heads = {o.lemma_.lower() for o in _objects(st.verb)}
    if _routing_how(st.verb, lex) is not None and not (heads & lex.work_products):
        return False  # "I brought it up with my manager" passes it on
    return not (heads and heads <= lex.communication_artefacts)


# --- hand-offs -------------------------------------------------------------------------------------


def _children_lower(verb: Token, dep: str) -> set[str]:
    return {c.lower_ for c in kids(verb) if c.dep_ == dep}


def _handoff_span(verb: Token, subject: Token | None) -> tuple[int, int]:
    first = last = verb.i
    for c in kids(verb):
        if c.dep_ in _DIRECT_DEPS and c.dep_ not in ("ccomp", "xcomp"):
            first = min(first, c.left_edge.i)
            last = max(last, c.right_edge.i)
        elif c.dep_ in ("aux", "neg") and c.i < verb.i:
            first = min(first, c.i)
    if subject is not None and subject.i < verb.i and verb.i - subject.i <= 4 and subject.head.i == verb.i:
        first = min(first, subject.left_edge.i if verb.i - subject.left_edge.i <= 5 else subject.i)
    # keep it to the clause: stop at a comma or a coordinated clause inside the range
    for t in fast(verb.doc)[verb.i + 1:last + 1]:
        if t.dep_ in ("cc", "conj") and t.head.i == verb.i:
            last = t.i - 1
            break
    return first, max(first, last)


def _destinations(verb: Token) -> list[tuple[str, Token]]:
    """Where a verb sends something: (preposition, its object) pairs, through a particle too
    ("flagged it to my manager", "brought it up with my lead", "posted in the channel")."""
    out = []
    for c in kids(verb):
        if c.dep_ in ("prep", "dative") and c.lower_ in ("to", "with", "in", "on", "into", "over"):
            out.extend((c.lower_, g) for g in kids(c) if g.dep_ == "pobj")
        elif c.dep_ in ("prt", "advmod") and c.lower_ in ("up", "over", "along", "back"):
            for p in kids(c):
                if p.dep_ == "prep" and p.lower_ in ("to", "with"):
                    out.extend((p.lower_, g) for g in kids(p) if g.dep_ == "pobj")
    return out


def _passed_on(verb: Token, lex: Lexicon) -> str | None:
    """A first-person verb that passes the problem itself to a boss (``escalation``), to another
    person or team (``handover``) or into a channel (``message``): "flagged it to my manager",
    "took it to the platform team", "posted in the infrastructure channel"."""
    lemma = verb.lemma_.lower()
    if lemma not in lex.pass_on_verbs:
        return None
    objs = [c for c in kids(verb) if c.dep_ == "dobj"]
    if objs and not all(o.lemma_.lower() in lex.problem_words or o.lower_ in lex.problem_words
                        or o.lemma_.lower() in lex.routing_messages for o in objs):
        return None  # "took ownership", "sent my manager the weekly report"
    for prep, dest in _destinations(verb):
        words = {dest.lemma_.lower(), dest.lower_} | {c.lemma_.lower() for c in kids(dest) if c.dep_ == "compound"}
        boss = dest.lemma_.lower() in lex.bosses or any(  # "my skip-level", "my lead architect"
            c.dep_ in ("amod", "compound") and c.lower_ in lex.bosses for c in kids(dest))
        if prep in ("to", "with") and boss and lemma != "ask" and (
                any(c.lower_ in ("my", "our") for c in kids(dest) if c.dep_ == "poss")
                or dest.lemma_.lower() in ("leadership", "management")):
            return "escalation"  # to the candidate's own boss
        if prep in ("in", "on", "into", "to") and words & lex.channels:
            return "message"
        if prep == "to" and lemma != "ask" and classify_agent(dest, lex) == OTHER:
            return "handover"
    return None


def _routing_how(verb: Token, lex: Lexicon) -> str | None:
    """How a first-person verb routes the problem on, or None."""
    lemma = verb.lemma_.lower()
    prts = _children_lower(verb, "prt") | {c.lower_ for c in kids(verb) if c.dep_ == "advmod"}
    preps = _children_lower(verb, "prep")
    obj_lemmas = {o.lemma_.lower() for o in _objects(verb)}
    if lemma in lex.escalation_verbs:
        if lemma in ("bump", "kick") and "up" not in prts:
            return None
        return "escalation"
    if lemma == "raise" and (preps & {"to", "with"}) and obj_lemmas & (lex.bosses | {"it", "this", "issue", "problem"}):
        return "escalation"
    if lemma in lex.routing_verbs:
        if lemma in ("hand", "pass", "toss", "throw", "punt") and not (prts | preps) & {"off", "over", "along", "on", "back", "to", "wall"}:
            return None
        if lemma == "loop" and "in" not in prts and "in" not in preps:
            return None
        if lemma == "report" and not ("to" in preps or obj_lemmas & {"it", "this", "issue", "bug", "problem"}):
            return None
        if lemma == "notify":
            return "message"
        if lemma in ("hand", "pass", "toss", "throw", "punt", "delegate", "offload", "reassign", "route", "redirect"):
            objs = [c for c in kids(verb) if c.dep_ == "dobj"]
            if objs and not all(o.lemma_.lower() in lex.problem_words or o.lemma_.lower() in lex.routing_messages
                                for o in objs):
                return None  # "I handed the redesign to her": giving someone a project to lead
            return "handover"
        return "report" if lemma == "report" else "message"
    if lemma in lex.routing_send_verbs:
        if obj_lemmas & lex.routing_messages:
            if obj_lemmas & {"ticket", "jira", "bug", "issue", "request", "sev", "incident", "form", "case"}:
                # "raised an issue" / "opened a bug" count only when it is a ticket to someone
                if lemma in ("write", "put", "drop", "post", "cut") and "ticket" not in obj_lemmas:
                    return None
                return "ticket"
            if lemma in ("send", "drop", "post", "write", "put"):
                return "message"
        if lemma == "send" and obj_lemmas & {"it", "this", "that", "problem", "issue", "bug"} and \
                (preps | prts) & {"to", "over", "along"}:
            return "handover"
    return _passed_on(verb, lex)


def _approval_decides(verb: Token, lex: Lexicon) -> bool:
    """Someone else's sign-off standing in for the candidate's own quality call: "QA signed off on
    it, so the team shipped it", "because security approved it, we released". Approving the
    candidate's own work product ("my lead approved the PR, so I merged it") is a review, not a
    hand-off."""
    if verb.lemma_.lower() == "sign" and "off" not in _children_lower(verb, "prt"):
        return False
    approved = [o for o in _objects(verb)]
    if any(o.lemma_.lower() in lex.work_products for o in approved):
        return False
    consequence = False
    if verb.dep_ in ("ccomp", "advcl", "conj", "parataxis") and verb.head.pos_ in ("VERB", "AUX"):
        head = verb.head
        consequence = any(c.lower_ == "so" and c.dep_ in ("advmod", "mark", "cc") for c in kids(head)) or any(
            t.dep_ == "mark" and t.lower_ in ("because", "since", "once", "after") for t in verb.doc[verb.left_edge.i:verb.i])
    for c in kids(verb):  # "QA approved it, so we shipped"
        if c.dep_ in ("conj", "advcl", "ccomp", "parataxis") and c.i > verb.i and any(
                g.lower_ == "so" for g in kids(c) if g.dep_ in ("advmod", "mark", "cc")):
            consequence = True
    return consequence


def _takeover(verb: Token, lex: Lexicon) -> bool:
    """Someone else taking the problem over: "they handled it", "their on-call picked it up"."""
    lemma = verb.lemma_.lower()
    if lemma not in lex.takeover_verbs and lemma not in lex.approval_verbs:
        return False
    prts = _children_lower(verb, "prt")
    preps = _children_lower(verb, "prep")
    objs = _objects(verb)
    obj_lemmas = {o.lemma_.lower() for o in objs}
    if any(c.lower_ == "my" for o in objs for c in kids(o) if c.dep_ == "poss"):
        return False  # "they deployed my fix": the candidate's own work
    if lemma in lex.approval_verbs:
        return _approval_decides(verb, lex)
    if lemma in ("roll", "revert") and (lemma == "revert" or "back" in prts | _children_lower(verb, "advmod")):
        return True  # "they rolled back the deploy": undoing it is fixing it for the candidate
    if lemma == "take":
        return "care" in obj_lemmas or "over" in prts or "over" in preps or (
            bool(obj_lemmas & {"it", "this", "that"}) and "from" in preps)
    if lemma == "pick":
        return "up" in prts and bool(obj_lemmas & {"it", "this", "that", "issue", "ticket", "bug", "problem"})
    if lemma == "sort":
        return "out" in prts
    if lemma == "deal":
        return "with" in preps
    if lemma in ("push", "roll", "ship", "deploy", "implement", "patch"):
        return bool(obj_lemmas & {"fix", "patch", "hotfix", "solution", "workaround", "change"}) or (
            lemma == "patch" and bool(obj_lemmas & {"it", "this", "that"}))
    if lemma == "own":
        return bool(obj_lemmas & {"it", "fix", "rest", "this"})
    # "they handled it", "their team fixed the bug": the problem itself, not "an incident" of their own
    for o in objs:
        if o.dep_ not in ("dobj", "nsubjpass") or o.pos_ == "PRON" or o.lower_ in ("rest", "remainder"):
            continue
        dets = {c.lower_ for c in kids(o) if c.dep_ in ("det", "poss")}
        if not dets & {"the", "this", "that", "these", "those", "our", "my"}:
            return False
    return True


def handoffs(doc: Doc, stmts: list[Statement], lex: Lexicon | None = None) -> list[Handoff]:
    """Hand-offs and routing in ``doc``, given its statements.

    The candidate's own escalating, messaging, ticketing and handing over count unless negated or
    hypothetical, or unless the same sentence brings a fix ("I flagged it to their lead but brought
    a complete fix") or the message carries one ("sent them the PR"). Someone else handling,
    fixing or picking up the problem counts unless negated or it is the candidate's own work.
    """
    lex = lex or lexicon()
    fd = fast(doc)
    found: list[Handoff] = []
    by_verb = {st.verb.i: st for st in stmts}
    solutions_by_sent: dict[int, bool] = {}
    for st in stmts:
        if is_solution(st, lex):
            solutions_by_sent[fd.sent_start[st.verb.i]] = True
    for i, pos in enumerate(fd.pos):
        if pos != "VERB":
            continue
        verb = fd[i]
        st = by_verb.get(verb.i)
        subject = controlling_subject(verb)
        if st is not None and st.agent == PASSIVE:
            agent = PASSIVE
        elif st is not None:
            agent = st.agent
        else:
            agent = classify_agent(subject, lex)
        if agent in (I, WE):
            how = _routing_how(verb, lex)
            if how is None or chain_negated(verb) or chain_hypothetical(verb):
                continue
            if _object_lemmas(verb) & lex.work_products:
                continue  # "sent their lead the PR": bringing a solution
            if solutions_by_sent.get(fd.sent_start[verb.i]):
                continue
            kind = "handoff" if how == "escalation" else "routing"
            first, last = _handoff_span(verb, subject)
            found.append(Handoff(kind, how, verb, first, last))
        elif agent == OTHER or (agent == PASSIVE and _agent_of(verb) is not None):
            if not _takeover(verb, lex) or chain_negated(verb) or any(
                    c.dep_ == "aux" and c.lower_ in ("would", "'d", "might", "should") for c in kids(verb)):
                continue  # "then he'd fix it": what would happen ("so they could fix it" still hands it off)
            first, last = _handoff_span(verb, subject)
            found.append(Handoff("handoff", "takeover", verb, first, last))
    return found


def directed_at_candidate(stmts: list[Statement], lex: Lexicon | None = None) -> list[Statement]:
    """Statements where someone else directs the candidate: "she asked me to", "my lead told me to"."""
    lex = lex or lexicon()
    out = []
    for st in stmts:
        if st.agent != OTHER or st.negated or st.verb.lemma_.lower() not in lex.directive_verbs:
            continue
        children = kids(st.verb)
        to_me = any(c.dep_ in ("dobj", "dative", "nsubj") and c.lower_ in ("me", "us") for c in children) or any(
            c.dep_ == "nsubjpass" and c.lower_ in ("i", "we") for c in children) or any(
            c.dep_ in ("ccomp", "xcomp") and any(g.dep_ == "nsubj" and g.lower_ in ("me", "us", "i") for g in kids(c))
            for c in children)
        # a directive, not a report: "told me to add", "asked us to", "suggested I look into"
        # ("they told me it was fine" tells, it does not direct)
        complement = any(
            c.dep_ in ("xcomp", "ccomp") and (any(g.dep_ == "aux" and g.lower_ == "to" for g in kids(c))
                                             or (c.dep_ == "ccomp" and c.tag_ in ("VB", "VBP") and c.lemma_ != "be"))
            for c in children)
        if to_me and complement:
            out.append(st)
    return out


def first_person_share(stmts: list[Statement]) -> float | None:
    """Share of statements whose agent is the candidate (None without statements)."""
    if not stmts:
        return None
    return sum(1 for s in stmts if s.agent == I) / len(stmts)


__all__ = [
    "Handoff",
    "Statement",
    "classify_agent",
    "first_person_share",
    "governing_chain",
    "handoffs",
    "is_contribution",
    "statements",
]
