"""Who a written name is, and the speakers an article has named so far.

A person has one speaker key across forms and articles: the ASCII surname ("Russian Foreign Minister
Sergei Lavrov", "Sergey Lavrov" and "Lavrov" are all "lavrov"); an outlet or institution is its name
without "the" ("guardian", "kremlin", "russian media"); anonymous sources are "unnamed". Word lists tell
an outlet, institution or place from a person, and the titles that describe rather than name. An
article's register of speakers (ArticleSpeakers) keeps their fullest names and roles, and who was
spoken of last, for attribution.py's "he said" and "the minister added".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .analysis import ascii_folded, capitalised
from .types import Said, Sentence

# The words of a subject that describe rather than name ("U.S. President Trump").
TITLES = frozenset("""
president minister foreign prime secretary state defense defence spokesman spokeswoman spokesperson chancellor
senator sen. rep. representative governor mayor general gen. ambassador envoy special chief deputy vice former
leader chairman chairwoman director head adviser advisor aide official king queen prince pope dr. dr mr. mr mrs.
mrs ms. ms sir lord premier commander national security press u.s. us u.k. uk eu un nato russian ukrainian
american european british french german chinese hungarian israeli soviet white house kremlin then late
""".split())
OUTLETS = frozenset("""
guardian bloomberg reuters nbc cnn bbc tass ria interfax ap afp politico axios fox abc cbs msnbc npr kommersant
izvestia vedomosti ukrinform xinhua telegraph economist spiegel times post journal independent pravda rbc
meduza nexta sky al-jazeera jazeera lianta newsweek guardian's
""".split())
# The last word of a newspaper's name ("The Templemoor Echo"); anywhere else they may be a title ("Chief Observer").
NEWSPAPER_WORDS = frozenset("gazette courier herald tribune chronicle echo observer dispatch inquirer bulletin".split())
INSTITUTIONS = frozenset("""
kremlin pentagon ministry department government administration office agency network media newspaper outlet
channel station press service council commission parliament congress senate embassy army military police nato
un eu house cabinet court committee bureau party foundation institute company campaign radio television tv
management
""".split())
PLACES = frozenset("""
russia ukraine moscow kyiv kiev washington beijing china us u.s. america europe hungary budapest britain
united_states west
france germany poland israel iran
""".split())
GROUPS = frozenset("""
reports report analysts analyst officials official sources source experts expert observers diplomats diplomat
people critics critic insiders insider commentators residents witnesses authorities leaders observers
politicians lawmakers some many others someone who
""".split())
NATIONALITIES = frozenset("""
russian ukrainian american us u.s. hungarian european british french german chinese israeli polish turkish
""".split())
# "Hungarian Prime Minister Viktor Orban", "U.S. President Donald Trump": the roles people are known by
_TITLED = re.compile(r"((?:(?:[A-Z][a-z]+|U\.S\.|US|EU|UN)\s+){0,3}(?:President|Minister|Secretary|Chancellor|"
                     r"Spokesman|Spokeswoman|Spokesperson|Envoy|Ambassador|Senator|Governor|Leader|Premier|"
                     r"Adviser|Advisor|Chief|Director|Chairman))\s+((?:[A-Z][\w’'\-]+\s+){0,2}[A-Z][\w’'\-]+)")


def speaker_key(word: str) -> str:
    """The key a name's last word gives its speaker in every article: "Zelenskyy" is "zelensky"."""
    word = ascii_folded(word).lower().strip(".'-")
    word = re.sub(r"(?:yy|iy|yi|ii)$", "y", word)  # Zelenskyy, Zelenskiy / Zelensky
    return re.sub(r"[^a-z0-9\-]", "", word)


@dataclass
class Speaker:
    """A person or outlet as one article knows them: the fullest name given so far, and every role."""

    key: str
    name: str
    roles: set[str] = field(default_factory=set)
    person: bool = True
    pronoun: str = ""  # "he" or "she" once the article has called them so (or Mr / Ms), else unknown


@dataclass
class ArticleSpeakers:
    """What reading an article so far knows: its speakers and who was spoken of last."""

    speakers: dict[str, Speaker] = field(default_factory=dict)
    recent_people: list[Speaker] = field(default_factory=list)  # most recent last
    last_thing: Speaker | None = None

    def heard(self, speaker: Speaker) -> None:
        if speaker.person:
            if speaker in self.recent_people:
                self.recent_people.remove(speaker)
            self.recent_people.append(speaker)
        else:
            self.last_thing = speaker

    def last_person(self, besides: set[str], pronoun: str = "") -> Speaker | None:
        """The most recent person, other than those named in the sentence at hand, whom the article has
        not called by the other pronoun ("He told the Post" after a woman's statement is not hers)."""
        referent = next((p for p in reversed(self.recent_people) if p.key not in besides
                         and not (pronoun and p.pronoun and p.pronoun != pronoun)), None)
        if referent is not None and pronoun and not referent.pronoun:
            referent.pronoun = pronoun
        return referent

    def mentioned(self, unquoted: str) -> None:
        """A sentence (its quotations blanked) that quotes nobody but names a known person first makes
        them the "he" of the next."""
        for word in capitalised(unquoted):
            known = self.speakers.get(speaker_key(word))
            if known is not None and known.person:
                self.heard(known)
                return

    def titled(self, sentence: str) -> None:
        """People named with a title anywhere are known, with that role, before they speak."""
        for m in _TITLED.finditer(sentence):
            name = re.sub(r"['’]s$", "", m.group(2))
            words = m.group(1).split()
            while len(words) > 1 and words[0].lower() not in TITLES and \
                    not re.search(r"(?:ian|ese|ish|can)$", words[0]):
                words.pop(0)  # "But President", "Kevin Lamarque President" (a photo credit)
            key = speaker_key(name.split()[-1])
            speaker = self.speakers.get(key)
            if speaker is None:
                speaker = self.speakers[key] = Speaker(key=key, name=name)
            if speaker.person:
                speaker.roles.add(" ".join(words))
                if len(name) > len(speaker.name):
                    speaker.name = name


def is_outlet(key: str) -> bool:
    """Whether a speaker key names a news outlet ("templemoor echo", "guardian"), not any institution."""
    words = key.split()
    return bool(words) and (any(w in OUTLETS for w in words) or words[-1] in NEWSPAPER_WORDS | {"media"})


# --- statements by a written name -----------------------------------------------------------------
# Each takes the sentence's offsets `s`, `e`, its quoted stretches and, when known, the statement's
# span inside it (see _offsets).


def said_by_name(phrase: str, appositive: str, s: int, e: int, quoted, state: ArticleSpeakers, kind: str | None,
                 span=None, as_written: str | None = None) -> Said | None:
    """A speaker named by capitalised words: an outlet, an institution or place, or a person."""
    words = [w for w in re.split(r"\s+", phrase.replace("’s", "").replace("'s", "")) if w]
    lowered = [w.lower() for w in words if w.lower() not in ("the", "a", "an")]
    if not lowered:
        return None
    if any(w.strip(".") in OUTLETS for w in lowered) or lowered[-1] in INSTITUTIONS | NEWSPAPER_WORDS or \
            "_".join(lowered) in PLACES or \
            (len(lowered) == 1 and lowered[0] in PLACES) or lowered == ["white", "house"]:
        return said_by_outlet(" ".join(w for w in words if w.lower() not in ("the", "a", "an")), as_written or phrase,
                              s, e, quoted, state, span)
    name_words = list(words)
    while len(name_words) > 1 and name_words[0].lower() in TITLES:
        name_words.pop(0)
    role = " ".join(words[: len(words) - len(name_words)])
    name = " ".join(name_words)
    key = speaker_key(name_words[-1])
    if not key:
        return None
    speaker = state.speakers.get(key)
    if speaker is None or not speaker.person:
        speaker = state.speakers[key] = Speaker(key=key, name=name)
    if len(name) > len(speaker.name):
        speaker.name = name
    for r in (role, appositive):
        if r:
            speaker.roles.add(r)
    honorific = {w.lower().strip(".") for w in role.split()}
    if not speaker.pronoun and honorific & {"mr", "mrs", "ms"}:
        speaker.pronoun = "he" if "mr" in honorific else "she"
    return said_by(speaker, as_written or phrase, kind or ("direct" if quoted else "reported"), s, e, quoted, span)


def said_by_outlet(name: str, as_written: str, s: int, e: int, quoted, state: ArticleSpeakers, span) -> Said:
    key = " ".join(speaker_key(w) for w in name.split() if speaker_key(w) and w.lower() not in ("the", "a", "an"))
    speaker = state.speakers.setdefault(key, Speaker(key=key, name=name, person=False))
    return said_by(speaker, as_written, "outlet", s, e, quoted, span)


def said_by(speaker: Speaker, as_written: str, kind: str, s: int, e: int, quoted, span) -> Said:
    role = max(speaker.roles, key=len) if speaker.roles else ""
    return Said(speaker=speaker.key, speaker_name=speaker.name, as_written=as_written, role=role,
                kind=kind, **_offsets(s, e, quoted, span))


def said_unnamed(as_written: str, s: int, e: int, quoted, span) -> Said:
    """A statement by nobody in particular: "analysts said", "It was said that ..."."""
    return Said(speaker="unnamed", speaker_name="", as_written=as_written, role="", kind="unnamed",
                **_offsets(s, e, quoted, span))


def _offsets(s: int, e: int, quoted, span) -> dict:
    """The statement's offsets in the article: its span, else the quotations, else the whole sentence."""
    a, b = span if span is not None else ((quoted[0][0], quoted[-1][1]) if quoted else (0, e - s))
    return {"start": s + a, "end": s + max(a + 1, b)}


def unnamed_speaker(sentence: Sentence, text: str) -> Said | None:
    """The named speaker of a sentence whose words do not name them ("“We need Tomahawk,” he said."
    is Zelensky's): the reader must be told who speaks."""
    named = [s for s in sentence.said if s.speaker != "unnamed" and s.speaker_name]
    keys, lowered = {speaker_key(w) for w in capitalised(text)}, text.casefold()
    if any(s.speaker in keys or s.speaker_name.casefold() in lowered for s in named):
        return None  # "According to the Ukrainian news agency, Zelensky stated …" names its speakers
    return named[0] if named else None
