"""The PyTorch libraries the Hugging Face side needs, found without importing them (or TensorFlow)."""

from __future__ import annotations

import contextlib
import importlib.util
from typing import Iterable

HF_LIBRARIES = ("torch", "transformers", "sentence_transformers", "safetensors", "tokenizers")
INSTALL_HINT = ("install the project's hf extra: pip install '.[hf]' in its checkout "
                "(torch, transformers, tokenizers, sentence-transformers, safetensors)")


def missing_libraries(names: Iterable[str] = HF_LIBRARIES) -> list[str]:
  return [name for name in names if importlib.util.find_spec(name) is None]


@contextlib.contextmanager
def weights_loaded_quietly():
  """Within the block, transformers draws no "Loading weights" progress bar (a model loaded for a job that
  shows its own progress)."""
  from transformers.utils import logging as transformers_logging
  bars = transformers_logging.is_progress_bar_enabled()
  transformers_logging.disable_progress_bar()
  try:
    yield
  finally:
    if bars:
      transformers_logging.enable_progress_bar()
