"""The primary index: chunks and articles in Chroma, embedded under index/ or on a Chroma server.

Embeddings are always passed in: Chroma's own default embedder downloads a model.
Articles are kept whole (text and metadata) in a second collection, so citations
can be checked against the exact text and the local catalogue rebuilt from Chroma alone.
Each article record carries a state and the time it was written: that is the change
feed every app instance's catalogue follows, and how a crash mid-write is found again.
Nothing here reads or writes the whole collection in one call.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from .analysis import VERSION as ANALYSIS_VERSION, dump_sentences, load_sentences
from .config import shown_url
from .errors import ConfigError, DocumentNotFoundError, IndexUnusableError, StoreUnavailableError
from .types import Article, Chunk

COMPLETE, WRITING, DELETED = "complete", "writing", "deleted"
PAGE = 2000  # records or chunks per read: far below SQLite's variable limit, which one whole-index get() passed
WHERE_IN = 500  # ids or doc_ids per call


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


def chunk_id(doc_id: str, content_hash: str, index: int) -> str:
    """Includes the article's hash, so a changed article gets new ids and the keyword index notices."""
    return f"{doc_id}::{content_hash[:12]}::{index}"


def split_chunk_id(cid: str) -> tuple[str, str, int]:
    doc_id, content_hash, index = cid.rsplit("::", 2)
    return doc_id, content_hash, int(index)


def _is_connection_error(error: BaseException) -> bool:
    names = {type(e).__name__ for e in _chain(error)}
    return bool(names & {"ConnectError", "ConnectTimeout", "ReadTimeout", "RemoteProtocolError",
                         "ConnectionError", "ConnectionRefusedError", "ReadError", "WriteError"}) or any(
        "Could not connect" in str(e) for e in _chain(error))


def _chain(error: BaseException | None):
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


def _guarded(method):
    """Turn whatever Chroma raises into one line the user can act on."""

    @functools.wraps(method)
    def wrapper(self: Store, *args, **kwargs):
        return self._guard(lambda: method(self, *args, **kwargs))

    return wrapper


class Store:
    def __init__(self, index_dir: Path, embedding_model: str, dimension: int,
                 chroma_url: str | None = None, collection: str = "articles") -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        self.index_dir = Path(index_dir)
        self.chroma_url = chroma_url
        self.embedding_model = embedding_model
        if not 3 <= len(collection) <= 500:
            raise ConfigError("ASSISTANT_COLLECTION must be 3 to 500 characters long")
        self._name = collection
        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        try:
            if chroma_url:
                url = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
                if not url.hostname:
                    raise ConfigError(f"ASSISTANT_CHROMA_URL {shown_url(chroma_url)!r} is not a URL like "
                                      "http://127.0.0.1:8000")
                self._client = chromadb.HttpClient(
                    host=url.hostname, port=url.port or (443 if url.scheme == "https" else 8000),
                    ssl=url.scheme == "https", settings=chroma_settings,
                )
            else:
                self.index_dir.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(path=str(self.index_dir / "chroma"), settings=chroma_settings)
            meta = {"embedding_model": embedding_model, "dimension": dimension}
            self._chunks = self._client.get_or_create_collection(
                f"{collection}_chunks", metadata=meta, configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
            self._articles = self._client.get_or_create_collection(
                f"{collection}_articles", metadata=meta, configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
        except ConfigError:
            raise
        except Exception as e:  # noqa: BLE001
            raise self._translate(e) from e
        self._batch = min(self._client.get_max_batch_size(), PAGE)
        built_with = (self._chunks.metadata or {}).get("embedding_model")
        if built_with != embedding_model:
            raise IndexUnusableError(
                f"the index at {self.where} was built with the embedding model {built_with!r}, "
                f"but this assistant uses {embedding_model!r}; re-index: "
                f"move the index aside (or set ASSISTANT_INDEX_DIR to a new folder) and run `assistant ingest`"
            )

    def writer_lock(self, timeout: float):
        """The context manager an ingest writes under: see locking.py."""
        from .locking import file_lock, lease

        if not self.chroma_url:
            return file_lock(self.index_dir, timeout)
        leases = self._guard(lambda: self._client.get_or_create_collection(
            f"{self._name}_leases", embedding_function=None))
        return lease(_Guarded(leases, self), self.where, timeout,
                     clock=lambda: self._guard(self._client.heartbeat) / 1e9)  # the server's clock, in seconds

    def _guard(self, call):
        """Run a Chroma call; whatever it raises becomes one line the user can act on."""
        try:
            return call()
        except (IndexUnusableError, StoreUnavailableError, DocumentNotFoundError):
            raise
        except Exception as e:  # noqa: BLE001 - the whole point is to translate
            raise self._translate(e) from e

    @property
    def where(self) -> str:
        return shown_url(self.chroma_url) if self.chroma_url else str(self.index_dir)

    @property
    def identity(self) -> str:
        """Names this very collection: a catalogue built from another (a recreated one, another server) is
        rebuilt. An embedded index is named by its collection alone, so a copied or moved index folder
        keeps its catalogue (rebuilding it costs minutes at 100,000 chunks)."""
        return f"{self.where if self.chroma_url else 'embedded'}#{self._chunks.id}"

    def _translate(self, error: Exception) -> Exception:
        detail = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
        if self.chroma_url and _is_connection_error(error):
            return StoreUnavailableError(
                f"the Chroma server at {self.where} is not reachable ({detail}); "
                "start it, or unset ASSISTANT_CHROMA_URL to use the local index"
            )
        return IndexUnusableError(
            f"the index at {self.where} cannot be used ({detail}); nothing was changed: "
            "move it aside and run `assistant ingest` to build a new one"
        )

    # --- articles -------------------------------------------------------------------

    @_guarded
    def count_records(self) -> int:
        """Article records of every state (tombstones too): one cheap call, to notice a catalogue out of step."""
        return self._articles.count()

    def records(self, since: float | None = None) -> Iterator[ArticleRecord]:
        """Article records (every state), page by page: never the whole collection in one call.

        `since`: only records written at or after that time (`updated_at`), the change feed
        the local catalogue follows. Records from before `updated_at` existed count as 0.
        """
        where = {"updated_at": {"$gte": since}} if since is not None else None
        offset = 0
        while True:
            got = self._page(self._articles, where=where, limit=PAGE, offset=offset, include=["metadatas"])
            yield from (_record(i, m) for i, m in zip(got["ids"], got["metadatas"] or []))
            if len(got["ids"]) < PAGE:
                return
            offset += PAGE

    @_guarded
    def _page(self, collection, **kwargs) -> dict:
        return collection.get(**kwargs)

    @_guarded
    def article(self, doc_id: str) -> Article:
        got = self._articles.get(ids=[doc_id], include=["metadatas", "documents"])
        if not got["ids"] or (got["metadatas"][0] or {}).get("state") == DELETED:
            raise DocumentNotFoundError(f"no article with doc_id {doc_id!r} is indexed")
        m = got["metadatas"][0]
        return Article(doc_id=doc_id, title=m.get("title", ""), text=got["documents"][0],
                       source=m.get("source", ""), url=m.get("url", ""),
                       published=m.get("published", ""), path=m.get("path", ""))

    @_guarded
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
        records = [_new_record(article, chunks, WRITING) for article, chunks, _ in items]
        self._upsert_records(items, records)
        replacing = list(replacing)
        for i in range(0, len(replacing), WHERE_IN):
            self._chunks.delete(where={"doc_id": {"$in": replacing[i : i + WHERE_IN]}})
        rows = [(article, chunk, vector) for article, chunks, vectors in items
                for chunk, vector in zip(chunks, vectors)]
        for i in range(0, len(rows), self._batch):
            part = rows[i : i + self._batch]
            self._chunks.upsert(
                ids=[chunk_id(a.doc_id, a.content_hash, c.index) for a, c, _ in part],
                embeddings=np.stack([v for _, _, v in part]).astype(np.float32),
                documents=[c.text for _, c, _ in part],
                metadatas=[{"doc_id": c.doc_id, "title": a.title, "start": c.start, "end": c.end,
                            "index": c.index, "analysis": ANALYSIS_VERSION, "sentences": dump_sentences(c.sentences)}
                           for a, c, _ in part],
            )
        records = [replace(r, state=COMPLETE, updated_at=time.time()) for r in records]
        self._articles.update(ids=[r.doc_id for r in records], metadatas=[_metadata(r) for r in records])
        return records

    def _upsert_records(self, items, records: list[ArticleRecord]) -> None:
        for i in range(0, len(items), self._batch):
            part = items[i : i + self._batch]
            centroids = np.stack([vectors.mean(axis=0) for _, _, vectors in part])  # Chroma needs a vector
            centroids /= np.clip(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12, None)
            self._articles.upsert(ids=[a.doc_id for a, _, _ in part], embeddings=centroids.astype(np.float32),
                                  documents=[a.text for a, _, _ in part],
                                  metadatas=[_metadata(r) for r in records[i : i + self._batch]])

    @_guarded
    def delete_articles(self, doc_ids: Sequence[str]) -> list[ArticleRecord]:
        """Leave a tombstone (so other instances' catalogues hear of the deletion), then drop the chunks."""
        doc_ids = list(doc_ids)
        tombstones = []
        for i in range(0, len(doc_ids), WHERE_IN):
            part = doc_ids[i : i + WHERE_IN]
            now = time.time()
            tombstones += [ArticleRecord(doc_id=d, state=DELETED, updated_at=now) for d in part]
            self._articles.update(ids=part, metadatas=[_metadata(t) for t in tombstones[-len(part):]])
            self._chunks.delete(where={"doc_id": {"$in": part}})
        return tombstones

    # --- chunks ---------------------------------------------------------------------

    def chunks_of(self, doc_ids: Sequence[str]) -> Iterator[Chunk]:
        """The stored chunks of these articles, a few hundred articles per call."""
        doc_ids = list(doc_ids)
        for i in range(0, len(doc_ids), WHERE_IN):
            part = doc_ids[i : i + WHERE_IN]
            got = self._page(self._chunks, where={"doc_id": {"$in": part}} if len(part) > 1 else {"doc_id": part[0]},
                             include=["documents", "metadatas"])
            yield from _present(got["ids"], got["documents"], got["metadatas"])

    def get_chunks(self, ids: Sequence[str]) -> dict[str, Chunk]:
        ids = list(ids)
        found: dict[str, Chunk] = {}
        for i in range(0, len(ids), WHERE_IN):
            got = self._page(self._chunks, ids=ids[i : i + WHERE_IN], include=["documents", "metadatas"])
            found.update((c.chunk_id, c) for c in _present(got["ids"], got["documents"], got["metadatas"]))
        return found

    @_guarded
    def query(self, embedding, n: int) -> list[Chunk]:
        """The n nearest chunks, nearest first."""
        count = self._chunks.count()
        if count == 0:
            return []
        got = self._chunks.query(query_embeddings=np.asarray([embedding], dtype=np.float32), n_results=min(n, count),
                                 include=["documents", "metadatas"])
        return list(_present(got["ids"][0], got["documents"][0], got["metadatas"][0]))


class _Guarded:
    """A Chroma collection whose failures come out as the store's one-line errors."""

    def __init__(self, collection, store: Store) -> None:
        self._collection, self._store = collection, store

    def __getattr__(self, name: str):
        method = getattr(self._collection, name)
        return lambda *args, **kwargs: self._store._guard(lambda: method(*args, **kwargs))


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
