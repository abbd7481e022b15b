"""Per-language token counts as dense vectors, and how a batch of lines adds to them.

Counts are dense int64 vectors over the original vocab (2 x 501,153 x 8 bytes = 8 MB per
language), so a worker's memory does not grow with the corpus and merging is one vector addition.
A batch of lines is split into words, each distinct word is WordPiece'd once and weighted by its
frequency (distinct words are a small fraction of all words), and the number of lines containing
each token is computed from the distinct (line, token) pairs.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Sequence

import numpy as np

from pipelines.tokenizer import LabseTokenizer

# Scalar statistics kept per language, summed across workers.
STAT_FIELDS = ("pages", "redirects", "non_article_pages", "lines", "short_lines", "markup_lines",
               "words", "tokens", "unk_tokens", "bytes", "shards_read", "shards_skipped",
               "pages_skipped", "pages_invalid_utf8")


@dataclasses.dataclass
class LanguageCounts:
  """Token counts and statistics of one language; `merge` makes it a commutative monoid."""
  token_counts: np.ndarray  # [vocab] occurrences of each token.
  line_counts: np.ndarray  # [vocab] number of lines that contain each token.
  stats: dict[str, int]

  @classmethod
  def empty(cls, vocab_size: int) -> "LanguageCounts":
    return cls(np.zeros(vocab_size, np.int64), np.zeros(vocab_size, np.int64), dict.fromkeys(STAT_FIELDS, 0))

  def merge(self, other: "LanguageCounts") -> "LanguageCounts":
    self.token_counts += other.token_counts
    self.line_counts += other.line_counts
    for key, value in other.stats.items():
      self.stats[key] = self.stats.get(key, 0) + value
    return self

  def add_stats(self, **values: int) -> None:
    for key, value in values.items():
      self.stats[key] = self.stats.get(key, 0) + value

  def add_lines(self, tokenizer: LabseTokenizer, lines: Sequence[str]) -> None:
    """Tokenizes `lines` and adds their counts."""
    if not lines:
      return
    words_per_line = tokenizer.split_batch(lines)
    words = list(itertools.chain.from_iterable(words_per_line))
    self.add_stats(lines=len(lines), words=len(words), bytes=sum(len(line.encode("utf-8")) for line in lines))
    if not words:
      return
    # Local ids of the distinct words of this batch, in first-seen order.
    word_index = dict.fromkeys(words)
    for local_id, word in enumerate(word_index):
      word_index[word] = local_id
    word_ids = np.fromiter(map(word_index.__getitem__, words), np.int64, len(words))
    pieces = list(map(tokenizer.wordpiece, word_index))
    piece_lengths = np.fromiter(map(len, pieces), np.int64, len(pieces))
    flat_pieces = np.fromiter(itertools.chain.from_iterable(pieces), np.int64, int(piece_lengths.sum()))
    piece_starts = np.cumsum(piece_lengths) - piece_lengths
    vocab_size = tokenizer.vocab_size

    # Occurrences: every distinct word contributes its pieces times its frequency.
    word_frequency = np.bincount(word_ids, minlength=len(pieces))
    token_counts = np.bincount(flat_pieces, weights=np.repeat(word_frequency, piece_lengths), minlength=vocab_size)
    token_counts = token_counts.astype(np.int64)
    self.token_counts += token_counts

    # Lines containing a token: distinct (line, word) pairs, expanded to pieces, made distinct again.
    line_of_word = np.repeat(np.arange(len(lines), dtype=np.int64), [len(w) for w in words_per_line])
    line_word = np.unique(line_of_word * len(pieces) + word_ids)
    pair_words = line_word % len(pieces)
    pair_lines = line_word // len(pieces)
    lengths = piece_lengths[pair_words]
    offsets = np.repeat(piece_starts[pair_words] - (np.cumsum(lengths) - lengths), lengths)
    pair_tokens = flat_pieces[offsets + np.arange(offsets.size)]
    line_token = np.unique(np.repeat(pair_lines, lengths) * vocab_size + pair_tokens)
    self.line_counts += np.bincount(line_token % vocab_size, minlength=vocab_size)

    total_tokens = int(token_counts.sum())
    self.add_stats(tokens=total_tokens, unk_tokens=int(token_counts[tokenizer.unk_id]))
