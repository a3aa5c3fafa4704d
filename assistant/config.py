"""Settings: every knob, read from the environment in this one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = PROJECT_ROOT / "seeds"
DEFAULT_INDEX_DIR = PROJECT_ROOT / "index"


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}")
    return value


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
    max_question_chars: int = 1000
    max_file_bytes: int = 20 * 1024 * 1024

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
            max_question_chars=_int(env, "ASSISTANT_MAX_QUESTION_CHARS", 1000),
            max_file_bytes=_int(env, "ASSISTANT_MAX_FILE_MB", 20) * 1024 * 1024,
        )

    def with_overrides(self, **changes) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
