"""Per-language token counts as dense vectors, and how a batch of lines adds to them.

Counts are dense int64 vectors over the original vocab (2 x 501,153 x 8 bytes = 8 MB per
language), so a worker's memory does not grow with the corpus and merging is one vector addition.
A batch of lines is cut at spaces; each chunk's tokens come from the worker's chunk table, where a
chunk is tokenized once when first seen (`tokenizer.ChunkTable`: distinct chunks are a small fraction
of all chunks); the number of lines containing each token is counted from the distinct (line, token)
pairs.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from pipelines.tokenizer import LabseTokenizer

# Scalar statistics kept per language, summed across workers.
STAT_FIELDS = ("pages", "redirects", "non_article_pages", "lines", "short_lines", "markup_lines",
               "words", "tokens", "unk_tokens", "bytes", "shards_read", "shards_skipped",
               "pages_skipped", "pages_invalid_utf8", "pages_without_text", "pages_too_deep", "streams_lost")


@dataclasses.dataclass
class LanguageCounts:
  """Token counts and statistics of one language; `merge` makes it a commutative monoid."""
  token_counts: np.ndarray  # [vocab] occurrences of each token.
  line_counts: np.ndarray  # [vocab] number of lines that contain each token.
  stats: dict[str, int]

  @classmethod
  def empty(cls, vocab_size: int) -> "LanguageCounts":
    return cls(np.zeros(vocab_size, np.int64), np.zeros(vocab_size, np.int64), dict.fromkeys(STAT_FIELDS, 0))

  def copy(self) -> "LanguageCounts":
    return LanguageCounts(self.token_counts.copy(), self.line_counts.copy(), dict(self.stats))

  def merge(self, other: "LanguageCounts") -> "LanguageCounts":
    """Adds `other` into this one (which changes; `other` does not) and returns it."""
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
    tokens, tokens_in_line, words = tokenizer.tokenize_batch(lines)
    self.add_stats(lines=len(lines), words=words, bytes=len("".join(lines).encode("utf-8")))
    if not tokens.size:
      return
    vocab_size = tokenizer.vocab_size
    token_counts = np.bincount(tokens, minlength=vocab_size)
    self.token_counts += token_counts

    # Lines containing a token: distinct (line, token) pairs, by sorting their combined keys.
    line_of_token = np.repeat(np.arange(len(lines), dtype=np.int64), tokens_in_line)
    keys = line_of_token * vocab_size + tokens
    keys.sort()
    distinct = np.empty(keys.size, bool)
    distinct[0] = True
    np.not_equal(keys[1:], keys[:-1], out=distinct[1:])
    self.line_counts += np.bincount(keys[distinct] % vocab_size, minlength=vocab_size)

    self.add_stats(tokens=int(tokens.size), unk_tokens=int(token_counts[tokenizer.unk_id]))
