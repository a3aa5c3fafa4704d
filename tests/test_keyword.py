"""The keyword index is updated article by article: after any mix of additions and removals it
must answer exactly as one built from scratch over the same chunks."""

import random
import sqlite3

import pytest
from conftest import SEEDS

from assistant import corpus
from assistant.analysis import capitalised, sentence_spans
from assistant.catalogue_file import create_schema
from assistant.keyword import SCHEMA, KeywordIndex
from assistant.name_index import SCHEMA as NAMES_SCHEMA


@pytest.fixture(scope="module")
def documents():
    articles = corpus.load([SEEDS]).articles
    sentences = [a.text[s:e] for a in articles for s, e in sentence_spans(a.text)]
    rng = random.Random(5)
    texts = {(i, j): " ".join(rng.sample(sentences, 4)) for i in range(40) for j in range(3)}
    return {f"doc{i}": [(f"doc{i}::h::{j}", f"doc{i}", texts[i, j], capitalised(texts[i, j])) for j in range(3)]
            for i in range(40)}


def index_of(rows) -> tuple[KeywordIndex, sqlite3.Connection]:
    db = sqlite3.connect(":memory:", isolation_level=None)
    create_schema(db, SCHEMA)
    create_schema(db, NAMES_SCHEMA)
    index = KeywordIndex(db)
    index.add(rows)
    return index, db


def table(db, query):
    return sorted(db.execute(query).fetchall())


QUESTIONS = ["What did Lavrov say about the agenda?", "Tomahawk missiles for Ukraine", "Budapest summit Orban",
             "Komsomelets locomotive", "Zelenskiy drones"]
PHRASES = ["the agenda is not ready", "Tomahawk missiles"]


def test_incremental_updates_equal_a_fresh_build(documents):
    rng = random.Random(11)
    live = {}
    index, db = index_of([])
    for _ in range(30):
        if live and rng.random() < 0.4:
            gone = rng.choice(sorted(live))
            index.remove([gone])
            del live[gone]
        else:
            doc = rng.choice(sorted(documents))
            index.remove([doc])  # a changed article: its rows are replaced
            index.add(documents[doc])
            live[doc] = documents[doc]
    assert 0 < len(live) < len(documents), "the steps should leave some articles and remove others"
    fresh, fresh_db = index_of([row for rows in live.values() for row in rows])
    assert len(index.chunk_terms) == len(fresh.chunk_terms) == 3 * len(live)
    # The stored counts BM25 reads, and the names by article, are those of the fresh build exactly.
    for query in ["SELECT term, df FROM term_df", "SELECT doc_id, term FROM article_names",
                  "SELECT chunk_id, doc_id, length, crc FROM chunks"]:
        assert table(db, query) == table(fresh_db, query), query
    found = 0
    for question in QUESTIONS:
        hits = index.search(question, 10)
        assert hits == fresh.search(question, 10)
        found += bool(hits)
    assert found >= 3, "too few questions found anything for the comparison to mean much"
    for phrase in PHRASES:
        assert index.phrase(phrase, 10) == fresh.phrase(phrase, 10)
    for term in ["lavrov", "agenda", "tomahawk", "putin", "budapest"]:
        assert index.chunk_terms.idf(term) == fresh.chunk_terms.idf(term)
    spellings = index.spellings("Zelenskyy")
    assert spellings and spellings == fresh.spellings("Zelenskyy")
    names = [index.spellings("Lavrov"), index.spellings("Putin")]
    assert index.names.covered(live, names) == fresh.names.covered(live, names)
    assert any(index.names.covered(live, names).values())


def test_a_removed_article_leaves_no_terms_or_names_behind(documents):
    index, db = index_of(documents["doc0"] + documents["doc1"])
    index.remove(["doc0"])
    only, only_db = index_of(documents["doc1"])
    assert table(db, "SELECT term, df FROM term_df") == table(only_db, "SELECT term, df FROM term_df")
    assert not db.execute("SELECT 1 FROM article_names WHERE doc_id = 'doc0'").fetchone()
    hits = index.search("Lavrov agenda Putin Trump Ukraine", 10)
    assert hits and all(cid.startswith("doc1::") for cid, _ in hits)
