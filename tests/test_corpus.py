"""Loading each supported format, and skipping what cannot be read without losing the rest."""

import json

import pytest
from conftest import SEEDS

from assistant import corpus
from assistant.errors import CorpusError


def test_seed_folder_loads_five_articles_with_file_stem_ids():
    loaded = corpus.load([SEEDS])
    assert sorted(a.doc_id for a in loaded.articles) == sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert not loaded.skipped
    for article in loaded.articles:
        assert article.text == (SEEDS / f"{article.doc_id}.txt").read_text(encoding="utf-8")


def test_plain_text_title_is_the_first_line_when_it_reads_like_one(tmp_path):
    (tmp_path / "a.txt").write_text("\n  Summit ends without a deal  \nLeaders met for three hours.\n",
                                    encoding="utf-8")
    (tmp_path / "b.txt").write_text("Leaders met for three hours in a long meeting.\nMore text.\n", encoding="utf-8")
    articles = {a.doc_id: a for a in corpus.load([tmp_path]).articles}
    assert articles["a"].title == "Summit ends without a deal"
    assert articles["b"].title.startswith("Leaders met for three hours")  # a sentence, shortened as a label
    assert articles["a"].text.startswith("\n  Summit")  # offsets refer to the exact file text


def test_markdown_heading_becomes_title(tmp_path):
    (tmp_path / "note.md").write_text("# Talks in *Geneva*\n\nThe talks resumed on Monday.\n", encoding="utf-8")
    (article,) = corpus.load([tmp_path / "note.md"]).articles
    assert article.title == "Talks in *Geneva*"
    assert article.doc_id == "note"


def test_html_text_is_extracted_without_scripts_and_styles(tmp_path):
    html = """<html><head><title>Port reopens</title><style>p {color: red}</style>
    <meta property="og:url" content="https://example.test/port">
    <meta property="article:published_time" content="2025-08-21"></head>
    <body><script>alert('x')</script><h1>Port reopens</h1><p>The port reopened on Tuesday.</p>
    <p>Ships   queued&nbsp;outside.</p></body></html>"""
    (tmp_path / "port.html").write_text(html, encoding="utf-8")
    (article,) = corpus.load([tmp_path]).articles
    assert article.title == "Port reopens"
    assert "The port reopened on Tuesday." in article.text
    assert "alert" not in article.text and "color" not in article.text
    assert article.url == "https://example.test/port"
    assert article.published == "2025-08-21"


NEWS_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Port of Valona reopens after storm | The Daily Ledger</title>
<meta property="og:site_name" content="The Daily Ledger">
<meta property="article:published_time" content="2025-08-21T09:30:00Z">
<link rel="canonical" href="https://ledger.example/world/valona-port">
<script>window.dataLayer = [];</script></head>
<body>
<div id="cookie-banner"><p>We use cookies to improve your experience. By continuing you accept our cookie
policy.</p><button>Accept all cookies</button></div>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World news</a></li>
<li><a href="/business">Business and markets</a></li>\
<li><a href="/subscribe">Subscribe today</a></li></ul></nav></header>
<main><article>
<h1>Port of Valona reopens after storm</h1>
<p>The port of Valona reopened on Tuesday after a storm closed it for four days, the harbour authority said.</p>
<p>More than forty ships queued outside the breakwater while divers checked the main channel for debris.</p>
<p>“We are working through the backlog as fast as the cranes allow,” said harbour master Ilir Dervishi.</p>
<p>Exporters said the closure had delayed shipments of fruit and cement worth several million euros.</p>
</article>
<aside><h2>Related stories</h2><ul><li><a href="/a">Storm batters southern coast, thousands without power</a></li>
<li><a href="/b">Shipping rates climb as ports close across the region</a></li></ul></aside></main>
<footer><p>© 2025 The Daily Ledger. All rights reserved.</p><ul><li><a href="/privacy">Privacy policy</a></li>
<li><a href="/contact">Contact us</a></li></ul></footer>
</body></html>"""


def test_a_news_page_gives_the_article_without_menus_banners_related_links_or_footer(tmp_path):
    (tmp_path / "valona.html").write_text(NEWS_PAGE, encoding="utf-8")
    (article,) = corpus.load([tmp_path]).articles
    assert article.text.splitlines() == [
        "Port of Valona reopens after storm",
        "The port of Valona reopened on Tuesday after a storm closed it for four days, the harbour authority said.",
        "More than forty ships queued outside the breakwater while divers checked the main channel for debris.",
        "“We are working through the backlog as fast as the cranes allow,” said harbour master Ilir Dervishi.",
        "Exporters said the closure had delayed shipments of fruit and cement worth several million euros.",
    ]
    for boilerplate in ("cookies", "World news", "Subscribe", "Related stories", "Shipping rates", "rights reserved",
                        "Privacy"):
        assert boilerplate not in article.text
    assert article.title == "Port of Valona reopens after storm"  # without the site's name
    assert (article.source, article.published) == ("The Daily Ledger", "2025-08-21")
    assert article.url == "https://ledger.example/world/valona-port" and article.doc_id == "valona"


def test_a_page_whose_article_is_drawn_by_javascript_is_skipped_as_having_no_text(tmp_path):
    shell = """<!DOCTYPE html><html><head><title>The Daily Ledger</title>
    <script type="application/ld+json">{"@type": "WebSite", "name": "The Daily Ledger"}</script></head>
    <body><noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div>
    <template><p>Loading story</p></template><script src="/static/js/main.js"></script></body></html>"""
    (tmp_path / "shell.html").write_text(shell, encoding="utf-8")
    loaded = corpus.load([tmp_path])
    assert not loaded.articles
    (skipped,) = loaded.skipped
    assert skipped.path.endswith("shell.html") and skipped.reason == "HTML has no visible text"


def test_an_html_fragment_still_gives_its_text(tmp_path):
    (tmp_path / "snippet.html").write_text("<p>The port reopened on Tuesday.</p>", encoding="utf-8")
    (article,) = corpus.load([tmp_path]).articles
    assert article.text == "The port reopened on Tuesday."


def test_json_records_use_their_id_or_a_hash_of_their_url(tmp_path):
    records = [
        {"id": "r1", "title": "First", "body": "Body one.", "source": {"name": "Wire"}, "date": "2025-01-02"},
        {"headline": "Second", "text": "Body two.", "url": "https://example.test/2"},
        {"title": "No text"},
    ]
    (tmp_path / "feed.json").write_text(json.dumps({"articles": records}), encoding="utf-8")
    loaded = corpus.load([tmp_path / "feed.json"])
    by_title = {a.title: a for a in loaded.articles}
    assert by_title["First"].doc_id == "r1"
    assert by_title["First"].source == "Wire" and by_title["First"].published == "2025-01-02"
    second = by_title["Second"]
    assert len(second.doc_id) == 16 and second.url == "https://example.test/2"
    again = corpus.load([tmp_path / "feed.json"]).articles
    assert {a.doc_id for a in again} == {a.doc_id for a in loaded.articles}  # stable across loads
    assert len(loaded.skipped) == 1 and "record 3" in loaded.skipped[0].path


def test_jsonl_bad_line_is_skipped_and_named(tmp_path):
    lines = [json.dumps({"id": "a", "text": "Alpha text."}), "{not json", json.dumps({"id": "b", "content": "Beta."})]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = corpus.load([tmp_path])
    assert sorted(a.doc_id for a in loaded.articles) == ["a", "b"]
    assert len(loaded.skipped) == 1 and "line 2" in loaded.skipped[0].path
    assert "invalid JSON" in loaded.skipped[0].reason


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
        ("latin1.txt", "Café société".encode("latin-1"), "not UTF-8"),
        ("empty.txt", b"   \n\n", "empty"),
        ("broken.json", b'{"title": "x", ', "invalid JSON"),
        ("script.html", b"<html><body><script>x()</script></body></html>", "no visible text"),
        ("photo.png", b"\x89PNG", "unsupported file type"),
    ],
)
def test_unreadable_files_are_skipped_with_a_reason_and_the_rest_still_load(tmp_path, name, content, reason):
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.txt").write_text("A good article.\nIt has text.\n", encoding="utf-8")
    loaded = corpus.load([tmp_path])
    assert [a.doc_id for a in loaded.articles] == ["good"]
    (skipped,) = loaded.skipped
    assert skipped.path.endswith(name) and reason in skipped.reason


def test_oversized_file_is_skipped(tmp_path):
    (tmp_path / "big.txt").write_text("word " * 400, encoding="utf-8")
    loaded = corpus.load([tmp_path], max_file_bytes=1000)
    assert not loaded.articles and "over the" in loaded.skipped[0].reason


def test_a_feed_larger_than_the_file_limit_loads_record_by_record(tmp_path):
    """The limit applies to each record of a JSON Lines feed, not to the feed: an archive of many
    articles in one file loads, and only a record over the limit is skipped, by line number."""
    lines = [json.dumps({"id": f"n{i}", "title": f"News {i}", "text": f"Story number {i}. " * 20}) for i in range(30)]
    lines[7] = json.dumps({"id": "huge", "text": "x" * 5000})
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert (tmp_path / "feed.jsonl").stat().st_size > 3 * 2048
    loaded = corpus.load([tmp_path], max_file_bytes=2048)
    assert len(loaded.articles) == 29 and "huge" not in {a.doc_id for a in loaded.articles}
    (skipped,) = loaded.skipped
    assert skipped.path.endswith("feed.jsonl (line 8)") and skipped.reason == "record is over the 2 KB limit"


def test_the_size_limit_is_named_as_configured(tmp_path):
    (tmp_path / "big.txt").write_bytes(b"word " * (5 * 1024 * 1024 // 5 + 10))
    (skipped,) = corpus.load([tmp_path], max_file_bytes=5 * 1024 * 1024).skipped
    assert "over the 5 MB limit" in skipped.reason


def test_missing_path_is_an_error_naming_it(tmp_path):
    with pytest.raises(CorpusError, match="no such file or folder: .*nowhere"):
        corpus.load([tmp_path / "nowhere"])
