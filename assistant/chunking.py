"""Token-aware chunking on sentence boundaries, with exact character offsets.

Every chunk is a slice of the article text (`chunk.text == text[start:end]`),
so quotes found inside chunks can always be traced back to the article.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from .analysis import sentence_spans
from .types import Article, Chunk


@lru_cache(maxsize=1)
def _encoding():
    import tiktoken

    return tiktoken.get_encoding("cl100k_base")


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


def _split_long(text: str, start: int, end: int, max_tokens: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence at word boundaries so each piece fits the budget."""
    pieces: list[tuple[int, int]] = []
    piece_start: int | None = None
    piece_end = start
    for word in re.finditer(r"\S+", text[start:end]):
        ws, we = start + word.start(), start + word.end()
        if piece_start is not None and count_tokens(text[piece_start:we]) <= max_tokens:
            piece_end = we
            continue
        if piece_start is not None:
            pieces.append((piece_start, piece_end))
        piece_start, piece_end = ws, we
        # A single "word" over the budget (a long URL, base64...) is cut by characters.
        while count_tokens(text[piece_start:piece_end]) > max_tokens:
            cut = _longest_prefix_within(text, piece_start, piece_end, max_tokens)
            pieces.append((piece_start, cut))
            piece_start = cut
    if piece_start is not None:
        pieces.append((piece_start, piece_end))
    return pieces


def _longest_prefix_within(text: str, start: int, end: int, max_tokens: int) -> int:
    lo, hi = start + 1, end  # the answer lies in [lo, hi)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count_tokens(text[start:mid]) <= max_tokens:
            lo = mid
        else:
            hi = mid - 1
    return max(lo, start + 1)


def units(text: str, max_tokens: int, sentences: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Sentences, with any sentence over the budget cut into pieces that fit."""
    out: list[tuple[int, int]] = []
    for s, e in sentence_spans(text) if sentences is None else sentences:
        if count_tokens(text[s:e]) <= max_tokens:
            out.append((s, e))
        else:
            out.extend(_split_long(text, s, e, max_tokens))
    return out


def chunk_text(doc_id: str, text: str, max_tokens: int = 180, overlap_tokens: int = 40,
               sentences: list[tuple[int, int]] | None = None) -> list[Chunk]:
    """Pack whole sentences into chunks of at most `max_tokens`, repeating up to
    `overlap_tokens` of trailing sentences at the start of the next chunk."""
    spans = units(text, max_tokens, sentences)
    chunks: list[Chunk] = []
    i = 0
    while i < len(spans):
        j = i
        while j + 1 < len(spans) and count_tokens(text[spans[i][0]:spans[j + 1][1]]) <= max_tokens:
            j += 1
        start, end = spans[i][0], spans[j][1]
        chunks.append(Chunk(doc_id=doc_id, index=len(chunks), start=start, end=end, text=text[start:end]))
        if j + 1 >= len(spans):
            break
        # Overlap: step back over trailing sentences that fit the overlap budget,
        # but always move forward by at least one sentence.
        nxt = j + 1
        while nxt - 1 > i and count_tokens(text[spans[nxt - 1][0]:spans[j][1]]) <= overlap_tokens:
            nxt -= 1
        # ...and never so far back that the next chunk could not reach a new sentence.
        while nxt <= j and count_tokens(text[spans[nxt][0]:spans[j + 1][1]]) > max_tokens:
            nxt += 1
        i = nxt
    return chunks


def chunk_article(article: Article, max_tokens: int = 180, overlap_tokens: int = 40,
                  sentences: list[tuple[int, int]] | None = None) -> list[Chunk]:
    chunks = chunk_text(article.doc_id, article.text, max_tokens, overlap_tokens, sentences)
    return [replace(c, title=article.title) for c in chunks]
