"""Chunks are exact slices of the article, respect sentences and the token budget."""

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.analysis import sentence_spans
from assistant.chunking import chunk_text, count_tokens
from conftest import SEEDS

WORDS = ["Dr.", "U.S.", "Mr.", "said", "the", "agenda", "“quote”", "‘inner’", "Putin", "a", "3.5", "22%",
         "end.", "stop!", "why?", "—", "\n", "\n\n", "  ", "x" * 60, "é", "认同", "“Stop now,”", "e.g."]


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
    chunks = chunk_text("000", text, max_tokens=180, overlap_tokens=40)
    assert len(chunks) > 3
    assert any(b.start < a.end for a, b in zip(chunks, chunks[1:])), "consecutive chunks should overlap"
    sentence = next(text[s:e] for s, e in sentence_spans(text) if "the agenda is not ready yet" in text[s:e])
    assert sentence.startswith("Lavrov, Russian Foreign Minister")
    assert any(sentence in c.text for c in chunks)


def test_an_overlong_sentence_is_cut_to_fit():
    text = "word " * 1000 + "end."
    chunks = chunk_text("d", text, max_tokens=50, overlap_tokens=0)
    assert len(chunks) >= 20 and all(count_tokens(c.text) <= 50 for c in chunks)
