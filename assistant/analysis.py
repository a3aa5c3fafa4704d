"""Text analysis, done once per article at ingest: sentences with their offsets, the names and
numbers in each, and who is speaking (attribution.py). The result rides with every chunk into
the index, so retrieval, answering, verification, the UI and the evaluation read it instead of
working it out again; the few helpers they apply to text of their own (a question, a model's
answer) live here too, so there is one idea of a sentence, a name, a number and a term.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from .types import Article, Sentence

VERSION = "4"  # stored with every chunk; chunks analysed by another version are rewritten by the next ingest

_WORD = re.compile(r"\w\w+|\d")
CAPITALISED = re.compile(r"\b[A-Z][\w’'\-]*")
_VOWELS = re.compile(r"[aeiouy]")
DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_NUMBER_WORDS.update({"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70",
                      "eighty": "80", "ninety": "90", "hundred": "100", "thousand": "1000", "million": "1000000",
                      "billion": "1000000000", "dozen": "12", "first": "1", "second": "2", "third": "3",
                      "fourth": "4", "fifth": "5", "half": "50", "twice": "2"})


# --- sentences --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _punkt():
    from nltk.tokenize import PunktTokenizer

    from .offline import use_bundled_nltk_data

    use_bundled_nltk_data()
    # The trained English model knows "Dr.", "U.S." and friends; the untrained default does not.
    return PunktTokenizer("english")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentences of text[start:end] as (start, end) offsets into `text`.

    Lines are split first: in news text a line break always ends a sentence
    (headlines, captions and bylines have no full stop).
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text[start:end]):
        base = start + line.start()
        for s, e in _punkt().span_tokenize(line.group()):
            s, e = base + s, base + e
            # Punkt can leave a closing curly quote at the start of the next sentence.
            if spans and text[s] in "”’" and spans[-1][1] >= base:
                spans[-1] = (spans[-1][0], e)
                continue
            if text[s:e].strip():
                spans.append((s, e))
    return spans


# --- terms, names, numbers ------------------------------------------------------------------


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    from nltk.corpus import stopwords as nltk_stopwords

    from .offline import use_bundled_nltk_data

    use_bundled_nltk_data()
    # nltk's 179 English stop words; bm25s's list had 33 (no "where", "from").
    return frozenset(nltk_stopwords.words("english")) | {"said", "say", "says", "according", "tell", "told"}


def terms(text: str) -> list[str]:
    """Lower-cased, stemmed content words: the vocabulary of the keyword index and of answer scoring."""
    words = [w for w in _WORD.findall(text.lower().replace("’", "'")) if w not in stopwords()]
    return _stemmer().stemWords(words)


def coverage(weights: Mapping[str, float], present: set[str] | frozenset[str]) -> float:
    """The share of the weighted terms that are present: how much of a question or claim a sentence holds."""
    total = sum(weights.values()) or 1.0
    return sum(w for t, w in weights.items() if t in present) / total


def transliterated(word: str, known: str) -> bool:
    """Two spellings of one name that differ only in vowels, as transliterations do (Kyiv/Kiev,
    Kharkiv/Kharkov, Zelensky/Zelenskiy): same first and last letter, same consonants in order."""
    return (len(word) >= 4 and len(known) >= 4 and word[0] == known[0] and word[-1] == known[-1]
            and consonants(word) == consonants(known))


def consonants(word: str) -> str:
    return _VOWELS.sub("", word)


def name_form(word: str) -> str:
    """A capitalised word as the name tables keep it: lower case, straight apostrophe, no possessive."""
    return word.lower().replace("’", "'").removesuffix("'s").strip("'-")


def capitalised(text: str, skip_first: bool = False) -> list[str]:
    """Capitalised words as written, possessives and stray punctuation stripped. `skip_first`: a
    sentence's first word is capitalised anyway, so it is not taken for a name."""
    found = [m.group() for m in CAPITALISED.finditer(text)]
    if skip_first and found and text.lstrip(" \t“\"‘'(").startswith(found[0]):
        found = found[1:]
    return [w for w in (re.sub(r"['’]s$", "", w).strip("’'-") for w in found) if w]


# "Why did Trump meet Putin?" is stated by "Trump met Putin": stems do not join irregular forms.
_IRREGULAR = {form: base for base, forms in (
    ("meet", "met"), ("send", "sent"), ("hold", "held"), ("leave", "left"), ("give", "gave given"),
    ("win", "won"), ("lose", "lost"), ("buy", "bought"), ("bring", "brought"), ("choose", "chose chosen"),
    ("fight", "fought"), ("seek", "sought"), ("speak", "spoke spoken"), ("break", "broke broken"),
    ("write", "wrote written"), ("begin", "began begun"), ("fall", "fell fallen"), ("keep", "kept"),
    ("sell", "sold"), ("pay", "paid"), ("spend", "spent"), ("build", "built"), ("lead", "led"),
    ("know", "knew known"), ("stand", "stood"), ("understand", "understood"),
    ("withdraw", "withdrew withdrawn"), ("draw", "drew drawn"), ("grow", "grew grown"),
    ("throw", "threw thrown"), ("run", "ran"), ("become", "became"), ("rise", "rose risen"),
    ("drive", "drove driven"), ("strike", "struck"), ("flee", "fled"), ("catch", "caught"),
    ("forgive", "forgave forgiven"), ("hide", "hid hidden"), ("shake", "shook shaken"), ("sink", "sank sunk"),
    ("steal", "stole stolen"), ("swear", "swore sworn"), ("tear", "tore torn"), ("wear", "wore worn"),
    ("forbid", "forbade forbidden"), ("freeze", "froze frozen"), ("undertake", "undertook undertaken"),
    ("arise", "arose arisen"), ("bind", "bound"), ("feed", "fed"), ("hang", "hung"), ("lend", "lent"),
    ("lay", "laid"), ("mislead", "misled"), ("sit", "sat"), ("sleep", "slept"), ("spin", "spun"),
    ("stick", "stuck"), ("teach", "taught"), ("fly", "flew flown"), ("eat", "ate eaten"),
    ("drink", "drank drunk"), ("ride", "rode ridden"), ("sing", "sang sung"), ("shoot", "shot"),
    ("forget", "forgot forgotten"), ("hear", "heard"), ("find", "found"), ("mean", "meant"),
    ("deal", "dealt"), ("feel", "felt"), ("think", "thought"), ("tell", "told"), ("say", "said"),
    ("make", "made"), ("take", "took taken"), ("see", "saw seen"), ("come", "came"), ("go", "went gone"))
    for form in forms.split()}


def verb_stems(word: str) -> list[str]:
    """The stems of a word, an irregular verb form taken back to its base: "met" is "meet"."""
    return terms(_IRREGULAR.get(word.lower(), word))


def numbers(text: str) -> set[str]:
    """Digits as written (thousands separators dropped), and number words as digits."""
    found = {n.replace(",", "").rstrip(".") for n in DIGITS.findall(text)}
    found |= {_NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in _NUMBER_WORDS}
    return found


_NOT_AMOUNTS = re.compile(r"\b\d+(?:st|nd|rd|th)\b|\b(?:one|first|second|third|fourth|fifth)\b", re.I)
_AMOUNT_PLURALS = re.compile(r"\b(?:dozens|hundreds|thousands|millions|billions)\b", re.I)


def amounts(text: str) -> set[str]:
    """The numbers that can answer "how many": not a day of the month ("the 18th"), an ordinal or
    "one" (as in "one meeting"); "thousands" counts."""
    return numbers(_NOT_AMOUNTS.sub(" ", text)) | set(m.lower() for m in _AMOUNT_PLURALS.findall(text))


def normalise(text: str) -> str:
    """Curly quotes made straight, whitespace collapsed, case folded: what a verbatim match ignores."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.split()).casefold()


# Double quotes, or single ones standing apart from words ("Trump's" and "don't" are no quotation).
_QUOTED = re.compile(r"“([^”]{6,})”|\"([^\"]{6,})\"|(?<!\w)[‘']((?:[^‘’']|(?<=\w)[’'](?=\w)){6,}?)[’'](?!\w)")


def quoted(question: str) -> list[str]:
    """What a question puts in quotation marks: “the agenda is not ready”, "not ready yet" or 'worked'."""
    return [next(g for g in groups if g) for groups in _QUOTED.findall(question)]


def ascii_folded(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


# --- quotations ---------------------------------------------------------------------------------

QUOTE_MARK = re.compile(r"[“”\"]")


def starts_quote(sentence: str) -> bool:
    return sentence.lstrip()[:1] in "“\"‘"


def quoted_at_start(text: str, spans: Sequence[tuple[int, int]]) -> list[bool]:
    """For each sentence, whether it starts inside a quotation. A paragraph that does not open with a
    quotation mark closes whatever the last one left open (a missing closing mark stops there)."""
    flags, open_, at = [], False, 0
    for s, e in spans:
        gap = text[at:s]
        if "\n" in gap and open_ and not starts_quote(text[s:e]):
            open_ = False
        flags.append(open_)
        for m in QUOTE_MARK.finditer(text, s, e):
            ch = m.group()
            open_ = True if ch == "“" else False if ch == "”" else not open_
        at = e
    return flags


# --- the analysis of an article -----------------------------------------------------------------


def analyse(articles: Sequence[Article], spans: Sequence[Sequence[tuple[int, int]]] | None = None,
            attribute: bool = True) -> list[tuple[Sentence, ...]]:
    """Each article's sentences with their names, numbers and statements. Articles are analysed
    together so the parser sees one batch. `spans`: the articles' sentence offsets, when known."""
    from .attribution import attribute_statements

    spans = [sentence_spans(a.text) for a in articles] if spans is None else spans
    inside = [quoted_at_start(a.text, sentences) for a, sentences in zip(articles, spans)]
    said = attribute_statements(articles, spans, inside) if attribute else [{} for _ in articles]
    analysed = []
    for article, sentences, found, flags in zip(articles, spans, said, inside):
        opening = _OpeningNames(article.text, sentences)
        previous_end = [0] + [e for _, e in sentences[:-1]]
        analysed.append(tuple(
            _sentence(article.text, s, e, found.get((s, e), ()), opening,
                      continues=flag and "\n" not in article.text[before:s])
            for (s, e), flag, before in zip(sentences, flags, previous_end)))
    return analysed


class _OpeningNames:
    """Tells whether a sentence's first word is a name: it is one inside a sentence elsewhere in the
    article ("Lavrov said ..."), or the article never writes it in lower case and it is no stop word
    ("Okafor is ...", but not "However" or "The")."""

    def __init__(self, text: str, spans: Iterable[tuple[int, int]]) -> None:
        self.names = frozenset(w for s, e in spans for w in capitalised(text[s:e], skip_first=True))
        self.lower = frozenset(re.findall(r"\b[a-z][\w’'\-]*", text))

    def __call__(self, word: str) -> bool:
        lowered = word.lower()
        return word in self.names or (lowered not in self.lower and lowered not in stopwords())


def _sentence(text: str, start: int, end: int, said, opening_name: _OpeningNames, continues: bool) -> Sentence:
    words = capitalised(text[start:end])
    inner = capitalised(text[start:end], skip_first=True)
    names = [w for w in words[: len(words) - len(inner)] if opening_name(w)] + inner
    return Sentence(start=start, end=end, names=tuple(dict.fromkeys(names)),
                    numbers=tuple(sorted(numbers(text[start:end]))), said=tuple(said), continues=continues)


# --- stored with every chunk (as one metadata string: Chroma keeps flat values) -------------------


def dump_sentences(sentences: Sequence[Sentence]) -> str:
    import json

    return json.dumps([[s.start, s.end, list(s.names), list(s.numbers),
                        [[a.speaker, a.speaker_name, a.as_written, a.role, a.kind, a.start, a.end] for a in s.said],
                        int(s.continues)]
                       for s in sentences], ensure_ascii=False, separators=(",", ":"))


def load_sentences(raw: str) -> tuple[Sentence, ...]:
    import json

    from .types import Said

    return tuple(Sentence(start=s, end=e, names=tuple(names), numbers=tuple(nums),
                          said=tuple(Said(*fields) for fields in said), continues=bool(continues))
                 for s, e, names, nums, said, continues in json.loads(raw))


_LEANS_BACK = re.compile(r"^\W*(?:he|she|it|they|this|that|these|those|the move|the decision|the meeting|"
                         r"the talks|such|but|however|meanwhile|also)\b", re.I)


def leans_back(sentence: str) -> bool:
    """Does the sentence need the one before it to be understood ("He said ...", "This ...")?"""
    return bool(_LEANS_BACK.match(sentence))
