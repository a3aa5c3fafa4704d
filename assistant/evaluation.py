"""The fixed grounding evaluation: `assistant eval`.

Every figure is computed from the question file, the article texts and the
answers alone - no model judges another model - so a score moves only when
retrieval or answering really changed. The metric functions take plain data
(answer and citation dicts, passages, gold records, article texts) so each one
can be checked by hand and unit-tested; `run_evaluation` is the one place that
talks to an `Assistant`.

Retrieval and citations are scored against character spans, not chunk ids: a
passage or quote counts when its [start, end) overlaps the span of a gold
evidence string in a gold article, so re-chunking cannot break the metric.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .analysis import normalise
from .config import PROJECT_ROOT
from .errors import ConfigError, CorpusError, DocumentNotFoundError

DEFAULT_QUESTIONS = PROJECT_ROOT / "eval" / "questions.jsonl"
DEFAULT_REPORTS_DIR = PROJECT_ROOT / "eval" / "reports"
DEFAULT_THRESHOLDS = PROJECT_ROOT / "eval" / "thresholds.json"
DEFAULT_STATEMENTS = PROJECT_ROOT / "eval" / "statements.jsonl"  # every sentence of seeds/, its speakers labelled by hand
DEFAULT_MODE = "extractive"
ANSWER_K = 5  # passages the answer is built from
RETRIEVAL_K = 10  # passages scored for hit@k and MRR (independent of ANSWER_K)
HIT_KS = (1, 3, 5, 10)

# Known categories, in the order tables list them; a question file may add others.
CATEGORIES = ("single_fact", "attribution", "paraphrase", "cross_source", "temporal_numeric",
              "follow_up", "unanswerable")

# Aggregate metrics and the direction that counts as better (used by --compare and the gate).
QUALITY_METRICS = ("hit@1", "hit@3", "hit@5", "hit@10", "mrr", "quote_fidelity", "citation_precision",
                   "citation_recall", "wrong_source_rate", "fact_recall", "refusal_precision",
                   "refusal_recall", "false_refusal_rate", "refusal_accuracy")
ATTRIBUTION_METRICS = ("statement_precision", "statement_recall", "speaker_accuracy", "wrong_speaker_answers")
LATENCY_METRICS = ("retrieve_p50_s", "retrieve_p95_s", "total_p50_s", "total_p95_s",
                   "first_token_p50_s", "first_token_p95_s")
LOWER_IS_BETTER = frozenset({"wrong_source_rate", "false_refusal_rate", *LATENCY_METRICS})

# Short column headers for the tables (the README explains each one).
_HEADERS = {
    "hit@1": "hit@1", "hit@3": "hit@3", "hit@5": "hit@5", "hit@10": "hit@10", "mrr": "MRR",
    "quote_fidelity": "quote", "citation_precision": "c.prec", "citation_recall": "c.rec",
    "wrong_source_rate": "wrong", "fact_recall": "facts", "refusal_precision": "ref.P",
    "refusal_recall": "ref.R", "false_refusal_rate": "f.ref", "refusal_accuracy": "ref.acc",
    "retrieve_p50_s": "retr p50", "retrieve_p95_s": "retr p95", "total_p50_s": "total p50",
    "total_p95_s": "total p95", "first_token_p50_s": "1st tok p50", "first_token_p95_s": "1st tok p95",
}
# The per-category bar chart: (metric, legend label).
CHART_METRICS = (("hit@5", "hit@5"), ("citation_precision", "citation precision"),
                 ("fact_recall", "fact recall"), ("refusal_accuracy", "refusal accuracy"))

Span = tuple[int, int]
Fact = str | list[str]


# --- the question file ------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    category: str
    answerable: bool
    gold_docs: tuple[str, ...]
    evidence: tuple[str, ...]
    answer_facts: tuple[Fact, ...]
    history: tuple[dict, ...] = ()
    notes: str = ""
    false_premise: bool = False  # presupposes what the articles contradict: must never be answered as if true


def _invalid(path: Path, line: int, why: str) -> ConfigError:
    return ConfigError(f"{path}, line {line}: {why}")


def _string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _is_fact(value: Any) -> bool:
    return (isinstance(value, str) and bool(value.strip())) or (bool(value) and _string_list(value))


def _is_history(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(turn, dict) and isinstance(turn.get("role"), str) and isinstance(turn.get("content"), str)
        for turn in value)


def parse_question(record: Any, path: Path, line: int) -> Question:
    """One line of the question file, checked field by field so the error names what is wrong."""
    if not isinstance(record, dict):
        raise _invalid(path, line, "expected a JSON object")
    for name in ("id", "question", "category", "answerable", "gold_docs", "evidence", "answer_facts"):
        if name not in record:
            raise _invalid(path, line, f"missing field {name!r}")
    for name in ("id", "question", "category"):
        if not isinstance(record[name], str) or not record[name].strip():
            raise _invalid(path, line, f"field {name!r} must be a non-empty string")
    if not isinstance(record["answerable"], bool):
        raise _invalid(path, line, "field 'answerable' must be true or false")
    for name in ("gold_docs", "evidence"):
        if not _string_list(record[name]):
            raise _invalid(path, line, f"field {name!r} must be a list of non-empty strings")
    facts = record["answer_facts"]
    if not isinstance(facts, list) or not all(_is_fact(f) for f in facts):
        raise _invalid(path, line, "field 'answer_facts' must be a list of strings or lists of strings")
    if record["answerable"] and not (record["gold_docs"] and record["evidence"]):
        raise _invalid(path, line, "an answerable question needs gold_docs and evidence")
    history = record.get("history") or []
    if not _is_history(history):
        raise _invalid(path, line, "field 'history' must be a list of {\"role\", \"content\"} objects")
    notes = record.get("notes") or ""
    if not isinstance(record.get("false_premise", False), bool):
        raise _invalid(path, line, "field 'false_premise' must be true or false")
    if record.get("false_premise") and record["answerable"]:
        raise _invalid(path, line, "a false-premise question cannot be answerable")
    return Question(id=record["id"], question=record["question"], category=record["category"],
                    answerable=record["answerable"], gold_docs=tuple(record["gold_docs"]),
                    evidence=tuple(record["evidence"]), answer_facts=tuple(facts),
                    history=tuple(history), notes=notes if isinstance(notes, str) else str(notes),
                    false_premise=record.get("false_premise", False))


def load_questions(path: str | Path) -> list[Question]:
    """Read and validate a questions.jsonl; any problem is a one-line ConfigError naming the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"no such question file: {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read the question file {path}: {e}") from None
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise _invalid(path, number, f"invalid JSON ({e.msg}, column {e.colno})") from None
        question = parse_question(record, path, number)
        if question.id in seen:
            raise _invalid(path, number, f"duplicate id {question.id!r} (first on line {seen[question.id]})")
        seen[question.id] = number
        questions.append(question)
    if not questions:
        raise ConfigError(f"the question file {path} has no questions")
    return questions


# --- metric primitives: pure functions of plain data --------------------------------------


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


def ratio(numerator: float, denominator: float) -> float | None:
    """A share, or None when nothing was counted (shown as '-', never as a misleading 0 or 1)."""
    return numerator / denominator if denominator else None


def mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation between ranks, as numpy's default does."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


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


# --- one question ------------------------------------------------------------------------


def score_question(question: Question, answer: Mapping, retrieved: Sequence[Mapping],
                   texts: Mapping[str, str]) -> dict:
    """Everything measured for one question, from its answer dict, its top-k passages and the texts.

    `texts` must hold every gold article and every cited article (a cited article
    that is missing counts as a non-verbatim quote). The record keeps the counts
    behind each share so aggregates can pool citations across questions.
    """
    spans = evidence_spans(question.gold_docs, question.evidence, texts) if question.answerable else {}
    gold = set(question.gold_docs)
    citations = []
    for c in answer.get("citations", ()):
        citations.append({
            "number": c.get("number"), "doc_id": c["doc_id"], "start": c["start"], "end": c["end"],
            "quote": c["quote"],
            "verbatim": quote_is_verbatim(c, texts),
            "gold_doc": c["doc_id"] in gold,
            "supported": in_evidence(c["doc_id"], c["start"], c["end"], spans),
        })
    refused = bool(answer.get("refused"))
    # A refusal answers nothing: its text ("... mentions Budapest") must not score facts.
    facts_text = "" if refused else answer.get("text", "")
    record: dict[str, Any] = {
        "id": question.id, "category": question.category, "question": question.question,
        "answerable": question.answerable, "history_turns": len(question.history),
        "rewritten_question": answer.get("rewritten_question"),
        "answer": answer.get("text", ""), "refused": refused, "mode": answer.get("mode"),
        "model": answer.get("model"), "notice": answer.get("notice"),
        "citations": citations,
        "n_citations": len(citations),
        "n_verbatim": sum(c["verbatim"] for c in citations),
        "n_supported": sum(c["supported"] for c in citations),
        "n_wrong_source": sum(not c["gold_doc"] for c in citations),
        "timings": dict(answer.get("timings", {})),
    }
    if question.answerable:
        rank = first_hit_rank(retrieved, spans)
        record.update({
            "gold_docs": list(question.gold_docs),
            "evidence_spans": {doc: [list(s) for s in doc_spans] for doc, doc_spans in spans.items()},
            "retrieved": [{"rank": i, "doc_id": p["doc_id"], "start": p["start"], "end": p["end"],
                           "hit": in_evidence(p["doc_id"], p["start"], p["end"], spans)}
                          for i, p in enumerate(retrieved, 1)],
            "first_hit_rank": rank,
            **{f"hit@{k}": hit_at(rank, k) for k in HIT_KS},
            "reciprocal_rank": reciprocal_rank(rank),
            "cited_gold_docs": sorted(gold & {c["doc_id"] for c in citations}),
            "citation_recall": citation_recall(citations, question.gold_docs),
            "facts": [{"fact": f, "found": fact_present(f, facts_text)} for f in question.answer_facts],
            "fact_recall": fact_recall(question.answer_facts, facts_text),
        })
    return record


# --- who said what ---------------------------------------------------------------------------


def load_statement_labels(path: str | Path = DEFAULT_STATEMENTS) -> dict[tuple[str, int], dict]:
    """Hand labels, one per sentence: (doc_id, sentence start) -> {"speakers": [...], "kind": ...}."""
    labels = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            record = json.loads(line)
            labels[(record["doc_id"], record["start"])] = record
    return labels


def same_speaker(a: str, b: str) -> bool:
    """One speaker under two keys: equal, spelt as a transliteration, or one outlet's name inside the
    other's ("national network" and "ukrainian national network")."""
    from .analysis import transliterated

    return a == b or transliterated(a, b) or set(a.split()) <= set(b.split()) or set(b.split()) <= set(a.split())


def score_statements(labels: Mapping[tuple[str, int], Mapping], found: Mapping[tuple[str, int], Sequence[str]]
                     ) -> dict[str, Any]:
    """Statement detection (a sentence holds a statement or not) and speaker accuracy (its first speaker)
    over the labelled sentences. `found`: (doc_id, sentence start) -> speaker keys the assistant found."""
    tp = fp = fn = right = 0
    by_kind: dict[str, list[int]] = {}
    for key, label in labels.items():
        gold, predicted = list(label["speakers"]), list(found.get(key, ()))
        if gold:
            by_kind.setdefault(label["kind"], [0, 0])[1] += 1
        if gold and predicted:
            tp += 1
            right += same_speaker(predicted[0], gold[0])
            by_kind[label["kind"]][0] += 1
        elif predicted:
            fp += 1
        elif gold:
            fn += 1
    return {"statement_precision": ratio(tp, tp + fp), "statement_recall": ratio(tp, tp + fn),
            "speaker_accuracy": ratio(right, tp), "labelled_statements": tp + fn, "labelled_sentences": len(labels),
            "recall_by_kind": {k: ratio(a, n) for k, (a, n) in sorted(by_kind.items())}}


def evaluate_statements(assistant, labels: Mapping[tuple[str, int], Mapping]) -> dict[str, Any]:
    found: dict[tuple[str, int], list[str]] = {}
    for doc_id in sorted({d for d, _ in labels}):
        for statement in assistant.statements(doc_id=doc_id, k=1000):
            found.setdefault((doc_id, statement.sentence_start), []).append(statement.speaker)
    return score_statements(labels, found)


def wrong_speakers(record: Mapping, labels: Mapping[tuple[str, int], Mapping]) -> list[str]:
    """Citations that put words in the wrong mouth, judged by the hand labels: the answer to "what did X
    say" cites a sentence X did not say, or an answer sentence says "Y said ..." and cites a sentence Y
    did not say. Citations of unlabelled articles are not judged."""
    from .attribution import speaker_asked, speaker_key
    from .grounding import claimed_speakers

    def gold_of(c: Mapping) -> list[str] | None:
        for (doc_id, start), label in labels.items():
            if doc_id == c["doc_id"] and start <= c["start"] < label["end"]:
                return list(label["speakers"])
        return None

    asked = speaker_asked(record["question"])
    wrong = []
    text = record.get("answer", "")
    for c in record.get("citations", ()):
        gold = gold_of(c)
        if gold is None:
            continue
        # The words an answer attributes with this citation: the sentence its marker closes.
        marker = f"[{c.get('number')}]"
        before = text[: text.find(marker)] if marker in text else ""
        since_last_marker = re.split(r"\[\d+\]", before)[-1].strip()
        claim = re.split(r"(?<=[.!?”])\s+(?=[A-Z“])", since_last_marker)[-1] if since_last_marker else ""
        claimed = [speaker_key(asked.name.split()[-1])] if asked and asked.strict and not record["refused"] else []
        if record.get("mode") != "extractive":
            claimed += claimed_speakers(claim)  # a model's own sentence naming a speaker
        for speaker in claimed:
            if not any(same_speaker(speaker, g) for g in gold):
                wrong.append(f"{record['id']}: {speaker} does not say {c['quote'][:60]!r}")
    return wrong


# --- aggregates ---------------------------------------------------------------------------


def aggregate(records: Sequence[Mapping]) -> dict[str, Any]:
    """Pooled figures for a group of per-question records.

    Retrieval, citation recall and fact recall are averaged over answerable
    questions (refused ones included, as zeros where nothing was cited or said);
    quote fidelity pools every citation; citation precision and wrong-source rate
    pool the citations of answerable questions. Undefined figures are None.
    """
    answerable = [r for r in records if r["answerable"]]
    answerable_citations = sum(r["n_citations"] for r in answerable)
    counts = refusal_counts((r["answerable"], r["refused"]) for r in records)
    result: dict[str, Any] = {
        "questions": len(records),
        "answerable": len(answerable),
        "refused": sum(r["refused"] for r in records),
        "citations": sum(r["n_citations"] for r in records),
    }
    for k in HIT_KS:
        result[f"hit@{k}"] = mean(float(r[f"hit@{k}"]) for r in answerable)
    result["mrr"] = mean(r["reciprocal_rank"] for r in answerable)
    result["quote_fidelity"] = ratio(sum(r["n_verbatim"] for r in records), result["citations"])
    result["citation_precision"] = ratio(sum(r["n_supported"] for r in answerable), answerable_citations)
    result["citation_recall"] = mean(r["citation_recall"] for r in answerable)
    result["wrong_source_rate"] = ratio(sum(r["n_wrong_source"] for r in answerable), answerable_citations)
    result["fact_recall"] = mean(r["fact_recall"] for r in answerable)
    result["refusal_precision"] = counts.precision
    result["refusal_recall"] = counts.recall
    result["false_refusal_rate"] = counts.false_refusal_rate
    result["refusal_accuracy"] = counts.accuracy
    result.update(latency(records))
    return result


def latency(records: Sequence[Mapping]) -> dict[str, float]:
    """p50/p95 seconds of each timing the answers report ("first_token" only when some answer has it)."""
    result: dict[str, float] = {}
    for name in ("retrieve", "total", "first_token"):
        values = [r["timings"][name] for r in records if name in r.get("timings", {})]
        if values:
            result[f"{name}_p50_s"] = percentile(values, 50)  # type: ignore[assignment]
            result[f"{name}_p95_s"] = percentile(values, 95)  # type: ignore[assignment]
    return result


def ordered_categories(categories: Iterable[str]) -> list[str]:
    found = set(categories)
    return [c for c in CATEGORIES if c in found] + sorted(found - set(CATEGORIES))


def aggregates(records: Sequence[Mapping]) -> dict[str, Any]:
    return {
        "overall": aggregate(records),
        "by_category": {c: aggregate([r for r in records if r["category"] == c])
                        for c in ordered_categories(r["category"] for r in records)},
    }


# --- running it ---------------------------------------------------------------------------


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
                   labels: Mapping[tuple[str, int], Mapping] | None = None) -> dict[str, Any]:
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
    report = {
        "metadata": metadata(assistant, questions, records, mode, k, questions_file, elapsed),
        "aggregates": aggregates(records),
        "questions": records,
    }
    premises = [q.id for q in questions if q.false_premise]
    if premises:
        answered = [r["id"] for r in records if r["id"] in premises and not r["refused"]]
        report["aggregates"]["overall"]["false_premises_answered"] = len(answered)
        report["false_premises_answered"] = answered
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
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "elapsed_s": round(elapsed, 2),
        "counts": {
            "questions": len(questions),
            "answerable": sum(q.answerable for q in questions),
            "unanswerable": sum(not q.answerable for q in questions),
            "by_category": {c: by_category[c] for c in ordered_categories(by_category)},
        },
    }


# --- tables, files and the chart -----------------------------------------------------------


def fmt(value: float | None, seconds: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if not seconds else f"{value:.3f}s"


def table_rows(aggs: Mapping[str, Any], metrics: Sequence[str]) -> list[list[str]]:
    """Header row, then overall and one row per category."""
    groups = [("overall", aggs["overall"]), *aggs["by_category"].items()]
    rows = [["", "n", *(_HEADERS[m] for m in metrics)]]
    for name, figures in groups:
        rows.append([name, str(figures["questions"]),
                     *(fmt(figures.get(m), m in LATENCY_METRICS) for m in metrics)])
    return rows


def _latency_metrics(aggs: Mapping[str, Any]) -> list[str]:
    return [m for m in LATENCY_METRICS if m in aggs["overall"]]


def plain_table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths)))
             for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join(["---"] + ["---:"] * (len(rows[0]) - 1)) + "|"]
    for row in rows[1:]:
        label = f"**{row[0]}**" if row[0] == "overall" else row[0]
        lines.append("| " + " | ".join([label, *row[1:]]) + " |")
    return "\n".join(lines)


def render_tables(aggs: Mapping[str, Any], markdown: bool = False) -> str:
    render = markdown_table if markdown else plain_table
    quality = render(table_rows(aggs, QUALITY_METRICS))
    timing = render(table_rows(aggs, _latency_metrics(aggs)))
    tables = f"{quality}\n\nLatency per question (seconds):\n\n{timing}" if markdown else f"{quality}\n\n{timing}"
    overall = aggs["overall"]
    if "statement_precision" in overall:
        kinds = ", ".join(f"{k} {fmt(v)}" for k, v in overall["recall_by_kind"].items())
        tables += (f"\n\nWho said what ({overall['labelled_statements']} labelled statements in "
                   f"{overall['labelled_sentences']} sentences): statement precision {fmt(overall['statement_precision'])}, "
                   f"recall {fmt(overall['statement_recall'])}, speaker accuracy {fmt(overall['speaker_accuracy'])}; "
                   f"recall by kind: {kinds}. Answers putting words in the wrong mouth: "
                   f"{overall['wrong_speaker_answers']}.")
    if "false_premises_answered" in overall:
        tables += f"\n\nFalse-premise questions answered instead of refused: {overall['false_premises_answered']}."
    return tables


def markdown_report(report: Mapping[str, Any]) -> str:
    meta = report["metadata"]
    counts = meta["counts"]
    return "\n".join([
        f"# Grounding evaluation: {meta['mode']}",
        "",
        f"- date: {meta['date']}",
        f"- mode: {meta['mode']} (model: {meta['model'] or 'none'}), k={meta['k']}, "
        f"retrieval scored at top {meta['retrieval_k']}",
        f"- questions: {meta['questions_file']} ({counts['questions']} questions, {counts['answerable']} "
        f"answerable, {counts['unanswerable']} unanswerable)",
        f"- corpus: {', '.join(meta['corpus'])}",
        "",
        render_tables(report["aggregates"], markdown=True),
        "",
    ])


def plot_categories(aggs: Mapping[str, Any], path: Path, title: str) -> None:
    """Grouped bars per category; a figure that is undefined for a category is marked n/a."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    categories = list(aggs["by_category"])
    width = 0.8 / len(CHART_METRICS)
    fig, ax = plt.subplots(figsize=(max(8.0, 1.4 * len(categories)), 4.8))
    for i, (metric, label) in enumerate(CHART_METRICS):
        xs = [c + (i - (len(CHART_METRICS) - 1) / 2) * width for c in range(len(categories))]
        values = [aggs["by_category"][c].get(metric) for c in categories]
        ax.bar(xs, [v if v is not None else 0.0 for v in values], width, label=label)
        for x, v in zip(xs, values):
            if v is None:
                ax.text(x, 0.02, "n/a", ha="center", va="bottom", rotation=90, fontsize=7, color="grey")
    ax.set_xticks(range(len(categories)))
    ax.set_xticklabels(categories, rotation=20, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=len(CHART_METRICS), frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def check_report_name(name: str) -> None:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ConfigError(f"invalid report name {name!r}; use a plain file name such as 'extractive'")


def write_reports(report: Mapping[str, Any], reports_dir: str | Path, name: str) -> list[Path]:
    """<name>.json (everything), <name>.md (the tables) and <name>.png (the per-category chart)."""
    check_report_name(name)
    folder = Path(reports_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        json_path, md_path, png_path = (folder / f"{name}{ext}" for ext in (".json", ".md", ".png"))
        tmp = folder / f"{name}.json.tmp"
        tmp.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        tmp.replace(json_path)
        md_path.write_text(markdown_report(report), encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"cannot write reports to {folder}: {e.strerror or e}") from None
    meta = report["metadata"]
    title = f"{meta['mode']} by category ({meta['counts']['questions']} questions)"
    plot_categories(report["aggregates"], png_path, title)
    return [json_path, md_path, png_path]


# --- comparing two reports -----------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    group: str
    metric: str
    before: float
    after: float

    @property
    def delta(self) -> float:
        return self.after - self.before

    @property
    def improved(self) -> bool:
        return (self.delta < 0) if self.metric in LOWER_IS_BETTER else (self.delta > 0)


def compare_aggregates(a: Mapping[str, Any], b: Mapping[str, Any], tolerance: float = 1e-9) -> list[Change]:
    """Every metric, overall and per category, whose value differs between two reports' aggregates.

    A figure missing or undefined on either side is not a change (it cannot be ranked).
    """
    groups = [("overall", a["overall"], b["overall"])]
    for category in ordered_categories([*a["by_category"], *b["by_category"]]):
        groups.append((category, a["by_category"].get(category, {}), b["by_category"].get(category, {})))
    changes = []
    for group, before, after in groups:
        for metric in (*QUALITY_METRICS, *LATENCY_METRICS):
            x, y = before.get(metric), after.get(metric)
            if x is not None and y is not None and abs(y - x) > tolerance:
                changes.append(Change(group, metric, x, y))
    return changes


def format_comparison(a: Mapping[str, Any], b: Mapping[str, Any], names: tuple[str, str]) -> str:
    """Quality changes as improved/regressed; latency on its own, as timings on a shared machine are noisy."""
    changes = compare_aggregates(a["aggregates"], b["aggregates"])
    lines = [f"A: {names[0]} ({_describe(a)})", f"B: {names[1]} ({_describe(b)})"]
    if a["metadata"].get("questions_sha256") != b["metadata"].get("questions_sha256"):
        lines.append("note: the two reports were made from different question files")
    quality = [c for c in changes if c.metric not in LATENCY_METRICS]
    sections = [("Improved", [c for c in quality if c.improved]), ("Regressed", [c for c in quality if not c.improved]),
                ("Latency (machine-dependent)", [c for c in changes if c.metric in LATENCY_METRICS])]
    for title, chosen in sections:
        lines += ["", f"{title} ({len(chosen)}):"]
        if not chosen:
            lines.append("  nothing")
        for c in chosen:
            unit = "s" if c.metric in LATENCY_METRICS else ""
            verdict = ("  faster" if c.improved else "  slower") if unit else ""
            lines.append(f"  {c.group:<17} {c.metric:<19} {c.before:.3f}{unit} -> {c.after:.3f}{unit}  "
                         f"({c.delta:+.3f}{unit}){verdict}")
    return "\n".join(lines)


def _describe(report: Mapping[str, Any]) -> str:
    meta = report["metadata"]
    questions = meta.get("counts", {}).get("questions")
    return f"mode {meta.get('mode')}, k={meta.get('k')}, {questions} questions, {meta.get('date')}"


def load_report(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"no such report: {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read the report {path}: {e}") from None
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path} is not a report: invalid JSON at line {e.lineno} ({e.msg})") from None
    aggs = report.get("aggregates") if isinstance(report, dict) else None
    if not isinstance(aggs, dict) or not isinstance(aggs.get("overall"), dict) or "metadata" not in report:
        raise ConfigError(f"{path} is not an evaluation report (no metadata or aggregates)")
    aggs.setdefault("by_category", {})
    return report


# --- the CI gate ---------------------------------------------------------------------------


def load_thresholds(path: str | Path = DEFAULT_THRESHOLDS, mode: str = DEFAULT_MODE) -> dict[str, dict[str, float]]:
    """The extractive thresholds (the file's top level), or another mode's (under "modes")."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ConfigError(f"cannot read thresholds from {path}: {e}") from None
    if mode != data.get("mode", DEFAULT_MODE):
        data = data.get("modes", {}).get(mode)
        if data is None:
            raise ConfigError(f"{path} has no thresholds for the {mode} mode")
    return {"min": dict(data.get("min", {})), "max": dict(data.get("max", {}))}


def gate_sample(questions: Sequence[Question]) -> list[Question]:
    """Every second question of each category, in file order: a model mode's gate in CI's time."""
    seen: dict[str, int] = {}
    sample = []
    for q in questions:
        seen[q.category] = seen.get(q.category, 0) + 1
        if seen[q.category] % 2 == 1:
            sample.append(q)
    return sample


def check_thresholds(overall: Mapping[str, Any], thresholds: Mapping[str, Mapping[str, float]]) -> list[str]:
    """One message per missed threshold; a figure that could not be computed misses its threshold."""
    failures = []
    for metric, limit in thresholds.get("min", {}).items():
        value = overall.get(metric)
        if value is None or value < limit:
            failures.append(f"{metric} = {fmt(value)}, below the minimum {limit:.3f}")
    for metric, limit in thresholds.get("max", {}).items():
        value = overall.get(metric)
        if value is None or value > limit:
            failures.append(f"{metric} = {fmt(value)}, above the maximum {limit:.3f}")
    return failures


# --- the command ---------------------------------------------------------------------------


def corpus_index_dir(index_dir: Path, corpus: Sequence[str | Path]) -> Path:
    """A separate index per evaluated corpus, so `eval --corpus` never touches the user's own index."""
    key = "\n".join(sorted(str(Path(p).expanduser().resolve()) for p in corpus))
    return index_dir / f"eval-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:12]}"


def build_assistant(index_dir: str | None, corpus: Sequence[str] | None):
    from .api import Assistant
    from .config import Settings

    if not corpus:
        return Assistant(index_dir=index_dir)
    for path in corpus:  # before a folder for its index is made
        if not Path(path).expanduser().exists():
            raise CorpusError(f"no such file or folder: {path}")
    base = Path(index_dir) if index_dir else Settings.from_env().index_dir
    return Assistant(index_dir=corpus_index_dir(base, corpus), corpus=list(corpus))


def cmd_eval(args: argparse.Namespace) -> int:
    if args.compare:
        a, b = (load_report(p) for p in args.compare)
        print(format_comparison(a, b, (str(args.compare[0]), str(args.compare[1]))))
        return 0
    if args.k < 1:
        raise ConfigError(f"--k must be at least 1, not {args.k}")
    if args.limit is not None and args.limit < 1:
        raise ConfigError(f"--limit must be at least 1, not {args.limit}")
    check_report_name(args.name or args.mode)
    questions = load_questions(args.questions)[: args.limit]
    assistant = build_assistant(getattr(args, "index_dir", None), args.corpus)
    labels = load_statement_labels() if not args.corpus else None  # they label seeds/, the default corpus
    report = run_evaluation(assistant, questions, mode=args.mode, k=args.k, questions_file=args.questions,
                            progress=True, labels=labels)
    paths = write_reports(report, args.reports_dir, args.name or args.mode)
    print(render_tables(report["aggregates"]))
    print()
    for path in paths:
        print(f"wrote {path}")
    return 0


def add_eval_command(sub) -> None:
    """Register `assistant eval` on the CLI's subparsers."""
    from .api import MODES

    p = sub.add_parser("eval", help="score retrieval, citations, facts and refusals on a fixed question set")
    p.add_argument("--mode", choices=MODES, default=DEFAULT_MODE, help=f"answer mode (default: {DEFAULT_MODE})")
    p.add_argument("--questions", default=str(DEFAULT_QUESTIONS), metavar="FILE",
                   help="question file (default: eval/questions.jsonl)")
    p.add_argument("--corpus", nargs="+", action="extend", metavar="PATH",
                   help="evaluate over these files or folders, in a separate index (default: the configured corpus)")
    p.add_argument("--k", type=int, default=ANSWER_K, help=f"passages to answer from (default: {ANSWER_K})")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N questions")
    p.add_argument("--name", default=None, help="report name (default: the mode)")
    p.add_argument("--reports-dir", default=str(DEFAULT_REPORTS_DIR), metavar="DIR",
                   help="where reports go (default: eval/reports)")
    p.add_argument("--compare", nargs=2, metavar=("A.json", "B.json"),
                   help="show what improved and regressed from report A to report B (no evaluation run)")
    p.set_defaults(func=cmd_eval)
