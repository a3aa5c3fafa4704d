"""The statement index: who said what, in the local catalogue beside the keyword index.

Statements are found at ingest (attribution.py) and stored in Chroma with the sentences of each
chunk, so they are added, replaced and removed with their article exactly as chunks are; this
table is derived from them, follows the same change feed and commits in the catalogue's
transaction. It answers `Assistant.statements()` and `speakers()`, and gives answering a
speaker's words first.
"""

from __future__ import annotations

import difflib
import re
import sqlite3
from collections.abc import Iterable, Sequence

from .analysis import capitalised, terms, transliterated
from .name_index import SPELLING_CUTOFF  # as for names in the keyword index: Witcooff offers Witkoff
from .speakers import speaker_key
from .types import Chunk, Speaker

SCHEMA = """
CREATE TABLE IF NOT EXISTS statements (rowid INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, start INTEGER NOT NULL,
    end INTEGER NOT NULL, sentence_start INTEGER NOT NULL, sentence_end INTEGER NOT NULL, speaker TEXT NOT NULL,
    speaker_name TEXT NOT NULL, as_written TEXT NOT NULL, role TEXT NOT NULL, kind TEXT NOT NULL,
    quote TEXT NOT NULL, chunk_id TEXT NOT NULL, UNIQUE (doc_id, start, speaker));
CREATE INDEX IF NOT EXISTS statements_by_speaker ON statements (speaker);
CREATE INDEX IF NOT EXISTS statements_by_doc ON statements (doc_id);
CREATE VIRTUAL TABLE IF NOT EXISTS statement_terms USING fts5 (terms, tokenize="ascii tokenchars '_'");
"""
COLUMNS = ("doc_id", "start", "end", "sentence_start", "sentence_end", "speaker", "speaker_name", "as_written",
           "role", "kind", "quote", "chunk_id")


class StatementIndex:
    """Writes happen inside the catalogue's transaction, like the keyword index's."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def add(self, doc_id: str, chunks: Iterable[Chunk]) -> None:
        """The statements in these chunks of one article (a sentence in two chunks counts once)."""
        for chunk in chunks:
            for sentence in chunk.sentences:
                # A sentence belongs to the chunk it starts in (a sentence longer than a chunk is cut).
                if not chunk.start <= sentence.start < chunk.end or sentence.end > chunk.end:
                    continue
                words = " ".join(terms(chunk.text[sentence.start - chunk.start : sentence.end - chunk.start]))
                for said in sentence.said:
                    quote = chunk.text[said.start - chunk.start : said.end - chunk.start]
                    row = (doc_id, said.start, said.end, sentence.start, sentence.end, said.speaker,
                           said.speaker_name, said.as_written, said.role, said.kind, quote, chunk.chunk_id)
                    cursor = self._db.execute(
                        f"INSERT OR IGNORE INTO statements ({', '.join(COLUMNS)}) "
                        f"VALUES ({','.join('?' * len(COLUMNS))})",
                        row)
                    if cursor.rowcount:
                        self._db.execute("INSERT INTO statement_terms (rowid, terms) VALUES (?, ?)",
                                         (cursor.lastrowid, words))

    def remove(self, doc_ids: Iterable[str]) -> None:
        for doc_id in doc_ids:
            rows = [(r,) for (r,) in self._db.execute("SELECT rowid FROM statements WHERE doc_id = ?", (doc_id,))]
            self._db.executemany("DELETE FROM statement_terms WHERE rowid = ?", rows)
            self._db.execute("DELETE FROM statements WHERE doc_id = ?", (doc_id,))

    # --- reading --------------------------------------------------------------------------

    def keys(self) -> list[str]:
        return [k for (k,) in self._db.execute("SELECT DISTINCT speaker FROM statements")]

    def resolve(self, name: str) -> tuple[list[str], list[str]]:
        """The speaker keys a name stands for ("Sergey Lavrov", "Lavrov", "Zelenskyy", "The Guardian"),
        and, when there are none, the close spellings of quoted speakers (Witcooff: Witkoff)."""
        known = self.keys()
        words = [w for w in name.replace("’", "'").split() if w.lower() not in ("the", "a", "an")]
        head = re.sub(r"\s+(?:of|at|for)\s+(?:the\s+)?[A-Z].*$", "", " ".join(words)).split()
        if head and head[-1][:1].islower():  # "Russian foreign minister", "a representative of the EU"
            return self._described(words), []
        whole = " ".join(speaker_key(w) for w in words)
        last = speaker_key(capitalised(name)[-1] if capitalised(name) else (words[-1] if words else ""))
        found = [k for k in known if k in (whole, last) or transliterated(k, last)
                 or (" " in k and whole and set(whole.split()) <= set(k.split()))]
        if found:
            return found, []
        close = difflib.get_close_matches(last, known, n=3, cutoff=SPELLING_CUTOFF)
        close += [k for k in difflib.get_close_matches(whole, known, n=3, cutoff=SPELLING_CUTOFF) if k not in close]
        return [], close

    def _described(self, words: Sequence[str]) -> list[str]:
        """The speakers an article describes by these words ("Russian foreign minister": Lavrov, whose
        role says so), most quoted first."""
        wanted = set(terms(" ".join(words)))
        if not wanted:
            return []
        # A term is a prefix of the words it stands for: SQL keeps the rows that can match, terms() decides.
        described = "(speaker_name || ' ' || role || ' ' || as_written)"
        counts: dict[str, int] = {}
        for key, name, role, as_written, n in self._db.execute(
                "SELECT speaker, speaker_name, role, as_written, COUNT(*) FROM statements WHERE speaker != 'unnamed' "
                + "".join(f"AND {described} LIKE ? " for _ in wanted) + "GROUP BY 1, 2, 3, 4",
                [f"%{t}%" for t in sorted(wanted)]):
            described_terms = set(terms(f"{name} {role} {as_written}"))
            # "Russia's" is "Russian"; a short term must match whole ("un" is not "union")
            if all(any(d.startswith(t) if len(t) >= 4 else d == t for d in described_terms) for t in wanted):
                counts[key] = counts.get(key, 0) + n
        return sorted(counts, key=lambda k: (-counts[k], k))

    def find(self, speakers: Sequence[str] | None, about: str | None, k: int,
             doc_id: str | None = None) -> list[tuple[dict, float]]:
        """Statements by any of `speakers` (everyone when None), those about `about` first (BM25 over
        the words of their sentences), then in the order of the articles."""
        where, args = [], []
        if speakers is not None:
            where.append(f"s.speaker IN ({','.join('?' * len(speakers))})")
            args += list(speakers)
        if doc_id is not None:
            where.append("s.doc_id = ?")
            args.append(doc_id)
        columns = ", ".join(f"s.{c}" for c in COLUMNS)
        about_terms = sorted(set(terms(about))) if about else []
        if about_terms:
            match = " OR ".join(f'"{t}"' for t in about_terms)
            rows = self._db.execute(
                f"SELECT {columns}, -bm25(statement_terms) FROM statement_terms JOIN statements s "
                f"ON s.rowid = statement_terms.rowid WHERE statement_terms MATCH ? "
                f"{'AND ' + ' AND '.join(where) if where else ''} ORDER BY rank LIMIT ?",
                (match, *args, k)).fetchall()
        else:
            rows = self._db.execute(
                f"SELECT {columns}, 0.0 FROM statements s {'WHERE ' + ' AND '.join(where) if where else ''} "
                f"ORDER BY s.doc_id, s.start LIMIT ?", (*args, k)).fetchall()
        return [(dict(zip(COLUMNS, row[:-1])), float(row[-1])) for row in rows]

    def speakers(self, key: str | None = None) -> list[Speaker]:
        """Who is quoted, most quoted first (only `key`, when given)."""
        found: dict[str, dict] = {}
        for speaker, name, role, doc_id in self._db.execute(
                "SELECT speaker, speaker_name, role, doc_id FROM statements WHERE speaker != 'unnamed'"
                + (" AND speaker = ?" if key else ""), (key,) if key else ()):
            entry = found.setdefault(speaker, {"name": "", "roles": set(), "count": 0, "docs": set()})
            entry["count"] += 1
            entry["docs"].add(doc_id)
            if len(name) > len(entry["name"]):
                entry["name"] = name
            if role:
                entry["roles"].add(role)
        return sorted((Speaker(speaker=key, name=e["name"] or key, roles=tuple(sorted(e["roles"])),
                               statements=e["count"], doc_ids=tuple(sorted(e["docs"])))
                       for key, e in found.items()), key=lambda s: (-s.statements, s.speaker))

