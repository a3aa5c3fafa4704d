"""Citation checks: a citation is shown only when its quote is the article's text at its offsets."""

from __future__ import annotations

from .types import Article, Citation


def is_verbatim(citation: Citation, article: Article) -> bool:
    return (
        citation.doc_id == article.doc_id
        and 0 <= citation.start < citation.end <= len(article.text)
        and article.text[citation.start : citation.end] == citation.quote
    )


def make_citation(number: int, article: Article, start: int, end: int) -> Citation:
    return Citation(number=number, doc_id=article.doc_id, title=article.title,
                    quote=article.text[start:end], start=start, end=end)
