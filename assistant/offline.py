"""Keep every library offline and quiet.

Importing the package changes nothing. The `assistant` command (and the model server) call
`apply()` first thing, for their own process: these variables must be set before chromadb,
gradio, onnxruntime, tiktoken or nltk first look at them. The Python API leaves the caller's
environment alone and hands the same choices to the libraries directly (Chroma's settings,
gradio's analytics flag, nltk's data path); a program that wants the CLI's behaviour calls
`assistant.offline.apply()` itself.
"""

from __future__ import annotations

import os
from importlib.util import find_spec
from pathlib import Path

_QUIET = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ORT_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def _llama_index_static() -> Path | None:
    """llama-index ships the tiktoken and nltk data we need; find it without importing it."""
    spec = find_spec("llama_index.core")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "_static"


def use_bundled_nltk_data() -> None:
    """Point nltk at the data llama-index ships, even when nltk was imported before us."""
    import nltk

    static = _llama_index_static()
    if static is not None and str(static / "nltk_cache") not in nltk.data.path:
        nltk.data.path.insert(0, str(static / "nltk_cache"))


def apply() -> None:
    """Set, where they are not set already, the variables that keep libraries offline and quiet."""
    for name, value in _QUIET.items():
        os.environ.setdefault(name, value)
    static = _llama_index_static()
    if static is not None:
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(static / "tiktoken_cache"))
        os.environ.setdefault("NLTK_DATA", str(static / "nltk_cache"))
