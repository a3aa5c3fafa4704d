"""The catalogue's articles: the store's records as this instance last read them, and what is
derived from their chunks (keywords, names, statements), always changed together.

Readers use only complete articles; one whose chunks in the store do not match its record
is kept as damaged, for the next ingest to rewrite. Writes happen inside the catalogue's
transaction (catalogue_file.py); reads under its lock.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import astuple, fields

from .analysis import capitalised
from .keyword import KeywordIndex
from .records import COMPLETE, ArticleRecord
from .statements import StatementIndex
from .store import split_chunk_id
from .types import Chunk

DAMAGED = "damaged"  # "complete" in the store, but its chunks there do not match: the next ingest rewrites it
_COLUMNS = [f.name for f in fields(ArticleRecord)]
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM articles"

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS articles (doc_id TEXT PRIMARY KEY, {", ".join(c + " NOT NULL" for c in _COLUMNS[1:])});
CREATE INDEX IF NOT EXISTS articles_by_state ON articles (state);
"""


class ArticleTable:
    """The `articles` table, and the keyword and statement indexes kept in step with it."""

    def __init__(self, db: sqlite3.Connection, keyword: KeywordIndex, statements: StatementIndex) -> None:
        self._db = db
        self._keyword = keyword
        self._statements = statements

    def record(self, doc_id: str) -> ArticleRecord | None:
        row = self._db.execute(f"{_SELECT} WHERE doc_id = ?", (doc_id,)).fetchone()
        return ArticleRecord(*row) if row else None

    def complete(self) -> list[ArticleRecord]:
        """The complete articles, by doc_id."""
        return [ArticleRecord(*row) for row in self._db.execute(f"{_SELECT} WHERE state = ? ORDER BY doc_id",
                                                                 (COMPLETE,))]

    def with_state(self, *states: str) -> list[ArticleRecord]:
        return [ArticleRecord(*row) for row in self._db.execute(
            f"{_SELECT} WHERE state IN ({','.join('?' * len(states))})", states)]

    def current(self, chunk_ids: Iterable[str]) -> set[str]:
        """Those chunk ids that belong to the complete version of their article (dense search can
        return chunks of an article that is being rewritten, or of a version already replaced)."""
        parts = {cid: split_chunk_id(cid) for cid in chunk_ids}
        doc_ids = sorted({doc_id for doc_id, _, _ in parts.values()})
        hashes = dict(self._db.execute(
            f"SELECT doc_id, substr(content_hash, 1, 12) FROM articles WHERE state = ? AND doc_id IN "
            f"({','.join('?' * len(doc_ids))})", (COMPLETE, *doc_ids)).fetchall()) if doc_ids else {}
        return {cid for cid, (doc_id, h, _) in parts.items() if hashes.get(doc_id) == h}

    def doc_ids(self) -> list[str]:
        """Every article here, of any state."""
        return [d for (d,) in self._db.execute("SELECT doc_id FROM articles")]

    def count(self) -> int:
        return self._db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def put(self, records: Sequence[ArticleRecord], chunks: Mapping[str, Sequence[Chunk]]) -> None:
        """Articles and what is derived from their chunks (keywords, names, statements), in one go:
        each article's old rows go, and only a complete article's chunks are indexed."""
        self._keyword.remove(r.doc_id for r in records)
        self._statements.remove(r.doc_id for r in records)
        self._db.executemany(f"INSERT OR REPLACE INTO articles ({', '.join(_COLUMNS)}) "
                             f"VALUES ({','.join('?' * len(_COLUMNS))})", [astuple(r) for r in records])
        complete = [r for r in records if r.state == COMPLETE]
        self._keyword.add((c.chunk_id, r.doc_id, f"{r.title}\n{c.text}",
                           [*capitalised(r.title), *(n for s in c.sentences for n in s.names)])
                          for r in complete for c in chunks.get(r.doc_id, ()))
        for r in complete:
            self._statements.add(r.doc_id, chunks.get(r.doc_id, ()))

    def remove(self, doc_ids: Sequence[str]) -> None:
        """Articles the store no longer has at all, and what was derived from them."""
        self._keyword.remove(doc_ids)
        self._statements.remove(doc_ids)
        self._db.executemany("DELETE FROM articles WHERE doc_id = ?", [(d,) for d in doc_ids])
