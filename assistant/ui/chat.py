"""The Chat tab: one question streamed into chat messages, and the plain history kept for follow-ups.

The conversation lives in the Chatbot value and a per-session gr.State (passed in
and returned here), never in module globals, so concurrent users do not see each
other's history.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Sequence
from contextlib import closing
from typing import TYPE_CHECKING

from ..errors import AssistantError
from ..types import Answer
from .render import render_answer, render_error, render_pending, render_question

if TYPE_CHECKING:
    from ..api import Assistant

log = logging.getLogger(__name__)

Message = dict[str, str]  # {"role": ..., "content": ...}


def answer_stream(assistant: Assistant, question: str,
                  history: Sequence[Message]) -> Generator[str | Answer, None, None]:
    """Text deltas as the answer is written, then the final Answer.

    The only place that knows the shape of `Assistant.stream()`, so a change to it is made here.
    Closing this (the user left) closes the stream, so the model stops writing.
    """
    stream = assistant.stream(question, history=list(history))
    try:
        yield from stream
        yield stream.answer
    finally:
        stream.close()


def chat_turn(assistant: Assistant, question: str, messages: list[Message],
              history: list[Message]) -> Generator[tuple[list[Message], list[Message], str], None, None]:
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
        with closing(answer_stream(assistant, question, history)) as items:
            for item in items:
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
