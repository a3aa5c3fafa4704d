"""Two reports side by side (`assistant eval --compare`): what improved and what regressed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .questions import ordered_categories
from .scoring import LATENCY_METRICS, LOWER_IS_BETTER, QUALITY_METRICS


@dataclass(frozen=True)
class Change:
    group: str
    metric: str
    before: float
    after: float

    @property
    def delta(self) -> float:
        return self.after - self.before

    @property
    def improved(self) -> bool:
        return (self.delta < 0) if self.metric in LOWER_IS_BETTER else (self.delta > 0)


def compare_aggregates(a: Mapping[str, Any], b: Mapping[str, Any], tolerance: float = 1e-9) -> list[Change]:
    """Every metric, overall and per category, whose value differs between two reports' aggregates.

    A figure missing or undefined on either side is not a change (it cannot be ranked).
    """
    groups = [("overall", a["overall"], b["overall"])]
    for category in ordered_categories([*a["by_category"], *b["by_category"]]):
        groups.append((category, a["by_category"].get(category, {}), b["by_category"].get(category, {})))
    changes = []
    for group, before, after in groups:
        for metric in (*QUALITY_METRICS, *LATENCY_METRICS):
            x, y = before.get(metric), after.get(metric)
            if x is not None and y is not None and abs(y - x) > tolerance:
                changes.append(Change(group, metric, x, y))
    return changes


def format_comparison(a: Mapping[str, Any], b: Mapping[str, Any], names: tuple[str, str]) -> str:
    """Quality changes as improved/regressed; latency on its own, as timings on a shared machine are noisy."""
    changes = compare_aggregates(a["aggregates"], b["aggregates"])
    lines = [f"A: {names[0]} ({_describe(a)})", f"B: {names[1]} ({_describe(b)})"]
    if a["metadata"].get("questions_sha256") != b["metadata"].get("questions_sha256"):
        lines.append("note: the two reports were made from different question files")
    quality = [c for c in changes if c.metric not in LATENCY_METRICS]
    sections = [("Improved", [c for c in quality if c.improved]), ("Regressed", [c for c in quality if not c.improved]),
                ("Latency (machine-dependent)", [c for c in changes if c.metric in LATENCY_METRICS])]
    for title, chosen in sections:
        lines += ["", f"{title} ({len(chosen)}):"]
        if not chosen:
            lines.append("  nothing")
        for c in chosen:
            unit = "s" if c.metric in LATENCY_METRICS else ""
            verdict = ("  faster" if c.improved else "  slower") if unit else ""
            lines.append(f"  {c.group:<17} {c.metric:<19} {c.before:.3f}{unit} -> {c.after:.3f}{unit}  "
                         f"({c.delta:+.3f}{unit}){verdict}")
    return "\n".join(lines)


def _describe(report: Mapping[str, Any]) -> str:
    meta = report["metadata"]
    questions = meta.get("counts", {}).get("questions")
    return f"mode {meta.get('mode')}, k={meta.get('k')}, {questions} questions, {meta.get('date')}"
