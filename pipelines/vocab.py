"""Reading and writing WordPiece vocab files, bytes-exact.

A vocab file has one token per line, the line number being the token id. Tokens may contain
non-ASCII spaces (LaBSE has `##\u202f` and `\xa0`), so lines are split on `\n` alone and never
stripped. Anything that would make ids ambiguous is an error naming the file and line.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

import numpy as np

UNK = "[UNK]"
# The special tokens whose ids the preprocess graph bakes in as constants.
REQUIRED_SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
# LaBSE's layout of its 104 bracketed tokens: [PAD], [unused1..99], [UNK], [CLS], [SEP], [MASK] at ids 0..103.
LABSE_SPECIAL_TOKENS = ("[PAD]", *(f"[unused{i}]" for i in range(1, 100)), "[UNK]", "[CLS]", "[SEP]", "[MASK]")
_BRACKETED = re.compile(r"\[[^\[\]\s]+\]")


class VocabError(ValueError):
  pass


def is_special_token(token: str) -> bool:
  """Bracketed tokens (`[CLS]`, `[unused7]`, ...) are reserved and keep their original ids."""
  return _BRACKETED.fullmatch(token) is not None


def parse_vocab(data: bytes, source: str) -> list[str]:
  """Tokens of a vocab file's bytes, validated; `source` names the file in errors."""
  try:
    text = data.decode("utf-8")
  except UnicodeDecodeError as error:
    line = data[: error.start].count(b"\n") + 1
    raise VocabError(f"{source}:{line}: not valid UTF-8 ({error.reason})") from None
  if text.startswith("\ufeff"):
    raise VocabError(f"{source}:1: starts with a byte-order mark, which would become part of the first token")
  tokens = text.split("\n")
  if tokens and tokens[-1] == "":
    tokens.pop()  # The newline that ends the last line.
  if not tokens:
    raise VocabError(f"{source}: the vocab is empty")
  first_line: dict[str, int] = {}
  for line_number, token in enumerate(tokens, start=1):
    if token.endswith("\r"):
      raise VocabError(f"{source}:{line_number}: line ends with CR (Windows line ends); a vocab must use LF only")
    if token == "":
      raise VocabError(f"{source}:{line_number}: empty line; every line must hold one token")
    previous = first_line.setdefault(token, line_number)
    if previous != line_number:
      raise VocabError(f"{source}:{line_number}: duplicate token {token!r}, first seen on line {previous}")
  if UNK not in first_line:
    raise VocabError(f"{source}: no {UNK} token; the tokenizer needs it for words it cannot split")
  return tokens


def read_vocab(path: str) -> list[str]:
  """Tokens of a vocab file (local or any Beam filesystem such as gs://)."""
  from apache_beam.io.filesystems import FileSystems  # Lazily: the exporter reads vocabs without Beam's 0.1 GB.
  try:
    with FileSystems.open(path, compression_type="uncompressed") as handle:
      data = handle.read()
  except Exception as error:  # Beam wraps every filesystem failure in its own types.
    raise VocabError(f"{path}: cannot read the vocab file: {error}") from error
  return parse_vocab(data, path)


def format_vocab(tokens: list[str]) -> bytes:
  return "".join(token + "\n" for token in tokens).encode("utf-8")


def kept_mask(original_vocab: Sequence[str], tokens: Iterable[str]) -> np.ndarray:
  """Which ids of `original_vocab` a smaller vocab holding `tokens` keeps (tokens the original lacks
  never occur in an original tokenization, so they are left out)."""
  index = {token: i for i, token in enumerate(original_vocab)}
  kept = np.zeros(len(original_vocab), bool)
  kept[[index[token] for token in tokens if token in index]] = True
  return kept
