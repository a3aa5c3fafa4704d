"""What the public API accepts: questions, speakers, k and conversation history, checked at the door.

Each problem is one QuestionError naming it, before any work starts, so no later stage meets a
lone surrogate, an empty string or a k of -1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .errors import QuestionError

MAX_K = 100  # passages per question: more says nothing a reader can check
MAX_STATEMENTS = 1000


def invalid_text(text: str) -> int | None:
    """Where a string holds a lone surrogate (an undecodable byte from the command line, or half a
    character from a browser), which no later stage can encode; None when it is clean."""
    try:
        text.encode("utf-8")
        return None
    except UnicodeEncodeError as e:
        return e.start


def checked_text(value: object, limit: int, what: str = "question") -> str:
    if not isinstance(value, str):
        raise QuestionError(f"the {what} must be text, not {type(value).__name__}")
    if (bad := invalid_text(value)) is not None:
        raise QuestionError(f"the {what} is not valid text: character {bad + 1} is an undecodable byte "
                            "or half of a character; retype it or paste it again")
    if not value.strip():
        raise QuestionError(f"the {what} is empty; " + ("ask something about the articles" if what == "question"
                                                        else "name someone, or leave it out"))
    value = value.strip()
    if len(value) > limit:
        raise QuestionError(f"the {what} is {len(value)} characters long; the limit is {limit} "
                            "(ASSISTANT_MAX_QUESTION_CHARS)")
    return value


def checked_k(k: object, what: str = "passages", limit: int = MAX_K) -> int | None:
    if k is None:
        return None
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= limit:
        raise QuestionError(f"k, the number of {what}, must be a whole number from 1 to {limit}, not {k!r}")
    return k


def checked_history(history: object) -> list[dict[str, str]] | None:
    """A conversation is a list of {"role": "user" or "assistant", "content": text}; other keys are ignored."""
    if history is None:
        return None
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise QuestionError(f"history must be a list of messages, not {type(history).__name__}")
    turns = []
    for number, turn in enumerate(history, 1):
        if not isinstance(turn, Mapping) or turn.get("role") not in ("user", "assistant") or not isinstance(
                turn.get("content"), str) or invalid_text(turn["content"]) is not None:
            raise QuestionError(f"history item {number} is not a message like "
                                f"{{'role': 'user' or 'assistant', 'content': text}}: {str(turn)[:80]}")
        turns.append({"role": turn["role"], "content": turn["content"]})
    return turns
