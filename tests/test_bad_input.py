"""What bad input gets: one line naming the problem, and nothing lost. One test (or case) per row of
the table in docs/reliability.md."""

import codecs
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import LAVROV_DOC, LAVROV_QUESTION, ROOT, SEEDS, free_port, run_cli

from assistant import Assistant
from assistant.corpus import find_files, read
from assistant.errors import CorpusError, QuestionError
from assistant.ui import article_rows, ingest_uploads

# --- questions -----------------------------------------------------------------------------


@pytest.mark.parametrize("question, message", [
    (42, "the question must be text, not int"),
    (None, "the question must be text, not NoneType"),
    ("   ", "the question is empty"),
    ("What did Lavrov say \udcff?", "the question is not valid text: character 21"),
])
def test_a_bad_question_is_one_line(seed_assistant, question, message):
    with pytest.raises(QuestionError, match=message.replace("?", r"\?")):
        seed_assistant.ask(question)


@pytest.mark.parametrize("history, message", [
    ("x", "history must be a list of messages, not str"),
    ([None], "history item 1 is not a message"),
    ([{"role": "user", "content": "Who met?"}, {"role": "robot", "content": "?"}], "history item 2"),
])
def test_a_bad_history_is_one_line(seed_assistant, history, message):
    with pytest.raises(QuestionError, match=message):
        seed_assistant.ask("And what did he say?", history=history)


@pytest.mark.parametrize("k", [0, -1, 101, "3", 2.5, True])
def test_a_bad_k_is_one_line(seed_assistant, k):
    with pytest.raises(QuestionError, match="k, the number of passages, must be a whole number from 1 to 100"):
        seed_assistant.retrieve(LAVROV_QUESTION, k=k)


def test_the_cli_names_an_undecodable_byte_and_a_bad_k(seed_index):
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(seed_index), "ASSISTANT_CORPUS": ""}
    done = subprocess.run([sys.executable, "-m", "assistant", "ask", b"What did Lavrov say \xff?"],
                          capture_output=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 2 and b"Traceback" not in done.stderr
    assert done.stderr.decode().strip() == ("error: the question is not valid text: character 21 is an undecodable "
                                            "byte or half of a character; retype it or paste it again")
    done = run_cli("ask", LAVROV_QUESTION, "--k", "-1", env={"ASSISTANT_INDEX_DIR": str(seed_index),
                                                            "ASSISTANT_CORPUS": ""})
    assert done.returncode == 2 and "must be a whole number from 1 to 100, not -1" in done.stderr


# --- files and folders ---------------------------------------------------------------------


def as_nobody(fn):
    """Run fn in a child process without root's power to read anything (as root, permission bits
    do not apply); returns what it returned, or the exception it raised."""
    if os.geteuid() != 0:
        try:
            return fn()
        except Exception as e:  # noqa: BLE001
            return e
    for encoding in ("utf-8-sig", "utf-16", "utf-32"):  # nobody cannot read root's stdlib to import them later
        codecs.lookup(encoding)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop to nobody, run, send the result back
        os.close(read_end)
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            try:
                result = fn()
            except Exception as e:  # noqa: BLE001
                result = e
            payload = repr(result).encode()
        except BaseException as e:  # noqa: BLE001
            payload = f"child failed: {e!r}".encode()
        os.write(write_end, payload)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as r:
        out = r.read().decode()
    os.waitpid(pid, 0)
    return out


@pytest.fixture
def tree():
    """A folder with a readable article, an unreadable file, an unreadable sub-folder, a UTF-16
    file, a symlink loop and a broken link; outside pytest's folder, which only root may enter."""
    tmp_path = Path(tempfile.mkdtemp(prefix="bad-input-"))
    root = tmp_path / "articles"
    (root / "locked").mkdir(parents=True)
    shutil.copy(SEEDS / f"{LAVROV_DOC}.txt", root / "lavrov.txt")
    shutil.copy(SEEDS / f"{LAVROV_DOC}.txt", root / "locked" / "inside.txt")
    (root / "secret.txt").write_text("Title\nHidden.\n", encoding="utf-8")
    (root / "utf16.txt").write_bytes("Harbour notice\nThe ferry to Kőszeg leaves at noon.\n".encode("utf-16"))
    (root / "loop").symlink_to(root)
    (root / "self.txt").symlink_to(root / "self.txt")
    (root / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    os.chmod(root / "secret.txt", 0o000)
    os.chmod(root / "locked", 0o000)
    for folder in (tmp_path, root):
        os.chmod(folder, 0o755)
    yield root
    os.chmod(root / "locked", 0o755)
    shutil.rmtree(tmp_path)


def test_everything_in_a_folder_that_cannot_be_read_gets_its_line(tree):
    def look():
        files, skipped = find_files([tree])
        items = list(read(files))
        return sorted([(os.path.basename(s.path), s.reason) for s in skipped]
                      + [(os.path.basename(i.path), i.reason) for i in items if hasattr(i, "reason")]
                      + [(os.path.basename(i.path), "ok: " + i.title) for i in items if hasattr(i, "title")])

    found = as_nobody(look)
    assert "('gone.txt', 'broken symbolic link')" in found
    assert "('self.txt', 'symbolic link loop')" in found
    assert "('loop', 'symbolic link loop, not followed')" in found
    assert "('locked', 'cannot read folder: Permission denied')" in found
    assert "('secret.txt', 'cannot read file: Permission denied')" in found
    assert "('utf16.txt', 'ok: Harbour notice')" in found
    assert "('lavrov.txt', 'ok: " in found


def test_an_unreadable_folder_named_directly_is_an_error(tree):
    assert as_nobody(lambda: find_files([tree / "locked"])) == repr(
        CorpusError(f"cannot read folder {tree / 'locked'}: permission denied"))


def test_an_empty_path_is_an_error_not_the_current_folder(tmp_path):
    with pytest.raises(CorpusError, match="an empty path was given"):
        find_files([""])
    done = run_cli("--index-dir", str(tmp_path / "idx"), "ingest", "", env={"ASSISTANT_CORPUS": ""})
    assert done.returncode == 2 and done.stderr.strip() == ("error: an empty path was given; "
                                                          "name a file or folder to ingest")


def test_an_oversized_file_names_the_limit_as_configured(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"Big\n" + b"x" * (25 * 1024 * 1024))
    (item,) = read([big], max_file_bytes=20 * 1024 * 1024)
    assert item.reason == "file is 25 MB, over the 20 MB limit"


# --- article identity ----------------------------------------------------------------------


def test_an_article_id_taken_by_another_file_is_refused_unless_replaced(seed_assistant, tmp_path):
    fake = tmp_path / "upload" / f"{LAVROV_DOC}.txt"
    fake.parent.mkdir()
    fake.write_text("Fake\nLavrov said the agenda was about penguins.\n", encoding="utf-8")
    feed = tmp_path / "upload" / "feed.json"
    feed.write_text(json.dumps([{"id": "001_42cde07a9383b2ae", "title": "Fake", "text": "Nothing but penguins."}]),
                    encoding="utf-8")
    original = seed_assistant.document(LAVROV_DOC).text

    report = seed_assistant.ingest([fake.parent])
    assert set(report.conflicts) == {LAVROV_DOC, "001_42cde07a9383b2ae"} and report.updated == ()
    reason = next(s.reason for s in report.skipped if s.path == str(fake))
    assert reason.startswith(f"the article id '{LAVROV_DOC}' is already taken by ")
    assert f"from {SEEDS / LAVROV_DOC}.txt" in reason
    assert Assistant(index_dir=seed_assistant.settings.index_dir, corpus=[]).document(LAVROV_DOC).text == original
    assert "penguins" not in seed_assistant.ask(LAVROV_QUESTION).text

    done = run_cli("--index-dir", str(seed_assistant.settings.index_dir), "ingest", "--quiet", str(fake),
                   env={"ASSISTANT_CORPUS": ""})
    assert done.returncode == 1 and "is already taken by" in done.stderr and "Traceback" not in done.stderr

    replaced = seed_assistant.ingest([fake], replace=True)
    assert replaced.updated == (LAVROV_DOC,)
    assert "penguins" in seed_assistant.retrieve("penguins agenda", k=1)[0].text


def test_an_upload_named_like_a_seed_is_refused_and_not_kept(seed_assistant, tmp_path):
    fake = tmp_path / f"{LAVROV_DOC}.txt"
    fake.write_text("Fake\nLavrov said the agenda was about penguins.\n", encoding="utf-8")
    report, rows = ingest_uploads(seed_assistant, [str(fake)])
    assert "is already taken by" in report and LAVROV_DOC in report
    assert not (seed_assistant.settings.index_dir / "uploads" / fake.name).exists()
    assert "penguins" not in seed_assistant.ask(LAVROV_QUESTION).text
    report, _ = ingest_uploads(seed_assistant, [str(fake)], replace=True)
    assert f"Updated {LAVROV_DOC}" in report


# --- the index and the servers -------------------------------------------------------------


def test_the_ui_says_what_is_wrong_while_chroma_is_down_and_keeps_the_upload(tmp_path):
    a = Assistant(index_dir=tmp_path / "idx", corpus=[], chroma_url=f"http://127.0.0.1:{free_port()}")
    assert article_rows(a) == []  # a warning, not a Gradio error
    upload = tmp_path / "harbour.txt"
    upload.write_text("Harbour\nThe ferry leaves at noon.\n", encoding="utf-8")
    report, rows = ingest_uploads(a, [str(upload)])
    assert "is not reachable" in report and "will be indexed with the next upload" in report and rows == []
    assert (tmp_path / "idx" / "uploads" / "harbour.txt").exists()


def test_a_key_in_the_server_url_is_never_printed(seed_index):
    url = f"http://reader:SECRETKEY@127.0.0.1:{free_port()}/v1?api_key=SECRETKEY"
    done = run_cli("ask", LAVROV_QUESTION, "--mode", "openai",
                   env={"ASSISTANT_INDEX_DIR": str(seed_index), "ASSISTANT_CORPUS": "", "OPENAI_BASE_URL": url,
                        "OPENAI_API_KEY": "SECRETKEY", "ASSISTANT_LLM_RETRIES": "0"})
    assert done.returncode == 0, done.stderr
    assert f"the model server at http://127.0.0.1:{url.rsplit(':', 1)[1].split('/')[0]}/v1 could not be reached" \
        in done.stdout
    assert "SECRETKEY" not in done.stdout + done.stderr


def _zero_pages(path, keep=100):
    """Overwrite everything but SQLite's header with zeros: the same size, no data."""
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.seek(keep)
        f.write(b"\0" * (size - keep))


def _zero_fts_blocks(path):
    """Zero the full-text index's data blocks in place (each keeps its length)."""
    db = sqlite3.connect(path)
    db.execute("UPDATE chunk_terms_data SET block = zeroblob(length(block)) WHERE id > 10")
    db.commit()
    db.close()


@pytest.mark.parametrize("damage", [_zero_pages, _zero_fts_blocks])
def test_zeroed_keyword_data_of_the_right_size_is_rebuilt_with_a_notice(seed_assistant, damage, caplog):
    seed_assistant.articles()
    catalogue = seed_assistant.settings.index_dir / "catalogue-articles.sqlite3"
    seed_assistant.close()
    size = catalogue.stat().st_size
    damage(catalogue)
    assert catalogue.stat().st_size == size
    fresh = Assistant(index_dir=seed_assistant.settings.index_dir, corpus=[])
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        answer = fresh.ask(LAVROV_QUESTION)
    assert any(c.doc_id == LAVROV_DOC and "the agenda is not ready yet" in c.quote for c in answer.citations)
    notices = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(notices) == 1 and "rebuilding it from Chroma" in notices[0], notices


def test_an_index_another_ingest_holds_is_waited_for_then_one_line(seed_index, tmp_path):
    import fcntl

    index = tmp_path / "index"
    shutil.copytree(seed_index, index)
    note = tmp_path / "note.txt"
    note.write_text("Note\nThe ferry leaves at noon.\n", encoding="utf-8")
    with open(index / "ingest.lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another writer, as far as the CLI can tell
        done = run_cli("--index-dir", str(index), "ingest", "--quiet", str(note),
                       env={"ASSISTANT_CORPUS": "", "ASSISTANT_LOCK_TIMEOUT": "1"})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        f"the index at {index} is busy: another ingest is writing to it; retrying for up to 1 s",
        f"error: the index at {index} is busy: another ingest has been writing to it for over 1 s; try again when "
        "it is done (ASSISTANT_LOCK_TIMEOUT sets how long to wait)"]
    again = run_cli("--index-dir", str(index), "ingest", "--quiet", str(note), env={"ASSISTANT_CORPUS": ""})
    assert again.returncode == 0 and again.stdout.startswith("1 added")


def test_letters_sqlite_calls_separators_are_searchable_and_not_damage(tmp_path, caplog):
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "tai.txt").write_text("ᦰᦰᦰ\nᦰᦰᦰ ᦰᦰᦰ market report from Jinghong.\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        a = Assistant(index_dir=tmp_path / "idx", corpus=[folder])
        assert a.retrieve("ᦰᦰᦰ", k=1)[0].doc_id == "tai"
        a.close()
        assert Assistant(index_dir=tmp_path / "idx", corpus=[]).retrieve("ᦰᦰᦰ Jinghong", k=1)[0].doc_id == "tai"
    assert not [r for r in caplog.records if "damaged" in r.getMessage()]


def test_a_feed_with_one_taken_id_still_adds_its_other_records(seed_assistant, tmp_path):
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps([{"id": "harbour-news", "title": "Harbour", "text": "The ferry leaves at noon."},
                                {"id": LAVROV_DOC, "title": "Fake", "text": "Nothing but penguins."}]),
                    encoding="utf-8")
    report = seed_assistant.ingest([feed])
    assert report.added == ("harbour-news",) and report.conflicts == (LAVROV_DOC,)


def test_an_article_left_half_written_is_repaired_even_when_a_conflicting_file_is_refused(seed_assistant, tmp_path):
    from conftest import chroma_collection

    index = seed_assistant.settings.index_dir
    articles = chroma_collection(index, "articles_articles")
    meta = articles.get(ids=[LAVROV_DOC], include=["metadatas"])["metadatas"][0]
    articles.update(ids=[LAVROV_DOC], metadatas=[{**meta, "state": "writing", "updated_at": 2e9}])  # a crash
    other = tmp_path / "other" / f"{LAVROV_DOC}.txt"
    other.parent.mkdir()
    other.write_text("Fake\nPenguins.\n", encoding="utf-8")
    b = Assistant(index_dir=index, corpus=[])
    report = b.ingest([other])
    assert report.conflicts == (LAVROV_DOC,)
    assert any(c.doc_id == LAVROV_DOC and "the agenda is not ready yet" in c.quote
               for c in b.ask(LAVROV_QUESTION).citations)


def test_an_index_written_with_relative_paths_updates_its_own_files_from_anywhere(tmp_path):
    from assistant.ingest import from_another_file

    assert not from_another_file("corpus/x.txt", str(tmp_path / "w7" / "corpus" / "x.txt"))
    assert from_another_file("corpus/x.txt", str(tmp_path / "uploads" / "x.txt"))
    assert not from_another_file("", str(tmp_path / "x.txt"))


def test_replace_in_the_ui_applies_to_this_upload_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "src"
    source.mkdir()
    (source / "x.txt").write_text("Budget vote\nThe council passed the budget.\n", encoding="utf-8")
    (source / "y.txt").write_text("Bridge\nThe bridge reopens in May.\n", encoding="utf-8")
    a = Assistant(index_dir="idx", corpus=[source])  # a relative index folder, as `--index-dir idx` gives
    imposter = tmp_path / "x.txt"
    imposter.write_text("Imposter\nThe council was abolished.\n", encoding="utf-8")
    report, _ = ingest_uploads(a, [str(imposter)])
    assert "already taken" in report and not (tmp_path / "idx" / "uploads" / "x.txt").exists()
    unrelated = tmp_path / "ferry.txt"
    unrelated.write_text("Ferry\nThe ferry leaves at noon.\n", encoding="utf-8")
    report, _ = ingest_uploads(a, [str(unrelated)], replace=True)
    assert "Added ferry" in report
    assert a.document("x").title == "Budget vote"


def test_a_catalogue_of_an_older_version_is_rebuilt_and_not_kept_but_a_damaged_one_is_kept(seed_assistant, caplog):
    index = seed_assistant.settings.index_dir
    seed_assistant.articles()
    seed_assistant.close()
    catalogue = index / "catalogue-articles.sqlite3"
    db = sqlite3.connect(catalogue)
    db.execute("UPDATE meta SET value = '0' WHERE key = 'format'")
    db.commit()
    db.close()
    with caplog.at_level(logging.WARNING):
        upgraded = Assistant(index_dir=index, corpus=[])
        assert len(upgraded.articles()) == 5
    upgraded.close()
    assert "was built by another version or from another collection; rebuilding it" in caplog.text
    assert not list(index.glob("*.unreadable*"))
    catalogue.write_bytes(b"not a database at all" * 100)
    assert len(Assistant(index_dir=index, corpus=[]).articles()) == 5
    assert (index / "catalogue-articles.sqlite3.unreadable").exists()  # kept for a look
