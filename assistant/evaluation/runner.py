"""Running the evaluation: the one place that talks to an `Assistant`.

It checks the gold articles first, asks every question, retrieves what the
question searched for, and hands plain data to the scoring functions; the
report it returns holds the metadata, the aggregates and every question's record.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config import PROJECT_ROOT
from ..errors import ConfigError, DocumentNotFoundError
from .metrics import missing_evidence
from .questions import Question, ordered_categories
from .scoring import FALSE_PREMISES, aggregates, score_question
from .statements import Labels, evaluate_statements, wrong_speakers

DEFAULT_MODE = "extractive"
ANSWER_K = 5  # passages the answer is built from
RETRIEVAL_K = 10  # passages scored for hit@k and MRR (independent of ANSWER_K)


def _texts_for(assistant, doc_ids: Iterable[str], cache: dict[str, str]) -> dict[str, str]:
    """Article texts from the index; an unknown doc_id simply has no text (its quotes fail fidelity)."""
    for doc_id in doc_ids:
        if doc_id not in cache:
            try:
                cache[doc_id] = assistant.document(doc_id).text
            except DocumentNotFoundError:
                pass
    return cache


def check_gold(assistant, questions: Sequence[Question], cache: dict[str, str]) -> None:
    """Fail before answering anything if a gold article is not indexed or an evidence string is not in it."""
    known = {r.doc_id for r in assistant.articles()}
    for q in questions:
        missing = [d for d in q.gold_docs if d not in known]
        if missing:
            raise ConfigError(f"question {q.id}: gold article {missing[0]} is not in the evaluated corpus")
        _texts_for(assistant, q.gold_docs, cache)
        lost = missing_evidence(q.gold_docs, q.evidence, cache)
        if lost:
            raise ConfigError(f"question {q.id}: evidence not found verbatim in its gold articles: {lost[0][:60]!r}")


def evaluate_question(assistant, question: Question, mode: str, k: int, cache: dict[str, str]) -> dict:
    """Ask, retrieve the top RETRIEVAL_K for the question actually searched, and score."""
    answer = assistant.ask(question.question, history=list(question.history) or None, mode=mode, k=k).to_dict()
    query = answer.get("rewritten_question") or question.question
    retrieved = [p.to_dict() for p in assistant.retrieve(query, k=RETRIEVAL_K)]
    cited = [c["doc_id"] for c in answer.get("citations", ())]
    texts = _texts_for(assistant, [*question.gold_docs, *cited], cache)
    return {**score_question(question, answer, retrieved, texts), "retrieval_query": query}


def run_evaluation(assistant, questions: Sequence[Question], mode: str = DEFAULT_MODE, k: int = ANSWER_K,
                   questions_file: str | Path | None = None, progress: bool = False,
                   labels: Labels | None = None) -> dict[str, Any]:
    """Evaluate every question and return the full report (metadata, aggregates, per-question records).
    `labels`: the hand-labelled statements (load_statement_labels) when the corpus is the one they
    label: attribution is then scored too, and every answer checked for words in the wrong mouth.

    The index is opened and the retriever warmed up before the clock starts, so
    latencies describe a running assistant, not a cold start.
    """
    cache: dict[str, str] = {}
    check_gold(assistant, questions, cache)
    assistant.retrieve(questions[0].question, k=1)
    started = time.perf_counter()
    records = []
    iterator: Iterable[Question] = questions
    if progress:
        from tqdm import tqdm

        iterator = tqdm(questions, desc=f"eval {mode}", unit="q", file=sys.stderr)
    for question in iterator:
        records.append(evaluate_question(assistant, question, mode, k, cache))
    elapsed = time.perf_counter() - started
    report: dict[str, Any] = {
        "metadata": metadata(assistant, questions, records, mode, k, questions_file, elapsed),
        "aggregates": aggregates(records),
        "questions": records,
    }
    premises = [q.id for q in questions if q.false_premise]
    if premises:
        answered = [r["id"] for r in records if r["id"] in premises and not r["refused"]]
        report["aggregates"]["overall"][FALSE_PREMISES] = len(answered)
        report[FALSE_PREMISES] = answered
    if labels:
        report["aggregates"]["overall"].update(evaluate_statements(assistant, labels))
        mistakes = [w for r in records for w in wrong_speakers(r, labels)]
        report["aggregates"]["overall"]["wrong_speaker_answers"] = len(mistakes)
        report["wrong_speakers"] = mistakes
    return report


def _file_sha256(path: str | Path | None) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest() if path else None
    except OSError:
        return None


def _shown_path(path: str | Path) -> str:
    """Paths inside the project are stored relative to it, so reports compare across checkouts."""
    resolved = Path(path).resolve()
    try:
        return str(resolved.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(resolved)


def metadata(assistant, questions: Sequence[Question], records: Sequence[Mapping], mode: str, k: int,
             questions_file: str | Path | None, elapsed: float) -> dict[str, Any]:
    """What a report was made from (mode, model, question file and its hash, corpus), and when."""
    by_category: dict[str, int] = {}
    for q in questions:
        by_category[q.category] = by_category.get(q.category, 0) + 1
    models = sorted({r["model"] for r in records if r.get("model")})
    return {
        "mode": mode,
        "answer_modes": sorted({r["mode"] for r in records if r.get("mode")}),
        "model": ", ".join(models) if models else None,
        "k": k,
        "retrieval_k": RETRIEVAL_K,
        "questions_file": _shown_path(questions_file) if questions_file else None,
        "questions_sha256": _file_sha256(questions_file),
        "corpus": [_shown_path(p) for p in assistant.settings.corpus],
        "embedding_model": assistant.settings.embedding_model,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "elapsed_s": round(elapsed, 2),
        "counts": {
            "questions": len(questions),
            "answerable": sum(q.answerable for q in questions),
            "unanswerable": sum(not q.answerable for q in questions),
            "by_category": {c: by_category[c] for c in ordered_categories(by_category)},
        },
    }
