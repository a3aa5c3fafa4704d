"""The per-category bar chart of a report (<name>.png), drawn with matplotlib off-screen."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

# The bars: (metric, legend label).
CHART_METRICS = (("hit@5", "hit@5"), ("citation_precision", "citation precision"),
                 ("fact_recall", "fact recall"), ("refusal_accuracy", "refusal accuracy"))


def plot_categories(aggs: Mapping[str, Any], path: Path, title: str) -> None:
    """Grouped bars per category; a figure that is undefined for a category is marked n/a."""
    import matplotlib  # only when a chart is drawn: it takes a while to load

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    categories = list(aggs["by_category"])
    width = 0.8 / len(CHART_METRICS)
    fig, ax = plt.subplots(figsize=(max(8.0, 1.4 * len(categories)), 4.8))
    for i, (metric, label) in enumerate(CHART_METRICS):
        xs = [c + (i - (len(CHART_METRICS) - 1) / 2) * width for c in range(len(categories))]
        values = [aggs["by_category"][c].get(metric) for c in categories]
        ax.bar(xs, [v if v is not None else 0.0 for v in values], width, label=label)
        for x, v in zip(xs, values, strict=True):
            if v is None:
                ax.text(x, 0.02, "n/a", ha="center", va="bottom", rotation=90, fontsize=7, color="grey")
    ax.set_xticks(range(len(categories)))
    ax.set_xticklabels(categories, rotation=20, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=len(CHART_METRICS), frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
