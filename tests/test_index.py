"""Ingestion into Chroma and the local catalogue: idempotent, replacing, pruning, crash-safe, model-checked."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from conftest import LAVROV_DOC, ROOT, chroma_collection

from assistant import Assistant
from assistant.config import Settings
from assistant.errors import CorpusError, IndexUnusableError, StoreUnavailableError
from assistant.store import Store


def stored_chunk_ids(index_dir) -> list[str]:
    return sorted(chroma_collection(index_dir).get(include=[])["ids"])


def catalogue_file(assistant: Assistant):
    return assistant.settings.index_dir / f"catalogue-{assistant.settings.collection}.sqlite3"


def keyword_chunk_ids(assistant: Assistant) -> list[str]:
    with sqlite3.connect(catalogue_file(assistant)) as db:
        return sorted(c for (c,) in db.execute("SELECT chunk_id FROM chunks"))


def assert_consistent(assistant: Assistant) -> None:
    """Every listed article has exactly its chunks in Chroma, and the keyword index holds the same ones."""
    stored = stored_chunk_ids(assistant.settings.index_dir)
    assert len(stored) == len(set(stored))
    expected = []
    for record in assistant.articles():
        mine = [c for c in stored if c.startswith(f"{record.doc_id}::{record.content_hash[:12]}::")]
        assert len(mine) == record.n_chunks, record.doc_id
        expected += mine
    assert sorted(expected) == stored, "chunks in Chroma that belong to no listed article"
    assert keyword_chunk_ids(assistant) == stored


def test_reingesting_the_same_folder_adds_nothing(tmp_path, corpus_dir):
    a = Assistant(index_dir=tmp_path / "idx", corpus=[])
    first = a.ingest([corpus_dir])
    assert len(first.added) == 5 and first.chunks > 5
    before = stored_chunk_ids(tmp_path / "idx")
    second = a.ingest([corpus_dir])
    assert second.added == () and second.updated == () and len(second.unchanged) == 5
    assert stored_chunk_ids(tmp_path / "idx") == before and second.chunks == first.chunks == len(before)
    # A fresh process on the same folder sees the same index.
    again = Assistant(index_dir=tmp_path / "idx", corpus=[corpus_dir])
    assert len(again.articles()) == 5 and stored_chunk_ids(tmp_path / "idx") == before
    assert_consistent(again)


def test_editing_one_article_replaces_only_its_chunks(tmp_path, corpus_dir):
    a = Assistant(index_dir=tmp_path / "idx", corpus=[])
    a.ingest([corpus_dir])
    before = stored_chunk_ids(tmp_path / "idx")
    target = corpus_dir / "003_1ad7992399384e2e.txt"
    target.write_text(target.read_text(encoding="utf-8") + "\nThe zebra crossing was repainted in Anchorage.\n",
                      encoding="utf-8")
    report = a.ingest([corpus_dir])
    assert report.updated == ("003_1ad7992399384e2e",) and len(report.unchanged) == 4
    after = stored_chunk_ids(tmp_path / "idx")
    untouched = [c for c in before if not c.startswith("003_")]
    assert [c for c in after if not c.startswith("003_")] == untouched
    assert not set(c for c in before if c.startswith("003_")) & set(after), "old chunks of the edited article remain"
    assert "zebra crossing" in a.document("003_1ad7992399384e2e").text
    hits = a.retrieve("zebra crossing repainted Anchorage", k=3)
    assert hits[0].doc_id == "003_1ad7992399384e2e" and "zebra" in hits[0].text and hits[0].keyword_rank == 1
    assert_consistent(a)


def test_prune_removes_articles_whose_files_are_gone(tmp_path, corpus_dir):
    a = Assistant(index_dir=tmp_path / "idx", corpus=[])
    a.ingest([corpus_dir])
    (corpus_dir / "004_f1ed1702999ca14b.txt").unlink()
    kept = a.ingest([corpus_dir])
    assert len(a.articles()) == 5 and kept.removed == ()  # without --prune nothing is lost
    pruned = a.ingest([corpus_dir], prune=True)
    assert pruned.removed == ("004_f1ed1702999ca14b",)
    assert [r.doc_id for r in a.articles()] == sorted(p.stem for p in corpus_dir.glob("*.txt"))
    assert not [c for c in stored_chunk_ids(tmp_path / "idx") if c.startswith("004_")]
    assert all(p.doc_id != "004_f1ed1702999ca14b" for p in a.retrieve("Komsomelets locomotive", k=3))
    assert_consistent(a)
    # Another process opening the index hears of the deletion too.
    assert len(Assistant(index_dir=tmp_path / "idx", corpus=[]).articles()) == 4


def test_an_article_left_half_written_by_a_crash_is_rewritten_by_the_next_ingest(tmp_path, corpus_dir):
    """The state a crash between writing an article's record and finishing its chunks leaves
    behind, made with Chroma's own client: record marked "writing", some chunks missing."""
    a = Assistant(index_dir=tmp_path / "idx", corpus=[])
    a.ingest([corpus_dir])
    doc = "002_ef021427066fffa1"
    articles = chroma_collection(tmp_path / "idx", "articles_articles")
    meta = articles.get(ids=[doc], include=["metadatas"])["metadatas"][0]
    articles.update(ids=[doc], metadatas=[{**meta, "state": "writing", "updated_at": time.time()}])
    chunks = chroma_collection(tmp_path / "idx")
    mine = sorted(c for c in chunks.get(include=[])["ids"] if c.startswith(doc))
    chunks.delete(ids=mine[1:])

    b = Assistant(index_dir=tmp_path / "idx", corpus=[])
    assert doc not in {r.doc_id for r in b.articles()}, "a half-written article is listed"
    assert all(p.doc_id != doc for p in b.retrieve("Zelenskiy Tomahawk drones", k=10))
    report = b.ingest([corpus_dir / "000_2e1743cf2fe1a151.txt"])  # repaired even when its file is not named
    assert report.unchanged == ("000_2e1743cf2fe1a151",)
    assert doc in {r.doc_id for r in b.articles()}
    assert_consistent(b)
    fresh = Assistant(index_dir=tmp_path / "fresh", corpus=[])
    fresh.ingest([corpus_dir])
    assert stored_chunk_ids(tmp_path / "idx") == stored_chunk_ids(tmp_path / "fresh")


@pytest.mark.slow
def test_an_ingest_killed_at_any_moment_loses_and_duplicates_nothing(tmp_path, corpus_dir):
    """kill -9 a real `assistant ingest` part-way (batches of 8 chunks, so there are many moments
    to land in), then ingest again: the result equals an index built without the crash."""
    env = {**os.environ, "ASSISTANT_INGEST_BATCH": "8", "ASSISTANT_CORPUS": ""}
    index_dir = tmp_path / "idx"
    interrupted = []
    for delay in (0.5, 2.0):
        process = subprocess.Popen([sys.executable, "-m", "assistant", "--index-dir", str(index_dir), "ingest",
                                    str(corpus_dir)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        catalogue = index_dir / "catalogue-articles.sqlite3"
        while time.monotonic() < deadline and process.poll() is None:
            try:  # the first batch is committed
                with sqlite3.connect(catalogue) as db:
                    if db.execute("SELECT count(*) FROM articles").fetchone()[0]:
                        break
            except sqlite3.Error:
                pass
            time.sleep(0.05)
        time.sleep(delay)
        interrupted.append(process.poll() is None)
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert any(interrupted), "every ingest finished before it was killed: nothing was tested"
    a = Assistant(index_dir=index_dir, corpus=[])
    a.ingest([corpus_dir])
    assert len(a.articles()) == 5
    assert_consistent(a)
    fresh = Assistant(index_dir=tmp_path / "fresh", corpus=[])
    fresh.ingest([corpus_dir])
    assert stored_chunk_ids(index_dir) == stored_chunk_ids(tmp_path / "fresh")


@pytest.mark.parametrize("damage", ["deleted", "garbage", "zeroed"])
def test_a_lost_or_damaged_catalogue_is_rebuilt_from_chroma(seed_assistant, damage):
    path = catalogue_file(seed_assistant)
    chroma_before = stored_chunk_ids(seed_assistant.settings.index_dir)
    for leftover in path.parent.glob(path.name + "-*"):
        leftover.unlink()
    if damage == "deleted":
        path.unlink()
    elif damage == "garbage":
        path.write_bytes(b"this is not a database" * 500)
    else:
        path.write_bytes(b"\0" * path.stat().st_size)
    a = Assistant(index_dir=seed_assistant.settings.index_dir, corpus=[])
    passages = a.retrieve("Komsomelets locomotive", k=3)
    assert passages[0].keyword_rank == 1 and passages[0].doc_id == "004_f1ed1702999ca14b"
    assert len(a.articles()) == 5
    assert stored_chunk_ids(seed_assistant.settings.index_dir) == chroma_before, "Chroma was touched"
    assert_consistent(a)


def test_an_article_the_store_no_longer_holds_leaves_nothing_behind_in_the_catalogue(seed_assistant):
    """A record deleted from Chroma by hand leaves no tombstone in the feed: the count on opening
    differs, and the full read that follows drops the article and all that was derived from it."""
    seed_assistant.articles()
    index_dir = seed_assistant.settings.index_dir
    with sqlite3.connect(catalogue_file(seed_assistant)) as db:
        assert db.execute("SELECT count(*) FROM statements WHERE doc_id = ?", (LAVROV_DOC,)).fetchone()[0]
    chroma_collection(index_dir, "articles_articles").delete(ids=[LAVROV_DOC])
    chroma_collection(index_dir).delete(where={"doc_id": LAVROV_DOC})
    a = Assistant(index_dir=index_dir, corpus=[])
    assert len(a.articles()) == 4 and LAVROV_DOC not in {r.doc_id for r in a.articles()}
    with sqlite3.connect(catalogue_file(a)) as db:
        for table in ("articles", "chunks", "article_names", "statements"):
            assert not db.execute(f"SELECT 1 FROM {table} WHERE doc_id = ?", (LAVROV_DOC,)).fetchone(), table
    assert all(s.doc_id != LAVROV_DOC for s in a.statements(k=1000))
    assert_consistent(a)


def test_a_running_assistant_sees_another_processs_ingest(seed_assistant, tmp_path):
    seed_assistant.articles()
    note = tmp_path / "new" / "zz_quokka.txt"
    note.parent.mkdir()
    note.write_text("Quokka census\nRangers on Rottnest Island counted 12,400 quokkas this spring.\n", encoding="utf-8")
    other = subprocess.run([sys.executable, "-m", "assistant", "--index-dir", str(seed_assistant.settings.index_dir),
                            "ingest", str(note.parent)], env={**os.environ, "ASSISTANT_CORPUS": ""}, cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert other.returncode == 0, other.stderr
    answer = seed_assistant.ask("How many quokkas did the rangers count on Rottnest Island?")
    assert not answer.refused and "12,400" in answer.text
    assert "zz_quokka" in {r.doc_id for r in seed_assistant.articles()}


def test_an_index_built_with_another_embedding_model_is_refused(seed_assistant):
    seed_assistant.articles()
    chroma_collection(seed_assistant.settings.index_dir).modify(
        metadata={"embedding_model": "some-other-model", "dimension": 384})
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


class _FailingSecondWrite(Store):
    """A store whose second batch write fails, as a Chroma server that goes away mid-ingest does."""

    writes = 0

    def put_articles(self, items, replacing=()):
        self.writes += 1
        if self.writes == 2:
            raise StoreUnavailableError("the Chroma server went away")
        return super().put_articles(items, replacing)


def test_a_batch_write_that_fails_while_the_next_batch_embeds_loses_nothing(tmp_path, corpus_dir):
    """Ingest writes one batch while it embeds the next (ingest.py): a failed write still stops the
    ingest with the store's error, keeps the batch written before it, and the next ingest completes
    the index to exactly what an uninterrupted one builds."""
    settings = Settings(ingest_batch_chunks=8)
    index_dir = tmp_path / "idx"
    probe = Assistant(index_dir=index_dir, corpus=[], settings=settings)
    failing = _FailingSecondWrite(index_dir, probe.embedder.model_name, probe.embedder.dimension)
    a = Assistant(index_dir=index_dir, corpus=[], settings=settings, store=failing, embedder=probe.embedder)
    with pytest.raises(StoreUnavailableError, match="went away"):
        a.ingest([corpus_dir])
    assert failing.writes == 2
    a.close()
    b = Assistant(index_dir=index_dir, corpus=[], settings=settings, embedder=probe.embedder)
    assert 0 < len(b.articles()) < 5, "the first batch is kept, the failed one is not listed"
    b.ingest([corpus_dir])
    assert len(b.articles()) == 5
    assert_consistent(b)
    fresh = Assistant(index_dir=tmp_path / "fresh", corpus=[], embedder=probe.embedder)
    fresh.ingest([corpus_dir])
    assert stored_chunk_ids(index_dir) == stored_chunk_ids(tmp_path / "fresh")
