"""Report files: writing <name>.json, .md and .png, and reading a .json back (for --compare)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .chart import plot_categories
from .tables import markdown_report


def check_report_name(name: str) -> None:
    """A plain file name, so a report can never be written outside its folder."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ConfigError(f"invalid report name {name!r}; use a plain file name such as 'extractive'")


def write_reports(report: Mapping[str, Any], reports_dir: str | Path, name: str) -> list[Path]:
    """<name>.json (everything), <name>.md (the tables) and <name>.png (the per-category chart)."""
    check_report_name(name)
    folder = Path(reports_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        json_path, md_path, png_path = (folder / f"{name}{ext}" for ext in (".json", ".md", ".png"))
        tmp = folder / f"{name}.json.tmp"
        tmp.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        tmp.replace(json_path)
        md_path.write_text(markdown_report(report), encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"cannot write reports to {folder}: {e.strerror or e}") from None
    meta = report["metadata"]
    title = f"{meta['mode']} by category ({meta['counts']['questions']} questions)"
    plot_categories(report["aggregates"], png_path, title)
    return [json_path, md_path, png_path]


def load_report(path: str | Path) -> dict[str, Any]:
    """A report written by write_reports; anything else is a one-line ConfigError."""
    path = Path(path)
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"no such report: {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read the report {path}: {e}") from None
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path} is not a report: invalid JSON at line {e.lineno} ({e.msg})") from None
    aggs = report.get("aggregates") if isinstance(report, dict) else None
    if not isinstance(aggs, dict) or not isinstance(aggs.get("overall"), dict) or "metadata" not in report:
        raise ConfigError(f"{path} is not an evaluation report (no metadata or aggregates)")
    aggs.setdefault("by_category", {})
    return report
