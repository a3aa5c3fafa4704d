"""Extractive answering: the no-LLM mode that always works.

The answer is made of sentences quoted from the retrieved passages, each one a
Citation. A sentence is chosen by how much of the question it covers (keyword
overlap weighted by rarity, with the sentences just before it as context for
"he said"), by embedding similarity, and by whether the names the question asks
about stand in or just before it. When no sentence scores high enough, or the
question names something no article mentions (allowing for spelling variants
such as Witkoff/Witcooff), the answer is a refusal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np



from .chunking import sentence_spans
from .citations import is_verbatim, make_citation
from .catalogue import Catalogue
from .keyword import stopwords, terms
from .types import Answer, Article, Embedder, Passage

REFUSAL = "The articles don't say."

# Calibrated on eval/calibration.jsonl (24 answerable, 24 unanswerable questions that are
# not part of the evaluation set) with `python eval/calibrate.py`; see the README.
MIN_SCORE = 0.22  # balanced accuracy 0.71 on the calibration set: 92% answered, 50% refused
MAX_SENTENCES = 2
EXTRA_SENTENCE_RATIO = 0.95  # a second sentence must score this close to the best one
CONTEXT_SENTENCES = 2  # earlier sentences that can supply the speaker of "He said ..."
SEMANTIC_WEIGHT = 0.5
NAME_WEIGHT = 0.5  # how much a sentence loses when the names the question asks about are absent

_QUESTION_WORDS = {
    "what", "who", "whom", "whose", "when", "where", "why", "how", "which", "did", "does", "do", "is",
    "are", "was", "were", "and", "but", "so", "according", "in", "on", "tell", "give", "can", "could",
    "would", "should", "has", "have", "had", "if", "i", "the", "a", "an", "after", "before", "during",
    "besides", "apart", "other", "then", "also", "now", "please", "explain", "describe", "summarize",
}
_CAPITALISED = re.compile(r"\b[A-Z][\w’'\-]*")

# What kind of answer a question expects, and what a sentence holding one looks like.
ANSWER_TYPE_BONUS = 0.1
_EXPECTS = {
    "number": re.compile(r"\bhow (many|much|long|far|big|large|old)\b|\bwhat (percentage|share|proportion|number)\b", re.I),
    "time": re.compile(r"\bwhen\b|\bwhat (day|date|time|year|month)\b|\bon which (day|date)\b", re.I),
    "name": re.compile(r"\bwhere\b|\bwho(m|se)?\b|\b(which|what) (city|country|place|venue|newspaper|outlet|person)\b", re.I),
}
_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|dozen|hundred|thousand|million|"
                     r"billion|half|twice)\b", re.I)
_TIME = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December|"
                   r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today|tomorrow|"
                   r"week|month|year|\d{4}|\d+(st|nd|rd|th))\b", re.I)


@dataclass(frozen=True)
class ScoredSentence:
    article: Article
    start: int
    end: int
    score: float
    semantic: float
    coverage: float
    entity_share: float  # share of the question's names found in the sentence or just before it
    passage_rank: int


def named_entities(question: str) -> list[str]:
    """Capitalised words of the question that are not just question words."""
    found = []
    for m in _CAPITALISED.finditer(question):
        word = m.group().strip("’'-")
        if word.lower() not in _QUESTION_WORDS and word.lower() not in stopwords() and terms(word):
            found.append(word)
    return found


def expected_answer(question: str) -> str | None:
    return next((kind for kind, pattern in _EXPECTS.items() if pattern.search(question)), None)


def has_answer_type(kind: str | None, sentence: str, question_terms: set[str]) -> bool:
    """Does the sentence hold something of the expected kind that the question does not already say?"""
    if kind == "number":
        return bool(_NUMBER.search(sentence))
    if kind == "time":
        return bool(_TIME.search(sentence))
    if kind == "name":
        names = _CAPITALISED.findall(sentence[1:])  # a sentence's first word is capitalised anyway
        return any(set(terms(n)) - question_terms for n in names)
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


@lru_cache(maxsize=256)
def _article_sentences(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(sentence_spans(text))


def score_sentences(question: str, passages: Sequence[Passage], articles: Mapping[str, Article],
                    embedder: Embedder, keyword: Catalogue) -> list[ScoredSentence]:
    question_terms = set(terms(question))
    weights = {t: keyword.idf(t) for t in question_terms}
    total = sum(weights.values()) or 1.0
    entity_terms = [keyword.spellings(e) for e in named_entities(question)]
    kind = expected_answer(question)

    candidates: list[tuple[Article, int, int, int, set[str]]] = []
    seen: set[tuple[str, int]] = set()
    for rank, passage in enumerate(passages, 1):
        article = articles[passage.doc_id]
        spans = _article_sentences(article.text)
        for i, (s, e) in enumerate(spans):
            if s < passage.start or e > passage.end or (article.doc_id, s) in seen:
                continue
            if article.text[s:e].strip() == article.title.strip():
                continue  # a headline states no one's claim: it is context, not an answer
            seen.add((article.doc_id, s))
            context: set[str] = set()
            for cs, ce in spans[max(0, i - CONTEXT_SENTENCES) : i]:
                context |= set(terms(article.text[cs:ce]))
            candidates.append((article, s, e, rank, context))
    if not candidates:
        return []

    question_vector = embedder.embed([question])[0]
    similarities = sentence_vectors(embedder, [a.text[s:e] for a, s, e, _, _ in candidates]) @ question_vector
    scored = []
    for (article, s, e, rank, context), semantic in zip(candidates, similarities):
        own = set(terms(article.text[s:e]))
        coverage = sum(w for t, w in weights.items() if t in own) / total
        with_context = sum(w for t, w in weights.items() if t in own | context) / total
        coverage = max(coverage, 0.8 * with_context)
        entity_share = (sum(1 for ent in entity_terms if ent & (own | context)) / len(entity_terms)
                        if entity_terms else 1.0)
        score = (SEMANTIC_WEIGHT * float(semantic) + (1 - SEMANTIC_WEIGHT) * coverage) * (
            1 - NAME_WEIGHT + NAME_WEIGHT * entity_share)
        if has_answer_type(kind, article.text[s:e], question_terms):
            score += ANSWER_TYPE_BONUS
        scored.append(ScoredSentence(article, s, e, score, float(semantic), coverage, entity_share, rank))
    return sorted(scored, key=lambda x: (-x.score, x.passage_rank, x.start))


def unknown_entities(question: str, keyword: Catalogue) -> list[str]:
    """Names in the question that appear in no indexed article at all."""
    return [e for e in named_entities(question) if not keyword.spellings(e)]


def refusal(question: str, reason: str, passages: Sequence[Passage] = ()) -> Answer:
    return Answer(question=question, text=f"{REFUSAL} {reason}", refused=True, mode="extractive",
                  passages=tuple(passages))


def extractive_answer(question: str, passages: Sequence[Passage], articles: Mapping[str, Article],
                      embedder: Embedder, keyword: Catalogue) -> Answer:
    missing = unknown_entities(question, keyword)
    if missing:
        return refusal(question, f"None of the indexed articles mentions {', '.join(missing)}.", passages)
    scored = score_sentences(question, passages, articles, embedder, keyword)
    if not scored or scored[0].score < MIN_SCORE:
        return refusal(question, "No passage in the indexed articles answers this question.", passages)

    best = scored[0]
    chosen = [best]
    for candidate in scored[1:]:
        if len(chosen) == MAX_SENTENCES or candidate.score < max(MIN_SCORE, EXTRA_SENTENCE_RATIO * best.score):
            break
        chosen.append(candidate)

    if len({c.article.doc_id for c in chosen}) == 1:
        chosen.sort(key=lambda c: c.start)  # one article: quote it in reading order

    citations = []
    parts = []
    for number, sentence in enumerate(chosen, 1):
        citation = make_citation(number, sentence.article, sentence.start, sentence.end)
        if is_verbatim(citation, sentence.article):
            citations.append(citation)
            parts.append(f"{citation.quote} [{number}]")
    return Answer(question=question, text=" ".join(parts), citations=tuple(citations), mode="extractive",
                  passages=tuple(passages))


