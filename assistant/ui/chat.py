"""The Chat tab: one question streamed into chat messages, and the plain history kept for follow-ups.

The conversation lives in the Chatbot value and a per-session gr.State (passed in
and returned here), never in module globals, so concurrent users do not see each
other's history.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from contextlib import closing
from typing import TYPE_CHECKING

from ..errors import AssistantError
from .render import render_answer, render_error, render_pending, render_question

if TYPE_CHECKING:
    from ..api import Assistant

log = logging.getLogger(__name__)

Message = dict[str, str]  # {"role": ..., "content": ...}


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
        # Closed when the user leaves half-way (this generator is closed): the model stops writing.
        with closing(assistant.stream(question, history=list(history))) as stream:
            for _ in stream:
                yield shown(render_pending(stream.text)), history, ""
            answer = stream.answer
        articles = {c.doc_id: assistant.document(c.doc_id) for c in answer.citations}
        history = [*history, {"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]
        yield shown(render_answer(answer, articles)), history, ""
    except AssistantError as e:
        yield shown(render_error(str(e))), history, question
    except Exception as e:  # noqa: BLE001 - a user sees one line; the traceback goes to the server log
        log.exception("answering %r failed", question)
        message = f"unexpected {type(e).__name__}; the details are in the server log"
        yield shown(render_error(message)), history, question
