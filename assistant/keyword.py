"""The keyword index: BM25 over the same chunks as Chroma, and the terms it is built on.

It is derived data, kept in the local catalogue (catalogue.py), which follows Chroma's
change feed: it is updated article by article, never rebuilt per query or per ingest.
`ChunkTerms` stores the chunks' terms and their counts, `NameIndex` (name_index.py) the
names, and `KeywordIndex` searches both.
"""

from __future__ import annotations

import contextlib
import math
import random
import sqlite3
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from .analysis import terms
from .catalogue_file import UntilChanged
from .name_index import NameIndex

BM25_K1, BM25_B = 1.5, 0.75  # Lucene's defaults, as bm25s used them before
CANDIDATES = 200  # FTS5's best matches rescored per search: at least 4x what is asked for
COMMON_TERM_SHARE = 0.05  # in a large index, terms in more chunks than this share only score, not search
COMMON_TERM_MIN_INDEX = 5000  # chunks: below this every query term searches


# FTS5's ascii tokenizer splits only at ASCII characters other than letters, digits and "_" (every
# other character belongs to a token), so the terms stored space-separated come back out exactly as
# terms() made them; unicode61 treats some letters Python calls \w as separators (New Tai Lue vowel
# signs), which made a term counted in term_df unfindable.
SCHEMA = """
CREATE TABLE IF NOT EXISTS chunks (rowid INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL,
                                   length INTEGER NOT NULL, crc INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks (doc_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_terms USING fts5 (terms, tokenize="ascii tokenchars '_'");
CREATE TABLE IF NOT EXISTS term_df (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
"""


class Damaged(Exception):
    """The keyword index disagrees with itself: its data was damaged outside SQLite's knowledge
    (zeroed or overwritten pages of the right size). The catalogue rebuilds it from Chroma."""


def _crc(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def _candidate_terms(df: dict[str, int], total: int) -> list[str]:
    """The terms that look for candidates. In a large index a term in many chunks ("Putin" in an
    archive about Russia) would make FTS5 score most of the index for little gain in the ranking
    (Lucene's idf of a term in half the chunks is 0.7, of a rare one 9): such terms still score
    the candidates, but only the rarer ones find them. In a small index every term does."""
    present = sorted((n, t) for t, n in df.items() if n > 0)
    if total <= COMMON_TERM_MIN_INDEX:
        return [t for _, t in present]
    rare = [t for n, t in present if n <= COMMON_TERM_SHARE * total]
    return rare or [t for _, t in present[:2]]


class ChunkTerms:
    """Each chunk's terms in FTS5, with what BM25 needs kept in step (each term's chunk count, each
    chunk's length) and a checksum per chunk, to notice damage SQLite cannot.

    FTS5 keeps its statistics as rows are added and deleted, so adding one article costs
    one article's worth of work at any index size. Writes happen inside the catalogue's
    transaction: a crash leaves the old state or the new one.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._size = UntilChanged(db, self._read_size)  # (chunk count, average length)

    def add(self, rows: Iterable[tuple[str, str, list[str]]]) -> None:
        """(chunk_id, doc_id, terms) rows."""
        self._size.clear()
        df: Counter[str] = Counter()
        for cid, doc_id, words in rows:
            df.update(set(words))
            indexed = " ".join(words)
            rowid = self._db.execute("INSERT INTO chunks (chunk_id, doc_id, length, crc) VALUES (?, ?, ?, ?)",
                                     (cid, doc_id, len(words), _crc(indexed))).lastrowid
            self._db.execute("INSERT INTO chunk_terms (rowid, terms) VALUES (?, ?)", (rowid, indexed))
        self._db.executemany("INSERT INTO term_df (term, df) VALUES (?, ?) "
                             "ON CONFLICT (term) DO UPDATE SET df = df + excluded.df", df.items())

    def remove(self, doc_ids: Iterable[str]) -> None:
        self._size.clear()
        df: Counter[str] = Counter()
        for doc_id in doc_ids:
            rows = self._db.execute("SELECT chunk_terms.rowid, terms FROM chunks JOIN chunk_terms "
                                    "ON chunk_terms.rowid = chunks.rowid WHERE doc_id = ?", (doc_id,)).fetchall()
            for _, words in rows:
                df.update(set(words.split()))
            self._db.executemany("DELETE FROM chunk_terms WHERE rowid = ?", [(r,) for r, _ in rows])
            self._db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
        self._db.executemany("UPDATE term_df SET df = df - ? WHERE term = ?", [(n, t) for t, n in df.items()])
        self._db.execute("DELETE FROM term_df WHERE df <= 0")

    def __len__(self) -> int:
        return self.stats()[0]

    def stats(self) -> tuple[int, float]:
        """Chunk count and average length in terms, read again only when the file changed
        (data_version tells of other connections' commits, add() and remove() of this one's)."""
        return self._size.get()

    def _read_size(self) -> tuple[int, float]:
        count, length = self._db.execute("SELECT count(*), total(length) FROM chunks").fetchone()
        return count, length / count if count else 1.0

    def doc_freq(self, term: str) -> int:
        row = self._db.execute("SELECT df FROM term_df WHERE term = ?", (term,)).fetchone()
        return int(row[0]) if row else 0

    def idf(self, term: str) -> float:
        """Rarity of a (stemmed) term across chunks; unknown terms get the highest weight."""
        n = max(len(self), 1)
        df = self.doc_freq(term)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: the term counts and the full-text index seen at the same moment,
        whatever other processes commit meanwhile (else a prune between the two reads looks like damage)."""
        if self._db.in_transaction:
            yield
            return
        self._db.execute("BEGIN")
        try:
            yield
        finally:
            self._db.execute("COMMIT")

    def candidates(self, match: str, limit: int) -> list[tuple[int, str]]:
        """(rowid, terms) of the chunks FTS5 ranks best for an FTS5 query, each checked against its checksum."""
        rows = self._db.execute(
            "SELECT chunk_terms.rowid, chunk_terms.terms, chunks.crc FROM chunk_terms JOIN chunks "
            "ON chunks.rowid = chunk_terms.rowid WHERE chunk_terms MATCH ? ORDER BY rank LIMIT ?",
            (match, limit)).fetchall()
        for _, text, crc in rows:
            if _crc(text) != crc:
                raise Damaged("a chunk's terms do not match their checksum")
        return [(rowid, text) for rowid, text, _ in rows]

    def chunk_ids(self, rowids: Sequence[int]) -> dict[int, str]:
        if not rowids:
            return {}
        return dict(self._db.execute("SELECT rowid, chunk_id FROM chunks "
                                     f"WHERE rowid IN ({','.join('?' * len(rowids))})",
                                     list(rowids)))

    def spot_check(self, samples: int = 3) -> None:
        """On opening: a few random chunks must match their checksums and be found by their own
        rarest term. Costs a few milliseconds at any size; finds an index zeroed in place."""
        with self.snapshot():
            top = self._db.execute("SELECT max(rowid) FROM chunks").fetchone()[0]
            for _ in range(samples if top else 0):
                row = self._db.execute("SELECT chunks.rowid, crc, terms FROM chunks JOIN chunk_terms ON "
                                       "chunk_terms.rowid = chunks.rowid WHERE chunks.rowid >= ? "
                                       "ORDER BY chunks.rowid LIMIT 1", (random.randint(1, top),)).fetchone()
                if row is None:
                    continue
                rowid, crc, text = row
                if _crc(text) != crc:
                    raise Damaged("a chunk's terms do not match their checksum")
                words = sorted(set(text.split()), key=self.doc_freq)
                if words and not self._db.execute("SELECT 1 FROM chunk_terms WHERE chunk_terms MATCH ? AND "
                                                  "rowid = ?", (f'"{words[0]}"', rowid)).fetchone():
                    raise Damaged(f"the full-text index does not find chunk {rowid} by its own words")


class KeywordIndex:
    """BM25 search over the chunks' terms (`chunk_terms`) and their articles' names (`names`),
    in SQLite's FTS5 inside the catalogue file. Writes happen inside the caller's transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self.chunk_terms = ChunkTerms(db)
        self.names = NameIndex(db)

    def add(self, chunks: Iterable[tuple[str, str, str, Iterable[str]]]) -> None:
        """(chunk_id, doc_id, text to index, names) rows: the text is the chunk with its article's title,
        the names those analysis.py found in them."""
        rows = list(chunks)
        self.chunk_terms.add((cid, doc_id, terms(text)) for cid, doc_id, text, _ in rows)
        self.names.add((doc_id, names) for _, doc_id, _, names in rows)

    def remove(self, doc_ids: Iterable[str]) -> None:
        doc_ids = list(doc_ids)
        self.chunk_terms.remove(doc_ids)
        self.names.remove(doc_ids)

    def search(self, query: str, n: int) -> list[tuple[str, float]]:
        """Chunk ids with a positive BM25 score, best first.

        FTS5 finds the candidates; they are scored again with Lucene's BM25 (as bm25s did
        before). FTS5's own formula gives no weight at all to a term in over half the chunks,
        which in a small single-topic collection ("Putin" in a folder about Putin) silences
        words the question is about: on the calibration questions FTS5's order gave MRR 0.641,
        hit@1 0.458; rescored, 0.662 and 0.500."""
        query_terms = terms(query)
        if not query_terms:
            return []
        with self.chunk_terms.snapshot():
            total, average = self.chunk_terms.stats()
            df = {t: self.chunk_terms.doc_freq(t) for t in set(query_terms)}
            match = " OR ".join(f'"{t}"' for t in _candidate_terms(df, total))
            if not match:
                return []
            candidates = self.chunk_terms.candidates(match, max(CANDIDATES, 4 * n))
            if not candidates:
                raise Damaged(f"no chunk holds {match}, which the term counts say {max(df.values())} chunks do")
            weights = Counter(query_terms)
            idf = {t: math.log(1 + (total - df[t] + 0.5) / (df[t] + 0.5)) for t in weights}
            scored = []
            for rowid, text in candidates:
                words = text.split()
                counts = Counter(words)
                norm = BM25_K1 * (1 - BM25_B + BM25_B * len(words) / average)
                score = sum(w * idf[t] * counts[t] * (BM25_K1 + 1) / (counts[t] + norm)
                            for t, w in weights.items() if t in counts)
                if score > 0:
                    scored.append((score, rowid))
            scored.sort(key=lambda x: (-x[0], x[1]))
            best = scored[:n]
            ids = self.chunk_terms.chunk_ids([r for _, r in best])
        return [(ids[r], score) for score, r in best if r in ids]

    def phrase(self, text: str, n: int, names: Sequence[set[str]] = ()) -> list[str]:
        """Chunk ids holding the text's terms in a row ("only understands force" finds "Putin only
        understands force and pressure"): what a question quotes, said word for word. Many articles
        can carry one quote: those whose article names more of `names` come first, then by BM25."""
        words = terms(text)
        if len(words) < 2:
            return []
        wanted = sorted(set().union(*names)) if names else []
        covered = (f"(SELECT count(*) FROM article_names WHERE article_names.doc_id = chunks.doc_id "
                   f"AND term IN ({','.join('?' * len(wanted))})) DESC, ") if wanted else ""
        rows = self._db.execute(
            f"SELECT chunks.chunk_id FROM chunk_terms JOIN chunks ON chunks.rowid = chunk_terms.rowid "
            f"WHERE chunk_terms MATCH ? ORDER BY {covered}rank LIMIT ?",
            ('"' + " ".join(words) + '"', *wanted, n)).fetchall()
        return [cid for (cid,) in rows]

    def spellings(self, name: str) -> set[str]:
        """The indexed terms for a name: its own, or those of a name in the corpus spelt a little
        differently (see NameIndex.spellings), if some chunk holds them."""
        return {t for t in self.names.spellings(name) if self.chunk_terms.doc_freq(t) > 0}
