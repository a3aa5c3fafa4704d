"""The names the keyword index knows: which articles name whom, and how the corpus spells a name.

Part of the keyword index (keyword.py), in the same catalogue file and transaction. A name
is kept as the term the keyword index stores for it, so a name found here can be searched.
"""

from __future__ import annotations

import difflib
import sqlite3
from collections.abc import Iterable, Sequence

from .analysis import capitalised, name_form, terms, transliterated

SPELLING_CUTOFF = 0.8  # Witkoff/Witcooff and Alaskan/Alaska match; Kyiv/Kiev (0.75) does not

SCHEMA = """
CREATE TABLE IF NOT EXISTS names (word TEXT PRIMARY KEY, term TEXT NOT NULL, first TEXT NOT NULL,
                                  last TEXT NOT NULL, length INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS names_by_shape ON names (first, last, length);
CREATE TABLE IF NOT EXISTS article_names (doc_id TEXT NOT NULL, term TEXT NOT NULL,
                                          PRIMARY KEY (doc_id, term)) WITHOUT ROWID;
"""


class NameIndex:
    """`names`: every capitalised word of four letters or more, with its shape (first and last
    letter, length) to find similar spellings quickly; `article_names`: the names' terms by article."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def add(self, rows: Iterable[tuple[str, Iterable[str]]]) -> None:
        """(doc_id, names found in one of its chunks) rows, inside the catalogue's transaction."""
        names = {}
        article_names: set[tuple[str, str]] = set()
        stems: dict[str, list[str]] = {}  # a name recurs in every chunk of its article: stem it once
        for doc_id, chunk_names in rows:
            for w in map(name_form, chunk_names):
                if w not in stems:
                    stems[w] = terms(w)
                if t := stems[w]:
                    article_names.add((doc_id, t[0]))
                    if len(w) >= 4 and w not in names:
                        names[w] = t[0]
        self._db.executemany("INSERT OR IGNORE INTO article_names (doc_id, term) VALUES (?, ?)", article_names)
        self._db.executemany("INSERT OR IGNORE INTO names (word, term, first, last, length) VALUES (?, ?, ?, ?, ?)",
                             [(w, t, w[0], w[-1], len(w)) for w, t in names.items()])

    def remove(self, doc_ids: Iterable[str]) -> None:
        """The articles' names. Their spellings stay in `names`: KeywordIndex.spellings() offers only
        terms some chunk still holds."""
        self._db.executemany("DELETE FROM article_names WHERE doc_id = ?", [(d,) for d in doc_ids])

    def covered(self, doc_ids: Iterable[str], names: Sequence[set[str]]) -> dict[str, int]:
        """For each article, how many of the names it mentions; a name is the set of its spellings'
        terms (see spellings), and an article mentions it when any of them is capitalised in its text."""
        doc_ids = sorted(set(doc_ids))
        wanted = sorted(set().union(*names)) if names else []
        if not doc_ids or not wanted:
            return dict.fromkeys(doc_ids, 0)
        found: dict[str, set[str]] = {d: set() for d in doc_ids}
        for doc_id, term in self._db.execute(
                f"SELECT doc_id, term FROM article_names WHERE doc_id IN ({','.join('?' * len(doc_ids))}) "
                f"AND term IN ({','.join('?' * len(wanted))})", (*doc_ids, *wanted)):
            found[doc_id].add(term)
        return {d: sum(1 for name in names if name & terms_) for d, terms_ in found.items()}

    def spellings(self, name: str) -> set[str]:
        """Candidate terms for a name: its own, and those of names in the corpus spelt a little differently
        (Zelenskyy/Zelensky, Witkoff/Witcooff, Alaskan/Alaska, Kyiv/Kiev; not Scholz/School). Only names
        of a similar shape are read: the same first and last letter, or a shared prefix."""
        found = set(terms(name))
        for word in map(name_form, capitalised(name)):
            if len(word) < 4 or self._db.execute("SELECT 1 FROM names WHERE word = ?", (word,)).fetchone():
                continue
            prefixes = [word[:i] for i in range(4, len(word))]
            candidates = dict(self._db.execute(
                "SELECT word, term FROM names WHERE (first = ? AND last = ? AND length BETWEEN ? AND ?) "
                f"OR (word > ? AND word < ?) OR word IN ({','.join('?' * len(prefixes)) or 'NULL'})",
                (word[0], word[-1], len(word) * 2 // 3, len(word) * 3 // 2 + 1, word, word + "\uffff", *prefixes)))
            for known, term in candidates.items():
                if word.startswith(known) or known.startswith(word) or transliterated(word, known):
                    found.add(term)
            for close in difflib.get_close_matches(word, list(candidates), n=3, cutoff=SPELLING_CUTOFF):
                if close[0] == word[0] and close[-1] == word[-1]:
                    found.add(candidates[close])
        return found
