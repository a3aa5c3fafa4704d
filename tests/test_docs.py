"""The documentation stays true: the README fits on one screen, every link and anchor resolves, the
figures generated from eval/reports/ match the reports, and every citation shown with its offsets is
the seed article's text at those offsets.

Pure file reading (no model, no index): part of the fast loop.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
SEEDS = ROOT / "seeds"
SCRIPT = ROOT / "eval" / "docs_figures.py"
README_MAX_LINES = 160
# Pages the README promises; each must exist and be linked from it.
REQUIRED_PAGES = ["user-guide.md", "answer-modes.md", "evaluation.md", "architecture.md", "operations.md",
                  "attribution.md", "storage.md", "reliability.md"]


def pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def load_figures():
    spec = importlib.util.spec_from_file_location("docs_figures", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- markdown reading -------------------------------------------------------------------------

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
INLINE_LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"")


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) outside fenced code blocks."""
    out, fenced = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            out.append((number, line))
    return out


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text lowercased, punctuation dropped, spaces to '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text stays, its target goes
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML tags
    text = text.lower()
    text = re.sub(r"[^\w\- ]", "", text)  # \w: letters, digits and '_', in any script
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every anchor a page has: its headings' (with GitHub's -1, -2 for repeats) and explicit ones."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    for _, line in prose_lines(text):
        m = HEADING.match(line)
        if m:
            base = slug(m.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            found.add(base if n == 0 else f"{base}-{n}")
        found.update(HTML_ANCHOR.findall(line))
    return found


def links(text: str) -> list[tuple[int, str]]:
    """(line number, target) of every link and image outside code."""
    out = []
    for number, line in prose_lines(text):
        line = re.sub(r"(`+).*?\1", "", line)  # code spans hold no links
        out.extend((number, target) for target in INLINE_LINK.findall(line))
        m = REFERENCE_LINK.match(line)
        if m:
            out.append((number, m.group(1)))
    return out


def link_problems(page: Path, root: Path = ROOT) -> list[str]:
    """One line per link of `page` that does not resolve: a missing file, or a missing #anchor."""
    problems = []
    text = page.read_text(encoding="utf-8")
    where = page.relative_to(root).as_posix() if page.is_relative_to(root) else str(page)
    for number, target in links(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http:, https:, mailto: ...
            continue
        if not target:
            problems.append(f"{where}:{number}: empty link target")
            continue
        path_part, _, anchor = target.partition("#")
        destination = (page.parent / path_part).resolve() if path_part else page
        if not destination.exists():
            problems.append(f"{where}:{number}: {target}: no such file {path_part}")
            continue
        if anchor:
            if destination.suffix.lower() != ".md" or destination.is_dir():
                problems.append(f"{where}:{number}: {target}: an anchor into a file that is not markdown")
            elif anchor not in anchors(destination.read_text(encoding="utf-8")):
                problems.append(f"{where}:{number}: {target}: no heading with the anchor #{anchor} "
                                f"in {destination.name}")
    return problems


# --- (i) the README is one screen, and leads to every page ------------------------------------


def test_readme_fits_on_one_screen():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; at most {README_MAX_LINES}"


def test_readme_has_the_two_commands_the_examples_and_the_screenshot():
    text = README.read_text(encoding="utf-8")
    for needed in ("make run", "make test", "```python", "$ assistant ", "docs/screenshot.png",
                   "The articles don't say"):
        assert needed in text, f"README.md lacks {needed!r}"
    assert (DOCS / "screenshot.png").is_file()


@pytest.mark.parametrize("name", REQUIRED_PAGES)
def test_every_docs_page_exists_and_the_readme_links_it(name):
    assert (DOCS / name).is_file(), f"docs/{name} is missing"
    targets = {target.partition("#")[0] for _, target in links(README.read_text(encoding="utf-8"))}
    assert f"docs/{name}" in targets, f"README.md does not link docs/{name}"


def test_every_docs_page_is_reachable_from_the_readme_or_the_docs_index():
    linked = set()
    for page in (README, DOCS / "README.md"):
        if page.exists():
            linked |= {(page.parent / t.partition("#")[0]).resolve()
                       for _, t in links(page.read_text(encoding="utf-8")) if t.partition("#")[0]}
    orphans = [p.name for p in DOCS.glob("*.md") if p.name != "README.md" and p.resolve() not in linked]
    assert not orphans, f"docs pages nobody links: {orphans}"


# --- (ii) links and anchors -------------------------------------------------------------------


def test_github_anchor_rules():
    assert slug("Set-up: two commands") == "set-up-two-commands"
    assert slug("The CPU code llama.cpp runs") == "the-cpu-code-llamacpp-runs"
    assert slug("Several writers, and an upload that would replace an article") == \
        "several-writers-and-an-upload-that-would-replace-an-article"
    assert slug("`assistant eval` and *the gate*") == "assistant-eval-and-the-gate"
    assert slug("What's in [it](x.md)") == "whats-in-it"
    assert anchors("# A\n## A\n```\n# not a heading\n```\n## B") == {"a", "a-1", "b"}


def test_the_link_check_finds_broken_links(tmp_path):
    (tmp_path / "other.md").write_text("# Other page\n\n## Its section\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text("# Page\n\n[ok](other.md#its-section) [ok](#page) [ok](https://example.com/x)\n"
                    "[gone](missing.md) [no anchor](other.md#nope) [here](#nowhere)\n"
                    "`[in code](missing-too.md)`\n```\n[in a block](missing-three.md)\n```\n", encoding="utf-8")
    problems = link_problems(page, tmp_path)
    assert len(problems) == 3, problems
    assert "missing.md" in problems[0] and "#nope" in problems[1] and "#nowhere" in problems[2]


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_link_and_anchor_resolves(page):
    assert link_problems(page) == []


SOURCE_DOC_REFERENCE = re.compile(r"\bdocs/([\w.-]+\.md)(?:#([\w-]+))?")


def test_docs_pages_named_in_the_code_exist():
    """Comments and messages that send a reader to docs/X.md (or docs/X.md#section) find it."""
    problems = []
    sources = [*ROOT.glob("assistant/**/*.py"), *ROOT.glob("eval/*.py"), *ROOT.glob("tests/*.py"),
               ROOT / "Makefile", ROOT / "pyproject.toml"]
    for source in sources:
        if not source.is_file() or source == Path(__file__).resolve():
            continue
        for number, line in enumerate(source.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            for name, anchor in SOURCE_DOC_REFERENCE.findall(line):
                target = DOCS / name
                if not target.is_file():
                    problems.append(f"{source.relative_to(ROOT)}:{number}: docs/{name} does not exist")
                elif anchor and anchor not in anchors(target.read_text(encoding="utf-8")):
                    problems.append(f"{source.relative_to(ROOT)}:{number}: docs/{name} has no #{anchor}")
    assert problems == []


# --- (iii) generated figures ------------------------------------------------------------------


def test_generated_blocks_match_the_reports():
    figures = load_figures()
    reports = figures.Reports(ROOT / "eval" / "reports")
    stale, used = [], set()
    for page in pages():
        text = page.read_text(encoding="utf-8")
        used |= {name for name, _ in figures.blocks_in(text, page.name)}
        new, changed = figures.regenerate(text, reports, page.name)
        stale += [f"{page.relative_to(ROOT)}: {name}" for name in changed]
        assert (new == text) == (not changed)
    assert stale == [], f"stale generated blocks (run `python eval/docs_figures.py`): {stale}"
    assert used == set(figures.BLOCKS), f"blocks no page uses: {set(figures.BLOCKS) - used}"


def test_generated_blocks_hold_the_reports_figures():
    """Not only equal to what the script writes: the script writes the reports' numbers."""
    figures = load_figures()
    reports = figures.Reports(ROOT / "eval" / "reports")
    extractive = json.loads((ROOT / "eval/reports/extractive.json").read_text(encoding="utf-8"))
    overall = extractive["aggregates"]["overall"]
    block = figures.render_block("eval-overall", reports)
    assert f"| {overall['hit@5']:.3f} | {overall['mrr']:.3f} |" in block
    questions = extractive["metadata"]["counts"]["questions"]
    assert f"{questions} questions" in figures.render_block("eval-questions", reports)
    bench = (ROOT / "eval/reports/benchmark.md").read_text(encoding="utf-8")
    assert figures.tables(bench)[0] in figures.render_block("benchmark", reports)
    speed = json.loads((ROOT / "eval/reports/model_speed.json").read_text(encoding="utf-8"))
    assert f"chosen: {speed['best']['level']} | {speed['best']['prompt_tokens_per_s']:.0f} |" in \
        figures.render_block("model-speed", reports)


@pytest.fixture
def checkout_copy(tmp_path):
    """README.md, docs/ and eval/reports/ copied, to change a report without touching the real ones."""
    shutil.copy(README, tmp_path / "README.md")
    shutil.copytree(DOCS, tmp_path / "docs", ignore=shutil.ignore_patterns("*.png"))
    shutil.copytree(ROOT / "eval" / "reports", tmp_path / "eval" / "reports", ignore=shutil.ignore_patterns("*.png"))
    return tmp_path


def test_a_report_updated_without_the_docs_is_caught_and_regenerated(checkout_copy, capsys):
    figures = load_figures()
    root = checkout_copy
    assert figures.main(["--check", "--root", str(root)]) == 0

    path = root / "eval/reports/extractive.json"
    report = json.loads(path.read_text(encoding="utf-8"))
    report["aggregates"]["overall"]["hit@5"] = 0.1234
    path.write_text(json.dumps(report), encoding="utf-8")
    bench = root / "eval/reports/benchmark.md"
    bench.write_text(bench.read_text(encoding="utf-8").replace("| articles | 5 |", "| articles | 6 |"),
                     encoding="utf-8")
    capsys.readouterr()
    assert figures.main(["--check", "--root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "docs/evaluation.md: generated block 'eval-overall' is stale" in out
    assert "docs/operations.md: generated block 'benchmark' is stale" in out
    assert "extractive-by-category" not in out  # the .md report did not change: its block is not stale
    assert "0.123" not in (root / "docs/evaluation.md").read_text(encoding="utf-8")  # --check writes nothing

    assert figures.main(["--root", str(root)]) == 0
    assert "| 0.123 |" in (root / "docs/evaluation.md").read_text(encoding="utf-8")
    assert "| articles | 6 |" in (root / "docs/operations.md").read_text(encoding="utf-8")
    assert figures.main(["--check", "--root", str(root)]) == 0


def test_broken_markers_and_unknown_blocks_are_errors(checkout_copy, capsys):
    figures = load_figures()
    page = checkout_copy / "docs" / "evaluation.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("<!-- /generated -->", "", 1), encoding="utf-8")
    assert figures.main(["--check", "--root", str(checkout_copy)]) == 2
    assert "without its" in capsys.readouterr().err
    page.write_text(text + "\n<!-- generated: no-such-block -->\n<!-- /generated -->\n", encoding="utf-8")
    assert figures.main(["--check", "--root", str(checkout_copy)]) == 2
    assert "unknown generated block 'no-such-block'" in capsys.readouterr().err


def test_the_script_runs_on_the_standard_library_alone():
    result = subprocess.run([sys.executable, "-S", "-I", str(SCRIPT), "--check"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


# --- (iv) citations shown with offsets are the seed text --------------------------------------

DOC_ID = r"\d{3}_[0-9a-f]{16}"
# Any seeds-style doc_id followed by two numbers: an offset pair shown to the reader.
ANY_OFFSETS = re.compile(rf"({DOC_ID})(?:, characters |\s+)(\d+)(?:-|\s+)(\d+)")
# The CLI's form: "(doc_id, characters start-end)" or "; doc_id, characters start-end):", the quote on the next line.
CLI_FORM = re.compile(rf"({DOC_ID}), characters (\d+)-(\d+)\)")
# A printed citation in prose: `number doc_id start end quote`.
PRINTED_FORM = re.compile(rf"`\d+ ({DOC_ID}) (\d+) (\d+) ([^`]+)`")


def seed_texts() -> dict[str, str]:
    """Each seed article's text as the corpus loader reads it (UTF-8, a byte-order mark dropped)."""
    return {p.stem: p.read_bytes().decode("utf-8-sig") for p in sorted(SEEDS.glob("*.txt"))}


def quote_matches(shown: str, text: str) -> bool:
    """Whether a quote as shown is `text`: exactly, or, when shown cut short with '…', its beginning
    (at least 20 characters of it). The CLI wraps quotes in “…” unless they start with a quote mark."""
    shown = shown.strip()
    forms = [shown]
    if shown.startswith("“") and shown.endswith("”"):
        forms.append(shown[1:-1])
    for form in forms:
        if form == text:
            return True
        if form.endswith("…"):
            prefix = form[:-1].rstrip()
            if len(prefix) >= 20 and text.startswith(prefix):
                return True
    return False


def citation_problems(text: str, seeds: dict[str, str], where: str = "page") -> tuple[int, list[str]]:
    """(citations checked, problems): every offset pair shown must come with a quote that matches."""
    lines = text.splitlines()
    checked, problems = 0, []
    for number, line in enumerate(lines, 1):
        shown = ANY_OFFSETS.findall(line)
        verified = 0
        for doc_id, start, end in CLI_FORM.findall(line):
            quote_line = lines[number] if number < len(lines) else ""
            verified += 1
            if doc_id not in seeds:
                problems.append(f"{where}:{number}: {doc_id} is not a seeds article")
            elif not quote_matches(quote_line, cut := seeds[doc_id][int(start):int(end)]):
                problems.append(f"{where}:{number}: {doc_id} characters {start}-{end} are {cut[:60]!r}…, "
                                f"not the quote {quote_line.strip()[:60]!r}…")
        for doc_id, start, end, quote in PRINTED_FORM.findall(line):
            verified += 1
            if doc_id not in seeds:
                problems.append(f"{where}:{number}: {doc_id} is not a seeds article")
            elif not quote_matches(quote, seeds[doc_id][int(start):int(end)]):
                problems.append(f"{where}:{number}: {doc_id} {start} {end} is not the quote {quote[:60]!r}")
        if len(shown) != verified:
            problems.append(f"{where}:{number}: offsets shown without a quote this test can check: {line.strip()[:80]}")
        checked += verified
    return checked, problems


def test_the_citation_check_catches_wrong_offsets():
    seeds = seed_texts()
    good = ("[1] Title (000_2e1743cf2fe1a151, characters 2772-2978)\n"
            "    “Lavrov, Russian Foreign Minister, stated in an interview with NBC on the 22nd that …”\n")
    assert citation_problems(good, seeds) == (1, [])
    shifted = good.replace("2772-2978", "2774-3046")  # the README's old local-mode example
    assert len(citation_problems(shifted, seeds)[1]) == 1
    assert len(citation_problems(good.replace("000_2e1743cf2fe1a151", "009_0000000000000000"), seeds)[1]) == 1
    assert len(citation_problems("see 000_2e1743cf2fe1a151 2772 2978 here\n", seeds)[1]) == 1  # no quote to check
    printed = "`1 000_2e1743cf2fe1a151 2772 2978 Lavrov, Russian Foreign Minister, stated …`"
    assert citation_problems(printed, seeds) == (1, [])
    assert len(citation_problems(printed.replace("2772", "2773"), seeds)[1]) == 1
    assert not quote_matches("“Lavrov …”", seeds["000_2e1743cf2fe1a151"][2772:2978])  # too short to mean anything


def test_every_citation_shown_in_the_docs_is_the_seed_text():
    seeds = seed_texts()
    assert seeds, "no seed articles"
    total, problems = 0, []
    for page in pages():
        checked, found = citation_problems(page.read_text(encoding="utf-8"), seeds, page.relative_to(ROOT).as_posix())
        total += checked
        problems += found
        if page == README:
            assert checked >= 3, "the README's examples should show their citations with offsets"
    assert problems == []
    assert total >= 6
