"""Corpus loading: files and folders of txt, md, html, json and jsonl become Articles.

A file that cannot be read is skipped with a reason that names it; the rest still load.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .config import MIB, Settings
from .errors import CorpusError
from .types import Article, Skipped

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
DEFAULT_MAX_FILE_BYTES = Settings.model_fields["max_file_mb"].default * MIB  # the default, written once in config.py
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
LINES_SUFFIXES = {".jsonl", ".ndjson"}
JSON_SUFFIXES = {".json"} | LINES_SUFFIXES
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES

TEXT_FIELDS = ("text", "body", "content", "article", "full_text")
TITLE_FIELDS = ("title", "headline", "name")
URL_FIELDS = ("url", "link", "href")
SOURCE_FIELDS = ("source", "publisher", "site", "site_name", "outlet")
DATE_FIELDS = ("published", "published_at", "publishedAt", "date", "pub_date", "datetime")
ID_FIELDS = ("id", "doc_id", "uuid", "guid")

MAX_TITLE_CHARS = 200
# Text with a byte-order mark says its own encoding (Windows tools write UTF-16 so); without one, UTF-8.
_BOMS = (("utf-32", codecs.BOM_UTF32_LE), ("utf-32", codecs.BOM_UTF32_BE),
         ("utf-16", codecs.BOM_UTF16_LE), ("utf-16", codecs.BOM_UTF16_BE))


class SkipFile(Exception):
    """This file (or record) cannot become an article; the message says why."""


@dataclass(frozen=True)
class Loaded:
    articles: tuple[Article, ...]
    skipped: tuple[Skipped, ...]
    files: tuple[Path, ...]  # every supported file that was looked at


def find_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Skipped]]:
    """Expand folders; a path that does not exist or cannot be read is an error, not a warning.
    Inside a folder, whatever cannot be looked at (an unreadable sub-folder, a link that loops or
    leads nowhere, a type we do not read) is skipped with a line saying so. Links to folders are
    followed once each."""
    files: list[Path] = []
    skipped: list[Skipped] = []
    for raw in paths:
        if not str(raw).strip():
            raise CorpusError("an empty path was given; name a file or folder to ingest")
        path = Path(os.path.abspath(Path(raw).expanduser()))  # articles remember where they came from
        try:
            exists, is_dir = path.exists(), path.is_dir()
        except OSError as e:
            raise CorpusError(f"cannot look at {path}: {e.strerror or e}") from None
        if not exists:
            raise CorpusError(f"no such file or folder: {path}")
        if is_dir:
            if not os.access(path, os.R_OK | os.X_OK):
                raise CorpusError(f"cannot read folder {path}: permission denied")
            _walk(path, files, skipped)
        elif path.suffix.lower() in SUPPORTED_SUFFIXES:
            files.append(path)
        else:
            skipped.append(
                Skipped(str(path), f"unsupported file type {path.suffix or '(none)'!r}; "
                        f"use one of {', '.join(sorted(SUPPORTED_SUFFIXES))}")
            )
    return files, skipped


def _walk(root: Path, files: list[Path], skipped: list[Skipped]) -> None:
    seen = {os.path.realpath(root)}

    def unreadable(error: OSError) -> None:
        skipped.append(Skipped(str(error.filename), f"cannot read folder: {error.strerror or error}"))

    for folder, dirs, names in os.walk(root, onerror=unreadable, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for d in list(dirs):
            real = os.path.realpath(os.path.join(folder, d))
            if real in seen:  # a link back into what is already being read
                skipped.append(Skipped(os.path.join(folder, d), "symbolic link loop, not followed"))
                dirs.remove(d)
            seen.add(real)
        for name in sorted(names):
            if name.startswith("."):
                continue
            child = Path(folder) / name
            try:
                child.stat()  # follows links: fails for one that loops or leads nowhere
            except OSError as e:
                reason = "symbolic link loop" if e.errno == errno.ELOOP else "broken symbolic link"
                skipped.append(Skipped(str(child), reason))
                continue
            if child.suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(child)
            else:
                skipped.append(Skipped(str(child), f"unsupported file type {child.suffix or '(none)'!r}"))


def load(paths: Iterable[str | Path], max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Loaded:
    """Everything at once: for small corpora and tests. Ingestion streams with `read`."""
    files, skipped = find_files(paths)
    articles: list[Article] = []
    for item in read(files, max_file_bytes):
        if isinstance(item, Article):
            articles.append(item)
        else:
            skipped.append(item)
    return Loaded(tuple(articles), tuple(skipped), tuple(files))


def read(files: Iterable[Path], max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Iterator[Article | Skipped]:
    """Articles one at a time, and a Skipped for each file or record that cannot be one.

    A JSON Lines feed is read line by line, with the size limit applying to each record:
    a month of several outlets in one file loads, holding one article in memory at a time."""
    for file in files:
        try:
            if file.suffix.lower() in LINES_SUFFIXES:
                yield from from_json_lines(file, max_file_bytes)
            else:
                yield from load_file(file, max_file_bytes)
        except SkipFile as why:
            yield Skipped(str(file), str(why))


def load_file(path: Path, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> list[Article | Skipped]:
    text = read_text(path, max_file_bytes)
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return [from_html(text, path)]
    if suffix == ".json":
        return from_json_records(text, path)
    return [from_plain_text(text, path)]


def read_text(path: Path, max_file_bytes: int) -> str:
    try:
        size = path.stat().st_size
        if size > max_file_bytes:
            raise SkipFile(f"file is {_size(size)}, over the {_size(max_file_bytes)} limit")
        data = path.read_bytes()
    except OSError as e:
        raise SkipFile(f"cannot read file: {e.strerror or e}") from None
    bom = next((name for name, mark in _BOMS if data.startswith(mark)), None)
    if bom is None and b"\x00" in data[:8192]:
        raise SkipFile("binary file, not text")
    try:
        text = data.decode(bom or "utf-8-sig")
    except UnicodeDecodeError as e:
        raise SkipFile(f"not {bom or 'UTF-8'} text (undecodable byte at position {e.start})") from None
    if not text.strip():
        raise SkipFile("empty file")
    return text


def _looks_like_title(line: str) -> bool:
    line = line.strip()
    return 0 < len(line) <= MAX_TITLE_CHARS and not line.endswith((".", ":", ";", ","))


def _fallback_title(text: str, limit: int = 80) -> str:
    first = " ".join(text.split())
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def from_plain_text(text: str, path: Path) -> Article:
    """The first non-empty line is the title when it reads like one (short, no closing full stop)."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    markdown = path.suffix.lower() in {".md", ".markdown"}
    candidate = re.sub(r"^\s*#+\s*", "", first_line).strip() if markdown else first_line.strip()
    title = candidate if _looks_like_title(candidate) else _fallback_title(first_line)
    return Article(doc_id=path.stem, title=title, text=text, source=path.parent.name, path=str(path))


def from_html(html: str, path: Path) -> Article:
    """The article as trafilatura finds it: the body without the menus, cookie notices, related
    links and footer around it (which would otherwise be retrieved and quoted as if the article
    said them), with the title, site, address and date the page declares."""
    import trafilatura
    from trafilatura.settings import Document

    extracted = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False,
        prune_xpath=["//noscript", "//template"],  # "enable JavaScript" notices are not the article
        # Dates from the markup only: a search of the text reads "© 2025" in a footer as 1 January.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    found = extracted if isinstance(extracted, Document) else None  # a dict only with the deprecated as_dict=True
    if found is None or not (text := _visible_lines(found.text or "")):
        return _from_whole_page(html, path)
    return Article(
        doc_id=path.stem,
        title=found.title or _fallback_title(text),
        text=text,
        source=found.sitename or path.parent.name,
        url=found.url or "",
        published=found.date or "",
        path=str(path),
    )


def _from_whole_page(html: str, path: Path) -> Article:
    """All the visible text, for what trafilatura does not take for a page (a fragment such as
    `<p>...</p>` without <html> or <body>) or finds no text in."""
    from bs4 import BeautifulSoup, Tag

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "iframe", "svg"]):
        tag.decompose()

    def meta(*names: str) -> str:
        for name in names:
            tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
            if tag and tag.get("content"):
                return str(tag["content"]).strip()
        return ""

    title_tag = soup.find("title")
    h1 = soup.find("h1")
    title = meta("og:title") or (title_tag.get_text(" ", strip=True) if title_tag else "") or (
        h1.get_text(" ", strip=True) if h1 else "")
    text = _visible_lines((soup.body or soup).get_text("\n"))
    if not text:
        raise SkipFile("HTML has no visible text")
    canonical = soup.find("link", rel="canonical")
    return Article(
        doc_id=path.stem,
        title=title or _fallback_title(text),
        text=text,
        source=meta("og:site_name", "publisher") or path.parent.name,
        url=meta("og:url") or (str(canonical.get("href", "")) if isinstance(canonical, Tag) else ""),
        published=meta("article:published_time", "date", "pubdate"),
        path=str(path),
    )


def _visible_lines(text: str) -> str:
    """One line per paragraph, runs of spaces as one space, no blank lines."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _field(record: dict, names: Iterable[str]) -> str:
    for name in names:
        value = record.get(name)
        if isinstance(value, (str, int, float)) and str(value).strip():
            return str(value).strip()
        if isinstance(value, dict):  # e.g. {"source": {"name": "BBC"}}
            inner = value.get("name") or value.get("title")
            if isinstance(inner, str) and inner.strip():
                return inner.strip()
    return ""


def _json_items(text: str) -> Iterator[tuple[str, object]]:
    """(where, record) pairs of a JSON file: a list, one object, or a list under a usual key."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise SkipFile(f"invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}") from None
    if isinstance(data, dict):
        for key in ("articles", "records", "items", "data", "documents"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    items = data if isinstance(data, list) else [data]
    for number, item in enumerate(items, 1):
        yield f"record {number}", item


def _json_lines(path: Path, max_record_bytes: int) -> Iterator[tuple[str, object]]:
    """(where, record) pairs, one line at a time; a line over the limit is read no further than that."""
    try:
        with path.open("rb") as f:
            number = 0
            while line := f.readline(max_record_bytes + 1):
                number += 1
                if len(line) > max_record_bytes and not line.endswith(b"\n"):
                    while (rest := f.readline(1 << 20)) and not rest.endswith(b"\n"):
                        pass  # skip to the end of this line
                    yield f"line {number}", SkipFile(f"record is over the {_size(max_record_bytes)} limit")
                    continue
                if not line.strip():
                    continue
                if number == 1 and b"\x00" in line:
                    raise SkipFile("binary file, not text")
                try:
                    yield f"line {number}", json.loads(line.decode("utf-8-sig" if number == 1 else "utf-8"))
                except UnicodeDecodeError as e:
                    yield f"line {number}", SkipFile(f"not UTF-8 text (undecodable byte at position {e.start})")
                except json.JSONDecodeError as e:
                    yield f"line {number}", SkipFile(f"invalid JSON ({e.msg})")
    except OSError as e:
        raise SkipFile(f"cannot read file: {e.strerror or e}") from None


def from_json_lines(path: Path, max_record_bytes: int) -> Iterator[Article | Skipped]:
    empty = True
    for item in _from_records(_json_lines(path, max_record_bytes), path):
        empty = False
        yield item
    if empty:
        raise SkipFile("no records")


def from_json_records(text: str, path: Path) -> list[Article | Skipped]:
    found = list(_from_records(_json_items(text), path))
    if not found:
        raise SkipFile("no records")
    return found


def _from_records(records: Iterable[tuple[str, object]], path: Path) -> Iterator[Article | Skipped]:
    for where, record in records:
        location = f"{path} ({where})"
        if isinstance(record, SkipFile):
            yield Skipped(location, str(record))
            continue
        if not isinstance(record, dict):
            yield Skipped(location, "record is not a JSON object")
            continue
        body = _field(record, TEXT_FIELDS)
        if not body:
            yield Skipped(location, f"record has no text (looked for {', '.join(TEXT_FIELDS)})")
            continue
        url = _field(record, URL_FIELDS)
        doc_id = _field(record, ID_FIELDS) or (
            hashlib.sha256(url.encode()).hexdigest()[:16] if url else hashlib.sha256(body.encode()).hexdigest()[:16]
        )
        yield Article(
            doc_id=doc_id,
            title=_field(record, TITLE_FIELDS) or _fallback_title(body),
            text=body,
            source=_field(record, SOURCE_FIELDS),
            url=url,
            published=_field(record, DATE_FIELDS),
            path=str(path),
        )


def _size(n: float) -> str:
    """Sizes as the settings give them: ASSISTANT_MAX_FILE_MB=20 is "20 MB", not "21 MB"."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:g} bytes"
