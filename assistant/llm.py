"""Chat backends: the local GGUF through llama.cpp, or any OpenAI-compatible server.

Both do one thing, stream the text of a chat completion at temperature 0, so the
answering code does not care which one runs. A server that fails (429, 5xx, a
dropped connection) is retried a few times with exponential backoff; when it
still fails, or stays silent past the timeout, the backend raises
GenerationError and the caller falls back to the extractive answer.
"""

from __future__ import annotations

import atexit
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from .config import Settings, shown_url
from .errors import ConfigError, GenerationError, ModelUnavailableError
from .llama_cpu import cpu_backend
from .local_model import model_name, model_path

Messages = Sequence[Mapping[str, str]]
OPENAI_DEFAULT_URL = "https://api.openai.com/v1"
PLACEHOLDER_KEY = "not-needed"  # local servers ignore the key, but the openai client insists on one


class ChatBackend(Protocol):
    mode: str
    model: str

    def stream(self, messages: Messages, max_tokens: int) -> Iterator[str]:
        """Yield the answer's text as it is generated."""
        ...


def complete(backend: ChatBackend, messages: Messages, max_tokens: int) -> str:
    return "".join(backend.stream(messages, max_tokens))


# --- local: llama.cpp ---------------------------------------------------------------------


# Answer prompts all begin with the same system prompt and example (~350 tokens), whose KV cache
# llama.cpp keeps when the next prompt on that context begins the same way. Other prompts (the
# rewrite of a follow-up) run on a context of their own so that they never evict it.
ANSWERS, OTHERS = "answers", "others"


def slot_for(messages: Messages) -> str:
    return ANSWERS if messages and messages[0].get("role") == "system" else OTHERS


@dataclass(frozen=True)
class _Loaded:
    llama: Any
    lock: threading.Lock  # a Llama object holds one context: one generation at a time


@lru_cache(maxsize=4)
def _load_llama(path: Path, n_ctx: int, n_threads: int, slot: str = ANSWERS) -> _Loaded:
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
    return _Loaded(llama, threading.Lock())


class LocalChat:
    """llama.cpp applies the chat template stored in the GGUF, so any instruct GGUF works."""

    mode = "local"

    def __init__(self, settings: Settings) -> None:
        self.model = model_name(settings)
        self.context = settings.llm_context
        path = model_path(settings)
        self._load = lambda slot: _load_llama(path, settings.llm_context, settings.llm_threads, slot)
        self._load(ANSWERS)  # load errors surface here, not at the first question

    def stream(self, messages: Messages, max_tokens: int) -> Iterator[str]:
        loaded = self._load(slot_for(messages))
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


# --- any OpenAI-compatible server ------------------------------------------------------------


class OpenAIChat:
    mode = "openai"

    def __init__(self, settings: Settings) -> None:
        import openai

        if not settings.openai_configured:
            raise ConfigError("the openai mode needs a server: set OPENAI_BASE_URL, OPENAI_API_KEY or both")
        self._openai = openai
        self.model = settings.openai_model
        self.url = settings.openai_base_url or OPENAI_DEFAULT_URL
        parts = urlsplit(self.url)
        self._secrets = [x for x in (settings.openai_api_key, parts.password, parts.username, parts.query) if x]
        self.timeout = settings.llm_timeout
        self.retries = settings.llm_retries
        self.retry_delay = settings.llm_retry_delay
        # The client's own retries are off: ours also cover a stream that fails before its first token.
        self._client = openai.OpenAI(api_key=settings.openai_api_key or PLACEHOLDER_KEY, base_url=self.url,
                                     timeout=settings.llm_timeout, max_retries=0)

    def stream(self, messages: Messages, max_tokens: int) -> Iterator[str]:
        for attempt in range(self.retries + 1):
            started = False
            try:
                chunks = self._client.chat.completions.create(
                    model=self.model, messages=list(messages), temperature=0.0, max_tokens=max_tokens, stream=True)
                for chunk in chunks:
                    text = chunk.choices[0].delta.content if chunk.choices else None
                    if text:
                        started = True
                        yield text
                return
            except self._openai.APIError as e:
                if started or attempt == self.retries or not self._retryable(e):
                    raise GenerationError(self._describe(e, attempt + 1)) from None
            time.sleep(self.retry_delay * 2**attempt)

    def _retryable(self, error: Exception) -> bool:
        """Overload, server faults and dropped connections pass; a timeout would only make the user wait again."""
        if isinstance(error, self._openai.APITimeoutError):
            return False
        if isinstance(error, self._openai.APIConnectionError):
            return True
        status = getattr(error, "status_code", None)
        return status is not None and (status == 429 or status >= 500)

    def _describe(self, error: Exception, attempts: int) -> str:
        where = f"the model server at {shown_url(self.url)}"
        tries = f" ({attempts} attempts)" if attempts > 1 else ""
        if isinstance(error, self._openai.APITimeoutError):
            return f"{where} did not answer within {self.timeout:g} s (ASSISTANT_LLM_TIMEOUT)"
        if isinstance(error, self._openai.APIConnectionError):
            return f"{where} could not be reached or dropped the connection{tries}"
        status = getattr(error, "status_code", None)
        message = " ".join(str(getattr(error, "message", error)).split())
        message = re.sub(r"^Error code: \d+ - ", "", message)[:200]  # the status is said already
        for secret in self._secrets:
            message = message.replace(secret, "***")
        if status is not None:
            return f"{where} answered HTTP {status}{tries}: {message}"
        return f"{where} failed: {message}"


def make_backend(mode: str, settings: Settings) -> ChatBackend:
    if mode == "local":
        return LocalChat(settings)
    if mode == "openai":
        return OpenAIChat(settings)
    raise ValueError(f"no chat backend for mode {mode!r}")
