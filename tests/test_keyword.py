"""The keyword index is updated article by article: after any mix of additions and removals it
must answer exactly as one built from scratch over the same chunks."""

import random
import sqlite3

import pytest
from conftest import SEEDS

from assistant import corpus
from assistant.analysis import capitalised, sentence_spans
from assistant.keyword import KeywordIndex


@pytest.fixture(scope="module")
def documents():
    articles = corpus.load([SEEDS]).articles
    sentences = [a.text[s:e] for a in articles for s, e in sentence_spans(a.text)]
    rng = random.Random(5)
    texts = {(i, j): " ".join(rng.sample(sentences, 4)) for i in range(40) for j in range(3)}
    return {f"doc{i}": [(f"doc{i}::h::{j}", f"doc{i}", texts[i, j], capitalised(texts[i, j])) for j in range(3)]
            for i in range(40)}


def index_of(rows) -> KeywordIndex:
    db = sqlite3.connect(":memory:", isolation_level=None)
    index = KeywordIndex(db)
    index.add(rows)
    return index


QUESTIONS = ["What did Lavrov say about the agenda?", "Tomahawk missiles for Ukraine", "Budapest summit Orban",
             "Komsomelets locomotive", "Zelenskiy drones"]


def test_incremental_updates_equal_a_fresh_build(documents):
    rng = random.Random(11)
    live = {}
    index = index_of([])
    for step in range(30):
        if live and rng.random() < 0.4:
            gone = rng.choice(sorted(live))
            index.remove([gone])
            del live[gone]
        else:
            doc = rng.choice(sorted(documents))
            index.remove([doc])  # a changed article: its rows are replaced
            index.add(documents[doc])
            live[doc] = documents[doc]
    fresh = index_of([row for rows in live.values() for row in rows])
    assert len(index) == len(fresh) == 3 * len(live)
    for question in QUESTIONS:
        assert index.search(question, 10) == fresh.search(question, 10)
    for term in ["lavrov", "agenda", "tomahawk", "putin", "budapest"]:
        assert index.idf(term) == fresh.idf(term)
    assert index.spellings("Zelenskyy") == fresh.spellings("Zelenskyy")
