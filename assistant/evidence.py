"""The model's evidence: the best sentences of the retrieved passages, not the whole chunks.

A 1.5B model reads 90-170 prompt tokens a second on these machines (AVX2 to AVX-512) and is easily
led by a sentence that merely shares the question's words, so it gets the sentences the extractive ranking
puts first (for "what did X say", X's own statements only), each numbered, with its article's
title and date and, where the analysis knows one, its speaker. A sentence that needs the one before
it to be understood ("He said ...", "This ...") brings that one along, and a sentence of a quotation
the rest of it (with the quotation the same speaker goes on with in that paragraph). Each piece of evidence is a
Passage of its own (one sentence, verbatim, with its offsets), so the number the model cites is a
sentence, and its citation is that sentence's offsets by construction.
"""

from __future__ import annotations

from dataclasses import replace

from .analysis import leans_back
from .answering import Ranking, ScoredSentence, quotation_of
from .speakers import unnamed_speaker
from .types import Passage, Sentence

# On eval/calibration.jsonl (local mode, `assistant eval --questions eval/calibration.jsonl`) 5
# sentences / 700 characters, 8 / 1,000 and 12 / 1,600 did equally well; 8 leaves room for questions
# that join two facts, at about 2 s to the first word.
MAX_EVIDENCE = 8  # sentences the model reads
# About 250 prompt tokens of sentences (against ~1,260 for five chunks); the ~350 tokens of fixed
# instructions and example before them come from llama.cpp's KV cache after the first question.
EVIDENCE_CHARS = 1000
MIN_EVIDENCE = 3  # even when the budget is spent: one long sentence must not be all the model sees


def select_evidence(ranking: Ranking, limit: int = MAX_EVIDENCE, budget: int = EVIDENCE_CHARS) -> list[Passage]:
    """The evidence for the model, best first (on eval/calibration.jsonl the 1.5B model got 11 of 13
    attribution facts so, 10 of 13 with the same sentences grouped by article in reading order)."""
    picked: dict[tuple[str, int], tuple[int, Passage, Sentence]] = {}
    used = 0
    for rank, scored in enumerate(ranking.scored):
        if len(picked) >= limit or (used >= budget and len(picked) >= MIN_EVIDENCE):
            break
        # the sentence with the rest of its quotation (and the speaker's quotation after it), and the one
        # before when it leans on that; the sentence alone when all that would not fit
        holder, parts = quotation_of(scored, ranking.passages)
        before = _before(scored)
        units = [(holder, part) for part in parts]
        if before is not None and all(before.start != part.start for _, part in units):
            units.insert(0, (scored.passage, before))
        if len(picked) + sum((p.doc_id, s.start) not in picked for p, s in units) > limit:
            units = [(scored.passage, scored.sentence)]
            if len(picked) + ((scored.passage.doc_id, scored.start) not in picked) > limit:
                break
        for passage, sentence in units:
            key = (passage.doc_id, sentence.start)
            if key not in picked:
                picked[key] = (rank, passage, sentence)
                used += sentence.end - sentence.start
    ordered = sorted(picked.values(), key=lambda x: (x[0], x[2].start))  # a leaning sentence after its context
    return [_narrowed(passage, sentence) for _, passage, sentence in ordered]


def _before(scored: ScoredSentence) -> Sentence | None:
    """The sentence before, when this one leans on it and names no speaker of its own."""
    if any(said.speaker_name for said in scored.sentence.said) or not leans_back(scored.text):
        return None
    before = scored.passage.before(scored.sentence)
    return before if before is not None and before.start >= scored.passage.start else None


def _narrowed(passage: Passage, sentence: Sentence) -> Passage:
    """One sentence of a passage as a passage of its own: verbatim text, its offsets, its analysis (and
    the analysis of the sentence before it, outside the text: the names it gives still count as nearby)."""
    start, end = max(sentence.start, passage.start), min(sentence.end, passage.end)
    before = passage.before(sentence)
    return replace(passage, start=start, end=end, text=passage.quote(start, end),
                   sentences=(sentence,) if before is None else (before, sentence))


def speaker_of(evidence: Passage) -> str:
    """Who speaks in a piece of evidence, when its words do not say ("He said ..." is Lavrov's)."""
    said = next((s for s in (unnamed_speaker(x, evidence.text) for x in evidence.inside()) if s), None)
    return said.speaker_name if said else ""
