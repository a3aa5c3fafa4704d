"""Chunking on sentence boundaries, with exact character offsets, counted in the embedder's word pieces.

Every chunk is a slice of the article text (`chunk.text == text[start:end]`),
so quotes found inside chunks can always be traced back to the article. Budgets are
MiniLM word pieces because the model reads no more than 254 of them (256 with [CLS] and
[SEP]): counted in any other tokens, a chunk can run past the window and lose its end.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache

from .analysis import sentence_spans
from .types import Article, Chunk

_SPACE = re.compile(r"\s")


@lru_cache(maxsize=1)
def _tokenizer():
    from .embeddings import word_piece_tokenizer  # not onnxruntime: loading the model is not needed to count

    return word_piece_tokenizer()


def count_tokens(text: str) -> int:
    """The embedder's word pieces in `text`, without [CLS] and [SEP]."""
    return len(_tokenizer().encode(text, add_special_tokens=False).ids)


class _Pieces:
    """Counts the word pieces of any span of one text from a single encoding of the whole text.

    A span that starts and ends between words has exactly the pieces the whole text has inside
    it (the tokenizer splits words at spaces and punctuation, then pieces each word on its own);
    a span that cuts a word is encoded by itself, as that word's pieces change. The text is
    encoded a segment at a time and the offsets kept in arrays: a 20 MB article would otherwise
    take gigabytes of Python tuples."""

    SEGMENT_CHARS = 1 << 16

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts, self.ends, self.continues_word = array("q"), array("q"), bytearray()
        start = 0
        while start < len(text):
            space = _SPACE.search(text, start + self.SEGMENT_CHARS)  # between words: nothing is cut
            end = space.start() if space else len(text)
            encoding = _tokenizer().encode(text[start:end], add_special_tokens=False)
            self.starts.extend(start + s for s, _ in encoding.offsets)
            self.ends.extend(start + e for _, e in encoding.offsets)
            self.continues_word.extend(token.startswith("##") for token in encoding.tokens)
            start = end

    def _between_words(self, at: int) -> bool:
        after = bisect_left(self.starts, at)  # the first piece starting at or after `at`
        cut_piece = after > 0 and self.ends[after - 1] > at
        return not cut_piece and not (after < len(self.starts) and self.continues_word[after])

    def count(self, start: int, end: int) -> int:
        if self._between_words(start) and self._between_words(end):
            return max(0, bisect_right(self.ends, end) - bisect_left(self.starts, start))
        return count_tokens(self.text[start:end])


def _split_long(start: int, end: int, max_tokens: int, pieces: _Pieces) -> list[tuple[int, int]]:
    """Cut an over-long sentence at word boundaries so each piece fits the budget."""
    text, count = pieces.text, pieces.count
    out: list[tuple[int, int]] = []
    piece_start: int | None = None
    piece_end = start
    for word in re.finditer(r"\S+", text[start:end]):
        ws, we = start + word.start(), start + word.end()
        if piece_start is not None and count(piece_start, we) <= max_tokens:
            piece_end = we
            continue
        if piece_start is not None:
            out.append((piece_start, piece_end))
        piece_start, piece_end = ws, we
        # A single "word" over the budget (a long URL, base64...) is cut by characters.
        while count(piece_start, piece_end) > max_tokens:
            cut = _longest_prefix_within(piece_start, piece_end, max_tokens, count)
            out.append((piece_start, cut))
            piece_start = cut
    if piece_start is not None:
        out.append((piece_start, piece_end))
    return out


def _longest_prefix_within(start: int, end: int, max_tokens: int, count: Callable[[int, int], int]) -> int:
    lo, hi = start + 1, end  # the answer lies in [lo, hi)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count(start, mid) <= max_tokens:
            lo = mid
        else:
            hi = mid - 1
    return max(lo, start + 1)


def units(pieces: _Pieces, max_tokens: int, sentences: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Sentences, with any sentence over the budget cut into pieces that fit."""
    out: list[tuple[int, int]] = []
    for s, e in sentence_spans(pieces.text) if sentences is None else sentences:
        if pieces.count(s, e) <= max_tokens:
            out.append((s, e))
        else:
            out.extend(_split_long(s, e, max_tokens, pieces))
    return out


def chunk_text(doc_id: str, text: str, max_tokens: int, overlap_tokens: int,
               sentences: list[tuple[int, int]] | None = None) -> list[Chunk]:
    """Pack whole sentences into chunks of at most `max_tokens` word pieces, repeating up to
    `overlap_tokens` of trailing sentences at the start of the next chunk."""
    pieces = _Pieces(text)
    count = pieces.count
    spans = units(pieces, max_tokens, sentences)
    chunks: list[Chunk] = []
    i = 0
    while i < len(spans):
        j = i
        while j + 1 < len(spans) and count(spans[i][0], spans[j + 1][1]) <= max_tokens:
            j += 1
        start, end = spans[i][0], spans[j][1]
        chunks.append(Chunk(doc_id=doc_id, index=len(chunks), start=start, end=end, text=text[start:end]))
        if j + 1 >= len(spans):
            break
        # Overlap: step back over trailing sentences that fit the overlap budget,
        # but always move forward by at least one sentence.
        nxt = j + 1
        while nxt - 1 > i and count(spans[nxt - 1][0], spans[j][1]) <= overlap_tokens:
            nxt -= 1
        # ...and never so far back that the next chunk could not reach a new sentence.
        while nxt <= j and count(spans[nxt][0], spans[j + 1][1]) > max_tokens:
            nxt += 1
        i = nxt
    return chunks


def chunk_article(article: Article, max_tokens: int, overlap_tokens: int,
                  sentences: list[tuple[int, int]] | None = None) -> list[Chunk]:
    chunks = chunk_text(article.doc_id, article.text, max_tokens, overlap_tokens, sentences)
    return [replace(c, title=article.title) for c in chunks]
