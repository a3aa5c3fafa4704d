"""What a question asks about someone's words: "What did Lavrov say about the agenda?" asks for Lavrov's
statements (AskedSpeaker), "Who warned that ...?" for a speaker, and "How did Trump respond ..." for
statements made in that manner.

Read from the question's wording alone, with patterns: the statements themselves are found at ingest
(attribution.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .reporting import MANNER_WORDS, REPORTING_CUE, REPORTING_FORMS, manners

_WORD = r"[A-Z][\w’'.\-]*"
# A person ("Lavrov", "Ukrainian commander-in-chief Oleksandr Syrsky") or, failing that, a role ("the
# Russian foreign minister", "a representative of the European Union"). Lazy, so that in "What did
# Trump say Putin told him" the speaker is Trump.
_PERSON = (rf"(?:[Tt]he\s+)?(?:{_WORD}\s+(?:[a-z][\w’'\-]*\s+){{1,3}})??{_WORD}"
           rf"(?:\s+(?:{_WORD}|of|al|bin|de|van|von|der))*")
_ROLE = (rf"(?:[Tt]he|[Aa]n?)\s+(?:[\w’'\-]+\s+){{0,3}}?[a-z][\w’'\-]+"
         rf"(?:\s+(?:of|at|for)\s+(?:the\s+)?{_WORD}(?:\s+{_WORD})*)?")
_NAME = rf"(?P<name>{_PERSON}|{_ROLE})"
_SELF = r"(?:(?:himself|herself|itself|themselves)\s+)?"  # "How did Putin himself describe ..."
# Each pattern, whether only the speaker's own words answer it (strict), and the words after which
# the question says what about.
_ASKING = [(re.compile(p), strict, re.compile(rf"\b(?:{about})\s+(?P<about>[^?]+?)\s*\??$")) for p, strict, about in (
    # "according to X" also means "in X's account" ("According to Lavrov, how did Zelensky respond"),
    # which the article may tell without quoting.
    (rf"\b[Aa]ccording to {_NAME}(?=\s*[,.?;:]|['’]s\s)", False, "about|on|regarding|concerning|of"),
    (rf"\b[Ww]hat (?:did|does|do|has|have|had|would|will) {_NAME} {_SELF}(?:\w+ly\s+)?"
     r"(?:say|said|think|claim|warn|deny|denied|promise|"
     r"tell|told|write|post|report|argue|mean|suggest|propose|predict|reveal|announce|believe|accuse|describe|"
     r"call|add|insist|note|stress|imply|criticize|criticise|demand|admit|threaten)\b", True,
     "about|on|regarding|concerning|of"),
    (rf"\b[Hh]ow (?:did|does|do|has|have) {_NAME} {_SELF}"
     r"(?:describe|respond|react|characteri[sz]e|explain|justify|reply|"
     r"answer|view|see|assess|frame|describ|characteri[sz]|justifi|repli|fram)(?:e?[ds]|ing)?\b", True,
     "about|on|regarding|concerning|of|to"),
    (rf"\b[Ww]hat (?:was|is|were|are) {_NAME}['’]s? (?:view|position|reaction|response|message|warning|claim|"
     r"argument|assessment|explanation|answer|stance|comment|remark|point)", True,
     "about|on|regarding|concerning|of|to"),
    # "Why did X say/call ...": the question takes it as given that X said what follows (`asserts`).
    (rf"\b[Ww]hy (?:did|does|do|has|have) {_NAME} (?:think|believe|(?P<asserts>say|said|claim|warn|argue|insist|"
     r"call|tell|describe|write|post))\b", True,
     "about|on|regarding|concerning|of"),
    (rf"\b[Ww]hat (?:reason|explanation|warning) did {_NAME} give\b", True, "about|on|regarding|concerning|of"),
    # "Did X share Y's view that ...": X's own words on what follows "that".
    (rf"\b[Dd](?:id|oes|o) {_NAME} {_SELF}(?:share|(?:dis)?agree with|accept|dispute)\b", True, "that|about|on"),
)]
# "Who warned that ...?", "Which expert called ...": the question asks for a speaker.
_WHO_SAID = re.compile(r"^\s*(?:[Ww]ho\s+|[Ww]hich\s+(?:[\w-]+\s+){1,3}?)(?:\w+ly\s+)?(?:"
                       + "|".join(sorted(REPORTING_FORMS, key=len, reverse=True)) + r")\b")


@dataclass(frozen=True)
class AskedSpeaker:
    name: str  # as the question writes it: "Lavrov", "the Kremlin", "the Russian foreign minister"
    about: str  # what about, when the question says ("the agenda"); "" otherwise
    # "what did X say": only X's words answer; not for "according to X" (also "in X's account") nor for X
    # named by a role ("the Russian foreign minister": whoever the articles describe so comes first)
    strict: bool
    # "Why did X call it 'almost foolhardy'?": the question says X said the words it quotes
    asserts: bool = False


def speaker_asked(question: str) -> AskedSpeaker | None:
    """The speaker a question asks the words of: "What did Lavrov say about the agenda?",
    "According to the Kremlin, ...", "How did Zelensky respond ...", "What was Peskov's view ..."."""
    for pattern, strict, about_words in _ASKING:
        if m := pattern.search(question):
            written = m.group("name")
            name = re.sub(r"^[Tt]he\s+", "", written).strip(" .")
            if not name or name.lower() in ("i", "you", "we", "they", "he", "she", "it"):
                return None
            about = about_words.search(question[m.end():])
            role = not re.fullmatch(_PERSON, written)
            return AskedSpeaker(name=name, about=about.group("about") if about else "", strict=strict and not role,
                                asserts=bool(m.groupdict().get("asserts")))
    return None


def asks_who_said(question: str) -> bool:
    """"Who said “…”?", "Which analyst warned that …?": the answer is a speaker."""
    return bool(_WHO_SAID.search(question))


def asked_manner(question: str) -> set[str]:
    """How the question's own reporting verb, its first, says it was said: {"respond"} for "How did
    Trump respond to …", nothing for "What did Putin add … when describing …"."""
    found = [m for m in (REPORTING_CUE.search(question), MANNER_WORDS.search(question)) if m]
    return manners(min(found, key=lambda m: m.start()).group()) if found else set()
