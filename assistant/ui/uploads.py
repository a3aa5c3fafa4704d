"""The Articles tab: adding articles from the browser under safe names, and the table of indexed articles."""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Sequence
from dataclasses import replace as replace_fields
from pathlib import Path
from typing import TYPE_CHECKING

from ..corpus import JSON_SUFFIXES, SUPPORTED_SUFFIXES
from ..errors import AssistantError, CorpusError
from .notify import warn
from .render import render_ingest_report

if TYPE_CHECKING:
    from ..api import Assistant

MAX_UPLOAD_STEM = 100  # characters kept of an uploaded file's name
UPLOADS_FOLDER = "uploads"  # under the index dir, so uploads travel with the index they are in
ARTICLE_COLUMNS = ["Title", "Source", "Chunks", "Published", "ID"]

_UNSAFE_NAME_CHARS = re.compile(r"[^\w.\- ]")


def safe_upload_name(name: str) -> str:
    """A file name that can only land inside the uploads folder.

    The name comes from the browser: it may hold path separators (also the
    full-width ones NFKC turns into "/"), "..", control or shell characters.
    Only its last component is kept, and only word characters, ".", "-" and
    spaces of it; the stem becomes the article's doc_id.
    """
    base = unicodedata.normalize("NFKC", name).replace("\\", "/").rsplit("/", 1)[-1]
    suffix = Path(base).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise CorpusError(f"{name!r}: unsupported file type {suffix or '(none)'!r}; "
                          f"use one of {', '.join(sorted(SUPPORTED_SUFFIXES))}")
    stem = _UNSAFE_NAME_CHARS.sub("_", base[: -len(suffix)]).strip(" ._")[:MAX_UPLOAD_STEM]
    if not stem:
        raise CorpusError(f"{name!r}: the file name has no usable characters; rename it")
    return stem + suffix


def save_upload(source: Path, name: str, uploads_dir: Path, max_bytes: int) -> Path:
    """Copy an uploaded file into `uploads_dir` under a safe name; a same-named upload replaces it."""
    target = uploads_dir / safe_upload_name(name)
    size = source.stat().st_size
    if size > max_bytes:
        raise CorpusError(f"{name!r} is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit "
                          f"(ASSISTANT_MAX_FILE_MB)")
    uploads_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def ingest_uploads(assistant: Assistant, files: Sequence[str], replace: bool = False) -> tuple[str, list[list]]:
    """Save and ingest uploaded files; returns the report to show and the refreshed article table.

    `replace` applies to the files of this upload only. Then the rest of the uploads folder is
    ingested, without replacing, so a file saved while the index could not be reached is indexed
    by the next upload (unchanged files cost a look-up each). A single-article file refused because
    its id is taken is removed again: it was never indexed."""
    uploads_dir = assistant.settings.index_dir / UPLOADS_FOLDER
    saved, refused = [], []
    for file in files:
        try:
            saved.append(save_upload(Path(file), Path(file).name, uploads_dir, assistant.settings.max_file_bytes))
        except CorpusError as e:
            refused.append(str(e))
    if not saved:
        return render_ingest_report(None, refused), article_rows(assistant)
    try:
        report = assistant.ingest(saved, progress=True, replace=replace)
        for f in saved:  # a text or HTML file is one article, whose id is its name
            if f.suffix.lower() not in JSON_SUFFIXES and f.stem in report.conflicts:
                f.unlink(missing_ok=True)
        earlier = assistant.ingest([uploads_dir])
    except AssistantError as e:
        refused.append(f"{e}. The files are saved in {uploads_dir.name}/ and will be indexed with the next upload")
        return render_ingest_report(None, refused), article_rows(assistant)
    report = replace_fields(report, added=report.added + earlier.added, updated=report.updated + earlier.updated)
    return render_ingest_report(report, refused, {f.stem for f in saved}), article_rows(assistant)


def article_rows(assistant: Assistant) -> list[list]:
    """The indexed articles; when the index cannot be read, a warning and no rows (never a Gradio error)."""
    try:
        return [[r.title, r.source, r.n_chunks, r.published, r.doc_id] for r in assistant.articles()]
    except AssistantError as e:
        warn(str(e))
        return []
