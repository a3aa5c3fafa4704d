"""The primary index: chunks and whole articles in Chroma, embedded under index/ or on a Chroma server.

`Store` is what ingestion and retrieval hold: it writes articles and chunks in an order a crash
cannot hurt, and hands out the writer's lock. The collections themselves are `store.chunks`
(below) and `store.articles` (records.py); the connection and its errors are chroma.py's.
Nothing here reads or writes the whole collection in one call.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np

from .analysis import VERSION as ANALYSIS_VERSION
from .analysis import dump_sentences, load_sentences
from .chroma import WHERE_IN, ChromaConnection, guarded
from .records import ArticleCollection, ArticleRecord
from .types import Article, Chunk

if TYPE_CHECKING:
    from chromadb.api.types import GetResult, Metadata, Where


def chunk_id(doc_id: str, content_hash: str, index: int) -> str:
    """Includes the article's hash, so a changed article gets new ids and the keyword index notices."""
    return f"{doc_id}::{content_hash[:12]}::{index}"


def split_chunk_id(cid: str) -> tuple[str, str, int]:
    doc_id, content_hash, index = cid.rsplit("::", 2)
    return doc_id, content_hash, int(index)


class ChunkCollection:
    """The chunks collection: each chunk's text, vector and analysed sentences, a few hundred articles per call."""

    def __init__(self, chroma: ChromaConnection) -> None:
        self.chroma = chroma
        self._chunks = chroma.chunks

    def of_articles(self, doc_ids: Sequence[str]) -> Iterator[Chunk]:
        """The stored chunks of these articles."""
        doc_ids = list(doc_ids)
        for i in range(0, len(doc_ids), WHERE_IN):
            part = doc_ids[i : i + WHERE_IN]
            got = self._page(where={"doc_id": {"$in": part}} if len(part) > 1 else {"doc_id": part[0]},
                             include=["documents", "metadatas"])
            yield from _present(got["ids"], got["documents"], got["metadatas"])

    def get(self, ids: Sequence[str]) -> dict[str, Chunk]:
        ids = list(ids)
        found: dict[str, Chunk] = {}
        for i in range(0, len(ids), WHERE_IN):
            got = self._page(ids=ids[i : i + WHERE_IN], include=["documents", "metadatas"])
            found.update((c.chunk_id, c) for c in _present(got["ids"], got["documents"], got["metadatas"]))
        return found

    @guarded
    def _page(self, **kwargs) -> GetResult:
        return self._chunks.get(**kwargs)

    @guarded
    def nearest(self, embedding, n: int) -> list[Chunk]:
        """The n nearest chunks, nearest first (fewer when the index holds fewer: Chroma returns what it has,
        so no count() first, which cost 7.6 ms a question at 100,000 chunks)."""
        got = self._chunks.query(query_embeddings=np.asarray([embedding], dtype=np.float32), n_results=n,
                                 include=["documents", "metadatas"])
        # Both are in `include`, so both are lists (an entry is None for a chunk deleted meanwhile).
        documents = cast("list[list[str | None]]", got["documents"])
        metadatas = cast("list[list[Metadata | None]]", got["metadatas"])
        return list(_present(got["ids"][0], documents[0], metadatas[0]))

    @guarded
    def add(self, items: Sequence[tuple[Article, Sequence[Chunk], np.ndarray]]) -> None:
        rows = [(article, chunk, vector) for article, chunks, vectors in items
                for chunk, vector in zip(chunks, vectors)]
        for i in range(0, len(rows), self.chroma.batch):
            part = rows[i : i + self.chroma.batch]
            self._chunks.upsert(
                ids=[chunk_id(a.doc_id, a.content_hash, c.index) for a, c, _ in part],
                embeddings=np.stack([v for _, _, v in part]).astype(np.float32),
                documents=[c.text for _, c, _ in part],
                metadatas=[{"doc_id": c.doc_id, "title": a.title, "start": c.start, "end": c.end,
                            "index": c.index, "analysis": ANALYSIS_VERSION, "sentences": dump_sentences(c.sentences)}
                           for a, c, _ in part],
            )

    @guarded
    def delete(self, doc_ids: Sequence[str]) -> None:
        """Every chunk of these articles."""
        for i in range(0, len(doc_ids), WHERE_IN):
            # mypy cannot match a dict literal to one member of Chroma's union of filter types
            where = cast("Where", {"doc_id": {"$in": list(doc_ids[i : i + WHERE_IN])}})
            self._chunks.delete(where=where)


class Store:
    """The primary index as ingestion and retrieval see it: crash-safe writes, the writer's lock, reads."""

    def __init__(self, index_dir: Path, embedding_model: str, dimension: int,
                 chroma_url: str | None = None, collection: str = "articles") -> None:
        self.chroma = ChromaConnection(index_dir, embedding_model, dimension, chroma_url, collection)
        self.articles = ArticleCollection(self.chroma)
        self.chunks = ChunkCollection(self.chroma)

    @property
    def where(self) -> str:
        return self.chroma.where

    @property
    def identity(self) -> str:
        return self.chroma.identity

    def writer_lock(self, timeout: float):
        """The context manager an ingest writes under: see locking.py."""
        from .locking import file_lock, lease

        if not self.chroma.chroma_url:
            return file_lock(self.chroma.index_dir, timeout)
        return lease(self.chroma.leases(), self.where, timeout, clock=self.chroma.server_time)

    def article(self, doc_id: str) -> Article:
        return self.articles.get(doc_id)

    def query(self, embedding, n: int) -> list[Chunk]:
        """The n nearest chunks, nearest first."""
        return self.chunks.nearest(embedding, n)

    def get_chunks(self, ids: Sequence[str]) -> dict[str, Chunk]:
        return self.chunks.get(ids)

    def put_articles(self, items: Sequence[tuple[Article, Sequence[Chunk], np.ndarray]],
                     replacing: Iterable[str] = ()) -> list[ArticleRecord]:
        """Write articles and their chunks in a few large calls, in an order a crash cannot hurt.

        1. each record is written with its new text and state "writing";
        2. the old chunks of the articles in `replacing` are deleted;
        3. the new chunks are added;
        4. each record is marked "complete".
        A crash leaves records in state "writing" whose text is already the new one, and the next
        ingest rewrites them from that text; readers never use an article that is not complete.
        """
        if not items:
            return []
        records = self.articles.begin(items)
        self.chunks.delete(list(replacing))
        self.chunks.add(items)
        return self.articles.complete(records)

    def delete_articles(self, doc_ids: Sequence[str]) -> list[ArticleRecord]:
        """Leave a tombstone (so other instances' catalogues hear of the deletion), then drop the chunks."""
        doc_ids = list(doc_ids)
        tombstones = []
        for i in range(0, len(doc_ids), WHERE_IN):
            part = doc_ids[i : i + WHERE_IN]
            tombstones += self.articles.tombstone(part)
            self.chunks.delete(part)
        return tombstones


def _present(ids, documents, metadatas) -> Iterator[Chunk]:
    """The chunks of a Chroma answer, less those another process deleted while it was being read
    (their id comes back without a text or metadata). A chunk analysed by another version of
    analysis.py comes back without sentences: the catalogue has its article rewritten."""
    for cid, text, m in zip(ids, documents, metadatas):
        if m is not None and text is not None:
            current = m.get("analysis") == ANALYSIS_VERSION
            yield Chunk(chunk_id=cid, doc_id=m["doc_id"], title=m.get("title", ""), text=text, start=int(m["start"]),
                        end=int(m["end"]), index=int(m.get("index", split_chunk_id(cid)[2])),
                        sentences=load_sentences(m["sentences"]) if current else ())
