"""The vector index: chunks and articles in Chroma, embedded under index/ or on a Chroma server.

Embeddings are always passed in: Chroma's own default embedder downloads a model.
Articles are kept whole (text and metadata) in a second collection, so citations
can be checked against the exact text and the keyword index rebuilt from Chroma alone.
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from .errors import ConfigError, DocumentNotFoundError, IndexUnusableError, StoreUnavailableError
from .types import Article, Chunk


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: str
    doc_id: str
    title: str
    text: str
    start: int
    end: int
    distance: float | None = None


@dataclass(frozen=True)
class ArticleRecord:
    doc_id: str
    title: str
    source: str
    url: str
    published: str
    path: str
    content_hash: str
    n_chunks: int


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
        try:
            return method(self, *args, **kwargs)
        except (IndexUnusableError, StoreUnavailableError, DocumentNotFoundError):
            raise
        except Exception as e:  # noqa: BLE001 - the whole point is to translate
            raise self._translate(e) from e

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
        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        try:
            if chroma_url:
                url = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
                if not url.hostname:
                    raise ConfigError(f"ASSISTANT_CHROMA_URL {chroma_url!r} is not a URL like http://127.0.0.1:8000")
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
        built_with = (self._chunks.metadata or {}).get("embedding_model")
        if built_with != embedding_model:
            raise IndexUnusableError(
                f"the index at {self.where} was built with the embedding model {built_with!r}, "
                f"but this assistant uses {embedding_model!r}; re-index: "
                f"move the index aside (or set ASSISTANT_INDEX_DIR to a new folder) and run `assistant ingest`"
            )

    @property
    def where(self) -> str:
        return self.chroma_url or str(self.index_dir)

    def _translate(self, error: Exception) -> Exception:
        detail = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
        if self.chroma_url and _is_connection_error(error):
            return StoreUnavailableError(
                f"the Chroma server at {self.chroma_url} is not reachable ({detail}); "
                "start it, or unset ASSISTANT_CHROMA_URL to use the local index"
            )
        return IndexUnusableError(
            f"the index at {self.where} cannot be used ({detail}); nothing was changed: "
            "move it aside and run `assistant ingest` to build a new one"
        )

    # --- articles -------------------------------------------------------------------

    @_guarded
    def article_records(self) -> dict[str, ArticleRecord]:
        got = self._articles.get(include=["metadatas"])
        return {i: _record(i, m) for i, m in zip(got["ids"], got["metadatas"] or [])}

    @_guarded
    def article(self, doc_id: str) -> Article:
        got = self._articles.get(ids=[doc_id], include=["metadatas", "documents"])
        if not got["ids"]:
            raise DocumentNotFoundError(f"no article with doc_id {doc_id!r} is indexed")
        m = got["metadatas"][0]
        return Article(doc_id=doc_id, title=m.get("title", ""), text=got["documents"][0],
                       source=m.get("source", ""), url=m.get("url", ""),
                       published=m.get("published", ""), path=m.get("path", ""))

    @_guarded
    def put_article(self, article: Article, chunks: Sequence[Chunk], embeddings) -> None:
        """Replace an article and its chunks. The article record is written last:
        a crash before it leaves a record that no longer matches, which the next ingest repairs."""
        h = article.content_hash
        self._chunks.delete(where={"doc_id": article.doc_id})
        batch = self._client.get_max_batch_size()
        for i in range(0, len(chunks), batch):
            part = chunks[i : i + batch]
            self._chunks.upsert(
                ids=[chunk_id(article.doc_id, h, c.index) for c in part],
                embeddings=[list(map(float, e)) for e in embeddings[i : i + batch]],
                documents=[c.text for c in part],
                metadatas=[{"doc_id": c.doc_id, "title": article.title, "start": c.start, "end": c.end,
                            "index": c.index} for c in part],
            )
        centroid = embeddings.mean(axis=0)  # the article's own vector: Chroma needs one
        self._articles.upsert(
            ids=[article.doc_id],
            embeddings=[list(map(float, centroid / max(float((centroid**2).sum()) ** 0.5, 1e-12)))],
            documents=[article.text],
            metadatas=[{"title": article.title, "source": article.source, "url": article.url,
                        "published": article.published, "path": article.path,
                        "content_hash": h, "n_chunks": len(chunks)}],
        )

    @_guarded
    def delete_article(self, doc_id: str) -> None:
        self._articles.delete(ids=[doc_id])
        self._chunks.delete(where={"doc_id": doc_id})

    # --- chunks ---------------------------------------------------------------------

    @_guarded
    def chunk_ids(self) -> list[str]:
        return list(self._chunks.get(include=[])["ids"])

    def chunk_counts(self) -> Counter[tuple[str, str]]:
        """How many chunks each (doc_id, hash prefix) has: tells a complete article from a half-written one."""
        return Counter(split_chunk_id(c)[:2] for c in self.chunk_ids())

    def fingerprint(self) -> str:
        return hashlib.sha256("\n".join(sorted(self.chunk_ids())).encode()).hexdigest()

    @_guarded
    def delete_chunks(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        if ids:
            self._chunks.delete(ids=ids)

    @_guarded
    def all_chunks(self) -> list[StoredChunk]:
        got = self._chunks.get(include=["documents", "metadatas"])
        return [_stored(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]

    @_guarded
    def get_chunks(self, ids: Sequence[str]) -> dict[str, StoredChunk]:
        if not ids:
            return {}
        got = self._chunks.get(ids=list(ids), include=["documents", "metadatas"])
        return {i: _stored(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])}

    @_guarded
    def query(self, embedding, n: int) -> list[StoredChunk]:
        count = self._chunks.count()
        if count == 0:
            return []
        got = self._chunks.query(query_embeddings=[list(map(float, embedding))], n_results=min(n, count),
                                 include=["documents", "metadatas", "distances"])
        return [_stored(i, d, m, dist) for i, d, m, dist in
                zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0])]


def _record(doc_id: str, m: dict) -> ArticleRecord:
    return ArticleRecord(doc_id=doc_id, title=m.get("title", ""), source=m.get("source", ""),
                         url=m.get("url", ""), published=m.get("published", ""), path=m.get("path", ""),
                         content_hash=m.get("content_hash", ""), n_chunks=int(m.get("n_chunks", -1)))


def _stored(cid: str, text: str, m: dict, distance: float | None = None) -> StoredChunk:
    return StoredChunk(chunk_id=cid, doc_id=m["doc_id"], title=m.get("title", ""), text=text,
                       start=int(m["start"]), end=int(m["end"]), distance=distance)
