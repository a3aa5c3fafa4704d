"""What a question asks about someone's words: "What did Lavrov say about the agenda?" asks for Lavrov's
statements (AskedSpeaker), "Who warned that ...?" for a speaker, and "How did Trump respond ..." for
statements made in that manner.

Read from the question's wording alone, with patterns: the statements themselves are found at ingest
(attribution.py). What a "why" question takes as given (its premise) is read from its parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .analysis import terms
from .reporting import MANNER_WORDS, REPORTING_CUE, REPORTING_FORMS, manners

_WORD = r"[A-Z][\w’'.\-]*"
# A person ("Lavrov", "Ukrainian commander-in-chief Oleksandr Syrsky") or, failing that, a role ("the
# Russian foreign minister", "a representative of the European Union"). Lazy, so that in "What did
# Trump say Putin told him" the speaker is Trump.
_PERSON = (rf"(?:[Tt]he\s+)?(?:{_WORD}\s+(?:[a-z][\w’'\-]*\s+){{1,3}})??{_WORD}"
           rf"(?:\s+(?:{_WORD}|of|al|bin|de|van|von|der))*")
_ROLE = (rf"(?:[Tt]he|[Aa]n?)\s+(?:[\w’'\-]+\s+){{0,3}}?[a-z][\w’'\-]+"
         rf"(?:\s+(?:of|at|for)\s+(?:the\s+)?{_WORD}(?:\s+{_WORD})*)?")
# "Russia's foreign minister": a role, whoever the articles describe so (Lavrov, "Russian Foreign Minister")
_POSSESSED_ROLE = rf"{_WORD}['’]s\s+(?:[a-z][\w’'\-]*\s+){{0,2}}[a-z][\w’'\-]+"
_NAME = rf"(?P<name>{_POSSESSED_ROLE}|{_PERSON}|{_ROLE})"
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
     r"call|tell|describe|(?:write|post)(?= (?:on|that|about)\b)))\b", True,
     "about|on|regarding|concerning|of"),
    (rf"\b[Ww]hat (?:reason|explanation|warning) did {_NAME} give\b", True, "about|on|regarding|concerning|of"),
    # "Did X share Y's view that ...": X's own words on what follows "that".
    (rf"\b[Dd](?:id|oes|o) {_NAME} {_SELF}(?:share|(?:dis)?agree with|accept|dispute)\b", True, "that|about|on"),
)]
# "Who warned that ...?", "Which expert called ...", "At the Alaska meeting, who remarked ...": the
# question asks for a speaker.
_WHO_SAID = re.compile(r"^\s*(?:[^,?]{1,60},\s*)?(?:[Ww]ho\s+|[Ww]hich\s+(?:[\w-]+\s+){1,3}?)(?:\w+ly\s+)?(?:"
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


_WHY = re.compile(r"(?:^|[,;:]\s*)why\b", re.I)  # "Why did ...", "In his NBC interview, why did ..."
# "Why did Sergey Radchenko praise Trump ...": the small parser can take a verb after a name for a noun
_VERB_AFTER_NAME = re.compile(r"\b[Ww]hy (?:did|does|do|has|have|had) (?P<subject>(?:[A-Z][\w’'.\-]*\s+)+)([a-z]+)\b")
# Verbs that say how something was put or held, not what happened: "Why did Orban say Hungary would
# refuse to host" takes as given that Hungary would refuse to host, not the word "say".
_LIGHT = frozenset("""be is are was were been being am do does did done have has had say says said saying
tell tells told call calls called think thinks thought believe believes believed want wants wanted need
needs needed make makes made get gets got seem seems seemed appear appears appeared feel feels felt
consider considers considered see sees saw describe describes described claim claims claimed argue
argues argued go goes went come comes came take takes took mean means meant characterize characterizes
characterized characterise characterises characterised portray portrays portrayed""".split())
_PREMISE_CLAUSES = frozenset({"ccomp", "xcomp", "acomp", "oprd", "conj"})


@dataclass(frozen=True)
class Premise:
    """What a "why" question takes as given, as the words a sentence must state it with: "Why did
    Zelensky reject Trump's proposal" takes it that he rejected it; "Why did Lavrov say the agenda was
    ready" that it was ready (and "not ready" says otherwise)."""

    words: tuple[str, ...]  # as the question writes them: ("refuse", "host")
    negated: frozenset[str] = frozenset()  # those the question itself negates ("why did X not attend")
    subject: str = ""  # who did it, when the question names them: "Sergey Radchenko" (praising is not his)


def premise(question: str) -> Premise | None:
    """The main verb of a "why" question and the clauses it governs, read from spaCy's parse; verbs that
    only say how it was put (say, call, think, be) give nothing. None for other questions, or when
    nothing is left."""
    if not _WHY.search(question):
        return None
    from .attribution import nlp  # the parser ingest loaded for attribution; only "why" questions need it

    doc = nlp()(question)
    todo = [t for t in doc if t.dep_ == "ROOT"]
    named = _VERB_AFTER_NAME.search(question)
    verb = None  # the word after the names, when the parse's root is no verb
    if todo and not todo[0].tag_.startswith(("VB", "JJ")) and named:
        verb = next((t for t in doc if t.idx == named.start(2)), None)
        todo = [verb] if verb is not None else todo
    words, negated = [], set()
    queue = [(token, False) for token in todo]  # each with whether a light verb above it was negated
    while queue:
        token, denied = queue.pop(0)
        light = token.lower_ in _LIGHT
        # "Why did he not want to talk": the negation of "want" is the talking's
        denied = denied or any(child.dep_ == "neg" for child in token.children)
        if (token.tag_.startswith(("VB", "JJ")) or token is verb) and not light and terms(token.text):
            words.append(token.text)
            if denied:
                negated.add(token.text)
            # "Why did Trump praise Biden": praising someone else is not it
            words += [child.text for child in token.children if child.dep_ == "dobj" and child.tag_ == "NNP"]
        below = [child for child in token.children if child.dep_ in _PREMISE_CLAUSES]
        # "criticize Biden for letting Ukraine attack": what it was for
        below += [word for child in token.children if child.dep_ == "prep" and child.lower_ == "for"
                  for word in child.children if word.dep_ == "pcomp"]
        if light:
            objects = [child for child in token.children if child.dep_ == "dobj"]
            # "describe the talks as hostile" (the parse may hang "as" on the talks): what they were called
            below += [word for head in (token, *objects) for child in head.children
                      if child.dep_ == "prep" and child.lower_ == "as" for word in child.children if word.tag_ == "JJ"]
            # "call the meeting a failure": the word it was called, parsed as a second object
            words += [child.text for child in objects[1:] if child.tag_ == "NN"]
        queue += [(child, denied and light) for child in below]
    # "Why did Trump's envoy ...": a role, which the articles may name otherwise
    subject = named.group("subject").strip() if named and not re.search(r"['’]s\s*$", named.group("subject")) else ""
    return Premise(tuple(words), frozenset(negated), subject) if words else None


_AUXILIARY = r"(?:did|do|does|is|was|are|were|has|have|had|will|would|can|could|should|might|may|must)"
# "Which American radio station interviewed Trump?", "On which issues did Lavrov ...", "What is the name
# of the representative who ...", "Who was the official that ...": the thing whose identity is asked ("What
# commitment ..." may ask for its content: "a commitment to strengthening relations" answers it)
_THING_ASKED = (
    re.compile(r"^\W*(?:[A-Za-z]+ )?[Ww]hich (?!(?:kind|sort|type|part)\b)(?!" + _AUXILIARY + r"\b)"
               r"(?:(?!(?:of|the)\b)[\w-]+ ){0,3}?([a-z]+)"
               r"(?= " + _AUXILIARY + r"\b| [a-z]+ed\b| [a-z]+ (?:the|a|an|its|his|her|their|to|that|on|in)\b|\?)"),
    re.compile(r"\b[Ww]hat (?:is|was|are|were) the names? of (?:the|a|an) (?:[\w-]+ ){0,3}?([a-z]+)"
               r"(?= who\b| that\b| which\b|\?|,| [A-Z])"),
    re.compile(r"^\W*[Ww]ho (?:is|was|were|are) the (?:[\w-]+ ){0,3}?([a-z]+)(?= who\b| that\b|\?)"),
)


def thing_asked(question: str) -> str | None:
    """The noun whose identity a "which ..." question asks for ("station" in "Which American radio
    station interviewed Trump?"), or None."""
    for pattern in _THING_ASKED:
        if m := pattern.search(question):
            return m.group(1)
    return None
