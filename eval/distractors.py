"""Questions on the articles' topic that the articles do not answer: does the assistant refuse?

eval/distractors.jsonl holds 60 questions written from seeds/ (same people, places and events, so
retrieval brings back passages that look relevant and share the question's words) that no seed
article answers: a missing detail, another event, the wrong person, a false premise, outside
knowledge, and questions echoing a sentence that does not answer them. The seeds are the only
passages: every answer is wrong. Never used to tune anything.

Reported for each mode: the share refused (overall and by kind), and the answers whose cited
sentence merely restates the question (adds almost nothing the question did not say).

Usage: .venv/bin/python eval/distractors.py [--modes extractive local]
Writes eval/reports/distractors.json and eval/reports/distractors.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.analysis import coverage, terms  # noqa: E402

REPORTS = HERE / "reports"
RESTATES = 0.7  # a cited sentence is a restatement when this share of its weighted terms is the question's


def restates(question: str, quote: str, idf) -> bool:
    """Does the sentence say little beyond the question? (Weighted by rarity: "the" counts for nothing.)"""
    own = set(terms(quote))
    return bool(own) and coverage({t: idf(t) for t in own}, set(terms(question))) >= RESTATES


def run(modes: list[str], index_dir: Path) -> dict:
    questions = [json.loads(line) for line in (HERE / "distractors.jsonl").read_text().splitlines() if line.strip()]
    assistant = Assistant(index_dir=index_dir, corpus=[ROOT / "seeds"])
    catalogue = assistant.index.catalogue
    report: dict = {"metadata": {"created": datetime.now(UTC).isoformat(timespec="seconds"),
                                 "questions": len(questions)}, "modes": {}}
    for mode in modes:
        rows = []
        for q in questions:
            answer = assistant.ask(q["question"], mode=mode)
            echo = [c.quote for c in answer.citations if restates(q["question"], c.quote, catalogue.idf)]
            rows.append({"id": q["id"], "kind": q["kind"], "question": q["question"], "refused": answer.refused,
                         "mode": answer.mode, "answer": answer.text, "restating_citations": echo})
        by_kind = defaultdict(list)
        for row in rows:
            by_kind[row["kind"]].append(row["refused"])
        report["modes"][mode] = {
            "refused": sum(r["refused"] for r in rows) / len(rows),
            "by_kind": {k: sum(v) / len(v) for k, v in sorted(by_kind.items())},
            "answers_restating_the_question": sum(1 for r in rows if not r["refused"] and r["restating_citations"]),
            "rows": rows}
    return report


def markdown(report: dict) -> str:
    modes = report["modes"]
    kinds = sorted({k for m in modes.values() for k in m["by_kind"]})
    lines = [f"# Distractors: {report['metadata']['questions']} on-topic questions the seeds do not answer",
             "", f"Created {report['metadata']['created']}. Every answer is wrong; refusing is right.", "",
             "| mode | refused | " + " | ".join(kinds) + " | answers citing a restatement |",
             "|---|---:|" + "---:|" * len(kinds) + "---:|"]
    for mode, m in modes.items():
        lines.append(f"| {mode} | {m['refused']:.3f} | " + " | ".join(f"{m['by_kind'][k]:.2f}" for k in kinds)
                     + f" | {m['answers_restating_the_question']} |")
    for mode, m in modes.items():
        lines += ["", f"## Answered in {mode} mode", ""]
        lines += [f"- {r['id']} ({r['kind']}) {r['question']} → {r['answer'][:160]}"
                  for r in m["rows"] if not r["refused"]]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", nargs="+", default=["extractive", "local"])
    parser.add_argument("--index-dir", type=Path, default=None, help="an index of seeds/ (default: a new one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = run(args.modes, args.index_dir or Path(tmp))
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "distractors.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    (REPORTS / "distractors.md").write_text(markdown(report))
    for mode, m in report["modes"].items():
        print(f"{mode}: refused {m['refused']:.3f}; answers citing a restatement: "
              f"{m['answers_restating_the_question']}; by kind {m['by_kind']}")


if __name__ == "__main__":
    main()
