"""The chat UI without a server: renderers, safe uploads and chat turns (served: test_ui_server.py)."""

from __future__ import annotations

import re

import pytest
from ui_doubles import FailingAssistant, Parsed, StreamingAssistant

from assistant.errors import CorpusError, QuestionError
from assistant.types import Answer, Article, Citation, Passage
from assistant.ui import (
    UPLOADS_FOLDER,
    chat_turn,
    ingest_uploads,
    passage_window,
    render_answer,
    safe_upload_name,
    save_upload,
)

HOSTILE_TEXT = ('Harbour notice <img src=x onerror="window.__pwned=2">\n'
                "The mayor of Zorblat said the harbour will reopen in March <script>window.__pwned=1</script> "
                "after repairs to the old pier.\nFishermen cheered.\n")
CITE = re.compile(r'<sup class="cite" title="[^"]*">\[(\d+)\]</sup>')
MISSING_CITE = re.compile(r'<sup class="cite missing" title="[^"]*">\[(\d+)\]</sup>')
SOURCE_N = re.compile(r'<div class="source"><div class="source-head"><span class="source-n">\[(\d+)\]</span>')
OUR_TAGS = {"div", "span", "sup", "mark", "blockquote", "details", "summary", "ul", "li", "strong", "a"}


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
    answer = Answer(question="And Lavrov?", text="x", mode="local", model="qwen2.5-1.5b",
                    notice="fell back: <model> missing", rewritten_question="What did Lavrov say?",
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


def test_a_turn_left_half_way_closes_the_answer_stream():
    assistant = StreamingAssistant()
    turn = chat_turn(assistant, "Who won?", [], [])
    next(turn), next(turn)  # "Searching the articles…", then "Echo: "

    turn.close()

    assert assistant.closed == ["Who won?"]


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
