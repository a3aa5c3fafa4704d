"""Chunks are exact slices of the article, respect sentences and the budget in the embedder's word pieces."""

import pytest
from conftest import SEEDS
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.analysis import sentence_spans
from assistant.chunking import chunk_text, count_tokens
from assistant.embeddings import MAX_WORD_PIECES, word_piece_tokenizer

WORDS = ["Dr.", "U.S.", "Mr.", "said", "the", "agenda", "“quote”", "‘inner’", "Putin", "a", "3.5", "22%",
         "end.", "stop!", "why?", "—", "\n", "\n\n", "  ", "x" * 60, "é", "认同", "“Stop now,”", "e.g.",
         "Македонија", "Ελληνική", "q7z" * 30, "https://example.test/a-b?c=1"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=0, max_size=400), st.integers(16, 120), st.integers(0, 40))
def test_every_chunk_is_the_article_text_at_its_offsets(words, max_tokens, overlap):
    text = " ".join(words)
    chunks = chunk_text("doc", text, max_tokens=max_tokens, overlap_tokens=overlap)
    covered = set()
    for i, chunk in enumerate(chunks):
        assert chunk.index == i
        assert chunk.text == text[chunk.start:chunk.end]
        assert count_tokens(chunk.text) <= max_tokens
        covered.update(range(chunk.start, chunk.end))
    # Nothing but whitespace is left out of every chunk.
    assert all(text[i].isspace() for i in range(len(text)) if i not in covered)
    # Chunks move forward.
    assert all(a.start < b.start and a.end < b.end for a, b in zip(chunks, chunks[1:]))


def test_abbreviations_and_curly_quotes_do_not_break_sentences():
    text = ("Dr. Smith flew to the U.S. on Monday. He said, “the agenda is not ready yet.” "
            "Then he left. “Stop now,” Mr. Jones replied.")
    sentences = [text[s:e] for s, e in sentence_spans(text)]
    assert sentences == [
        "Dr. Smith flew to the U.S. on Monday.",
        "He said, “the agenda is not ready yet.”",
        "Then he left.",
        "“Stop now,” Mr. Jones replied.",
    ]


def test_a_line_break_ends_a_sentence():
    text = "Headline without a full stop\nThe body starts here. It goes on."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Headline without a full stop", "The body starts here.", "It goes on."]


def test_seed_chunks_overlap_and_keep_the_lavrov_sentence_whole():
    text = (SEEDS / "000_2e1743cf2fe1a151.txt").read_text(encoding="utf-8")
    chunks = chunk_text("000", text, max_tokens=183, overlap_tokens=40)
    assert len(chunks) > 3
    assert any(b.start < a.end for a, b in zip(chunks, chunks[1:])), "consecutive chunks should overlap"
    sentence = next(text[s:e] for s, e in sentence_spans(text) if "the agenda is not ready yet" in text[s:e])
    assert sentence.startswith("Lavrov, Russian Foreign Minister")
    assert any(sentence in c.text for c in chunks)


def test_no_chunk_runs_past_what_the_embedder_reads():
    """MiniLM reads 256 word pieces with [CLS] and [SEP]: a longer chunk would be embedded without its end.
    Macedonian takes half as many word pieces again as tiktoken tokens: chunks of 180 of those were up to 259."""
    text = ("Таквата идеологија и заемното дејство на умот и срцето му помогнаа на Делчев да не се занесе по "
            "патот на својата идеологија... Во суштина, Организацијата и нејзините водачи имаа свои разбирања "
            "за работите и положбата во идеен поглед, но тоа беше врската, животот и положбата во Македонија и "
            "го внесуваа во својата идеологија гласот на своето срце, и на крај, прибегнуваа до умот, за да "
            "најдат смисла или да ѝ дадат.")
    reader = word_piece_tokenizer()
    for budget in (MAX_WORD_PIECES - 2, 183):
        chunks = chunk_text("mk", text, max_tokens=budget, overlap_tokens=40)
        assert all(len(reader.encode(c.text).ids) <= MAX_WORD_PIECES for c in chunks)  # [CLS] and [SEP] included


@pytest.mark.parametrize("text, budget", [
    ("word " * 1000 + "end.", 50),
    ("x" * 99 + " end.", 8),  # one word of many pieces (from 100 characters on, a word is one [UNK])
    ("See supercalifragilisticexpialidocioussupercalifragilisticexpialidocious.", 5),
])
def test_an_overlong_sentence_or_word_is_cut_to_fit(text, budget):
    chunks = chunk_text("d", text, max_tokens=budget, overlap_tokens=0)
    assert len(chunks) > 1 and all(count_tokens(c.text) <= budget for c in chunks)
    assert "".join(c.text for c in chunks).replace(" ", "") == text.replace(" ", "")


def test_a_long_article_keeps_every_chunk_within_the_budget():
    # ~150,000 characters
    text = "\n".join(path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))) * 4
    chunks = chunk_text("long", text, max_tokens=183, overlap_tokens=40)
    assert all(count_tokens(c.text) <= 183 and c.text == text[c.start:c.end] for c in chunks)
    assert chunks[-1].end == len(text.rstrip())
