"""The question file (eval/questions.jsonl): its schema, and loading it with errors that name the line.

A typo in the question file would silently move every score, so each field is
checked on load and any problem is one ConfigError naming the line and the field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError

# Known categories, in the order tables list them; a question file may add others.
CATEGORIES = ("single_fact", "attribution", "paraphrase", "cross_source", "temporal_numeric",
              "follow_up", "unanswerable")

Fact = str | list[str]


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    category: str
    answerable: bool
    gold_docs: tuple[str, ...]
    evidence: tuple[str, ...]
    answer_facts: tuple[Fact, ...]
    history: tuple[dict, ...] = ()
    notes: str = ""
    false_premise: bool = False  # presupposes what the articles contradict: must never be answered as if true


def ordered_categories(categories: Iterable[str]) -> list[str]:
    """The known categories in their fixed order, then any others alphabetically."""
    found = set(categories)
    return [c for c in CATEGORIES if c in found] + sorted(found - set(CATEGORIES))


def _invalid(path: Path, line: int, why: str) -> ConfigError:
    return ConfigError(f"{path}, line {line}: {why}")


def _string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _is_fact(value: Any) -> bool:
    return (isinstance(value, str) and bool(value.strip())) or (bool(value) and _string_list(value))


def _is_history(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(turn, dict) and isinstance(turn.get("role"), str) and isinstance(turn.get("content"), str)
        for turn in value)


def parse_question(record: Any, path: Path, line: int) -> Question:
    """One line of the question file, checked field by field so the error names what is wrong."""
    if not isinstance(record, dict):
        raise _invalid(path, line, "expected a JSON object")
    for name in ("id", "question", "category", "answerable", "gold_docs", "evidence", "answer_facts"):
        if name not in record:
            raise _invalid(path, line, f"missing field {name!r}")
    for name in ("id", "question", "category"):
        if not isinstance(record[name], str) or not record[name].strip():
            raise _invalid(path, line, f"field {name!r} must be a non-empty string")
    if not isinstance(record["answerable"], bool):
        raise _invalid(path, line, "field 'answerable' must be true or false")
    for name in ("gold_docs", "evidence"):
        if not _string_list(record[name]):
            raise _invalid(path, line, f"field {name!r} must be a list of non-empty strings")
    facts = record["answer_facts"]
    if not isinstance(facts, list) or not all(_is_fact(f) for f in facts):
        raise _invalid(path, line, "field 'answer_facts' must be a list of strings or lists of strings")
    if record["answerable"] and not (record["gold_docs"] and record["evidence"]):
        raise _invalid(path, line, "an answerable question needs gold_docs and evidence")
    history = record.get("history") or []
    if not _is_history(history):
        raise _invalid(path, line, "field 'history' must be a list of {\"role\", \"content\"} objects")
    notes = record.get("notes") or ""
    if not isinstance(record.get("false_premise", False), bool):
        raise _invalid(path, line, "field 'false_premise' must be true or false")
    if record.get("false_premise") and record["answerable"]:
        raise _invalid(path, line, "a false-premise question cannot be answerable")
    return Question(id=record["id"], question=record["question"], category=record["category"],
                    answerable=record["answerable"], gold_docs=tuple(record["gold_docs"]),
                    evidence=tuple(record["evidence"]), answer_facts=tuple(facts),
                    history=tuple(history), notes=notes if isinstance(notes, str) else str(notes),
                    false_premise=record.get("false_premise", False))


def load_questions(path: str | Path) -> list[Question]:
    """Read and validate a questions.jsonl; any problem is a one-line ConfigError naming the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"no such question file: {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read the question file {path}: {e}") from None
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise _invalid(path, number, f"invalid JSON ({e.msg}, column {e.colno})") from None
        question = parse_question(record, path, number)
        if question.id in seen:
            raise _invalid(path, number, f"duplicate id {question.id!r} (first on line {seen[question.id]})")
        seen[question.id] = number
        questions.append(question)
    if not questions:
        raise ConfigError(f"the question file {path} has no questions")
    return questions
