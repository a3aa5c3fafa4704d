"""What every answer backend is: a stream of the text of one chat completion at temperature 0.

A backend that fails for good raises GenerationError, and the caller falls back to the quotes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol

Messages = Sequence[Mapping[str, str]]


class ChatBackend(Protocol):
    mode: str
    model: str

    def stream(self, messages: Messages, max_tokens: int) -> Iterator[str]:
        """Yield the answer's text as it is generated."""
        ...


def complete(backend: ChatBackend, messages: Messages, max_tokens: int) -> str:
    return "".join(backend.stream(messages, max_tokens))
