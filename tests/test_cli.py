"""The `assistant` command: answers with numbered quotes, and one clear line for every error."""

import json

from conftest import LAVROV_DOC, LAVROV_QUESTION, SEEDS, chroma_collection, run_cli


def assert_clean_error(result, message):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr


def test_ask_prints_the_quote_with_its_source(seed_index):
    result = run_cli("--index-dir", str(seed_index), "ask", LAVROV_QUESTION, "--mode", "extractive")
    assert result.returncode == 0, result.stderr
    assert "the agenda is not ready yet" in result.stdout
    assert "Sources:" in result.stdout and f"({LAVROV_DOC}, characters " in result.stdout


def test_ask_json_is_machine_readable(seed_index):
    result = run_cli("--index-dir", str(seed_index), "ask", LAVROV_QUESTION, "--json", "--k", "3",
                     "--mode", "extractive")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert len(answer["passages"]) == 3
    article = (SEEDS / f"{LAVROV_DOC}.txt").read_text(encoding="utf-8")
    cited = [c for c in answer["citations"] if c["doc_id"] == LAVROV_DOC]
    assert any("the agenda is not ready yet" in c["quote"] for c in cited)
    assert all(article[c["start"]:c["end"]] == c["quote"] for c in cited)


def test_unanswerable_question_is_refused(seed_index):
    result = run_cli("--index-dir", str(seed_index), "ask", "What did Angela Merkel say about the summit?",
                     "--mode", "extractive")
    assert result.returncode == 0
    assert result.stdout.startswith("The articles don't say") and "Sources:" not in result.stdout


def test_empty_question_is_one_clear_line(seed_index):
    assert_clean_error(run_cli("--index-dir", str(seed_index), "ask", "   "), "the question is empty")


def test_overlong_question_is_one_clear_line(seed_index):
    result = run_cli("--index-dir", str(seed_index), "ask", "why " * 300)
    assert_clean_error(result, "the limit is 1000")


def test_ingest_of_a_missing_path_is_one_clear_line(tmp_path):
    assert_clean_error(run_cli("--index-dir", str(tmp_path / "idx"), "ingest", str(tmp_path / "nope")),
                       "no such file or folder")


def test_ingest_reports_what_it_did_and_skipped(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "one.txt").write_text("Harbour opens\nThe harbour opened on Monday.\n", encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"\x00\x01binary")
    env = {"ASSISTANT_CORPUS": ""}
    first = run_cli("--index-dir", str(tmp_path / "idx"), "ingest", str(folder), env=env)
    assert first.returncode == 0, first.stderr
    assert "1 added, 0 updated, 0 unchanged" in first.stdout
    assert "skipped" in first.stderr and "bad.txt" in first.stderr and "binary" in first.stderr
    assert "Traceback" not in first.stderr
    again = run_cli("--index-dir", str(tmp_path / "idx"), "ingest", str(folder), "--json", env=env)
    report = json.loads(again.stdout)
    assert report["added"] == [] and report["unchanged"] == ["one"]


def test_an_index_built_with_another_model_is_one_clear_line(seed_index, tmp_path):
    import shutil

    index_dir = tmp_path / "idx"
    shutil.copytree(seed_index, index_dir)
    chroma_collection(index_dir).modify(metadata={"embedding_model": "another-model", "dimension": 384})
    result = run_cli("--index-dir", str(index_dir), "ask", LAVROV_QUESTION)
    assert_clean_error(result, "built with the embedding model 'another-model'")


def test_a_bad_setting_is_one_clear_line(seed_index):
    result = run_cli("--index-dir", str(seed_index), "ask", LAVROV_QUESTION, env={"ASSISTANT_TOP_K": "many"})
    assert_clean_error(result, "ASSISTANT_TOP_K must be a whole number")


def test_output_piped_into_a_reader_that_leaves_early_is_not_an_error(tmp_path):
    import subprocess
    import sys

    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(1500):  # each is reported as skipped: far more output than a pipe buffers
        (folder / f"image_{i:04d}_with_a_long_name_to_make_the_report_bigger.png").write_bytes(b"x")
    command = (f"ASSISTANT_CORPUS= {sys.executable} -m assistant --index-dir {tmp_path / 'idx'} "
               f"ingest {folder} --json | head -c 10")
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=300)
    assert result.stdout == "{\n  \"added\""[:10]
    assert "Traceback" not in result.stderr and "error" not in result.stderr, result.stderr
