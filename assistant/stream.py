"""An answer as it is written: iterate it for the text, then `.answer` holds the verified Answer.

The text is a preview: markers in it are the model's, and sentences verification drops are
still in it. Show `.answer.text` once it is there. Reading `.answer` before the end finishes
the stream first, so `assistant.stream(q).answer` is the same Answer as `assistant.ask(q)`.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator

from .types import Answer


class AnswerStream:
    def __init__(self, pieces: Generator[str, None, Answer]) -> None:
        self._pieces = pieces
        self._parts: list[str] = []
        self._answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        while self._answer is None:
            try:
                piece = next(self._pieces)
            except StopIteration as end:
                self._answer = end.value
                return
            self._parts.append(piece)
            yield piece

    @property
    def text(self) -> str:
        """The text streamed so far."""
        return "".join(self._parts)

    @property
    def done(self) -> bool:
        return self._answer is not None

    @property
    def answer(self) -> Answer:
        for _ in self:
            pass
        if self._answer is None:
            raise RuntimeError("the stream was closed before its answer was written")
        return self._answer

    def close(self) -> None:
        """Stop early (the reader left): the model stops generating."""
        self._pieces.close()
