"""The catalogue's SQLite file: opened for several processes, checked, and set aside when unreadable.

Several processes on one index folder share the file (WAL mode). A file of another format,
or built from another collection, holds nothing worth keeping and is deleted; one that cannot
be read is moved aside for a look. Either way a new one is started, for the catalogue to
rebuild from Chroma.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Generic, TypeVar

from .analysis import VERSION as ANALYSIS_VERSION

log = logging.getLogger(__name__)

FORMAT = "11"  # bump when the schema or keyword.terms() changes: older catalogues are rebuilt
# A new text analysis rebuilds the catalogue too: the rebuild finds the chunks analysed by the old one
# and marks their articles damaged, so the next ingest (of the configured corpus: the next start)
# analyses them again instead of leaving them without sentences.
_BUILT_BY = f"{FORMAT} (analysis {ANALYSIS_VERSION})"
SCHEMA = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"


T = TypeVar("T")


class UntilChanged(Generic[T]):
    """A value derived from the catalogue file, read again only when the file changed: SQLite's data_version
    tells of other connections' commits, `clear()` (called by this connection's writers) of its own."""

    def __init__(self, db: sqlite3.Connection, read: Callable[[], T]) -> None:
        self._db, self._read = db, read
        self._cached: tuple[int, T] | None = None

    def get(self) -> T:
        (version,) = self._db.execute("PRAGMA data_version").fetchone()
        if self._cached is None or self._cached[0] != version:
            self._cached = (version, self._read())
        return self._cached[1]

    def clear(self) -> None:
        self._cached = None


class Outdated(sqlite3.DatabaseError):
    """A readable catalogue of another format, or of another collection."""


def create_schema(db: sqlite3.Connection, schema: str) -> None:
    """Statement by statement: executescript() would commit the caller's transaction."""
    for statement in schema.split(";"):
        if statement.strip():
            db.execute(statement)


class CatalogueFile:
    """One connection (`db`), shared by the UI's worker threads under `lock`; every write in `transaction()`.

    `identity`: the store's (see Store.identity); `schemas`: the tables the catalogue keeps,
    created once the file is known to be of this format and collection.
    """

    def __init__(self, path: Path, identity: str, schemas: Sequence[str]) -> None:
        self.path = Path(path)
        self.lock = threading.RLock()
        self._identity = identity
        self._schemas = schemas
        try:
            self._connect()
        except Outdated as e:  # nothing in it worth keeping: it is rebuilt from Chroma in full
            log.warning("the catalogue at %s was %s; rebuilding it from Chroma", self.path, e)
            self._remove()
            self._connect()
        except sqlite3.DatabaseError as e:
            log.warning("the catalogue at %s could not be read (%s); rebuilding it from Chroma", self.path, e)
            self._set_aside()
            self._connect()

    def start_afresh(self) -> None:
        """Close the (damaged) file, move it aside and open a new, empty one."""
        with self.lock:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
            self._set_aside()
            self._connect()

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, **values: str) -> None:
        self.db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", values.items())

    def _connect(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            with self.transaction():
                create_schema(self.db, SCHEMA)
                meta = dict(self.db.execute("SELECT key, value FROM meta"))
                if meta and (meta.get("format") != _BUILT_BY or meta.get("store") != self._identity):
                    raise Outdated("built by another version or from another collection")
                for schema in self._schemas:
                    create_schema(self.db, schema)
                if not meta:
                    self.set_meta(format=_BUILT_BY, store=self._identity)
        except sqlite3.DatabaseError:
            self.db.close()
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
