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

from .analysis import capitalised, consonants, terms
from .catalogue_file import UntilChanged
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
CREATE VIRTUAL TABLE IF NOT EXISTS statement_terms USING fts5 (speaker, described, terms,
    tokenize="ascii tokenchars '_'");
"""
# The full-text columns: the speaker key as one token, so that "Lavrov's statements about the agenda" is
# one intersection of two term lists rather than every statement about the agenda filtered by speaker
# (47 ms at 100,000 chunks); the words that describe the speaker (name, role, as written), for "the
# Russian foreign minister" (a LIKE scan of every statement, 262 ms there); the sentence's terms, which
# alone are scored (bm25 weights 0, 0, 1).
_RANKED = "bm25(statement_terms, 0.0, 0.0, 1.0)"
COLUMNS = ("doc_id", "start", "end", "sentence_start", "sentence_end", "speaker", "speaker_name", "as_written",
           "role", "kind", "quote", "chunk_id")


class StatementIndex:
    """Writes happen inside the catalogue's transaction, like the keyword index's."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        # The quoted speakers' keys, kept until the statements change: a name was matched against every key
        # of the archive on each question (37 ms at 100,000 chunks).
        self._keys = UntilChanged(db, lambda: _SpeakerKeys(
            [k for (k,) in db.execute("SELECT DISTINCT speaker FROM statements")]))

    def add(self, doc_id: str, chunks: Iterable[Chunk]) -> None:
        """The statements in these chunks of one article (a sentence in two chunks counts once)."""
        self._keys.clear()
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
                        described = " ".join(terms(f"{said.speaker_name} {said.role} {said.as_written}"))
                        self._db.execute("INSERT INTO statement_terms (rowid, speaker, described, terms) "
                                         "VALUES (?, ?, ?, ?)", (cursor.lastrowid, _token(said.speaker), described,
                                                                 words))

    def remove(self, doc_ids: Iterable[str]) -> None:
        self._keys.clear()
        for doc_id in doc_ids:
            rows = [(r,) for (r,) in self._db.execute("SELECT rowid FROM statements WHERE doc_id = ?", (doc_id,))]
            self._db.executemany("DELETE FROM statement_terms WHERE rowid = ?", rows)
            self._db.execute("DELETE FROM statements WHERE doc_id = ?", (doc_id,))

    # --- reading --------------------------------------------------------------------------

    def keys(self) -> list[str]:
        return list(self._keys.get().keys)

    def resolve(self, name: str) -> tuple[list[str], list[str]]:
        """The speaker keys a name stands for ("Sergey Lavrov", "Lavrov", "Zelenskyy", "The Guardian"),
        and, when there are none, the close spellings of quoted speakers (Witcooff: Witkoff)."""
        words = [w for w in name.replace("’", "'").split() if w.lower() not in ("the", "a", "an")]
        head = re.sub(r"\s+(?:of|at|for)\s+(?:the\s+)?[A-Z].*$", "", " ".join(words)).split()
        if head and head[-1][:1].islower():  # "Russian foreign minister", "a representative of the EU"
            return self._described(words), []
        whole = " ".join(speaker_key(w) for w in words)
        last = speaker_key(capitalised(name)[-1] if capitalised(name) else (words[-1] if words else ""))
        known = self._keys.get()
        found = known.matching(whole, last)
        if found:
            return found, []
        close = difflib.get_close_matches(last, known.keys, n=3, cutoff=SPELLING_CUTOFF)
        close += [k for k in difflib.get_close_matches(whole, known.keys, n=3, cutoff=SPELLING_CUTOFF)
                  if k not in close]
        return [], close

    def _described(self, words: Sequence[str]) -> list[str]:
        """The speakers an article describes by these words ("Russian foreign minister": Lavrov, whose
        role says so), most quoted first."""
        wanted = set(terms(" ".join(words)))
        if not wanted:
            return []
        # A term is a prefix of the words it stands for ("russia" of "russian"), a short one the whole word:
        # the full-text index keeps the rows that can match, terms() decides.
        match = " AND ".join(f'"{t}"*' if len(t) >= 4 else f'"{t}"' for t in sorted(wanted))
        counts: dict[str, int] = {}
        for key, name, role, as_written, n in self._db.execute(
                "SELECT s.speaker, s.speaker_name, s.role, s.as_written, COUNT(*) FROM statement_terms "
                "JOIN statements s ON s.rowid = statement_terms.rowid WHERE statement_terms MATCH ? "
                "AND s.speaker != 'unnamed' GROUP BY 1, 2, 3, 4", (f"described : ({match})",)):
            described_terms = set(terms(f"{name} {role} {as_written}"))
            # "Russia's" is "Russian"; a short term must match whole ("un" is not "union")
            if all(any(d.startswith(t) if len(t) >= 4 else d == t for d in described_terms) for t in wanted):
                counts[key] = counts.get(key, 0) + n
        return sorted(counts, key=lambda k: (-counts[k], k))

    def find(self, speakers: Sequence[str] | None, about: str | None, k: int,
             doc_id: str | None = None) -> list[tuple[dict, float]]:
        """Statements by any of `speakers` (everyone when None), those about `about` first (BM25 over
        the words of their sentences), then in the order of the articles."""
        if speakers is not None and not speakers:
            return []
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
            match = "terms : (" + " OR ".join(f'"{t}"' for t in about_terms) + ")"
            if speakers is not None:
                said_by = " OR ".join(f'"{_token(key)}"' for key in speakers)
                match = f"speaker : ({said_by}) AND {match}"
            rows = self._db.execute(
                f"SELECT {columns}, -{_RANKED} FROM statement_terms JOIN statements s "
                f"ON s.rowid = statement_terms.rowid WHERE statement_terms MATCH ? "
                f"{'AND ' + ' AND '.join(where) if where else ''} ORDER BY {_RANKED} LIMIT ?",
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


class _SpeakerKeys:
    """Speaker keys arranged for `resolve`: keys grouped by first letter, last letter and consonants, which is
    what analysis.transliterated compares (Zelensky / Zelenskiy); an outlet's several words are few."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        self._position = {k: i for i, k in enumerate(keys)}
        self._spelt: dict[tuple[str, str, str], list[str]] = {}
        for k in keys:
            if len(k) >= 4:
                self._spelt.setdefault(_skeleton(k), []).append(k)
        self._several_words = [k for k in keys if " " in k]

    def matching(self, whole: str, last: str) -> list[str]:
        """The keys that are the name, its last word, a transliteration of that word, or an outlet's name
        holding all its words; in the order of `keys`."""
        found = {k for k in (whole, last) if k in self._position}
        if len(last) >= 4:
            found.update(self._spelt.get(_skeleton(last), ()))  # the same skeleton: a transliteration
        if whole:
            found.update(k for k in self._several_words if set(whole.split()) <= set(k.split()))
        return sorted(found, key=self._position.__getitem__)


def _token(key: str) -> str:
    """A speaker key as one full-text token ("united states": united_states)."""
    return re.sub(r"[^a-z0-9]", "_", key)


def _skeleton(key: str) -> tuple[str, str, str]:
    return key[0], key[-1], consonants(key)
