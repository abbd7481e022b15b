"""Parameter counts of LaBSE-shaped encoders, and the table the original smaller-LaBSE's README gave them in.

Shared by the selection report, the exporter's report and the evaluation's curve: counting parameters
needs none of the selection algorithm.
"""

from __future__ import annotations

from typing import Mapping

from pipelines import markdown

HIDDEN_SIZE = 768  # LaBSE's width.


def labse_parameters(vocab_size: int, hidden: int = HIDDEN_SIZE, layers: int = 12, intermediate: int = 3072,
                     positions: int = 512, token_types: int = 2) -> dict[str, int]:
  """Parameter counts of a LaBSE-shaped BERT encoder, split as in the original README's table.

  "transformer" is the layers alone (85.1M for LaBSE); "model" adds the word, position and type
  embeddings, the embedding layer norm and the pooler (470.9M for LaBSE's 501,153 tokens).
  """
  per_layer = (4 * (hidden * hidden + hidden)  # Query, key, value and attention output.
               + 2 * (hidden * intermediate) + intermediate + hidden  # Feed-forward.
               + 2 * 2 * hidden)  # Two layer norms.
  transformer = layers * per_layer
  word_embedding = vocab_size * hidden
  other = positions * hidden + token_types * hidden + 2 * hidden + hidden * hidden + hidden
  return {"vocab_size": vocab_size, "transformer": transformer, "word_embedding": word_embedding,
          "model": transformer + word_embedding + other}


def parameter_table(parameters: Mapping[str, Mapping[str, int]]) -> str:
  """The original README's parameter table, one row per model."""
  return markdown.table(["model", "#param(transformer)", "#param(word embedding)", "#param(model)", "vocab size"],
                        [[name, f"{p['transformer'] / 1e6:.1f}M", f"{p['word_embedding'] / 1e6:.1f}M",
                          f"{p['model'] / 1e6:.1f}M", p["vocab_size"]] for name, p in parameters.items()])
