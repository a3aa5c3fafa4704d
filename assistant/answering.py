"""Ranking the sentences of the retrieved passages as answers, once per question, and the extractive
answer: the no-LLM mode that always works.

The answer is made of sentences quoted from the retrieved passages, each one a
Citation. A sentence is chosen by how much of the question it covers (keyword
overlap weighted by rarity, with the sentences just before it as context for
"he said"), by embedding similarity, and by whether the names the question asks
about stand in or just before it. When no sentence scores high enough, the
question names something no article mentions (allowing for spelling variants
such as Witkoff/Witcooff), or no sentence holds what the question asks for or
takes as given ("Why did Zelensky reject ...?" needs a sentence saying he did),
the answer is a refusal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from .analysis import (
    CAPITALISED,
    amounts,
    capitalised,
    coverage,
    leans_back,
    normalise,
    quoted,
    starts_quote,
    stopwords,
    terms,
    verb_stems,
)
from .asked import (
    AUXILIARY,
    MONTHS,
    WEEKDAYS,
    Premise,
    asked_manner,
    asks_who_said,
    premise,
    speaker_asked,
    thing_asked,
    times_pinned,
)
from .catalogue import Catalogue
from .citations import make_citation
from .reporting import manners
from .speakers import unnamed_speaker
from .support import known_name
from .types import Answer, Embedder, Passage, Sentence

REFUSAL = "The articles don't say."

# Calibrated on eval/calibration.jsonl (24 answerable, 24 unanswerable questions that are
# not part of the evaluation set) with `python eval/calibrate.py`;
# see docs/answer-modes.md#extractive-answers-and-refusal.
MIN_SCORE = 0.22  # balanced accuracy 0.71 on the calibration set: 92% answered, 50% refused
MAX_SENTENCES = 2
QUOTATION_CHARS = 600  # a chosen sentence is quoted with the rest of its quotation up to this length
EXTRA_SENTENCE_RATIO = 0.95  # a second sentence must score this close to the best one
CONTEXT_SENTENCES = 2  # earlier sentences that can supply the speaker of "He said ..."
SEMANTIC_WEIGHT = 0.5
NAME_WEIGHT = 0.5  # how much a sentence loses when the names the question asks about are absent
# "What did X say ...": how much a sentence loses when X is not its speaker (someone else's words, or
# narration). Chosen on the attribution questions of eval/calibration.jsonl; see eval/calibrate.py.
SPEAKER_WEIGHT = 0.5
# "How did X respond": a sentence whose verb says it the same way ("X replied") gains this much.
# Chosen on the verb-match questions of eval/calibration.jsonl; see eval/calibrate.py.
MANNER_BONUS = 0.15
# "What did X say about Y" is answered only by a statement of X's that holds this share of Y's weighted
# terms, in it or the sentence before (a reply follows what it answers). On the 18 such questions of
# eval/calibration.jsonl (python eval/calibrate.py; before the sentence before counted) Y's coverage by
# the best statement was 0.14-0.98 for answerable ones and 0.00-0.22 for unanswerable ones (X quoted,
# but on something else): 0.1 keeps every answerable one and refuses 3 of those 4. Their scores
# (0.53-0.78 against 0.32-0.46) would separate them too, but by a margin too thin to build on.
ABOUT_MIN_COVERAGE = 0.1

_QUESTION_WORDS = {
    "what", "who", "whom", "whose", "when", "where", "why", "how", "which", "did", "does", "do", "is",
    "are", "was", "were", "and", "but", "so", "according", "in", "on", "tell", "give", "can", "could",
    "would", "should", "has", "have", "had", "if", "i", "the", "a", "an", "after", "before", "during",
    "besides", "apart", "other", "then", "also", "now", "please", "explain", "describe", "summarize",
}

# What kind of answer a question expects, and what a sentence holding one looks like.
ANSWER_TYPE_BONUS = 0.1
ROLE_WORDS = 6  # a longer description ("a Cold War historian and professor at ...") is left to the quote
QUOTED_BONUS = 0.5  # a sentence holding what the question quotes: it is the one asked about
_EXPECTS = {
    "number": re.compile(r"\bhow (many|much|long|far|big|large|old)\b"
                         r"|\bwhat (percentage|share|proportion|number)\b", re.I),
    "time": re.compile(r"\bwhen\b|\bwhat (day|date|time|year|month)\b|\bon which (day|date)\b", re.I),
    "name": re.compile(r"\bwhere\b|\bwho(m|se)?\b"
                       r"|\b(which|what) (city|country|place|venue|newspaper|outlet|person)\b", re.I),
}
# A question that opens by asking for a number, a share, a date, a time of day or a name ("How many
# ...", "What percentage ...", "On what date ...", "Which European leaders ...") is answered only by a
# sentence holding one: among the best GATE_SENTENCES, one must (else the words matched, not the
# relation: "How many aides attended?" against a sentence about the attendees; "Which radio station
# interviewed Trump?" against "Trump said in an interview with an American radio station"). A name is
# one the question does not already give. Chosen on the missing-detail questions of
# eval/calibration.jsonl and their answerable twins (c153-c212): "Where does Moscow stand" asks for a
# position, not a place.
_ASKS_FOR = {
    "number": re.compile(r"^\W*(?:\w+ly )?(?:how (?:many|much|long|far|old|big|large)\b|(?:what|which) "
                         r"(?:(?:is|was|are|were) the )?(?:\w+ )?(?:number|amount|figure|sum|price|cost|range|"
                         r"distance|length|size|height|depth|weight|speed|capacity|population)\b)"
                         r"|,? and (?:for |at )?how (?:many|much)\b", re.I),
    "share": re.compile(r"^\W*(?:\w+ )?(?:(?:by|at) )?(?:what|which) (?:\w+ )?(?:rate|percentage|percent|share|"
                        r"proportion)\b", re.I),
    "date": re.compile(r"^\W*(?:on |in )?(?:what|which) (?:calendar |exact )?(?:date|year|month)\b"
                       r"|\bwhat (?:is|was|are|were) the (?:exact )?dates?\b", re.I),
    "time": re.compile(r"^\W*(?:when (?:did|does|do|is|was|were|will|has|have|had|are|would)\b|"
                       r"(?:on |in )?(?:what|which) day\b)", re.I),
    "clock": re.compile(r"^\W*at what (?:time|hour)\b|\bwhat time of (?:the )?day\b", re.I),
    # asked first: a where-question wants a place, which is also a name
    "place": re.compile(r"^\W*(?:(?:in|at|from|to) )?(?:which|what) (?:(?!" + AUXILIARY + r"\b)[\w-]+ ){0,2}?"
             r"(?:city|cities|towns?|country|countries|venues?|places?|locations?|capitals?|"
             r"regions?|states?)\b"
             r"|^\W*where (?:did|was|is|were|will|does|do|has|have|had)\b(?!.*\bstands?\b)", re.I),
    "name": re.compile(r"^\W*(?:(?:in|at|from|to|by|with) )?(?:which|what) "
                       r"(?:(?!" + AUXILIARY + r"\b)[\w-]+ ){0,2}?"
                       r"(?:city|cities|towns?|country|countries|venues?|places?|locations?|capitals?|regions?|"
                       r"states?|rivers?|leaders?|officials?|diplomats?|ministers?|representatives?|newspapers?|"
                       r"outlets?|stations?|channels?|agency|agencies|company|companies|manufacturer|"
                       r"organi[sz]ations?|broadcasters?|networks?|magazines?)\b"
                       r"|^\W*where (?:did|was|is|were|will|does|do|has|have|had)\b(?!.*\bstands?\b)"
                       r"|^\W*who(?:m)? (?:(?:was|is) )?(?!said|says)[a-z]+ed\b|^\W*what is the name of\b", re.I),
}
# "In which city ...", "Where was the Gaza summit held?": a place is a name the question does not give that
# the sentence puts after "in", "at", "to", "from" or "near" ("in Helsinki", "at the White House") or beside a
# word for one ("suggested Moscow as the venue"). Asked which city or country, an institution there
# ("professor at the Johns Hopkins School") is not one; asked where someone works, it is.
_PLACE = re.compile(r"\b(?:in|at|to|from|near)\s+(?:the\s+)?((?:[A-Z][\w’'.-]*)(?:\s+(?:[A-Z][\w’'.-]*|of|el|al))*)")
_PLACE_WORD = re.compile(r"\b(?:venue|city|capital|location|site|host(?:s|ed|ing)?)\b", re.I)
_INSTITUTION = re.compile(r"\b(?:School|University|College|Institute|Center|Centre|Council|Foundation|Agency|"
                          r"Ministry|Department|Committee|Company|Group|Party)\b")
GATE_SENTENCES = {"number": 3, "time": 3, "place": 3}  # how many of the best sentences may hold it; 1 for the rest
PROMOTED = {"place"}  # kinds whose holding sentence is then quoted first (c245 of eval/calibration.jsonl)
# ... when it scores nearly as well as the best: "Where was the regatta held?" is not answered by where the
# sailing festival will be (0.72 of the best, in tests/test_answering.py), "In which US state did Trump and
# Putin hold their first summit?" is by "... after a first summit in Alaska ..." (0.85, c245)
PROMOTED_SCORE = 0.8
_TIME = re.compile(rf"\b((?-i:{MONTHS})|{WEEKDAYS}|yesterday|today|"
                   r"tomorrow|week|month|year|\d{4}|\d+(st|nd|rd|th))\b", re.I)
# month names as names: "may" and "march" are verbs too
_CALENDAR = re.compile(rf"\b((?-i:{MONTHS})|\d{{4}}|\d+(st|nd|rd|th)|\d{{1,2}}/\d{{1,2}})\b", re.I)
_CLOCK = re.compile(r"\b\d{1,2}(?::\d\d)?\s*(?:a\.?m\.?|p\.?m\.?|o['’]clock|GMT|UTC)|\b(?:morning|afternoon|"
                    r"evening|night|noon|midnight)\b", re.I)
_SHARE = re.compile(r"%|\bper ?cent\b|\bpercentage points?\b|\b(?:half|a third|a quarter|two-thirds|"
                    r"three-quarters|majority)\b", re.I)
# "It was not clear exactly what Putin told Trump ...": a sentence that says the answer is not known. A
# wh-question it is about (the unknown clause holds UNKNOWN_COVERAGE of the question's weighted terms)
# is refused with that sentence quoted: the articles do say something, that nobody knows. Chosen on the
# restating questions of eval/calibration.jsonl (c173) and their answerable twins (c204: "... when is
# that meeting expected?" asks what the rest of the sentence says).
_UNKNOWN = re.compile(r"\b(?:(?:is|was|are|were|remains?|remained)\s+(?:still\s+)?(?:not\s+(?:yet\s+)?(?:clear|known)|"
                      r"unclear|unknown)|(?:has|have|had)\s+not\s+(?:yet\s+)?been\s+(?:determined|decided|disclosed|"
                      r"announced|made public|revealed|set)|did\s+not\s+(?:say|specify|disclose|elaborate)|"
                      r"declined\s+to\s+(?:say|specify|comment|elaborate))\b[^,;]*", re.I)
_WH_QUESTION = re.compile(r"^\W*(?:(?:in|on|at|from|to|by|with|for) )?"
                          r"(?:what|which|who|whom|whose|where|when|how|why)\b", re.I)
UNKNOWN_COVERAGE = 0.6
_CLAUSE_START = re.compile(r"[,;:]|\b(?:but|and|while|although|though|whereas)\b")
_DEMONYM = re.compile(r"[A-Z][a-z]+(?:ian|ean|ese|ish|ican)")  # "an American radio station" names no station
_TITLES = frozenset({"president", "vice", "minister", "prime", "secretary", "foreign", "chancellor", "general"})
_GATE_REASONS = {"number": "number", "share": "percentage", "date": "date", "time": "date or time",
                 "clock": "time of day", "place": "place", "name": "name"}


@dataclass(frozen=True)
class ScoredSentence:
    passage: Passage
    sentence: Sentence
    score: float
    semantic: float
    coverage: float
    entity_share: float  # share of the question's names found in the sentence or just before it
    passage_rank: int
    by_speaker: bool | None = None  # for "what did X say": is X the speaker (None: no speaker asked)
    about: float = 1.0  # for "what did X say about Y": the share of Y's weighted terms here or just before
    holds_premise: bool = True  # for "why did X ...": states what the question takes as given (see asked.premise)
    on_time: bool = True  # names, in it, just before it or in its headline, each time the question names

    @property
    def start(self) -> int:
        return self.sentence.start

    @property
    def end(self) -> int:
        return self.sentence.end

    @property
    def text(self) -> str:
        return self.passage.quote(self.start, self.end)


def named_entities(question: str) -> list[str]:
    """Capitalised words of the question that are not just question words."""
    found = []
    for m in CAPITALISED.finditer(question):
        word = m.group().strip("’'-")
        if word.lower() not in _QUESTION_WORDS and word.lower() not in stopwords() and terms(word):
            found.append(word)
    return found


def expected_answer(question: str) -> str | None:
    return next((kind for kind, pattern in _EXPECTS.items() if pattern.search(question)), None)


def has_answer_type(kind: str | None, sentence: Sentence, text: str, question_terms: set[str]) -> bool:
    """Does the sentence hold something of the expected kind that the question does not already say?"""
    if kind == "number":
        return bool(sentence.numbers)
    if kind == "time":
        return bool(_TIME.search(text))
    if kind == "name":
        return any(set(terms(n)) - question_terms for n in sentence.names)
    return False


_VECTOR_CACHE: dict[tuple[str, str], np.ndarray] = {}
_VECTOR_CACHE_SIZE = 50_000


def sentence_vectors(embedder: Embedder, sentences: list[str]) -> np.ndarray:
    """Embeddings of sentences, cached: the same passages come back question after question."""
    model = embedder.model_name
    missing = list(dict.fromkeys(t for t in sentences if (model, t) not in _VECTOR_CACHE))
    if missing:
        if len(_VECTOR_CACHE) + len(missing) > _VECTOR_CACHE_SIZE:
            _VECTOR_CACHE.clear()
        _VECTOR_CACHE.update(((model, t), v) for t, v in zip(missing, embedder.embed(missing)))
    return np.vstack([_VECTOR_CACHE[(model, t)] for t in sentences])


def score_sentences(question: str, passages: Sequence[Passage], embedder: Embedder, keyword: Catalogue,
                    speakers: Sequence[str] | None = None, anyone: bool = False,
                    about: str = "", premise: Premise | None = None, claim: bool = False) -> list[ScoredSentence]:
    """Every sentence inside the passages, scored as an answer to the question. `speakers`: the keys
    of the speaker a "what did X say" question asks about; their own statements come first.
    `anyone`: "who said ...": statements by a named speaker come first. `about`: what the speaker is
    asked about, measured in each sentence and the ones before it (a reply follows what it answers); a
    statement naming none of its names is not about it, unless it is a `claim` ("agree that ...")."""
    question_terms = set(terms(question))
    question_manners = asked_manner(question)
    weights = {t: keyword.idf(t) for t in question_terms}
    about_weights = {t: keyword.idf(t) for t in terms(about)}
    about_names = [] if claim else [keyword.spellings(e) for e in named_entities(about)]
    entity_terms = [keyword.spellings(e) for e in named_entities(question)]
    kind = expected_answer(question)
    pinned = [re.compile(rf"\b{re.escape(p)}\b") for p in times_pinned(question)]

    candidates: list[tuple[Passage, Sentence, int, set[str], list[str]]] = []
    seen: set[tuple[str, int]] = set()
    for rank, passage in enumerate(passages, 1):
        inside = passage.inside()
        for i, sentence in enumerate(inside):
            if (passage.doc_id, sentence.start) in seen:
                continue
            if passage.quote(sentence.start, sentence.end).strip() == passage.title.strip():
                continue  # a headline states no one's claim: it is context, not an answer
            seen.add((passage.doc_id, sentence.start))
            # The speaker analysis found ("He said ..." is Lavrov's), and the sentences before it.
            context = {t for said in sentence.said for t in terms(said.speaker_name)}
            nearby = [passage.quote(other.start, other.end) for other in inside[max(0, i - CONTEXT_SENTENCES) : i]]
            # the rest of its quotation says the same thing on
            nearby += [passage.quote(part.start, part.end) for part in _quotation_inside(passage, sentence)]
            for other in nearby:
                context |= set(terms(other))
            candidates.append((passage, sentence, rank, context, nearby))
    if not candidates:
        return []

    question_vector = embedder.embed([question])[0]
    texts = [p.quote(s.start, s.end) for p, s, _, _, _ in candidates]
    similarities = sentence_vectors(embedder, texts) @ question_vector
    asked = set(speakers or ())
    phrases = [normalise(p).strip(" .,!?'\"") for p in quoted(question)]
    scored = []
    for (passage, sentence, rank, context, nearby), text, semantic in zip(candidates, texts, similarities):
        own = set(terms(text))
        covered = max(coverage(weights, own), 0.8 * coverage(weights, own | context))
        entity_share = (sum(1 for ent in entity_terms if ent & (own | context)) / len(entity_terms)
                        if entity_terms else 1.0)
        score = (SEMANTIC_WEIGHT * float(semantic) + (1 - SEMANTIC_WEIGHT) * covered) * (
            1 - NAME_WEIGHT + NAME_WEIGHT * entity_share)
        by_speaker = None
        if speakers is not None or anyone:
            by_speaker = any(said.speaker in asked if speakers is not None else said.speaker != "unnamed"
                             for said in sentence.said)
            score *= 1.0 if by_speaker else 1 - SPEAKER_WEIGHT
        if question_manners & manners(text):
            score += MANNER_BONUS
        if has_answer_type(kind, sentence, text, question_terms):
            score += ANSWER_TYPE_BONUS
        if any(phrase in normalise(text) for phrase in phrases):
            score += QUOTED_BONUS  # "Who said “we need Tomahawk”?": the sentence that says it
        about_share = (max(coverage(about_weights, own), 0.8 * coverage(about_weights, own | context))
                       if about_weights else 1.0)
        if about_names and not any(_mentions(spellings, own | context) for spellings in about_names):
            about_share = 0.0  # "What did Radchenko say about Budapest": words on Alaska are not about it
        holds = premise is None or _states(premise, [text, *nearby], [said.speaker_name for said in sentence.said])
        on_time = all(any(p.search(t) for t in (text, *nearby, passage.title)) for p in pinned)
        scored.append(ScoredSentence(passage, sentence, score, float(semantic), covered, entity_share, rank, by_speaker,
                                     about_share, holds, on_time))
    return sorted(scored, key=lambda x: (-x.score, x.passage_rank, x.start))


_NEGATION = re.compile(r"\b(?:not|no|never|nor|without)\b|n['’]t\b", re.I)
NEGATION_WORDS = 3  # "is not ready", "was not yet ready": a negation this close before a word denies it
PARTICLE_REACH = 3  # "turned down", "turned the offer down", "turned Trump's offer down"


def _mentions(spellings: set[str], words: set[str]) -> bool:
    """A name among the words, or its people's ("Russia" in "Russian targets")."""
    return bool(spellings & words) or any(w.startswith(s) for s in spellings if len(s) >= 4 for w in words)


def _states(premise: Premise, texts: Sequence[str], speakers: Sequence[str] = ()) -> bool:
    """Whether a sentence, or the ones before it, holds each word of the premise without denying it
    where the question does not ("the agenda is not ready yet" against "why was it ready"), said of
    whom the question says: the sentence holding the first word names them, is theirs ("He said ..."
    is Lavrov's; the first text is the sentence, whose speakers are given) or leans on the sentences
    before ("He rejected it")."""
    holding = [text for text in texts if _affirms(text, premise.words[0], premise.words[0] in premise.negated)]
    if premise.subject and not any(_names_subject(premise.subject, [text, *(speakers if text is texts[0] else ()),
                                                                    *(texts if leans_back(text) else ())])
                                   for text in holding):
        return False
    return bool(holding) and all(any(_affirms(text, word, word in premise.negated) for text in texts)
                                 for word in premise.words[1:])


def _names_subject(subject: str, texts: Sequence[str]) -> bool:
    """As the article spells it, nearly (Zelensky, Zelenskyy) or transliterated otherwise."""
    present = set(terms(" ".join(texts)))
    return all(known_name(t, present, present) for t in terms(subject.split()[-1]))


def _affirms(text: str, word: str, negated: bool) -> bool:
    """Whether the text holds the word (in any form: "met" is "meet") as the question does: not denied by
    a negation just before it, or, when the question denies it ("will never meet"), denied too."""
    verb, *particle = word.split()
    stems = verb_stems(verb)
    words = re.findall(r"[\w’']+", text)
    found = [i for i, w in enumerate(words) if (verb_stems(w) == stems if stems else w.lower() == verb.lower())
             and all(p.lower() in (x.lower() for x in words[i + 1 : i + 1 + PARTICLE_REACH]) for p in particle)]
    return any(bool(_NEGATION.search(" ".join(words[max(0, i - NEGATION_WORDS):i]))) == negated for i in found)


def _speaker_shown(sentence: Sentence, quote: str, keyword: Catalogue, who: bool) -> str:
    """"Volodymyr Zelensky: " before a quote whose speaker it does not name ("“We need Tomahawk,” he
    said."): the reader learns who speaks from the analysis, and the quote stays verbatim. Asked who
    said it, the reader also gets what the articles call the speaker ("Ukrainian President")."""
    said = unnamed_speaker(sentence, quote)
    if said is None:
        return ""
    known = keyword.speakers(said.speaker)
    name = known[0].name if known else said.speaker_name
    if not who:
        return f"{name}: "
    roles = [r for r in (said.role, *(known[0].roles if known else ())) if r and len(r.split()) <= ROLE_WORDS]
    role = max(roles, key=lambda r: len(r.split()), default="")
    return f"{name} ({role}): " if role and normalise(role) not in normalise(quote) else f"{name}: "


def unknown_entities(question: str, keyword: Catalogue) -> list[str]:
    """Names in the question that appear in no indexed article at all. The first word is capitalised
    anyway ("Roughly what percentage ..."): unknown there, it is not taken for a name."""
    first = CAPITALISED.match(question.lstrip(" \"'“‘(¿¡"))
    return [e for e in named_entities(question) if not keyword.spellings(e)
            and not (first and e == first.group().strip("’'-"))]


def refusal(question: str, reason: str, passages: Sequence[Passage] = ()) -> Answer:
    return Answer(question=question, text=f"{REFUSAL} {reason}", refused=True, mode="extractive",
                  passages=tuple(passages))


@dataclass(frozen=True)
class Ranking:
    """The sentences of the passages as answers to a question, best first, or why none answers it.
    Computed once per question: the extractive answer quotes its best, the model reads its top."""

    question: str
    scored: tuple[ScoredSentence, ...]  # for "what did X say", only X's statements on the subject
    refusal: str | None  # the reason no sentence answers, shown after REFUSAL
    who: bool  # "who said ...": the answer names the speaker
    passages: tuple[Passage, ...]  # what was retrieved: a quotation may run on into another of them
    unknown: ScoredSentence | None = None  # the sentence saying the answer is not known, quoted with the refusal


def rank(question: str, passages: Sequence[Passage], embedder: Embedder, keyword: Catalogue) -> Ranking:
    """Score every sentence, keep for "what did X say" only X's on the subject (and for "why did X ..."
    only those stating what the question takes as given), and decide whether anything answers: not
    when a name no article mentions, X never quoted (on the subject), no sentence above MIN_SCORE, the
    best sentence saying nobody knows (refused quoting it), no sentence stating the premise, or none of
    the best holding the kind of thing asked for (a number, share, date, time of day or new name)."""
    asked = speaker_asked(question)
    who = asked is None and asks_who_said(question)

    def refused(reason: str, scored: Sequence[ScoredSentence] = ()) -> Ranking:
        return Ranking(question, tuple(scored), reason, who, tuple(passages))

    missing = unknown_entities(question, keyword)
    if missing:
        return refused(f"None of the indexed articles mentions {', '.join(missing)}.")
    speakers = keyword.resolve_speaker(asked.name)[0] if asked else None
    if asked and asked.strict and not speakers:
        return refused(f"The articles mention {asked.name} but quote nothing from {asked.name}.")
    premised = premise(question)
    scored = score_sentences(question, passages, embedder, keyword, speakers, anyone=who,
                             about=asked.about if asked and asked.strict else "", premise=premised,
                             claim=bool(asked and asked.claim))
    # "Why did X call it 'almost foolhardy'?": only X's words holding what the question quotes answer it
    # (X named by a role only when the role finds a speaker). Refused only when someone else said them: a
    # misquote, or words outside the retrieved passages, prove nothing.
    if asked and asked.asserts and (asked.strict or speakers) and (phrases := quoted(question)):
        said_it = [s for s in scored if all(_says(s, p) for p in phrases)]
        others = [said.speaker for s in said_it for said in s.sentence.said if said.speaker != "unnamed"]
        if others and not any(s.by_speaker for s in said_it):
            words = " and ".join(f"“{p}”" for p in phrases)
            known = keyword.speakers(others[0])
            return refused(f"The articles do not quote {asked.name} saying {words}. The articles quote "
                           f"{known[0].name if known else others[0]} saying so.", scored)
        if any(s.by_speaker for s in said_it):
            scored = [s for s in said_it if s.by_speaker]
    if asked and asked.strict:
        scored = [s for s in scored if s.by_speaker and s.about >= ABOUT_MIN_COVERAGE]
        if not scored or scored[0].score < MIN_SCORE:
            topic = f" about {asked.about}" if asked.about else " on this"
            return refused(f"The articles mention {asked.name} but quote nothing from {asked.name}{topic}.", scored)
    if not scored or scored[0].score < MIN_SCORE:
        return refused("No passage in the indexed articles answers this question.", scored)
    question_terms = set(terms(question))
    if _WH_QUESTION.match(question) and not (asked or who) and (m := _UNKNOWN.search(scored[0].text)):
        clause = _CLAUSE_START.split(scored[0].text[:m.start()])[-1] + m.group()
        weights = {t: keyword.idf(t) for t in question_terms}
        if coverage(weights, set(terms(clause))) >= UNKNOWN_COVERAGE:
            return Ranking(question, tuple(scored), "The articles say it is not known:", who, tuple(passages),
                           unknown=scored[0])
    best = scored[0]  # "Which deals did they discuss?": the best sentence overall may restate the question
    if premised:  # "Why did Zelensky reject ...": only a sentence saying he rejected it can say why
        scored = [s for s in scored if s.holds_premise]
        if not scored or scored[0].score < MIN_SCORE:
            words = ", ".join(f"“{w}”" for w in premised.words)
            return refused(f"No passage in the indexed articles says what the question takes as given ({words}).")
    if not all(s.on_time for s in scored[:1]):
        # "What did Trump and Putin agree during their March 2025 call?": a sentence about another time
        # is about another event, however many words it shares (calibrated on eval/calibration.jsonl)
        scored = [s for s in scored if s.on_time]
        if not scored or scored[0].score < MIN_SCORE:
            when = " ".join(times_pinned(question))
            return refused(f"No passage in the indexed articles is about the time the question names ({when}).")
    for kind, asks in _ASKS_FOR.items():
        if not asks.search(question):
            continue
        holding = [s for s in scored[:GATE_SENTENCES.get(kind, 1)] if _holds(kind, s, question_terms, question)
                   and (kind not in PROMOTED or s.score >= PROMOTED_SCORE * scored[0].score)]
        if not holding:
            return refused(f"No passage in the indexed articles gives the {_GATE_REASONS[kind]} asked for.", scored)
        if kind in PROMOTED:  # "In which US state ...": the sentence naming one answers, not the one before it
            scored = [holding[0], *(s for s in scored if s is not holding[0])]
    thing = thing_asked(question)
    for top in (best,) if scored[0] is best else (best, scored[0]):
        if (thing is not None and (vague := only_indefinitely(top.text, thing))
                and all(known_name(last, question_terms, question_terms)
                        for said in top.sentence.said for last in terms(said.speaker_name)[-1:])):
            # (a statement by someone the question does not name may be the answer: "according to Celeste
            # Wallander, ... a top Pentagon official" answers "Which Pentagon official warned ...")
            return refused(f"The articles mention {vague} but do not say which.", scored)
    return Ranking(question, tuple(scored), None, who, tuple(passages))


def _quotation_inside(passage: Passage, sentence: Sentence) -> list[Sentence]:
    """The sentence's quotation, as far as the passage's own text holds it."""
    return [p for p in passage.quotation(sentence) if passage.start <= p.start and p.end <= passage.end]


_WORDS = re.compile(r"\w+(?:'\w+)*")


# "an American radio station", "some issues", "other strategies": a mention that does not say which
_INDEFINITE = frozenset("a an some several other another many certain various multiple few one unnamed".split())
_DEFINITE = frozenset("the this that these those his her its their our my your".split())
INDEFINITE_REACH = 4  # words between the determiner and the noun: "an unnamed senior European Union official"
_ENUMERATES = re.compile(r"\b(?:including|such as|namely)\b|:")  # "several principles ..., including ..."


def only_indefinitely(text: str, noun: str) -> str | None:
    """The sentence's mention of the noun ("an American radio station") when every mention of it is
    indefinite and names nothing: the sentence restates what a "which ..." question asks, it does not
    answer it. None when some mention is definite, named ("the station, WABC,", "a station called X",
    "CNN, a network,", "Zelensky and several European leaders", "several principles, including ..."), or
    there is none."""
    words = re.findall(r"[\w’'-]+|[,;:()“”\"]", text)
    stem = terms(noun)
    vague = []
    for i, word in enumerate(words):
        if not stem or terms(word) != stem:
            continue
        start = next((j for j in range(i - 1, max(-1, i - INDEFINITE_REACH - 2), -1)
                      if words[j].lower() in _INDEFINITE | _DEFINITE or not words[j][0].isalnum()
                      or words[j].endswith(("’s", "'s"))), None)
        if start is None and word.endswith("s") and i and (words[i - 1].islower() or _DEMONYM.fullmatch(words[i - 1])):
            start = i - 1 if _DEMONYM.fullmatch(words[i - 1]) else i  # "to attack Russian targets": which ones?
        elif start is None or words[start].lower() not in _INDEFINITE:
            return None
        after = words[i + 1 : i + 3]
        named_after = bool(after) and (after[0][:1].isupper() or after[0] in ("called", "named", "like")
                                       or after[:1] in ([","], ["in"], ["at"], ["near"]) and after[1:2] != []
                                       and after[1][:1].isupper())
        named_before = start >= 2 and words[start - 1] in (",", "and") and words[start - 2][:1].isupper()
        if named_after or named_before or _ENUMERATES.search(" ".join(words[i + 1 :])):
            return None
        vague.append(" ".join(words[start : i + 1]) if start >= i - 1 and words[start][:1].isupper()
                     else " ".join([words[start].lower(), *words[start + 1 : i + 1]]))
    return vague[0] if vague else None


def _says(scored: ScoredSentence, phrase: str) -> bool:
    """Whether the sentence, or the quotation it is part of, holds the words in that order, punctuation
    aside; each stretch between ellipses on its own ('we waited … for us')."""
    passage = scored.passage
    text = " ".join(passage.quote(p.start, p.end) for p in _quotation_inside(passage, scored.sentence))
    words = f" {' '.join(_WORDS.findall(normalise(text)))} "
    return all(f" {' '.join(_WORDS.findall(part))} " in words
               for part in re.split(r"…|\.\.\.", normalise(phrase)) if _WORDS.search(part))


def _holds(kind: str, scored: ScoredSentence, question_terms: set[str], question: str) -> bool:
    """Whether a sentence holds what the question asks for: an amount, a share, a date, a time, a place or
    a name the question does not give (the speaker the analysis found counts: "he said" is Lavrov's)."""
    names = [*_names_in(scored), *(said.speaker_name for said in scored.sentence.said)]
    return _gives(kind, scored.text, names, question_terms, question)


def _gives(kind: str, text: str, names: Sequence[str], question_terms: set[str], question: str) -> bool:
    if kind == "number":
        return bool(amounts(text))
    if kind == "share":
        return bool(_SHARE.search(text))
    if kind == "date":
        return bool(_CALENDAR.search(text))
    if kind == "time":
        return bool(_TIME.search(text))
    if kind == "clock":
        return bool(_CLOCK.search(text))
    if kind == "place":
        places = [m.group(1) for m in _PLACE.finditer(text)] + (list(names) if _PLACE_WORD.search(text) else [])
        where = bool(re.match(r"\W*where\b", question, re.I))
        return any((where or not _INSTITUTION.search(place)) and not _TIME.fullmatch(place.split()[0])
                   and set(terms(place)) - question_terms for place in places)
    # a name: "Donald Trump" answers no question naming Trump, nor is "President" a name
    return any(terms(n)[-1:] and terms(n)[-1] not in question_terms and n.lower() not in _TITLES
               and not _DEMONYM.fullmatch(n) for n in names)


def missing_from(question: str, text: str) -> str | None:
    """What the question asks for ("the place", "the number") that a written answer does not give, or None:
    "Where is the next summit?" is not answered by "It is expected within weeks [1]", however well that
    sentence is cited."""
    question_terms = set(terms(question))
    names = capitalised(text)
    return next((_GATE_REASONS[kind] for kind, asks in _ASKS_FOR.items()
                 if asks.search(question) and not _gives(kind, text, names, question_terms, question)), None)


def _names_in(scored: ScoredSentence) -> list[str]:
    """The sentence's names, its first word only when the passage writes it as a name inside a
    sentence too ("Putin is expected ...", not "Several officials ...": the analysis takes a first word
    for a name when the article never writes it in lower case, which a short article may not)."""
    first = CAPITALISED.match(scored.text.lstrip(" “\"‘'(—-"))
    if not first or first.group() not in scored.sentence.names:
        return list(scored.sentence.names)
    passage = scored.passage
    inner = {w for s in passage.inside() for w in capitalised(passage.quote(s.start, s.end), skip_first=True)}
    return [n for n in scored.sentence.names if n != first.group() or n in inner]


def quotation_of(scored: ScoredSentence, passages: Sequence[Passage]) -> tuple[Passage, list[Sentence]]:
    """The whole quotation a chosen sentence is part of (“We also want the Tomahawks. We don’t want to
    give away things ...,” he said.), so that no answer quotes half of one, and the quotation that
    follows it in the same paragraph by the same speaker: news writing gives the gist, then the words
    ("Zelenskiy underlined how difficult the ceasefire effort has been. “We want this. Putin doesn’t want
    it,” he said."). Chunks overlap, so a quotation that crosses the end of one is read on in the
    retrieved chunks that continue it; the passage returned holds it all. Longer than QUOTATION_CHARS:
    the quotation without the one that follows; still longer: the sentence alone."""
    passage = _widened(scored.passage, passages)
    parts = passage.quotation(scored.sentence)
    speakers = {said.speaker for part in parts for said in part.said} - {"unnamed"}
    while speakers:
        following = next((s for s in passage.sentences if s.start >= parts[-1].end), None)
        if (following is None or "\n" in passage.quote(parts[-1].end, following.start)
                or not starts_quote(passage.quote(following.start, following.end))
                or not speakers & {said.speaker for said in following.said}):
            break
        parts = parts + passage.quotation(following)
    if parts[-1].end - parts[0].start > QUOTATION_CHARS:
        parts = passage.quotation(scored.sentence)
        if parts[-1].end - parts[0].start > QUOTATION_CHARS:
            return scored.passage, [scored.sentence]
    return passage, parts


def _widened(passage: Passage, passages: Sequence[Passage]) -> Passage:
    """The passage joined with the retrieved passages of its article that overlap it (the article's own
    text either way), keeping only the sentences wholly inside."""
    mine = [p for p in passages if p.doc_id == passage.doc_id]
    joined, grown = passage, True
    while grown:  # until no passage overlaps it and reaches further
        grown = False
        for other in mine:
            if other.start <= joined.start and other.end >= joined.end and (other.start, other.end) != (
                    joined.start, joined.end):
                joined = replace(joined, start=other.start, end=other.end, text=other.text)
            elif other.start <= joined.end < other.end and other.start >= joined.start:
                joined = replace(joined, end=other.end, text=joined.text + other.quote(joined.end, other.end))
            elif other.start < joined.start <= other.end <= joined.end:
                joined = replace(joined, start=other.start, text=other.quote(other.start, joined.start) + joined.text)
            else:
                continue
            joined, grown = replace(joined, sentences=_merged(joined.sentences, other.sentences)), True
    inside = tuple(s for s in joined.sentences if joined.start <= s.start and s.end <= joined.end)
    return replace(joined, sentences=inside)


def _merged(*groups: Sequence[Sentence]) -> tuple[Sentence, ...]:
    by_start = {s.start: s for group in groups for s in group}
    return tuple(by_start[k] for k in sorted(by_start))


def extractive_answer(ranking: Ranking, passages: Sequence[Passage], keyword: Catalogue) -> Answer:
    """The best sentence, and the next when it scores nearly as well, quoted with their speakers."""
    question = ranking.question
    if ranking.unknown is not None:  # refused, quoting the sentence that says nobody knows
        cited = make_citation(1, ranking.unknown.passage, ranking.unknown.start, ranking.unknown.end)
        return replace(refusal(question, f"{ranking.refusal} {cited.quote} [1]", passages), citations=(cited,))
    if ranking.refusal is not None:
        return refusal(question, ranking.refusal, passages)
    scored = ranking.scored
    best = scored[0]
    chosen = [best]
    for candidate in scored[1:]:
        if len(chosen) == MAX_SENTENCES or candidate.score < max(MIN_SCORE, EXTRA_SENTENCE_RATIO * best.score):
            break
        chosen.append(candidate)

    if len({c.passage.doc_id for c in chosen}) == 1:
        chosen.sort(key=lambda c: c.start)  # one article: quote it in reading order

    spans: list[tuple[ScoredSentence, Passage, int, int]] = []
    for c in chosen:
        holder, parts = quotation_of(c, passages)
        start, end = parts[0].start, parts[-1].end
        if any(holder.doc_id == p.doc_id and start < e and s < end for _, p, s, e in spans):
            continue  # the same quotation as a sentence already chosen
        spans.append((c, holder, start, end))
    citations = [make_citation(n, holder, start, end) for n, (_, holder, start, end) in enumerate(spans, 1)]
    text = " ".join(f"{_speaker_shown(c.sentence, cited.quote, keyword, ranking.who)}{cited.quote} [{cited.number}]"
                    for (c, _, _, _), cited in zip(spans, citations))
    return Answer(question=question, text=text, citations=tuple(citations), mode="extractive",
                  passages=tuple(passages))
