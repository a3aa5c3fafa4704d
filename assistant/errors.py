"""Errors a user can act on. Their message is the whole story: the CLI and UI print it as is."""


class AssistantError(Exception):
    """Base for every error whose message is meant for the user."""


class ConfigError(AssistantError):
    """A setting or environment variable has a value we cannot use."""


class QuestionError(AssistantError):
    """The question is empty, too long or otherwise unusable."""


class CorpusError(AssistantError):
    """A path to ingest does not exist or cannot be read."""


class IndexUnusableError(AssistantError):
    """The index cannot be used as it is (corrupt, or built with another embedding model)."""


class IndexBusyError(AssistantError):
    """Another ingest holds the index for longer than we wait."""


class StoreUnavailableError(AssistantError):
    """The Chroma server cannot be reached."""


class DocumentNotFoundError(AssistantError):
    """No article with that doc_id is indexed."""


class ModelUnavailableError(AssistantError):
    """The local model cannot be found, assembled, verified or loaded."""


class GenerationError(AssistantError):
    """The model gave no answer (a server failing even after retries, a prompt too long); the caller
    falls back to quotes."""


class SpeakerNotFoundError(AssistantError):
    """No article quotes anyone by that name (close spellings are named in the message)."""
