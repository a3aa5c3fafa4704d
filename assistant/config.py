"""Settings: every knob, read from the environment in this one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = PROJECT_ROOT / "seeds"
DEFAULT_INDEX_DIR = PROJECT_ROOT / "index"
DEFAULT_MODEL_DIR = Path("~/.cache/assistant/models")
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
ANSWER_MODES = ("extractive", "local", "openai")


def shown_url(url: str) -> str:
    """A URL as messages may print it: without a user name, password or query, which can hold secrets
    (http://user:KEY@host/v1?api_key=KEY becomes http://host/v1)."""
    parts = urlsplit(url if "://" in url else f"//{url}")
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    scheme = f"{parts.scheme}://" if parts.scheme else ""
    return f"{scheme}{host}{port}{parts.path}"


def _number(env: Mapping[str, str], name: str, default, minimum, parse, what: str):
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = parse(raw)
    except ValueError:
        raise ConfigError(f"{name} must be {what}, not {raw!r}") from None
    if not value >= minimum:  # also rejects nan
        raise ConfigError(f"{name} must be at least {minimum:g}, not {raw}")
    return value


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    return _number(env, name, default, minimum, int, "a whole number")


def _float(env: Mapping[str, str], name: str, default: float, minimum: float = 0.0) -> float:
    return _number(env, name, default, minimum, float, "a number")


def _text(env: Mapping[str, str], *names: str) -> str | None:
    """The first of these variables that is set to something other than blanks."""
    return next((value.strip() for name in names if (value := env.get(name) or "").strip()), None)


def _mode(env: Mapping[str, str]) -> str | None:
    mode = _text(env, "ASSISTANT_MODE")
    if mode is not None and mode not in ANSWER_MODES:
        raise ConfigError(f"ASSISTANT_MODE must be one of {', '.join(ANSWER_MODES)}, not {mode!r}")
    return mode


@dataclass(frozen=True)
class Settings:
    """What the assistant reads, where it keeps its index, and its limits."""

    index_dir: Path = DEFAULT_INDEX_DIR
    corpus: tuple[Path, ...] = (DEFAULT_CORPUS,)
    chroma_url: str | None = None  # a Chroma server instead of the embedded index
    collection: str = "articles"
    embedding_model: str = "all-MiniLM-L6-v2-int8"
    top_k: int = 5
    chunk_tokens: int = 180  # MiniLM reads at most 256 word pieces; leave headroom
    chunk_overlap_tokens: int = 40
    ingest_batch_chunks: int = 1024  # chunks embedded and written together: sorted by length, lost together in a crash
    max_question_chars: int = 1000
    max_file_bytes: int = 20 * 1024 * 1024
    lock_timeout: float = 600.0  # seconds an ingest waits for another one writing to the same index
    attribute: bool = True  # who said what, at ingest (attribution.py); off only to measure what it costs
    # Answering with a language model (see docs/llm.md).
    mode: str | None = None  # None: a configured server, else the local model if installed, else extractive
    model_path: Path | None = None  # any GGUF file instead of the bundled Qwen2.5 1.5B
    model_dir: Path = field(default_factory=DEFAULT_MODEL_DIR.expanduser)  # where the bundled model's parts are joined, once
    llm_threads: int = 2
    llm_context: int = 4096
    max_answer_tokens: int = 384
    openai_base_url: str | None = None
    openai_api_key: str | None = field(default=None, repr=False)
    openai_model: str = DEFAULT_OPENAI_MODEL
    llm_timeout: float = 60.0  # seconds a server may stay silent before we give up on it
    llm_retries: int = 2  # further attempts after a 429, a 5xx or a failed connection
    llm_retry_delay: float = 0.5  # seconds before the first retry; doubled for each next one
    # The chat UI's login (see docs/ui.md): both set, or neither for no login.
    ui_user: str | None = None
    ui_password: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        corpus_raw = env.get("ASSISTANT_CORPUS")
        if corpus_raw is None:
            corpus: tuple[Path, ...] = (DEFAULT_CORPUS,)
        else:
            corpus = tuple(Path(p).expanduser() for p in corpus_raw.split(os.pathsep) if p.strip())
        return cls(
            index_dir=Path(env.get("ASSISTANT_INDEX_DIR") or DEFAULT_INDEX_DIR).expanduser(),
            corpus=corpus,
            chroma_url=(env.get("ASSISTANT_CHROMA_URL") or "").strip() or None,
            collection=(env.get("ASSISTANT_COLLECTION") or "articles").strip(),
            top_k=_int(env, "ASSISTANT_TOP_K", 5),
            chunk_tokens=_int(env, "ASSISTANT_CHUNK_TOKENS", 180, minimum=16),
            chunk_overlap_tokens=_int(env, "ASSISTANT_CHUNK_OVERLAP", 40, minimum=0),
            ingest_batch_chunks=_int(env, "ASSISTANT_INGEST_BATCH", 1024),
            max_question_chars=_int(env, "ASSISTANT_MAX_QUESTION_CHARS", 1000),
            max_file_bytes=_int(env, "ASSISTANT_MAX_FILE_MB", 20) * 1024 * 1024,
            lock_timeout=_float(env, "ASSISTANT_LOCK_TIMEOUT", 600.0),
            mode=_mode(env),
            model_path=Path(path).expanduser() if (path := _text(env, "ASSISTANT_MODEL_PATH")) else None,
            model_dir=Path(_text(env, "ASSISTANT_MODEL_DIR") or DEFAULT_MODEL_DIR).expanduser(),
            llm_threads=_int(env, "ASSISTANT_LLM_THREADS", 2),
            llm_context=_int(env, "ASSISTANT_LLM_CONTEXT", 4096, minimum=512),
            max_answer_tokens=_int(env, "ASSISTANT_MAX_ANSWER_TOKENS", 384, minimum=16),
            openai_base_url=_text(env, "OPENAI_BASE_URL"),
            openai_api_key=_text(env, "OPENAI_API_KEY"),
            openai_model=_text(env, "ASSISTANT_OPENAI_MODEL", "OPENAI_MODEL") or DEFAULT_OPENAI_MODEL,
            llm_timeout=_float(env, "ASSISTANT_LLM_TIMEOUT", 60.0, minimum=0.01),
            llm_retries=_int(env, "ASSISTANT_LLM_RETRIES", 2, minimum=0),
            llm_retry_delay=_float(env, "ASSISTANT_LLM_RETRY_DELAY", 0.5),
            ui_user=_text(env, "ASSISTANT_UI_USER"),
            ui_password=env.get("ASSISTANT_UI_PASSWORD") or None,  # not stripped: spaces may be part of it
        )

    @property
    def openai_configured(self) -> bool:
        """A server counts as configured as soon as either its address or a key is set."""
        return bool(self.openai_base_url or self.openai_api_key)

    def with_overrides(self, **changes) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
