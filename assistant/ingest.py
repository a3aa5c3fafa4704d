"""Ingestion: files → articles → chunks → embeddings → Chroma, then the keyword index.

Idempotent (an unchanged article is left alone), replacing (a changed article's
old chunks go), and self-repairing (a crash mid-ingest is fixed on the next run).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from . import corpus
from .chunking import chunk_article
from .config import Settings
from .embeddings import MiniLMEmbedding
from .keyword import KeywordIndex
from .store import Store, split_chunk_id
from .types import Article, IngestReport, Skipped


def ingest(paths: Iterable[str | Path], store: Store, keyword: KeywordIndex, embedder: MiniLMEmbedding,
           settings: Settings, prune: bool = False, progress: bool = False) -> IngestReport:
    paths = [Path(p) for p in paths]
    loaded = corpus.load(paths, settings.max_file_bytes)
    skipped = list(loaded.skipped)
    records = store.article_records()
    counts = store.chunk_counts()

    seen: dict[str, Article] = {}
    for article in loaded.articles:
        if article.doc_id in seen:
            skipped.append(Skipped(article.path, f"doc_id {article.doc_id!r} is already used by "
                                                 f"{seen[article.doc_id].path} in this ingest"))
        else:
            seen[article.doc_id] = article

    added, updated, unchanged = [], [], []
    todo: list[Article] = []
    for doc_id, article in seen.items():
        record = records.get(doc_id)
        if record is None:
            added.append(doc_id)
            todo.append(article)
        elif record.content_hash == article.content_hash and counts[(doc_id, record.content_hash[:12])] == record.n_chunks:
            unchanged.append(doc_id)
        else:
            updated.append(doc_id)
            todo.append(article)

    # Articles whose stored chunks do not match their record (a crash mid-write) are rebuilt
    # from the text kept in the store, even when their file is not part of this ingest.
    for doc_id, record in records.items():
        if doc_id not in seen and counts[(doc_id, record.content_hash[:12])] != record.n_chunks:
            todo.append(store.article(doc_id))

    _write(todo, store, embedder, settings, progress, skipped)
    failed = {s.path for s in skipped}
    added = [d for d in added if seen[d].path not in failed]
    updated = [d for d in updated if seen[d].path not in failed]

    removed: list[str] = []
    if prune:
        looked_at = {str(f.resolve()) for f in loaded.files}
        roots = [p.resolve() for p in paths]
        for doc_id, record in records.items():
            if doc_id in seen or not record.path:
                continue
            source = Path(record.path).resolve()
            gone = not source.exists()
            dropped = str(source) in looked_at or any(source.is_relative_to(r) for r in roots)
            if gone or dropped:
                store.delete_article(doc_id)
                removed.append(doc_id)

    remove_orphans(store)
    chunks = sync_keyword_index(store, keyword)
    return IngestReport(added=tuple(added), updated=tuple(updated), unchanged=tuple(unchanged),
                        removed=tuple(removed), skipped=tuple(skipped), chunks=chunks)


def _write(articles: list[Article], store: Store, embedder: MiniLMEmbedding, settings: Settings,
           progress: bool, skipped: list[Skipped]) -> None:
    from tqdm import tqdm

    for article in tqdm(articles, desc="Indexing articles", unit="article", disable=not progress or not articles):
        chunks = chunk_article(article, settings.chunk_tokens, settings.chunk_overlap_tokens)
        if not chunks:
            skipped.append(Skipped(article.path, "no text to index"))
            continue
        store.put_article(article, chunks, embedder.embed([c.text for c in chunks]))


def remove_orphans(store: Store) -> None:
    """Chunks whose article record is missing or has another hash are left over from a crash."""
    records = store.article_records()
    orphans = []
    for cid in store.chunk_ids():
        doc_id, content_hash, _ = split_chunk_id(cid)
        record = records.get(doc_id)
        if record is None or record.content_hash[:12] != content_hash:
            orphans.append(cid)
    store.delete_chunks(orphans)


def sync_keyword_index(store: Store, keyword: KeywordIndex) -> int:
    """Rebuild the keyword index from Chroma when it was built from other chunks. Returns the chunk count."""
    ids = store.chunk_ids()
    fingerprint = store.fingerprint()
    if keyword.fingerprint != fingerprint:
        stored = store.all_chunks()
        keyword.build([c.chunk_id for c in stored], [f"{c.title}\n{c.text}" for c in stored], fingerprint)
    return len(ids)
