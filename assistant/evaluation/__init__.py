"""The fixed grounding evaluation: `assistant eval`.

Every figure is computed from the question file, the article texts and the
answers alone - no model judges another model - so a score moves only when
retrieval or answering really changed. The metric functions take plain data so
each can be checked by hand; `runner.run_evaluation` is the one place that talks
to an `Assistant`.

questions (the question file), metrics (primitives), scoring (records and
aggregates), statements (who said what), runner, tables, chart, reports (files),
compare (--compare), gate (--gate and eval/thresholds.json), cli (the command).
"""

from .cli import add_eval_command, build_assistant, cmd_eval, corpus_index_dir
from .compare import Change, compare_aggregates, format_comparison
from .gate import DEFAULT_THRESHOLDS, check_thresholds, gate_questions, gate_sample, load_thresholds
from .metrics import (
    RefusalCounts,
    Span,
    citation_recall,
    evidence_spans,
    fact_present,
    fact_recall,
    first_hit_rank,
    hit_at,
    in_evidence,
    mean,
    missing_evidence,
    overlaps,
    percentile,
    quote_is_verbatim,
    ratio,
    reciprocal_rank,
    refusal_counts,
)
from .questions import CATEGORIES, Fact, Question, load_questions, ordered_categories
from .reports import load_report, write_reports
from .runner import ANSWER_K, DEFAULT_MODE, RETRIEVAL_K, run_evaluation
from .scoring import HIT_KS, LATENCY_METRICS, QUALITY_METRICS, aggregate, aggregates, latency, score_question
from .statements import ATTRIBUTION_METRICS, load_statement_labels, score_statements, wrong_speakers
from .tables import fmt, render_tables

__all__ = [
    "ANSWER_K", "ATTRIBUTION_METRICS", "CATEGORIES", "DEFAULT_MODE", "DEFAULT_THRESHOLDS", "HIT_KS",
    "LATENCY_METRICS", "QUALITY_METRICS", "RETRIEVAL_K", "Change", "Fact", "Question", "RefusalCounts", "Span",
    "add_eval_command", "aggregate", "aggregates", "build_assistant", "check_thresholds", "citation_recall",
    "cmd_eval", "compare_aggregates", "corpus_index_dir", "evidence_spans", "fact_present", "fact_recall",
    "first_hit_rank", "fmt", "format_comparison", "gate_questions", "gate_sample", "hit_at", "in_evidence",
    "latency", "load_questions", "load_report", "load_statement_labels", "load_thresholds", "mean",
    "missing_evidence", "ordered_categories", "overlaps", "percentile", "quote_is_verbatim", "ratio",
    "reciprocal_rank", "refusal_counts", "render_tables", "run_evaluation", "score_question", "score_statements",
    "wrong_speakers", "write_reports",
]
