"""From answers to figures: one record per question (score_question), pooled per group (aggregates).

A record keeps the counts behind each share, so the aggregates pool citations
across questions instead of averaging per-question shares.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .metrics import (
    citation_recall,
    evidence_spans,
    fact_present,
    fact_recall,
    first_hit_rank,
    hit_at,
    in_evidence,
    mean,
    percentile,
    quote_is_verbatim,
    ratio,
    reciprocal_rank,
    refusal_counts,
)
from .questions import Question, ordered_categories

HIT_KS = (1, 3, 5, 10)

# Aggregate metrics and the direction that counts as better (used by --compare and the gate).
QUALITY_METRICS = ("hit@1", "hit@3", "hit@5", "hit@10", "mrr", "quote_fidelity", "citation_precision",
                   "citation_recall", "wrong_source_rate", "fact_recall", "refusal_precision",
                   "refusal_recall", "false_refusal_rate", "refusal_accuracy")
LATENCY_METRICS = ("retrieve_p50_s", "retrieve_p95_s", "total_p50_s", "total_p95_s",
                   "first_token_p50_s", "first_token_p95_s")
# counted over the whole run, not per category: questions whose premise the articles contradict, answered
FALSE_PREMISES = "false_premises_answered"
LOWER_IS_BETTER = frozenset({"wrong_source_rate", "false_refusal_rate", FALSE_PREMISES, *LATENCY_METRICS})


def score_question(question: Question, answer: Mapping, retrieved: Sequence[Mapping],
                   texts: Mapping[str, str]) -> dict:
    """Everything measured for one question, from its answer dict, its top-k passages and the texts.

    `texts` must hold every gold article and every cited article (a cited article
    that is missing counts as a non-verbatim quote).
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


def aggregates(records: Sequence[Mapping]) -> dict[str, Any]:
    """Overall figures, and the same per category in the tables' order."""
    return {
        "overall": aggregate(records),
        "by_category": {c: aggregate([r for r in records if r["category"] == c])
                        for c in ordered_categories(r["category"] for r in records)},
    }
