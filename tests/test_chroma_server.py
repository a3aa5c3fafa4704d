"""Scale-out: the same code against a real `chroma run` server on loopback, and a clear
message when that server goes away."""

import shutil

import pytest
from conftest import LAVROV_DOC, LAVROV_QUESTION, SEEDS, free_port, run_cli

from assistant import Assistant
from assistant.errors import StoreUnavailableError

pytestmark = pytest.mark.slow  # a real `chroma run` per test


def test_ingest_and_ask_through_a_chroma_server(chroma_server, tmp_path):
    process, url = chroma_server
    local = tmp_path / "local"  # only the keyword index lives here in server mode
    a = Assistant(index_dir=local, corpus=[SEEDS], chroma_url=url)
    answer = a.ask(LAVROV_QUESTION, mode="extractive")
    assert any(c.doc_id == LAVROV_DOC and "the agenda is not ready yet" in c.quote for c in answer.citations)
    assert not (local / "chroma").exists(), "server mode must not create an embedded index"

    # Another client (a second app instance) sees the same index; re-ingest adds nothing.
    shutil.rmtree(local)
    b = Assistant(index_dir=local, corpus=[], chroma_url=url)
    assert len(b.articles()) == 5
    assert b.ingest([SEEDS]).added == ()
    assert b.retrieve(LAVROV_QUESTION)[0].doc_id == LAVROV_DOC  # keyword index rebuilt from the server

    process.kill()
    process.wait()
    with pytest.raises(StoreUnavailableError, match=f"Chroma server at {url} is not reachable"):
        b.ask(LAVROV_QUESTION, mode="extractive")
    result = run_cli("--index-dir", str(local), "ask", LAVROV_QUESTION,
                     env={"ASSISTANT_CHROMA_URL": url, "ASSISTANT_CORPUS": ""})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"the Chroma server at {url} is not reachable" in result.stderr


def test_app_instances_sharing_a_server_see_each_others_changes(chroma_server, tmp_path, corpus_dir):
    """Each instance keeps its own catalogue (keyword index) and follows the server's change feed:
    what one adds, edits or prunes, the others answer from on their very next question, without
    re-reading everything."""
    _, url = chroma_server
    writer = Assistant(index_dir=tmp_path / "one", corpus=[], chroma_url=url)
    reader = Assistant(index_dir=tmp_path / "two", corpus=[], chroma_url=url)
    assert reader.articles() == []
    writer.ingest([corpus_dir])
    assert len(reader.articles()) == 5
    assert reader.retrieve("Komsomelets locomotive", k=1)[0].keyword_rank == 1

    target = corpus_dir / "003_1ad7992399384e2e.txt"
    target.write_text(target.read_text(encoding="utf-8") + "\nThe zebra crossing was repainted in Anchorage.\n",
                      encoding="utf-8")
    (corpus_dir / "004_f1ed1702999ca14b.txt").unlink()
    writer.ingest([corpus_dir], prune=True)
    assert [r.doc_id for r in reader.articles()] == sorted(p.stem for p in corpus_dir.glob("*.txt"))
    hits = reader.retrieve("zebra crossing repainted Anchorage", k=3)
    assert hits[0].doc_id == "003_1ad7992399384e2e" and hits[0].keyword_rank == 1 and "zebra" in hits[0].text
    assert all(p.doc_id != "004_f1ed1702999ca14b" for p in reader.retrieve("Komsomelets locomotive", k=5))


def test_a_server_that_is_not_there_is_a_clear_error(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreUnavailableError, match=f"the Chroma server at {url} is not reachable .*; start it, "
                                                    "or unset ASSISTANT_CHROMA_URL to use the local index"):
        Assistant(index_dir=tmp_path, corpus=[], chroma_url=url).articles()


def raised_while_handling(cause: BaseException, error: BaseException) -> BaseException:
    """`error` raised inside an except block for `cause`, as chromadb's client wraps httpx's errors."""
    try:
        try:
            raise cause
        except BaseException:
            raise error  # noqa: B904 - the implicit context chain is what is under test
    except BaseException as e:  # noqa: BLE001
        return e


def test_an_unreachable_server_is_told_by_the_type_of_error_not_its_words():
    import httpx

    from assistant.chroma import is_connection_error

    words = "Could not connect to a Chroma server. Are you sure it is running?"
    chromadb_wrapped = raised_while_handling(httpx.ConnectError("[Errno 111] Connection refused"), ValueError(words))
    for error in (chromadb_wrapped, httpx.ReadTimeout("timed out"), httpx.RemoteProtocolError("closed"),
                  ConnectionRefusedError(111, "Connection refused"), TimeoutError("timed out")):
        assert is_connection_error(error), repr(error)
    for error in (ValueError(words),
                  Exception('{"error": "InternalError", "message": "ConnectError"}'), KeyError("ReadTimeout")):
        assert not is_connection_error(error), repr(error)
