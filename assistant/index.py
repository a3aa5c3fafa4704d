"""The opened index: Chroma store, catalogue and embedder together, and what answering asks of them.

Opened once per Assistant, on first use; every answer path reads articles, passages, rankings
and statements through it, so the caches (article texts) and the freshness check (another
process changed the index) live in one place.
"""

from __future__ import annotations

from collections.abc import Sequence

from .answering import Ranking, extractive_answer, rank
from .asked import speaker_asked
from .catalogue import Catalogue
from .citations import is_verbatim
from .config import Settings
from .errors import IndexUnusableError, SpeakerNotFoundError
from .evidence import select_evidence, speaker_of
from .grounding import Grounded, Verifier
from .prompts import Evidence
from .retrieval import hybrid_search
from .store import Store
from .types import Answer, Article, Embedder, Passage, Statement


class Index:
    def __init__(self, store: Store, catalogue: Catalogue, embedder: Embedder) -> None:
        self.store, self.catalogue, self.embedder = store, catalogue, embedder
        self._articles: dict[str, Article] = {}

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder, store: Store | None = None) -> Index:
        """Open (or create) the index the settings name; a store passed in replaces the one they would
        make (the catalogue still lives in settings.index_dir)."""
        store = store or Store(settings.index_dir, embedder.model_name, embedder.dimension,
                               chroma_url=settings.chroma_url, collection=settings.collection)
        catalogue = Catalogue(settings.index_dir / f"catalogue-{settings.collection}.sqlite3", store)
        catalogue.check()
        return cls(store, catalogue, embedder)

    def close(self) -> None:
        self.catalogue.close()
        self._articles.clear()

    def fresh(self) -> Index:
        """This index, caught up with articles another process added or changed (cached texts dropped)."""
        if self.catalogue.refresh():
            self._articles.clear()
        return self

    def forget_texts(self) -> None:
        self._articles.clear()

    def document(self, doc_id: str) -> Article:
        if doc_id not in self._articles:
            self._articles[doc_id] = self.store.article(doc_id)
        return self._articles[doc_id]

    def search(self, question: str, k: int) -> list[Passage]:
        self.fresh()
        return hybrid_search(question, self.store, self.catalogue, self.embedder, k)

    def rank(self, question: str, passages: Sequence[Passage]) -> Ranking:
        return rank(question, passages, self.embedder, self.catalogue)

    def quotes(self, ranking: Ranking, passages: Sequence[Passage]) -> Answer:
        return self.checked(extractive_answer(ranking, passages, self.catalogue))

    def evidence(self, ranking: Ranking) -> tuple[list[Passage], list[Evidence]]:
        """The sentences the model reads, as one-sentence passages (what verification checks against)
        and as the prompt shows them."""
        evidence = select_evidence(ranking)
        return evidence, [Evidence.of(p, self.document(p.doc_id).published, speaker_of(p)) for p in evidence]

    def checked(self, answer: Answer) -> Answer:
        """The last check before an answer leaves: every citation is its article's text at its offsets."""
        bad = [c for c in answer.citations if not is_verbatim(c, self.document(c.doc_id))]
        if not bad:
            return answer
        raise IndexUnusableError(f"a citation of {bad[0].doc_id!r} does not match the article's text at "
                                 f"{bad[0].start}-{bad[0].end}: the index is out of step with its articles; "
                                 "run `assistant ingest` again")

    def verify(self, text: str, passages: Sequence[Passage], question: str = "") -> Grounded:
        """Check an answer written from these passages for the question; for "what did X say" only
        X's statements support it."""
        asked = speaker_asked(question) if question else None
        speakers = self.catalogue.resolve_speaker(asked.name)[0] if asked and asked.strict else None
        verifier = Verifier(self.embedder, self.catalogue.idf, self.catalogue.speaker_keys())
        return verifier.verify(text, passages, question, speakers or None)

    def statements(self, speaker: str | None, about: str | None, k: int, doc_id: str | None) -> list[Statement]:
        self.fresh()
        keys = None
        if speaker is not None:
            keys, close = self.catalogue.resolve_speaker(speaker)
            if not keys:
                offer = f"; did you mean {' or '.join(close)}?" if close else ""
                mentioned = (" (the articles mention the name, but quote nothing from it)"
                             if self.catalogue.spellings(speaker) else "")
                raise SpeakerNotFoundError(f"no article quotes {speaker!r}{mentioned}{offer}")
        found = []
        for row, score in self.catalogue.find_statements(keys, about, k, doc_id):
            record = self.catalogue.record(row["doc_id"])
            found.append(Statement(speaker=row["speaker"], speaker_name=row["speaker_name"],
                                   name_as_written=row["as_written"], role=row["role"], kind=row["kind"],
                                   doc_id=row["doc_id"], title=record.title if record else "",
                                   published=record.published if record else "", start=row["start"], end=row["end"],
                                   quote=row["quote"], sentence_start=row["sentence_start"],
                                   sentence_end=row["sentence_end"], score=score))
        return found
