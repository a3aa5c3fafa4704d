"""The local catalogue: the store's article records and the keyword and statement indexes, in one SQLite file.

Chroma is the primary index; this file is derived from it and can always be rebuilt from
it. It follows the store's change feed (feed.py); several processes on one index folder share
the file, and several app instances on one Chroma server each keep their own and follow the
same feed. A catalogue that cannot be read (damaged, from another format, or built from
another collection) is moved aside and rebuilt from Chroma (catalogue_file.py): a failure
here never makes the primary index unusable.

`Catalogue` is the one object ingestion, retrieval and answering hold: it reads under the
shared connection's lock, and rebuilds a file found damaged while in use.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from .article_table import SCHEMA as ARTICLES_SCHEMA
from .article_table import ArticleTable
from .catalogue_file import CatalogueFile
from .errors import IndexUnusableError
from .feed import FeedFollower
from .keyword import SCHEMA as KEYWORD_SCHEMA
from .keyword import Damaged, KeywordIndex
from .name_index import SCHEMA as NAMES_SCHEMA
from .records import ArticleRecord
from .statements import SCHEMA as STATEMENTS_SCHEMA
from .statements import StatementIndex
from .store import Store, chunk_id
from .types import Chunk

log = logging.getLogger(__name__)


def _damaged(error: BaseException) -> bool:
    """Damage SQLite or our checksums detect, as opposed to a full disk or a lock held too long."""
    return isinstance(error, Damaged) or getattr(error, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB")


def _guarded(method):
    """A damaged catalogue is rebuilt from Chroma and the call made again, with a one-line notice;
    other SQLite trouble at run time (a full disk, a lock held past the timeout) becomes one line."""

    @functools.wraps(method)
    def wrapper(self: Catalogue, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.Error, Damaged) as e:
            if not _damaged(e) or self._rebuilding:
                raise _unusable(self.path, e) from e
            try:
                self._rebuild(e)
            except (sqlite3.Error, OSError) as failed:  # e.g. the disk is full: say so, in one line
                raise _unusable(self.path, failed) from failed
            try:
                return method(self, *args, **kwargs)
            except (sqlite3.Error, Damaged) as again:
                raise _unusable(self.path, again) from again

    return wrapper


def _unusable(path: Path, error: BaseException) -> IndexUnusableError:
    return IndexUnusableError(
        f"the catalogue at {path} cannot be used ({error}); Chroma is untouched: "
        "free the disk or stop the other process, or delete the file and it is rebuilt from Chroma")


def _read(method):
    """A guarded read, under the lock of the connection the UI's worker threads share."""

    @functools.wraps(method)
    def locked(self: Catalogue, *args, **kwargs):
        with self.file.lock:
            return method(self, *args, **kwargs)

    return _guarded(locked)


class Catalogue:
    """Reads under the lock of the one connection the UI's worker threads share; a file found
    damaged is rebuilt from Chroma and the call made again."""

    def __init__(self, path: Path, store: Store) -> None:
        self.path = Path(path)
        self.store = store
        self._rebuilding = False
        self.file = CatalogueFile(self.path, store.identity,
                                  [ARTICLES_SCHEMA, KEYWORD_SCHEMA, NAMES_SCHEMA, STATEMENTS_SCHEMA])
        self._attach()

    def _attach(self) -> None:
        """The tables, on the file's current connection."""
        self.keyword = KeywordIndex(self.file.db)
        self.statements = StatementIndex(self.file.db)
        self.article_table = ArticleTable(self.file.db, self.keyword, self.statements)
        self.feed = FeedFollower(self.file, self.article_table, self.store)

    def close(self) -> None:
        self.file.close()

    def _rebuild(self, error: BaseException) -> None:
        """Move the damaged file aside and build a new one from Chroma, page by page."""
        with self.file.lock:
            log.warning("the keyword index at %s is damaged (%s); moved it aside, rebuilding it from Chroma",
                        self.path, error)
            self._rebuilding = True
            try:
                self.file.start_afresh()
                self._attach()
                self.sync(full=True)
            finally:
                self._rebuilding = False

    @_read
    def record(self, doc_id: str) -> ArticleRecord | None:
        return self.article_table.record(doc_id)

    @_read
    def articles(self) -> list[ArticleRecord]:
        """The complete articles, by doc_id."""
        return self.article_table.complete()

    @_read
    def with_state(self, *states: str) -> list[ArticleRecord]:
        return self.article_table.with_state(*states)

    @_read
    def current(self, chunk_ids: Iterable[str]) -> set[str]:
        """Those chunk ids that belong to the complete version of their article."""
        return self.article_table.current(chunk_ids)

    @_read
    def chunk_count(self) -> int:
        return len(self.keyword.chunk_terms)

    @_read
    def search(self, query: str, n: int) -> list[tuple[str, float]]:
        return self.keyword.search(query, n)

    @_read
    def phrase(self, text: str, n: int, names: Sequence[set[str]] = ()) -> list[str]:
        return self.keyword.phrase(text, n, names)

    @_read
    def names_covered(self, doc_ids: Iterable[str], names: Sequence[set[str]]) -> dict[str, int]:
        return self.keyword.names.covered(doc_ids, names)

    @_read
    def idf(self, term: str) -> float:
        return self.keyword.chunk_terms.idf(term)

    @_read
    def spellings(self, name: str) -> set[str]:
        return self.keyword.spellings(name)

    @_read
    def find_statements(self, speakers: Sequence[str] | None, about: str | None, k: int,
                        doc_id: str | None = None) -> list[tuple[dict, float]]:
        return self.statements.find(speakers, about, k, doc_id)

    @_read
    def resolve_speaker(self, name: str) -> tuple[list[str], list[str]]:
        return self.statements.resolve(name)

    @_read
    def speaker_keys(self) -> list[str]:
        return self.statements.keys()

    @_read
    def speakers(self, key: str | None = None) -> list:
        return self.statements.speakers(key)

    @_guarded
    def written(self, records: Sequence[ArticleRecord], chunks: dict[str, Sequence[Chunk]]) -> None:
        """Record what this process just wrote to the store, without reading it back."""
        with_ids = {r.doc_id: [replace(c, chunk_id=chunk_id(r.doc_id, r.content_hash, c.index))
                               for c in chunks.get(r.doc_id, ())] for r in records}
        with self.file.transaction():
            self.article_table.put(records, with_ids)

    @_guarded
    def sync(self, full: bool = False) -> int:
        """Apply what changed in the store since the last sync (see FeedFollower.sync)."""
        return self.feed.sync(full)

    @_guarded
    def check(self) -> None:
        """On opening: spot-check the keyword index, follow the feed, then compare counts; records the
        feed cannot show (written with a lagging clock, or before the feed existed) make a full read."""
        with self.file.lock:
            self.keyword.chunk_terms.spot_check()
        self.feed.sync()
        with self.file.lock:
            mine = self.article_table.count()
        if mine != self.store.articles.count():
            self.feed.sync(full=True)

    def refresh(self) -> int:
        """Before every question: pick up what other processes ingested or pruned, so the very next
        question sees it (one read of the change feed since the last one: about 1.5 ms embedded).
        Returns the number of articles that changed."""
        return self.sync()
