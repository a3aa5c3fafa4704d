"""The prompts, kept as text files in prompts/ so they can be read and tuned without touching code.

Passages go to the model numbered and wrapped in <passage> tags, and the system
prompt says that whatever stands inside the tags is data: an article that says
"ignore your instructions" is quoted, not obeyed. The model is given one fixed
refusal sentence so a refusal can be recognised in its answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

from .answering import REFUSAL
from .config import PROJECT_ROOT
from .errors import ConfigError
from .types import Passage

PROMPTS_DIR = PROJECT_ROOT / "prompts"
MAX_SENTENCES = 3
HISTORY_TURNS = 4  # the last messages a follow-up is rewritten against
HISTORY_CHARS = 600  # per message: long earlier answers add cost, not meaning


@lru_cache(maxsize=None)
def load_prompt(name: str) -> str:
    path = PROMPTS_DIR / f"{name}.txt"
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        raise ConfigError(f"prompt file missing: {path}") from None


def _as_data(text: str) -> str:
    """Keep article text from closing or opening a passage tag of its own."""
    return text.replace("<passage", "‹passage").replace("</passage", "‹/passage")


def format_passages(passages: Sequence[tuple[str, str]]) -> str:
    """(title, text) pairs, numbered from 1 and wrapped in passage tags."""
    template = load_prompt("passage")
    return "\n\n".join(
        template.format(number=n, title=_as_data(title).replace('"', "'"), text=_as_data(text.strip()))
        for n, (title, text) in enumerate(passages, 1)
    )


def system_prompt() -> str:
    return load_prompt("system").format(refusal=REFUSAL, max_sentences=MAX_SENTENCES)


def _question_prompt(question: str, passages: Sequence[tuple[str, str]]) -> str:
    return load_prompt("answer").format(passages=format_passages(passages), question=question,
                                        max_sentences=MAX_SENTENCES)


def example_messages() -> list[dict[str, str]]:
    """One worked example, as an earlier turn of the chat. Without it the 1.5B model answers
    "The articles don't say." to questions its passages do answer."""
    fields = [(key.strip(), value.strip()) for key, value in
              (line.split(":", 1) for line in load_prompt("example").splitlines() if ":" in line)]
    question = next(value for key, value in fields if key == "question")
    answer = next(value for key, value in fields if key == "answer")
    passages = [_title_and_text(value) for key, value in fields if key == "passage"]
    return [{"role": "user", "content": _question_prompt(question, passages)},
            {"role": "assistant", "content": answer}]


def _title_and_text(line: str) -> tuple[str, str]:
    title, text = line.split("|", 1)
    return title.strip(), text.strip()


def answer_messages(question: str, passages: Sequence[Passage]) -> list[dict[str, str]]:
    user = _question_prompt(question, [(p.title, p.text) for p in passages])
    return [{"role": "system", "content": system_prompt()}, *example_messages(), {"role": "user", "content": user}]


def rewrite_messages(question: str, history: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    turns = "\n".join(
        f"{'User' if turn.get('role') == 'user' else 'Assistant'}: {str(turn.get('content', ''))[:HISTORY_CHARS]}"
        for turn in history[-HISTORY_TURNS:]
    )
    return [{"role": "user", "content": load_prompt("rewrite").format(history=turns, question=question)}]
