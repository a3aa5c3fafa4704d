"""Hybrid retrieval: dense (Chroma) and keyword (BM25) rankings, and for "what did X say" X's
statements, fused by reciprocal rank, then ordered by what a reader of news means by a question: a
passage holding, word for word, what the question quotes comes first, and then passages whose
article names the people and places the question names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields

from .analysis import quoted
from .answering import named_entities
from .asked import asks_who_said, speaker_asked
from .catalogue import Catalogue
from .store import Store, split_chunk_id
from .types import Chunk, Embedder, Passage

RRF_K = 60  # the constant from Cormack et al.; damps the weight of the very top ranks
CANDIDATES_PER_K, MIN_CANDIDATES = 4, 20
# Added to the fused score times the share of the question's names its article mentions: about
# what separates rank 1 from rank 12 in one ranking. Chosen on eval/calibration.jsonl (24
# answerable questions, hit@5), alone and inside the 10,000-chunk benchmark archive: 0.003 is
# the largest weight that costs nothing on the seeds alone (0.875 at 0 and 0.003, 0.833 at
# 0.01, 0.792 when names decide before the fused score); inside the archive 0.750 at 0 and 0.003.
NAME_WEIGHT = 0.003
# A question about what was said takes its evidence from the statements first: the chunks of the best
# this many statements are always among the k passages (dense and keyword search rank a statement
# low when the question paraphrases it, and fusion alone keeps it out).
STATEMENTS_KEPT = 2


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def _spoken(question: str, catalogue: Catalogue, n: int) -> list[str]:
    """For "what did X say about Y": the chunks of X's statements, those about Y first. For "who
    warned that ...": the chunks of everyone's statements, those that share the question's words first."""
    asked = speaker_asked(question)
    if asked is None:
        if not asks_who_said(question):
            return []
        rows = catalogue.find_statements(None, question, n)
        return list(dict.fromkeys(row["chunk_id"] for row, _ in rows if row["speaker"] != "unnamed"))
    keys, _ = catalogue.resolve_speaker(asked.name)
    if not keys:
        return []
    rows = catalogue.find_statements(keys, asked.about or question, n)
    return list(dict.fromkeys(row["chunk_id"] for row, _ in rows))


def hybrid_search(question: str, store: Store, catalogue: Catalogue, embedder: Embedder,
                  k: int = 5, candidates: int | None = None) -> list[Passage]:
    """Top-k passages. Each ranking contributes `candidates` items (default max(4k, 20)).
    Dense hits of an article being rewritten, or of a replaced version, are dropped.

    In an archive many articles share a topic's words, and a passage whose article never names
    the question's Lavrov or Alaska rarely answers it: articles that name them gain a little
    (NAME_WEIGHT), not everything, since "Moscow" and "Kyiv" stand for governments and the
    article that answers may name neither. A passage holding what the question quotes, word for
    word, comes first."""
    n = candidates or max(CANDIDATES_PER_K * k, MIN_CANDIDATES)
    names = [s for s in (catalogue.spellings(e) for e in named_entities(question)) if s]
    dense = store.query(embedder.embed([question])[0], n)
    quoting = [cid for text in quoted(question) for cid in catalogue.phrase(text, n, names)]
    spoken = _spoken(question, catalogue, n)
    current = catalogue.current([*(c.chunk_id for c in dense), *quoting, *spoken])
    dense = [c for c in dense if c.chunk_id in current]
    quoting = [cid for cid in dict.fromkeys(quoting) if cid in current]
    spoken = [cid for cid in spoken if cid in current]
    sparse = catalogue.search(question, n)
    dense_ids = [c.chunk_id for c in dense]
    sparse_ids = [cid for cid, _ in sparse]
    fused = dict(reciprocal_rank_fusion([dense_ids, sparse_ids, quoting, spoken]))

    doc_of = {cid: split_chunk_id(cid)[0] for cid in fused}
    covered = catalogue.names_covered(doc_of.values(), names)
    share = {cid: covered[doc_of[cid]] / len(names) if names else 0.0 for cid in fused}
    quote_hits = set(quoting)
    score = {cid: fused[cid] + NAME_WEIGHT * share[cid] for cid in fused}
    order = sorted(fused, key=lambda cid: (cid not in quote_hits, -score[cid], cid))[:k]
    kept = [cid for cid in spoken[:STATEMENTS_KEPT] if cid not in order][:k]
    if kept:
        order = order[: max(0, k - len(kept))] + kept

    found = {c.chunk_id: c for c in dense}
    found.update(store.get_chunks([cid for cid in order if cid not in found]))
    dense_rank = {cid: r for r, cid in enumerate(dense_ids, 1)}
    sparse_rank = {cid: r for r, cid in enumerate(sparse_ids, 1)}
    return [
        Passage(**{f.name: getattr(c, f.name) for f in fields(Chunk)}, score=score[cid],
                dense_rank=dense_rank.get(cid), keyword_rank=sparse_rank.get(cid))
        for cid in order
        if (c := found.get(cid)) is not None
    ]
