"""Article records: each article kept whole in Chroma's articles collection, with its state.

The text is kept so citations can be checked against it and the local catalogue rebuilt from
Chroma alone. Each record carries a state and the time it was written: that is the change feed
every app instance's catalogue follows, and how a crash mid-write is found again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .chroma import PAGE, ChromaConnection, guarded
from .errors import DocumentNotFoundError
from .types import Article, Chunk

if TYPE_CHECKING:
    from chromadb.api.types import GetResult

COMPLETE, WRITING, DELETED = "complete", "writing", "deleted"


@dataclass(frozen=True)
class ArticleRecord:
    doc_id: str
    title: str = ""
    source: str = ""
    url: str = ""
    published: str = ""
    path: str = ""
    content_hash: str = ""
    n_chunks: int = 0
    state: str = COMPLETE  # WRITING while its chunks are being replaced; DELETED for a tombstone
    updated_at: float = 0.0  # when this record was last written: the change feed catalogues follow


class ArticleCollection:
    """The articles collection: whole texts and their records, read page by page, never all at once."""

    def __init__(self, chroma: ChromaConnection) -> None:
        self.chroma = chroma
        self._articles = chroma.articles

    @guarded
    def count(self) -> int:
        """Article records of every state (tombstones too): one cheap call, to notice a catalogue out of step."""
        return self._articles.count()

    def records(self, since: float | None = None) -> Iterator[ArticleRecord]:
        """Article records (every state), page by page.

        `since`: only records written at or after that time (`updated_at`), the change feed
        the local catalogue follows. Records from before `updated_at` existed count as 0.
        """
        where = {"updated_at": {"$gte": since}} if since is not None else None
        offset = 0
        while True:
            got = self._page(where=where, limit=PAGE, offset=offset, include=["metadatas"])
            yield from (_record(i, m) for i, m in zip(got["ids"], got["metadatas"] or []))
            if len(got["ids"]) < PAGE:
                return
            offset += PAGE

    @guarded
    def _page(self, **kwargs) -> GetResult:
        return self._articles.get(**kwargs)

    @guarded
    def get(self, doc_id: str) -> Article:
        got = self._articles.get(ids=[doc_id], include=["metadatas", "documents"])
        # Both are in `include`, so both are lists; the values are the strings _metadata wrote.
        metadatas = cast("list[Mapping[str, Any]]", got["metadatas"])
        documents = cast("list[str]", got["documents"])
        if not got["ids"] or (metadatas[0] or {}).get("state") == DELETED:
            raise DocumentNotFoundError(f"no article with doc_id {doc_id!r} is indexed")
        m = metadatas[0]
        return Article(doc_id=doc_id, title=m.get("title", ""), text=documents[0],
                       source=m.get("source", ""), url=m.get("url", ""),
                       published=m.get("published", ""), path=m.get("path", ""))

    @guarded
    def begin(self, items: Sequence[tuple[Article, Sequence[Chunk], np.ndarray]]) -> list[ArticleRecord]:
        """Write each article's new text with its record in state "writing"; returns the records."""
        records = [_new_record(article, chunks, WRITING) for article, chunks, _ in items]
        for i in range(0, len(items), self.chroma.batch):
            part = items[i : i + self.chroma.batch]
            centroids = np.stack([vectors.mean(axis=0) for _, _, vectors in part])  # Chroma needs a vector
            centroids /= np.clip(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12, None)
            self._articles.upsert(ids=[a.doc_id for a, _, _ in part], embeddings=centroids.astype(np.float32),
                                  documents=[a.text for a, _, _ in part],
                                  metadatas=[_metadata(r) for r in records[i : i + self.chroma.batch]])
        return records

    @guarded
    def complete(self, records: Sequence[ArticleRecord]) -> list[ArticleRecord]:
        """Mark these records complete, now: readers may use their articles from here on."""
        records = [replace(r, state=COMPLETE, updated_at=time.time()) for r in records]
        self._articles.update(ids=[r.doc_id for r in records], metadatas=[_metadata(r) for r in records])
        return records

    @guarded
    def tombstone(self, doc_ids: Sequence[str]) -> list[ArticleRecord]:
        """Mark these articles deleted (at most WHERE_IN of them), so other instances' catalogues hear of it."""
        now = time.time()
        tombstones = [ArticleRecord(doc_id=d, state=DELETED, updated_at=now) for d in doc_ids]
        self._articles.update(ids=list(doc_ids), metadatas=[_metadata(t) for t in tombstones])
        return tombstones


def _new_record(article: Article, chunks: Sequence[Chunk], state: str) -> ArticleRecord:
    return ArticleRecord(doc_id=article.doc_id, title=article.title, source=article.source, url=article.url,
                         published=article.published, path=article.path, content_hash=article.content_hash,
                         n_chunks=len(chunks), state=state, updated_at=time.time())


def _metadata(r: ArticleRecord) -> dict:
    return {"title": r.title, "source": r.source, "url": r.url, "published": r.published, "path": r.path,
            "content_hash": r.content_hash, "n_chunks": r.n_chunks, "state": r.state, "updated_at": r.updated_at}


def _record(doc_id: str, m: dict | None) -> ArticleRecord:
    m = m or {}
    return ArticleRecord(doc_id=doc_id, title=m.get("title", ""), source=m.get("source", ""),
                         url=m.get("url", ""), published=m.get("published", ""), path=m.get("path", ""),
                         content_hash=m.get("content_hash", ""), n_chunks=int(m.get("n_chunks", -1)),
                         # Indexes written before the state protocol only ever held finished articles.
                         state=m.get("state", COMPLETE), updated_at=float(m.get("updated_at", 0.0)))
