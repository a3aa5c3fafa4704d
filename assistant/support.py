"""Which passage sentences may support a claim, beyond sharing its words.

A candidate is an analysed sentence inside a passage. It must be about what the question names
(Anchors: a phone call with Putin does not answer a question about the Alaska talks), and the
sentences chosen to support a claim must hold its numbers, its names (allowing for other spellings
and transliterations) and, when it says who said it, its speaker. grounding.py scores the candidates.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .analysis import CAPITALISED, leans_back, terms, transliterated
from .claims import claim_numbers, claimed_speakers, names
from .speakers import speaker_key
from .types import Passage, Sentence

NAME_SPELLING = 0.8  # difflib ratio at which two spellings of a name count as one (as in keyword.py)
# The share of the question's names a supporting sentence, the one before it or its title must hold.
# Set on the hand-written cases of tests/test_grounding.py (another event, a date from another
# meeting): with one name asked it must be there, with two or three, most of them.
ANCHOR_SHARE = 0.5
_EITHER = re.compile(r"\b([A-Z][\w’'\-]*)\s+or\s+([A-Z][\w’'\-]*)")


@dataclass(frozen=True)
class Candidate:
    """One sentence inside a passage (cut to the passage where it overhangs): a candidate for support."""

    passage: int  # 1-based, as the model saw it
    source: Passage
    analysed: Sentence
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.source.quote(self.start, self.end)


def candidate_sentences(passages: Sequence[Passage]) -> list[Candidate]:
    """The analysed sentences inside each passage, cut to the passage where a sentence overhangs it."""
    found = []
    for number, passage in enumerate(passages, 1):
        for sentence in passage.sentences:
            s, e = max(sentence.start, passage.start), min(sentence.end, passage.end)
            if s < e and passage.quote(s, e).strip():
                found.append(Candidate(number, passage, sentence, s, e))
    return found


@dataclass(frozen=True)
class Anchors:
    """Sharing words is not being about the question: "How long did the Alaska talks last?" is not
    answered by "he spoke with Putin for more than two hours Thursday" (a phone call). Most of the
    places, organisations and events the question names (people who are quoted say whose words are
    asked about, not which event) must stand in a sentence, the one before it when it leans on
    that one ("He said ...", "This ..."), or its article's title, for it to support an answer."""

    wanted: tuple[str, ...]  # the question's names, quoted people aside (stemmed terms)
    either: tuple[frozenset[str], ...]  # "Lavrov or Peskov": either will do

    @classmethod
    def of(cls, question: str, quoted: Collection[str]) -> Anchors:
        people = {t for word in CAPITALISED.findall(question) if speaker_key(word) in quoted for t in terms(word)}
        return cls(wanted=tuple(n for n in dict.fromkeys(names(question)) if n not in people),
                   either=tuple(frozenset(terms(m.group(1))) | frozenset(terms(m.group(2)))
                                for m in _EITHER.finditer(question)))

    def hold(self, sentence: Candidate) -> bool:
        if not self.wanted:
            return True
        spoken = {t for said in sentence.analysed.said for t in terms(said.speaker_name)}
        nearby = _nearby(sentence)
        context, context_names = set(_terms(nearby)), set(_names(nearby))
        found = {n for n in self.wanted if n in spoken or known_name(n, context, context_names)}
        found |= {n for n in self.wanted for group in self.either if n in group and group & (found | spoken)}
        return len(found) >= ANCHOR_SHARE * len(self.wanted)


def _nearby(sentence: Candidate) -> str:
    """A sentence with what names its subject: its article's title and, when it leans on the sentence
    before ("It cost 40 million euros"), that sentence's names."""
    before = sentence.source.before(sentence.analysed) if leans_back(sentence.text) else None
    return " ".join([sentence.text, sentence.source.title, *(before.names if before else ())])


def consistent(claim: str, chosen: Sequence[Candidate], passages: Sequence[Passage]) -> bool:
    """Similar is not enough: every number of the claim must stand in its supporting sentences, every
    name in their passages, titles or speakers (the name of the "he" in "he said" is often a sentence
    earlier), and a speaker the claim names ("Lavrov said ...") must be the speaker of one of those
    sentences."""
    if not claim_numbers(claim) <= set().union(*(s.analysed.numbers for s in chosen)):
        return False
    for speaker in claimed_speakers(claim):  # each sentence it rests on must be that speaker's
        for sentence in chosen:
            if not any(speaker == said.speaker or transliterated(speaker, said.speaker)
                       for said in sentence.analysed.said):
                return False
    cited = {s.passage for s in chosen}
    # The speaker the analysis found counts as named: "He said ..." is Lavrov's.
    speakers = " ".join(said.speaker_name for s in chosen for said in s.analysed.said)
    nearby = " ".join([speakers, *(_nearby(s) for s in chosen)])
    context = set().union(_terms(nearby), *(_terms(passages[n - 1].text) for n in cited))
    context_names = set().union(_names(nearby), *(_names(passages[n - 1].text) for n in cited))
    return all(known_name(name, context, context_names) for name in names(claim))


def known_name(name: str, context: set[str], context_names: set[str]) -> bool:
    """Found as is, spelt a little differently (Zelenskyy/Zelensky, Witkoff/Witcoof), or transliterated
    differently from a name in the passages (Kyiv/Kiev; not Iran/iron)."""
    return (name in context or bool(difflib.get_close_matches(name, list(context), n=1, cutoff=NAME_SPELLING))
            or any(transliterated(name, known) for known in context_names))


@lru_cache(maxsize=256)
def _names(text: str) -> frozenset[str]:
    return frozenset(t for word in CAPITALISED.findall(text) for t in terms(word))


@lru_cache(maxsize=256)
def _terms(text: str) -> frozenset[str]:
    return frozenset(terms(text))
