"""Who said what, scored against hand labels (eval/statements.jsonl: every sentence of seeds/).

Two figures: how well the assistant finds statements and their speakers, and
how many answers cite a sentence as the words of someone who did not say it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..analysis import transliterated
from ..asked import speaker_asked
from ..claims import claimed_speakers
from ..config import PROJECT_ROOT
from ..speakers import speaker_key
from .metrics import ratio

# Every sentence of seeds/, its speakers labelled by hand.
DEFAULT_STATEMENTS = PROJECT_ROOT / "eval" / "statements.jsonl"
ATTRIBUTION_METRICS = ("statement_precision", "statement_recall", "speaker_accuracy", "wrong_speaker_answers")

Labels = Mapping[tuple[str, int], Mapping]


def load_statement_labels(path: str | Path = DEFAULT_STATEMENTS) -> dict[tuple[str, int], dict]:
    """Hand labels, one per sentence: (doc_id, sentence start) -> {"speakers": [...], "kind": ...}."""
    labels = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            labels[(record["doc_id"], record["start"])] = record
    return labels


def same_speaker(a: str, b: str) -> bool:
    """One speaker under two keys: equal, spelt as a transliteration, or one outlet's name inside the
    other's ("national network" and "ukrainian national network")."""
    return a == b or transliterated(a, b) or set(a.split()) <= set(b.split()) or set(b.split()) <= set(a.split())


def score_statements(labels: Labels, found: Mapping[tuple[str, int], Sequence[str]]) -> dict[str, Any]:
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


def evaluate_statements(assistant, labels: Labels) -> dict[str, Any]:
    """Score every statement the assistant found in the labelled articles."""
    found: dict[tuple[str, int], list[str]] = {}
    for doc_id in sorted({d for d, _ in labels}):
        for statement in assistant.statements(doc_id=doc_id, k=1000):
            found.setdefault((doc_id, statement.sentence_start), []).append(statement.speaker)
    return score_statements(labels, found)


def wrong_speakers(record: Mapping, labels: Labels) -> list[str]:
    """Citations that put words in the wrong mouth, judged by the hand labels: the answer to "what did X
    say" cites a sentence X did not say, or an answer sentence says "Y said ..." and cites a sentence Y
    did not say. Citations of unlabelled articles are not judged."""

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
