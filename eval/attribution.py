"""Who said what, measured on hand-labelled sentences: statement precision and recall, speaker accuracy,
recall by kind, and what the analysis costs per character, on two sets:

- eval/statements.jsonl: every sentence of seeds/ (the set `assistant eval` and the CI gate report);
- eval/attribution_holdout/: four made-up articles written and labelled by someone who never saw the
  attribution code, and never used to tune it: the honest estimate for text it was not tuned on;
- eval/attribution_holdout2/: four more, written the same way (session 9) with more accounts that go on
  without a new reporting verb, and scare quotes that are nobody's words.

Usage: .venv/bin/python eval/attribution.py   (writes eval/reports/attribution.md and .json)
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from assistant import corpus
from assistant.analysis import analyse, quoted_at_start, sentence_spans
from assistant.attribution import nlp, reports_outside_quotes
from assistant.evaluation.statements import load_statement_labels, score_statements
from assistant.evaluation.tables import fmt
from assistant.types import Article

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SETS = {"seeds (eval/statements.jsonl)": ([ROOT / "seeds"], HERE / "statements.jsonl"),
        "held out (eval/attribution_holdout)": ([HERE / "attribution_holdout"], HERE / "attribution_holdout" /
                                                 "labels.jsonl"),
        "held out 2 (eval/attribution_holdout2)": ([HERE / "attribution_holdout2"], HERE / "attribution_holdout2" /
                                                   "labels.jsonl")}


def articles_of(folders: list[Path]) -> list[Article]:
    files, _ = corpus.find_files(folders)
    return [a for a in corpus.read([f for f in files if f.suffix == ".txt"], 10**8) if isinstance(a, Article)]


def measure(folders: list[Path], labels_path: Path) -> dict:
    articles = articles_of(folders)
    labels = load_statement_labels(labels_path)
    nlp()  # loaded before the clock starts
    started = time.perf_counter()
    analysed = analyse(articles)
    seconds = time.perf_counter() - started
    found = {(a.doc_id, s.start): [x.speaker for x in s.said] for a, sentences in zip(articles, analysed)
             for s in sentences if s.said}
    characters = sum(len(a.text) for a in articles)
    parsed = 0
    for a in articles:
        spans = sentence_spans(a.text)
        parsed += sum(e - s for (s, e), inside in zip(spans, quoted_at_start(a.text, spans))
                      if reports_outside_quotes(a.text[s:e], inside))
    return {**score_statements(labels, found), "characters": characters, "seconds": seconds,
            "characters_per_s": characters / seconds, "share_parsed": parsed / characters}


def main() -> None:
    results = {name: measure(*paths) for name, paths in SETS.items()}
    lines = ["# Who said what: attribution on hand-labelled sentences", "",
             "| set | sentences | statements | precision | recall | speaker accuracy | recall by kind | "
             "analysis, characters/s | share parsed |", "|---|---:|---:|---:|---:|---:|---|---:|---:|"]
    for name, r in results.items():
        kinds = ", ".join(f"{k} {fmt(v)}" for k, v in r["recall_by_kind"].items())
        lines.append(f"| {name} | {r['labelled_sentences']} | {r['labelled_statements']} | "
                     f"{fmt(r['statement_precision'])} | {fmt(r['statement_recall'])} | {fmt(r['speaker_accuracy'])} | "
                     f"{kinds} | {r['characters_per_s']:,.0f} | {r['share_parsed']:.2f} |")
    report = "\n".join(lines) + "\n"
    (HERE / "reports" / "attribution.md").write_text(report, encoding="utf-8")
    (HERE / "reports" / "attribution.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
