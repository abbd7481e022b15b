"""The stand-in original: a LaBSE-format encoder + preprocess pair written with the project's code.

The demo, the tests and the benchmarks need an "original LaBSE" that can be had offline. This is
the one place that writes it: `sample_lines()` reads the bundled sample dumps with the pipeline's
own extraction, `learn_vocab()` learns a cased WordPiece vocab from them with tf_text's vocab tool
(LaBSE's 104 special tokens at their ids), and `write_original()` writes a randomly initialised
encoder of any size (LaBSE's by default) and its preprocess model in LaBSE's SavedModel layout.
The official format, as TF Model Garden writes it, is `../shared/tools/make_official_fixture.py`'s.
"""

from __future__ import annotations

import collections
import glob
import os
from typing import Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE_DUMPS = os.path.join(ROOT, "samples", "dumps", "*.xml.bz2")
VOCAB_SIZE = 6000


def sample_lines() -> list[str]:
  """Article lines of every bundled sample dump, read with the pipeline's own extraction."""
  from pipelines import corpus, sources
  lines = []
  for number, path in enumerate(sorted(glob.glob(SAMPLE_DUMPS))):
    dump = sources.read_header(path)
    whole = sources.Shard((number, 0), path, dump.language, "dump", 0, dump.size, 1, dump.dropped_namespace_names)
    lines.extend(corpus.shard_lines(whole, collections.Counter()))
  return lines


def learn_vocab(path: str, size: int = VOCAB_SIZE) -> None:
  """A cased WordPiece vocab learned from the samples with tf_text's tool; LaBSE's special ids."""
  from pipelines import outputs
  from pipelines.tfstartup import import_tensorflow
  from pipelines.vocab import LABSE_SPECIAL_TOKENS, format_vocab
  tf = import_tensorflow()  # Before tf_text's tool imports it, without the quiet start.
  from tensorflow_text.tools.wordpiece_vocab.bert_vocab_from_dataset import bert_vocab_from_dataset
  dataset = tf.data.Dataset.from_tensor_slices(sample_lines()).batch(256)
  vocab = bert_vocab_from_dataset(dataset, vocab_size=size, reserved_tokens=list(LABSE_SPECIAL_TOKENS),
                                  bert_tokenizer_params={"lower_case": False})
  outputs.write_bytes(path, format_vocab(vocab))


def write_original(directory: str, vocab_path: str, *, seq_length: int = 128, seed: int | None = None,
                   dropout=None, **config) -> tuple[str, str]:
  """DIRECTORY/encoder and DIRECTORY/preprocess: a random encoder of `config` (bert.EncoderConfig's fields
  after the vocab size; LaBSE's by default) over `vocab_path`, and its preprocess model."""
  from exporter import bert
  from exporter.export import write_encoder
  from exporter.preprocess import Preprocessor
  from pipelines.tfstartup import import_tensorflow
  from pipelines.vocab import read_vocab
  tf = import_tensorflow()
  vocab = read_vocab(vocab_path)
  if seed is not None:
    tf.random.set_seed(seed)
  encoder = bert.BertEncoder(bert.EncoderConfig(len(vocab), **config))
  encoder_dir, preprocess_dir = os.path.join(directory, "encoder"), os.path.join(directory, "preprocess")
  write_encoder(encoder_dir, encoder.weights_by_name, vocab_path, False, dropout)
  tf.saved_model.save(Preprocessor(vocab_path, False, seq_length, vocab), preprocess_dir)
  return encoder_dir, preprocess_dir


def write_vocab(path: str, tokens: Sequence[str]) -> str:
  from pipelines.vocab import format_vocab
  with open(path, "wb") as handle:
    handle.write(format_vocab(list(tokens)))
  return path
