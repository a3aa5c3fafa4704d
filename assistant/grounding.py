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
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from .analysis import DIGITS, CAPITALISED, coverage, leans_back, normalise, numbers, sentence_spans, terms, transliterated
from .attribution import speaker_key
from .citations import make_citation
from .types import Citation, Embedder, Passage, Sentence

# Calibrated on hand-written claims about the seed articles (the cases in tests/test_grounding.py):
# close paraphrases scored 0.83-0.98 against their sentence and loose ones 0.47-0.50; claims the
# passages do not make 0.06-0.48, and 0.50 for one that swapped a place name (the name check's job).
SUPPORT_MIN = 0.5  # a sentence the answer cites must score this much to support it
UNCITED_SUPPORT_MIN = 0.62  # a passage the answer did not cite must be clearly better to be attached
SEMANTIC_WEIGHT = 0.5
EXTRA_COVERAGE = 0.2  # a second supporting sentence must add this share of the claim's weight...
EXTRA_SUPPORT_MIN = 0.3  # ...and be related to the claim, though it need not support it alone
MAX_SUPPORT = 2  # supporting sentences per answer sentence
NAME_SPELLING = 0.8  # difflib ratio at which two spellings of a name count as one (as in keyword.py)
# The share of the question's names a supporting sentence, the one before it or its title must hold.
# Set on the hand-written cases of tests/test_grounding.py (another event, a date from another
# meeting): with one name asked it must be there, with two or three, most of them.
ANCHOR_SHARE = 0.5
_EITHER = re.compile(r"\b([A-Z][\w’'\-]*)\s+or\s+([A-Z][\w’'\-]*)")

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


@dataclass(frozen=True)
class _Sentence:
    """One sentence inside a passage (cut to the passage where it overhangs): a candidate for support."""

    passage: int  # 1-based, as the model saw it
    source: Passage
    analysed: Sentence
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.source.quote(self.start, self.end)


@dataclass(frozen=True)
class _Claim:
    raw: str  # as the model wrote it
    text: str  # without markers
    cited: tuple[int, ...]  # passage numbers in its markers, valid or not
    gap: str  # what separated it from the previous sentence


def is_refusal(text: str) -> bool:
    return bool(_REFUSAL.search(text.replace("’", "'")))


def split_claims(answer: str) -> list[_Claim]:
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
    return [_Claim(raw=raw, text=_without_markers(raw), cited=_marker_numbers(raw), gap=gap) for raw, gap in pieces]


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


def candidate_sentences(passages: Sequence[Passage]) -> list[_Sentence]:
    """The analysed sentences inside each passage, cut to the passage where a sentence overhangs it."""
    found = []
    for number, passage in enumerate(passages, 1):
        for sentence in passage.sentences:
            s, e = max(sentence.start, passage.start), min(sentence.end, passage.end)
            if s < e and passage.quote(s, e).strip():
                found.append(_Sentence(number, passage, sentence, s, e))
    return found


class Verifier:
    """Scores how well article sentences support answer sentences, and builds the verified answer."""

    def __init__(self, embedder: Embedder, idf: Callable[[str], float], quoted: Collection[str] = ()) -> None:
        """`quoted`: the keys of everyone the articles quote (their names in a question say whose words
        are asked about, not which event: see _Anchors)."""
        self.embedder = embedder
        self.idf = idf
        self.quoted = frozenset(quoted)

    def verify(self, answer: str, passages: Sequence[Passage], question: str = "",
               speakers: Sequence[str] | None = None) -> Grounded:
        """`speakers`: the keys of the speaker a "what did X say" question asks about; only their
        statements can then support the answer. Only sentences about what the question asks about
        can support it at all (see _Anchors)."""
        claims = split_claims(answer)
        candidates = candidate_sentences(passages)
        if speakers is not None:
            candidates = [c for c in candidates if any(said.speaker in speakers for said in c.analysed.said)]
        anchors = _Anchors.of(question, self.quoted)
        candidates = [c for c in candidates if anchors.hold(c)]
        checked = [i for i, c in enumerate(claims) if _is_claim(c, question)]
        scores = self._scores([claims[i].text for i in checked], candidates)
        support = {i: [] if says_nothing(claims[i].raw, question) else self._support(claims[i], row, candidates, passages)
                   for i, row in zip(checked, scores)}
        grounded = self._render(claims, support, [p.text for p in passages])
        if not grounded.citations and any(is_refusal(c.text) for c in claims):
            refusal = _tidy(" ".join(c.text for c in claims if is_refusal(c.text)))
            return replace(grounded, text=refusal, refused=True)
        return grounded

    def _render(self, claims: list[_Claim], support: Mapping[int, list[_Sentence]], shown: list[str]) -> Grounded:
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

    def _scores(self, claims: list[str], candidates: list[_Sentence]) -> np.ndarray:
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

    def _support(self, claim: _Claim, row: np.ndarray, candidates: list[_Sentence],
                 passages: Sequence[Passage]) -> list[_Sentence]:
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
                if _consistent(claim.text, chosen, passages):
                    return chosen
        return []

    def _complete(self, claim: str, chosen: list[int], pool: list[int], row: np.ndarray,
                  candidates: list[_Sentence]) -> list[int]:
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
    def _number(numbering: dict[tuple[str, int, int], Citation], sentence: _Sentence) -> Citation:
        key = (sentence.source.doc_id, sentence.start, sentence.end)
        if key not in numbering:
            numbering[key] = make_citation(len(numbering) + 1, sentence.source, sentence.start, sentence.end)
        return numbering[key]


@dataclass(frozen=True)
class _Anchors:
    """Sharing words is not being about the question: "How long did the Alaska talks last?" is not
    answered by "he spoke with Putin for more than two hours Thursday" (a phone call). Most of the
    places, organisations and events the question names (people who are quoted say whose words are
    asked about, not which event) must stand in a sentence, the one before it when it leans on
    that one ("He said ...", "This ..."), or its article's title, for it to support an answer."""

    wanted: tuple[str, ...]  # the question's names, quoted people aside (stemmed terms)
    either: tuple[frozenset[str], ...]  # "Lavrov or Peskov": either will do

    @classmethod
    def of(cls, question: str, quoted: Collection[str]) -> _Anchors:
        people = {t for word in CAPITALISED.findall(question) if speaker_key(word) in quoted for t in terms(word)}
        return cls(wanted=tuple(n for n in dict.fromkeys(names(question)) if n not in people),
                   either=tuple(frozenset(terms(m.group(1))) | frozenset(terms(m.group(2)))
                                for m in _EITHER.finditer(question)))

    def hold(self, sentence: _Sentence) -> bool:
        if not self.wanted:
            return True
        spoken = {t for said in sentence.analysed.said for t in terms(said.speaker_name)}
        nearby = _nearby(sentence)
        context, context_names = set(_terms(nearby)), set(_names(nearby))
        found = {n for n in self.wanted if n in spoken or _known(n, context, context_names)}
        found |= {n for n in self.wanted for group in self.either if n in group and group & (found | spoken)}
        return len(found) >= ANCHOR_SHARE * len(self.wanted)


def _nearby(sentence: _Sentence) -> str:
    """A sentence with what names its subject: its article's title and, when it leans on the sentence
    before ("It cost 40 million euros"), that sentence's names."""
    before = sentence.source.before(sentence.analysed) if leans_back(sentence.text) else None
    return " ".join([sentence.text, sentence.source.title, *(before.names if before else ())])


def _consistent(claim: str, chosen: Sequence[_Sentence], passages: Sequence[Passage]) -> bool:
    """Similar is not enough: every number of the claim must stand in its supporting sentences, every
    name in their passages, titles or speakers (the name of the "he" in "he said" is often a sentence
    earlier), and a speaker the claim names ("Lavrov said ...") must be the speaker of one of those
    sentences."""
    if not claim_numbers(claim) <= set().union(*(s.analysed.numbers for s in chosen)):
        return False
    for speaker in claimed_speakers(claim):  # each sentence it rests on must be that speaker's
        for sentence in chosen:
            if not any(speaker == said.speaker or transliterated(speaker, said.speaker) for said in sentence.analysed.said):
                return False
    cited = {s.passage for s in chosen}
    # The speaker the analysis found counts as named: "He said ..." is Lavrov's.
    speakers = " ".join(said.speaker_name for s in chosen for said in s.analysed.said)
    nearby = " ".join([speakers, *(_nearby(s) for s in chosen)])
    context = set().union(_terms(nearby), *(_terms(passages[n - 1].text) for n in cited))
    context_names = set().union(_names(nearby), *(_names(passages[n - 1].text) for n in cited))
    return all(_known(name, context, context_names) for name in names(claim))


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


_ATTRIBUTED = re.compile(rf"(?:^|[,;:]\s+|\band\s+)((?:[A-Z][\w’'\-]*\s+){{0,3}}[A-Z][\w’'\-]*?)(?:['’]s)?\s+(?:(?:also|"
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


def _known(name: str, context: set[str], context_names: set[str]) -> bool:
    """Found as is, spelt a little differently (Zelenskyy/Zelensky, Witkoff/Witcoof), or transliterated
    differently from a name in the passages (Kyiv/Kiev; not Iran/iron)."""
    return (name in context or bool(difflib.get_close_matches(name, list(context), n=1, cutoff=NAME_SPELLING))
            or any(transliterated(name, known) for known in context_names))


@lru_cache(maxsize=256)
def _names(text: str) -> frozenset[str]:
    return frozenset(t for word in CAPITALISED.findall(text) for t in terms(word))


_REFUSAL_TERMS = frozenset(terms("articles passages say contain mention state provide answer include give specify "
                                  "mentioned stated specified provided given contained"))


@lru_cache(maxsize=256)
def _terms(text: str) -> frozenset[str]:
    return frozenset(terms(text))


def _is_claim(claim: _Claim, question: str) -> bool:
    """Introductions ("Here is what the articles say:") and refusals assert nothing to check; a
    refusal that brings in words of its own ("Putin will resign, though the passages do not say
    why.") is checked like any sentence."""
    if not terms(claim.text) or claim.text.endswith(":"):
        return False
    return not (is_refusal(claim.text) and set(terms(claim.text)) <= _REFUSAL_TERMS | set(terms(question)))


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\n\s*\n\s*\n+", "\n\n", text)
    return text.strip()
