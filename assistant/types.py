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
class Said(_Serialisable):
    """A statement inside a sentence, and who made it (see attribution.py)."""

    speaker: str  # one key per person or outlet across forms and articles: "lavrov", "guardian"
    speaker_name: str  # the fullest name the article gives: "Sergei Lavrov"
    as_written: str  # the words that name the speaker here: "Lavrov", "He", "the minister", "" inside a quote
    role: str  # descriptions kept beside the name: "Russian Foreign Minister"
    kind: str  # direct, reported, continuation, multi (a quote running on), outlet or unnamed
    start: int  # the statement itself: article.text[start:end]
    end: int


@dataclass(frozen=True)
class Sentence(_Serialisable):
    """One sentence of an article with what analysis.py found in it, once, at ingest."""

    start: int
    end: int
    names: tuple[str, ...] = ()  # capitalised names as written, the sentence's first word only when a name
    numbers: tuple[str, ...] = ()  # as digits: "two" is "2", "1,200" is "1200"
    said: tuple[Said, ...] = ()
    # Starts inside a quotation the sentence before opened, in the same paragraph: the two are one
    # quotation (“We want this. Putin doesn’t want it,” he said.), quoted and read together.
    continues: bool = False


@dataclass(frozen=True)
class Chunk(_Serialisable):
    """A slice of an article that is embedded and searched: `text == article.text[start:end]`, with the
    analysed sentences that overlap it."""

    doc_id: str
    index: int
    start: int
    end: int
    text: str
    title: str = ""
    sentences: tuple[Sentence, ...] = ()
    chunk_id: str = ""  # given by the store: doc_id, content hash, index


@dataclass(frozen=True)
class Passage(Chunk):
    """A retrieved chunk, with where it ranked."""

    score: float = 0.0  # fused reciprocal-rank score: higher is better
    dense_rank: int | None = None
    keyword_rank: int | None = None

    def inside(self) -> list[Sentence]:
        """The sentences wholly inside the passage."""
        return [s for s in self.sentences if s.start >= self.start and s.end <= self.end]

    def before(self, sentence: Sentence) -> Sentence | None:
        """The analysed sentence just before this one (which may start before the passage does)."""
        earlier = [s for s in self.sentences if s.end <= sentence.start]
        return earlier[-1] if earlier else None

    def quotation(self, sentence: Sentence) -> list[Sentence]:
        """The analysed sentences that make one quotation with this one (see `Sentence.continues`), in
        reading order; just the sentence when it stands alone. Of the sentences stored with the chunk, which
        include those it cuts at its ends."""
        sentences = self.sentences
        at = next((i for i, s in enumerate(sentences) if s.start == sentence.start), None)
        if at is None:
            return [sentence]
        first = at
        while first > 0 and sentences[first].continues:
            first -= 1
        last = at
        while last + 1 < len(sentences) and sentences[last + 1].continues:
            last += 1
        return list(sentences[first : last + 1])

    def quote(self, start: int, end: int) -> str:
        return self.text[start - self.start : end - self.start]


@dataclass(frozen=True)
class Statement(_Serialisable):
    """What `Assistant.statements()` returns: a statement with its speaker and where it stands."""

    speaker: str
    speaker_name: str
    name_as_written: str
    role: str
    kind: str
    doc_id: str
    title: str
    published: str
    start: int
    end: int
    quote: str  # == article.text[start:end]
    sentence_start: int
    sentence_end: int
    score: float = 0.0  # relevance to `about`


@dataclass(frozen=True)
class Speaker(_Serialisable):
    """Who is quoted, how often and where: `Assistant.speakers()`."""

    speaker: str
    name: str  # the fullest name any article gives
    roles: tuple[str, ...]
    statements: int
    doc_ids: tuple[str, ...]


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

    def embed(self, texts: list[str]) -> np.ndarray: ...
