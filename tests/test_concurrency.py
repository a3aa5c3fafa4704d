"""Several writers and readers on one index, as real processes: nothing lost, duplicated or stale.

Two writer processes ingest the same articles at once, 20 times, with random timing, the articles
changing between the two requests: on one embedded index (they take turns through a file
lock) and on one Chroma server (two app instances, each with its own catalogue, taking turns
through a lease in Chroma). After every round the store is audited with Chroma's own client and
a reader opened before the first round must find every article's newest words on its next question.
"""

import pytest
from probes import client_for, run_rounds, start_writer, stop

from assistant import Assistant, Settings

pytestmark = pytest.mark.slow  # several processes writing one index, embedded and on a server


def test_two_writers_on_one_embedded_index_lose_duplicate_and_stale_nothing(tmp_path):
    index_dir = tmp_path / "index"
    writers = [start_writer(index_dir), start_writer(index_dir)]
    try:
        reader = Assistant(index_dir=index_dir, corpus=[])
        reader.articles()
        totals = run_rounds(tmp_path, writers, reader, client_for(index_dir))
    finally:
        stop(writers)
    assert totals == {"lost": 0, "duplicated": 0, "stale": 0, "reader_stale": 0}


def test_two_app_instances_writing_to_one_chroma_server_lose_duplicate_and_stale_nothing(tmp_path, chroma_server):
    _, url = chroma_server
    writers = [start_writer(tmp_path / "one", url), start_writer(tmp_path / "two", url)]
    try:
        reader = Assistant(index_dir=tmp_path / "three", corpus=[], chroma_url=url)
        reader.articles()
        totals = run_rounds(tmp_path, writers, reader, client_for(chroma_url=url))
    finally:
        stop(writers)
    assert totals == {"lost": 0, "duplicated": 0, "stale": 0, "reader_stale": 0}


def test_a_lease_held_by_another_instance_is_waited_for_and_a_crashed_holders_runs_out(tmp_path, chroma_server):
    import time

    from assistant.errors import IndexBusyError
    from assistant.locking import LEASE_SECONDS

    _, url = chroma_server
    a = Assistant(index_dir=tmp_path / "a", corpus=[], chroma_url=url,
                  settings=Settings(lock_timeout=1.0, corpus=()))
    a.articles()
    leases = client_for(chroma_url=url).get_or_create_collection("articles_leases", embedding_function=None)
    note = tmp_path / "note.txt"
    note.write_text("Note\nThe ferry leaves at noon.\n", encoding="utf-8")

    leases.upsert(ids=["ingest"], embeddings=[[0.0]], documents=["ingest lease"],
                  metadatas=[{"owner": "elsewhere:1:live", "expires": time.time() + LEASE_SECONDS}])
    started = time.monotonic()
    with pytest.raises(IndexBusyError, match="is busy: another ingest has been writing to it for over 1 s"):
        a.ingest([note])
    assert time.monotonic() - started >= 1.0, "gave up without waiting for the lease"
    assert a.articles() == []
    assert leases.get(ids=["ingest"])["metadatas"][0]["owner"] == "elsewhere:1:live"  # not taken from its holder

    leases.upsert(ids=["ingest"], embeddings=[[0.0]], documents=["ingest lease"],
                  metadatas=[{"owner": "elsewhere:1:crashed", "expires": time.time() - 1}])
    assert a.ingest([note]).added == ("note",)
    assert leases.get(ids=["ingest"])["ids"] == []  # released
