"""Verify a model's answer against the passages it was given, sentence by sentence.

A model's [n] markers are claims, not facts: small models cite the wrong passage,
cite passages they were never shown, change numbers and invent quotes. So each
answer sentence is matched to the article sentences that support it (the rare
words it shares with them, weighted by rarity, plus embedding similarity), and
only then does it get citations: exact quotes with offsets into the article,
numbered in order of appearance, with the markers in the text rewritten to match.
A sentence nothing supports, one whose numbers the supporting sentences do not
contain, or one whose quoted words the cited article does not contain, is taken
out of the answer and reported instead of being shown as cited.

Reading the answer into claims is claims.py's; which sentences may support a claim at all (about
what the question names, holding the claim's numbers, names and speaker) is support.py's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from .analysis import coverage, numbers, terms
from .citations import make_citation
from .claims import Claim, claim_numbers, is_claim, is_refusal, quote_found, quotes, says_nothing, split_claims
from .support import Anchors, Candidate, candidate_sentences, consistent
from .types import Citation, Embedder, Passage

# Calibrated on hand-written claims about the seed articles (the cases in tests/test_grounding.py):
# close paraphrases scored 0.83-0.98 against their sentence and loose ones 0.47-0.50; claims the
# passages do not make 0.06-0.48, and 0.50 for one that swapped a place name (the name check's job).
SUPPORT_MIN = 0.5  # a sentence the answer cites must score this much to support it
UNCITED_SUPPORT_MIN = 0.62  # a passage the answer did not cite must be clearly better to be attached
SEMANTIC_WEIGHT = 0.5
EXTRA_COVERAGE = 0.2  # a second supporting sentence must add this share of the claim's weight...
EXTRA_SUPPORT_MIN = 0.3  # ...and be related to the claim, though it need not support it alone
MAX_SUPPORT = 2  # supporting sentences per answer sentence


@dataclass(frozen=True)
class Grounded:
    """The verified answer: only supported sentences are in `text`, with markers that match `citations`."""

    text: str
    citations: tuple[Citation, ...]
    unsupported: tuple[str, ...]
    unverified_quotes: tuple[str, ...]
    refused: bool

    @property
    def answered(self) -> bool:
        return bool(self.citations) and not self.refused


class Verifier:
    """Scores how well article sentences support answer sentences, and builds the verified answer."""

    def __init__(self, embedder: Embedder, idf: Callable[[str], float], quoted: Collection[str] = ()) -> None:
        """`quoted`: the keys of everyone the articles quote (their names in a question say whose words
        are asked about, not which event: see Anchors)."""
        self.embedder = embedder
        self.idf = idf
        self.quoted = frozenset(quoted)

    def verify(self, answer: str, passages: Sequence[Passage], question: str = "",
               speakers: Sequence[str] | None = None) -> Grounded:
        """`speakers`: the keys of the speaker a "what did X say" question asks about; only their
        statements can then support the answer. Only sentences about what the question asks about
        can support it at all (see Anchors)."""
        claims = split_claims(answer)
        candidates = candidate_sentences(passages)
        if speakers is not None:
            candidates = [c for c in candidates if any(said.speaker in speakers for said in c.analysed.said)]
        anchors = Anchors.of(question, self.quoted)
        candidates = [c for c in candidates if anchors.hold(c)]
        checked = [i for i, c in enumerate(claims) if is_claim(c, question)]
        scores = self._scores([claims[i].text for i in checked], candidates)
        support = {i: [] if says_nothing(claims[i].raw, question)
                   else self._support(claims[i], row, candidates, passages)
                   for i, row in zip(checked, scores)}
        grounded = self._render(claims, support, [p.text for p in passages])
        if not grounded.citations and any(is_refusal(c.text) for c in claims):
            refusal = _tidy(" ".join(c.text for c in claims if is_refusal(c.text)))
            return replace(grounded, text=refusal, refused=True)
        return grounded

    def _render(self, claims: list[Claim], support: Mapping[int, list[Candidate]], shown: list[str]) -> Grounded:
        """The answer with supported sentences cited, sentences with nothing to check kept as written,
        and the rest left out and listed."""
        numbering: dict[tuple[str, int, int], Citation] = {}
        parts: list[str] = []
        unsupported: list[str] = []
        unverified: list[str] = []
        for i, claim in enumerate(claims):
            if i not in support:
                parts.append(claim.gap + claim.text)
                continue
            sentences = support[i]
            bad_quotes = [q for q in quotes(claim.text)
                          if not quote_found(q, [s.source.text for s in sentences] or shown)]
            unverified.extend(bad_quotes)
            if not sentences or bad_quotes:
                unsupported.append(claim.text)
                continue
            marks = "".join(f"[{self._number(numbering, s).number}]" for s in sentences)
            parts.append(f"{claim.gap}{claim.text} {marks}")
        return Grounded(text=_tidy("".join(parts)), citations=tuple(numbering.values()),
                        unsupported=tuple(unsupported), unverified_quotes=tuple(unverified), refused=False)

    # --- scoring ------------------------------------------------------------------------------

    def _scores(self, claims: list[str], candidates: list[Candidate]) -> np.ndarray:
        """(claims x candidates) support scores: weighted share of the claim's terms the sentence has,
        blended with embedding similarity."""
        if not claims or not candidates:
            return np.zeros((len(claims), len(candidates)), np.float32)
        vectors = self.embedder.embed(claims + [c.text for c in candidates])
        semantic = vectors[: len(claims)] @ vectors[len(claims):].T
        candidate_terms = [set(terms(c.text)) for c in candidates]
        lexical = np.array([[self._coverage(claim, own) for own in candidate_terms] for claim in claims])
        return SEMANTIC_WEIGHT * semantic + (1 - SEMANTIC_WEIGHT) * lexical

    def _coverage(self, claim: str, own: set[str]) -> float:
        return coverage(self._weights(claim), own)

    def _weights(self, claim: str) -> dict[str, float]:
        return {t: self.idf(t) for t in set(terms(claim))}

    def _support(self, claim: Claim, row: np.ndarray, candidates: list[Candidate],
                 passages: Sequence[Passage]) -> list[Candidate]:
        """The sentences that support the claim, best first: from the passages it cites, else (when it
        cites none that support it) from any passage that supports it clearly. Empty when unsupported."""
        cited = {n for n in claim.cited if 1 <= n <= len(passages)}
        ranked = sorted(range(len(candidates)), key=lambda i: -row[i])
        quoted = quotes(claim.text)
        for allowed, minimum in ((cited, SUPPORT_MIN), (None, UNCITED_SUPPORT_MIN)):
            pool = [i for i in ranked if allowed is None or candidates[i].passage in allowed]
            # Words the claim quotes must stand where its best support is: of two similar sentences, the
            # one that has them (the model cited [2] and quoted [1]).
            holding = [i for i in pool if all(quote_found(q, [candidates[i].source.text]) for q in quoted)]
            if quoted:
                pool = holding + [i for i in pool if i not in holding] if holding else []
            if pool and row[pool[0]] >= minimum:
                chosen = [candidates[i] for i in self._complete(claim.text, [pool[0]], pool, row, candidates)]
                if consistent(claim.text, chosen, passages):
                    return chosen
        return []

    def _complete(self, claim: str, chosen: list[int], pool: list[int], row: np.ndarray,
                  candidates: list[Candidate]) -> list[int]:
        """Add a sentence when the claim joins two facts: one holding words or numbers the first lacks."""
        weights = self._weights(claim)
        wanted_numbers = claim_numbers(claim)
        for i in pool[1:]:
            if len(chosen) == MAX_SUPPORT or row[i] < EXTRA_SUPPORT_MIN:
                break
            have_terms = set().union(*(terms(candidates[j].text) for j in chosen))
            have_numbers = set().union(*(numbers(candidates[j].text) for j in chosen))
            own = set(terms(candidates[i].text))
            added = coverage(weights, own - have_terms)
            if added >= EXTRA_COVERAGE or (wanted_numbers - have_numbers) & numbers(candidates[i].text):
                chosen.append(i)
        return chosen

    @staticmethod
    def _number(numbering: dict[tuple[str, int, int], Citation], sentence: Candidate) -> Citation:
        key = (sentence.source.doc_id, sentence.start, sentence.end)
        if key not in numbering:
            numbering[key] = make_citation(len(numbering) + 1, sentence.source, sentence.start, sentence.end)
        return numbering[key]


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\n\s*\n\s*\n+", "\n\n", text)
    return text.strip()
