"""The two ways a question becomes an Answer: quotes alone, or a model writing from evidence sentences.

Both rewrite a follow-up into a standalone question, retrieve, and rank sentences once. The quote
path answers from that ranking. The model path refuses early when the ranking finds nothing good
enough (the model would only guess), answers "who said …?" with the quotes (they name the speaker
the analysis found), else streams the model's text, verifies every claim against
the sentence it cites, and falls back to the quotes when the model fails, nothing verifies, or what it
wrote lacks the kind of thing asked for (a place, a number, a date) that the quotes give.
Each is a generator of text pieces that returns the Answer (what AnswerStream wraps).
"""

from __future__ import annotations

import time
from collections.abc import Generator, Mapping, Sequence
from dataclasses import replace

from .answering import missing_from
from .backends import ChatBackend, complete
from .errors import GenerationError
from .followup import cheap_rewrite, clean_model_rewrite
from .index import Index
from .prompts import answer_messages, rewrite_messages
from .types import Answer, Citation, Passage

History = Sequence[Mapping[str, str]] | None
REWRITE_TOKENS = 80  # a standalone question is one line
FALLBACK = "showing quotes from the articles instead"


def quoted(index: Index, question: str, history: History, k: int, started: float | None = None,
           notice: str | None = None) -> Answer:
    """The extractive answer: the best sentences of the retrieved passages, quoted and cited."""
    started = time.perf_counter() if started is None else started
    standalone = cheap_rewrite(question, history)
    passages = index.search(standalone, k)
    retrieved = time.perf_counter()
    answer = index.quotes(index.rank(standalone, passages), passages)
    done = time.perf_counter()
    return replace(answer, question=question, notice=notice, rewritten_question=standalone if history else None,
                   timings={"retrieve": retrieved - started, "answer": done - retrieved, "total": done - started})


def quoted_stream(index: Index, question: str, history: History, k: int) -> Generator[str, None, Answer]:
    answer = quoted(index, question, history, k)
    yield answer.text
    return answer


def generated(index: Index, backend: ChatBackend, question: str, history: History, k: int,
              max_tokens: int, max_question_chars: int, started: float) -> Generator[str, None, Answer]:
    """Rewrite, retrieve, refuse early or generate, then verify; a model failure ends in the quotes.
    `started`: when the question came, before the backend was made (its load time counts)."""
    timings = {"load": time.perf_counter() - started}
    quotes: Answer | None = None
    try:
        mark = time.perf_counter()
        standalone = _standalone(question, history, backend, max_question_chars)
        timings["rewrite"] = time.perf_counter() - mark
        mark = time.perf_counter()
        passages = index.search(standalone, k)
        timings["retrieve"] = time.perf_counter() - mark
        ranking = index.rank(standalone, passages)
        quotes = replace(index.quotes(ranking, passages), question=question,
                         rewritten_question=standalone if history else None)
        if quotes.refused or ranking.who:
            # "Who said …?" asks for a speaker, which the statements found at ingest name with the words
            # themselves; the 1.5B model only lost names (9 of 9 right quoted, 8 of 9 written, on the
            # who-said questions of eval/calibration.jsonl).
            yield quotes.text
            return _timed(replace(quotes, mode=backend.mode), timings, started)
        evidence, shown = index.evidence(ranking)
        parts: list[str] = []
        mark = time.perf_counter()
        for delta in backend.stream(answer_messages(standalone, shown), max_tokens):
            if not parts:
                timings["first_token"] = time.perf_counter() - started
            parts.append(delta)
            yield delta
        timings["generate"] = time.perf_counter() - mark
    except GenerationError as e:
        notice = f"{e}; {FALLBACK}"
        fallback = (quoted(index, question, history, k, started, notice) if quotes is None
                    else _timed(replace(quotes, notice=notice), timings, started))
        yield fallback.text
        return fallback
    return _timed(_verified(index, "".join(parts), evidence, quotes, backend), timings, started)


def _standalone(question: str, history: History, backend: ChatBackend, max_chars: int) -> str:
    if not history:
        return question
    written = complete(backend, rewrite_messages(question, history), REWRITE_TOKENS)
    return clean_model_rewrite(written, max_chars, question) or cheap_rewrite(question, history)


def _verified(index: Index, generated_text: str, evidence: Sequence[Passage], quotes: Answer,
              backend: ChatBackend) -> Answer:
    """The model's answer as verification leaves it (its [n] are the evidence sentences it read), or
    the quotes when none of it could be verified."""
    mark = time.perf_counter()
    question = quotes.rewritten_question or quotes.question
    grounded = index.verify(generated_text, evidence, question)
    checked = replace(quotes, unsupported=grounded.unsupported, unverified_quotes=grounded.unverified_quotes,
                      timings={"verify": time.perf_counter() - mark})
    lacking = missing_from(question, grounded.text) if grounded.answered else None
    if lacking and not quotes.refused and missing_from(question, quotes.text) is None:
        # "On what day ...?" answered without a day: the quotes give one
        return replace(checked, notice=f"the {backend.model} answer did not give the {lacking} asked for; {FALLBACK}")
    if grounded.answered and not quotes.refused and _within(grounded.citations, quotes.citations[:1]):
        # The model retold the best quote and nothing else: the quote says it whole, in the article's words
        # (on eval/calibration.jsonl the model's retelling kept 64.5 of the 70 facts its quotes held, and
        # where it chose other evidence it found 10 against their 3.5).
        return replace(checked, mode=backend.mode)
    if grounded.refused or grounded.answered:
        return index.checked(replace(checked, text=grounded.text, citations=grounded.citations,
                                     refused=grounded.refused, mode=backend.mode, model=backend.model))
    return replace(checked, notice=f"the {backend.model} answer could not be verified against the articles; "
                                   f"{FALLBACK}")


def _within(cited: Sequence[Citation], best: Sequence[Citation]) -> bool:
    """Whether every citation lies in one of the best ones (a sentence of the quotation they quote)."""
    return bool(cited) and all(any(c.doc_id == b.doc_id and b.start <= c.start and c.end <= b.end for b in best)
                               for c in cited)


def _timed(answer: Answer, timings: dict[str, float], started: float) -> Answer:
    return replace(answer, timings={**timings, **answer.timings, "total": time.perf_counter() - started})
