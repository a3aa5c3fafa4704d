"""The connection to Chroma: an embedded index under index/ or a server, and its collections.

Embeddings are always passed in (`embedding_function=None`): Chroma's own default embedder
downloads a model. Whatever Chroma raises comes out as one line the user can act on: the
server is not reachable (start it), or the index cannot be used (move it aside, re-index).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

from .config import shown_url
from .errors import ConfigError, DocumentNotFoundError, IndexUnusableError, StoreUnavailableError

PAGE = 2000  # records or chunks per read: far below SQLite's variable limit, which one whole-index get() passed
WHERE_IN = 500  # ids or doc_ids per call


def is_connection_error(error: BaseException) -> bool:
    """The server could not be reached, or went away during the call.

    httpx raises a TransportError (ConnectError, ReadTimeout, RemoteProtocolError, ...) for any
    request that fails on the way; its socket errors (ConnectionRefusedError, TimeoutError) come
    chained beneath. While opening, chromadb catches httpx.ConnectError and raises
    ValueError("Could not connect to a Chroma server. Are you sure it is running?") inside the
    except block (chromadb 1.5.9, chromadb/api/client.py: get_user_identity and
    _validate_tenant_database), so the ConnectError is still in the chain as its __context__:
    matching types is enough, no message text is needed. Other OSErrors do not count: httpx wraps
    the socket's (an unknown host, a refused connection) in its own types, so a bare one comes
    from somewhere else.
    """
    import httpx

    return any(isinstance(e, (httpx.TransportError, ConnectionError, TimeoutError)) for e in _chain(error))


def _chain(error: BaseException | None) -> Iterator[BaseException]:
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


def guarded(method):
    """For methods of objects holding a `chroma` connection: whatever Chroma raises becomes one line."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        return self.chroma.guard(lambda: method(self, *args, **kwargs))

    return wrapper


class ChromaConnection:
    """The client, the index's chunk and article collections, and the translation of Chroma's errors."""

    def __init__(self, index_dir: Path, embedding_model: str, dimension: int,
                 chroma_url: str | None = None, collection: str = "articles") -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        self.index_dir = Path(index_dir)
        self.chroma_url = chroma_url
        if not 3 <= len(collection) <= 500:
            raise ConfigError("ASSISTANT_COLLECTION must be 3 to 500 characters long")
        self.name = collection
        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        try:
            if chroma_url:
                url = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
                if not url.hostname:
                    raise ConfigError(f"ASSISTANT_CHROMA_URL {shown_url(chroma_url)!r} is not a URL like "
                                      "http://127.0.0.1:8000")
                self.client = chromadb.HttpClient(
                    host=url.hostname, port=url.port or (443 if url.scheme == "https" else 8000),
                    ssl=url.scheme == "https", settings=chroma_settings,
                )
            else:
                self.index_dir.mkdir(parents=True, exist_ok=True)
                self.client = chromadb.PersistentClient(path=str(self.index_dir / "chroma"), settings=chroma_settings)
            meta = {"embedding_model": embedding_model, "dimension": dimension}
            self.chunks = self.client.get_or_create_collection(
                f"{collection}_chunks", metadata=meta, configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
            self.articles = self.client.get_or_create_collection(
                f"{collection}_articles", metadata=meta, configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
            self.batch = min(self.client.get_max_batch_size(), PAGE)
        except ConfigError:
            raise
        except Exception as e:  # noqa: BLE001
            raise self.translate(e) from e
        built_with = (self.chunks.metadata or {}).get("embedding_model")
        if built_with != embedding_model:
            raise IndexUnusableError(
                f"the index at {self.where} was built with the embedding model {built_with!r}, "
                f"but this assistant uses {embedding_model!r}; re-index: "
                f"move the index aside (or set ASSISTANT_INDEX_DIR to a new folder) and run `assistant ingest`"
            )

    @property
    def where(self) -> str:
        return shown_url(self.chroma_url) if self.chroma_url else str(self.index_dir)

    @property
    def identity(self) -> str:
        """Names this very collection: a catalogue built from another (a recreated one, another server) is
        rebuilt. An embedded index is named by its collection alone, so a copied or moved index folder
        keeps its catalogue (rebuilding it costs minutes at 100,000 chunks)."""
        return f"{self.where if self.chroma_url else 'embedded'}#{self.chunks.id}"

    def leases(self) -> GuardedCollection:
        """The collection a writer's lease lives in on a server (see locking.py)."""
        return GuardedCollection(self.guard(lambda: self.client.get_or_create_collection(
            f"{self.name}_leases", embedding_function=None)), self)

    def server_time(self) -> float:
        """The server's clock, in seconds: writers on machines whose clocks differ agree on it."""
        return self.guard(self.client.heartbeat) / 1e9

    def guard(self, call):
        """Run a Chroma call; whatever it raises becomes one line the user can act on."""
        try:
            return call()
        except (IndexUnusableError, StoreUnavailableError, DocumentNotFoundError):
            raise
        except Exception as e:  # noqa: BLE001 - the whole point is to translate
            raise self.translate(e) from e

    def translate(self, error: Exception) -> Exception:
        detail = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
        if self.chroma_url and is_connection_error(error):
            return StoreUnavailableError(
                f"the Chroma server at {self.where} is not reachable ({detail}); "
                "start it, or unset ASSISTANT_CHROMA_URL to use the local index"
            )
        return IndexUnusableError(
            f"the index at {self.where} cannot be used ({detail}); nothing was changed: "
            "move it aside and run `assistant ingest` to build a new one"
        )


class GuardedCollection:
    """A Chroma collection whose failures come out as the connection's one-line errors."""

    def __init__(self, collection, chroma: ChromaConnection) -> None:
        self._collection, self._chroma = collection, chroma

    def __getattr__(self, name: str):
        method = getattr(self._collection, name)
        return lambda *args, **kwargs: self._chroma.guard(lambda: method(*args, **kwargs))
