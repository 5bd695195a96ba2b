"""Pretrained word knowledge for the classifier: each text as the mean of WordLlama's static
token embeddings (256 dimensions, distilled from Llama-2-family models), at unit length.

The n-gram features know only the words the desk's own tickets used; these vectors place
"card hasn't come" near "card not arrived" and "top up" near "add money" without having
seen them. They are English-trained: a Turkish text falls into Llama-2's byte-level word
pieces and gains little (the n-grams still carry it).

The vectors and tokenizer ship inside the `wordllama` wheel, so nothing is downloaded. We read
those two files with `safetensors` and `tokenizers` rather than through `wordllama` itself:
importing it configures the root logger, and its loader looks for the tokenizer in a folder
the wheel does not have and then fetches it from the Hugging Face Hub.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from importlib import metadata
from typing import Any

import numpy as np
from safetensors.numpy import load_file
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from tokenizers import Tokenizer

_PACKAGE = "wordllama"
_WEIGHTS = "wordllama/weights/l2_supercat_256.safetensors"
_TOKENIZER = "wordllama/tokenizers/l2_supercat_tokenizer_config.json"


class StaleEmbeddings(ValueError):
    """The model was trained with other embeddings than the installed ones: retrain it."""


@functools.cache
def source() -> str:
    """Which vectors are installed, as recorded with a model trained on them."""
    return f"{_PACKAGE} {metadata.version(_PACKAGE)} l2_supercat_256"


@functools.cache
def _vectors() -> tuple[Tokenizer, np.ndarray[Any, np.dtype[np.float32]]]:
    # Loaded once per process and shared by every model: 32,000 x 256 floats, 33 MB.
    dist = metadata.distribution(_PACKAGE)
    table = load_file(str(dist.locate_file(_WEIGHTS)))["embedding.weight"]
    tokenizer = Tokenizer.from_file(str(dist.locate_file(_TOKENIZER)))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer, np.ascontiguousarray(table, dtype=np.float32)


def embed(texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
    """One unit-length row per text; an empty text (or one with no tokens) is all zeros."""
    tokenizer, table = _vectors()
    rows = np.zeros((len(texts), table.shape[1]), dtype=np.float32)
    encodings = (
        [tokenizer.encode(texts[0], add_special_tokens=False)]
        if len(texts) == 1  # encode_batch's thread pool costs more than one short text
        else tokenizer.encode_batch(list(texts), add_special_tokens=False)
    )
    for row, encoding in zip(rows, encodings, strict=True):
        if encoding.ids:
            row[:] = table[encoding.ids].mean(axis=0)
    lengths = np.linalg.norm(rows, axis=1, keepdims=True)
    np.divide(rows, lengths, out=rows, where=lengths > 0)
    return rows


class MeanEmbedding(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """A scikit-learn step: texts to their `embed` rows times `scale`, as a sparse matrix to
    stack beside the TF-IDF features. `scale` weighs the dense block against the n-grams
    (each TF-IDF block is unit length too); 1.5 scored best of 1-4 on Banking77.

    Fitting learns nothing but which vectors are installed, so that a model is never fed
    different ones later. The pickled model holds that name, not the 33 MB table."""

    def __init__(self, scale: float = 1.5) -> None:
        self.scale = scale

    def fit(self, texts: Sequence[str], y: Any = None) -> MeanEmbedding:
        _vectors()
        self.source_ = source()
        return self

    def stale(self) -> str | None:
        """Why this fitted step cannot be used with the installed vectors, or None."""
        if self.source_ == source():
            return None
        return f"model trained with {self.source_}, installed {source()}: retrain it"

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        problem = self.stale()
        if problem:
            raise StaleEmbeddings(problem)
        return sparse.csr_matrix(embed(list(texts)) * self.scale)
