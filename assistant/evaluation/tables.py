"""The evaluation's figures as text: the terminal tables and the markdown report (<name>.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .scoring import FALSE_PREMISES, LATENCY_METRICS, QUALITY_METRICS

# Short column headers for the tables (the README explains each one).
_HEADERS = {
    "hit@1": "hit@1", "hit@3": "hit@3", "hit@5": "hit@5", "hit@10": "hit@10", "mrr": "MRR",
    "quote_fidelity": "quote", "citation_precision": "c.prec", "citation_recall": "c.rec",
    "wrong_source_rate": "wrong", "fact_recall": "facts", "refusal_precision": "ref.P",
    "refusal_recall": "ref.R", "false_refusal_rate": "f.ref", "refusal_accuracy": "ref.acc",
    "retrieve_p50_s": "retr p50", "retrieve_p95_s": "retr p95", "total_p50_s": "total p50",
    "total_p95_s": "total p95", "first_token_p50_s": "1st tok p50", "first_token_p95_s": "1st tok p95",
}


def fmt(value: float | None, seconds: bool = False) -> str:
    """Three decimals; '-' for a figure that is undefined."""
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
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(r, widths, strict=True)))
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
    """The quality table, the latency table, then the who-said-what and false-premise lines when measured."""
    render = markdown_table if markdown else plain_table
    quality = render(table_rows(aggs, QUALITY_METRICS))
    timing = render(table_rows(aggs, _latency_metrics(aggs)))
    tables = f"{quality}\n\nLatency per question (seconds):\n\n{timing}" if markdown else f"{quality}\n\n{timing}"
    overall = aggs["overall"]
    if "statement_precision" in overall:
        kinds = ", ".join(f"{k} {fmt(v)}" for k, v in overall["recall_by_kind"].items())
        tables += (f"\n\nWho said what ({overall['labelled_statements']} labelled statements in "
                   f"{overall['labelled_sentences']} sentences): "
                   f"statement precision {fmt(overall['statement_precision'])}, "
                   f"recall {fmt(overall['statement_recall'])}, speaker accuracy {fmt(overall['speaker_accuracy'])}; "
                   f"recall by kind: {kinds}. Answers putting words in the wrong mouth: "
                   f"{overall['wrong_speaker_answers']}.")
    if FALSE_PREMISES in overall:
        tables += f"\n\nFalse-premise questions answered instead of refused: {overall[FALSE_PREMISES]}."
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
