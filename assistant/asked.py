"""What a question asks about someone's words: "What did Lavrov say about the agenda?" asks for Lavrov's
statements (AskedSpeaker), "Who warned that ...?" for a speaker, and "How did Trump respond ..." for
statements made in that manner.

Read from the question's wording alone, with patterns: the statements themselves are found at ingest
(attribution.py). What a "why" question takes as given (its premise) is read from its parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .analysis import terms, verb_stems
from .reporting import MANNER_WORDS, REPORTING_CUE, REPORTING_FORMS, manners

_AUXILIARIES = ("did", "do", "does", "is", "was", "are", "were", "has", "have", "had", "will", "would", "can", "could",
                "should", "might", "may", "must")
AUXILIARY = rf"(?:{'|'.join(_AUXILIARIES)})"  # a question's auxiliary verb, as a pattern
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"

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
    # "Did Putin agree that the Alaska meeting was tense?": `about` is a claim to weigh, not a topic; an
    # answer need not name what it names
    claim: bool = False


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
                                asserts=bool(m.groupdict().get("asserts")),
                                claim=about is not None and about.group().startswith("that"))
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
# "Who painted the portrait ...?" takes it as given that someone painted it (not "Who said ...": the
# statements found at ingest answer those, nor "Who is ...")
_WHO_DID = re.compile(r"(?:^|[,;:]\s*)who (?!" + AUXILIARY + r"\b)(?:\w+ly )?[a-z]+\b", re.I)
# "Why did Sergey Radchenko praise Trump ...": the small parser can take a verb after a name for a noun
_VERB_AFTER_NAME = re.compile(r"\b[Ww]hy (?:did|does|do|has|have|had) (?P<subject>(?:the\s+)?(?:[A-Z][\w’'.\-]*\s+)+)"
                              r"([a-z]+)\b")
# Verbs that say how something was put or held, not what happened: "Why did Orban say Hungary would
# refuse to host" takes as given that Hungary would refuse to host, not the word "say".
_LIGHT = frozenset("""be is are was were been being am do does did done have has had say says said saying
tell tells told call calls called think thinks thought believe believes believed want wants wanted need
needs needed make makes made get gets got seem seems seemed appear appears appeared feel feels felt
consider considers considered see sees saw describe describes described claim claims claimed argue
argues argued go goes went come comes came take takes took mean means meant characterize characterizes
characterized characterise characterises characterised portray portrays portrayed""".split())
_PREMISE_CLAUSES = frozenset({"ccomp", "xcomp", "acomp", "oprd", "conj"})
# "What did Trump and Putin agree on ...", "What was decided when ...": an outcome the question takes as
# given, which a sentence saying only that they met does not state (calibrated on eval/calibration.jsonl)
_OUTCOME = re.compile(r"^\W*(?:[^,?]{1,60},\s*)?(?:what|which)\b.*\b(?:agree|sign|decide|discuss|negotiat)", re.I)
_OUTCOME_STEMS = [verb_stems(w) for w in ("agree", "sign", "decide", "discuss", "negotiate")]


@dataclass(frozen=True)
class Premise:
    """What a "why" question takes as given, as the words a sentence must state it with: "Why did
    Zelensky reject Trump's proposal" takes it that he rejected it; "Why did Lavrov say the agenda was
    ready" that it was ready (and "not ready" says otherwise)."""

    words: tuple[str, ...]  # as the question writes them: ("refuse", "host")
    negated: frozenset[str] = frozenset()  # those the question itself negates ("why did X not attend")
    subject: str = ""  # who did it, when the question names them: "Sergey Radchenko" (praising is not his)


def _main(token) -> bool:
    """The question's own verb, not one of a clause inside it ("... before he would agree to meet"): the
    root, or its complement ("was supposed to sign"), or a verb the parse hangs on "did" as its object."""
    head = token.head
    return token.dep_ == "ROOT" or head.dep_ == "ROOT" and (token.dep_ == "xcomp" or head.lower_ in _AUXILIARIES)


def premise(question: str) -> Premise | None:
    """The main verb of a "why" question (of "who did ...", or an outcome: "what did they agree") and the
    clauses it governs, read from spaCy's parse; verbs that only say how it was put (say, call, think, be)
    give nothing. None for other questions, or when nothing is left."""
    why, who = bool(_WHY.search(question)), bool(_WHO_DID.search(question)) and not asks_who_said(question)
    if not (why or who or _OUTCOME.search(question)):
        return None
    from .attribution import nlp  # the parser ingest loaded for attribution; only "why" questions need it

    doc = nlp()(question)
    todo = [t for t in doc if t.dep_ == "ROOT"]
    verb = None  # the word taken for the verb when the parse does not tag it as one
    if who and not why:  # "..., who repeatedly attacked him?": what "who" did
        todo = [t.head for t in doc if t.lower_ == "who" and t.dep_ == "nsubj" and t.head.tag_.startswith("VB")]
    elif not why:  # "What did they agree on ...": that they agreed (the small parser may take "sign" for a noun)
        todo = [t for t in doc if t.tag_.startswith(("VB", "NN")) and verb_stems(t.text) in _OUTCOME_STEMS
                and _main(t)][:1]
        verb = todo[0] if todo else None
    named = _VERB_AFTER_NAME.search(question)
    # ("Why did Viktor Orban withdraw ..." may be parsed around "did")
    if todo and (not todo[0].tag_.startswith(("VB", "JJ")) or todo[0].lower_ in ("did", "does", "do")) and named:
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
            # "turn down": the particle is part of the verb ("He turned to trains" is not it)
            words.append(" ".join([token.text, *(child.text for child in token.children if child.dep_ == "prt")]))
            if denied:
                negated.add(words[-1])
            # "Why did Trump praise Biden": praising someone else is not it
            words += [child.text for child in token.children if child.dep_ == "dobj" and child.tag_ == "NNP"]
            # "vote in favor of", "vote against": which side is part of it
            words += [side.text for child in token.children if child.dep_ == "prep"
                      for side in (child, *child.children) if side.lower_ in ("against", "favor", "favour")]
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
    subject = (re.sub(r"^the\s+", "", named.group("subject").strip())
               if named and not re.search(r"['’]s\s*$", named.group("subject")) else "")
    return Premise(tuple(words), frozenset(negated), subject) if words else None


# "Which American radio station interviewed Trump?", "On which issues did Lavrov ...", "What is the name
# of the representative who ...", "Who was the official that ...": the thing whose identity is asked ("What
# commitment ..." may ask for its content: "a commitment to strengthening relations" answers it)
_THING_ASKED = (
    re.compile(r"^\W*(?:[A-Za-z]+ )?[Ww]hich (?!(?:kind|sort|type|part)\b)(?!" + AUXILIARY + r"\b)"
               r"(?:(?!(?:of|the)\b)[\w-]+ ){0,3}?([a-z]+)"
               r"(?= " + AUXILIARY + r"\b| [a-z]+ed\b| [a-z]+ (?:the|a|an|its|his|her|their|to|that|on|in)\b|\?)"),
    re.compile(r"\b[Ww]hat (?:is|was|are|were) the names? of (?:the|a|an) (?:[\w-]+ ){0,3}?([a-z]+)"
               r"(?= who\b| that\b| which\b|\?|,| [A-Z])"),
    re.compile(r"^\W*[Ww]ho (?:is|was|were|are) the (?:[\w-]+ ){0,3}?([a-z]+)(?= who\b| that\b|\?)"),
    # "What other strategies did Trump say ...": answered by naming them, not by "other strategies"
    re.compile(r"^\W*[Ww]hat (?:other|specific|exact|particular) (?:[\w-]+ ){0,2}?([a-z]+)"
               r"(?= " + AUXILIARY + r"\b| [a-z]+ed\b|\?)"),
)


# "at their 2018 summit", "in March 2025", "on the 18th", "on Sunday", "Friday's talks": the time the
# question is about, which the sentence answering it must be about too.
_PINNED_TIME = re.compile(rf"\b(?:(?:19|20)\d\d|{MONTHS}|{WEEKDAYS}|\d{{1,2}}(?:st|nd|rd|th))\b")


def times_pinned(question: str) -> tuple[str, ...]:
    """The years, months, weekdays and days of the month a question names ("2018", "March", "18th"), in
    what it asks: "On the 21st Trump said .... Does that match ...?" sets the scene on the 21st, and asks
    about something else."""
    asking = [part for part in re.split(r"(?<=[.?!])\s+", question) if part.rstrip().endswith("?")] or [question]
    return tuple(dict.fromkeys(m.group() for part in asking for m in _PINNED_TIME.finditer(part)))


# gated as times, not as things
_TIMES = frozenset("day days week weeks month months year years date dates time times hour hours".split())


def thing_asked(question: str) -> str | None:
    """The noun whose identity a "which ..." question asks for ("station" in "Which American radio
    station interviewed Trump?"), or None."""
    for pattern in _THING_ASKED:
        if (m := pattern.search(question)) and m.group(1) not in _TIMES:
            return m.group(1)
    return None
