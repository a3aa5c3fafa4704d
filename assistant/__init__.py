"""Grounded question answering over news articles, with verbatim, verified citations."""

from . import offline  # noqa: F401  - must run before any library reads its environment
from .api import Assistant
from .config import Settings
from .errors import AssistantError, SpeakerNotFoundError
from .types import Answer, Article, Chunk, Citation, IngestReport, Passage, Said, Sentence, Speaker, Statement

__all__ = ["Answer", "Article", "Assistant", "AssistantError", "Chunk", "Citation", "IngestReport",
           "Passage", "Said", "Sentence", "Settings", "Speaker", "SpeakerNotFoundError", "Statement"]
