"""A selection rule: what the options say, checked once, for the pipeline and `smaller-labse select` alike."""

from __future__ import annotations

import dataclasses
import fractions
import math

PUBLISHED_VOCAB_SIZE = 173_347  # The published smaller-LaBSE (15 languages).
# The default bar, in lines per million: a token is kept for a language when its line share there, weighted by
# max(SPECIFICITY_FLOOR, specificity ** SPECIFICITY_EXPONENT), reaches it. It is the bar at which the original smaller-LaBSE's own
# counts (16 wikis, ../shared/data/seed-counts) fill exactly the published 173,347 tokens, so for the seed's
# languages the default is the published size; for any other set it asks the same of every language, and the
# vocab grows or shrinks with the languages chosen (one language: a few tens of thousands of tokens).
PUBLISHED_BAR_LINES_PER_MILLION = 47.60564
# Filled to the published size: for a few languages the bar alone keeps much less than a model can afford.
ORIGINAL_MIN_LINE_FRACTION = "0.00005"  # The original smaller-LaBSE: 0.005% of a language's lines.
ORIGINAL_MAX_LINES_PER_LANGUAGE = 1_000_000
PRESETS = ("original",)
BUDGET_SOURCES = ("samples", "counts")
# How much a token's ranking in a language depends on that language being the one that uses it
# (0: line share alone). On the seed's counts every exponent from 0.25 to 0.6 beats the published
# vocab on Tatoeba and FLORES, in total and in the worst language; 0.4 is the middle of that band.
SPECIFICITY_EXPONENT = 0.4
# The least a token's specificity weight can be: a token that many languages use alike (a product or project
# name, an acronym, a number, a technical word) keeps at least this share of its line share in each of them,
# rather than k ** -0.4 of it (0.33 for 16 languages), so it is credited for being used everywhere instead of
# ranked down everywhere. The floor makes the vocab the union of two rankings given the same number of tokens:
# by line share alone (what is common in any language's text) and by line share weighted by specificity (each
# language's own words). On the seed's counts, each ranking's first 171,352 tokens make the published 173,347
# together, at bars of 61.00 and 47.61 lines per million: this is their ratio.
SPECIFICITY_FLOOR = 0.78


class SelectionError(ValueError):
  """A rule that cannot be applied to these counts (named, for a one-line error)."""


@dataclasses.dataclass(frozen=True)
class SelectionRule:
  min_line_fraction: str | None = None  # Decimal string, exact: "0.00005".
  min_count: int | None = None
  coverage: float | None = None
  max_vocab: int | None = None
  target_preservation: float | None = None
  preset: str | None = None
  specificity: float = SPECIFICITY_EXPONENT  # Exponent of specificity in the counts-only score.
  specificity_floor: float = SPECIFICITY_FLOOR  # The least the specificity weight can be.
  budget_by: str | None = None  # "samples" or "counts"; None: samples when every language has one.
  min_lines_per_million: float | None = None  # The bar on line share x specificity ** exponent.
  fill_to: int | None = None  # With the bar: add tokens as max_vocab would while the vocab is smaller.

  def __post_init__(self):
    if self.min_line_fraction is not None and not 0 <= fractions.Fraction(self.min_line_fraction) <= 1:
      raise SelectionError(f"--min_line_fraction must be between 0 and 1, got {self.min_line_fraction}")
    if self.min_count is not None and self.min_count < 1:
      raise SelectionError(f"--min_count must be at least 1, got {self.min_count}")
    if self.coverage is not None and not 0 < self.coverage <= 1:
      raise SelectionError(f"--coverage must be in (0, 1], got {self.coverage}")
    if self.max_vocab is not None and self.max_vocab < 1:
      raise SelectionError(f"--max_vocab must be positive, got {self.max_vocab}")
    if self.target_preservation is not None and not 0 < self.target_preservation <= 1:
      raise SelectionError(f"--target_preservation must be in (0, 1], got {self.target_preservation}")
    if self.budget_by not in (None, *BUDGET_SOURCES):
      raise SelectionError(f"--budget_by must be one of {', '.join(BUDGET_SOURCES)}, got {self.budget_by}")
    if not (math.isfinite(self.specificity) and self.specificity >= 0):
      raise SelectionError(f"--specificity must be a number at least 0, got {self.specificity}")
    if not 0 <= self.specificity_floor <= 1:
      raise SelectionError(f"--specificity_floor must be between 0 and 1, got {self.specificity_floor}")
    if self.min_lines_per_million is not None:
      if not (math.isfinite(self.min_lines_per_million) and 0 < self.min_lines_per_million <= 1e6):
        raise SelectionError(f"--min_lines_per_million must be in (0, 1000000], got {self.min_lines_per_million}")
      if self.max_vocab is not None or self.target_preservation is not None:
        raise SelectionError("--min_lines_per_million is a bar, --max_vocab a size and --target_preservation a "
                             "share: give one of them (--fill_to N fills a bar up to N tokens)")
    if self.fill_to is not None and (self.min_lines_per_million is None or self.fill_to < 1):
      raise SelectionError("--fill_to N goes with --min_lines_per_million, and N must be positive")

  @classmethod
  def default(cls) -> "SelectionRule":
    """The published vocab's bar in every language: on the seed's 16 wikis, exactly its 173,347 tokens."""
    return cls(min_lines_per_million=PUBLISHED_BAR_LINES_PER_MILLION, fill_to=PUBLISHED_VOCAB_SIZE)

  def is_default(self) -> bool:
    """Whether this is the default's bar and fill (whatever its --specificity, --specificity_floor and --budget_by)."""
    return dataclasses.replace(self, specificity=SPECIFICITY_EXPONENT, specificity_floor=SPECIFICITY_FLOOR,
                               budget_by=None) == SelectionRule.default()

  @classmethod
  def original(cls) -> "SelectionRule":
    """The original smaller-LaBSE's rule: tokens in at least 0.005% of a language's lines."""
    return cls(min_line_fraction=ORIGINAL_MIN_LINE_FRACTION, max_vocab=None, preset="original")

  def filters(self) -> dict[str, str]:
    """The per-language filters given, by option name, described."""
    described = {}
    if self.min_line_fraction is not None:
      described["min_line_fraction"] = f"in at least {float(self.min_line_fraction):.6%} of a language's lines"
    if self.min_count is not None:
      described["min_count"] = f"at least {self.min_count:,} occurrences"
    if self.coverage is not None:
      described["coverage"] = f"among the most frequent tokens covering {self.coverage:.4%} of a language's occurrences"
    return described

  def weight_text(self) -> str:
    """The specificity weight, as the reports write it."""
    weight = f"specificity ** {self.specificity:g}"
    return f"max({self.specificity_floor:g}, {weight})" if 0 < self.specificity_floor < 1 else weight

  def describe(self) -> str:
    parts = list(self.filters().values())
    if self.target_preservation is not None:
      parts.append(f"the smallest vocab preserving at least {self.target_preservation:.2%} of each language's "
                   "sample sentences")
    if self.max_vocab is not None:
      spent = "by counts" if self.budget_by == "counts" else "on sentences"
      parts.append(f"at most {self.max_vocab:,} tokens, spent {spent}")
    if self.min_lines_per_million is not None:
      parts.append(f"tokens whose line share x {self.weight_text()} reaches "
                   f"{self.min_lines_per_million:g} lines per million in a language"
                   + (f", filled to {self.fill_to:,} tokens" if self.fill_to else "")
                   + (" (the default: the published vocab's bar and size)" if self == SelectionRule.default() else ""))
    text = "; ".join(parts) or "every token seen"
    return f"{text} (preset {self.preset})" if self.preset else text
