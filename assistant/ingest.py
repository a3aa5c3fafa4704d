"""Ingestion: files → articles → chunks → embeddings → Chroma, then the local catalogue.

Idempotent (an unchanged article is left alone), replacing (a changed article's old
chunks go), self-repairing (an article a crash left half-written is rewritten from the
text the store already holds) and streaming: articles are read, embedded and written a
batch at a time, so memory stays flat however large the archive, and the work done is
proportional to what changed, not to the size of the index.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from . import corpus
from .analysis import analyse, sentence_spans
from .article_table import DAMAGED
from .catalogue import Catalogue
from .chunking import chunk_article
from .config import Settings
from .locking import WriterLock
from .records import COMPLETE, DELETED, WRITING, ArticleRecord
from .store import Store
from .types import Article, Chunk, Embedder, IngestReport, Sentence, Skipped


def ingest(paths: Iterable[str | Path], store: Store, catalogue: Catalogue, embedder: Embedder,
           settings: Settings, prune: bool = False, progress: bool = False, replace: bool = False) -> IngestReport:
    """`replace`: an article whose doc_id is already taken by an article from another file replaces
    it; without it, such an article is refused (a conflict) and the indexed one stays as it was."""
    files, skipped = corpus.find_files(paths := list(paths))  # "" is refused there, before Path("") means "."
    given = [Path(p) for p in paths]
    with store.writer_lock(settings.lock_timeout) as lock, \
            _Writer(store, catalogue, embedder, settings, skipped, progress, lock) as writer:
        catalogue.sync()
        seen: dict[str, str] = {}
        added: list[str] = []
        updated: list[str] = []
        unchanged: list[str] = []
        conflicts: list[str] = []
        refused: list[Skipped] = []  # conflicts: kept apart, so a feed's other records still count as written
        written: set[str] = set()
        for item in corpus.read(files, settings.max_file_bytes):
            if isinstance(item, Skipped):
                skipped.append(item)
                continue
            if item.doc_id in seen:
                skipped.append(Skipped(item.path, f"doc_id {item.doc_id!r} is already used by "
                                                  f"{seen[item.doc_id]} in this ingest"))
                continue
            seen[item.doc_id] = item.path
            record = catalogue.record(item.doc_id)
            if record is not None and record.state == COMPLETE and record.content_hash == item.content_hash:
                unchanged.append(item.doc_id)
                continue
            if (not replace and record is not None and record.state != DELETED
                    and from_another_file(record.path, item.path)):
                conflicts.append(item.doc_id)
                gone = "" if os.path.exists(_absolute(record.path)) else ", which is no longer there"
                refused.append(Skipped(item.path, f"the article id {item.doc_id!r} is already taken by "
                                                  f"{record.title!r} from {record.path}{gone}; that article was left "
                                                  "as it was (replace it on purpose with --replace, "
                                                  "or rename the file)"))
                continue
            (added if record is None or record.state == DELETED else updated).append(item.doc_id)
            writer.add(item, replacing=record is not None and record.state != DELETED)
            written.add(item.doc_id)
        # Articles a crash left half-written, even when their file is not part of this ingest (or was refused).
        writer.wait()
        for record in catalogue.with_state(WRITING, DAMAGED):
            if record.doc_id not in written:
                writer.add(store.article(record.doc_id), replacing=True)
        writer.flush()
        writer.wait()
        failed = {s.path for s in skipped}
        added = [d for d in added if seen[d] not in failed]
        updated = [d for d in updated if seen[d] not in failed]
        skipped += refused
        removed = _prune(given, files, seen, store, catalogue) if prune else []
        catalogue.sync()
    return IngestReport(added=tuple(added), updated=tuple(updated), unchanged=tuple(unchanged),
                        removed=tuple(removed), skipped=tuple(skipped), conflicts=tuple(conflicts),
                        chunks=catalogue.chunk_count())


def from_another_file(indexed: str, incoming: str) -> bool:
    """Two different files (by their real paths); an article indexed without a path has no owner to protect.
    Indexes written before paths were absolute hold paths relative to where that ingest ran: such a
    path is the same file when the incoming one ends with it."""
    if not (indexed and incoming):
        return False
    if not os.path.isabs(indexed):
        return not os.path.normpath(os.path.realpath(incoming)).endswith(os.sep + os.path.normpath(indexed))
    return os.path.realpath(indexed) != os.path.realpath(incoming)


def _absolute(path: str) -> str:
    return path if os.path.isabs(path) else os.path.abspath(path)


class _Writer:
    """Collects articles until a batch is worth embedding, then embeds it while the previous batch is
    written: the store's writes (Chroma's SQLite and vector index) run beside the next batch's embedding
    instead of between batches, one batch at a time and in order, so a crash leaves what it always left.
    The catalogue records a batch in this thread once its write has finished (its SQLite connection
    belongs to this thread)."""

    def __init__(self, store: Store, catalogue: Catalogue, embedder: Embedder, settings: Settings,
                 skipped: list[Skipped], progress: bool, lock: WriterLock) -> None:
        self.store, self.catalogue, self.embedder, self.settings = store, catalogue, embedder, settings
        self.lock = lock
        self.skipped = skipped
        self.pending: list[tuple[Article, list[Chunk]]] = []
        self.spans: list[list[tuple[int, int]]] = []
        self.replacing: list[str] = []
        self.bar = _progress(progress)
        # one thread analyses the batch being embedded, the other writes the batch before it
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ingest")
        self.writing: tuple[Future[list[ArticleRecord]], list[tuple[Article, list[Chunk]]], int] | None = None

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if exc[0] is None:
                self.wait()
            elif self.writing is not None:
                self.writing[0].exception()  # let the write under way finish before the lock goes
        finally:
            self.pool.shutdown(wait=True)

    def add(self, article: Article, replacing: bool) -> None:
        spans = sentence_spans(article.text)
        chunks = chunk_article(article, self.settings.chunk_tokens, self.settings.chunk_overlap_tokens, spans)
        if not chunks:
            self.skipped.append(Skipped(article.path, "no text to index"))
            return
        self.pending.append((article, chunks))
        self.spans.append(spans)
        if replacing:
            self.replacing.append(article.doc_id)
        if sum(len(c) for _, c in self.pending) >= self.settings.ingest_batch_chunks:
            self.flush()

    def flush(self) -> None:
        """Embed and analyse the collected articles, then start writing them."""
        if not self.pending:
            return
        pending, spans, replacing = self.pending, self.spans, self.replacing
        self.pending, self.replacing, self.spans = [], [], []
        # The analysis (mostly spaCy's parser, one thread) runs beside the embedding (ONNX, which leaves
        # part of the second core idle): the texts to embed do not depend on it.
        analysing = self.pool.submit(analyse, [a for a, _ in pending], spans, self.settings.attribute)
        texts = [c.text for _, chunks in pending for c in chunks]
        vectors = self.embedder.embed(texts)
        analysed = analysing.result()
        pending = [(a, with_sentences(chunks, sentences)) for (a, chunks), sentences in zip(pending, analysed)]
        items, at = [], 0
        for article, chunks in pending:
            items.append((article, chunks, vectors[at : at + len(chunks)]))
            at += len(chunks)
        self.wait()
        self.lock.renew()
        self.writing = (self.pool.submit(self.store.put_articles, items, replacing=replacing), pending, len(texts))

    def wait(self) -> None:
        """Until the batch being written is written, then record it in the catalogue."""
        if self.writing is None:
            return
        future, pending, count = self.writing
        self.writing = None
        records = future.result()
        self.catalogue.written(records, {a.doc_id: chunks for a, chunks in pending})
        if self.bar is not None:
            self.bar.update(count)


def with_sentences(chunks: list[Chunk], sentences: tuple[Sentence, ...]) -> list[Chunk]:
    """Each chunk with the analysed sentences that overlap it."""
    return [replace(c, sentences=tuple(s for s in sentences if s.start < c.end and s.end > c.start)) for c in chunks]


def _prune(paths: list[Path], files: list[Path], seen: dict[str, str], store: Store,
           catalogue: Catalogue) -> list[str]:
    """Articles whose file is gone, or was looked at and no longer holds them."""
    looked_at = {str(f.resolve()) for f in files}
    roots = [p.resolve() for p in paths]
    doomed = []
    for record in catalogue.articles():
        if record.doc_id in seen or not record.path:
            continue
        source = Path(record.path).resolve()
        if not source.exists() or str(source) in looked_at or any(source.is_relative_to(r) for r in roots):
            doomed.append(record.doc_id)
    if doomed:
        catalogue.written(store.delete_articles(doomed), {})
    return doomed


def _progress(enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(desc="Indexing", unit="chunk")
