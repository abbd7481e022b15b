"""Vocab selection from per-language token counts; runnable alone on a finished run's counts.

    python -m pipelines.select --counts RUN_DIR [--min_line_fraction 0.00005] [--coverage 0.999]
        [--min_count N] [--max_vocab N] [--output DIR]

Rules, all per language, a token kept for a language when it passes every rule given:
- `min_line_fraction`: the token occurs in at least this fraction of the language's lines. The
  original smaller-LaBSE used 0.005% (0.00005) of 1M lines: at least 50 lines.
- `min_count`: the token occurs at least this many times.
- `coverage`: the language's most frequent tokens, until they cover this share of its token
  occurrences.
Kept tokens are the union over languages. `max_vocab` then caps the size: every language gets the
same coverage of its own occurrences, the highest at which the union still fits.

Every bracketed special token of the original vocab keeps its original id (the preprocess graph
has the ids of [PAD], [UNK], [CLS], [SEP], [MASK] baked in); the other kept tokens follow in
original id order, so a smaller vocab is a subsequence of the original.
"""

from __future__ import annotations

import argparse
import dataclasses
import fractions
import json
import math
import sys
from typing import Mapping, Sequence

import numpy as np

from pipelines import outputs
from pipelines.vocab import REQUIRED_SPECIAL_TOKENS, is_special_token

HIDDEN_SIZE = 768  # LaBSE's width, for parameter counts.
DEFAULT_MIN_LINE_FRACTION = "0.00005"


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


@dataclasses.dataclass(frozen=True)
class SelectionRule:
  min_line_fraction: str | None = DEFAULT_MIN_LINE_FRACTION  # Decimal string, exact: "0.00005".
  min_count: int | None = None
  coverage: float | None = None
  max_vocab: int | None = None

  def describe(self) -> str:
    parts = []
    if self.min_line_fraction is not None:
      parts.append(f"in at least {float(self.min_line_fraction):.6%} of a language's lines")
    if self.min_count is not None:
      parts.append(f"at least {self.min_count} occurrences")
    if self.coverage is not None:
      parts.append(f"the most frequent tokens covering {self.coverage:.4%} of a language's occurrences")
    rule = " and ".join(parts) or "every token seen"
    return rule + (f"; at most {self.max_vocab:,} tokens in all" if self.max_vocab is not None else "")


@dataclasses.dataclass
class LanguageTotals:
  token_counts: np.ndarray
  line_counts: np.ndarray
  lines: int


@dataclasses.dataclass
class Selection:
  vocab: list[str]  # The new vocab, in new id order.
  original_ids: np.ndarray  # original_ids[new_id] = original id.
  per_language: dict[str, dict]  # Tokens kept and coverage per language.
  rule: SelectionRule
  original_vocab_size: int

  @property
  def parameters(self) -> dict[str, dict[str, int]]:
    return {"original": labse_parameters(self.original_vocab_size), "smaller": labse_parameters(len(self.vocab))}


def min_lines_for(fraction: str, lines: int) -> int:
  """Lines a token must occur in: ceil(fraction x lines), computed exactly (0.00005 x 1M = 50)."""
  return max(1, math.ceil(fractions.Fraction(fraction) * lines))


class Ranking:
  """A language's tokens by count (descending, ties by id), to cut at any coverage cheaply."""

  def __init__(self, token_counts: np.ndarray):
    self._size = token_counts.size
    self._order = np.lexsort((np.arange(token_counts.size), -token_counts))
    self._order = self._order[token_counts[self._order] > 0]
    self._cumulative = np.cumsum(token_counts[self._order])

  def top(self, coverage: float) -> np.ndarray:
    """Mask of the most frequent tokens that together cover `coverage` of all occurrences."""
    mask = np.zeros(self._size, bool)
    if self._cumulative.size:
      needed = int(np.searchsorted(self._cumulative, coverage * self._cumulative[-1], side="left")) + 1
      mask[self._order[:needed]] = True
    return mask


def coverage_prefix(token_counts: np.ndarray, coverage: float) -> np.ndarray:
  """Mask of the most frequent tokens that together cover `coverage` of all occurrences."""
  return Ranking(token_counts).top(coverage)


def candidates(totals: LanguageTotals, rule: SelectionRule) -> np.ndarray:
  """Tokens of one language that pass every per-language rule."""
  keep = totals.token_counts > 0
  if rule.min_line_fraction is not None:
    keep &= totals.line_counts >= min_lines_for(rule.min_line_fraction, totals.lines)
  if rule.min_count is not None:
    keep &= totals.token_counts >= rule.min_count
  if rule.coverage is not None:
    keep &= coverage_prefix(totals.token_counts, rule.coverage)
  return keep


def _fit_budget(kept: Mapping[str, np.ndarray], totals: Mapping[str, LanguageTotals],
                special: np.ndarray, budget: int) -> dict[str, np.ndarray]:
  """Cuts each language's kept tokens to the same coverage, the highest whose union fits."""
  # Ranked once: the bisection below cuts every language at 40 coverages.
  rankings = {language: Ranking(np.where(mask, totals[language].token_counts, 0)) for language, mask in kept.items()}

  def union_at(coverage: float) -> dict[str, np.ndarray]:
    return {language: ranking.top(coverage) for language, ranking in rankings.items()}

  def size(masks: Mapping[str, np.ndarray]) -> int:
    union = special.copy()
    for mask in masks.values():
      union |= mask
    return int(union.sum())

  if size(kept) <= budget:
    return dict(kept)
  low, high = 0.0, 1.0
  for _ in range(40):  # Coverage to within 1e-12: far finer than one token of any language.
    middle = (low + high) / 2
    if size(union_at(middle)) <= budget:
      low = middle
    else:
      high = middle
  masks = union_at(low)
  if size(masks) > budget:
    raise ValueError(f"--max_vocab {budget} is smaller than the special tokens and one token per language")
  return masks


def select(totals: Mapping[str, LanguageTotals], original_vocab: Sequence[str], rule: SelectionRule) -> Selection:
  """Applies `rule` to every language's counts and builds the new vocab."""
  special = np.fromiter((is_special_token(token) for token in original_vocab), bool, len(original_vocab))
  missing = [token for token in REQUIRED_SPECIAL_TOKENS if token not in original_vocab]
  if missing:
    raise ValueError(f"the original vocab lacks the special tokens {missing}")
  kept = {language: candidates(language_totals, rule) & ~special for language, language_totals in totals.items()}
  if rule.max_vocab is not None:
    kept = _fit_budget(kept, totals, special, rule.max_vocab)
  union = special.copy()
  for mask in kept.values():
    union |= mask
  # Special tokens keep their ids, so they go first in original order, then the rest in original order.
  special_ids = np.flatnonzero(special)
  if special_ids.size and special_ids[-1] != special_ids.size - 1:
    raise ValueError("the original vocab's bracketed special tokens are not its first ids; "
                     "they could not keep their ids in a smaller vocab")
  original_ids = np.flatnonzero(union)
  per_language = {}
  for language, mask in kept.items():
    counts = totals[language].token_counts
    total = int(counts.sum())
    covered = int(counts[union].sum())
    per_language[language] = {
        "tokens_kept": int(mask.sum()),
        "tokens_seen": int((counts > 0).sum()),
        "lines": totals[language].lines,
        "occurrences": total,
        "coverage": covered / total if total else 0.0,
        "min_lines": (min_lines_for(rule.min_line_fraction, totals[language].lines)
                      if rule.min_line_fraction is not None else None),
    }
  return Selection([original_vocab[i] for i in original_ids], original_ids, per_language, rule, len(original_vocab))


def selection_report(selection: Selection) -> dict:
  return {
      "rule": dataclasses.asdict(selection.rule),
      "rule_text": selection.rule.describe(),
      "vocab_size": len(selection.vocab),
      "original_vocab_size": selection.original_vocab_size,
      "parameters": selection.parameters,
      "languages": selection.per_language,
  }


def selection_markdown(selection: Selection) -> str:
  parameters = selection.parameters
  lines = [
      "# Vocab selection", "",
      f"Rule: {selection.rule.describe()}.", "",
      "| language | lines | tokens seen | tokens kept | coverage of occurrences |",
      "| --- | ---: | ---: | ---: | ---: |",
  ]
  for language, info in sorted(selection.per_language.items()):
    lines.append(f"| {language} | {info['lines']:,} | {info['tokens_seen']:,} | {info['tokens_kept']:,} | "
                 f"{info['coverage']:.4%} |")
  lines += [
      "", f"Vocab: {len(selection.vocab):,} of {selection.original_vocab_size:,} tokens "
      f"({len(selection.vocab) / selection.original_vocab_size:.1%}).", "",
      f"Parameters at LaBSE's size (hidden {HIDDEN_SIZE}, 12 layers):", "",
      parameter_table(parameters), "",
  ]
  return "\n".join(lines)


def parameter_table(parameters: Mapping[str, Mapping[str, int]]) -> str:
  """The original README's parameter table, one row per model."""
  rows = ["| model | #param(transformer) | #param(word embedding) | #param(model) | vocab size |",
          "| --- | ---: | ---: | ---: | ---: |"]
  for name, p in parameters.items():
    rows.append(f"| {name} | {p['transformer'] / 1e6:.1f}M | {p['word_embedding'] / 1e6:.1f}M | "
                f"{p['model'] / 1e6:.1f}M | {p['vocab_size']:,} |")
  return "\n".join(rows)


def write_selection(selection: Selection, output: str) -> None:
  outputs.write_text(outputs.join(output, "vocab.txt"), "".join(token + "\n" for token in selection.vocab))
  outputs.write_text(outputs.join(output, "selection.json"), json.dumps(selection_report(selection), indent=2) + "\n")
  outputs.write_text(outputs.join(output, "selection.md"), selection_markdown(selection))


def add_rule_arguments(parser: argparse.ArgumentParser) -> None:
  group = parser.add_argument_group("selection rules")
  group.add_argument("--min_line_fraction", default=DEFAULT_MIN_LINE_FRACTION,
                     help="keep a token found in at least this fraction of a language's lines "
                          "(default %(default)s = 0.005%%, the original smaller-LaBSE's rule); 'none' to disable")
  group.add_argument("--min_count", type=int, help="keep a token found at least this many times")
  group.add_argument("--coverage", type=float,
                     help="keep a language's most frequent tokens until they cover this share of its occurrences")
  group.add_argument("--max_vocab", type=int, help="cap the vocab size, giving every language the same coverage")


def rule_from_arguments(args: argparse.Namespace) -> SelectionRule:
  fraction = None if str(args.min_line_fraction).lower() == "none" else str(args.min_line_fraction)
  if fraction is not None and not 0 <= fractions.Fraction(fraction) <= 1:
    raise ValueError(f"--min_line_fraction must be between 0 and 1, got {fraction}")
  if args.coverage is not None and not 0 < args.coverage <= 1:
    raise ValueError(f"--coverage must be in (0, 1], got {args.coverage}")
  return SelectionRule(fraction, args.min_count, args.coverage, args.max_vocab)


def main(argv: list[str] | None = None) -> None:
  parser = argparse.ArgumentParser(prog="python -m pipelines.select", description=__doc__.split("\n\n")[0])
  parser.add_argument("--counts", required=True, help="output directory of a pipelines.select_vocab run")
  parser.add_argument("--output", help="where to write vocab.txt and selection.*; default: --counts")
  add_rule_arguments(parser)
  args = parser.parse_args(argv)
  rule = rule_from_arguments(args)
  original_vocab, totals = outputs.read_counts(args.counts)
  selection = select(totals, original_vocab, rule)
  write_selection(selection, args.output or args.counts)
  print(selection_markdown(selection))


if __name__ == "__main__":
  main(sys.argv[1:])
