"""A synthetic news archive for the benchmark, made from the sentences of the five seed articles.

Why: speed, memory and retrieval quality at 10^3 to 10^5 chunks need a corpus of that
size whose text reads like the seeds (same vocabulary, sentence lengths, quotes,
captions, numbers) but whose facts differ, so that a question about the seeds still
has one right answer and the archive around it supplies realistic near-misses.

What: article `i` of a namespace is a function of (SEED, namespace, i) alone, so the
archive is reproducible and a smaller archive is a prefix of a larger one. It is

- a title line: one of the seeds' title lines, varied as below;
- 15-40 sentences drawn at random from the seeds' bodies, in paragraphs of 2-6
  sentences, varied as below.

Varying: each capitalised word the seeds use only capitalised is a name, unless it is
listed in NOT_NAMES (nationalities, institutions, sentence openers). Place names
(PLACES) become one of 60 other places; person names become names from a pool of
60 first names x 60 surnames (3,600 people): a word that in the seeds stands before
another name ("Donald" in "Donald Trump") draws a first name, any other a surname.
A name keeps the same replacement throughout an article, and stays the real one with
probability KEEP_REAL (5%). Every number becomes a random number of the same length
(ordinal suffixes corrected: 22nd -> 47th), and month and weekday names become other
ones. Then SWAPPED_WORDS content words of every sentence are replaced by other words of
the seeds ("the agenda is not ready" -> "the agenda is not final"): no archive sentence
is a copy of a seed sentence. (Version 1 left 21% of the archive's sentences verbatim,
each one repeated thousands of times at 100,000 chunks: a test of tie-breaking between
copies of the answer, not of retrieval.)

Files: <folder>/part-000/synthetic-000000.txt, 1,000 files per sub-folder (the
ingest takes folders); an article's doc_id is its file name without ".txt".
"""

from __future__ import annotations

import random
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

from assistant.chunking import chunk_article, sentence_spans
from assistant.types import Article

VERSION = 2  # bump whenever the generated text changes: cached indexes are keyed by it
SEED = 20251023
SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
FILES_PER_FOLDER = 1000
KEEP_REAL = 0.05
SWAPPED_WORDS = 2  # content words of each sentence replaced by other words of the seeds: no sentence is a copy
SENTENCES = (15, 40)
PARAGRAPH = (2, 6)
SAMPLE_ARTICLES = 100  # articles chunked to measure the chunks per article

FIRST_NAMES = """Aaron Abigail Adele Ahmed Aisha Alan Alina Amara Andrei Anna Arjun Beatriz Bogdan Carla
Chen Chloe Dario Diego Elena Emeka Farid Fatima Felix Greta Hana Hugo Ines Ivan Jamal Julia Kenji Lars
Leila Lucas Maja Marco Marta Mateo Mei Nadia Nikolai Noor Olga Omar Pavel Priya Rafael Rosa Samir Sara
Sofia Stefan Tariq Tomas Vera Viktor Wanda Yara Yusuf Zofia""".split()
SURNAMES = """Abbott Adeyemi Alvarez Andersen Baranov Becker Bianchi Brennan Castillo Chowdhury Costa Dalton
Dimitrov Dubois Eriksen Fischer Fontaine Garcia Gomez Haddad Halvorsen Horvath Ibrahim Ivanova Jansen
Kaminski Kapoor Keller Kovalenko Larsen Lindqvist Lopez Mahmoud Marchetti Mendes Moreau Murphy Nakamura
Novak Okafor Olsen Petrov Popescu Quinn Rahman Romano Rossi Sato Schmidt Silva Sokolov Tanaka Torres
Varga Vasquez Weber Novotny Yilmaz Zielinski Zhou""".split()
PLACE_POOL = """Lisbon Oslo Vienna Prague Warsaw Tallinn Riga Vilnius Valletta Bucharest Zagreb Belgrade Athens
Ankara Cairo Nairobi Lagos Accra Dakar Tunis Rabat Madrid Dublin Geneva Zurich Milan Naples Seville Porto
Krakow Gdansk Minsk Tbilisi Yerevan Baku Astana Tashkent Hanoi Manila Jakarta Seoul Osaka Lima Quito
Bogota Santiago Havana Ottawa Chicago Denver Boston Atlanta Texas Ohio Quebec Sydney Auckland Perth
Malta Iceland""".split()

# Capitalised place names of the seeds.
PLACES = frozenset("""Russia Ukraine Moscow Alaska Washington Hungary Budapest Europe America India Kiev
Gaza Israel Florida Palm Beach China Donetsk Canada Denmark Brussels Helsinki York Eurasia""".split())
# Capitalised words of the seeds, never written in lower case there, that are not names.
NOT_NAMES = frozenset("""Russian Russians Ukrainian Ukrainians European American Hungarian Soviet Western
Meanwhile Afterwards Previously Instead Although Analysts Sometimes Subsequently Latest Live Follow Let
Listen Source Image Profile Website Five Compares Historical Undercuts Minister Vice Prime Senate
Republican Cold Strategic Studies Center Service Program Institute Academy Sciences Department Theory
Associate Advanced Union States United Nations Oval Office White House Kremlin Pentagon Track Nobel Prize
Corpses Tomahawk Tomahawks Mechanized Brigade Pool Indepth Conflct Mr High West""".split())
MONTHS = tuple("January February March April May June July August September October November December".split())
WEEKDAYS = tuple("Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split())

WORD = re.compile(r"(?<!\w)[A-Z][a-z]+")
NUMBER = re.compile(r"(\d+)(st|nd|rd|th)?")
CONTENT_WORD = re.compile(r"(?<![\w’'-])(?!(?:that|this|with|from|have|were|would|will|they|their|there|been|said|"
                          r"about|which|when|what|also|into|than|then|them|only|more|some|over|such|after|could|"
                          r"should)\b)[a-z]{4,}(?![\w’'-])")


@lru_cache(maxsize=1)
def seed_text() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The seeds' title lines and body sentences."""
    titles, sentences = [], []
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        text = path.read_text(encoding="utf-8").strip()
        first, _, rest = text.partition("\n")
        if not first.rstrip().endswith((".", ":", ";", ",")):  # a title line, as the corpus loader reads it
            titles.append(first.strip())
            text = rest
        sentences += [text[s:e] for s, e in sentence_spans(text)]
    return tuple(titles), tuple(sentences)


@lru_cache(maxsize=1)
def word_kinds() -> dict[str, str]:
    """Each replaceable word of the seeds -> "place", "first", "last", "month" or "weekday"."""
    titles, sentences = seed_text()
    text = "\n".join((*titles, *sentences))
    lower = set(re.findall(r"(?<!\w)[a-z]+", text))
    names = {w for w in WORD.findall(text) if w.lower() not in lower} - NOT_NAMES - set(MONTHS) - set(WEEKDAYS)
    people = names - PLACES
    words = list(WORD.finditer(text))
    seen = Counter(m.group() for m in words if m.group() in names)
    before_a_name = Counter(m.group() for m, nxt in zip(words, words[1:])
                            if nxt.group() in people and text[m.end():nxt.start()].isspace())
    kinds = {w: "place" if w in PLACES else "first" if before_a_name[w] * 2 >= seen[w] else "last" for w in names}
    kinds.update({m: "month" for m in MONTHS} | {d: "weekday" for d in WEEKDAYS})
    return kinds


@lru_cache(maxsize=1)
def vocabulary() -> tuple[str, ...]:
    """The seeds' lower-case content words, the pool swapped words are drawn from."""
    titles, sentences = seed_text()
    return tuple(sorted({m.group() for s in (*titles, *sentences) for m in CONTENT_WORD.finditer(s)}))


def _ordinal(n: int) -> str:
    return "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


class _Varier:
    """Rewrites the text of one article: names, numbers, months and weekdays."""

    POOLS = {"first": FIRST_NAMES, "last": SURNAMES, "place": PLACE_POOL, "month": MONTHS, "weekday": WEEKDAYS}

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.replacements: dict[str, str] = {}  # the same name stays the same person within an article

    def __call__(self, text: str) -> str:
        return self._swap_words(NUMBER.sub(self._number, WORD.sub(self._word, text)))

    def _swap_words(self, text: str) -> str:
        """Replace a few content words: "the agenda is not ready" becomes "the agenda is not final"."""
        spots = list(CONTENT_WORD.finditer(text))
        for m in sorted(self.rng.sample(spots, min(SWAPPED_WORDS, len(spots))), key=lambda m: -m.start()):
            text = text[: m.start()] + self.rng.choice(vocabulary()) + text[m.end():]
        return text

    def _word(self, m: re.Match) -> str:
        word = m.group()
        kind = word_kinds().get(word)
        if kind is None:
            return word
        if word not in self.replacements:
            keep = kind in ("first", "last", "place") and self.rng.random() < KEEP_REAL
            others = [w for w in self.POOLS[kind] if w != word]
            self.replacements[word] = word if keep else self.rng.choice(others)
        return self.replacements[word]

    def _number(self, m: re.Match) -> str:
        digits, suffix = m.group(1), m.group(2)
        n = self.rng.randint(10 ** (len(digits) - 1) if len(digits) > 1 else 0, 10 ** len(digits) - 1)
        if suffix:
            n = max(n, 1)
            return f"{n}{_ordinal(n)}"
        return str(n)


def article(index: int, namespace: str = "archive") -> str:
    """The text of one synthetic article: a title line, then paragraphs."""
    rng = random.Random(f"{SEED}:{namespace}:{index}")
    titles, sentences = seed_text()
    vary = _Varier(rng)
    picked = [vary(s) for s in rng.sample(sentences, rng.randint(*SENTENCES))]
    paragraphs = []
    while picked:
        size = rng.randint(*PARAGRAPH)
        paragraphs.append(" ".join(picked[:size]))
        picked = picked[size:]
    return "\n".join([vary(rng.choice(titles)), *paragraphs]) + "\n"


def write_articles(folder: Path, count: int, namespace: str = "archive", prefix: str = "synthetic") -> list[Path]:
    """Write articles 0..count-1 of a namespace, FILES_PER_FOLDER per sub-folder; returns the sub-folders."""
    parts = []
    for index in range(count):
        part = folder / f"part-{index // FILES_PER_FOLDER:03d}"
        if index % FILES_PER_FOLDER == 0:
            part.mkdir(parents=True, exist_ok=True)
            parts.append(part)
        (part / f"{prefix}-{index:06d}.txt").write_text(article(index, namespace), encoding="utf-8")
    return parts


def articles_for(target_chunks: int, chunk_tokens: int, overlap_tokens: int) -> int:
    """How many synthetic articles, beside the seeds, make an index of about `target_chunks` chunks."""
    def chunks(text: str) -> int:
        return len(chunk_article(Article(doc_id="sample", title="", text=text), chunk_tokens, overlap_tokens))

    seed_chunks = sum(chunks(p.read_text(encoding="utf-8")) for p in SEEDS_DIR.glob("*.txt"))
    per_article = sum(chunks(article(i)) for i in range(SAMPLE_ARTICLES)) / SAMPLE_ARTICLES
    return max(0, round((target_chunks - seed_chunks) / per_article))
