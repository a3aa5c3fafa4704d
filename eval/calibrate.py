"""Tune the extractive answer's thresholds on eval/calibration.jsonl (never on the evaluation set).

Prints, for each question, the best sentence's score and whether the question names
something no article mentions, then the threshold that best separates answerable
from unanswerable questions (balanced accuracy); then, on the attribution questions,
how each SPEAKER_WEIGHT does (an answerable one is right when a citation holds its
evidence, an unanswerable one when it is refused). Usage: python eval/calibrate.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from assistant import Assistant, answering, retrieval
from assistant.answering import score_sentences, unknown_entities
from assistant.config import SEEDS

HERE = Path(__file__).resolve().parent


def features(assistant: Assistant, question: str) -> tuple[float, bool]:
    keyword = assistant.index.catalogue  # idf and spellings
    if unknown_entities(question, keyword):
        return 0.0, True
    passages = assistant.retrieve(question)
    scored = score_sentences(question, passages, assistant.embedder, keyword)
    return (scored[0].score if scored else 0.0), False


def main() -> None:
    records = [json.loads(line) for line in (HERE / "calibration.jsonl").read_text().splitlines() if line.strip()]
    assistant = Assistant(corpus=[SEEDS])
    rows = []
    for r in records:
        score, unknown = features(assistant, r["question"])
        rows.append((score, r["answerable"], unknown))
        print(f"{score:.3f} {'A' if r['answerable'] else 'U'} {'unknown-entity' if unknown else ''} "
              f"{r.get('kind', '')}: {r['question']}")
    best = None
    for t in sorted({round(s, 3) for s, _, _ in rows}):
        tpr = sum(1 for s, a, _ in rows if a and s >= t) / max(1, sum(1 for _, a, _ in rows if a))
        tnr = sum(1 for s, a, _ in rows if not a and s < t) / max(1, sum(1 for _, a, _ in rows if not a))
        if best is None or (tpr + tnr) / 2 > best[0]:
            best = ((tpr + tnr) / 2, t, tpr, tnr)
    print(f"best threshold {best[1]:.3f}: balanced accuracy {best[0]:.3f} "
          f"(answered {best[2]:.0%} of answerable, refused {best[3]:.0%} of unanswerable)", file=sys.stderr)
    speaker_weights(assistant, records)


def attribution_right(assistant: Assistant, questions: list[dict]) -> int:
    """An answerable question is right when a citation holds its evidence, an unanswerable one when refused."""
    right = 0
    for r in questions:
        answer = assistant.ask(r["question"], mode="extractive")
        if r["answerable"]:
            right += any(e in c.quote or c.quote in e for c in answer.citations for e in r["evidence"])
        else:
            right += answer.refused
    return right


def sweep(assistant: Assistant, questions: list[dict], module, name: str, values: tuple) -> None:
    """Each value of one weight on the attribution questions; the module keeps the chosen one."""
    chosen = getattr(module, name)
    for value in values:
        setattr(module, name, value)
        print(f"{name} {value}: {attribution_right(assistant, questions)} of {len(questions)} attribution "
              f"questions right", file=sys.stderr)
    setattr(module, name, chosen)


def speaker_weights(assistant: Assistant, records: list[dict]) -> None:
    questions = [r for r in records if r.get("category") == "attribution"]
    sweep(assistant, questions, answering, "SPEAKER_WEIGHT", (0.0, 0.25, 0.5, 0.75, 0.9))
    sweep(assistant, questions, answering, "MANNER_BONUS", (0.0, 0.05, 0.1, 0.15, 0.2, 0.3))
    sweep(assistant, questions, retrieval, "STATEMENTS_KEPT", (0, 1, 2, 3))


if __name__ == "__main__":
    main()
