"""Shared by the UI tests: an HTML reader for rendered messages, and Assistants that stream canned answers."""

from __future__ import annotations

import threading
from html.parser import HTMLParser

from assistant import AnswerStream
from assistant.config import Settings
from assistant.types import Answer


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


class StreamingAssistant:
    """Streams an echo of the question and records the history each question came with."""

    def __init__(self, settings: Settings | None = None, barrier: threading.Barrier | None = None) -> None:
        self.settings = settings or Settings()
        self.barrier = barrier
        self.seen: dict[str, list[dict]] = {}
        self.closed: list[str] = []  # questions whose stream was closed before its end

    def stream(self, question, history=None, mode=None, k=None):
        self.seen[question] = list(history or [])
        return AnswerStream(self._pieces(question))

    def _pieces(self, question):
        if self.barrier is not None and question.startswith("first"):
            self.barrier.wait(timeout=30)  # both users' first questions must be in flight together
        try:
            yield "Echo: "
            yield question
        except GeneratorExit:
            self.closed.append(question)
            raise
        return Answer(question=question, text=f"Echo: {question}", mode="echo", model="echo-1",
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
        return AnswerStream(self._failing())

    def _failing(self):
        yield "partial "
        raise self.error
