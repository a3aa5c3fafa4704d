"""The keyword index: BM25 over the same chunks as Chroma, persisted beside it.

It is derived data. It records a fingerprint of the chunk ids it was built from;
whenever that differs from Chroma's (after an ingest, or a crash mid-ingest) it is
rebuilt from Chroma, so the two never drift apart. It is built at ingest time and
loaded once, never rebuilt per query.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

_WORD = re.compile(r"\w\w+|\d")
FORMAT = 3  # bump when terms() changes: indexes of another format are rebuilt
_NAME = re.compile(r"\b[A-Z][\w’'\-]+")
SPELLING_CUTOFF = 0.8  # Witkoff/Witcooff and Alaskan/Alaska match; Kyiv/Kiev (0.75) does not
_VOWELS = re.compile(r"[aeiouy]")


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    from nltk.corpus import stopwords as nltk_stopwords

    from .offline import use_bundled_nltk_data

    use_bundled_nltk_data()
    # bm25s's own English list has 33 words (no "where", "from"); nltk's has 179.
    return frozenset(nltk_stopwords.words("english")) | {"said", "say", "says", "according", "tell", "told"}


def transliterated(word: str, known: str) -> bool:
    """Two spellings of one name that differ only in vowels, as transliterations do (Kyiv/Kiev,
    Kharkiv/Kharkov, Zelensky/Zelenskiy): same first and last letter, same consonants in order."""
    return (len(word) >= 4 and len(known) >= 4 and word[0] == known[0] and word[-1] == known[-1]
            and _VOWELS.sub("", word) == _VOWELS.sub("", known))


def _names_in(text: str) -> list[str]:
    return [m.lower().replace("’", "'").removesuffix("'s").strip("'-") for m in _NAME.findall(text)]


def terms(text: str) -> list[str]:
    """Lower-cased, stemmed content words: the vocabulary of the keyword index and of answer scoring."""
    words = [w for w in _WORD.findall(text.lower().replace("’", "'")) if w not in stopwords()]
    return _stemmer().stemWords(words)


@dataclass(frozen=True)
class _Snapshot:
    """Everything a search reads, swapped in one assignment so a rebuild never shows half of itself."""

    ids: tuple[str, ...] = ()
    doc_freq: dict[str, int] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # capitalised words (lower-cased) -> their term
    bm25: Any = None
    fingerprint: str | None = None


class KeywordIndex:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._now = self._load()

    @property
    def fingerprint(self) -> str | None:
        return self._now.fingerprint

    def _load(self) -> _Snapshot:
        meta_file = self.folder / "meta.json"
        if not meta_file.exists():
            return _Snapshot()
        try:
            import bm25s

            meta = json.loads(meta_file.read_text(encoding="utf-8"))
            if meta.get("format") != FORMAT:
                return _Snapshot()  # built by another version's tokenizer: rebuilt from Chroma
            ids = tuple(meta["ids"])
            bm25 = bm25s.BM25.load(str(self.folder / "bm25"), show_progress=False) if ids else None
            return _Snapshot(ids, meta["doc_freq"], meta["names"], bm25, meta["fingerprint"])
        except Exception:  # noqa: BLE001 - a damaged keyword index is rebuilt from Chroma
            return _Snapshot()

    def build(self, ids: Sequence[str], texts: Sequence[str], fingerprint: str) -> None:
        """Build and save atomically: a crash leaves the old index or the new one, never half of each."""
        import bm25s

        tokenized = [terms(t) for t in texts]
        doc_freq: dict[str, int] = {}
        for toks in tokenized:
            for tok in set(toks):
                doc_freq[tok] = doc_freq.get(tok, 0) + 1
        names = {w: ts[0] for text in texts for w in _names_in(text) if len(w) >= 4 and (ts := terms(w))}
        bm25 = None
        tmp = self.folder.with_name(self.folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if ids:
            bm25 = bm25s.BM25()
            bm25.index(tokenized, show_progress=False)
            bm25.save(str(tmp / "bm25"), show_progress=False)
        meta = {"format": FORMAT, "fingerprint": fingerprint, "ids": list(ids), "doc_freq": doc_freq, "names": names}
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        old = self.folder.with_name(self.folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.folder.exists():
            self.folder.rename(old)
        tmp.rename(self.folder)
        shutil.rmtree(old, ignore_errors=True)
        self._now = _Snapshot(tuple(ids), doc_freq, names, bm25, fingerprint)

    def search(self, query: str, n: int) -> list[tuple[str, float]]:
        """Chunk ids with a positive BM25 score, best first."""
        now = self._now
        query_terms = [t for t in terms(query) if t in now.doc_freq]
        if now.bm25 is None or not query_terms:
            return []
        docs, scores = now.bm25.retrieve([query_terms], k=min(n, len(now.ids)), show_progress=False)
        return [(now.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]

    def idf(self, term: str) -> float:
        """Rarity of a (stemmed) term across chunks; unknown terms get the highest weight."""
        now = self._now
        n = max(len(now.ids), 1)
        df = now.doc_freq.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def spellings(self, name: str) -> set[str]:
        """The indexed terms for a name: its own, or those of a name in the corpus spelt a little
        differently (Zelenskyy/Zelensky, Witkoff/Witcooff, Alaskan/Alaska, Kyiv/Kiev; not Scholz/School)."""
        import difflib

        now = self._now
        found = {t for t in terms(name) if t in now.doc_freq}
        for word in _names_in(name):
            if len(word) < 4 or word in now.names:
                continue
            for known, term in now.names.items():
                if word.startswith(known) or known.startswith(word) or transliterated(word, known):
                    found.add(term)
            for close in difflib.get_close_matches(word, list(now.names), n=3, cutoff=SPELLING_CUTOFF):
                if close[0] == word[0] and close[-1] == word[-1]:
                    found.add(now.names[close])
        return found
