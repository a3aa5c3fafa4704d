"""HTML for the chat UI: answers with their sources, status and warnings; statements; errors; ingest reports.

Two rules shape it:

- Everything that comes from an article or a model is passed through `escape`
  before our own tags (<mark>, markers, warnings) are added, so an article
  holding `<script>` or `<img onerror=...>` shows as text.
- Each answer carries its own sources, status and warnings inside its chat
  message, so a new answer can never show the previous answer's sources and a
  marker [n] always points at source n of the same answer.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..types import Answer, Article, Citation, IngestReport, Passage, Statement

CONTEXT_CHARS = 300  # passage text shown on each side of a quote

_MARKER = re.compile(r"\[(\d+)\]")
_SPAN_TITLES = {
    "unsupported": "No article passage supports this sentence.",
    "unverified": "This quote was not found in the cited articles.",
}
_TIMINGS = (("rewrite", "rewrite"), ("retrieve", "retrieval"), ("first_token", "first token"),
            ("generate", "generation"), ("answer", "answering"), ("total", "total"))


def escape(text: str) -> str:
    return html.escape(text, quote=True)


def render_question(question: str) -> str:
    return f'<div class="qa-question">{escape(question)}</div>'


def render_pending(text: str) -> str:
    """The message while an answer streams in: plain escaped text, no markers resolved yet."""
    return f'<div class="qa-answer streaming">{escape(text) or "Searching the articles…"}</div>'


def render_error(message: str) -> str:
    return f'<div class="qa-error"><strong>Error:</strong> {escape(message)}</div>'


def render_answer(answer: Answer, articles: Mapping[str, Article]) -> str:
    """One chat message: notice, answer (or refusal), warnings, its own sources, status."""
    parts = ['<div class="qa">']
    if answer.notice:
        parts.append(f'<div class="qa-notice">{escape(answer.notice)}</div>')
    if answer.refused:
        parts.append(f'<div class="qa-refusal"><span class="label">Not answered</span> {escape(answer.text)}</div>')
    else:
        parts.append(f'<div class="qa-answer">{render_answer_text(answer)}</div>')
        parts.append(render_speakers(cited_speakers(answer)))
        parts.append(render_warnings(answer))
        parts.append(render_sources(answer.citations, articles, answer.passages))
    parts.append(render_status(answer))
    parts.append("</div>")
    return "".join(parts)


def render_answer_text(answer: Answer) -> str:
    """The answer with clickable [n] markers; unsupported sentences and unverified quotes marked in place."""
    text = answer.text
    spans = [(start, start + len(needle), kind)
             for kind, needles in (("unsupported", answer.unsupported), ("unverified", answer.unverified_quotes))
             for needle in needles
             if needle and (start := text.find(needle)) >= 0]
    cited = {c.number: c for c in answer.citations}
    bounds = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    out = []
    for a, b in zip(bounds, bounds[1:]):
        segment = _MARKER.sub(lambda m: _marker(int(m[1]), cited), escape(text[a:b]))
        kinds = sorted({kind for s, e, kind in spans if s <= a and b <= e})
        if kinds:
            titles = " ".join(_SPAN_TITLES[k] for k in kinds)
            segment = f'<span class="{" ".join(kinds)}" title="{titles}">{segment}</span>'
        out.append(segment)
    return "".join(out)


def _marker(number: int, cited: Mapping[int, Citation]) -> str:
    """A marker whose number has no verified quote is shown struck through, not silently linked."""
    if number in cited:
        return f'<sup class="cite" title="Source {number}: {escape(cited[number].title)}">[{number}]</sup>'
    return f'<sup class="cite missing" title="No verified quote has this number.">[{number}]</sup>'


def render_warnings(answer: Answer) -> str:
    items = [f"<li>Not supported by the articles: “{escape(s)}”</li>" for s in answer.unsupported]
    items += [f"<li>Quote not found in the cited articles: “{escape(q)}”</li>" for q in answer.unverified_quotes]
    return f'<ul class="qa-warnings">{"".join(items)}</ul>' if items else ""


def render_sources(citations: Sequence[Citation], articles: Mapping[str, Article],
                   passages: Sequence[Passage]) -> str:
    if not citations:
        return ""
    cards = "".join(render_source(c, articles[c.doc_id], passages) for c in citations)
    return f'<div class="qa-sources"><div class="qa-sources-title">Sources</div>{cards}</div>'


def render_source(citation: Citation, article: Article, passages: Sequence[Passage]) -> str:
    """A source card: title and outlet, the quote marked inside its passage, and the whole article."""
    meta = " · ".join(escape(x) for x in (article.source, article.published) if x)
    if article.url.startswith(("https://", "http://")):
        meta += f' · <a href="{escape(article.url)}" target="_blank" rel="noopener noreferrer">link</a>'
    header = (f'<div class="source-head"><span class="source-n">[{citation.number}]</span> '
              f'<span class="source-title">{escape(article.title)}</span>'
              f'<span class="source-meta">{meta}</span></div>')
    if article.text[citation.start:citation.end] != citation.quote:
        # The article changed since the answer: never mark text the answer did not quote.
        body = (f'<blockquote class="passage">“{escape(citation.quote)}”</blockquote>'
                f'<div class="qa-warnings">This quote is no longer at characters {citation.start}-{citation.end} '
                f'of the article; it may have been updated.</div>')
    else:
        start, end = passage_window(citation, article, passages)
        quote = (citation.start, citation.end)
        body = (f'<blockquote class="passage">{highlight(article.text, start, end, quote)}</blockquote>'
                f'<details class="article"><summary>Open article</summary>'
                f'<div class="article-text">{highlight(article.text, 0, len(article.text), quote)}</div></details>')
    return f'<div class="source">{header}{body}</div>'


def passage_window(citation: Citation, article: Article, passages: Sequence[Passage]) -> tuple[int, int]:
    """The retrieved passage holding the quote, trimmed to CONTEXT_CHARS either side at word breaks."""
    lo, hi = 0, len(article.text)
    for p in passages:
        if p.doc_id == citation.doc_id and p.start <= citation.start and citation.end <= p.end:
            lo, hi = p.start, p.end
            break
    start = max(lo, citation.start - CONTEXT_CHARS)
    end = min(hi, citation.end + CONTEXT_CHARS)
    if start > lo:
        start = _word_break(article.text, start, citation.start)
    if end < hi:
        space = article.text.rfind(" ", citation.end, end)
        end = space if space >= 0 else end
    return start, end


def _word_break(text: str, start: int, limit: int) -> int:
    space = text.find(" ", start, limit)
    return space + 1 if space >= 0 else start


def highlight(text: str, start: int, end: int, quote: tuple[int, int]) -> str:
    """Escaped text[start:end] with the quote inside <mark>; an ellipsis where the window cuts the text."""
    qs, qe = quote
    return "".join((
        "… " if text[:start].strip() else "",
        escape(text[start:qs]),
        f"<mark>{escape(text[qs:qe])}</mark>",
        escape(text[qe:end]),
        " …" if text[end:].strip() else "",
    ))


def cited_speakers(answer: Answer) -> list[str]:
    """Who said the sentences the answer cites, as the analysis at ingest found (names, in order)."""
    names: list[str] = []
    for c in answer.citations:
        for passage in answer.passages:
            if passage.doc_id != c.doc_id:
                continue
            for sentence in passage.sentences:
                if sentence.start <= c.start < sentence.end:
                    names += [s.speaker_name for s in sentence.said if s.speaker != "unnamed" and s.speaker_name]
    return list(dict.fromkeys(names))


def render_speakers(names: Sequence[str]) -> str:
    """"Said by" links: a click opens that speaker in the Who said what tab (see app.js)."""
    if not names:
        return ""
    links = ", ".join(f'<a class="speaker-link" href="#who-said-what">{escape(n)}</a>' for n in names)
    return f'<div class="qa-speakers">Said by {links}</div>'


def render_statements(statements: Sequence[Statement], articles: Mapping[str, Article]) -> str:
    """A speaker's statements across articles: who, where and when, each marked in its sentence and article."""
    if not statements:
        return '<div class="who-empty">No statements found.</div>'
    cards = []
    for st in statements:
        article = articles[st.doc_id]
        role = f' <span class="who-role">{escape(st.role)}</span>' if st.role else ""
        meta = " · ".join(escape(x) for x in (article.source, st.published) if x)
        quote = (st.start, st.end)
        if article.text[st.start:st.end] != st.quote:
            body = f'<blockquote class="passage">{escape(st.quote)}</blockquote>'
        else:
            body = (f'<blockquote class="passage">{highlight(article.text, st.sentence_start, st.sentence_end, quote)}'
                    f'</blockquote><details class="article"><summary>Open article</summary><div class="article-text">'
                    f'{highlight(article.text, 0, len(article.text), quote)}</div></details>')
        cards.append(f'<div class="source statement"><div class="source-head"><span class="who-name">'
                     f'{escape(st.speaker_name or st.speaker)}</span>{role} <span class="who-kind">{escape(st.kind)}'
                     f'</span></div><div class="source-head"><span class="source-title">{escape(st.title)}</span>'
                     f'<span class="source-meta">{meta}</span></div>{body}</div>')
    return f'<div class="who">{"".join(cards)}</div>'


def render_status(answer: Answer) -> str:
    """Which mode and model answered and how long each stage took."""
    t = answer.timings
    bits = [f"{answer.mode} mode"]
    if answer.model:
        bits.append(f"model {answer.model}")
    bits += [f"{label} {t[key]:.2f} s" for key, label in _TIMINGS if key in t]
    if answer.rewritten_question and answer.rewritten_question != answer.question:
        bits.append(f"searched for “{answer.rewritten_question}”")
    return f'<div class="qa-status">{escape(" · ".join(bits))}</div>'


def render_ingest_report(report: IngestReport | None, refused: Sequence[str], shown: set[str] | None = None) -> str:
    """`shown`: the doc_ids whose "unchanged" line is worth a line (the files just uploaded)."""
    lines = [f"<li>Refused: {escape(r)}</li>" for r in refused]
    if report is not None:
        lines += [f"<li>Skipped {escape(Path(s.path).name)}: {escape(s.reason)}</li>" for s in report.skipped]
        lines += [f"<li>Added {escape(d)}: searchable now</li>" for d in report.added]
        lines += [f"<li>Updated {escape(d)}: searchable now</li>" for d in report.updated]
        lines += [f"<li>Unchanged {escape(d)}: already indexed</li>" for d in report.unchanged
                  if shown is None or d in shown]
        lines.append(f"<li>{escape(report.summary())}</li>")
    return f'<ul class="ingest-report">{"".join(lines)}</ul>'
