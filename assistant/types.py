"""The plain records passed between pipeline stages.

Offsets are always character offsets into `Article.text`, the exact text the
article was loaded as, so `article.text[start:end]` reproduces any chunk,
passage or quote.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np


class _Serialisable:
    def to_dict(self) -> dict:
        return asdict(self)  # type: ignore[call-overload]

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)


@dataclass(frozen=True)
class Article(_Serialisable):
    doc_id: str
    title: str
    text: str
    source: str = ""
    url: str = ""
    published: str = ""
    path: str = ""  # the file it was loaded from

    @property
    def content_hash(self) -> str:
        """Changes whenever anything that ends up in the index changes."""
        h = hashlib.sha256()
        for part in (self.title, self.source, self.url, self.published, self.text):
            h.update(part.encode("utf-8"))
            h.update(b"\x00")
        return h.hexdigest()


@dataclass(frozen=True)
class Chunk(_Serialisable):
    doc_id: str
    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Passage(_Serialisable):
    """A retrieved chunk, with where it ranked."""

    chunk_id: str
    doc_id: str
    title: str
    text: str
    start: int
    end: int
    score: float  # fused reciprocal-rank score: higher is better
    dense_rank: int | None = None
    keyword_rank: int | None = None


@dataclass(frozen=True)
class Citation(_Serialisable):
    """A verbatim quote: `quote == article.text[start:end]` is checked before one is shown."""

    number: int
    doc_id: str
    title: str
    quote: str
    start: int
    end: int


@dataclass(frozen=True)
class Answer(_Serialisable):
    question: str
    text: str
    citations: tuple[Citation, ...] = ()
    refused: bool = False
    mode: str = "extractive"
    model: str | None = None
    notice: str | None = None  # e.g. why a fallback answered
    rewritten_question: str | None = None
    unsupported: tuple[str, ...] = ()  # answer sentences no passage supports
    unverified_quotes: tuple[str, ...] = ()  # quoted text not found in any cited article
    passages: tuple[Passage, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Skipped(_Serialisable):
    path: str
    reason: str


@dataclass(frozen=True)
class IngestReport(_Serialisable):
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    conflicts: tuple[str, ...] = ()  # doc_ids refused because an article from another file has them
    chunks: int = 0  # chunks in the index after ingesting

    def summary(self) -> str:
        refused = f" ({len(self.conflicts)} of them: id already taken)" if self.conflicts else ""
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed, "
            f"{len(self.skipped)} skipped{refused}; {self.chunks} chunks indexed"
        )


class Embedder(Protocol):
    """What the pipeline needs of an embedding model; the store records `model_name` and refuses
    an index built with another."""

    model_name: str

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: list[str]) -> "np.ndarray": ...
