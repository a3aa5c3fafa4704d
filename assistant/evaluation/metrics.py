"""Metric primitives: pure functions of plain data (answer and citation dicts, passages, spans, texts).

Each one can be checked by hand. Retrieval and citations are scored against
character spans, not chunk ids: a passage or quote counts when its [start, end)
overlaps the span of a gold evidence string in a gold article, so re-chunking
cannot break the metric.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..analysis import normalise
from .questions import Fact

Span = tuple[int, int]


# --- facts ---------------------------------------------------------------------------------


def phrase_in(phrase: str, text: str) -> bool:
    """`phrase` occurs in `text` as whole words: "May" is not in "mayor", nor "1%" in "21%"."""
    if not phrase:
        return False
    before = r"(?<!\w)" if re.match(r"\w", phrase[0]) else ""
    after = r"(?!\w)" if re.match(r"\w", phrase[-1]) else ""
    return re.search(before + re.escape(phrase) + after, text) is not None


def fact_present(fact: Fact, answer_text: str) -> bool:
    """A fact is a string, or a list of alternative strings of which any one suffices; both sides normalised."""
    alternatives = [fact] if isinstance(fact, str) else list(fact)
    haystack = normalise(answer_text)
    return any(phrase_in(normalise(alt), haystack) for alt in alternatives)


def fact_recall(facts: Sequence[Fact], answer_text: str) -> float | None:
    """Share of the facts found in the answer; None when the question lists no facts."""
    if not facts:
        return None
    return sum(fact_present(f, answer_text) for f in facts) / len(facts)


# --- spans and ranks -----------------------------------------------------------------------


def overlaps(a: Span, b: Span) -> bool:
    """Half-open character spans [start, end) share at least one character (an empty span shares none)."""
    return max(a[0], b[0]) < min(a[1], b[1])


def find_all(text: str, needle: str) -> list[Span]:
    """Every occurrence of a verbatim string; an evidence sentence repeated in an article counts twice."""
    spans, start = [], text.find(needle)
    while needle and start != -1:
        spans.append((start, start + len(needle)))
        start = text.find(needle, start + 1)
    return spans


def evidence_spans(gold_docs: Iterable[str], evidence: Iterable[str],
                   texts: Mapping[str, str]) -> dict[str, list[Span]]:
    """Where each evidence string sits in each gold article that contains it (gold doc -> spans)."""
    evidence = list(evidence)
    return {doc: sorted(s for e in evidence for s in find_all(texts.get(doc, ""), e)) for doc in gold_docs}


def missing_evidence(gold_docs: Iterable[str], evidence: Iterable[str], texts: Mapping[str, str]) -> list[str]:
    """Evidence strings found verbatim in none of the gold articles (a question-file error)."""
    gold_docs = list(gold_docs)
    return [e for e in evidence if not any(e in texts.get(doc, "") for doc in gold_docs)]


def in_evidence(doc_id: str, start: int, end: int, spans: Mapping[str, Sequence[Span]]) -> bool:
    """A passage or citation from a gold article that overlaps one of its evidence spans."""
    return any(overlaps((start, end), span) for span in spans.get(doc_id, ()))


def first_hit_rank(passages: Sequence[Mapping], spans: Mapping[str, Sequence[Span]]) -> int | None:
    """1-based rank of the first retrieved passage that overlaps gold evidence; None if none does."""
    for rank, p in enumerate(passages, 1):
        if in_evidence(p["doc_id"], p["start"], p["end"], spans):
            return rank
    return None


def hit_at(rank: int | None, k: int) -> bool:
    return rank is not None and rank <= k


def reciprocal_rank(rank: int | None) -> float:
    return 0.0 if rank is None else 1.0 / rank


# --- citations -----------------------------------------------------------------------------


def quote_is_verbatim(citation: Mapping, texts: Mapping[str, str]) -> bool:
    """The quote is exactly the cited article's text at the cited offsets."""
    text = texts.get(citation["doc_id"])
    start, end = citation["start"], citation["end"]
    return text is not None and 0 <= start <= end <= len(text) and text[start:end] == citation["quote"]


def citation_recall(citations: Sequence[Mapping], gold_docs: Sequence[str]) -> float | None:
    """Share of the gold articles cited at least once; None when there are no gold articles."""
    gold = set(gold_docs)
    if not gold:
        return None
    return len(gold & {c["doc_id"] for c in citations}) / len(gold)


# --- shares and summaries ------------------------------------------------------------------


def ratio(numerator: float, denominator: float) -> float | None:
    """A share, or None when nothing was counted (shown as '-', never as a misleading 0 or 1)."""
    return numerator / denominator if denominator else None


def mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100), linearly interpolated between ranks; None for no values.

    The one place percentiles are computed, so the evaluation and the eval/ scripts agree.
    """
    if len(values) == 0:
        return None
    return float(np.percentile(values, q))


# --- refusals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefusalCounts:
    """Confusion matrix for refusing, with refusal as the positive class."""

    true_refusals: int = 0  # unanswerable and refused
    false_refusals: int = 0  # answerable but refused
    missed_refusals: int = 0  # unanswerable but answered
    answered: int = 0  # answerable and answered

    @property
    def precision(self) -> float | None:
        return ratio(self.true_refusals, self.true_refusals + self.false_refusals)

    @property
    def recall(self) -> float | None:
        return ratio(self.true_refusals, self.true_refusals + self.missed_refusals)

    @property
    def false_refusal_rate(self) -> float | None:
        return ratio(self.false_refusals, self.false_refusals + self.answered)

    @property
    def accuracy(self) -> float | None:
        total = self.true_refusals + self.false_refusals + self.missed_refusals + self.answered
        return ratio(self.true_refusals + self.answered, total)


def refusal_counts(pairs: Iterable[tuple[bool, bool]]) -> RefusalCounts:
    """Count (answerable, refused) pairs into a confusion matrix."""
    tr = fr = mr = ok = 0
    for answerable, refused in pairs:
        if answerable:
            fr, ok = fr + refused, ok + (not refused)
        else:
            tr, mr = tr + refused, mr + (not refused)
    return RefusalCounts(tr, fr, mr, ok)
