"""An index past SQLite's variable limit (about 32,766): ingest, re-open, keyword search, deletion.

The archive that broke the assistant had 53,662 chunks: `Store.all_chunks()` asked Chroma for
every chunk in one call. Here 34,000 small chunks from a JSON Lines feed go through the real
pipeline and the real Chroma; only the embedding is a small deterministic stand-in (a hashed bag
of words), so the test takes a minute instead of twenty.
"""

import hashlib
import json
import time

import numpy as np
import pytest
from conftest import chroma_collection

from assistant import Assistant, Settings

pytestmark = pytest.mark.slow  # an index past SQLite's variable limit: 34,000 chunks

# One chunk per sentence at 20 tokens and no overlap (a sentence is 12 to 18 of the embedder's word
# pieces, two never fit): 34,000 chunks.
ARTICLES, SENTENCES = 1000, 34
WORDS = ("harbour crane freight tariff ledger orchard quarry turbine glacier ferry meadow "
         "archive lantern canal beacon foundry vineyard pylon granary bridge").split()


class HashedWords:
    """A real embedder in every way the pipeline sees (name, dimension, unit vectors), only cheap."""

    model_name, dimension = "hashed-words-16", 16

    def embed(self, texts):
        out = np.zeros((len(texts), self.dimension), np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, hashlib.blake2b(word.encode(), digest_size=1).digest()[0] % self.dimension] += 1
        return out / np.clip(np.linalg.norm(out, axis=1, keepdims=True), 1e-9, None)


def feed(path, articles=ARTICLES):
    with path.open("w", encoding="utf-8") as f:
        for i in range(articles):
            sentences = [f"The {WORDS[(i + j) % 20]} report number {i * 100 + j} was filed by clerk{i} today."
                         for j in range(SENTENCES)]
            f.write(json.dumps({"id": f"a{i:04d}", "title": f"Bulletin {i}", "text": "\n".join(sentences)}) + "\n")


def test_an_index_of_34000_chunks_ingests_reopens_searches_and_deletes(tmp_path):
    settings = Settings(index_dir=tmp_path / "idx", corpus=(), chunk_tokens=20, chunk_overlap_tokens=0,
                        max_file_mb=1)  # far smaller than the feed: the limit is per record
    source = tmp_path / "feed.jsonl"
    feed(source)
    assert source.stat().st_size > settings.max_file_bytes

    a = Assistant(settings=settings, embedder=HashedWords())
    report = a.ingest([source])
    assert len(report.added) == ARTICLES and report.skipped == ()
    assert report.chunks == ARTICLES * SENTENCES > 33_000
    assert chroma_collection(tmp_path / "idx").count() == report.chunks

    # Re-open in a new Assistant: nothing is re-read whole, nothing changed, all still there.
    started = time.perf_counter()
    b = Assistant(settings=settings, embedder=HashedWords())
    assert len(b.articles()) == ARTICLES
    again = b.ingest([source])
    assert len(again.unchanged) == ARTICLES and again.added == again.updated == ()
    assert time.perf_counter() - started < 600  # a sanity bound, not a benchmark

    def keyword_top(question):  # the stand-in embedding ranks nothing usefully: look at the keyword side
        return next((h for h in b.retrieve(question, k=10) if h.keyword_rank == 1), None)

    top = keyword_top("clerk777 report 77712")
    assert top.doc_id == "a0777" and "77712" in top.text

    # Delete a quarter of the archive (a rewritten feed, with --prune), then rebuild the catalogue
    # from Chroma alone: the path that used to fail with "too many SQL variables".
    feed(source, articles=750)
    pruned = b.ingest([source], prune=True)
    assert len(pruned.removed) == 250 and pruned.chunks == 750 * SENTENCES
    assert chroma_collection(tmp_path / "idx").count() == 750 * SENTENCES
    (tmp_path / "idx" / "catalogue-articles.sqlite3").unlink()
    b = Assistant(settings=settings, embedder=HashedWords())
    assert len(b.articles()) == 750
    assert all(h.doc_id != "a0777" for h in b.retrieve("clerk777 report 77712", k=10))
    top = keyword_top("clerk700 report 70012")
    assert top.doc_id == "a0700" and "70012" in top.text
