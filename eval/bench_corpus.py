"""A synthetic news archive for the benchmark, made from real news text: the five seed articles and
the 299 news articles of the Lee corpus.

Why: speed, memory and retrieval quality at 10^3 to 10^5 chunks need a corpus of that size whose
text reads like news (quotes, names, numbers, dates) and whose facts differ from the seeds', so that
a question about the seeds still has one right answer while the archive around it supplies both
other news and realistic near-misses: rewrites of the seeds' own story with other names.

The text: the Lee corpus (Lee, Pincombe & Welsh 2005; 299 Australian Broadcasting Corporation news
articles of 2001-2002, one per line) ships inside the gensim wheel as test data
(gensim/test/test_data/lee_background.cor); it is read from there, gensim is never imported.

What: article `i` of a namespace is a function of (SEED, namespace, i) alone, so the archive is
reproducible and a smaller archive is a prefix of a larger one. It is either

- with probability SAME_STORY (2%), a rewrite of one seed article: its title line and its sentences
  in order, a few left out, in paragraphs of 2-6 sentences. 2% makes the seeds' story one of the
  archive's big running stories (about as many articles as a month-long summit story has in a month
  of several outlets), each rewrite a near-miss for every seed question;
- otherwise a bulletin of 3-6 Lee stories, one after another, each a paragraph of its sentences in
  order, under a title made of the first story's first words.

Varying, in both: each name spaCy's entity recogniser finds in the base text (people; places)
becomes one from a pool of 60 first names x 60 surnames (3,600 people) or 60 places; a name keeps
the same replacement throughout an article and stays the real one with probability KEEP_REAL (5%).
Every number becomes a random number of the same length (ordinal suffixes corrected: 22nd -> 47th),
month and weekday names become other ones, and SWAPPED_WORDS content words of every sentence are
replaced by other words of the base text: no archive sentence is a copy of a base sentence.

Version 2 (every archive article a mixture of the seeds' sentences) was a worst case, not an
archive: at 100,000 chunks each seed sentence stood in about 2,500 rewrites, and seed questions that
name nothing distinctive ("What keepsake did the Kremlin chief send back?") met hundreds of equally
good answers with other names (hit@5 0.737 against 0.882 for the seeds alone; docs/operations.md).

Files: <folder>/part-000/synthetic-000000.txt, 1,000 files per sub-folder (the ingest takes
folders); an article's doc_id is its file name without ".txt".
"""

from __future__ import annotations

import importlib.util
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.analysis import sentence_spans
from assistant.chunking import chunk_article
from assistant.types import Article

VERSION = 3  # bump whenever the generated text changes: cached indexes are keyed by it
SEED = 20251023
SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
LEE_CORPUS = ("gensim", "test/test_data/lee_background.cor")  # (package, file inside it)
FILES_PER_FOLDER = 1000
KEEP_REAL = 0.05
SAME_STORY = 0.02
LEFT_OUT = 0.15  # share of a seed article's sentences (not its first) a rewrite leaves out
SWAPPED_WORDS = 2  # content words of each sentence replaced by other words of the base text
STORIES = (3, 6)  # Lee stories in a bulletin
PARAGRAPH = (2, 6)
TITLE_WORDS = 8
SAMPLE_ARTICLES = 200  # articles chunked to measure the chunks per article

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
MONTHS = tuple("January February March April May June July August September October November December".split())
WEEKDAYS = tuple("Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split())

WORD = re.compile(r"(?<!\w)[A-Z][a-z]+")
NUMBER = re.compile(r"(\d+)(st|nd|rd|th)?")
CONTENT_WORD = re.compile(r"(?<![\w’'-])(?!(?:that|this|with|from|have|were|would|will|they|their|there|been|said|"
                          r"about|which|when|what|also|into|than|then|them|only|more|some|over|such|after|could|"
                          r"should)\b)[a-z]{4,}(?![\w’'-])")


@dataclass(frozen=True)
class Base:
    """One article of the base text: its title line ("" for a Lee story) and its sentences."""

    title: str
    sentences: tuple[str, ...]


def _sentences(text: str) -> tuple[str, ...]:
    return tuple(text[s:e] for s, e in sentence_spans(text))


@lru_cache(maxsize=1)
def seed_articles() -> tuple[Base, ...]:
    out = []
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        text = path.read_text(encoding="utf-8").strip()
        first, _, rest = text.partition("\n")
        title = ""
        if not first.rstrip().endswith((".", ":", ";", ",")):  # a title line, as the corpus loader reads it
            title, text = first.strip(), rest
        out.append(Base(title, _sentences(text)))
    return tuple(out)


def lee_path() -> Path:
    package, inside = LEE_CORPUS
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"the benchmark's archive is made from {inside} of the {package} package: "
                         "install the development extras (make test does)")
    return Path(next(iter(spec.submodule_search_locations))) / inside


@lru_cache(maxsize=1)
def lee_stories() -> tuple[Base, ...]:
    lines = lee_path().read_text(encoding="utf-8").splitlines()
    return tuple(Base("", _sentences(line.strip())) for line in lines if line.strip())


def _all_text() -> str:
    return "\n".join(s for base in (*seed_articles(), *lee_stories()) for s in (base.title, *base.sentences))


@lru_cache(maxsize=1)
def word_kinds() -> dict[str, str]:
    """Each replaceable word of the base text -> "place", "first", "last", "month" or "weekday": the
    majority of what spaCy's entity recogniser calls it, for capitalised words the text never writes in
    lower case ("Bill", the name, and "bill", the law, is left alone)."""
    import spacy

    from assistant.attribution import SPACY_MODEL

    nlp = spacy.load(SPACY_MODEL, exclude=["lemmatizer", "parser"])
    votes: defaultdict[str, Counter] = defaultdict(Counter)
    texts = [s for base in (*seed_articles(), *lee_stories()) for s in (base.title, *base.sentences) if s]
    for doc in nlp.pipe(texts, batch_size=256):
        for ent in doc.ents:
            words = [t.text for t in ent if WORD.fullmatch(t.text)]
            if ent.label_ == "PERSON":
                for j, w in enumerate(words):
                    votes[w]["first" if j < len(words) - 1 else "last"] += 1
            elif ent.label_ in ("GPE", "LOC"):
                for w in words:
                    votes[w]["place"] += 1
    lower = set(re.findall(r"(?<!\w)[a-z]+", _all_text()))
    kinds = {w: c.most_common(1)[0][0] for w, c in votes.items() if w.lower() not in lower}
    kinds.update({m: "month" for m in MONTHS} | {d: "weekday" for d in WEEKDAYS})
    return kinds


@lru_cache(maxsize=1)
def vocabulary() -> tuple[str, ...]:
    """The base text's lower-case content words, the pool swapped words are drawn from."""
    return tuple(sorted({m.group() for m in CONTENT_WORD.finditer(_all_text())}))


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
    vary = _Varier(rng)
    if rng.random() < SAME_STORY:
        base = rng.choice(seed_articles())
        kept = [s for j, s in enumerate(base.sentences) if j == 0 or rng.random() >= LEFT_OUT]
        paragraphs = _paragraphs([vary(s) for s in kept], rng)
        title = vary(base.title)
    else:
        stories = rng.sample(lee_stories(), rng.randint(*STORIES))
        paragraphs = [" ".join(vary(s) for s in story.sentences) for story in stories]
        title = " ".join(paragraphs[0].split()[:TITLE_WORDS]).rstrip(".,;:")
    return "\n".join([title, *paragraphs]) + "\n"


def _paragraphs(sentences: list[str], rng: random.Random) -> list[str]:
    paragraphs = []
    while sentences:
        size = rng.randint(*PARAGRAPH)
        paragraphs.append(" ".join(sentences[:size]))
        sentences = sentences[size:]
    return paragraphs


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
