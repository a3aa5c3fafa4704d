"""The Python API. The CLI, the UI and the evaluation are thin layers over `Assistant`."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from .answering import Ranking, extractive_answer, rank
from .config import ANSWER_MODES, Settings
from .attribution import speaker_asked
from .citations import is_verbatim
from .errors import ConfigError, GenerationError, IndexUnusableError, QuestionError, SpeakerNotFoundError
from .followup import cheap_rewrite, clean_model_rewrite
from .catalogue import Catalogue
from .grounding import Grounded, Verifier
from .ingest import ingest
from .llm import ChatBackend, complete, make_backend
from .local_model import local_model_available
from .evidence import select_evidence, speaker_of
from .prompts import Evidence, answer_messages, rewrite_messages
from .retrieval import hybrid_search
from .store import ArticleRecord, Store
from .types import Answer, Article, Embedder, IngestReport, Passage, Speaker, Statement

MODES = ANSWER_MODES
MAX_K = 100  # passages per question: more says nothing a reader can check
MAX_STATEMENTS = 1000
REWRITE_TOKENS = 80  # a standalone question is one line
FALLBACK = "showing quotes from the articles instead"


def _invalid_text(text: str) -> int | None:
    """Where a string holds a lone surrogate (an undecodable byte from the command line, or half a
    character from a browser), which no later stage can encode; None when it is clean."""
    try:
        text.encode("utf-8")
        return None
    except UnicodeEncodeError as e:
        return e.start


class Assistant:
    """Grounded question answering over a corpus of news articles.

    The index is opened, and the configured corpus ingested (a no-op when nothing
    changed), on first use rather than at construction.
    """

    def __init__(self, index_dir: str | Path | None = None, corpus: Sequence[str | Path] | None = None,
                 chroma_url: str | None = None, settings: Settings | None = None,
                 embedder: Embedder | None = None) -> None:
        """`embedder`: any object with `model_name`, `dimension` and `embed(texts) -> (n, dimension)
        array`; by default the bundled MiniLM named by `settings.embedding_model`."""
        settings = settings or Settings.from_env()
        self.settings = settings.with_overrides(
            index_dir=Path(index_dir) if index_dir is not None else None,
            corpus=tuple(Path(p) for p in corpus) if corpus is not None else None,
            chroma_url=chroma_url,
        )
        self._embedder = embedder
        self._store: Store | None = None
        self._catalogue: Catalogue | None = None
        self._articles: dict[str, Article] = {}
        self._backends: dict[str, ChatBackend] = {}

    # --- lifecycle ----------------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from .embeddings import get_embedder  # onnxruntime and llama-index: loaded when first needed

            self._embedder = get_embedder(self.settings.embedding_model)
        return self._embedder

    def _open(self) -> tuple[Store, Catalogue]:
        if self._store is None or self._catalogue is None:
            store = Store(self.settings.index_dir, self.embedder.model_name, self.embedder.dimension,
                          chroma_url=self.settings.chroma_url, collection=self.settings.collection)
            catalogue = Catalogue(self.settings.index_dir / f"catalogue-{self.settings.collection}.sqlite3", store)
            catalogue.check()
            self._store, self._catalogue = store, catalogue
            if self.settings.corpus:
                self.ingest(self.settings.corpus)
        return self._store, self._catalogue

    def close(self) -> None:
        """Let go of the index (the catalogue's SQLite connection); the next call opens it again."""
        if self._catalogue is not None:
            self._catalogue.close()
        self._store = self._catalogue = None
        self._articles.clear()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- public API -----------------------------------------------------------------

    def ingest(self, paths: Iterable[str | Path], prune: bool = False, progress: bool = False,
               replace: bool = False) -> IngestReport:
        """Add or update articles from files and folders; `prune` drops articles whose files are gone.

        An article whose doc_id already belongs to an article from another file is refused (listed in
        `report.conflicts` and `report.skipped`) unless `replace` is true."""
        store, catalogue = self._open()
        report = ingest(paths, store, catalogue, self.embedder, self.settings, prune=prune, progress=progress,
                        replace=replace)
        self._articles.clear()
        return report

    def retrieve(self, question: str, k: int | None = None) -> list[Passage]:
        return self._search(self._check(question), self._check_k(k))

    def ask(self, question: str, history: Sequence[Mapping[str, str]] | None = None, mode: str | None = None,
            k: int | None = None) -> Answer:
        """The verified answer. `mode` is one of MODES; None picks the best available (see `answer_mode`)."""
        *_, answer = self.stream(question, history=history, mode=mode, k=k)
        return answer

    def stream(self, question: str, history: Sequence[Mapping[str, str]] | None = None, mode: str | None = None,
               k: int | None = None) -> Iterator[str | Answer]:
        """Text as the model writes it, then the verified Answer as the last item.

        The streamed text is a preview: markers in it are the model's, and sentences the
        verification drops are still in it. Show the final Answer's text once it arrives.
        A bad question or mode raises here, before the first item.
        """
        question = self._check(question)
        history, k = self._check_history(history), self._check_k(k)
        mode = self.answer_mode(mode)
        if mode == "extractive":
            return self._extractive_stream(question, history, k)
        return self._generated(question, history, mode, k)

    def answer_mode(self, mode: str | None = None) -> str:
        """The mode asked for, else ASSISTANT_MODE, else a configured server, else the local model
        if it is installed, else extractive."""
        mode = mode or self.settings.mode
        if mode is None:
            if self.settings.openai_configured:
                return "openai"
            return "local" if local_model_available(self.settings) else "extractive"
        if mode not in MODES:
            raise ConfigError(f"unknown answer mode {mode!r}; choose one of {', '.join(MODES)}")
        return mode

    def verify(self, text: str, passages: Sequence[Passage], question: str = "") -> Grounded:
        """Check an answer written from these passages (numbered from 1) for the question: see grounding.py.
        For "what did X say" only X's statements support it."""
        _, catalogue = self._open()
        asked = speaker_asked(question) if question else None
        speakers = catalogue.resolve_speaker(asked.name)[0] if asked and asked.strict else None
        return Verifier(self.embedder, catalogue.idf, catalogue.speaker_keys()).verify(text, passages, question,
                                                                                     speakers or None)

    def statements(self, speaker: str | None = None, about: str | None = None, k: int = 20,
                   doc_id: str | None = None) -> list[Statement]:
        """What `speaker` said (everyone's statements when None), those most about `about` first;
        `doc_id`: only in that article. A speaker no article quotes raises SpeakerNotFoundError,
        naming close spellings."""
        if speaker is not None:
            speaker = self._check(speaker, "speaker")
        about = self._check(about, "about") if about is not None else None
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_STATEMENTS:
            raise QuestionError(f"k, the number of statements, must be a whole number from 1 to {MAX_STATEMENTS}, "
                                f"not {k!r}")
        _, catalogue = self._open()
        catalogue.refresh()
        keys = None
        if speaker is not None:
            keys, close = catalogue.resolve_speaker(speaker)
            if not keys:
                offer = f"; did you mean {' or '.join(close)}?" if close else ""
                mentioned = " (the articles mention the name, but quote nothing from it)" if catalogue.spellings(
                    speaker) else ""
                raise SpeakerNotFoundError(f"no article quotes {speaker!r}{mentioned}{offer}")
        found = []
        for row, score in catalogue.find_statements(keys, about, k, doc_id):
            record = catalogue.record(row["doc_id"])
            found.append(Statement(speaker=row["speaker"], speaker_name=row["speaker_name"],
                                   name_as_written=row["as_written"], role=row["role"], kind=row["kind"],
                                   doc_id=row["doc_id"], title=record.title if record else "",
                                   published=record.published if record else "", start=row["start"], end=row["end"],
                                   quote=row["quote"], sentence_start=row["sentence_start"],
                                   sentence_end=row["sentence_end"], score=score))
        return found

    def speakers(self) -> list[Speaker]:
        """Who the articles quote, most quoted first, with the articles they speak in."""
        _, catalogue = self._open()
        catalogue.refresh()
        return catalogue.speakers()

    def document(self, doc_id: str) -> Article:
        store, _ = self._open()
        if doc_id not in self._articles:
            self._articles[doc_id] = store.article(doc_id)
        return self._articles[doc_id]

    def articles(self) -> list[ArticleRecord]:
        _, catalogue = self._open()
        catalogue.refresh()
        return catalogue.articles()

    # --- helpers --------------------------------------------------------------------

    def _check(self, question: object, what: str = "question") -> str:
        if not isinstance(question, str):
            raise QuestionError(f"the {what} must be text, not {type(question).__name__}")
        if (bad := _invalid_text(question)) is not None:
            raise QuestionError(f"the {what} is not valid text: character {bad + 1} is an undecodable byte "
                                "or half of a character; retype it or paste it again")
        if not question.strip():
            raise QuestionError(f"the {what} is empty; " + ("ask something about the articles" if what == "question"
                                                            else "name someone, or leave it out"))
        question = question.strip()
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(
                f"the {what} is {len(question)} characters long; the limit is "
                f"{self.settings.max_question_chars} (ASSISTANT_MAX_QUESTION_CHARS)"
            )
        return question

    @staticmethod
    def _check_k(k: object) -> int | None:
        if k is None:
            return None
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise QuestionError(f"k, the number of passages, must be a whole number from 1 to {MAX_K}, not {k!r}")
        return k

    @staticmethod
    def _check_history(history: object) -> list[dict[str, str]] | None:
        """A conversation is a list of {"role": "user" or "assistant", "content": text}; other keys are ignored."""
        if history is None:
            return None
        if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
            raise QuestionError(f"history must be a list of messages, not {type(history).__name__}")
        turns = []
        for number, turn in enumerate(history, 1):
            if not isinstance(turn, Mapping) or turn.get("role") not in ("user", "assistant") or not isinstance(
                    turn.get("content"), str) or _invalid_text(turn["content"]) is not None:
                raise QuestionError(f"history item {number} is not a message like "
                                    f"{{'role': 'user' or 'assistant', 'content': text}}: {str(turn)[:80]}")
            turns.append({"role": turn["role"], "content": turn["content"]})
        return turns

    def _search(self, question: str, k: int | None) -> list[Passage]:
        store, catalogue = self._open()
        if catalogue.refresh():
            self._articles.clear()  # another process changed articles: their cached texts may be old
        return hybrid_search(question, store, catalogue, self.embedder, k or self.settings.top_k)

    def _extractive_stream(self, question: str, history: Sequence[Mapping[str, str]] | None,
                           k: int | None) -> Iterator[str | Answer]:
        answer = self._extractive(question, history, k, time.perf_counter())
        yield answer.text
        yield answer

    def _extractive(self, question: str, history: Sequence[Mapping[str, str]] | None, k: int | None,
                    started: float, notice: str | None = None) -> Answer:
        standalone = cheap_rewrite(question, history)
        passages = self._search(standalone, k)
        retrieved = time.perf_counter()
        answer = self._quotes(standalone, passages)
        done = time.perf_counter()
        return replace(answer, question=question, notice=notice,
                       rewritten_question=standalone if history else None,
                       timings={"retrieve": retrieved - started, "answer": done - retrieved, "total": done - started})

    def _quotes(self, question: str, passages: Sequence[Passage], ranking: Ranking | None = None) -> Answer:
        _, catalogue = self._open()
        ranking = ranking or rank(question, passages, self.embedder, catalogue)
        return self._checked(extractive_answer(ranking, passages, catalogue))

    def _evidence(self, ranking: Ranking) -> tuple[list[Passage], list[Evidence]]:
        """The sentences the model reads, as one-sentence passages (what verification checks against)
        and as the prompt shows them."""
        evidence = select_evidence(ranking)
        return evidence, [Evidence.of(p, self.document(p.doc_id).published, speaker_of(p)) for p in evidence]

    def _checked(self, answer: Answer) -> Answer:
        """The last check before an answer leaves: every citation is its article's text at its offsets."""
        bad = [c for c in answer.citations if not is_verbatim(c, self.document(c.doc_id))]
        if not bad:
            return answer
        raise IndexUnusableError(f"a citation of {bad[0].doc_id!r} does not match the article's text at "
                                 f"{bad[0].start}-{bad[0].end}: the index is out of step with its articles; "
                                 "run `assistant ingest` again")

    def _backend(self, mode: str) -> ChatBackend:
        if mode not in self._backends:
            self._backends[mode] = make_backend(mode, self.settings)
        return self._backends[mode]

    def _generated(self, question: str, history: Sequence[Mapping[str, str]] | None, mode: str,
                   k: int | None) -> Iterator[str | Answer]:
        """Rewrite, retrieve, refuse early or generate, then verify; a model failure ends in the quotes."""
        started = time.perf_counter()
        backend = self._backend(mode)
        timings = {"load": time.perf_counter() - started}
        quotes: Answer | None = None
        try:
            mark = time.perf_counter()
            standalone = self._standalone(question, history, backend)
            timings["rewrite"] = time.perf_counter() - mark
            mark = time.perf_counter()
            passages = self._search(standalone, k)
            timings["retrieve"] = time.perf_counter() - mark
            _, catalogue = self._open()
            ranking = rank(standalone, passages, self.embedder, catalogue)
            quotes = replace(self._quotes(standalone, passages, ranking), question=question,
                             rewritten_question=standalone if history else None)
            if quotes.refused:  # nothing retrieved is good enough: the model would only guess
                yield quotes.text
                yield self._timed(replace(quotes, mode=mode), timings, started)
                return
            evidence, shown = self._evidence(ranking)
            parts: list[str] = []
            mark = time.perf_counter()
            for delta in backend.stream(answer_messages(standalone, shown), self.settings.max_answer_tokens):
                if not parts:
                    timings["first_token"] = time.perf_counter() - started
                parts.append(delta)
                yield delta
            timings["generate"] = time.perf_counter() - mark
        except GenerationError as e:
            notice = f"{e}; {FALLBACK}"
            fallback = (self._extractive(question, history, k, started, notice) if quotes is None
                        else self._timed(replace(quotes, notice=notice), timings, started))
            yield fallback.text
            yield fallback
            return
        yield self._timed(self._verified("".join(parts), evidence, quotes, backend), timings, started)

    def _standalone(self, question: str, history: Sequence[Mapping[str, str]] | None, backend: ChatBackend) -> str:
        if not history:
            return question
        written = complete(backend, rewrite_messages(question, history), REWRITE_TOKENS)
        return clean_model_rewrite(written, self.settings.max_question_chars) or cheap_rewrite(question, history)

    def _verified(self, generated: str, evidence: Sequence[Passage], quotes: Answer, backend: ChatBackend) -> Answer:
        """The model's answer as verification leaves it (its [n] are the evidence sentences it read), or
        the quotes when none of it could be verified."""
        mark = time.perf_counter()
        grounded = self.verify(generated, evidence, quotes.rewritten_question or quotes.question)
        timings = {"verify": time.perf_counter() - mark}
        checked = {"unsupported": grounded.unsupported, "unverified_quotes": grounded.unverified_quotes,
                   "timings": timings}
        if grounded.refused or grounded.answered:
            return self._checked(replace(quotes, text=grounded.text, citations=grounded.citations, refused=grounded.refused,
                           mode=backend.mode, model=backend.model, **checked))
        return replace(quotes, notice=f"the {backend.model} answer could not be verified against the articles; "
                                      f"{FALLBACK}", **checked)

    @staticmethod
    def _timed(answer: Answer, timings: dict[str, float], started: float) -> Answer:
        return replace(answer, timings={**timings, **answer.timings, "total": time.perf_counter() - started})
