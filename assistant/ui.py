"""The Gradio chat UI: `assistant chat`.

This module only renders and wires; answering, retrieval and ingestion stay in
`Assistant`. Three rules shape it:

- Everything that comes from an article or a model is passed through
  `html.escape` before our own tags (<mark>, markers, warnings) are added, so an
  article holding `<script>` or `<img onerror=...>` shows as text.
- Each answer carries its own sources, status and warnings inside its chat
  message, so a new answer can never show the previous answer's sources and a
  marker [n] always points at source n of the same answer.
- The conversation lives in the Chatbot value and a per-session gr.State, never
  in module globals, so concurrent users do not see each other's history.

gradio is imported inside functions: `assistant ask` should not pay its 3-5 s import.
"""

from __future__ import annotations

import argparse
import html
import ipaddress
import logging
import re
import shutil
import sys
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace as replace_fields
from pathlib import Path
from typing import TYPE_CHECKING

from .corpus import JSON_SUFFIXES, SUPPORTED_SUFFIXES
from .errors import AssistantError, ConfigError, CorpusError
from .types import Answer, Article, Citation, IngestReport, Passage, Statement

if TYPE_CHECKING:
    import gradio as gr

    from .api import Assistant

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
EXAMPLES = (
    "What did Lavrov say about the agenda?",
    "How much of Ukraine does Russia control, according to the different articles?",
    "What did Angela Merkel say about the Alaska summit?",
)
CHAT_CONCURRENCY = 4  # answers computed at once; more users wait in Gradio's queue
CONTEXT_CHARS = 300  # passage text shown on each side of a quote
MAX_UPLOAD_STEM = 100  # characters kept of an uploaded file's name
UPLOADS_FOLDER = "uploads"  # under the index dir, so uploads travel with the index they are in

Message = dict[str, str]  # {"role": ..., "content": ...}


# --- rendering -------------------------------------------------------------------------

_MARKER = re.compile(r"\[(\d+)\]")


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


_SPAN_TITLES = {
    "unsupported": "No article passage supports this sentence.",
    "unverified": "This quote was not found in the cited articles.",
}


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
    """"Said by" links: a click opens that speaker in the Who said what tab (see JS)."""
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


def who_said(assistant: Assistant, speaker: str | None, about: str | None) -> str:
    """The Who said what view for a name (as typed or picked) and an optional subject; one line on error."""
    speaker = (speaker or "").strip() or None
    about = (about or "").strip() or None
    if speaker is None:
        return render_error("pick or type a name")
    try:
        statements = assistant.statements(speaker, about=about, k=50)
        articles = {st.doc_id: assistant.document(st.doc_id) for st in statements}
    except AssistantError as e:
        return render_error(str(e))
    if not statements and about:
        return f'<div class="who-empty">{escape(speaker)} is quoted, but not about “{escape(about)}”.</div>'
    return render_statements(statements, articles)


def speaker_choices(assistant: Assistant) -> list[tuple[str, str]]:
    try:
        return [(f"{s.name} ({s.statements})", s.name) for s in assistant.speakers()]
    except AssistantError as e:
        _warn(str(e))
        return []


_TIMINGS = (("rewrite", "rewrite"), ("retrieve", "retrieval"), ("first_token", "first token"),
            ("generate", "generation"), ("answer", "answering"), ("total", "total"))


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


# --- uploads ---------------------------------------------------------------------------

_UNSAFE_NAME_CHARS = re.compile(r"[^\w.\- ]")


def safe_upload_name(name: str) -> str:
    """A file name that can only land inside the uploads folder.

    The name comes from the browser: it may hold path separators (also the
    full-width ones NFKC turns into "/"), "..", control or shell characters.
    Only its last component is kept, and only word characters, ".", "-" and
    spaces of it; the stem becomes the article's doc_id.
    """
    base = unicodedata.normalize("NFKC", name).replace("\\", "/").rsplit("/", 1)[-1]
    suffix = Path(base).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise CorpusError(f"{name!r}: unsupported file type {suffix or '(none)'!r}; "
                          f"use one of {', '.join(sorted(SUPPORTED_SUFFIXES))}")
    stem = _UNSAFE_NAME_CHARS.sub("_", base[: -len(suffix)]).strip(" ._")[:MAX_UPLOAD_STEM]
    if not stem:
        raise CorpusError(f"{name!r}: the file name has no usable characters; rename it")
    return stem + suffix


def save_upload(source: Path, name: str, uploads_dir: Path, max_bytes: int) -> Path:
    """Copy an uploaded file into `uploads_dir` under a safe name; a same-named upload replaces it."""
    target = uploads_dir / safe_upload_name(name)
    size = source.stat().st_size
    if size > max_bytes:
        raise CorpusError(f"{name!r} is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit "
                          f"(ASSISTANT_MAX_FILE_MB)")
    uploads_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def ingest_uploads(assistant: Assistant, files: Sequence[str], replace: bool = False) -> tuple[str, list[list]]:
    """Save and ingest uploaded files; returns the report to show and the refreshed article table.

    `replace` applies to the files of this upload only. Then the rest of the uploads folder is
    ingested, without replacing, so a file saved while the index could not be reached is indexed
    by the next upload (unchanged files cost a look-up each). A single-article file refused because
    its id is taken is removed again: it was never indexed."""
    uploads_dir = assistant.settings.index_dir / UPLOADS_FOLDER
    saved, refused = [], []
    for file in files:
        try:
            saved.append(save_upload(Path(file), Path(file).name, uploads_dir, assistant.settings.max_file_bytes))
        except CorpusError as e:
            refused.append(str(e))
    if not saved:
        return render_ingest_report(None, refused), article_rows(assistant)
    try:
        report = assistant.ingest(saved, progress=True, replace=replace)
        for f in saved:  # a text or HTML file is one article, whose id is its name
            if f.suffix.lower() not in JSON_SUFFIXES and f.stem in report.conflicts:
                f.unlink(missing_ok=True)
        earlier = assistant.ingest([uploads_dir])
    except AssistantError as e:
        refused.append(f"{e}. The files are saved in {uploads_dir.name}/ and will be indexed with the next upload")
        return render_ingest_report(None, refused), article_rows(assistant)
    report = replace_fields(report, added=report.added + earlier.added, updated=report.updated + earlier.updated)
    return render_ingest_report(report, refused, {f.stem for f in saved}), article_rows(assistant)


ARTICLE_COLUMNS = ["Title", "Source", "Chunks", "Published", "ID"]


def article_rows(assistant: Assistant) -> list[list]:
    """The indexed articles; when the index cannot be read, a warning and no rows (never a Gradio error)."""
    try:
        return [[r.title, r.source, r.n_chunks, r.published, r.doc_id] for r in assistant.articles()]
    except AssistantError as e:
        _warn(str(e))
        return []


def _warn(message: str) -> None:
    try:
        import gradio as gr

        gr.Warning(message)
    except Exception:  # noqa: BLE001 - outside a Gradio event there is no one to show it to
        log.warning("%s", message)


# --- one chat turn ---------------------------------------------------------------------


def chat_turn(assistant: Assistant, question: str, messages: list[Message],
              history: list[Message]) -> Iterator[tuple[list[Message], list[Message], str]]:
    """Yield (chat messages, plain history, textbox) as the answer streams in.

    `messages` is what the Chatbot shows (HTML); `history` is the plain text the
    API gets for follow-ups. The streamed text is only a preview (its markers are
    the model's); the final Answer replaces it. An error leaves the history alone
    and puts the question back in the textbox so it can be fixed.
    """
    base = [*messages, {"role": "user", "content": render_question(question)}] if question.strip() else messages

    def shown(content: str) -> list[Message]:  # a new list per step: Gradio diffs successive values
        return [*base, {"role": "assistant", "content": content}]

    yield shown(render_pending("")), history, ""
    try:
        text = ""
        for item in assistant.stream(question, history=list(history)):
            if isinstance(item, Answer):
                articles = {c.doc_id: assistant.document(c.doc_id) for c in item.citations}
                final = render_answer(item, articles)
                history = [*history, {"role": "user", "content": question},
                           {"role": "assistant", "content": item.text}]
            else:
                text += item
                yield shown(render_pending(text)), history, ""
        yield shown(final), history, ""
    except AssistantError as e:
        yield shown(render_error(str(e))), history, question
    except Exception as e:  # noqa: BLE001 - a user sees one line; the traceback goes to the server log
        log.exception("answering %r failed", question)
        message = f"unexpected {type(e).__name__}; the details are in the server log"
        yield shown(render_error(message)), history, question


# --- the app ---------------------------------------------------------------------------

CSS = """
.qa-answer, .qa-question { white-space: pre-wrap; line-height: 1.55; }
.qa-answer.streaming { color: var(--body-text-color-subdued); }
.cite { cursor: pointer; color: var(--color-accent); font-weight: 600; padding: 0 .1em; }
.cite.missing { color: #dc2626; text-decoration: line-through; cursor: help; }
.unsupported { text-decoration: underline wavy #d97706; background: rgba(245, 158, 11, .15); }
.unverified { text-decoration: underline wavy #dc2626; background: rgba(220, 38, 38, .15); }
.qa-refusal { border-left: 4px solid #6b7280; background: rgba(107, 114, 128, .12); padding: .5em .8em; }
.qa-refusal .label { font-weight: 700; margin-right: .4em; }
.qa-sources-title { font-weight: 700; text-transform: uppercase; font-size: .75em; letter-spacing: .05em; }
.qa-error { border-left: 4px solid #dc2626; background: rgba(220, 38, 38, .1); padding: .5em .8em; }
.qa-notice { border-left: 4px solid #2563eb; background: rgba(37, 99, 235, .1); padding: .4em .8em;
  margin-bottom: .5em; font-size: .9em; }
.qa-warnings { color: #b45309; font-size: .9em; margin: .4em 0; }
.qa-sources { margin-top: .8em; border-top: 1px solid var(--border-color-primary); padding-top: .5em; }
.source { margin: .5em 0 .8em; padding: .3em .6em; border-radius: 6px; transition: background .6s; }
.source.flash { background: rgba(250, 204, 21, .25); }
.source-n { font-weight: 700; color: var(--color-accent); }
.source-title { font-weight: 600; }
.source-meta { color: var(--body-text-color-subdued); font-size: .85em; margin-left: .5em; }
.source .passage { margin: .3em 0; padding-left: .7em; border-left: 3px solid var(--border-color-primary);
  white-space: pre-wrap; font-size: .92em; }
.source mark { background: #fde047; color: #111827; padding: 0 .1em; border-radius: 2px; }
.source details summary { cursor: pointer; color: var(--color-accent); font-size: .9em; }
.article-text { white-space: pre-wrap; max-height: 18em; overflow-y: auto; font-size: .9em;
  border: 1px solid var(--border-color-primary); border-radius: 6px; padding: .5em .7em; margin-top: .3em; }
.qa-speakers { font-size: .9em; margin: .3em 0; }
.speaker-link { cursor: pointer; color: var(--color-accent); }
.who-name { font-weight: 700; }
.who-role, .who-kind { color: var(--body-text-color-subdued); font-size: .85em; margin-left: .4em; }
.who .statement mark { background: #fde047; color: #111827; }
.qa-status { color: var(--body-text-color-subdued); font-size: .8em; margin-top: .4em; }
"""

# Opening an article scrolls its box to the quote; clicking a marker [n] brings source n
# of the same answer into view. Document-level listeners survive Gradio re-rendering messages;
# markers and sources are matched by their "[n]" text, as the Chatbot's sanitizer drops data-* attributes.
JS = """
() => {
  document.addEventListener('toggle', (event) => {
    const details = event.target;
    if (!(details instanceof HTMLDetailsElement) || !details.open || !details.matches('details.article')) return;
    const box = details.querySelector('.article-text');
    const mark = box && box.querySelector('mark');
    if (!mark) return;
    box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - box.clientHeight / 3;
    details.scrollIntoView({block: 'nearest'});
  }, true);
  document.addEventListener('click', (event) => {
    const link = event.target instanceof Element && event.target.closest('.speaker-link');
    if (!link) return;
    event.preventDefault();
    [...document.querySelectorAll('button[role="tab"]')].find((b) => b.textContent.trim() === 'Who said what')?.click();
    const fill = (tries) => {  // the tab's inputs exist once it has been shown
      const box = document.querySelector('#who-speaker input, #who-speaker textarea');
      if (!box) { if (tries > 0) setTimeout(() => fill(tries - 1), 100); return; }
      box.value = link.textContent;
      box.dispatchEvent(new Event('input', {bubbles: true}));
      setTimeout(() => document.querySelector('#who-find')?.click(), 100);
    };
    fill(30);
  }, true);
  document.addEventListener('click', (event) => {
    const cite = event.target instanceof Element && event.target.closest('.cite:not(.missing)');
    const card = cite && [...cite.closest('.qa').querySelectorAll('.source')]
      .find((source) => source.querySelector('.source-n').textContent === cite.textContent);
    if (!card) return;
    card.scrollIntoView({block: 'nearest', behavior: 'smooth'});
    card.classList.add('flash');
    setTimeout(() => card.classList.remove('flash'), 1500);
  });
}
"""


def build_app(assistant: Assistant) -> gr.Blocks:
    """The Blocks app over one Assistant; per-user state is in the session, not here."""
    import gradio as gr

    def respond(question: str, messages: list[Message], history: list[Message]):
        yield from chat_turn(assistant, question, messages or [], history or [])

    def upload(files: list[str] | None, replace: bool, progress=gr.Progress(track_tqdm=True)):
        return ingest_uploads(assistant, files or [], replace=replace)

    with gr.Blocks(title="News assistant", analytics_enabled=False) as app:
        gr.Markdown("## News assistant\nEvery answer quotes the indexed articles word for word. "
                    "Click a marker such as [1] to see its source, or *Open article* to read the quote in place.")
        with gr.Tab("Chat"):
            chatbot = gr.Chatbot(elem_id="chat", show_label=False, height="68vh", min_height=400, layout="panel",
                                 render_markdown=False, sanitize_html=True, latex_delimiters=[],
                                 feedback_options=None, buttons=[],  # copy buttons would copy our HTML
                                 placeholder="Ask a question about the indexed news articles.")
            history = gr.State([])
            with gr.Row(equal_height=True):
                question = gr.Textbox(elem_id="question", show_label=False, scale=6, autofocus=True,
                                      placeholder="Ask about the articles…")
                ask = gr.Button("Ask", elem_id="ask", variant="primary", scale=1)
                clear = gr.Button("New chat", elem_id="clear", scale=1)
            with gr.Row():
                examples = [gr.Button(q, size="sm", elem_classes="example") for q in EXAMPLES]
        with gr.Tab("Articles") as articles_tab:
            table = gr.Dataframe(value=lambda: article_rows(assistant), elem_id="articles",
                                 label="Indexed articles", headers=ARTICLE_COLUMNS,
                                 datatype=["str", "str", "number", "str", "str"], interactive=False, wrap=True,
                                 column_widths=["48%", "12%", "8%", "14%", "18%"])
            files = gr.File(elem_id="upload", label="Add articles (.txt .md .html .json .jsonl)",
                            file_count="multiple", file_types=sorted(SUPPORTED_SUFFIXES))
            replace = gr.Checkbox(False, elem_id="replace", label="Replace indexed articles that have the same ID "
                                  "(an upload never replaces an article from another file unless this is ticked)")
            report = gr.HTML(elem_id="upload-report")

        with gr.Tab("Who said what") as who_tab:
            with gr.Row(equal_height=True):
                pick = gr.Dropdown(choices=[], elem_id="who-pick", label="Quoted in the articles", scale=2,
                                   allow_custom_value=False)
                speaker = gr.Textbox(elem_id="who-speaker", label="Name", placeholder="Lavrov, The Guardian…", scale=2)
                about = gr.Textbox(elem_id="who-about", label="About (optional)", placeholder="the agenda", scale=2)
                find = gr.Button("Find", elem_id="who-find", variant="primary", scale=1)
            statements = gr.HTML(elem_id="who-statements")

        chat = dict(fn=respond, inputs=[question, chatbot, history], outputs=[chatbot, history, question],
                    concurrency_id="chat", concurrency_limit=CHAT_CONCURRENCY, show_progress="hidden")
        question.submit(api_name="ask", **chat)
        ask.click(api_visibility="private", **chat)
        for button, text in zip(examples, EXAMPLES):
            button.click(lambda text=text: text, outputs=question, queue=False,
                         api_visibility="private").then(api_visibility="private", **chat)
        clear.click(lambda: ([], []), outputs=[chatbot, history], queue=False, api_visibility="private")
        chatbot.clear(lambda: [], outputs=history, queue=False, api_visibility="private")
        files.upload(upload, inputs=[files, replace], outputs=[report, table], concurrency_limit=1,
                     api_name="upload").then(lambda: None, outputs=files, queue=False, api_visibility="private")
        articles_tab.select(lambda: article_rows(assistant), outputs=table, api_visibility="private")
        who_tab.select(lambda: gr.update(choices=speaker_choices(assistant)), outputs=pick, api_visibility="private")
        pick.input(lambda name: name, inputs=pick, outputs=speaker, queue=False, api_visibility="private").then(
            lambda name, subject: who_said(assistant, name, subject), inputs=[speaker, about], outputs=statements,
            api_visibility="private")
        who = dict(fn=lambda name, subject: who_said(assistant, name, subject), inputs=[speaker, about],
                   outputs=statements)
        find.click(api_name="said", **who)
        speaker.submit(api_visibility="private", **who)
        about.submit(api_visibility="private", **who)
    return app


def serve(assistant: Assistant, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> tuple[gr.Blocks, str]:
    """Start the app without blocking; returns it and its local URL (the CLI then blocks on it).

    The index is opened (and built on a first run) here, before anyone waits on a question,
    and before concurrent first questions could race to open it.
    """
    settings = assistant.settings
    if (settings.ui_user is None) != (settings.ui_password is None):
        raise ConfigError("set both ASSISTANT_UI_USER and ASSISTANT_UI_PASSWORD, or neither")
    auth = (settings.ui_user, settings.ui_password) if settings.ui_user else None
    assistant.articles()
    app = build_app(assistant)
    try:
        _, url, _ = app.launch(server_name=host, server_port=port, prevent_thread_lock=True, share=False,
                               quiet=True, ssr_mode=False, auth=auth, max_file_size=settings.max_file_bytes,
                               footer_links=["api", "settings"], css=CSS, js=JS)
    except OSError as e:
        raise ConfigError(f"cannot listen on {host}:{port} ({e}); choose another port with --port") from None
    return app, url


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cmd_chat(args: argparse.Namespace) -> int:
    from .api import Assistant

    assistant = Assistant(index_dir=args.index_dir)
    print("Opening the index…", flush=True)
    app, url = serve(assistant, args.host, args.port)
    print(f"Chat UI running at {url} (Ctrl+C to stop)", flush=True)
    if not is_loopback(args.host) and assistant.settings.ui_user is None:
        print(f"warning: listening on {args.host} without a password: anyone who can reach this machine can "
              f"ask and upload articles; set ASSISTANT_UI_USER and ASSISTANT_UI_PASSWORD", file=sys.stderr)
    app.block_thread()
    return 0


def add_chat_command(sub) -> None:
    p = sub.add_parser("chat", help="open the chat UI (a local web app)")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}: this machine only; "
                        f"0.0.0.0 opens it to the network)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.set_defaults(func=cmd_chat)
