"""Ingestion into Chroma + BM25: idempotent, replacing, pruning, crash-safe, model-checked."""

import json
import shutil
import sqlite3

import pytest

from assistant import Assistant
from assistant.errors import CorpusError, IndexUnusableError
from assistant.keyword import FORMAT, KeywordIndex
from assistant.store import Store, split_chunk_id


def chunk_ids(assistant: Assistant) -> list[str]:
    store, _ = assistant._open()
    return sorted(store.chunk_ids())


def keyword_in_sync(assistant: Assistant) -> bool:
    store, _ = assistant._open()
    on_disk = KeywordIndex(assistant.settings.index_dir / f"keyword-{assistant.settings.collection}")
    return on_disk.fingerprint == store.fingerprint()


def test_reingesting_the_same_folder_adds_nothing(tmp_path, corpus_dir):
    a = Assistant(index_dir=tmp_path / "idx", corpus=[])
    first = a.ingest([corpus_dir])
    assert len(first.added) == 5 and first.chunks > 5
    before = chunk_ids(a)
    second = a.ingest([corpus_dir])
    assert second.added == () and second.updated == () and len(second.unchanged) == 5
    assert chunk_ids(a) == before and second.chunks == first.chunks
    # A fresh process on the same folder sees the same index.
    assert chunk_ids(Assistant(index_dir=tmp_path / "idx", corpus=[corpus_dir])) == before


def test_editing_one_article_replaces_only_its_chunks(tmp_path, corpus_dir):
    a = Assistant(index_dir=tmp_path / "idx", corpus=[])
    a.ingest([corpus_dir])
    before = chunk_ids(a)
    target = corpus_dir / "003_1ad7992399384e2e.txt"
    target.write_text(target.read_text(encoding="utf-8") + "\nThe zebra crossing was repainted in Anchorage.\n",
                      encoding="utf-8")
    report = a.ingest([corpus_dir])
    assert report.updated == ("003_1ad7992399384e2e",) and len(report.unchanged) == 4
    after = chunk_ids(a)
    untouched = [c for c in before if not c.startswith("003_")]
    assert [c for c in after if not c.startswith("003_")] == untouched
    assert not set(c for c in before if c.startswith("003_")) & set(after), "old chunks of the edited article remain"
    assert "zebra crossing" in a.document("003_1ad7992399384e2e").text
    hits = a.retrieve("zebra crossing repainted Anchorage", k=3)
    assert hits[0].doc_id == "003_1ad7992399384e2e" and "zebra" in hits[0].text
    assert keyword_in_sync(a)


def test_prune_removes_articles_whose_files_are_gone(tmp_path, corpus_dir):
    a = Assistant(index_dir=tmp_path / "idx", corpus=[])
    a.ingest([corpus_dir])
    (corpus_dir / "004_f1ed1702999ca14b.txt").unlink()
    kept = a.ingest([corpus_dir])
    assert len(a.articles()) == 5 and kept.removed == ()  # without --prune nothing is lost
    pruned = a.ingest([corpus_dir], prune=True)
    assert pruned.removed == ("004_f1ed1702999ca14b",)
    assert [r.doc_id for r in a.articles()] == sorted(p.stem for p in corpus_dir.glob("*.txt"))
    assert not [c for c in chunk_ids(a) if c.startswith("004_")]


def test_a_crash_mid_ingest_is_repaired_by_the_next_run(tmp_path, corpus_dir, monkeypatch):
    a = Assistant(index_dir=tmp_path / "idx", corpus=[])
    calls = {"n": 0}
    original = Store.put_article

    def crash_after_chunks(self, article, chunks, embeddings):
        calls["n"] += 1
        if calls["n"] == 3:
            # Chunks written, article record and keyword index not: the worst moment.
            self._chunks.upsert(ids=[f"{article.doc_id}::deadbeefdead::0"], embeddings=[embeddings[0].tolist()],
                                documents=[chunks[0].text],
                                metadatas=[{"doc_id": article.doc_id, "title": "", "start": 0, "end": 1, "index": 0}])
            raise KeyboardInterrupt
        return original(self, article, chunks, embeddings)

    monkeypatch.setattr(Store, "put_article", crash_after_chunks)
    with pytest.raises(KeyboardInterrupt):
        a.ingest([corpus_dir])
    monkeypatch.setattr(Store, "put_article", original)

    b = Assistant(index_dir=tmp_path / "idx", corpus=[])
    report = b.ingest([corpus_dir])
    assert len(report.added) == 3 and len(report.unchanged) == 2
    ids = chunk_ids(b)
    assert len(ids) == len(set(ids))
    records = {r.doc_id: r for r in b.articles()}
    assert len(records) == 5
    for doc_id, record in records.items():
        mine = [c for c in ids if split_chunk_id(c)[0] == doc_id]
        assert len(mine) == record.n_chunks and all(split_chunk_id(c)[1] == record.content_hash[:12] for c in mine)
    assert keyword_in_sync(b)

    fresh = Assistant(index_dir=tmp_path / "fresh", corpus=[])
    fresh.ingest([corpus_dir])
    assert chunk_ids(fresh) == ids, "the repaired index differs from one built without a crash"


def test_a_stale_keyword_index_is_rebuilt_when_the_index_is_opened(seed_assistant):
    folder = seed_assistant.settings.index_dir / "keyword-articles"
    shutil.rmtree(folder)
    folder.mkdir()
    (folder / "meta.json").write_text(json.dumps({"format": FORMAT, "fingerprint": "stale", "ids": [], "doc_freq": {}, "names": {}}), encoding="utf-8")
    passages = seed_assistant.retrieve("Komsomelets locomotive", k=3)
    assert passages[0].keyword_rank == 1 and passages[0].doc_id == "004_f1ed1702999ca14b"
    assert keyword_in_sync(seed_assistant)


def test_an_index_built_with_another_embedding_model_is_refused(seed_assistant):
    store, _ = seed_assistant._open()
    store._chunks.modify(metadata={"embedding_model": "some-other-model", "dimension": 384})
    again = Assistant(index_dir=seed_assistant.settings.index_dir, corpus=[])
    with pytest.raises(IndexUnusableError, match="built with the embedding model 'some-other-model'.*re-index"):
        again.retrieve("anything")


def test_a_corrupt_index_is_reported_and_left_in_place(tmp_path):
    index_dir = tmp_path / "idx"
    (index_dir / "chroma").mkdir(parents=True)
    garbage = b"this is not a sqlite database" * 100
    (index_dir / "chroma" / "chroma.sqlite3").write_bytes(garbage)
    with pytest.raises(IndexUnusableError, match="cannot be used.*move it aside"):
        Assistant(index_dir=index_dir, corpus=[]).retrieve("anything")
    assert (index_dir / "chroma" / "chroma.sqlite3").read_bytes() == garbage, "the user's data was touched"
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(index_dir / "chroma" / "chroma.sqlite3").execute("select 1 from sqlite_master").fetchall()


def test_ingesting_a_missing_path_is_an_error(seed_assistant, tmp_path):
    with pytest.raises(CorpusError, match="no such file or folder"):
        seed_assistant.ingest([tmp_path / "missing"])


def test_an_empty_index_answers_nothing_but_does_not_fail(tmp_path):
    a = Assistant(index_dir=tmp_path / "empty", corpus=[])
    assert a.retrieve("What did Lavrov say?") == []
    assert a.ask("What did Lavrov say?").refused
