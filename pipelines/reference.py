"""The original tokenizer as TensorFlow runs it: loading, probing and cross-checking.

Used when a pipeline is built (never per line): it reads the vocab and casing of the original
model, probes its basic tokenizer for every code point to get `CharClasses`, and checks that the
pure-Python `LabseTokenizer` agrees with the model on sample text before any data is read.
"""

from __future__ import annotations

import logging
import os
from typing import Callable, Sequence

import numpy as np

from pipelines import models
from pipelines.tfstartup import import_tensorflow
from pipelines.tokenizer import CharClasses, LabseTokenizer, TokenizerSpec, ranges_from_code_points
from pipelines.vocab import parse_vocab, read_vocab

# Probe batch size: a few MB of strings per TensorFlow call.
_PROBE_BATCH = 1 << 16
_SURROGATES = range(0xD800, 0xE000)

# A sample of scripts, punctuation, spaces and odd characters to cross-check the fast tokenizer.
SELF_CHECK_TEXTS = (
    "The quick brown fox jumps over the lazy dog, doesn't it? (1984) -- e.g. U.S.A. & co.",
    "Ceci n'est pas une pipe\u202f! « Bonjour » dit-il, à l'été 2008\u00a0km.",
    "Der Fußgängerübergang in Köln: Straße, größer, Ärger.",
    "日本語のテキストです。東京タワーは333メートル！「こんにちは」",
    "中文文本，包含标点符号；以及數字１２３和𠀋汉字。",
    "한국어 문장입니다. 서울은 대한민국의 수도이다.",
    "ภาษาไทยไม่มีการเว้นวรรคระหว่างคำ ๆ นี้",
    "العربية لغة سامية، يتحدث بها أكثر من ٤٠٠ مليون شخص؛ نعم.",
    "Москва — столица России; «цитата» и т.д.",
    "Zażółć gęślą jaźń. İstanbul'da ğüşıöç. Lisboa é linda, não?",
    "tabs\tand\x0bcontrols\x00here\u200bzero\u200dwidth\ufeffbom\u2028line\u3000ideographic",
    "emoji 🙂👍🏽 math ∑∫√ arrows → ← symbols ©®™ §¶ ½ °C",
    "a" * 120 + " " + "é" * 60 + " " + "[UNK] [CLS] [unused1] ##ing ##",
)


def find_vocab_asset(model_dir: str) -> str:
  """The vocab file among a SavedModel's assets (`vocab_file` asset or the one vocab-like file)."""
  assets = os.path.join(model_dir, "assets")
  names = sorted(os.listdir(assets)) if os.path.isdir(assets) else []
  vocabs = [n for n in names if "vocab" in n.lower()] or [n for n in names if n.endswith(".txt")]
  if len(vocabs) != 1:
    raise ValueError(f"{model_dir}: cannot tell the vocab file among the SavedModel's assets {names}; "
                     "pass --vocab_file (and --lower_case if it is uncased) instead")
  return os.path.join(assets, vocabs[0])


logger = logging.getLogger(__name__)


class PreprocessModel:
  """A LaBSE-style preprocess SavedModel's `tokenize`: strings -> ragged [batch, words, pieces] ids."""

  def __init__(self, handle: str):
    tf = import_tensorflow()  # With TF Text's ops, which the SavedModel uses.
    self.model_dir = models.resolve_model(handle)
    self._model = tf.saved_model.load(self.model_dir)
    self.vocab_path = find_vocab_asset(self.model_dir)
    with open(self.vocab_path, "rb") as handle_:
      self.vocab = parse_vocab(handle_.read(), self.vocab_path)

  def tokenize(self, texts: Sequence[str]):
    import tensorflow as tf
    return self._model.tokenize(tf.constant(list(texts), dtype=tf.string))

  def words_per_text(self, texts: Sequence[str]) -> np.ndarray:
    return self.tokenize(texts).row_lengths(axis=1).numpy()

  def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
    return [list(row) for row in self.tokenize(texts).merge_dims(1, 2).to_list()]

  def detect_lower_case(self) -> bool:
    """True if the model lower-cases: a cased vocab word must come back as itself."""
    for token_id, token in enumerate(self.vocab):
      if token.isalpha() and token != token.lower() and token.lower() in self.vocab:
        return self.token_ids([token])[0] != [token_id]
    return True  # No cased words in the vocab: it can only be an uncased model.


class TfTextTokenizer:
  """tf_text's BertTokenizer over a vocab file, configured as LaBSE's preprocess model."""

  def __init__(self, vocab_path: str, lower_case: bool):
    tf = import_tensorflow()
    import tensorflow_text as text
    self._tf = tf
    self._tokenizer = text.BertTokenizer(vocab_path, lower_case=lower_case, token_out_type=tf.int64)

  def tokenize(self, texts: Sequence[str]):
    return self._tokenizer.tokenize(self._tf.constant(list(texts), dtype=self._tf.string))

  def words_per_text(self, texts: Sequence[str]) -> np.ndarray:
    return self.tokenize(texts).row_lengths(axis=1).numpy()

  def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
    return [list(row) for row in self.tokenize(texts).merge_dims(1, 2).to_list()]



def probe_char_classes(words_per_text: Callable[[Sequence[str]], np.ndarray]) -> CharClasses:
  """Classifies every code point by how the tokenizer splits "a<c>a": 1, 2 or 3 words."""
  code_points = [cp for cp in range(0x110000) if cp not in _SURROGATES]
  separators: list[int] = []
  isolated: list[int] = []
  for begin in range(0, len(code_points), _PROBE_BATCH):
    batch = code_points[begin:begin + _PROBE_BATCH]
    counts = words_per_text([f"a{chr(cp)}a" for cp in batch])
    for cp, count in zip(batch, counts.tolist()):
      if count == 2:
        separators.append(cp)
      elif count == 3:
        isolated.append(cp)
      elif count != 1:
        raise ValueError(f"the original tokenizer split 'a{chr(cp)!r}a' (U+{cp:04X}) into {count} words; "
                         "it does not behave like BERT's basic tokenizer")
  return CharClasses(ranges_from_code_points(separators), ranges_from_code_points(isolated))


class TokenizerMismatchError(RuntimeError):
  """The fast tokenizer does not reproduce the original model's tokenization."""


def check_agreement(fast: LabseTokenizer, token_ids: Callable[[Sequence[str]], list[list[int]]],
                    texts: Sequence[str] = SELF_CHECK_TEXTS) -> None:
  """Raises if the fast tokenizer and the original disagree on any of `texts`."""
  expected = token_ids(texts)
  for text, want in zip(texts, expected):
    got = fast.token_ids(text)
    if got != want:
      raise TokenizerMismatchError(f"the fast tokenizer disagrees with the original on {text!r}: {got} != {want}; "
                                   "the original does not tokenize like tf_text's BertTokenizer")
  logger.debug("Fast tokenizer agrees with the original on %d sample texts.", len(texts))


def original_tokenizer_spec(original_preprocess: str | None = None, vocab_file: str | None = None,
                            lower_case: bool = False) -> TokenizerSpec:
  """The original tokenizer, read off the preprocess model (or a vocab file) and cross-checked.

  From a preprocess model, vocab and casing come from the model itself and the character classes
  are probed from its own `tokenize`; from a vocab file, from tf_text's BertTokenizer configured
  as LaBSE's preprocess model. Either way the fast tokenizer must agree with TensorFlow on
  `SELF_CHECK_TEXTS` before any data is read.
  """
  if original_preprocess:
    model = PreprocessModel(original_preprocess)
    vocab, lower_case, source = model.vocab, model.detect_lower_case(), original_preprocess
    words_per_text, token_ids = model.words_per_text, model.token_ids
  elif vocab_file:
    vocab, source = read_vocab(vocab_file), vocab_file
    local_vocab = _local_copy(vocab_file, vocab)
    reference = TfTextTokenizer(local_vocab, lower_case)
    words_per_text, token_ids = reference.words_per_text, reference.token_ids
  else:
    raise ValueError("the original tokenizer is needed: pass --original_preprocess or --vocab_file")
  char_classes = None if lower_case else probe_char_classes(words_per_text)
  spec = TokenizerSpec.create(vocab, lower_case, char_classes, source)
  check_agreement(spec.build(), token_ids)
  return spec


def _local_copy(path: str, vocab: Sequence[str]) -> str:
  """A local file with `vocab`, for TensorFlow ops that need a path (the original may be on gs://)."""
  if os.path.exists(path):
    return path
  import tempfile
  with tempfile.NamedTemporaryFile("wb", suffix="-vocab.txt", delete=False) as handle:
    handle.write("".join(token + "\n" for token in vocab).encode("utf-8"))
  return handle.name
