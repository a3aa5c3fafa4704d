"""Hybrid retrieval: dense (Chroma) and keyword (BM25) rankings fused by reciprocal rank."""

from __future__ import annotations

from collections.abc import Sequence

from .catalogue import Catalogue
from .store import Store
from .types import Embedder, Passage

RRF_K = 60  # the constant from Cormack et al.; damps the weight of the very top ranks


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def hybrid_search(question: str, store: Store, catalogue: Catalogue, embedder: Embedder,
                  k: int = 5, candidates: int | None = None) -> list[Passage]:
    """Top-k passages. Each ranking contributes `candidates` items (default max(4k, 20)).
    Dense hits of an article being rewritten, or of a replaced version, are dropped."""
    n = candidates or max(4 * k, 20)
    dense = store.query(embedder.embed([question])[0], n)
    current = catalogue.current(c.chunk_id for c in dense)
    dense = [c for c in dense if c.chunk_id in current]
    sparse = catalogue.search(question, n)
    dense_ids = [c.chunk_id for c in dense]
    sparse_ids = [cid for cid, _ in sparse]
    fused = reciprocal_rank_fusion([dense_ids, sparse_ids])[:k]

    found = {c.chunk_id: c for c in dense}
    found.update(store.get_chunks([cid for cid, _ in fused if cid not in found]))
    dense_rank = {cid: r for r, cid in enumerate(dense_ids, 1)}
    sparse_rank = {cid: r for r, cid in enumerate(sparse_ids, 1)}
    return [
        Passage(chunk_id=cid, doc_id=c.doc_id, title=c.title, text=c.text, start=c.start, end=c.end,
                score=score, dense_rank=dense_rank.get(cid), keyword_rank=sparse_rank.get(cid))
        for cid, score in fused
        if (c := found.get(cid)) is not None
    ]
