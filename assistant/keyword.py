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
from functools import lru_cache
from pathlib import Path

_WORD = re.compile(r"\w\w+|\d")


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | {"said", "say", "says", "did", "does", "according", "tell", "told"}


def terms(text: str) -> list[str]:
    """Lower-cased, stemmed content words: the vocabulary of the keyword index and of answer scoring."""
    words = [w for w in _WORD.findall(text.lower().replace("’", "'")) if w not in stopwords()]
    return _stemmer().stemWords(words)


class KeywordIndex:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._bm25 = None
        self._ids: list[str] = []
        self._doc_freq: dict[str, int] = {}
        self.fingerprint: str | None = None
        self._load()

    def _load(self) -> None:
        meta_file = self.folder / "meta.json"
        if not meta_file.exists():
            return
        try:
            import bm25s

            meta = json.loads(meta_file.read_text(encoding="utf-8"))
            ids = meta["ids"]
            bm25 = bm25s.BM25.load(str(self.folder / "bm25"), show_progress=False) if ids else None
        except Exception:  # noqa: BLE001 - a damaged keyword index is rebuilt from Chroma
            return
        self._ids, self._doc_freq, self._bm25 = ids, meta["doc_freq"], bm25
        self.fingerprint = meta["fingerprint"]

    def build(self, ids: Sequence[str], texts: Sequence[str], fingerprint: str) -> None:
        """Build and save atomically: a crash leaves the old index or the new one, never half of each."""
        import bm25s

        tokenized = [terms(t) for t in texts]
        doc_freq: dict[str, int] = {}
        for toks in tokenized:
            for tok in set(toks):
                doc_freq[tok] = doc_freq.get(tok, 0) + 1
        bm25 = None
        tmp = self.folder.with_name(self.folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if ids:
            bm25 = bm25s.BM25()
            bm25.index(tokenized, show_progress=False)
            bm25.save(str(tmp / "bm25"), show_progress=False)
        (tmp / "meta.json").write_text(
            json.dumps({"fingerprint": fingerprint, "ids": list(ids), "doc_freq": doc_freq}), encoding="utf-8"
        )
        old = self.folder.with_name(self.folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.folder.exists():
            self.folder.rename(old)
        tmp.rename(self.folder)
        shutil.rmtree(old, ignore_errors=True)
        self._ids, self._doc_freq, self._bm25, self.fingerprint = list(ids), doc_freq, bm25, fingerprint

    def search(self, query: str, n: int) -> list[tuple[str, float]]:
        """Chunk ids with a positive BM25 score, best first."""
        query_terms = [t for t in terms(query) if t in self._doc_freq]
        if self._bm25 is None or not query_terms:
            return []
        docs, scores = self._bm25.retrieve([query_terms], k=min(n, len(self._ids)), show_progress=False)
        return [(self._ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]

    def idf(self, term: str) -> float:
        """Rarity of a (stemmed) term across chunks; unknown terms get the highest weight."""
        n = max(len(self._ids), 1)
        df = self._doc_freq.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def knows(self, term: str) -> bool:
        return term in self._doc_freq
