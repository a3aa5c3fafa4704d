"""Regenerate the figures in README.md and docs/*.md from the reports in eval/reports/.

Every figure the documentation quotes from a report stands between two marker comments:

    <!-- generated: extractive-by-category -->

    | ... the table, as this script writes it ... |

    <!-- /generated -->

`python eval/docs_figures.py` rewrites every such block in place from the current reports;
`python eval/docs_figures.py --check` changes nothing and exits 1, naming each block that differs
from what the reports give (tests/test_docs.py runs the same check, so a report updated without the
docs fails the tests). Standard library only: it runs without the project installed.

The blocks are listed in BLOCKS; a marker naming a block that is not there is an error, and so is a
block of BLOCKS that no page uses.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Markers stand on lines of their own (a marker quoted inside a sentence is not one).
OPEN = re.compile(r"^<!-- generated: (\S+) -->$", re.M)
CLOSE = re.compile(r"^<!-- /generated -->$", re.M)
BLOCK = re.compile(r"^<!-- generated: (?P<name>\S+) -->\n(?P<body>.*?)^<!-- /generated -->$", re.S | re.M)


class DocsError(Exception):
    """A page's markers or a report cannot be read: a one-line reason."""


class Reports:
    """The report files, each read once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._cache: dict[str, object] = {}

    def _read(self, name: str) -> str:
        path = self.folder / name
        try:
            return path.read_text(encoding="utf-8")
        except OSError as e:
            raise DocsError(f"cannot read report {path}: {e.strerror or e}") from None

    def json(self, name: str) -> dict:
        key = f"{name}.json"
        if key not in self._cache:
            try:
                self._cache[key] = json.loads(self._read(key))
            except json.JSONDecodeError as e:
                raise DocsError(f"report {self.folder / key} is not valid JSON: {e}") from None
        return self._cache[key]  # type: ignore[return-value]

    def md(self, name: str) -> str:
        key = f"{name}.md"
        if key not in self._cache:
            self._cache[key] = self._read(key)
        return self._cache[key]  # type: ignore[return-value]


# --- helpers ----------------------------------------------------------------------------------


def tables(markdown: str) -> list[str]:
    """The markdown tables of a text, in order, each as its lines joined."""
    found: list[list[str]] = []
    current: list[str] | None = None
    for line in markdown.splitlines():
        if line.startswith("|"):
            if current is None:
                current = []
                found.append(current)
            current.append(line)
        else:
            current = None
    return ["\n".join(t) for t in found]


def body_after_title(markdown: str) -> str:
    """A report page without its first `# ` heading line."""
    lines = markdown.strip("\n").splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    return "\n".join(lines).strip("\n")


def lines_starting(markdown: str, *prefixes: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith(prefixes)]


def fig(value, digits: int = 3) -> str:
    """A figure as the reports print it: fixed decimals, '-' when undefined."""
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.{digits}f}"


def seconds(value) -> str:
    """Seconds: three decimals under one second, two above."""
    if value is None:
        return "-"
    return f"{value:.3f} s" if value < 1 else f"{value:.2f} s"


def day(iso: str) -> str:
    return iso[:10]


# --- the blocks -------------------------------------------------------------------------------

OVERALL_COLUMNS = [  # (header, aggregate key, formatter)
    ("hit@5", "hit@5", fig), ("MRR", "mrr", fig), ("quote", "quote_fidelity", fig),
    ("c.prec", "citation_precision", fig), ("c.rec", "citation_recall", fig), ("wrong", "wrong_source_rate", fig),
    ("facts", "fact_recall", fig), ("ref.P", "refusal_precision", fig), ("ref.R", "refusal_recall", fig),
    ("f.ref", "false_refusal_rate", fig), ("wrong spk", "wrong_speaker_answers", fig),
    ("total p50", "total_p50_s", seconds), ("1st token p50", "first_token_p50_s", seconds),
]


def mode_label(report: dict) -> str:
    meta = report["metadata"]
    return f"{meta['mode']} ({meta['model']})" if meta.get("model") else meta["mode"]


def eval_overall(r: Reports) -> str:
    """Both answer modes side by side, overall, from the evaluation reports."""
    head = "| overall | " + " | ".join(h for h, _, _ in OVERALL_COLUMNS) + " |"
    rule = "|---|" + "---:|" * len(OVERALL_COLUMNS)
    rows, notes = [], []
    for name in ("extractive", "local"):
        report = r.json(name)
        agg = report["aggregates"]["overall"]
        rows.append(f"| {mode_label(report)} | " + " | ".join(f(agg.get(k)) for _, k, f in OVERALL_COLUMNS) + " |")
        meta = report["metadata"]
        notes.append(f"`{name}` on {day(meta['date'])} (k={meta['k']}, corpus {', '.join(meta['corpus'])})")
    return "\n".join([head, rule, *rows]) + "\n\nRuns: " + "; ".join(notes) + "."


def eval_questions(r: Reports) -> str:
    """How many questions of which kind the latest evaluation ran."""
    counts = r.json("extractive")["metadata"]["counts"]
    categories = {k: v for k, v in counts["by_category"].items() if k != "unanswerable"}
    listed = ", ".join(f"{k} {v}" for k, v in categories.items())
    return (f"{counts['questions']} questions: {counts['answerable']} answerable, in {len(categories)} "
            f"categories ({listed}), and {counts['unanswerable']} that the articles cannot answer.")


def by_category(name: str) -> Callable[[Reports], str]:
    def block(r: Reports) -> str:
        found = tables(r.md(name))
        if not found:
            raise DocsError(f"eval/reports/{name}.md has no table")
        return found[0]
    block.__doc__ = f"The per-category table of eval/reports/{name}.md."
    return block


def eval_attribution(r: Reports) -> str:
    """The who-said-what and false-premise lines of the extractive report."""
    lines = lines_starting(r.md("extractive"), "Who said what", "False-premise")
    if not lines:
        raise DocsError("eval/reports/extractive.md has no who-said-what line")
    return "\n\n".join(lines)


def local_latency(r: Reports) -> str:
    """The local model's latency over the evaluation: overall and for follow-ups."""
    report = r.json("local")
    agg, follow = report["aggregates"]["overall"], report["aggregates"]["by_category"].get("follow_up", {})
    rows = [
        ("first token", agg.get("first_token_p50_s"), agg.get("first_token_p95_s")),
        ("whole answer, verified", agg.get("total_p50_s"), agg.get("total_p95_s")),
        ("follow-up (the model rewrites it first, on its own context)",
         follow.get("total_p50_s"), follow.get("total_p95_s")),
    ]
    meta = report["metadata"]
    table = ["| | p50 | p95 |", "|---|---:|---:|", *(f"| {a} | {seconds(b)} | {seconds(c)} |" for a, b, c in rows)]
    return (f"`assistant eval --mode local`, {meta['counts']['questions']} questions, {meta['model']}, "
            f"{day(meta['date'])} (eval/reports/local.json):\n\n" + "\n".join(table))


def model_speed(r: Reports) -> str:
    """The raw speed of llama.cpp's CPU variants, from eval/reports/model_speed.json."""
    d = r.json("model_speed")
    best, portable, answers = d["best"], d["portable"], d["answers"]
    return "\n".join([
        f"`python eval/model_speed.py`, {day(d['created'])}:",
        "",
        "| CPU variant | prompt reading, tokens/s | generation, tokens/s |",
        "|---|---:|---:|",
        f"| chosen: {best['level']} | {best['prompt_tokens_per_s']:.0f} | {best['generate_tokens_per_s']:.1f} |",
        f"| portable: {portable['level']} | {portable['prompt_tokens_per_s']:.0f} | "
        f"{portable['generate_tokens_per_s']:.1f} |",
        "",
        f"Prompt reading, chosen / portable: {d['prompt_speedup']:.2f}x. Answers on the chosen variant "
        f"({answers['questions']} seed questions): first token p50 {seconds(answers['first_token_p50_s'])}, "
        f"p95 {seconds(answers['first_token_p95_s'])}; whole verified answer p50 {seconds(answers['total_p50_s'])}, "
        f"p95 {seconds(answers['total_p95_s'])}.",
    ])


def distractors(r: Reports) -> str:
    """The refusal table of eval/reports/distractors.md."""
    md = r.md("distractors")
    found = tables(md)
    if not found:
        raise DocsError("eval/reports/distractors.md has no table")
    created = lines_starting(md, "Created ")
    return "\n\n".join([*created[:1], found[0]])


def attribution(r: Reports) -> str:
    """The table of eval/reports/attribution.md."""
    found = tables(r.md("attribution"))
    if not found:
        raise DocsError("eval/reports/attribution.md has no table")
    return found[0]


def attribution_summary(r: Reports) -> str:
    """One sentence for the README: statement precision, recall and speaker accuracy of both sets."""
    parts = []
    for label, stats in r.json("attribution").items():
        name = label.split(" (")[0]
        parts.append(f"{name} ({stats['labelled_sentences']} sentences, {stats['labelled_statements']} statements): "
                     f"precision {stats['statement_precision']:.3f}, recall {stats['statement_recall']:.3f}, "
                     f"speaker accuracy {stats['speaker_accuracy']:.3f}")
    return "On hand-labelled sentences, " + "; ".join(parts) + "."


def benchmark(r: Reports) -> str:
    """eval/reports/benchmark.md without its title: the run, the table and what each row measures."""
    return body_after_title(r.md("benchmark"))


def faults(r: Reports) -> str:
    """eval/reports/faults.md without its title: the run and its table."""
    return body_after_title(r.md("faults"))


BLOCKS: dict[str, Callable[[Reports], str]] = {
    "eval-questions": eval_questions,
    "eval-overall": eval_overall,
    "extractive-by-category": by_category("extractive"),
    "local-by-category": by_category("local"),
    "eval-attribution": eval_attribution,
    "local-latency": local_latency,
    "model-speed": model_speed,
    "distractors": distractors,
    "attribution": attribution,
    "attribution-summary": attribution_summary,
    "benchmark": benchmark,
    "faults": faults,
}


# --- pages ------------------------------------------------------------------------------------


def pages(root: Path) -> list[Path]:
    """The pages that may hold generated blocks: README.md and docs/*.md."""
    return [p for p in [root / "README.md", *sorted((root / "docs").glob("*.md"))] if p.is_file()]


def render_block(name: str, reports: Reports) -> str:
    """A block's text between its markers (without them)."""
    if name not in BLOCKS:
        raise DocsError(f"unknown generated block {name!r} (known: {', '.join(BLOCKS)})")
    return "\n" + BLOCKS[name](reports).strip("\n") + "\n\n"


def blocks_in(text: str, where: str = "page") -> list[tuple[str, str]]:
    """(name, body) of each generated block of a page, checking that every marker is closed."""
    found = [(m["name"], m["body"]) for m in BLOCK.finditer(text)]
    opened = OPEN.findall(text)
    if len(opened) != len(found) or len(CLOSE.findall(text)) != len(found) or any(
            OPEN.search(body) for _, body in found):
        raise DocsError(f"{where}: a '<!-- generated: NAME -->' marker without its '<!-- /generated -->' "
                        f"(or one inside another)")
    return found


def regenerate(text: str, reports: Reports, where: str = "page") -> tuple[str, list[str]]:
    """The page with every generated block rewritten, and the names of the blocks that changed."""
    blocks_in(text, where)
    stale: list[str] = []

    def replace(m: re.Match) -> str:
        body = render_block(m["name"], reports)
        if body != m["body"]:
            stale.append(m["name"])
        return f"<!-- generated: {m['name']} -->\n{body}<!-- /generated -->"

    return BLOCK.sub(replace, text), stale


def run(root: Path, reports_dir: Path, check: bool) -> int:
    reports = Reports(reports_dir)
    used: set[str] = set()
    stale_any = False
    for page in pages(root):
        rel = page.relative_to(root).as_posix()
        text = page.read_text(encoding="utf-8")
        used.update(name for name, _ in blocks_in(text, rel))
        new, stale = regenerate(text, reports, rel)
        for name in stale:
            stale_any = True
            print(f"{rel}: generated block '{name}' is stale" if check else f"{rel}: rewrote '{name}'")
        if stale and not check:
            page.write_text(new, encoding="utf-8")
    unused = [name for name in BLOCKS if name not in used]
    if unused:
        print(f"no page uses the generated block(s): {', '.join(unused)}", file=sys.stderr)
        return 1
    if check and stale_any:
        print("run `python eval/docs_figures.py` to regenerate them from eval/reports/", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 naming every block that differs from the reports")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout (README.md and docs/); default: this one")
    parser.add_argument("--reports", type=Path, default=None, help="the reports folder (default: ROOT/eval/reports)")
    args = parser.parse_args(argv)
    try:
        return run(args.root, args.reports or args.root / "eval" / "reports", args.check)
    except DocsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
