"""Sentence samples: what selection measures a candidate vocab on.

A vocab preserves a sentence's embedding exactly when it keeps every token of the sentence's
original tokenization, so selection needs sentences, not only counts. The pipeline keeps, per
language, the `sample_lines` counted lines with the smallest 64-bit hash of their text (a bottom-k
sample: the same lines whatever the runner, the sharding or the number of workers), splits them
into sentences and stores each sentence as its original token ids: `OUTPUT/samples/<lang>.txt`,
one sentence a line, ids separated by spaces. A user's own text (`--sample_text`) is used the
same way, one sentence a line.
"""

from __future__ import annotations

import heapq
import itertools
import re
import zlib
from typing import Iterable, Sequence

import numpy as np

DEFAULT_SAMPLE_LINES = 10_000
# A sentence ends at ., !, ? (and their Arabic, Devanagari, Ethiopic and Armenian forms) before a space,
# and right after a full-width or ideographic full stop, exclamation or question mark, or a Myanmar or
# Khmer full stop (scripts written without spaces between words).
_SENTENCE_END = re.compile(r"(?<=[.!?\u061f\u06d4\u0964\u0965\u1362\u1367\u0589])\s+"
                           r"|(?<=[\u3002\uff01\uff1f\u104b\u17d4])\s*")


def line_hash(line: str) -> int:
  """A stable 64-bit hash of a line (Python's hash() differs between processes): CRC-32 above Adler-32.

  It runs on every counted line, so it is the cheapest that is deterministic and spreads lines
  evenly; equal hashes of different lines are ordered by the lines themselves.
  """
  data = line.encode("utf-8")
  return zlib.crc32(data) << 32 | zlib.adler32(data)


def split_sentences(line: str) -> list[str]:
  """A line's sentences, split at sentence-final punctuation; blank pieces dropped."""
  return [sentence for sentence in (piece.strip() for piece in _SENTENCE_END.split(line)) if sentence]


class BottomK:
  """The k lines with the smallest `line_hash`, kept while lines stream by (a max-heap of k).

  `bound`: lines hashing at or above it are not wanted (another BottomK already holds k lines
  below it), so they are not even kept for a while.
  """

  def __init__(self, k: int, bound: int | None = None):
    self.k = k
    self._bound = bound
    self._heap: list[tuple[int, str]] = []  # (-hash, line): the root is the largest hash kept.

  @property
  def bound(self) -> int | None:
    """Hashes at or above this cannot enter: the largest kept once full, else the given bound."""
    return -self._heap[0][0] if self.k and len(self._heap) >= self.k else self._bound

  def add_all(self, lines: Sequence[str]) -> None:
    if self.k <= 0 or not lines:
      return
    # Every line's hash, computed in C (`line_hash`, vectorized); only lines below the bound reach the heap.
    encoded = list(map(str.encode, lines))
    keys = (np.fromiter(map(zlib.crc32, encoded), np.uint64, len(lines)) << np.uint64(32)
            | np.fromiter(map(zlib.adler32, encoded), np.uint64, len(lines)))
    heap, bound = self._heap, self.bound
    candidates = range(len(lines)) if bound is None else np.flatnonzero(keys < np.uint64(bound)).tolist()
    keys = keys.tolist()
    for index in candidates:
      key = keys[index]
      if bound is not None and key >= bound:
        continue
      line = lines[index]
      if len(heap) < self.k:
        heapq.heappush(heap, (-key, line))
        if len(heap) == self.k:
          bound = -heap[0][0] if bound is None else min(bound, -heap[0][0])
      else:
        heapq.heapreplace(heap, (-key, line))
        bound = -heap[0][0]

  def merge(self, other: "BottomK") -> None:
    """Adds `other`'s lines (which is not changed)."""
    for negative, line in other._heap:
      if len(self._heap) < self.k:
        heapq.heappush(self._heap, (negative, line))
      elif -negative < -self._heap[0][0]:
        heapq.heapreplace(self._heap, (negative, line))

  def items(self) -> list[tuple[int, str]]:
    """(hash, line) pairs, smallest hash first."""
    return sorted((-negative, line) for negative, line in self._heap)


def smallest(k: int, *sorted_lists: Sequence[tuple[int, str]]) -> list[tuple[int, str]]:
  """The k smallest (hash, line) pairs of lists each sorted by hash; a new list, the inputs untouched."""
  return list(itertools.islice(heapq.merge(*sorted_lists), k))


class Sample:
  """Sentences as original token ids, flat, to test any kept-token mask on all of them at once."""

  def __init__(self, sentences: Iterable[Sequence[int]], source: str):
    rows = [row for row in sentences if len(row)]
    self.source = source
    self.sentences = len(rows)
    self.flat = np.fromiter((i for row in rows for i in row), np.int64)
    self.sentence_of_token = np.repeat(np.arange(len(rows)), [len(row) for row in rows])

  def __len__(self) -> int:
    return self.sentences

  def kept_sentences(self, kept: np.ndarray) -> np.ndarray:
    """Per sentence, whether `kept` keeps every one of its tokens."""
    whole = np.ones(self.sentences, bool)
    whole[self.sentence_of_token[~kept[self.flat]]] = False
    return whole

  def preserved(self, kept: np.ndarray) -> int:
    """Sentences every token of which `kept` keeps."""
    return int(self.kept_sentences(kept).sum())

  def needs(self, rank: np.ndarray) -> np.ndarray:
    """Per sentence, the highest `rank` among its tokens: the sentence is kept by a prefix of more."""
    need = np.full(self.sentences, -1, np.int64)
    np.maximum.at(need, self.sentence_of_token, rank[self.flat])
    return need

  def to_text(self) -> str:
    bounds = np.cumsum(np.bincount(self.sentence_of_token, minlength=self.sentences))
    start = 0
    rows = []
    for end in bounds.tolist():
      rows.append(" ".join(map(str, self.flat[start:end].tolist())) + "\n")
      start = end
    return "".join(rows)

  @classmethod
  def from_text(cls, text: str, vocab_size: int, source: str) -> "Sample":
    rows = []
    for line_number, row in enumerate(text.split("\n"), start=1):
      if not row.strip():
        continue
      try:
        ids = [int(field) for field in row.split(" ")]
      except ValueError:
        raise ValueError(f"{source}:{line_number}: expected token ids separated by single spaces") from None
      if min(ids) < 0 or max(ids) >= vocab_size:
        raise ValueError(f"{source}:{line_number}: token id out of the original vocab's range 0..{vocab_size - 1}")
      rows.append(ids)
    return cls(rows, source)

  @classmethod
  def tokenize(cls, tokenizer, sentences: Iterable[str], source: str) -> "Sample":
    """Sentences tokenized by `tokenizer` (in one batch when it can: `token_ids_batch`)."""
    batch = getattr(tokenizer, "token_ids_batch", None)
    return cls(batch(list(sentences)) if batch else map(tokenizer.token_ids, sentences), source)


def sample_from_lines(tokenizer, lines: Iterable[str], source: str) -> Sample:
  """The sample of sampled lines: their sentences, tokenized."""
  return Sample.tokenize(tokenizer, (sentence for line in lines for sentence in split_sentences(line)), source)
