"""The PyTorch libraries the Hugging Face side needs, found without importing them (or TensorFlow)."""

from __future__ import annotations

import importlib.util
from typing import Iterable

HF_LIBRARIES = ("torch", "transformers", "sentence_transformers", "safetensors", "tokenizers")
INSTALL_HINT = ("install the project's hf extra: pip install '.[hf]' in its checkout "
                "(torch, transformers, tokenizers, sentence-transformers, safetensors)")


def missing_libraries(names: Iterable[str] = HF_LIBRARIES) -> list[str]:
  return [name for name in names if importlib.util.find_spec(name) is None]
