"""Settings: every knob, its default written once, read from ASSISTANT_* variables by pydantic-settings.

`Settings()` reads the process environment; `Settings.from_env(mapping)` reads only the mapping
(tests, and callers who keep their configuration elsewhere). A value that cannot be used is one
ConfigError naming the variable, never a pydantic traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import platformdirs
from pydantic import BeforeValidator, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from .backends import answer_modes
from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS = PROJECT_ROOT / "seeds"  # the example articles of a checkout: a corpus to name, never read unasked
MIB = 1024 * 1024
_GIVEN_ONLY: ContextVar[bool] = ContextVar("settings_from_given_values_only", default=False)


def default_index_dir() -> Path:
    """The user's data folder, so an installed assistant never writes into its own package."""
    return platformdirs.user_data_path("assistant") / "index"


def shown_url(url: str) -> str:
    """A URL as messages may print it: without a user name, password or query, which can hold secrets
    (http://user:KEY@host/v1?api_key=KEY becomes http://host/v1)."""
    parts = urlsplit(url if "://" in url else f"//{url}")
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    scheme = f"{parts.scheme}://" if parts.scheme else ""
    return f"{scheme}{host}{port}{parts.path}"


def _empty_is_unset(value: Any) -> Any:
    return value or None


def _stripped(value: Any) -> Any:
    return value.strip() or None if isinstance(value, str) else value


def _paths(value: Any) -> Any:
    """ASSISTANT_CORPUS is a list of paths joined by os.pathsep, as PATH is."""
    if isinstance(value, (str, Path)):
        value = [p for p in str(value).split(os.pathsep) if p.strip()]
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"ASSISTANT_CORPUS must be paths, not {value!r}")
    return tuple(Path(p).expanduser() for p in value)


def _path(value: Any) -> Any:
    value = _stripped(value)
    return Path(value).expanduser() if isinstance(value, (str, Path)) else value


Text = Annotated[str | None, BeforeValidator(_stripped)]
OptionalPath = Annotated[Path | None, BeforeValidator(_path)]
ExpandedPath = Annotated[Path, BeforeValidator(_path)]

# Variables whose name is not ASSISTANT_ + the field's name in capitals (the first one is the one
# messages name).
_ENV_NAMES: dict[str, tuple[str, ...]] = {
    "chunk_overlap_tokens": ("ASSISTANT_CHUNK_OVERLAP",),
    "ingest_batch_chunks": ("ASSISTANT_INGEST_BATCH",),
    "openai_base_url": ("OPENAI_BASE_URL",),
    "openai_api_key": ("OPENAI_API_KEY",),
    "openai_model": ("ASSISTANT_OPENAI_MODEL", "OPENAI_MODEL"),
}


def env_names(field: str) -> tuple[str, ...]:
    return _ENV_NAMES.get(field, (f"ASSISTANT_{field.upper()}",))


class Settings(BaseSettings):
    """What the assistant reads, where it keeps its index, and its limits."""

    # Unknown names are refused (a typo in with_overrides must not pass silently); the environment is
    # read by _Environment alone, with the rule of `values_in`.
    model_config = SettingsConfigDict(frozen=True, extra="forbid")

    index_dir: ExpandedPath = Field(default_factory=default_index_dir)
    corpus: Annotated[tuple[Path, ...], BeforeValidator(_paths)] = ()  # ingested when first opened
    chroma_url: Text = None  # a Chroma server instead of the embedded index
    collection: Annotated[str, BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v)] = "articles"
    embedding_model: str = "all-MiniLM-L6-v2-int8"
    top_k: int = Field(5, ge=1)
    # Chunks are counted in MiniLM's word pieces (it reads 256 with [CLS] and [SEP]). 183/40 gives seeds/
    # the chunk sizes retrieval was tuned on (41 chunks, 773 characters on average, as 180/40 tiktoken
    # tokens did) and on eval/calibration.jsonl beat 183/32 (citation recall 0.884 vs 0.860).
    chunk_tokens: int = Field(183, ge=16, le=254)
    chunk_overlap_tokens: int = Field(40, ge=0)
    # embedded and written together: sorted by length, lost together in a crash
    ingest_batch_chunks: int = Field(1024, ge=1)
    max_question_chars: int = Field(1000, ge=1)
    max_file_mb: int = Field(20, ge=1)
    lock_timeout: float = Field(600.0, ge=0)  # seconds an ingest waits for another one writing to the same index
    attribute: bool = True  # who said what, at ingest (attribution.py); off only to measure what it costs
    # Answering with a language model (docs/answer-modes.md#settings).
    mode: Annotated[str | None, BeforeValidator(_stripped)] = None  # None: a server, else the local model, else quotes
    model_path: OptionalPath = None  # any GGUF file instead of the bundled Qwen2.5 1.5B
    model_dir: ExpandedPath = Path("~/.cache/assistant/models")  # where the bundled model's parts are joined, once
    llm_threads: int = Field(2, ge=1)
    llm_context: int = Field(4096, ge=512)
    max_answer_tokens: int = Field(384, ge=16)
    openai_base_url: Text = None
    openai_api_key: Text = Field(None, repr=False)
    openai_model: Annotated[str, BeforeValidator(lambda v: _stripped(v) or "gpt-4o-mini")] = "gpt-4o-mini"
    llm_timeout: float = Field(60.0, ge=0.01)  # seconds a server may stay silent before we give up on it
    llm_retries: int = Field(2, ge=0)  # further attempts after a 429, a 5xx or a failed connection
    llm_retry_delay: float = Field(0.5, ge=0)  # seconds before the first retry; doubled for each next one
    # The chat UI's login (docs/user-guide.md#options-and-settings): both set, or neither for no login.
    ui_user: Text = None
    # spaces may be part of it
    ui_password: Annotated[str | None, BeforeValidator(_empty_is_unset)] = Field(None, repr=False)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as e:
            raise ConfigError(_first_problem(e)) from None

    @model_validator(mode="after")
    def _mode_is_known(self) -> Settings:
        if self.mode is not None and self.mode not in (known := answer_modes()):
            raise ValueError(f"ASSISTANT_MODE must be one of {', '.join(known)}, not {self.mode!r}")
        return self

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings these variables give (the process environment when None), the rest defaults."""
        return cls() if env is None else _validated(cls, values_in(env))

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings):
        """Values passed in, then the environment, unless these settings are made from given values alone."""
        return (init_settings,) if _GIVEN_ONLY.get() else (init_settings, _Environment(settings_cls))

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * MIB

    @property
    def openai_configured(self) -> bool:
        """A server counts as configured as soon as either its address or a key is set."""
        return bool(self.openai_base_url or self.openai_api_key)

    def with_overrides(self, **changes: Any) -> Settings:
        """These settings with the given values (None leaves one as it is), checked like the rest."""
        changes = {k: v for k, v in changes.items() if v is not None}
        return _validated(type(self), {**self.model_dump(), **changes}) if changes else self


def values_in(env: Mapping[str, str]) -> dict[str, str]:
    """The settings these variables give: for each, the first of its names set to something other than
    blanks (the UI password counts as set unless empty: spaces may be part of it)."""
    given: dict[str, str] = {}
    for field in Settings.model_fields:
        for name in env_names(field):
            value = env.get(name)
            if value is not None and (value if field == "ui_password" else value.strip()):
                given[field] = value
                break
    return given


class _Environment(PydanticBaseSettingsSource):
    """The process environment, read by `values_in`: exact names, blanks as unset."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # everything is read at once, in __call__

    def __call__(self) -> dict[str, Any]:
        return values_in(os.environ)


def _validated(cls: type[Settings], values: dict[str, Any]) -> Settings:
    """Settings from these values alone: the environment is read only by `Settings()`."""
    token = _GIVEN_ONLY.set(True)
    try:
        return cls(**values)
    finally:
        _GIVEN_ONLY.reset(token)


def _first_problem(error: ValidationError) -> str:
    """pydantic's first complaint, in the words of the variable a user sets."""
    problem = error.errors()[0]
    field = str(problem["loc"][0]) if problem["loc"] else "a setting"
    name = env_names(field)[0] if field in Settings.model_fields else field
    value = problem.get("input")
    kind, ctx = problem["type"], problem.get("ctx") or {}
    if kind == "int_parsing" or kind == "int_from_float":
        return f"{name} must be a whole number, not {value!r}"
    if kind == "float_parsing":
        return f"{name} must be a number, not {value!r}"
    if kind == "extra_forbidden":
        return f"there is no setting called {field!r}"
    if kind in ("less_than_equal", "less_than"):
        return f"{name} must be at most {ctx.get('le', ctx.get('lt')):g}, not {value}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{name} must be at least {ctx.get('ge', ctx.get('gt')):g}, not {value}"
    if kind == "value_error":
        return str(ctx.get("error", problem["msg"]))
    if kind == "bool_parsing":
        return f"{name} must be true or false, not {value!r}"
    return f"{name}: {problem['msg']}"
