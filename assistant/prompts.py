"""The prompts, kept as text files in prompts/ so they can be read and tuned without touching code.

prompts/ ships inside the package as `assistant.prompt_files` (pyproject.toml maps it), so an
installed wheel reads the same files a checkout does.

Evidence sentences go to the model numbered, inside <article> tags with their
article's title and date, and the system prompt says that whatever stands inside
the tags is data: an article that says "ignore your instructions" is quoted, not
obeyed. The model is given one fixed
refusal sentence so a refusal can be recognised in its answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from importlib.resources import files
from typing import NamedTuple

from .answering import REFUSAL
from .errors import ConfigError
from .types import Passage


class Evidence(NamedTuple):
    """What the prompt shows of one numbered sentence."""

    title: str
    date: str
    text: str
    speaker: str = ""

    @classmethod
    def of(cls, passage: Passage, date: str, speaker: str = "") -> Evidence:
        return cls(passage.title, date, passage.text, speaker)

PROMPTS = "assistant.prompt_files"
MAX_SENTENCES = 3
HISTORY_TURNS = 4  # the last messages a follow-up is rewritten against
HISTORY_CHARS = 600  # per message: long earlier answers add cost, not meaning


@cache
def load_prompt(name: str) -> str:
    try:
        path = files(PROMPTS) / f"{name}.txt"
        return path.read_text(encoding="utf-8").strip()
    except (OSError, ModuleNotFoundError):  # the latter: run from a checkout that was never installed
        raise ConfigError(f"prompt file missing: {name}.txt in {PROMPTS} (install the package: "
                          "`pip install -e .`)") from None


def _as_data(text: str) -> str:
    """Keep article text from closing or opening an article tag of its own."""
    return text.replace("<article", "‹article").replace("</article", "‹/article")


def _attribute(text: str) -> str:
    return _as_data(text).replace('"', "'").replace("\n", " ")


def format_evidence(evidence: Sequence[Evidence]) -> str:
    """Sentences numbered from 1, under their article's title and date, with their speaker where the
    words do not name one; consecutive sentences of one article share its tag."""
    template = load_prompt("evidence")
    groups: list[tuple[Evidence, list[str]]] = []
    for number, item in enumerate(evidence, 1):
        if not groups or (groups[-1][0].title, groups[-1][0].date) != (item.title, item.date):
            groups.append((item, []))
        speaker = f"(speaker: {_attribute(item.speaker)}) " if item.speaker else ""
        groups[-1][1].append(f"[{number}] {speaker}{_as_data(' '.join(item.text.split()))}")
    return "\n\n".join(template.format(title=_attribute(first.title),
                                        date=f' date="{_attribute(first.date)}"' if first.date else "",
                                        sentences="\n".join(lines)) for first, lines in groups)


def system_prompt() -> str:
    return load_prompt("system").format(refusal=REFUSAL, max_sentences=MAX_SENTENCES)


def _question_prompt(question: str, evidence: Sequence[Evidence]) -> str:
    return load_prompt("answer").format(evidence=format_evidence(evidence), question=question,
                                        max_sentences=MAX_SENTENCES)


def example_messages() -> list[dict[str, str]]:
    """One worked example, as an earlier turn of the chat. Without it the 1.5B model answers
    "The articles don't say." to questions its evidence does answer."""
    fields = [(key.strip(), value.strip()) for key, value in
              (line.split(":", 1) for line in load_prompt("example").splitlines() if ":" in line)]
    question = next(value for key, value in fields if key == "question")
    answer = next(value for key, value in fields if key == "answer")
    evidence = [Evidence(*(part.strip() for part in value.split("|", 2))) for key, value in fields if key == "sentence"]
    return [{"role": "user", "content": _question_prompt(question, evidence)},
            {"role": "assistant", "content": answer}]


def answer_messages(question: str, evidence: Sequence[Evidence]) -> list[dict[str, str]]:
    """The fixed system prompt and example first, so llama.cpp reuses their KV cache question after question."""
    user = _question_prompt(question, evidence)
    return [{"role": "system", "content": system_prompt()}, *example_messages(), {"role": "user", "content": user}]


def rewrite_messages(question: str, history: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    turns = "\n".join(
        f"{'User' if turn.get('role') == 'user' else 'Assistant'}: {str(turn.get('content', ''))[:HISTORY_CHARS]}"
        for turn in history[-HISTORY_TURNS:]
    )
    return [{"role": "user", "content": load_prompt("rewrite").format(history=turns, question=question)}]
