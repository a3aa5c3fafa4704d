"""The local GGUF through llama.cpp: loaded once per process, its CPU code chosen for this machine.

llama.cpp applies the chat template stored in the GGUF, so any instruct GGUF works.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import GenerationError, ModelUnavailableError
from ..llama_cpu import cpu_backend
from ..local_model import model_name, model_path
from .base import Messages

# Answer prompts all begin with the same system prompt and example (~350 tokens), whose KV cache
# llama.cpp keeps when the next prompt on that context begins the same way. Other prompts (the
# rewrite of a follow-up) run on a context of their own so that they never evict it.
ANSWERS, OTHERS = "answers", "others"


def slot_for(messages: Messages) -> str:
    return ANSWERS if messages and messages[0].get("role") == "system" else OTHERS


@dataclass(frozen=True)
class Loaded:
    llama: Any
    lock: threading.Lock  # a Llama object holds one context: one generation at a time


@lru_cache(maxsize=4)
def load_llama(path: Path, n_ctx: int, n_threads: int, slot: str = ANSWERS) -> Loaded:
    """One loaded model per process, file and slot: loading maps 1 GB (shared between slots by the
    page cache) and costs about a second."""
    from llama_cpp import Llama

    cpu_backend(path)  # llama.cpp's CPU code for this machine, before the first model
    try:
        llama = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, verbose=False)
    except (ValueError, RuntimeError) as e:
        raise ModelUnavailableError(f"llama.cpp cannot load {path}: {e}") from None
    # Freed before the interpreter tears down the modules its finaliser needs (else a traceback at exit).
    atexit.register(llama.close)
    return Loaded(llama, threading.Lock())


class LocalChat:
    mode = "local"

    def __init__(self, settings: Settings) -> None:
        self.model = model_name(settings)
        self.context = settings.llm_context
        self._path, self._threads = model_path(settings), settings.llm_threads
        self.loaded(ANSWERS)  # load errors surface here, not at the first question

    def loaded(self, slot: str) -> Loaded:
        """The model and context that prompts of this slot run on (shared by every LocalChat of the file)."""
        return load_llama(self._path, self.context, self._threads, slot)

    def stream(self, messages: Messages, max_tokens: int) -> Iterator[str]:
        loaded = self.loaded(slot_for(messages))
        with loaded.lock:
            try:
                chunks = loaded.llama.create_chat_completion(
                    messages=list(messages), temperature=0.0, max_tokens=max_tokens, stream=True)
                for chunk in chunks:
                    text = chunk["choices"][0]["delta"].get("content")
                    if text:
                        yield text
            except ValueError as e:  # llama.cpp's way of saying the prompt does not fit
                raise GenerationError(
                    f"the question and passages do not fit the model's context of {self.context} tokens "
                    f"(ask with fewer passages, or raise ASSISTANT_LLM_CONTEXT): {e}") from None
