"""The chat UI in a real headless Chromium (Debian's: `apt-get install chromium`), driven by Playwright.

Every request the page makes must go to the app on 127.0.0.1: no CDN, fonts or analytics.
Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ARTIFACTS, LAVROV_QUESTION, free_port

from assistant import Assistant, Settings
from assistant.ui import UPLOADS_FOLDER, serve

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(),
                                 reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)")]

# The flags the team's offline notes (OFFLINE.md) found to keep headless Chromium off the network.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
ANSWER_TIMEOUT_MS = 60_000
HOSTILE_ARTICLE = """Zorblat harbour notice <img src=x onerror="window.__pwned=2">
The mayor of Zorblat said the harbour will reopen in March after repairs <script>window.__pwned=1</script> \
to the old pier.
Fishermen in Zorblat welcomed the news ${window.__pwned=3} and {{constructor.constructor('window.__pwned=4')()}}.
"""


@pytest.fixture(scope="module")
def app_url(seed_index, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """The app over a copy of the seed index, in this process; yields its URL and index dir.

    Extractive mode: quotes are deterministic and an answer takes about a second.
    """
    index_dir = tmp_path_factory.mktemp("ui-browser") / "index"
    shutil.copytree(seed_index, index_dir)
    assistant = Assistant(index_dir=index_dir, settings=Settings(mode="extractive"))
    app, url = serve(assistant, port=free_port())
    yield url, index_dir
    app.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url):
    """A fresh page; after the test, every request it made must have gone to the app."""
    url, _ = app_url
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url, wait_until="load")
    yield page
    context.close()
    elsewhere = [u for u in requests if not u.startswith(url) and not u.startswith(("data:", "blob:"))]
    assert requests and not elsewhere, f"requests that left the app: {elsewhere}"


def ask(page, question: str) -> None:
    """Type a question, send it, and wait until its answer (the last message) carries its status line."""
    answers_before = page.locator("#chat .qa-status").count()
    page.fill("#question textarea", question)
    page.keyboard.press("Enter")
    page.locator("#chat .qa-status").nth(answers_before).wait_for(timeout=ANSWER_TIMEOUT_MS)


def test_an_answer_marks_its_quote_and_opens_the_article_at_it(page):
    ARTIFACTS.mkdir(exist_ok=True)
    ask(page, LAVROV_QUESTION)

    answer = page.locator("#chat .qa").last
    marks = answer.locator(".source .passage mark").all_inner_texts()
    assert any("the agenda is not ready yet" in m for m in marks)
    assert answer.locator(".cite:not(.missing)").count() == answer.locator(".source").count() == len(marks)
    highlight = answer.locator(".source .passage mark").first.evaluate("m => getComputedStyle(m).backgroundColor")
    assert highlight == "rgb(253, 224, 71)"  # style.css is on the page
    page.locator("#chat .message-wrap").first.evaluate("el => el.scrollIntoView()")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=ARTIFACTS / "ui-answer.png")

    source = answer.locator(".source", has=page.locator(".passage mark", has_text="the agenda is not ready yet"))
    source.locator("summary", has_text="Open article").click()
    box, mark = source.locator(".article-text"), source.locator(".article-text mark")
    page.wait_for_function("([box, mark]) => { const b = box.getBoundingClientRect(), m = mark.getBoundingClientRect();"
                           " return m.top >= b.top && m.bottom <= b.bottom; }",
                           arg=[box.element_handle(), mark.element_handle()], timeout=5000)
    assert "the agenda is not ready yet" in mark.inner_text()
    assert box.evaluate("b => b.scrollTop") > 0  # the quote is far down the article
    page.screenshot(path=ARTIFACTS / "ui-article.png")

    answer.locator(".cite", has_text=source.locator(".source-n").inner_text()).click()
    assert re.search(r"\bflash\b", source.get_attribute("class") or "")

    ask(page, "What did Angela Merkel say about the Alaska summit?")
    refusal = page.locator("#chat .qa").last
    assert refusal.locator(".qa-refusal").count() == 1
    assert refusal.locator(".source").count() == 0  # never the previous answer's sources
    assert "Merkel" in refusal.inner_text()
    refusal.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "ui-refusal.png")


def test_a_speaker_named_in_an_answer_leads_to_their_statements_marked_in_their_articles(page):
    ask(page, "What did Lavrov say Trump proposed at the summit?")
    answer = page.locator("#chat .qa").last
    link = answer.locator(".qa-speakers .speaker-link")
    assert link.count() >= 1 and "Lavrov" in link.first.inner_text()  # "He said that Trump proposed ..." is his
    link.first.click()

    cards = page.locator("#who-statements .statement")
    try:
        cards.first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    finally:
        page.screenshot(path=ARTIFACTS / "ui-who-said-what.png")
    assert page.locator("#who-speaker textarea, #who-speaker input").first.input_value() == "Lavrov"
    names = set(page.locator("#who-statements .who-name").all_inner_texts())
    assert names and all("Lavrov" in n for n in names)  # nobody else's words
    marks = page.locator("#who-statements .passage mark").all_inner_texts()
    assert any("the agenda is not ready yet" in m for m in marks)
    assert any("Trump proposed" in m for m in marks)
    page.screenshot(path=ARTIFACTS / "ui-who-said-what.png")

    page.fill("#who-speaker textarea, #who-speaker input", "Witcooff")
    page.click("#who-find")
    error = page.locator("#who-statements .qa-error")
    error.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "Witcooff" in error.inner_text()
    assert page.locator("#who-statements .statement").count() == 0


def test_an_uploaded_hostile_article_is_shown_as_text_and_runs_nothing(page, app_url):
    _, index_dir = app_url
    page.get_by_role("tab", name="Articles").click()
    page.set_input_files("#upload input[type=file]", files=[{
        "name": "../../evil <harbour>.txt", "mimeType": "text/plain", "buffer": HOSTILE_ARTICLE.encode()}])
    page.locator("#upload-report li", has_text="searchable now").wait_for(timeout=ANSWER_TIMEOUT_MS)
    stored = list((index_dir / UPLOADS_FOLDER).iterdir())
    assert [p.name for p in stored] == ["evil harbour.txt"]
    assert 'Zorblat harbour notice <img src=x onerror="window.__pwned=2">' in page.locator("#articles").inner_text()

    page.get_by_role("tab", name="Chat").click()
    ask(page, "When will the Zorblat harbour reopen?")
    answer = page.locator("#chat .qa").last
    answer.locator("summary", has_text="Open article").first.click()

    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#chat script, img[src='x']").count() == 0
    text = answer.inner_text()
    assert "<script>window.__pwned=1</script>" in text
    assert '<img src=x onerror="window.__pwned=2">' in text
    assert "${window.__pwned=3}" in text and "{{constructor.constructor" in text
    assert "<script>window.__pwned=1</script>" in answer.locator(".passage mark").inner_text()
    page.screenshot(path=ARTIFACTS / "ui-upload.png")
