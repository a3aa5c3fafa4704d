"""A model's answer read as claims: its sentences with their [n] markers, and what each asserts that
the passages must bear out (numbers, quotations, names, the speakers it attributes words to).

Also the sentences that assert nothing to check: introductions, the instructed refusal and the ways
small models reword it, and non-answers that restate the question or leave markers where the answer
should be. grounding.py checks the claims against the passages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from .analysis import CAPITALISED, DIGITS, normalise, sentence_spans, terms
from .speakers import speaker_key

_MARKER = re.compile(r"\s*\[(?:passages?|sources?)?\s*(\d+(?:\s*(?:,|and|&)\s*\d+)*)\]", re.I)
_LEADING_MARKERS = re.compile(r"^(?:\s*\[[^\]\n]{1,20}\])+")
_PASSAGE_REFERENCE = re.compile(r"\b(?:passages?|sources?)\s+\d+(?:\s*(?:,|and|&)\s*\d+)*", re.I)
# The instructed refusal and the ways small models reword it ("No passage says.", "This is not
# mentioned in the passages."): always about the passages or articles, never about the news.
_REFUSAL = re.compile(
    r"\b(?:(?:the\s+)?(?:articles?|passages?)\s+(?:do|does)\s*(?:n't|not)\s+"
    r"|(?:no|none\s+of\s+the)\s+(?:articles?|passages?)\s+)"
    r"(?:say|contain|mention|state|provide|answer|include|give|specif)"
    r"|\bnot\s+(?:mentioned|stated|specified|provided|given|contained|said)\s+in\s+(?:the|any)\s+"
    r"(?:articles?|passages?)", re.I)
_MARKER_RUN = re.compile(rf"{_MARKER.pattern}(?:(?:\s*(?:,|and|&))*{_MARKER.pattern})*", re.I)  # "[1], [2] and [3]"
# What is left of a sentence whose content was passage markers: "includes." / "between and."
_DANGLING = re.compile(r"\b(?:and|or|the|an|include|includes|including|between)\s*[.,;:!?]*\s*$", re.I)
_YES_NO = re.compile(r"(?:^|[,;:]\s*)(?:did|does|do|is|are|was|were|has|have|had|can|could|will|would|should|may|"
                     r"might)(?:n['’]t)?\b", re.I)
_REPORTING = (r"(?:said|says|stated|told|added|warned|claimed|noted|announced|argued|insisted|explained|"
              r"emphasi[sz]ed|described|called|compared|suggested|wrote|posted|asked|replied|responded|confirmed|"
              r"denied|accused|urged|praised|critici[sz]ed)")
# A sentence opening on one capitalised word and a reporting verb names its speaker; plural
# subjects ("Analysts said", "Officials warned") are not names.
_SPEAKER = re.compile(rf"[A-Z][\w’'\-]*[^s\W]\s+(?:(?:also|reportedly|has|had|have|later|then|earlier|previously)\s+)*"
                      rf"{_REPORTING}\b")
_QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”")
_ELLIPSIS = re.compile(r"\.\.\.|…")


@dataclass(frozen=True)
class Claim:
    """One sentence of the answer, as the model wrote it and without its markers."""

    raw: str  # as the model wrote it
    text: str  # without markers
    cited: tuple[int, ...]  # passage numbers in its markers, valid or not
    gap: str  # what separated it from the previous sentence


def is_refusal(text: str) -> bool:
    return bool(_REFUSAL.search(text.replace("’", "'")))


@cache
def _refusal_terms() -> frozenset[str]:
    """Stemmed when first needed, not at import (terms() loads nltk's stopwords)."""
    return frozenset(terms("articles passages say contain mention state provide answer include give specify "
                           "mentioned stated specified provided given contained"))


def is_claim(claim: Claim, question: str) -> bool:
    """Introductions ("Here is what the articles say:") and refusals assert nothing to check; a
    refusal that brings in words of its own ("Putin will resign, though the passages do not say
    why.") is checked like any sentence."""
    if not terms(claim.text) or claim.text.endswith(":"):
        return False
    return not (is_refusal(claim.text) and set(terms(claim.text)) <= _refusal_terms() | set(terms(question)))


def split_claims(answer: str) -> list[Claim]:
    """Sentences with their markers. A marker left at the start of a sentence ("... yet.” [1] He ...")
    belongs to the sentence before it, and a quotation that runs over several sentences is one claim."""
    pieces: list[list[str]] = []  # [raw, gap]
    previous_end = 0
    for start, end in sentence_spans(answer):
        raw, gap = answer[start:end], answer[previous_end:start]
        previous_end = end
        if pieces and _open_quote(pieces[-1][0]):
            pieces[-1][0] += gap + raw
            continue
        leading = _LEADING_MARKERS.match(raw)
        if leading and pieces:
            pieces[-1][0] += leading.group()
            raw = raw[leading.end():].lstrip()
        if raw.strip():
            pieces.append([raw, gap])
    return [Claim(raw=raw, text=_without_markers(raw), cited=_marker_numbers(raw), gap=gap) for raw, gap in pieces]


def _open_quote(text: str) -> bool:
    return text.count("“") > text.count("”") or text.count('"') % 2 == 1


def _without_markers(text: str) -> str:
    text = _MARKER.sub("", text).strip()
    return re.sub(r"\s+([.,;:!?])", r"\1", text)


def _marker_numbers(text: str) -> tuple[int, ...]:
    found: list[int] = []
    for m in _MARKER.finditer(text):
        for n in re.findall(r"\d+", m.group(1)):
            if int(n) not in found:
                found.append(int(n))
    return tuple(found)


def claim_numbers(claim: str) -> set[str]:
    """The numbers a claim asserts: digits only, not counting references such as "passage 2"."""
    return {n.replace(",", "").rstrip(".") for n in DIGITS.findall(_PASSAGE_REFERENCE.sub("", claim))}


def quotes(text: str) -> list[str]:
    return [m.group(1) or m.group(2) for m in _QUOTED.finditer(text) if (m.group(1) or m.group(2)).strip()]


def quote_found(quote: str, texts: Sequence[str]) -> bool:
    """Every part of the quote (split at ellipses) occurs verbatim in one of the texts (the passages
    the model was shown)."""
    fragments = [f.strip(" \t\n,.;:!?'\"") for f in _ELLIPSIS.split(normalise(quote))]
    fragments = [f for f in fragments if f]
    return any(all(f in _normalised(t) for f in fragments) for t in texts) if fragments else True


@lru_cache(maxsize=64)
def _normalised(text: str) -> str:
    return normalise(text)


def says_nothing(claim: str, question: str) -> bool:
    """Two ways small models avoid answering that would pass as supported, since the passage that
    answers shares their words: restating the question ("The newspaper compared Trump and Putin to two
    locomotives [1].") and writing markers where the answer should be ("The venues include [1], [2]
    and [3]."). Either tells the reader nothing. `claim` is the sentence with its markers."""
    text = _MARKER_RUN.sub("", claim).strip()
    if _DANGLING.search(text):
        return True
    # "Did they meet in Alaska?" is answered by "They met in Alaska [1].", "Budapest or Geneva?" by "Budapest".
    if not question or _YES_NO.search(question) or re.search(r"\bor\b", question, re.I):
        return False
    asked = set(terms(question)) | _negations(question)
    return set(terms(text)) | _negations(text) <= asked and claim_numbers(text) <= claim_numbers(question)


def _negations(text: str) -> set[str]:
    """Stopwords, but "has not worked" answers "has it worked?"."""
    return {"not"} if re.search(r"\b(?:not|no|never|none|nothing)\b|n[’']t\b", text, re.I) else set()


_ATTRIBUTED = re.compile(rf"(?:^|[,;:]\s+|\band\s+)((?:[A-Z][\w’'\-]*\s+){{0,3}}[A-Z][\w’'\-]*?)(?:['’]s)?\s+"
                         rf"(?:(?:also|"
                         rf"reportedly|has|had|have|later|then|earlier|previously|publicly|explicitly)\s+)*{_REPORTING}\b"
                         rf"|\b[Aa]ccording to\s+(?:the\s+)?((?:[A-Z][\w’'\-]*\s+){{0,3}}[A-Z][\w’'\-]*)")


def claimed_speakers(claim: str) -> list[str]:
    """The speaker keys a claim attributes words to: "Lavrov said ...", "..., Peskov added",
    "According to the Kremlin, ..."; not "Analysts said" nor "The minister said" (no name)."""
    found = []
    for m in _ATTRIBUTED.finditer(claim):
        name = (m.group(1) or m.group(2)).split()
        if name and name[-1].lower() not in ("the", "he", "she", "it", "they", "we", "i", "analysts", "officials",
                                             "reports", "sources", "experts"):
            found.append(speaker_key(name[-1]))
    return found


def names(text: str) -> list[str]:
    """Stemmed terms of the capitalised words a claim names (people, places, organisations). The first
    word counts only as a speaker ("Peskov has said ..."): otherwise it is capitalised anyway ("The
    Kremlin ...", "Analysts said ...")."""
    words = CAPITALISED.findall(text, 1)
    if _SPEAKER.match(text):
        words.insert(0, text.split()[0])
    return [t for word in words for t in terms(word)]
