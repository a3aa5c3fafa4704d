"""The evaluation harness: each metric on hand-made inputs whose right answer is worked out in the
comments, then `assistant eval` end to end over a tiny made-up corpus."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import run_cli
from hypothesis import given
from hypothesis import strategies as st

from assistant.errors import AssistantError, ConfigError
from assistant.evaluation.cli import corpus_index_dir
from assistant.evaluation.compare import compare_aggregates
from assistant.evaluation.gate import DEFAULT_THRESHOLDS, check_thresholds, gate_questions, gate_sample
from assistant.evaluation.metrics import (
    citation_recall,
    evidence_spans,
    fact_present,
    fact_recall,
    first_hit_rank,
    hit_at,
    in_evidence,
    missing_evidence,
    overlaps,
    percentile,
    quote_is_verbatim,
    reciprocal_rank,
    refusal_counts,
)
from assistant.evaluation.questions import Question, load_questions
from assistant.evaluation.scoring import aggregate, latency, score_question

# --- a hand-made world: two gold articles and a decoy --------------------------------------

GOLD_A = "Intro line.\nThe mayor said the bridge cost 40 million.\nWeather was fine."
GOLD_B = "Budget notes. The council approved the bridge in May. End."
DECOY = "The mayor said the bridge cost 40 million.\nA copy in another paper."
TEXTS = {"a": GOLD_A, "b": GOLD_B, "decoy": DECOY}
EVIDENCE_A = "The mayor said the bridge cost 40 million."
EVIDENCE_B = "The council approved the bridge in May."
A_START = GOLD_A.index(EVIDENCE_A)  # 12
B_START = GOLD_B.index(EVIDENCE_B)  # 14


def question(**changes) -> Question:
    fields = dict(id="t1", question="What did the bridge cost and when was it approved?", category="cross_source",
                  answerable=True, gold_docs=("a", "b"), evidence=(EVIDENCE_A, EVIDENCE_B),
                  answer_facts=("40 million", ["May", "in spring"]))
    fields.update(changes)
    return Question(**fields)


def citation(doc_id: str, start: int, end: int, number: int = 1) -> dict:
    return {"number": number, "doc_id": doc_id, "start": start, "end": end, "quote": TEXTS[doc_id][start:end]}


def passage(doc_id: str, start: int, end: int) -> dict:
    return {"doc_id": doc_id, "start": start, "end": end}


# --- normalising and facts -----------------------------------------------------------------


def test_normalise_straightens_curly_quotes_lowercases_and_collapses_whitespace():
    from assistant.analysis import normalise

    assert normalise("  He SAID “Don’t\n\tgo”  ") == 'he said "don\'t go"'
    assert normalise("‘a’") == "'a'"


def test_a_fact_with_straight_quotes_matches_an_answer_with_curly_ones():
    assert fact_present("Putin only understands force", "“Putin only  understands FORCE and pressure.”")
    assert fact_present("didn't allow Ukraine", "he “didn’t allow Ukraine to counterattack”")
    assert not fact_present("did not allow", "he didn’t allow Ukraine")


def test_any_one_alternative_satisfies_a_list_fact():
    assert fact_present(["realistic", "afraid of Tomahawks"], "Russia was “afraid of Tomahawks.”")
    assert not fact_present(["realistic", "afraid"], "nothing relevant")


def test_facts_match_whole_words_only():
    assert not fact_present("May", "the mayor said")
    assert fact_present("May", "approved in May.")
    assert not fact_present("1%", "about 21% of Ukraine")
    assert fact_present("1%", "about 1% of Ukraine")
    assert fact_present("Biden", "Biden's policy")
    assert fact_present('island of peace!"', "said “Hungary is the island of PEACE!”")  # ends on punctuation


def test_fact_recall_is_the_share_of_facts_found():
    # "Budapest" yes, "Moscow" no, ["22%", "20%"] yes via "20%": 2 of 3.
    assert fact_recall(["Budapest", "Moscow", ["22%", "20%"]], "Budapest, with 20% held") == pytest.approx(2 / 3)
    assert fact_recall([], "anything") is None


# --- spans, hits and ranks -----------------------------------------------------------------


def test_overlap_is_half_open():
    assert overlaps((0, 6), (5, 10))
    assert not overlaps((0, 5), (5, 10))  # touching is not sharing a character
    assert overlaps((3, 4), (0, 10))  # containment
    assert not overlaps((3, 3), (0, 10))  # an empty quote supports nothing


@given(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30), st.integers(0, 30))
def test_overlap_agrees_with_shared_characters(a, b, c, d):
    (s1, e1), (s2, e2) = sorted((a, b)), sorted((c, d))
    shared = set(range(s1, e1)) & set(range(s2, e2))
    assert overlaps((s1, e1), (s2, e2)) == bool(shared) == overlaps((s2, e2), (s1, e1))


def test_evidence_spans_finds_every_occurrence_in_each_gold_article_only():
    text = "Alpha beta. Gamma. Alpha beta."
    spans = evidence_spans(["x"], ["Alpha beta."], {"x": text, "y": text})
    assert spans == {"x": [(0, 11), (19, 30)]}  # "y" is not gold, so it has no spans


def test_evidence_spans_of_the_hand_made_world():
    spans = evidence_spans(["a", "b"], [EVIDENCE_A, EVIDENCE_B], TEXTS)
    assert spans == {"a": [(12, 54)], "b": [(14, 53)]}
    assert (A_START, B_START) == (12, 14)


def test_missing_evidence_names_strings_not_in_any_gold_article():
    assert missing_evidence(["a"], [EVIDENCE_A, EVIDENCE_B], TEXTS) == [EVIDENCE_B]
    assert missing_evidence(["a", "b"], [EVIDENCE_A, EVIDENCE_B], TEXTS) == []


def test_passage_hits_only_in_a_gold_article_and_over_evidence():
    spans = evidence_spans(["a"], [EVIDENCE_A], TEXTS)
    assert in_evidence("a", 0, 13, spans)  # "Intro line.\nT" reaches the evidence's first character
    assert not in_evidence("a", 0, 12, spans)  # ends right before it
    assert not in_evidence("a", 54, 70, spans)  # starts right after it
    assert not in_evidence("decoy", 0, 42, spans)  # the same words, but not a gold article


def test_gold_passage_at_rank_three():
    spans = evidence_spans(["a"], [EVIDENCE_A], TEXTS)
    ranked = [passage("decoy", 0, 42), passage("a", 55, 73), passage("a", 10, 30), passage("a", 12, 54)]
    rank = first_hit_rank(ranked, spans)
    assert rank == 3
    assert [hit_at(rank, k) for k in (1, 3, 5, 10)] == [False, True, True, True]
    assert reciprocal_rank(rank) == pytest.approx(1 / 3)


def test_no_hit_scores_zero():
    assert first_hit_rank([passage("decoy", 0, 42)], {"a": [(12, 54)]}) is None
    assert not hit_at(None, 10)
    assert reciprocal_rank(None) == 0.0


# --- citations ----------------------------------------------------------------------------


def test_quote_fidelity_needs_the_exact_text_at_the_offsets():
    good = citation("a", 12, 54)
    assert quote_is_verbatim(good, TEXTS)
    assert not quote_is_verbatim({**good, "start": 13, "end": 55}, TEXTS)  # same length, shifted by one
    assert not quote_is_verbatim({**good, "quote": good["quote"].replace("40", "50")}, TEXTS)
    assert not quote_is_verbatim({**good, "doc_id": "unknown"}, TEXTS)
    assert not quote_is_verbatim({**good, "start": -5}, TEXTS)


def test_citation_recall_is_the_share_of_gold_articles_cited():
    assert citation_recall([citation("a", 12, 54), citation("a", 0, 5), citation("decoy", 0, 5)], ["a", "b"]) == 0.5
    assert citation_recall([], ["a"]) == 0.0
    assert citation_recall([citation("a", 0, 5)], []) is None


def test_score_question_sorts_citations_into_supported_off_evidence_and_wrong_source():
    answer = {
        "text": "The mayor said the bridge cost 40 million. [1] Weather was fine. [2] copy [3]",
        "refused": False,
        "citations": [citation("a", 12, 54, 1), citation("a", 55, 72, 2), citation("decoy", 0, 42, 3)],
        "timings": {"retrieve": 0.01, "total": 0.2},
    }
    record = score_question(question(), answer, [passage("decoy", 0, 42), passage("b", 0, 60)], TEXTS)
    assert [(c["verbatim"], c["gold_doc"], c["supported"]) for c in record["citations"]] == [
        (True, True, True),  # gold article, over the evidence
        (True, True, False),  # gold article, but "Weather was fine." is not evidence
        (True, False, False),  # the decoy says the same thing: wrong source all the same
    ]
    assert (record["n_citations"], record["n_supported"], record["n_wrong_source"]) == (3, 1, 1)
    assert record["citation_recall"] == 0.5  # "a" cited, "b" not
    assert record["first_hit_rank"] == 2 and record["reciprocal_rank"] == 0.5
    assert record["fact_recall"] == 0.5  # "40 million" yes; neither "May" nor "in spring"


def test_a_refusal_scores_no_facts_even_when_its_text_contains_them():
    answer = {"text": "The articles don't say. None of the indexed articles mentions 40 million.", "refused": True}
    record = score_question(question(), answer, [], TEXTS)
    assert record["fact_recall"] == 0.0 and record["citation_recall"] == 0.0 and record["refused"]


def test_unanswerable_questions_have_no_retrieval_or_fact_scores():
    q = question(answerable=False, category="unanswerable", gold_docs=(), evidence=(), answer_facts=())
    record = score_question(q, {"text": "The articles don't say.", "refused": True}, [passage("a", 0, 50)], TEXTS)
    assert "hit@5" not in record and "fact_recall" not in record


# --- refusals ------------------------------------------------------------------------------


def test_refusal_precision_recall_on_a_small_confusion_matrix():
    # 3 unanswerable: 2 refused, 1 answered. 5 answerable: 1 refused, 4 answered.
    pairs = [(False, True), (False, True), (False, False), (True, True)] + [(True, False)] * 4
    counts = refusal_counts(pairs)
    assert (counts.true_refusals, counts.false_refusals, counts.missed_refusals, counts.answered) == (2, 1, 1, 4)
    assert counts.precision == pytest.approx(2 / 3)  # 2 of the 3 refusals were right
    assert counts.recall == pytest.approx(2 / 3)  # 2 of the 3 unanswerable were refused
    assert counts.false_refusal_rate == pytest.approx(1 / 5)
    assert counts.accuracy == pytest.approx(6 / 8)


def test_refusal_figures_are_undefined_rather_than_zero_when_nothing_was_counted():
    counts = refusal_counts([(True, False), (True, False)])
    assert counts.precision is None and counts.recall is None
    assert counts.false_refusal_rate == 0.0 and counts.accuracy == 1.0


# --- aggregation ----------------------------------------------------------------------------


def _record(category="single_fact", answerable=True, refused=False, n=0, supported=0, wrong=0, verbatim=None,
            rank=None, facts=None, recall=None, timings=None) -> dict:
    record = {"category": category, "answerable": answerable, "refused": refused, "n_citations": n,
              "n_supported": supported, "n_wrong_source": wrong, "n_verbatim": n if verbatim is None else verbatim,
              "timings": timings or {}}
    if answerable:
        record.update({f"hit@{k}": hit_at(rank, k) for k in (1, 3, 5, 10)}, reciprocal_rank=reciprocal_rank(rank),
                      fact_recall=facts, citation_recall=recall)
    return record


def test_citation_shares_pool_citations_across_questions():
    records = [_record(n=3, supported=3, rank=1, facts=1.0, recall=1.0),
               _record(n=1, supported=0, wrong=1, verbatim=0, rank=4, facts=0.0, recall=0.0)]
    overall = aggregate(records)
    assert overall["citation_precision"] == pytest.approx(3 / 4)  # pooled, not (1.0 + 0.0) / 2
    assert overall["wrong_source_rate"] == pytest.approx(1 / 4)
    assert overall["quote_fidelity"] == pytest.approx(3 / 4)
    assert (overall["hit@1"], overall["hit@3"], overall["hit@5"]) == (0.5, 0.5, 1.0)
    assert overall["mrr"] == pytest.approx((1 + 1 / 4) / 2)
    assert overall["fact_recall"] == 0.5 and overall["citation_recall"] == 0.5


def test_unanswerable_questions_count_for_refusals_and_quote_fidelity_only():
    records = [_record(rank=1, facts=1.0, recall=1.0, n=1, supported=1),
               _record(category="unanswerable", answerable=False, refused=False, n=2, verbatim=2)]
    overall = aggregate(records)
    # The 2 citations on the unanswerable question are not in citation precision.
    assert overall["hit@1"] == 1.0 and overall["citation_precision"] == 1.0
    assert overall["quote_fidelity"] == 1.0 and overall["citations"] == 3
    assert overall["refusal_recall"] == 0.0 and overall["refusal_precision"] is None


def test_no_citations_means_undefined_citation_figures():
    overall = aggregate([_record(refused=True, rank=2, facts=0.0, recall=0.0)])
    assert overall["quote_fidelity"] is None and overall["citation_precision"] is None
    assert overall["false_refusal_rate"] == 1.0


def test_percentile_interpolates_linearly():
    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile(list(range(1, 22)), 95) == 20  # position 0.95 * 20 = 19 -> the 20th value
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None


def test_latency_reports_first_token_only_when_answers_have_it():
    records = [{"timings": {"retrieve": 0.1, "total": 1.0}}, {"timings": {"retrieve": 0.3, "total": 3.0}}]
    assert latency(records) == {"retrieve_p50_s": 0.2, "retrieve_p95_s": pytest.approx(0.29),
                                "total_p50_s": 2.0, "total_p95_s": pytest.approx(2.9)}
    records[0]["timings"]["first_token"] = 0.5
    assert latency(records)["first_token_p50_s"] == 0.5


# --- the gate and comparisons ---------------------------------------------------------------


def test_check_thresholds_lists_every_miss():
    overall = {"hit@5": 0.7, "mrr": 0.6, "quote_fidelity": None, "wrong_source_rate": 0.2, "fact_recall": 0.5}
    thresholds = {"min": {"hit@5": 0.7, "mrr": 0.65, "quote_fidelity": 1.0}, "max": {"wrong_source_rate": 0.1}}
    failures = check_thresholds(overall, thresholds)
    assert len(failures) == 3  # hit@5 exactly at its minimum passes
    assert any(f.startswith("mrr = 0.600") for f in failures)
    assert any(f.startswith("quote_fidelity = -") for f in failures)  # not computed is a miss
    assert any(f.startswith("wrong_source_rate = 0.200, above") for f in failures)
    assert check_thresholds({"hit@5": 0.9}, {"min": {"hit@5": 0.7}}) == []


def test_a_model_mode_is_gated_on_every_second_question_of_each_category():
    questions = [question(id=f"q{i}", category=c) for i, c in enumerate("aababbc")]
    # a: q0 q1 q3 -> q0 q3; b: q2 q4 q5 -> q2 q5; c: q6 -> q6; kept in file order
    assert [q.id for q in gate_sample(questions)] == ["q0", "q2", "q3", "q5", "q6"]
    assert gate_questions(questions, "local") == gate_sample(questions)
    assert gate_questions(questions, "extractive") == questions  # quotes are fast: every question


def test_compare_knows_which_direction_is_better():
    a = {"overall": {"hit@5": 0.5, "wrong_source_rate": 0.1, "mrr": 0.4, "fact_recall": None},
         "by_category": {"single_fact": {"hit@5": 0.6}}}
    b = {"overall": {"hit@5": 0.6, "wrong_source_rate": 0.2, "mrr": 0.4, "fact_recall": 0.3},
         "by_category": {"single_fact": {"hit@5": 0.4}}}
    changes = {(c.group, c.metric): (c.improved, round(c.delta, 3)) for c in compare_aggregates(a, b)}
    assert changes == {("overall", "hit@5"): (True, 0.1), ("overall", "wrong_source_rate"): (False, 0.1),
                       ("single_fact", "hit@5"): (False, -0.2)}


def test_corpus_index_dir_is_separate_stable_and_order_free(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    first = corpus_index_dir(tmp_path / "index", [one, two])
    assert first == corpus_index_dir(tmp_path / "index", [str(two), str(one)])
    assert first.parent == tmp_path / "index" and first.name.startswith("eval-")
    assert first != corpus_index_dir(tmp_path / "index", [one])


# --- loading the question file -------------------------------------------------------------

VALID = {"id": "x1", "question": "Who?", "category": "single_fact", "answerable": True, "gold_docs": ["a"],
         "evidence": ["The mayor"], "answer_facts": ["mayor"]}


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(AssistantError) as caught:
        load_questions(path)
    assert isinstance(caught.value, ConfigError)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_load_questions_reads_a_valid_file(tmp_path):
    follow = {**VALID, "id": "x2", "history": [{"role": "user", "content": "Hi"}]}
    questions = load_questions(_write(tmp_path, json.dumps(VALID), "", json.dumps(follow)))
    assert [q.id for q in questions] == ["x1", "x2"]
    assert questions[1].history == ({"role": "user", "content": "Hi"},)


def test_load_questions_names_the_bad_json_line(tmp_path):
    assert "line 2: invalid JSON" in _error(_write(tmp_path, json.dumps(VALID), "{not json"))


def test_load_questions_names_the_missing_field(tmp_path):
    record = {k: v for k, v in VALID.items() if k != "evidence"}
    assert "line 1: missing field 'evidence'" in _error(_write(tmp_path, json.dumps(record)))


@pytest.mark.parametrize("change, expected", [
    ({"answerable": "yes"}, "'answerable' must be true or false"),
    ({"gold_docs": "a"}, "'gold_docs' must be a list"),
    ({"answer_facts": [["a", 3]]}, "'answer_facts' must be a list"),
    ({"gold_docs": [], "evidence": []}, "needs gold_docs and evidence"),
    ({"history": [{"role": "user"}]}, "'history' must be a list"),
    ({"question": "  "}, "'question' must be a non-empty string"),
    ({"false_premise": "yes"}, "'false_premise' must be true or false"),
    ({"false_premise": True}, "a false-premise question cannot be answerable"),
])
def test_load_questions_rejects_wrong_types(tmp_path, change, expected):
    assert expected in _error(_write(tmp_path, json.dumps({**VALID, **change})))


def test_load_questions_rejects_duplicate_ids_and_empty_or_missing_files(tmp_path):
    assert "duplicate id 'x1' (first on line 1)" in _error(_write(tmp_path, json.dumps(VALID), json.dumps(VALID)))
    assert "has no questions" in _error(_write(tmp_path, ""))
    assert "no such question file" in _error(tmp_path / "nope.jsonl")


# --- the command, end to end ----------------------------------------------------------------

TINY_ARTICLES = {
    "library.txt": "Port Velma Opens a Floating Library\n\n"
                   "The floating library of Port Velma opened on Tuesday with 4,200 books on board.\n"
                   "Mayor Ilse Drummond said the converted barge cost 1.3 million crowns to refit.\n"
                   "The library will moor at the old ferry pier from April to October.\n",
    "rail.txt": "Glacier Rail Line Delayed Until Spring\n\n"
                "The opening of the Glacier rail line has been delayed until March because a landslide blocked "
                "the Kessel tunnel.\n"
                "Engineers from the Northline company said clearing the tunnel would take eleven weeks.\n"
                "Transport minister Odile Franck called the delay \u201cregrettable but unavoidable\u201d.\n",
    "honey.txt": "Beekeepers Report a Record Honey Harvest\n\n"
                 "Beekeepers in the Lindau hills collected 380 tonnes of honey this summer, a record for the region.\n"
                 "The cooperative's chair, Marta Wolen, credited the mild spring and a late flowering of lime trees.\n"
                 "Prices at the autumn market fell to nine crowns a jar.\n",
}
TINY_QUESTIONS = [
    {"id": "t1", "question": "How many books did the floating library of Port Velma open with?",
     "category": "single_fact", "answerable": True, "gold_docs": ["library"],
     "evidence": ["opened on Tuesday with 4,200 books on board."], "answer_facts": ["4,200"]},
    {"id": "t2", "question": "Why was the opening of the Glacier rail line delayed?", "category": "single_fact",
     "answerable": True, "gold_docs": ["rail"], "evidence": ["a landslide blocked the Kessel tunnel"],
     "answer_facts": ["landslide"]},
    {"id": "t3", "question": "Who chairs the beekeepers' cooperative?", "category": "attribution",
     "answerable": True, "gold_docs": ["honey"], "evidence": ["The cooperative's chair, Marta Wolen"],
     "answer_facts": ["Marta Wolen"]},
    {"id": "t4", "question": "How long will that take?", "category": "follow_up", "answerable": True,
     "gold_docs": ["rail"], "evidence": ["clearing the tunnel would take eleven weeks"],
     "answer_facts": ["eleven weeks"],
     "history": [{"role": "user", "content": "What is blocking the Kessel tunnel?"},
                 {"role": "assistant", "content": "A landslide."}]},
    {"id": "t5", "question": "What did Chancellor Okonkwo say about the honey harvest?",
     "category": "unanswerable", "answerable": False, "gold_docs": [], "evidence": [], "answer_facts": []},
]


@pytest.fixture
def tiny_corpus(tmp_path) -> tuple[Path, Path]:
    corpus = tmp_path / "tiny"
    corpus.mkdir()
    for name, text in TINY_ARTICLES.items():
        (corpus / name).write_text(text, encoding="utf-8")
    questions = tmp_path / "tiny-questions.jsonl"
    questions.write_text("".join(json.dumps(q) + "\n" for q in TINY_QUESTIONS), encoding="utf-8")
    return corpus, questions


def test_eval_command_over_a_separate_corpus(tiny_corpus, tmp_path):
    corpus, questions = tiny_corpus
    index_dir, reports = tmp_path / "index", tmp_path / "reports"
    result = run_cli("eval", "--corpus", str(corpus), "--questions", str(questions), "--name", "t",
                     "--reports-dir", str(reports), env={"ASSISTANT_INDEX_DIR": str(index_dir)})
    assert result.returncode == 0, result.stderr
    assert "overall" in result.stdout and "unanswerable" in result.stdout

    assert [p.name for p in index_dir.iterdir()] == [corpus_index_dir(index_dir, [corpus]).name]
    for ext in ("json", "md", "png"):
        assert (reports / f"t.{ext}").stat().st_size > 0
    assert (reports / "t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| **overall** | 5 |" in (reports / "t.md").read_text(encoding="utf-8")

    report = json.loads((reports / "t.json").read_text(encoding="utf-8"))
    overall = report["aggregates"]["overall"]
    assert report["metadata"]["counts"] == {"questions": 5, "answerable": 4, "unanswerable": 1,
                                            "by_category": {"single_fact": 2, "attribution": 1, "follow_up": 1,
                                                            "unanswerable": 1}}
    assert report["metadata"]["mode"] == "extractive" and report["metadata"]["k"] == 5
    assert [r["id"] for r in report["questions"]] == ["t1", "t2", "t3", "t4", "t5"]
    assert overall["questions"] == 5 and overall["answerable"] == 4
    assert overall["quote_fidelity"] == 1.0  # None (no citations at all) would fail here too
    for record in report["questions"]:
        for c in record["citations"]:
            assert TINY_ARTICLES[c["doc_id"] + ".txt"][c["start"]:c["end"]] == c["quote"]


def test_eval_limit_and_bad_gold_doc(tiny_corpus, tmp_path):
    corpus, questions = tiny_corpus
    env = {"ASSISTANT_INDEX_DIR": str(tmp_path / "index")}
    result = run_cli("eval", "--corpus", str(corpus), "--questions", str(questions), "--limit", "2",
                     "--name", "two", "--reports-dir", str(tmp_path / "r"), env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "r" / "two.json").read_text())["metadata"]["counts"]["questions"] == 2

    wrong = tmp_path / "wrong.jsonl"
    wrong.write_text(json.dumps({**TINY_QUESTIONS[0], "gold_docs": ["missing-doc"]}) + "\n", encoding="utf-8")
    result = run_cli("eval", "--corpus", str(corpus), "--questions", str(wrong), "--reports-dir",
                     str(tmp_path / "r"), env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: question t1: gold article missing-doc is not in the evaluated corpus"


def test_the_gate_exits_1_naming_each_missed_threshold_and_0_when_all_are_met(tiny_corpus, tmp_path):
    corpus, _ = tiny_corpus
    # t1 now also expects a fact its article does not hold: fact recall is (1/2 + 1) / 2 = 0.75
    harder = [{**TINY_QUESTIONS[0], "answer_facts": ["4,200", "5,000 visitors"]}, TINY_QUESTIONS[1]]
    questions = tmp_path / "harder.jsonl"
    questions.write_text("".join(json.dumps(q) + "\n" for q in harder), encoding="utf-8")
    thresholds = tmp_path / "thresholds.json"

    def gate(minimums: dict) -> subprocess.CompletedProcess:
        thresholds.write_text(json.dumps({"mode": "extractive", "min": minimums, "max": {"wrong_source_rate": 0.5}}),
                              encoding="utf-8")
        return run_cli("eval", "--corpus", str(corpus), "--questions", str(questions), "--gate",
                       "--thresholds", str(thresholds), "--reports-dir", str(tmp_path / "r"),
                       env={"ASSISTANT_INDEX_DIR": str(tmp_path / "index")})

    failed = gate({"quote_fidelity": 1.0, "hit@5": 0.9, "fact_recall": 0.8})
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines()[-2:] == [
        f"gate failed: 1 of 4 thresholds missed ({thresholds}, extractive mode):",
        "  fact_recall = 0.750, below the minimum 0.800"]
    assert (tmp_path / "r" / "extractive.json").exists()  # the report is there to read the miss in

    passed = gate({"quote_fidelity": 1.0, "hit@5": 0.9, "fact_recall": 0.7})
    assert passed.returncode == 0, passed.stderr
    assert f"gate passed: all 4 thresholds met ({thresholds}, extractive mode)" in passed.stdout


def _report(hit5: float, wrong: float, fact_single: float, total: float = 0.2) -> dict:
    return {
        "metadata": {"mode": "extractive", "k": 5, "date": "2025-01-01", "questions_sha256": "same",
                     "counts": {"questions": 2}},
        "aggregates": {"overall": {"hit@5": hit5, "wrong_source_rate": wrong, "mrr": 0.5, "total_p50_s": total},
                       "by_category": {"single_fact": {"fact_recall": fact_single, "mrr": 0.5}}},
        "questions": [],
    }


def test_compare_prints_improvements_and_regressions_with_deltas(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(_report(hit5=0.6, wrong=0.1, fact_single=0.5)), encoding="utf-8")
    b.write_text(json.dumps(_report(hit5=0.75, wrong=0.2, fact_single=0.25, total=0.1)), encoding="utf-8")
    result = run_cli("eval", "--compare", str(a), str(b), env={"ASSISTANT_INDEX_DIR": str(tmp_path / "index")})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    improved, rest = out.split("Regressed (")
    regressed, timing = rest.split("Latency")
    assert improved.count("\n  ") == 1 and "overall           hit@5               0.600 -> 0.750  (+0.150)" in improved
    assert "wrong_source_rate   0.100 -> 0.200  (+0.100)" in regressed  # a rise in a rate is a regression
    assert "single_fact       fact_recall         0.500 -> 0.250  (-0.250)" in regressed
    assert regressed.startswith("2):")
    assert "total_p50_s         0.200s -> 0.100s  (-0.100s)  faster" in timing  # kept apart from quality
    assert "mrr" not in out  # unchanged figures are not listed
    assert not (tmp_path / "index").exists()  # comparing runs no evaluation


def test_compare_with_a_file_that_is_not_a_report(tmp_path):
    bogus = tmp_path / "bogus.json"
    bogus.write_text("[1, 2]", encoding="utf-8")
    result = run_cli("eval", "--compare", str(bogus), str(bogus))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {bogus} is not an evaluation report (no metadata or aggregates)"


@pytest.mark.parametrize("content, expected", [
    ('{"id": "x1"}\n{broken\n', "line 1: missing field 'question'"),
    (json.dumps(VALID) + "\n{broken\n", "line 2: invalid JSON"),
])
def test_a_malformed_question_file_is_one_line_and_exit_code_2(tmp_path, content, expected):
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    result = run_cli("eval", "--questions", str(path), "--reports-dir", str(tmp_path / "r"),
                     env={"ASSISTANT_INDEX_DIR": str(tmp_path / "index")})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0]
    assert not (tmp_path / "r").exists() and not (tmp_path / "index").exists()


@pytest.mark.parametrize("args, expected", [
    (["--corpus", "{tmp}/missing"], "error: no such file or folder: {tmp}/missing"),
    (["--name", "../x"], "error: invalid report name '../x'; use a plain file name such as 'extractive'"),
    (["--k", "0"], "error: --k must be at least 1, not 0"),
    (["--limit", "0"], "error: --limit must be at least 1, not 0"),
    (["--mode", "openai", "--gate"], f"error: {DEFAULT_THRESHOLDS} has no thresholds for the openai mode"),
])
def test_bad_options_fail_before_any_index_is_built(tmp_path, args, expected):
    result = run_cli("eval", *(a.format(tmp=tmp_path) for a in args), "--reports-dir", str(tmp_path / "r"),
                     env={"ASSISTANT_INDEX_DIR": str(tmp_path / "index")})
    assert result.returncode == 2
    assert result.stderr.strip() == expected.format(tmp=tmp_path)
    assert not (tmp_path / "index").exists() and not (tmp_path / "r").exists()
