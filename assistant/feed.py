"""Following the store's change feed: the catalogue picks up what any writer changed in Chroma.

Article records carry the time they were written, so opening an index, asking a question or
adding one article reads only what changed since the last look, never the whole store.
Every change commits in one SQLite transaction: a crash leaves the catalogue as it was
before or after, never half of each.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from .article_table import DAMAGED, ArticleTable
from .catalogue_file import CatalogueFile
from .chroma import PAGE
from .records import COMPLETE, ArticleRecord
from .store import Store, split_chunk_id

FEED_OVERLAP = 10.0  # seconds of the change feed read again on each sync: writers' clocks and commits may lag
# ... and never more than this far before this process's last look: a record that became visible, or was
# stamped by a writer's clock, more than a minute behind this reader's would be missed.
LOOK_BACK = 60.0


class FeedFollower:
    """Applies the store's changed records, with their chunks, to the catalogue's article table."""

    def __init__(self, file: CatalogueFile, articles: ArticleTable, store: Store) -> None:
        self._file = file
        self._articles = articles
        self._store = store
        self._looked: float | None = None  # when this process last read the feed (its clock)

    def sync(self, full: bool = False) -> int:
        """Apply what changed in the store since the last sync (everything, with `full` or the first
        time). Returns the number of articles updated here."""
        cursor = None if full else self._locked(self._file.meta, "cursor")
        started = time.time()
        # Read again what may have been committed since the last look: from the newest record seen, but not
        # from more than LOOK_BACK before this process's last look, so the last seconds of a big ingest are
        # not read again on every question once a minute has passed (425 records, 24 ms at 100,000 chunks).
        since = None if cursor is None else max(float(cursor) - FEED_OVERLAP, (self._looked or 0.0) - LOOK_BACK)
        changed: list[ArticleRecord] = []
        seen: set[str] = set()
        newest = float(cursor) if cursor is not None else 0.0
        for record in self._store.articles.records(since=since):
            seen.add(record.doc_id)
            newest = max(newest, record.updated_at)
            if _differs(self._locked(self._articles.record, record.doc_id), record):
                changed.append(record)
        gone = []
        if since is None:  # a full read: whatever the store no longer has goes here too
            gone = [d for d in self._locked(self._articles.doc_ids) if d not in seen]
        for i in range(0, len(changed), PAGE // 10):
            self._apply(changed[i : i + PAGE // 10])
        if gone or cursor is None or newest != float(cursor):  # a question that finds nothing new writes nothing
            with self._file.transaction():
                if gone:
                    self._articles.remove(gone)
                self._file.set_meta(cursor=repr(newest))
        self._looked = started
        return len(changed) + len(gone)

    def _locked(self, read, *args):
        with self._file.lock:
            return read(*args)

    def _apply(self, records: Sequence[ArticleRecord]) -> None:
        complete = [r for r in records if r.state == COMPLETE]
        stored: dict[str, list] = defaultdict(list)
        for chunk in self._store.chunks.of_articles([r.doc_id for r in complete]):
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
        with self._file.transaction():
            self._articles.put(ready, stored)


def _differs(mine: ArticleRecord | None, theirs: ArticleRecord) -> bool:
    """Whether the store's record is news here. An article found damaged here stays so until the
    store holds another version of it: reading the same chunks again would find the same damage."""
    if mine is None:
        return True
    if mine.state == DAMAGED and theirs.state == COMPLETE and mine.content_hash == theirs.content_hash:
        return False
    return (mine.content_hash, mine.state) != (theirs.content_hash, theirs.state)
