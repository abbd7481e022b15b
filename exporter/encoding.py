"""Sentences through a TF-Hub style encoder + preprocess pair, in batches packed to their own length.

The preprocess model's default call pads every sentence to its `seq_length` (128 for LaBSE), while
a Tatoeba sentence has about 13 tokens: ten times the work, padding. Here sentences are sorted by
token length, each batch is packed to its longest sentence (`bert_pack_inputs(..., seq_length=L)`,
L rounded up to a multiple of 8 and at most the model's `seq_length`, so a sentence is truncated
exactly where the default call truncates it) and the embeddings come back in input order.

Exactness between two models: a batch's rows and its length L come from a `BatchPlan`, made once
from every model's token lengths (the longest of them for each sentence) and used for all of them.
Two models whose vocabs give a sentence the same tokens then run it in the same batch, at the same
shape, with the same neighbours: bit-identical embeddings under the same numerics, as with padding.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

ROUND_TO = 8  # Batch lengths are multiples of this: fewer distinct shapes to trace, little padding.
DEFAULT_BATCH_SIZE = 32


@dataclasses.dataclass(frozen=True)
class Batch:
  indices: np.ndarray  # Positions in the input of the batch's sentences.
  length: int  # The sequence length the batch is packed to.


def plan_batches(lengths: Sequence[np.ndarray] | np.ndarray, batch_size: int, seq_length: int,
                 round_to: int = ROUND_TO) -> list[Batch]:
  """Batches of sentences of similar length: sorted by length (the longest over the models given, ties
  in input order), `batch_size` at a time, each packed to its longest rounded up to `round_to`."""
  stacked = np.atleast_2d(np.asarray(lengths, np.int64))
  longest = np.minimum(stacked.max(axis=0), seq_length) if stacked.size else np.zeros(0, np.int64)
  order = np.argsort(longest, kind="stable")
  batches = []
  for start in range(0, order.size, batch_size):
    indices = order[start:start + batch_size]
    length = int(-(-int(longest[indices].max()) // round_to) * round_to)
    batches.append(Batch(indices, min(max(length, round_to), seq_length)))
  return batches


class SentenceEncoder:
  """A TF-Hub style encoder and its preprocess model (loaded SavedModels), encoding lists of sentences."""

  def __init__(self, encoder, preprocess):
    import tensorflow as tf
    self.encoder, self.preprocess = encoder, preprocess
    self.seq_length = int(preprocess(tf.constant(["x"]))["input_word_ids"].shape[1])

  def token_lengths(self, sentences: Sequence[str]) -> np.ndarray:
    """Each sentence's length as the default call packs it: its tokens, [CLS] and [SEP], at most seq_length."""
    import tensorflow as tf
    if not sentences:
      return np.zeros(0, np.int64)
    tokens = self.preprocess.tokenize(tf.constant(list(sentences))).merge_dims(1, 2)
    return np.minimum(tokens.row_lengths().numpy().astype(np.int64) + 2, self.seq_length)

  def inputs(self, sentences: Sequence[str], batch: Batch) -> dict:
    import tensorflow as tf
    tokens = self.preprocess.tokenize(tf.constant([sentences[i] for i in batch.indices]))
    return self.preprocess.bert_pack_inputs([tokens], seq_length=tf.constant(batch.length, tf.int32))

  def encode(self, sentences: Sequence[str], plan: Sequence[Batch], output: str = "pooled_output",
             progress=None) -> np.ndarray:
    """`output` (pooled_output, or `default` where the model has no pooled_output) of every sentence, in
    input order; `progress(n)` is called after each batch with its number of sentences."""
    rows: np.ndarray | None = None
    for batch in plan:
      outputs = self.encoder(self.inputs(sentences, batch), training=False)
      values = (outputs[output] if output in outputs else outputs["default"]).numpy()
      if rows is None:
        rows = np.zeros((len(sentences), *values.shape[1:]), values.dtype)
      rows[batch.indices] = values
      if progress is not None:
        progress(len(batch.indices))
    return rows if rows is not None else np.zeros((0, 0), np.float32)

  def plan(self, sentences: Sequence[str], batch_size: int = DEFAULT_BATCH_SIZE) -> list[Batch]:
    return plan_batches(self.token_lengths(sentences), batch_size, self.seq_length)


def shared_plan(pairs: Sequence[SentenceEncoder], sentences: Sequence[str], batch_size: int = DEFAULT_BATCH_SIZE) -> list[Batch]:
  """One plan for several models: each sentence at the longest any of them makes it."""
  seq_length = min(pair.seq_length for pair in pairs)
  return plan_batches([pair.token_lengths(sentences) for pair in pairs], batch_size, seq_length)
