"""The Python API. The CLI, the UI and the evaluation are thin layers over `Assistant`."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from .answering import extractive_answer
from .config import Settings
from .embeddings import get_embedder
from .errors import ConfigError, QuestionError
from .ingest import ingest, remove_orphans, sync_keyword_index
from .keyword import KeywordIndex
from .retrieval import hybrid_search
from .store import ArticleRecord, Store
from .types import Answer, Article, IngestReport, Passage

MODES = ("extractive",)


class Assistant:
    """Grounded question answering over a corpus of news articles.

    The index is opened, and the configured corpus ingested (a no-op when nothing
    changed), on first use rather than at construction.
    """

    def __init__(self, index_dir: str | Path | None = None, corpus: Sequence[str | Path] | None = None,
                 chroma_url: str | None = None, settings: Settings | None = None) -> None:
        settings = settings or Settings.from_env()
        self.settings = settings.with_overrides(
            index_dir=Path(index_dir) if index_dir is not None else None,
            corpus=tuple(Path(p) for p in corpus) if corpus is not None else None,
            chroma_url=chroma_url,
        )
        self._store: Store | None = None
        self._keyword: KeywordIndex | None = None
        self._articles: dict[str, Article] = {}

    # --- lifecycle ----------------------------------------------------------------

    @property
    def embedder(self):
        return get_embedder(self.settings.embedding_model)

    def _open(self) -> tuple[Store, KeywordIndex]:
        if self._store is None or self._keyword is None:
            store = Store(self.settings.index_dir, self.settings.embedding_model, self.embedder.dimension,
                          chroma_url=self.settings.chroma_url, collection=self.settings.collection)
            keyword = KeywordIndex(self.settings.index_dir / f"keyword-{self.settings.collection}")
            self._store, self._keyword = store, keyword
            if self.settings.corpus:
                self.ingest(self.settings.corpus)
            else:
                remove_orphans(store)
                sync_keyword_index(store, keyword)
        return self._store, self._keyword

    # --- public API -----------------------------------------------------------------

    def ingest(self, paths: Iterable[str | Path], prune: bool = False, progress: bool = False) -> IngestReport:
        """Add or update articles from files and folders; `prune` drops articles whose files are gone."""
        store, keyword = self._open()
        report = ingest(paths, store, keyword, self.embedder, self.settings, prune=prune, progress=progress)
        self._articles.clear()
        return report

    def retrieve(self, question: str, k: int | None = None) -> list[Passage]:
        question = self._check(question)
        store, keyword = self._open()
        return hybrid_search(question, store, keyword, self.embedder, k or self.settings.top_k)

    def ask(self, question: str, history: Sequence[dict] | None = None, mode: str | None = None,
            k: int | None = None) -> Answer:
        question = self._check(question)
        mode = mode or "extractive"
        if mode not in MODES:
            raise ConfigError(f"unknown answer mode {mode!r}; choose one of {', '.join(MODES)}")
        started = time.perf_counter()
        passages = self.retrieve(question, k)
        retrieved = time.perf_counter()
        _, keyword = self._open()
        answer = extractive_answer(question, passages, self._articles_for(passages), self.embedder, keyword)
        done = time.perf_counter()
        answer.timings.update(retrieve=retrieved - started, answer=done - retrieved, total=done - started)
        return answer

    def document(self, doc_id: str) -> Article:
        store, _ = self._open()
        if doc_id not in self._articles:
            self._articles[doc_id] = store.article(doc_id)
        return self._articles[doc_id]

    def articles(self) -> list[ArticleRecord]:
        store, _ = self._open()
        return sorted(store.article_records().values(), key=lambda r: r.doc_id)

    # --- helpers --------------------------------------------------------------------

    def _check(self, question: str) -> str:
        if not isinstance(question, str) or not question.strip():
            raise QuestionError("the question is empty; ask something about the articles")
        question = question.strip()
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(
                f"the question is {len(question)} characters long; the limit is "
                f"{self.settings.max_question_chars} (ASSISTANT_MAX_QUESTION_CHARS)"
            )
        return question

    def _articles_for(self, passages: Sequence[Passage]) -> dict[str, Article]:
        return {p.doc_id: self.document(p.doc_id) for p in passages}
