"""Any OpenAI-compatible server: retried with exponential backoff on 429, 5xx and dropped connections.

When it still fails, or stays silent past the timeout, it raises GenerationError naming the server
(without secrets) and the caller falls back to the quotes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any, cast
from urllib.parse import urlsplit

import openai  # this module is imported only when the openai mode is first used

from ..config import Settings, shown_url
from ..errors import ConfigError, GenerationError
from .base import Messages

OPENAI_DEFAULT_URL = "https://api.openai.com/v1"
PLACEHOLDER_KEY = "not-needed"  # local servers ignore the key, but the openai client insists on one


class OpenAIChat:
    mode = "openai"

    def __init__(self, settings: Settings) -> None:
        if not settings.openai_configured:
            raise ConfigError("the openai mode needs a server: set OPENAI_BASE_URL, OPENAI_API_KEY or both")
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
                    model=self.model, messages=cast(Any, list(messages)), temperature=0.0, max_tokens=max_tokens,
                    stream=True)
                for chunk in chunks:
                    text = chunk.choices[0].delta.content if chunk.choices else None
                    if text:
                        started = True
                        yield text
                return
            except openai.APIError as e:
                if started or attempt == self.retries or not self._retryable(e):
                    raise GenerationError(self._describe(e, attempt + 1)) from None
            time.sleep(self.retry_delay * 2**attempt)

    def _retryable(self, error: Exception) -> bool:
        """Overload, server faults and dropped connections pass; a timeout would only make the user wait again."""
        if isinstance(error, openai.APITimeoutError):
            return False
        if isinstance(error, openai.APIConnectionError):
            return True
        status = getattr(error, "status_code", None)
        return status is not None and (status == 429 or status >= 500)

    def _describe(self, error: Exception, attempts: int) -> str:
        where = f"the model server at {shown_url(self.url)}"
        tries = f" ({attempts} attempts)" if attempts > 1 else ""
        if isinstance(error, openai.APITimeoutError):
            return f"{where} did not answer within {self.timeout:g} s (ASSISTANT_LLM_TIMEOUT)"
        if isinstance(error, openai.APIConnectionError):
            return f"{where} could not be reached or dropped the connection{tries}"
        status = getattr(error, "status_code", None)
        message = " ".join(str(getattr(error, "message", error)).split())
        message = re.sub(r"^Error code: \d+ - ", "", message)[:200]  # the status is said already
        for secret in self._secrets:
            message = message.replace(secret, "***")
        if status is not None:
            return f"{where} answered HTTP {status}{tries}: {message}"
        return f"{where} failed: {message}"
