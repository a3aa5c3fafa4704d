"""The chat UI without a browser: renderers, safe uploads, chat turns, and the app over HTTP."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from html.parser import HTMLParser
import pytest
from conftest import LAVROV_QUESTION, ROOT, free_port

from assistant.cli import build_parser
from assistant.config import Settings
from assistant.errors import ConfigError, CorpusError, QuestionError
from assistant.types import Answer, Article, Citation, Passage
from assistant.ui import (
    UPLOADS_FOLDER,
    chat_turn,
    ingest_uploads,
    passage_window,
    render_answer,
    safe_upload_name,
    save_upload,
    serve,
)

HOSTILE_TEXT = ('Harbour notice <img src=x onerror="window.__pwned=2">\n'
                "The mayor of Zorblat said the harbour will reopen in March <script>window.__pwned=1</script> "
                "after repairs to the old pier.\nFishermen cheered.\n")
CITE = re.compile(r'<sup class="cite" title="[^"]*">\[(\d+)\]</sup>')
MISSING_CITE = re.compile(r'<sup class="cite missing" title="[^"]*">\[(\d+)\]</sup>')
SOURCE_N = re.compile(r'<div class="source"><div class="source-head"><span class="source-n">\[(\d+)\]</span>')
OUR_TAGS = {"div", "span", "sup", "mark", "blockquote", "details", "summary", "ul", "li", "strong", "a"}


class Parsed(HTMLParser):
    """Tags, attributes, the text of each <mark>, and all visible text of rendered HTML."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.marks: list[str] = []
        self.text = ""
        self._open_marks = 0
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "mark":
            self._open_marks += 1
            self.marks.append("")

    def handle_endtag(self, tag):
        if tag == "mark":
            self._open_marks -= 1

    def handle_data(self, data):
        self.text += data
        if self._open_marks:
            self.marks[-1] += data

    def with_class(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for _, attrs in self.tags if name in (attrs.get("class") or "").split()]


def hostile_article() -> tuple[Article, Citation]:
    start = HOSTILE_TEXT.index("The mayor")
    end = HOSTILE_TEXT.index("pier.") + len("pier.")
    article = Article(doc_id="harbour", title=HOSTILE_TEXT.splitlines()[0], text=HOSTILE_TEXT, source="<b>Gazette</b>")
    return article, Citation(1, "harbour", article.title, HOSTILE_TEXT[start:end], start, end)


# --- rendering ---------------------------------------------------------------------------------


def test_article_markup_is_shown_as_text_and_the_quote_is_marked():
    article, citation = hostile_article()
    answer = Answer(question="q", text=f"{citation.quote} [1]", citations=(citation,))
    markup = render_answer(answer, {"harbour": article})
    parsed = Parsed(markup)

    assert {tag for tag, _ in parsed.tags} <= OUR_TAGS
    assert not [name for _, attrs in parsed.tags for name in attrs if name.startswith("on")]
    assert "<script>window.__pwned=1</script>" in parsed.text
    assert 'onerror="window.__pwned=2"' in parsed.text
    assert "<b>Gazette</b>" in parsed.text
    assert parsed.marks == [citation.quote, citation.quote]  # in the passage, and in the whole article
    assert CITE.findall(markup) == ["1"] and SOURCE_N.findall(markup) == ["1"]


def test_markers_without_a_quote_and_unsupported_text_are_marked():
    article, citation = hostile_article()
    text = "The harbour reopens [1]. It was “built by Romans” long ago [3]."
    answer = Answer(question="q", text=text, citations=(citation,),
                    unsupported=("It was “built by Romans” long ago [3].",), unverified_quotes=("built by Romans",))
    markup = render_answer(answer, {"harbour": article})
    parsed = Parsed(markup)

    assert CITE.findall(markup) == ["1"] and MISSING_CITE.findall(markup) == ["3"]
    assert parsed.with_class("unverified")[0]["class"] == "unsupported unverified"  # the quote inside the sentence
    assert len(parsed.with_class("unsupported")) == 3  # before, inside and after the quote
    assert "Not supported by the articles: “It was “built by Romans” long ago [3].”" in parsed.text
    assert "Quote not found in the cited articles: “built by Romans”" in parsed.text


def test_a_refusal_is_shown_as_one_with_status_and_no_sources():
    passage = Passage(chunk_id="c1", doc_id="harbour", index=0, title="t", text="text", start=0, end=4, score=0.1)
    answer = Answer(question="q", text="The articles don't say. None mentions Merkel.", refused=True,
                    mode="extractive", passages=(passage,), timings={"retrieve": 0.031, "answer": 0.006},
                    rewritten_question="q")
    parsed = Parsed(render_answer(answer, {}))

    assert len(parsed.with_class("qa-refusal")) == 1
    assert "None mentions Merkel." in parsed.text
    assert not parsed.with_class("source") and not parsed.marks
    assert "extractive mode · retrieval 0.03 s · answering 0.01 s" in parsed.text
    assert "searched for" not in parsed.text  # the question needed no rewriting


def test_status_names_mode_model_timings_and_the_fallback_notice():
    answer = Answer(question="And Lavrov?", text="x", mode="local", model="qwen2.5-1.5b", notice="fell back: <model> missing",
                    rewritten_question="What did Lavrov say?",
                    timings={"rewrite": 0.25, "retrieve": 0.5, "first_token": 1.25, "generate": 3.0, "total": 3.5})
    parsed = Parsed(render_answer(answer, {}))

    assert parsed.with_class("qa-notice") and "fell back: <model> missing" in parsed.text
    assert ("local mode · model qwen2.5-1.5b · rewrite 0.25 s · retrieval 0.50 s · first token 1.25 s · "
            "generation 3.00 s · total 3.50 s · searched for “What did Lavrov say?”") in parsed.text


def test_a_quote_no_longer_at_its_offsets_is_not_marked():
    article, citation = hostile_article()
    changed = Article(doc_id=article.doc_id, title=article.title, text="Rewritten. " + article.text)
    parsed = Parsed(render_answer(Answer(question="q", text="x [1]", citations=(citation,)), {"harbour": changed}))

    assert not parsed.marks
    assert "no longer at characters" in parsed.text


def test_the_passage_shown_stays_inside_the_retrieved_passage_and_starts_at_a_word():
    text = " ".join(f"word{i}" for i in range(400))
    start = text.index("word200")
    end = start + len("word200")
    article = Article(doc_id="d", title="t", text=text)
    passage = Passage(chunk_id="d::x::0", doc_id="d", index=0, title="t", text=text[start - 100:end + 1000],
                      start=start - 100, end=end + 1000, score=0.1)
    lo, hi = passage_window(Citation(1, "d", "t", "word200", start, end), article, [passage])

    assert lo == start - 100
    assert end < hi <= end + 300 and text[hi] == " "
    lo, _ = passage_window(Citation(1, "d", "t", "word200", start, end), article, [])
    assert start - 300 <= lo and text[lo - 1] == " "


# --- uploads -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name, safe", [
    ("report.txt", "report.txt"),
    ("../../etc/cron.d/evil.txt", "evil.txt"),
    ("..\\..\\windows\\evil.md", "evil.md"),
    ("a\uff0fb.txt", "b.txt"),  # a full-width solidus is a "/" after NFKC
    ("evil <b>;rm -rf *.txt", "evil _b__rm -rf.txt"),
    ("nul\x00byte.json", "nul_byte.json"),
    (".hidden.html", "hidden.html"),
    ("Ünïcode News.JSONL", "Ünïcode News.jsonl"),
    ("x" * 300 + ".txt", "x" * 100 + ".txt"),
])
def test_safe_upload_name(name, safe):
    assert safe_upload_name(name) == safe


@pytest.mark.parametrize("name, why", [
    ("..", "unsupported file type"),
    ("../", "unsupported file type"),
    ("notes.exe", "unsupported file type '.exe'"),
    ("archive.txt.gz", "unsupported file type '.gz'"),
    (".txt", "unsupported file type"),
    ("..txt", "no usable characters"),
    ("<>|.md", "no usable characters"),
])
def test_unsafe_upload_names_are_refused(name, why):
    with pytest.raises(CorpusError, match=why):
        safe_upload_name(name)


def test_an_upload_lands_inside_the_uploads_folder_and_oversize_is_refused(tmp_path):
    source = tmp_path / "incoming"
    source.write_text("Title\nSome text.\n", encoding="utf-8")
    uploads = tmp_path / "index" / "uploads"

    saved = save_upload(source, "../../../escape.txt", uploads, max_bytes=1000)

    assert saved == uploads / "escape.txt" and saved.read_text(encoding="utf-8") == "Title\nSome text.\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["incoming", "index"]
    with pytest.raises(CorpusError, match="over the 0 MB limit"):
        save_upload(source, "big.txt", uploads, max_bytes=5)
    assert not (uploads / "big.txt").exists()


def test_uploaded_articles_are_searchable_at_once(seed_assistant, tmp_path):
    good = tmp_path / "harbour.txt"
    good.write_text(HOSTILE_TEXT, encoding="utf-8")
    bad = tmp_path / "tool.exe"
    bad.write_bytes(b"MZ")

    report, rows = ingest_uploads(seed_assistant, [str(good), str(bad)])

    text = Parsed(report).text
    assert "Added harbour: searchable now" in text and "Refused: 'tool.exe': unsupported file type" in text
    assert (seed_assistant.settings.index_dir / UPLOADS_FOLDER / "harbour.txt").is_file()
    assert ["harbour", "uploads", 1] in [[r[4], r[1], r[2]] for r in rows]
    assert seed_assistant.retrieve("When will the Zorblat harbour reopen?")[0].doc_id == "harbour"


# --- chat turns --------------------------------------------------------------------------------


class StreamingAssistant:
    """Streams an echo of the question and records the history each question came with."""

    def __init__(self, settings: Settings | None = None, barrier: threading.Barrier | None = None) -> None:
        self.settings = settings or Settings()
        self.barrier = barrier
        self.seen: dict[str, list[dict]] = {}

    def stream(self, question, history=None, mode=None, k=None):
        self.seen[question] = list(history or [])
        if self.barrier is not None and question.startswith("first"):
            self.barrier.wait(timeout=30)  # both users' first questions must be in flight together
        yield "Echo: "
        yield question
        yield Answer(question=question, text=f"Echo: {question}", mode="echo", model="echo-1",
                     timings={"retrieve": 0.01, "first_token": 0.02, "answer": 0.03, "total": 0.04})

    def document(self, doc_id):
        raise AssertionError("an answer without citations needs no article")

    def articles(self):
        return []


class FailingAssistant(StreamingAssistant):
    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def stream(self, question, history=None, mode=None, k=None):
        yield "partial "
        raise self.error


def test_a_turn_streams_then_renders_and_keeps_plain_history():
    steps = list(chat_turn(StreamingAssistant(), "Who <i>won</i>?", [], []))

    shown, history, box = steps[-1]
    assert [s[0][-1]["content"] for s in steps[:2]] == [
        '<div class="qa-answer streaming">Searching the articles…</div>',
        '<div class="qa-answer streaming">Echo: </div>',
    ]
    assert shown[0]["content"] == '<div class="qa-question">Who &lt;i&gt;won&lt;/i&gt;?</div>'
    assert "echo mode · model echo-1" in Parsed(shown[1]["content"]).text
    assert history == [{"role": "user", "content": "Who <i>won</i>?"},
                       {"role": "assistant", "content": "Echo: Who <i>won</i>?"}]
    assert box == ""


@pytest.mark.parametrize("error, shown_text", [
    (QuestionError("the question is empty; ask something about the articles"),
     "Error: the question is empty; ask something about the articles"),
    (RuntimeError("secret /internal/path"), "Error: unexpected RuntimeError; the details are in the server log"),
])
def test_an_error_is_one_line_keeps_history_and_gives_the_question_back(error, shown_text):
    before = [{"role": "user", "content": "earlier"}, {"role": "assistant", "content": "answer"}]
    shown, history, box = list(chat_turn(FailingAssistant(error), "Why?", [], before))[-1]

    assert Parsed(shown[-1]["content"]).text == shown_text
    assert history == before and box == "Why?"


# --- the app over HTTP -------------------------------------------------------------------------


def test_the_chat_command_answers_with_the_quote_over_the_api(seed_index, tmp_path):
    """`assistant chat --port N` in a subprocess, driven by gradio_client, stopped with Ctrl+C.

    Extractive mode: deterministic and fast; the streaming path is covered with StreamingAssistant.
    """
    from gradio_client import Client

    index_dir = tmp_path / "index"
    shutil.copytree(seed_index, index_dir)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "chat", "--port", str(port)], cwd=ROOT,
                            env={**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir), "ASSISTANT_MODE": "extractive"},
                            text=True, preexec_fn=_ctrl_c_delivered,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        lines = _lines(proc)
        url = f"http://127.0.0.1:{port}/"
        _wait_for(lines, f"Chat UI running at {url}", timeout=120)
        client = Client(url, verbose=False)

        messages, box = client.predict(LAVROV_QUESTION, api_name="/ask")
        answer = Parsed(messages[-1]["content"][0]["text"])
        assert any("the agenda is not ready yet" in mark for mark in answer.marks)
        assert box == ""

        messages, box = client.predict("   ", api_name="/ask")
        assert Parsed(messages[-1]["content"][0]["text"]).text.startswith("Error: the question is empty")
        assert "Traceback" not in messages[-1]["content"][0]["text"]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=30)
        finally:
            proc.kill()
    assert code == 0


def _ctrl_c_delivered() -> None:
    """A test run started in the background (`make test &`) ignores SIGINT, and children inherit
    that: the server would never see the Ctrl+C this test sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _lines(proc: subprocess.Popen) -> queue.Queue:
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    return lines


def _wait_for(lines: queue.Queue, text: str, timeout: float) -> None:
    seen = []
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no {text!r} within {timeout} s; output: {''.join(seen)}") from None
        seen.append(line)
        if text in line:
            return


def test_concurrent_users_are_served_together_without_mixing_histories():
    from gradio_client import Client

    assistant = StreamingAssistant(barrier=threading.Barrier(2))
    app, url = serve(assistant, port=free_port())
    try:
        ann, bob = Client(url, verbose=False), Client(url, verbose=False)
        jobs = [ann.submit("first from Ann", api_name="/ask"), bob.submit("first from Bob", api_name="/ask")]
        for job in jobs:
            job.result(timeout=60)
        ann.predict("follow-up from Ann", api_name="/ask")
        bob.predict("follow-up from Bob", api_name="/ask")
    finally:
        app.close()

    for name in ("Ann", "Bob"):
        assert assistant.seen[f"follow-up from {name}"] == [
            {"role": "user", "content": f"first from {name}"},
            {"role": "assistant", "content": f"Echo: first from {name}"},
        ]


def test_a_login_is_required_when_configured():
    from gradio_client import Client

    app, url = serve(StreamingAssistant(Settings(ui_user="ann", ui_password="s3 cret")), port=free_port())
    try:
        with pytest.raises(ValueError, match="[Ll]ogin"):
            Client(url, verbose=False)
        with pytest.raises(ValueError, match="[Ll]ogin"):
            Client(url, auth=("ann", "wrong"), verbose=False)
        messages, _ = Client(url, auth=("ann", "s3 cret"), verbose=False).predict("hi", api_name="/ask")
        assert "Echo: hi" in messages[-1]["content"][0]["text"]
    finally:
        app.close()


def test_half_a_login_and_a_busy_port_are_clear_errors():
    with pytest.raises(ConfigError, match="both ASSISTANT_UI_USER and ASSISTANT_UI_PASSWORD"):
        serve(StreamingAssistant(Settings(ui_user="ann")), port=free_port())
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}.*--port"):
            serve(StreamingAssistant(), port=port)


# --- command line and settings -----------------------------------------------------------------


def test_chat_listens_on_loopback_by_default_and_the_cli_does_not_import_gradio():
    args = build_parser().parse_args(["chat"])
    assert (args.host, args.port) == ("127.0.0.1", 7860)
    assert build_parser().parse_args(["chat", "--host", "0.0.0.0", "--port", "8080"]).port == 8080

    code = "import sys, assistant.cli as c; c.build_parser(); print('gradio' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


def test_login_settings_come_from_the_environment():
    settings = Settings.from_env({"ASSISTANT_UI_USER": " ann ", "ASSISTANT_UI_PASSWORD": " pass word "})
    assert (settings.ui_user, settings.ui_password) == ("ann", " pass word ")
    assert "pass word" not in repr(settings)
    assert Settings.from_env({}).ui_user is None and Settings.from_env({}).ui_password is None

