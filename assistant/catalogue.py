"""The local catalogue: the store's article records and the keyword index, in one SQLite file.

Chroma is the primary index; this file is derived from it and can always be rebuilt
from it. It follows the store's change feed (article records carry the time they were
written), so opening an index, asking a question or adding one article reads only what
changed, never the whole store. Every change commits in one SQLite transaction: a crash
leaves the catalogue as it was before or after, never half of each. Several processes on
one index folder share the file (WAL mode); several app instances on one Chroma server
each keep their own and follow the same feed.

A catalogue that cannot be read (damaged, from another format, or built from another
collection) is moved aside and rebuilt from Chroma: a failure here never makes the
primary index unusable.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import astuple, fields, replace
from pathlib import Path

from .errors import IndexUnusableError
from .analysis import VERSION as ANALYSIS_VERSION, capitalised
from .keyword import Damaged, KeywordIndex, create_schema
from .statements import SCHEMA as STATEMENTS_SCHEMA, StatementIndex
from .store import COMPLETE, PAGE, ArticleRecord, Store, chunk_id, split_chunk_id
from .types import Chunk

log = logging.getLogger(__name__)

FORMAT = "10"  # bump when the schema or keyword.terms() changes: older catalogues are rebuilt
# A new text analysis rebuilds the catalogue too: the rebuild finds the chunks analysed by the old one
# and marks their articles damaged, so the next ingest (of the configured corpus: the next start)
# analyses them again instead of leaving them without sentences.
_BUILT_BY = f"{FORMAT} (analysis {ANALYSIS_VERSION})"
DAMAGED = "damaged"  # "complete" in the store, but its chunks there do not match: the next ingest rewrites it
FEED_OVERLAP = 10.0  # seconds of the change feed read again on each sync: writers' clocks and commits may lag
_COLUMNS = [f.name for f in fields(ArticleRecord)]

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (doc_id TEXT PRIMARY KEY, {", ".join(c + " NOT NULL" for c in _COLUMNS[1:])});
CREATE INDEX IF NOT EXISTS articles_by_state ON articles (state);
"""


class _Outdated(sqlite3.DatabaseError):
    """A readable catalogue of another format, or of another collection."""


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
                raise self._unusable(e) from e
            try:
                self._rebuild(e)
            except (sqlite3.Error, OSError) as failed:  # e.g. the disk is full: say so, in one line
                raise self._unusable(failed) from failed
            try:
                return method(self, *args, **kwargs)
            except (sqlite3.Error, Damaged) as again:
                raise self._unusable(again) from again

    return wrapper


class Catalogue:
    def __init__(self, path: Path, store: Store) -> None:
        self.path = Path(path)
        self.store = store
        self._lock = threading.RLock()  # one connection, shared by the UI's worker threads
        self._rebuilding = False
        try:
            self._connect()
        except _Outdated as e:  # nothing in it worth keeping: it is rebuilt from Chroma in full
            log.warning("the catalogue at %s was %s; rebuilding it from Chroma", self.path, e)
            self._remove()
            self._connect()
        except sqlite3.DatabaseError as e:
            log.warning("the catalogue at %s could not be read (%s); rebuilding it from Chroma", self.path, e)
            self._set_aside()
            self._connect()

    def _connect(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            with self._transaction():
                create_schema(self._db, SCHEMA)
                meta = dict(self._db.execute("SELECT key, value FROM meta"))
                if meta and (meta.get("format") != _BUILT_BY or meta.get("store") != self.store.identity):
                    raise _Outdated("built by another version or from another collection")
                self.keyword = KeywordIndex(self._db)
                create_schema(self._db, STATEMENTS_SCHEMA)
                self.statements = StatementIndex(self._db)
                if not meta:
                    self._set_meta(format=_BUILT_BY, store=self.store.identity)
        except sqlite3.DatabaseError:
            self._db.close()
            raise

    def _remove(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def _set_aside(self) -> None:
        """Keep the unreadable file for a look, out of the way of the rebuilt one."""
        for suffix in ("", "-wal", "-shm"):
            damaged = Path(f"{self.path}{suffix}")
            if damaged.exists():
                damaged.replace(Path(f"{self.path}.unreadable{suffix}"))

    def close(self) -> None:
        self._db.close()

    def _unusable(self, error: BaseException) -> IndexUnusableError:
        return IndexUnusableError(
            f"the catalogue at {self.path} cannot be used ({error}); Chroma is untouched: "
            "free the disk or stop the other process, or delete the file and it is rebuilt from Chroma")

    def _rebuild(self, error: BaseException) -> None:
        """Move the damaged file aside and build a new one from Chroma, page by page."""
        with self._lock:
            log.warning("the keyword index at %s is damaged (%s); moved it aside, rebuilding it from Chroma",
                        self.path, error)
            self._rebuilding = True
            try:
                with contextlib.suppress(sqlite3.Error):
                    self._db.close()
                self._set_aside()
                self._connect()
                self.sync(full=True)
            finally:
                self._rebuilding = False

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _set_meta(self, **values: str) -> None:
        self._db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", values.items())

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    # --- reading --------------------------------------------------------------------------

    @_guarded
    def record(self, doc_id: str) -> ArticleRecord | None:
        with self._lock:
            row = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM articles WHERE doc_id = ?", (doc_id,)).fetchone()
        return ArticleRecord(*row) if row else None

    @_guarded
    def articles(self) -> list[ArticleRecord]:
        """The complete articles, by doc_id."""
        with self._lock:
            rows = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM articles WHERE state = ? ORDER BY doc_id",
                                    (COMPLETE,)).fetchall()
        return [ArticleRecord(*row) for row in rows]

    @_guarded
    def with_state(self, *states: str) -> list[ArticleRecord]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM articles WHERE state IN ({','.join('?' * len(states))})",
                states).fetchall()
        return [ArticleRecord(*row) for row in rows]

    @_guarded
    def current(self, chunk_ids: Iterable[str]) -> set[str]:
        """Those chunk ids that belong to the complete version of their article (dense search can
        return chunks of an article that is being rewritten, or of a version already replaced)."""
        parts = {cid: split_chunk_id(cid) for cid in chunk_ids}
        doc_ids = sorted({doc_id for doc_id, _, _ in parts.values()})
        with self._lock:
            hashes = dict(self._db.execute(
                f"SELECT doc_id, substr(content_hash, 1, 12) FROM articles WHERE state = ? AND doc_id IN "
                f"({','.join('?' * len(doc_ids))})", (COMPLETE, *doc_ids)).fetchall()) if doc_ids else {}
        return {cid for cid, (doc_id, h, _) in parts.items() if hashes.get(doc_id) == h}

    @_guarded
    def chunk_count(self) -> int:
        with self._lock:
            return len(self.keyword)

    @_guarded
    def search(self, query: str, n: int) -> list[tuple[str, float]]:
        with self._lock:
            return self.keyword.search(query, n)

    @_guarded
    def phrase(self, text: str, n: int, names: Sequence[set[str]] = ()) -> list[str]:
        with self._lock:
            return self.keyword.phrase(text, n, names)

    @_guarded
    def names_covered(self, doc_ids: Iterable[str], names: Sequence[set[str]]) -> dict[str, int]:
        with self._lock:
            return self.keyword.names_covered(doc_ids, names)

    @_guarded
    def idf(self, term: str) -> float:
        with self._lock:
            return self.keyword.idf(term)

    @_guarded
    def spellings(self, name: str) -> set[str]:
        with self._lock:
            return self.keyword.spellings(name)

    @_guarded
    def find_statements(self, speakers: Sequence[str] | None, about: str | None, k: int,
                        doc_id: str | None = None) -> list[tuple[dict, float]]:
        with self._lock:
            return self.statements.find(speakers, about, k, doc_id)

    @_guarded
    def resolve_speaker(self, name: str) -> tuple[list[str], list[str]]:
        with self._lock:
            return self.statements.resolve(name)

    @_guarded
    def speaker_keys(self) -> list[str]:
        with self._lock:
            return self.statements.keys()

    @_guarded
    def speakers(self, key: str | None = None) -> list:
        with self._lock:
            return self.statements.speakers(key)

    # --- writing --------------------------------------------------------------------------

    @_guarded
    def written(self, records: Sequence[ArticleRecord], chunks: dict[str, Sequence[Chunk]]) -> None:
        """Record what this process just wrote to the store, without reading it back."""
        with self._transaction():
            self._replace(records, {r.doc_id: [replace(c, chunk_id=chunk_id(r.doc_id, r.content_hash, c.index))
                                               for c in chunks.get(r.doc_id, ())] for r in records})

    def _replace(self, records: Sequence[ArticleRecord], chunks: dict[str, list[Chunk]]) -> None:
        """Articles and what is derived from their chunks (keywords, names, statements), in one go."""
        self.keyword.remove(r.doc_id for r in records)
        self.statements.remove(r.doc_id for r in records)
        self._db.executemany(f"INSERT OR REPLACE INTO articles ({', '.join(_COLUMNS)}) "
                             f"VALUES ({','.join('?' * len(_COLUMNS))})", [astuple(r) for r in records])
        complete = [r for r in records if r.state == COMPLETE]
        self.keyword.add((c.chunk_id, r.doc_id, f"{r.title}\n{c.text}",
                          [*capitalised(r.title), *(n for s in c.sentences for n in s.names)])
                         for r in complete for c in chunks.get(r.doc_id, ()))
        for r in complete:
            self.statements.add(r.doc_id, chunks.get(r.doc_id, ()))

    # --- following the store ----------------------------------------------------------------

    @_guarded
    def sync(self, full: bool = False) -> int:
        """Apply what changed in the store since the last sync (everything, with `full` or the first
        time). Returns the number of articles updated here."""
        cursor = None if full else self._meta("cursor")
        since = None if cursor is None else float(cursor) - FEED_OVERLAP
        changed: list[ArticleRecord] = []
        seen: set[str] = set()
        newest = float(cursor) if cursor is not None else 0.0
        for record in self.store.records(since=since):
            seen.add(record.doc_id)
            newest = max(newest, record.updated_at)
            mine = self.record(record.doc_id)
            if mine is None or (mine.content_hash, mine.state) != (record.content_hash, record.state) and not (
                    mine.state == DAMAGED and record.state == COMPLETE and mine.content_hash == record.content_hash):
                changed.append(record)
        gone = []
        if since is None:  # a full read: whatever the store no longer has goes here too
            with self._lock:
                gone = [d for (d,) in self._db.execute("SELECT doc_id FROM articles") if d not in seen]
        for i in range(0, len(changed), PAGE // 10):
            self._apply(changed[i : i + PAGE // 10])
        if gone or cursor is None or newest != float(cursor):  # a question that finds nothing new writes nothing
            with self._transaction():
                if gone:
                    self.keyword.remove(gone)
                    self._db.executemany("DELETE FROM articles WHERE doc_id = ?", [(d,) for d in gone])
                self._set_meta(cursor=repr(newest))
        return len(changed) + len(gone)

    def _apply(self, records: Sequence[ArticleRecord]) -> None:
        complete = [r for r in records if r.state == COMPLETE]
        stored: dict[str, list] = defaultdict(list)
        for chunk in self.store.chunks_of([r.doc_id for r in complete]):
            stored[chunk.doc_id].append(chunk)
        ready = []
        for r in records:
            if r.state == COMPLETE:
                mine = [c for c in stored[r.doc_id] if split_chunk_id(c.chunk_id)[1] == r.content_hash[:12]]
                # Missing chunks, or chunks analysed by another version: the next ingest rewrites the article.
                if len(mine) != r.n_chunks or not all(c.sentences for c in mine):
                    r = replace(r, state=DAMAGED)
                stored[r.doc_id] = mine
            ready.append(r)
        with self._transaction():
            self._replace(ready, stored)

    @_guarded
    def check(self) -> None:
        """On opening: spot-check the keyword index, follow the feed, then compare counts; records the
        feed cannot show (written with a lagging clock, or before the feed existed) make a full read."""
        with self._lock:
            self.keyword.spot_check()
        self.sync()
        with self._lock:
            mine = self._db.execute("SELECT count(*) FROM articles").fetchone()[0]
        if mine != self.store.count_records():
            self.sync(full=True)

    def refresh(self) -> int:
        """Before every question: pick up what other processes ingested or pruned, so the very next
        question sees it (one read of the change feed since the last one: about 1.5 ms embedded).
        Returns the number of articles that changed."""
        return self.sync()
