"""The Python API. The CLI, the UI and the evaluation are thin layers over `Assistant`."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from . import answer_paths
from .answer_paths import History
from .backends import AnswerMode, ChatBackend, answer_modes, make_backend
from .checks import MAX_STATEMENTS, checked_history, checked_k, checked_text
from .config import Settings
from .errors import ConfigError
from .grounding import Grounded
from .index import Index
from .ingest import ingest
from .local_model import local_model_available
from .store import ArticleRecord, Store
from .stream import AnswerStream
from .types import Answer, Article, Embedder, IngestReport, Passage, Speaker, Statement


class Assistant:
    """Grounded question answering over news articles. The index is opened on first use, and `corpus`
    (files, folders) then ingested, a no-op when unchanged. `store`, `embedder` (`model_name`, `dimension`,
    `embed(texts)`) and `backend` (a ChatBackend, then the default mode) replace what the settings would
    make. A context manager; or call `close()`."""

    def __init__(self, index_dir: str | Path | None = None, corpus: Sequence[str | Path] | None = None,
                 chroma_url: str | None = None, settings: Settings | None = None, *,
                 store: Store | None = None, embedder: Embedder | None = None,
                 backend: ChatBackend | None = None) -> None:
        self.settings = (settings or Settings()).with_overrides(
            index_dir=index_dir, corpus=corpus, chroma_url=chroma_url)
        self._store, self._embedder, self._backend = store, embedder, backend
        self._index: Index | None = None
        self._lock = threading.Lock()
        self._backends: dict[str, ChatBackend] = {backend.mode: backend} if backend else {}

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from .embeddings import get_embedder  # onnxruntime and llama-index: loaded when first needed

            self._embedder = get_embedder(self.settings.embedding_model)
        return self._embedder

    @property
    def index(self) -> Index:
        """The opened index (opened, and the corpus ingested, on first use)."""
        if self._index is None:
            self._index = Index.open(self.settings, self.embedder, self._store)
            if self.settings.corpus:
                self.ingest(self.settings.corpus)
        return self._index

    def close(self) -> None:
        """Let go of the index (the catalogue's SQLite connection); the next call opens it again."""
        if self._index is not None:
            self._index.close()
        self._index = None

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ingest(self, paths: Iterable[str | Path], prune: bool = False, progress: bool = False,
               replace: bool = False) -> IngestReport:
        """Add or update articles from files and folders; `prune` drops articles whose files are gone. An
        article whose doc_id belongs to another file's is refused (`report.conflicts`) unless `replace`."""
        index = self.index
        report = ingest(paths, index.store, index.catalogue, self.embedder, self.settings, prune=prune,
                        progress=progress, replace=replace)
        index.forget_texts()
        return report

    def retrieve(self, question: str, k: int | None = None) -> list[Passage]:
        question, k = self._question(question), checked_k(k) or self.settings.top_k  # before any work
        return self.index.search(question, k)

    def ask(self, question: str, history: History = None, mode: str | None = None, k: int | None = None) -> Answer:
        """The verified answer. `mode`: an AnswerMode or a registered backend's name; None picks the best
        available (see `answer_mode`)."""
        return self.stream(question, history=history, mode=mode, k=k).answer

    def stream(self, question: str, history: History = None, mode: str | None = None,
               k: int | None = None) -> AnswerStream:
        """The answer as it is written: iterate for text, then `.answer` is the verified Answer.
        A bad question or mode, or a model that cannot load, raises here, before any text."""
        question, history = self._question(question), checked_history(history)
        k = checked_k(k) or self.settings.top_k
        mode = self.answer_mode(mode)
        index = self.index
        if mode == AnswerMode.EXTRACTIVE:
            return AnswerStream(answer_paths.quoted_stream(index, question, history, k))
        started = time.perf_counter()  # the model's load time counts, not the index's opening
        with self._lock:  # two first questions at once (the chat UI) load the model once
            if mode not in self._backends:
                self._backends[mode] = make_backend(mode, self.settings)
            backend = self._backends[mode]
        return AnswerStream(answer_paths.generated(index, backend, question, history, k,
                                                   self.settings.max_answer_tokens,
                                                   self.settings.max_question_chars, started))

    def answer_mode(self, mode: str | None = None) -> str:
        """The mode asked for, else the backend passed in, else ASSISTANT_MODE, else a configured server,
        else the local model if it is installed, else extractive."""
        mode = mode or (self._backend.mode if self._backend else None) or self.settings.mode
        if mode is None:
            if self.settings.openai_configured:
                return AnswerMode.OPENAI
            return AnswerMode.LOCAL if local_model_available(self.settings) else AnswerMode.EXTRACTIVE
        known = (*answer_modes(), *self._backends)  # a backend passed in need not be registered
        if mode not in known:
            raise ConfigError(f"unknown answer mode {mode!r}; choose one of {', '.join(dict.fromkeys(known))}")
        return mode

    def evidence(self, question: str, k: int | None = None) -> list[Passage]:
        """The sentences a model would read for this question, best first, each a one-sentence Passage."""
        question, k = self._question(question), checked_k(k) or self.settings.top_k
        passages = self.index.search(question, k)
        return self.index.evidence(self.index.rank(question, passages))[0]

    def verify(self, text: str, passages: Sequence[Passage], question: str = "") -> Grounded:
        """Check an answer written from these passages (numbered from 1) for the question: see grounding.py."""
        return self.index.verify(text, passages, question)

    def statements(self, speaker: str | None = None, about: str | None = None, k: int = 20,
                   doc_id: str | None = None) -> list[Statement]:
        """What `speaker` said (everyone's statements when None), those most about `about` first;
        `doc_id`: only in that article. A speaker no article quotes raises SpeakerNotFoundError,
        naming close spellings."""
        speaker = self._question(speaker, "speaker") if speaker is not None else None
        about = self._question(about, "about") if about is not None else None
        k = checked_k(k, "statements", MAX_STATEMENTS) or 20
        return self.index.statements(speaker, about, k, doc_id)

    def speakers(self) -> list[Speaker]:
        """Who the articles quote, most quoted first, with the articles they speak in."""
        return self.index.fresh().catalogue.speakers()

    def document(self, doc_id: str) -> Article:
        return self.index.document(doc_id)

    def articles(self) -> list[ArticleRecord]:
        return self.index.fresh().catalogue.articles()

    def _question(self, text: object, what: str = "question") -> str:
        return checked_text(text, self.settings.max_question_chars, what)
