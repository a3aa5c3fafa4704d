"""Answer backends, from a registry (as llm's plugins are): a mode's name → a factory of ChatBackend.

The built-in ones import their libraries (llama.cpp, openai) only when first made. Another backend
is one call away: `register_backend("mine", lambda settings: MyChat(settings))`, after which
`assistant.ask(question, mode="mine")` uses it, verified like the others.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING

from .base import ChatBackend, Messages, complete

if TYPE_CHECKING:
    from ..config import Settings

__all__ = ["AnswerMode", "BackendFactory", "ChatBackend", "Messages", "answer_modes", "complete", "make_backend",
           "register_backend"]

BackendFactory = Callable[["Settings"], ChatBackend]


class AnswerMode(StrEnum):
    """How an answer is written: quotes only (no backend, always there), the bundled local model, or an
    OpenAI-compatible server. Registered backends are modes named by their own string."""

    EXTRACTIVE = "extractive"
    LOCAL = "local"
    OPENAI = "openai"


_REGISTRY: dict[str, BackendFactory] = {}


def register_backend(name: str, factory: BackendFactory) -> None:
    """Make `factory(settings)` the backend of mode `name` (replacing one of that name)."""
    if not name or name == AnswerMode.EXTRACTIVE:
        raise ValueError(f"a backend cannot be called {name!r}")
    _REGISTRY[str(name)] = factory


def answer_modes() -> tuple[str, ...]:
    return (AnswerMode.EXTRACTIVE.value, *_REGISTRY)


def make_backend(mode: str, settings: Settings) -> ChatBackend:
    if mode not in _REGISTRY:
        raise ValueError(f"no chat backend for mode {mode!r}")
    return _REGISTRY[mode](settings)


def _local(settings: Settings) -> ChatBackend:
    from .local import LocalChat

    return LocalChat(settings)


def _openai(settings: Settings) -> ChatBackend:
    from .openai_server import OpenAIChat

    return OpenAIChat(settings)


register_backend(AnswerMode.LOCAL, _local)
register_backend(AnswerMode.OPENAI, _openai)
