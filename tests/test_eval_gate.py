"""CI gate: the full extractive evaluation over the seeds, and the local model's on a stratified half
of the questions (about 3 minutes), must not fall below eval/thresholds.json.

The thresholds sit just under what the system reaches today; raise them whenever
answering improves, so that a later change cannot quietly give the gain back.
"""

from __future__ import annotations

from conftest import ARTIFACTS, ROOT

from assistant.evaluation import (
    ATTRIBUTION_METRICS,
    DEFAULT_THRESHOLDS,
    QUALITY_METRICS,
    check_thresholds,
    gate_sample,
    load_questions,
    load_statement_labels,
    load_thresholds,
    render_tables,
    run_evaluation,
    write_reports,
)

QUESTIONS = ROOT / "eval" / "questions.jsonl"


def test_thresholds_name_real_metrics_in_the_right_direction():
    thresholds = load_thresholds(DEFAULT_THRESHOLDS)
    assert thresholds["min"] and thresholds["max"]
    unknown = (set(thresholds["min"]) | set(thresholds["max"])) - set(QUALITY_METRICS) - set(ATTRIBUTION_METRICS)
    assert not unknown, f"thresholds for unknown metrics: {sorted(unknown)}"
    # the rates where lower is better, and words in the wrong mouth, which must never happen
    assert set(thresholds["max"]) == {"false_refusal_rate", "wrong_source_rate", "wrong_speaker_answers"}
    assert thresholds["max"]["wrong_speaker_answers"] == 0
    assert {"statement_precision", "statement_recall", "speaker_accuracy"} <= set(thresholds["min"])
    assert thresholds["min"]["quote_fidelity"] == 1.0  # a misquote is never acceptable


def test_extractive_evaluation_meets_the_thresholds(seed_assistant):
    questions = load_questions(QUESTIONS)
    report = run_evaluation(seed_assistant, questions, mode="extractive", questions_file=QUESTIONS,
                            labels=load_statement_labels())
    # Kept for whoever has to read a failure (tests/artifacts/ is not in git).
    write_reports(report, ARTIFACTS, "eval-gate")

    assert report["metadata"]["counts"]["questions"] == len(questions)
    overall = report["aggregates"]["overall"]
    # the report names the false-premise questions answered instead of refused
    premises = {q.id for q in questions if q.false_premise}
    assert premises and set(report["false_premises_answered"]) <= premises
    assert overall["false_premises_answered"] == len(report["false_premises_answered"])
    failures = check_thresholds(overall, load_thresholds(DEFAULT_THRESHOLDS))
    assert not failures, (
        f"{len(failures)} evaluation threshold(s) missed (eval/thresholds.json):\n  "
        + "\n  ".join(failures)
        + f"\n\n{render_tables(report['aggregates'])}\n\nfull report: {ARTIFACTS / 'eval-gate.json'}"
    )


def test_local_model_evaluation_on_a_stratified_sample_meets_its_thresholds(seed_assistant):
    questions = gate_sample(load_questions(QUESTIONS))
    assert {q.category for q in questions} == {q.category for q in load_questions(QUESTIONS)}
    report = run_evaluation(seed_assistant, questions, mode="local", questions_file=QUESTIONS)
    write_reports(report, ARTIFACTS, "eval-gate-local")
    overall = report["aggregates"]["overall"]
    failures = check_thresholds(overall, load_thresholds(DEFAULT_THRESHOLDS, mode="local"))
    assert not failures, (
        f"{len(failures)} local-mode threshold(s) missed (eval/thresholds.json, modes.local):\n  "
        + "\n  ".join(failures)
        + f"\n\n{render_tables(report['aggregates'])}\n\nfull report: {ARTIFACTS / 'eval-gate-local.json'}"
    )
