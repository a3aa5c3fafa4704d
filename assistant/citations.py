"""Citations: quotes cut from the passage they come from, and shown only when they are the article's
text at their offsets."""

from __future__ import annotations

from .types import Article, Citation, Passage


def is_verbatim(citation: Citation, article: Article) -> bool:
    return (
        citation.doc_id == article.doc_id
        and 0 <= citation.start < citation.end <= len(article.text)
        and article.text[citation.start : citation.end] == citation.quote
    )


def make_citation(number: int, passage: Passage, start: int, end: int) -> Citation:
    return Citation(number=number, doc_id=passage.doc_id, title=passage.title,
                    quote=passage.quote(start, end), start=start, end=end)
