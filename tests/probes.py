"""Probes shared by tests/test_concurrency.py and eval/faults.py: writer processes, the two-writer
rounds, and an audit of what is really in a Chroma index (read with Chroma's own client) against
what should be there: the count of lost, duplicated and stale articles."""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from assistant.corpus import load_file

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
ROUNDS, ARTICLES = 20, 15


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client_for(index_dir: Path | None = None, chroma_url: str | None = None):
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if chroma_url:
        host, port = chroma_url.rsplit("//", 1)[-1].split(":")
        return chromadb.HttpClient(host=host, port=int(port), settings=settings)
    return chromadb.PersistentClient(path=str(Path(index_dir) / "chroma"), settings=settings)


def audit(client, expected: dict[str, str], collection: str = "articles") -> dict[str, int]:
    """expected: doc_id -> the content hash its file has now. An article is lost when it is not
    complete with all its chunks, duplicated when chunks of another version or extra ones remain,
    stale when the store holds an older version than the file."""
    records = client.get_collection(f"{collection}_articles")
    chunks = client.get_collection(f"{collection}_chunks")
    counts = Counter(lost=0, duplicated=0, stale=0)
    for doc_id, content_hash in expected.items():
        got = records.get(ids=[doc_id], include=["metadatas"])
        meta = (got["metadatas"] or [None])[0] or {}
        ids = chunks.get(where={"doc_id": doc_id}, include=[])["ids"]
        mine = [i for i in ids if i.split("::")[1] == meta.get("content_hash", "")[:12]]
        if meta.get("state") != "complete" or len(mine) < int(meta.get("n_chunks", 0)) or not mine:
            counts["lost"] += 1
        if len(ids) > len(mine) or len(mine) > int(meta.get("n_chunks", 0)):
            counts["duplicated"] += 1
        if meta.get("content_hash") and meta["content_hash"] != content_hash:
            counts["stale"] += 1
    return dict(counts)


def start_writer(index_dir, chroma_url=None):
    command = [sys.executable, str(TESTS / "ingest_worker.py"), str(index_dir), *([chroma_url] if chroma_url else [])]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert json.loads(process.stdout.readline()) == {"ready": True}
    return process


def write_version(folder, version):
    """Every article changes each time; each version holds a word found in no other."""
    for i in range(ARTICLES):
        (folder / f"harbour-{i:02d}.txt").write_text(
            f"Harbour bulletin {i}\nVersion {version}: the ferry word of the day is zq{version}x{i}v. "
            f"The crane on quay {i} lifted {version * 7 + i} containers.\n", encoding="utf-8")


def run_rounds(tmp_path, writers, reader, client, rounds=ROUNDS):
    """Each round: version 2r of every article is written and the first writer told to ingest all of
    them; a random moment later, version 2r+1 is written and the second writer told the same. Whoever
    writes last must leave the newest version: a writer that read the files before the other one's
    turn must not overwrite newer text with older."""
    folder = tmp_path / "articles"
    folder.mkdir()
    files = [folder / f"harbour-{i:02d}.txt" for i in range(ARTICLES)]
    rng = random.Random(12)
    totals = {"lost": 0, "duplicated": 0, "stale": 0, "reader_stale": 0}
    for round_ in range(rounds):
        for version, writer in enumerate(writers, 2 * round_):
            write_version(folder, version)
            writer.stdin.write(json.dumps({"paths": [str(f) for f in files], "delay": rng.uniform(0, 0.2)}) + "\n")
            writer.stdin.flush()
            time.sleep(rng.uniform(0, 0.4))
        answers = [json.loads(w.stdout.readline()) for w in writers]
        assert all("error" not in a for a in answers), answers
        expected = {f.stem: load_file(f)[0].content_hash for f in files}
        for key, n in audit(client, expected).items():
            totals[key] += n
        newest = 2 * round_ + 1
        for i in rng.sample(range(ARTICLES), 3):
            top = reader.retrieve(f"zq{newest}x{i}v", k=1)
            totals["reader_stale"] += int(not top or top[0].doc_id != f"harbour-{i:02d}" or
                                          f"zq{newest}x{i}v" not in top[0].text)
    return totals


def stop(processes):
    for p in processes:
        p.stdin.close()
        p.wait(timeout=60)
