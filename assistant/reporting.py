"""The words that report speech: reporting verbs in all their forms, and the ways of speaking some of them
name ("replied", "characterized").

Shared by the two readers of speech: attribution.py, which finds statements in articles at ingest, and
asked.py, which reads what a question asks about someone's words.
"""

from __future__ import annotations

import re

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


REPORTING_FORMS = frozenset({f for lemma in REPORTING for f in _forms(lemma)} | set(_IRREGULAR.split()))
# A reporting word: the sign that a sentence is worth parsing, or that a question asks about speech.
REPORTING_CUE = re.compile(r"(?<!United )\b(?:" + "|".join(sorted(REPORTING_FORMS, key=len, reverse=True))
                           + r")\b|\baccording to\b", re.I)

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
MANNER_WORDS = re.compile(r"\b(?:" + "|".join(sorted(_MANNER_OF, key=len, reverse=True)) + r")\b", re.I)


def manners(text: str) -> set[str]:
    """The ways of speaking a text's verbs name: {"respond"} for "Trump replied"."""
    return {_MANNER_OF[m.group().lower()] for m in MANNER_WORDS.finditer(text)}
