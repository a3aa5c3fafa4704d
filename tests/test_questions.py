"""The evaluation question file is itself checked: a typo in it would silently move every score."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS

QUESTIONS = ROOT / "eval" / "questions.jsonl"
ANSWERED_CATEGORIES = ("single_fact", "attribution", "paraphrase", "cross_source", "temporal_numeric", "follow_up")
MIN_PER_CATEGORY = 6
MIN_QUESTIONS = 60
MIN_UNANSWERABLE = 12
FIELDS = {"id", "question", "category", "answerable", "gold_docs", "evidence", "answer_facts"}


def _lines() -> list[tuple[int, str]]:
    return [(n, line) for n, line in enumerate(QUESTIONS.read_text(encoding="utf-8").splitlines(), 1) if line.strip()]


def _records() -> list[dict]:
    return [json.loads(line) for _, line in _lines()]


def _seed_text(doc_id: str) -> str:
    return (SEEDS / f"{doc_id}.txt").read_text(encoding="utf-8")


def test_every_line_parses_as_an_object_with_the_required_fields():
    for number, line in _lines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            pytest.fail(f"line {number}: invalid JSON: {e}")
        assert isinstance(record, dict), f"line {number}: not a JSON object"
        missing = FIELDS - record.keys()
        assert not missing, f"line {number}: missing {sorted(missing)}"


def test_the_harness_loader_accepts_the_file():
    from assistant.evaluation import load_questions

    assert len(load_questions(QUESTIONS)) == len(_lines())


def test_ids_are_unique():
    duplicates = [i for i, n in Counter(r["id"] for r in _records()).items() if n > 1]
    assert not duplicates


def test_every_gold_doc_exists_in_seeds():
    seeds = {p.stem for p in SEEDS.glob("*.txt")}
    missing = [(r["id"], d) for r in _records() for d in r["gold_docs"] if d not in seeds]
    assert not missing


def test_every_evidence_string_occurs_verbatim_in_a_gold_article():
    lost = [(r["id"], e[:60]) for r in _records() for e in r["evidence"]
            if not any(e in _seed_text(d) for d in r["gold_docs"])]
    assert not lost


def test_every_gold_article_has_evidence():
    """Citation recall asks for every gold article, so each one must hold an evidence string."""
    bare = [(r["id"], d) for r in _records() for d in r["gold_docs"]
            if not any(e in _seed_text(d) for e in r["evidence"])]
    assert not bare


def test_answerable_flag_matches_gold_records():
    for r in _records():
        if r["answerable"]:
            assert r["gold_docs"] and r["evidence"] and r["answer_facts"], r["id"]
            assert r["category"] != "unanswerable", r["id"]
        else:
            assert r["category"] == "unanswerable" and not r["gold_docs"] and not r["answer_facts"], r["id"]


def test_answer_facts_are_strings_or_lists_of_alternatives():
    for r in _records():
        for fact in r["answer_facts"]:
            ok = (isinstance(fact, str) and fact.strip()) or (
                isinstance(fact, list) and fact and all(isinstance(a, str) and a.strip() for a in fact))
            assert ok, f"{r['id']}: bad answer fact {fact!r}"


def test_category_counts_meet_the_minimums():
    records = _records()
    counts = Counter(r["category"] for r in records)
    assert len(records) >= MIN_QUESTIONS
    assert counts["unanswerable"] >= MIN_UNANSWERABLE
    assert sum(not r["answerable"] for r in records) >= MIN_UNANSWERABLE
    short = {c: counts[c] for c in ANSWERED_CATEGORIES if counts[c] < MIN_PER_CATEGORY}
    assert not short, f"categories under {MIN_PER_CATEGORY} questions: {short}"
    assert set(counts) <= {*ANSWERED_CATEGORIES, "unanswerable"}, f"unknown categories: {set(counts)}"


def test_cross_source_questions_name_several_gold_articles():
    single = [r["id"] for r in _records() if r["category"] == "cross_source" and len(set(r["gold_docs"])) < 2]
    assert not single


def test_follow_ups_have_a_history_of_turns():
    for r in _records():
        if r["category"] == "follow_up":
            history = r.get("history")
            assert history, f"{r['id']}: follow_up without history"
            for turn in history:
                assert turn.get("role") in {"user", "assistant"} and isinstance(turn.get("content"), str) \
                    and turn["content"].strip(), f"{r['id']}: bad history turn {turn!r}"
            assert history[0]["role"] == "user", r["id"]


def test_questions_are_not_repeated():
    texts = Counter(" ".join(r["question"].lower().split()) for r in _records())
    assert not [q for q, n in texts.items() if n > 1]




def test_questions_do_not_overlap_the_calibration_set():
    """eval/calibration.jsonl tuned the refusal threshold; sharing a question would flatter the scores."""
    calibration = Path(ROOT / "eval" / "calibration.jsonl")
    tuned = {" ".join(json.loads(line)["question"].lower().split())
             for line in calibration.read_text(encoding="utf-8").splitlines() if line.strip()}
    shared = [r["id"] for r in _records() if " ".join(r["question"].lower().split()) in tuned]
    assert not shared, f"also in calibration.jsonl: {shared}"
