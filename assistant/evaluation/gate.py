"""The quality gate: overall figures checked against eval/thresholds.json (`assistant eval --gate`).

The thresholds sit just under what the system reaches today, so a later change
cannot quietly give a gain back. A model mode is gated on gate_sample, the
stratified half its thresholds were set on, which answers in CI's time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..config import PROJECT_ROOT
from ..errors import ConfigError
from .questions import Question
from .runner import DEFAULT_MODE
from .tables import fmt

DEFAULT_THRESHOLDS = PROJECT_ROOT / "eval" / "thresholds.json"
FULL_GATE_MODES = frozenset({DEFAULT_MODE})  # fast enough to gate on every question

Thresholds = Mapping[str, Mapping[str, float]]


def load_thresholds(path: str | Path = DEFAULT_THRESHOLDS, mode: str = DEFAULT_MODE) -> dict[str, dict[str, float]]:
    """The extractive thresholds (the file's top level), or another mode's (under "modes")."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ConfigError(f"cannot read thresholds from {path}: {e}") from None
    if mode != data.get("mode", DEFAULT_MODE):
        data = data.get("modes", {}).get(mode)
        if data is None:
            raise ConfigError(f"{path} has no thresholds for the {mode} mode")
    return {"min": dict(data.get("min", {})), "max": dict(data.get("max", {}))}


def gate_sample(questions: Sequence[Question]) -> list[Question]:
    """Every second question of each category, in file order: a model mode's gate in CI's time."""
    seen: dict[str, int] = {}
    sample = []
    for q in questions:
        seen[q.category] = seen.get(q.category, 0) + 1
        if seen[q.category] % 2 == 1:
            sample.append(q)
    return sample


def gate_questions(questions: Sequence[Question], mode: str) -> list[Question]:
    """The questions a mode's gate runs: all of them, or gate_sample for a model mode."""
    return list(questions) if mode in FULL_GATE_MODES else gate_sample(questions)


def check_thresholds(overall: Mapping[str, Any], thresholds: Thresholds) -> list[str]:
    """One message per missed threshold; a figure that could not be computed misses its threshold."""
    failures = []
    for metric, limit in thresholds.get("min", {}).items():
        value = overall.get(metric)
        if value is None or value < limit:
            failures.append(f"{metric} = {fmt(value)}, below the minimum {limit:.3f}")
    for metric, limit in thresholds.get("max", {}).items():
        value = overall.get(metric)
        if value is None or value > limit:
            failures.append(f"{metric} = {fmt(value)}, above the maximum {limit:.3f}")
    return failures


def gate_verdict(failures: Sequence[str], thresholds: Thresholds, source: str) -> str:
    """One line when every threshold is met; otherwise a line per miss, for whoever reads the CI log."""
    total = len(thresholds.get("min", {})) + len(thresholds.get("max", {}))
    if not failures:
        return f"gate passed: all {total} thresholds met ({source})"
    return "\n  ".join([f"gate failed: {len(failures)} of {total} thresholds missed ({source}):", *failures])
