"""Grounded question answering over news articles, with verbatim, verified citations.

Importing the package has no side effects: the environment is left as it is (see offline.py)
and nothing is read or written until an Assistant is used.
"""

from .api import Assistant
from .backends import AnswerMode, ChatBackend, register_backend
from .config import Settings
from .errors import (
                     AssistantError,
                     ConfigError,
                     CorpusError,
                     DocumentNotFoundError,
                     GenerationError,
                     IndexBusyError,
                     IndexUnusableError,
                     ModelUnavailableError,
                     QuestionError,
                     SpeakerNotFoundError,
                     StoreUnavailableError,
)
from .grounding import Grounded
from .store import ArticleRecord
from .stream import AnswerStream
from .types import Answer, Article, Chunk, Citation, IngestReport, Passage, Said, Sentence, Speaker, Statement

__all__ = ["Answer", "AnswerMode", "AnswerStream", "Article", "ArticleRecord", "Assistant", "AssistantError",
           "ChatBackend", "Chunk", "Citation", "ConfigError", "CorpusError", "DocumentNotFoundError",
           "GenerationError", "Grounded", "IndexBusyError", "IndexUnusableError", "IngestReport",
           "ModelUnavailableError", "Passage", "QuestionError", "Said", "Sentence", "Settings", "Speaker",
           "SpeakerNotFoundError", "Statement", "StoreUnavailableError", "register_backend"]
