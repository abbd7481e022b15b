"""Vocab selection: which of the original tokens the smaller model keeps.

    smaller-labse select --counts RUN_DIR --output DIR [--languages en,fr,...]   (or python -m pipelines.selection)
        [--min_lines_per_million X [--fill_to N] | --max_vocab N | --target_preservation P]
        [--sample_text LANG=PATH ...]
        [--min_count N] [--min_line_fraction F] [--coverage C] [--preset original]

A sentence keeps its exact embedding only when every token of its original tokenization is kept,
so selection aims at sentences. Each language keeps a prefix of a ranking of its tokens, and the
vocab is the union over languages (plus the special tokens).

- Filters, per language, a token must pass each one given: `min_count` (occurrences),
  `min_line_fraction` (share of the language's lines it occurs in; the original smaller-LaBSE's rule
  was 0.005% of 1M lines, `--preset original`), `coverage` (the most frequent tokens until they
  cover this share of the language's occurrences).
- `max_vocab N` spends N tokens on sentences. With sentence samples (a pipeline run keeps them;
  `--sample_text` brings your own), each language ranks its tokens by count, the preserved share of
  its sample is measured for every prefix, and every language gets the same share, the highest whose
  union fits (the worst language first; what is left over goes by score, below). From counts alone
  (no sample), one shared threshold on the score: a token's line share in the language (the share of
  its lines the token occurs in) weighted by how specific the token is to that language.
- `target_preservation P`: the smallest prefixes whose sample preservation is at least P in every
  language, plus one standard error of the sample's share so that it holds on new text (needs samples).
- `min_lines_per_million X`: the same bar on that score in every language, whatever the languages;
  with `fill_to N`, tokens are then added as `max_vocab N` would add them while the vocab is smaller.
- With no rule at all: the published vocab's bar, filled to the published size
  (`min_lines_per_million` 42.70274, `fill_to` 173,347). The bar is the one at which the original
  smaller-LaBSE's own counts fill exactly its 173,347 tokens, so on its languages the default is the
  published vocab's size. A size alone means nothing outside the 15 languages it was chosen for: 109
  languages share it at about 1,600 tokens each. The bar asks of every language what the published
  vocab asked of each of its 15, so the vocab grows with the languages chosen (line shares do not
  change as a corpus grows, so neither does the bar's cut). For a few languages the bar alone keeps
  little (Japanese alone: 11,879 tokens, 53.8% of FLORES dev preserved), so the published size is
  filled as a budget would fill it (Japanese alone: every token its 1M Wikipedia lines use, 67,723,
  99.2%). `benchmarks/selection_sets.py` measures it for sets from one language to all.

Worst language rather than total when sentences are measured: a language's sentences are only
preserved when its long tail is, and a budget spent on the total goes to the languages that are
cheapest to finish; on a 600-token budget over the bundled samples it left Japanese at 0%, and with
half of FLORES as samples at 173,347 tokens it left Portuguese at 1%.

Specificity, from counts alone: a token that many languages' text uses (names, numbers, loanwords,
citation markup) is kept for whichever language needs it most, while a token only one language uses
is that language's own grammar and words, and comes back in any text of it. Wikipedia is not the
text a user fine-tunes on: its Polish has few first- and second-person verbs, its Japanese few polite
endings, and these are exactly the rarer language-specific tokens. Weighting the line share by
specificity ** 0.4 keeps them at the cost of shared ones, and beat the published vocab on both
Tatoeba and FLORES, in total and in the worst language, where one threshold on frequency or count
alone did not (docs/selection.md).

Every bracketed special token of the original vocab keeps its original id (the preprocess graph
has the ids of [PAD], [UNK], [CLS], [SEP], [MASK] baked in); the other kept tokens follow in
original id order, so a smaller vocab is a subsequence of the original.
"""

from __future__ import annotations

import argparse
import dataclasses
import fractions
import json
import logging
import math
import sys
from typing import Mapping, Sequence

import numpy as np

from pipelines import cli, outputs
from pipelines.counting import LanguageCounts
from pipelines.sampling import Sample
from pipelines.vocab import REQUIRED_SPECIAL_TOKENS, is_special_token

HIDDEN_SIZE = 768  # LaBSE's width, for parameter counts.
PUBLISHED_VOCAB_SIZE = 173_347  # The published smaller-LaBSE (15 languages).
# The default bar, in lines per million: a token is kept for a language when its line share there, weighted by
# its specificity ** SPECIFICITY_EXPONENT, reaches it. It is the bar at which the original smaller-LaBSE's own
# counts (16 wikis, ../shared/data/seed-counts) fill exactly the published 173,347 tokens, so for the seed's
# languages the default is the published size; for any other set it asks the same of every language, and the
# vocab grows or shrinks with the languages chosen (one language: a few tens of thousands of tokens).
PUBLISHED_BAR_LINES_PER_MILLION = 42.70274
# Filled to the published size: for a few languages the bar alone keeps much less than a model can afford.
ORIGINAL_MIN_LINE_FRACTION = "0.00005"  # The original smaller-LaBSE: 0.005% of a language's lines.
ORIGINAL_MAX_LINES_PER_LANGUAGE = 1_000_000
PRESETS = ("original",)
BUDGET_SOURCES = ("samples", "counts")
# How much a token's ranking in a language depends on that language being the one that uses it
# (0: line share alone). On the seed's counts every exponent from 0.25 to 0.6 beats the published
# vocab on Tatoeba and FLORES, in total and in the worst language; 0.4 is the middle of that band.
SPECIFICITY_EXPONENT = 0.4
_NEVER = np.iinfo(np.int64).max  # Rank of a token a language's prefix never reaches.

logger = logging.getLogger(__name__)


class SelectionError(ValueError):
  """A rule that cannot be applied to these counts (named, for a one-line error)."""


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
  min_line_fraction: str | None = None  # Decimal string, exact: "0.00005".
  min_count: int | None = None
  coverage: float | None = None
  max_vocab: int | None = None
  target_preservation: float | None = None
  preset: str | None = None
  specificity: float = SPECIFICITY_EXPONENT  # Exponent of specificity in the counts-only score.
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
    """Whether this is the default's bar and fill (whatever its --specificity and --budget_by)."""
    return dataclasses.replace(self, specificity=SPECIFICITY_EXPONENT, budget_by=None) == SelectionRule.default()

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

  def describe(self) -> str:
    parts = list(self.filters().values())
    if self.target_preservation is not None:
      parts.append(f"the smallest vocab preserving at least {self.target_preservation:.2%} of each language's "
                   "sample sentences")
    if self.max_vocab is not None:
      spent = "by counts" if self.budget_by == "counts" else "on sentences"
      parts.append(f"at most {self.max_vocab:,} tokens, spent {spent}")
    if self.min_lines_per_million is not None:
      parts.append(f"tokens whose line share x specificity ** {self.specificity:g} reaches "
                   f"{self.min_lines_per_million:g} lines per million in a language"
                   + (f", filled to {self.fill_to:,} tokens" if self.fill_to else "")
                   + (" (the default: the published vocab's bar and size)" if self == SelectionRule.default() else ""))
    text = "; ".join(parts) or "every token seen"
    return f"{text} (preset {self.preset})" if self.preset else text


@dataclasses.dataclass
class Selection:
  vocab: list[str]  # The new vocab, in new id order.
  original_ids: np.ndarray  # original_ids[new_id] = original id.
  per_language: dict[str, dict]
  rule: SelectionRule
  original_vocab_size: int
  estimate: str  # "samples", "counts" or "none": what the budget or target was measured on.
  warnings: list[str]

  @property
  def parameters(self) -> dict[str, dict[str, int]]:
    return {"original": labse_parameters(self.original_vocab_size), "smaller": labse_parameters(len(self.vocab))}


def min_lines_for(fraction: str, lines: int) -> int:
  """Lines a token must occur in: ceil(fraction x lines), computed exactly (0.00005 x 1M = 50)."""
  return max(1, math.ceil(fractions.Fraction(fraction) * lines))


def ranking(scores: np.ndarray, eligible: np.ndarray) -> np.ndarray:
  """Eligible token ids with a positive score (a count, a share), highest first, ties by id."""
  ids = np.flatnonzero(eligible & (scores > 0))
  return ids[np.lexsort((ids, -scores[ids]))]


def token_scores(counts: Mapping[str, LanguageCounts],
                 exponent: float = SPECIFICITY_EXPONENT) -> dict[str, np.ndarray]:
  """Each language's score for every token: its line share, weighted by how specific it is to the language.

  The line share is the share of the language's lines the token occurs in (the original rule's
  measure: it does not change as the corpus grows). Specificity is that share over the sum of the
  token's line shares in all the languages selected for: 1 for a token only this language uses,
  1/k for one that k languages use alike. Score = line share x specificity ** exponent.
  """
  shares = {language: language_counts.line_counts / max(int(language_counts.stats.get("lines", 0)), 1)
            for language, language_counts in counts.items()}
  total = sum(shares.values())
  used = total > 0
  scores = {}
  for language, share in shares.items():
    score = np.zeros(share.size)
    score[used] = share[used] * (share[used] / total[used]) ** exponent
    scores[language] = score
  return scores


def filter_masks(counts: LanguageCounts, rule: SelectionRule) -> dict[str, np.ndarray]:
  """Each filter's pass mask for one language, by option name."""
  token_counts = counts.token_counts
  masks = {}
  if rule.min_line_fraction is not None:
    masks["min_line_fraction"] = counts.line_counts >= min_lines_for(rule.min_line_fraction, counts.stats["lines"])
  if rule.min_count is not None:
    masks["min_count"] = token_counts >= rule.min_count
  if rule.coverage is not None:
    order = ranking(token_counts, np.ones(token_counts.size, bool))
    cumulative = np.cumsum(token_counts[order])
    mask = np.zeros(token_counts.size, bool)
    if cumulative.size:
      mask[order[:int(np.searchsorted(cumulative, rule.coverage * cumulative[-1], side="left")) + 1]] = True
    masks["coverage"] = mask
  return masks


class _LanguagePlan:
  """One language's ranked candidates and the prefix of them it keeps."""

  def __init__(self, counts: LanguageCounts, scores: np.ndarray, candidates: np.ndarray, special: np.ndarray):
    self.counts = counts
    self.scores = scores
    self.order = ranking(counts.token_counts, candidates & ~special)
    self.rank = np.full(candidates.size, _NEVER, np.int64)
    self.rank[self.order] = np.arange(self.order.size)
    self.rank[special] = -1  # Always kept.
    self.kept = self.order.size  # Prefix length; a target or budget may shorten it.


def preservation_curve(sample: Sample, plan: _LanguagePlan) -> tuple[np.ndarray, np.ndarray]:
  """(prefix sizes, sample sentences its own prefix of that size preserves) at every step of the curve.

  A sentence is preserved by a prefix longer than the highest rank among its tokens; sentences
  holding a token the language never ranks (filtered out, or never counted) are never reached.
  """
  needs = sample.needs(plan.rank)
  reachable = np.sort(needs[needs != _NEVER])
  always = int((reachable < 0).sum())
  sizes = np.unique(reachable[reachable >= 0] + 1)
  preserved = np.searchsorted(reachable, sizes - 1, side="right")
  return np.concatenate([[0], sizes]), np.concatenate([[always], preserved])


def _spend_on_samples(plans: Mapping[str, _LanguagePlan], samples: Mapping[str, Sample], union: np.ndarray,
                      budget: int) -> None:
  """Every language the same preserved share of its sample, the highest whose union fits.

  Each token gets the share at which it enters: the lowest share for which some language's prefix
  (its shortest prefix preserving that share of its sample) reaches the token. Tokens are kept in
  that order, ties and tokens no prefix reaches by score, so a larger budget keeps a superset.
  A prefix is found on the language's own ranking, so the union, which also holds other languages'
  tokens, preserves at least that share.
  """
  entry = np.full(union.size, np.inf)
  for language, plan in plans.items():
    sizes, preserved = preservation_curve(samples[language], plan)
    shares = preserved / len(samples[language])
    step = np.searchsorted(sizes, np.arange(plan.order.size), side="right")  # First step whose prefix holds it.
    reached = step < sizes.size
    entry[plan.order[reached]] = np.minimum(entry[plan.order[reached]], shares[step[reached] - 1])
  best = _best_scores(plans, union.size)
  ids = np.flatnonzero(((best > 0) | np.isfinite(entry)) & ~union)
  _keep_first(union, ids[np.lexsort((ids, -best[ids], entry[ids]))], budget)


def _keep_first(union: np.ndarray, ranked: np.ndarray, budget: int) -> np.ndarray:
  """Adds the first of `ranked` to `union` until it holds `budget` tokens; returns those added."""
  chosen = ranked[:max(budget - int(union.sum()), 0)]
  union[chosen] = True
  return chosen


def _best_scores(plans: Mapping[str, _LanguagePlan], size: int) -> np.ndarray:
  """Each candidate's highest score over the languages that rank it (0 for the others)."""
  best = np.zeros(size)
  for plan in plans.values():
    best[plan.order] = np.maximum(best[plan.order], plan.scores[plan.order])
  return best


def _spend_on_scores(plans: Mapping[str, _LanguagePlan], union: np.ndarray, budget: int) -> float | None:
  """Fills the budget by one shared threshold on the languages' scores; returns the threshold."""
  best = _best_scores(plans, union.size)
  chosen = _keep_first(union, ranking(best, ~union), budget)
  return float(best[chosen].min()) if chosen.size else None


def _spend(plans: Mapping[str, _LanguagePlan], samples: Mapping[str, Sample], union: np.ndarray, budget: int,
           source: str) -> float | None:
  """Fills `union` up to `budget` tokens from `source` ("samples" or "counts"); returns the score threshold
  a fill by counts reached (None by samples)."""
  if source == "samples":
    _spend_on_samples(plans, samples, union, budget)
    return None
  return _spend_on_scores(plans, union, budget)


def _meet_target(plans: Mapping[str, _LanguagePlan], samples: Mapping[str, Sample], target: float,
                 warnings: list[str]) -> None:
  """Each language's shortest prefix preserving `target` of its sample, plus one standard error.

  The cut is where the sample first reaches the target, so on other text of the same kind it
  falls short about half the time; one standard error of the sample's share (1.3 points for 500
  sentences at 90%) makes it hold on new text most of the time.
  """
  for language, plan in plans.items():
    sentences = len(samples[language])
    needed = min(1.0, target + math.sqrt(target * (1 - target) / sentences))
    sizes, preserved = preservation_curve(samples[language], plan)
    reached = np.flatnonzero(preserved >= needed * sentences - 1e-9)
    shares = preserved / sentences
    if reached.size:
      plan.kept = int(sizes[reached[0]])
    else:
      warnings.append(f"{language}: at most {shares[-1]:.2%} of its sample is reachable with these filters "
                      f"(its other sentences hold tokens the filters drop or the counts never saw); kept all candidates")


def select(counts: Mapping[str, LanguageCounts], original_vocab: Sequence[str], rule: SelectionRule,
           samples: Mapping[str, Sample] | None = None) -> Selection:
  """Applies `rule` to every language's counts (and samples) and builds the new vocab."""
  samples = dict(samples or {})
  size = len(original_vocab)
  special = np.fromiter((is_special_token(token) for token in original_vocab), bool, size)
  missing = [token for token in REQUIRED_SPECIAL_TOKENS if token not in original_vocab]
  if missing:
    raise SelectionError(f"the original vocab lacks the special tokens {missing}")
  special_ids = np.flatnonzero(special)
  if special_ids.size and special_ids[-1] != special_ids.size - 1:
    raise SelectionError("the original vocab's bracketed special tokens are not its first ids; "
                         "they could not keep their ids in a smaller vocab")
  if not counts:
    raise SelectionError("no language to select for")
  warnings: list[str] = []

  filters = {language: filter_masks(language_counts, rule) for language, language_counts in counts.items()}
  scores = token_scores(counts, rule.specificity)
  plans = {}
  for language, language_counts in counts.items():
    candidates = np.ones(size, bool)
    for mask in filters[language].values():
      candidates &= mask
    plans[language] = _LanguagePlan(language_counts, scores[language], candidates, special)
  for name, text in rule.filters().items():
    seen_removed = sum(int(((c.token_counts > 0) & ~special & ~filters[l][name]).sum()) for l, c in counts.items())
    if not seen_removed:
      warnings.append(f"--{name} ({text}) changed nothing: every token seen passes it")

  needs_samples = rule.target_preservation is not None
  unsampled = [language for language in counts if language not in samples or not len(samples[language])]
  if unsampled and (needs_samples or rule.budget_by == "samples"):
    option = "--target_preservation" if needs_samples else "--budget_by samples"
    raise SelectionError(f"{option} measures sentences, and {', '.join(sorted(unsampled))} "
                         "has no sample: give --sample_text LANG=PATH for it (or leave it out with --languages)")
  budget_source = "counts" if unsampled or rule.budget_by == "counts" else "samples"
  if unsampled and len(unsampled) < len(counts) and rule.max_vocab is not None:
    warnings.append(f"no sample for {', '.join(sorted(unsampled))}: the budget was spent by score in every "
                    "language, the samples only measured")

  bound_by_budget = False
  if rule.target_preservation is not None:
    _meet_target(plans, samples, rule.target_preservation, warnings)
  union = special.copy()
  for plan in plans.values():
    union[plan.order[:plan.kept]] = True
  threshold = None
  if rule.max_vocab is not None:
    if int(union.sum()) <= rule.max_vocab:
      if rule.target_preservation is None:
        warnings.append(f"--max_vocab {rule.max_vocab:,} changed nothing: the other rules keep "
                        f"{int(union.sum()):,} tokens")
    else:
      bound_by_budget = True
      if rule.target_preservation is not None:
        warnings.append(f"--target_preservation needs {int(union.sum()):,} tokens, more than --max_vocab "
                        f"{rule.max_vocab:,}: the budget bound instead")
      if int(special.sum()) + len(plans) > rule.max_vocab:
        raise SelectionError(f"--max_vocab {rule.max_vocab} is smaller than the {int(special.sum())} special tokens "
                             "and one token per language")
      union = special.copy()
      threshold = _spend(plans, samples, union, rule.max_vocab, budget_source)
  bound_by_bar, filled = rule.min_lines_per_million is not None, False
  if bound_by_bar:
    threshold = rule.min_lines_per_million / 1e6
    union = special | (_best_scores(plans, size) >= threshold)
    if rule.fill_to is not None and int(union.sum()) < rule.fill_to:
      before = int(union.sum())
      threshold = _spend(plans, samples, union, rule.fill_to, budget_source) or threshold
      filled = int(union.sum()) > before
      if filled and not rule.is_default():  # The default's fill is its design: said in the report, not warned.
        warnings.append(f"the bar kept {before:,} tokens; filled to {int(union.sum()):,} "
                        f"(--fill_to {rule.fill_to:,}) by " + ("sample preservation" if budget_source == "samples"
                                                               else "the same score"))
  if bound_by_budget or bound_by_bar:
    estimate = "counts" if bound_by_bar else budget_source  # A fill by samples is said in the warnings.
  else:  # A target alone was measured on the samples; filters alone (or nothing) measured nothing.
    estimate = "samples" if rule.target_preservation is not None else "none"
  if not bound_by_budget:
    unused = ([f"--specificity {rule.specificity:g}"] if rule.specificity != SPECIFICITY_EXPONENT and not bound_by_bar
              else [])
    unused += [f"--budget_by {rule.budget_by}"] if rule.budget_by and not filled else []
    warnings += [f"{option} changed nothing: it says how a budget is spent, and none was spent" for option in unused]

  original_ids = np.flatnonzero(union)
  per_language = {}
  for language, plan in plans.items():
    language_counts = plan.counts.token_counts
    total = int(language_counts.sum())
    seen = (language_counts > 0) & ~special
    kept_own = union & seen
    removed_by = {name: int((seen & ~mask).sum()) for name, mask in filters[language].items()}
    if bound_by_budget and int((union[plan.order]).sum()) < plan.order.size:
      bound = "max_vocab"
    elif bound_by_bar and int((union[plan.order]).sum()) < plan.order.size:
      bound = "min_lines_per_million"
    elif rule.target_preservation is not None and plan.kept < plan.order.size:
      bound = "target_preservation"
    else:
      bound = ", ".join(name for name, removed in removed_by.items() if removed) or "nothing (every token seen)"
    sample = samples.get(language)
    per_language[language] = {
        "lines": int(plan.counts.stats.get("lines", 0)),
        "occurrences": total,
        "tokens_seen": int(seen.sum()),
        "candidates": int(plan.order.size),
        "tokens_kept": int(kept_own.sum()),
        "coverage": float(language_counts[union].sum() / total) if total else 0.0,
        "sample_sentences": len(sample) if sample is not None else 0,
        "sample_preserved": (sample.preserved(union) / len(sample)) if sample is not None and len(sample) else None,
        "removed_by": removed_by,
        "bound_by": bound,
        "min_lines": (min_lines_for(rule.min_line_fraction, int(plan.counts.stats.get("lines", 0)))
                      if rule.min_line_fraction is not None else None),
    }
  if threshold is not None:
    for info in per_language.values():
      info["score_threshold"] = threshold
      info["min_lines_alone"] = math.ceil(threshold * info["lines"] - 1e-9)
  return Selection([original_vocab[i] for i in original_ids], original_ids, per_language, rule, size, estimate,
                   warnings)


def selection_report(selection: Selection) -> dict:
  return {
      "rule": dataclasses.asdict(selection.rule),
      "rule_text": selection.rule.describe(),
      "estimate": selection.estimate,
      "vocab_size": len(selection.vocab),
      "original_vocab_size": selection.original_vocab_size,
      "parameters": selection.parameters,
      "languages": selection.per_language,
      "warnings": selection.warnings,
  }


def selection_markdown(selection: Selection) -> str:
  lines = ["# Vocab selection", "", f"Rule: {selection.rule.describe()}.", ""]
  measured = {"samples": "Budget or target measured on sentence samples (the share of each language's sample "
                         "sentences whose every token is kept); with a budget, every language the same share.",
              "counts": "{why}: the budget went to one shared threshold on each token's line share in a language "
                        "weighted by its specificity to that language (specificity ** {exponent}){threshold}.",
              "none": ""}[selection.estimate]
  threshold = next((info.get("score_threshold") for info in selection.per_language.values()), None)
  exponent = f"{selection.rule.specificity:g}"
  if selection.rule.min_lines_per_million is not None:
    why = ("The published vocab's bar, the default (on the original smaller-LaBSE's counts it keeps exactly the "
           f"published {PUBLISHED_VOCAB_SIZE:,} tokens; the vocab grows and shrinks with the languages chosen)"
           if selection.rule == SelectionRule.default() else "By --min_lines_per_million")
    measured = measured.replace("the budget went to one shared threshold", "one threshold")
  elif selection.rule.budget_by == "counts":
    why = "By counts (--budget_by counts)"
  else:
    why = "No sentence sample for every language"
  measured = measured.format(why=why, exponent=exponent, threshold=(
      f": a token only one language uses is kept when it is in at least {threshold * 1e6:,.3g} of every "
      "million of that language's lines (`min_lines_alone`); one that k languages use alike needs "
      f"k ** {exponent} times that" if threshold else ""))
  if measured:
    lines += [measured, ""]
  lines += ["| language | lines | tokens seen | kept for it | coverage of occurrences | sample sentences "
            "| sample preserved | bound by |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
  for language, info in sorted(selection.per_language.items()):
    preserved = "" if info["sample_preserved"] is None else f"{info['sample_preserved']:.2%}"
    lines.append(f"| {language} | {info['lines']:,} | {info['tokens_seen']:,} | {info['tokens_kept']:,} | "
                 f"{info['coverage']:.4%} | {info['sample_sentences']:,} | {preserved} | {info['bound_by']} |")
  samples = [info for info in selection.per_language.values() if info["sample_preserved"] is not None]
  if samples:
    total = sum(info["sample_preserved"] * info["sample_sentences"] for info in samples)
    lines.append(f"| all | | | | | {sum(i['sample_sentences'] for i in samples):,} | "
                 f"{total / max(sum(i['sample_sentences'] for i in samples), 1):.2%} | |")
  if selection.warnings:
    lines += ["", "Warnings:", ""] + [f"- {warning}" for warning in selection.warnings]
  lines += [
      "", f"Vocab: {len(selection.vocab):,} of {selection.original_vocab_size:,} tokens "
      f"({len(selection.vocab) / selection.original_vocab_size:.1%}).", "",
      f"Parameters at LaBSE's size (hidden {HIDDEN_SIZE}, 12 layers):", "",
      parameter_table(selection.parameters), "",
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


# Command line.

def _fraction(text: str) -> str:
  """An exact decimal fraction (kept as text: 0.00005 x 1M must be 50, not 50.000000000000004)."""
  if text.lower() == "none":
    return "none"
  try:
    value = fractions.Fraction(text)
  except (ValueError, ZeroDivisionError):
    raise argparse.ArgumentTypeError(f"expected a decimal fraction such as 0.00005 (or none), got {text!r}") from None
  if not 0 <= value <= 1:
    raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
  return text


def _positive_int(text: str) -> int:
  try:
    value = int(text.replace("_", "").replace(",", ""))
  except ValueError:
    raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
  if value < 1:
    raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
  return value


def _share(text: str) -> float:
  percent = text.endswith("%")
  try:
    value = float(text[:-1]) / 100 if percent else float(text)
  except ValueError:
    raise argparse.ArgumentTypeError(f"expected a share such as 0.99 or 99%, got {text!r}") from None
  if not 0 < value <= 1:
    raise argparse.ArgumentTypeError(f"must be in (0, 1] (or 0-100%), got {text}")
  return value


def _lines_per_million(text: str) -> float:
  try:
    value = float(text.replace(",", ""))
  except ValueError:
    raise argparse.ArgumentTypeError(f"expected lines per million such as 42.7, got {text!r}") from None
  if not (math.isfinite(value) and 0 < value <= 1e6):
    raise argparse.ArgumentTypeError(f"must be in (0, 1000000], got {text}")
  return value


def _specificity(text: str) -> float:
  try:
    value = float(text)
  except ValueError:
    raise argparse.ArgumentTypeError(f"expected an exponent such as 0.4, got {text!r}") from None
  if not (math.isfinite(value) and value >= 0):
    raise argparse.ArgumentTypeError(f"must be a number at least 0, got {text}")
  return value


def add_rule_arguments(parser: argparse.ArgumentParser) -> None:
  group = parser.add_argument_group(
      f"selection rules (with none given: --min_lines_per_million {PUBLISHED_BAR_LINES_PER_MILLION:g} --fill_to "
      f"{PUBLISHED_VOCAB_SIZE}: the published vocab's bar in every language, filled to its size; the vocab grows "
      "with the languages chosen)")
  group.add_argument("--min_lines_per_million", type=_lines_per_million, metavar="X",
                     help="keep a token for a language when its line share there, weighted by its specificity to "
                          "the language ** G (--specificity), reaches X lines per million: a token only that "
                          "language uses needs X, one k languages use alike k ** G times X")
  group.add_argument("--fill_to", type=_positive_int, metavar="N",
                     help="with --min_lines_per_million: while the vocab has fewer than N tokens, add more as "
                          "--max_vocab N would")
  group.add_argument("--max_vocab", type=_positive_int,
                     help="at most N tokens: with samples, every language the same preserved share of its "
                          "sample, the highest that fits; from counts, one shared threshold on line share "
                          "weighted by specificity")
  group.add_argument("--target_preservation", type=_share, metavar="P",
                     help="the smallest vocab preserving at least P (0.99 or 99%%) of every language's sample sentences")
  group.add_argument("--min_count", type=_positive_int, help="filter: at least this many occurrences in the language")
  group.add_argument("--min_line_fraction", type=_fraction,
                     help="filter: in at least this fraction of the language's lines (0.00005 = 0.005%%)")
  group.add_argument("--coverage", type=_share,
                     help="filter: the language's most frequent tokens covering this share of its occurrences")
  group.add_argument("--specificity", type=_specificity, default=SPECIFICITY_EXPONENT, metavar="G",
                     help="from counts, a token's line share is weighted by its specificity to the language "
                          f"** G (0: line share alone; default {SPECIFICITY_EXPONENT})")
  group.add_argument("--budget_by", choices=BUDGET_SOURCES,
                     help="what --max_vocab spends on: the sentence samples (the default when every language has "
                          "one) or the counts (line share weighted by specificity), e.g. when the run's samples "
                          "are Wikipedia's and the text you will embed is not")
  group.add_argument("--preset", choices=PRESETS,
                     help="original: the original smaller-LaBSE's rule, tokens in 0.005%% of a language's lines "
                          "(with the pipeline's --max_lines_per_language 1000000)")


def rule_from_arguments(args: argparse.Namespace) -> SelectionRule:
  """The rule the options give; raises SelectionError for combinations that cannot work."""
  fraction = None if args.min_line_fraction in (None, "none") else args.min_line_fraction
  if args.preset == "original":
    if fraction is not None and fractions.Fraction(fraction) != fractions.Fraction(ORIGINAL_MIN_LINE_FRACTION):
      raise SelectionError("--preset original sets --min_line_fraction 0.00005; give one or the other")
    fraction = ORIGINAL_MIN_LINE_FRACTION
  given = any(value is not None for value in (fraction, args.min_count, args.coverage, args.max_vocab,
                                             args.target_preservation, args.min_lines_per_million))
  if not given and args.fill_to is None:
    return dataclasses.replace(SelectionRule.default(), specificity=args.specificity, budget_by=args.budget_by)
  return SelectionRule(fraction, args.min_count, args.coverage, args.max_vocab, args.target_preservation, args.preset,
                       args.specificity, args.budget_by, args.min_lines_per_million, args.fill_to)


def read_run(run_dir: str, languages_: Sequence[str] | None = None, only_counted: bool = False):
  """(original vocab, counts by language, samples by language) of a finished run.

  `languages_` must all have been counted, unless `only_counted` (they were named as a group, `labse`):
  then the run's languages among them are taken.
  """
  vocab, counts = outputs.read_counts(run_dir)
  if languages_ and only_counted:
    languages_ = [code for code in languages_ if code in counts]
  without_text = [language for language in outputs.languages_without_text(run_dir)
                  if not languages_ or language in languages_]
  if without_text:
    raise SelectionError(f"no text was read for {', '.join(without_text)}: every input of that language was "
                         "empty, skipped or filtered (stats.json says which); leave it out with --languages")
  if languages_:
    unknown = [code for code in languages_ if code not in counts]
    if unknown:
      raise SelectionError(f"--languages {', '.join(unknown)}: not counted in {run_dir} "
                           f"(it has {', '.join(sorted(counts))})")
    counts = {code: counts[code] for code in languages_}
  return vocab, counts, outputs.read_samples(run_dir, vocab, counts)


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> None:
  parser = cli.ArgumentParser(prog=prog or cli.prog("pipelines.selection"), description=__doc__.split("\n\n")[0])
  parser.add_argument("--counts", required=True, help="the output folder of a vocabulary pipeline run")
  cli.add_output_arguments(parser, "where to write vocab.txt and selection.{json,md} (the run's own folder "
                                   "with --overwrite replaces its selection)")
  cli.add_languages_argument(parser, "the run's languages to select for (default: every one it counted; 'labse': "
                                     "those of LaBSE's it counted)")
  parser.add_argument("--sample_text", action="append", default=[], metavar="LANG=PATH",
                      help="your own text, one sentence a line, as LANG's sample instead of the run's (repeatable)")
  cli.add_verbose_argument(parser)
  add_rule_arguments(parser)
  args = parser.parse_args(argv)
  cli.configure_logging(args.verbose)
  from pipelines import corpus, languages as language_codes
  try:
    cli.check_output(args.output, args.overwrite)
    rule = rule_from_arguments(args)
    requested = language_codes.resolve_codes(args.languages) if args.languages else None
    vocab, counts, samples = read_run(args.counts, requested,
                                      only_counted=bool(args.languages) and language_codes.names_group(args.languages))
    if args.sample_text:
      tokenizer = outputs.read_tokenizer_spec(args.counts, vocab).build()
      for language, sentences in corpus.read_sentence_files(args.sample_text, "--sample_text").items():
        if language not in counts:
          raise SelectionError(f"--sample_text {language}=...: {language} is not among the languages selected for "
                               f"({', '.join(sorted(counts))})")
        samples[language] = Sample.tokenize(tokenizer, sentences, f"--sample_text {language}")
    selection = select(counts, vocab, rule, samples)
  except (OSError, ValueError) as error:  # SelectionError, VocabError, an unknown language, a missing file.
    parser.exit(2, f"{parser.prog}: error: {error}\n")
  write_selection(selection, args.output)
  print(selection_markdown(selection))
  cli.wrote(["vocab.txt", "selection.{json,md}"], args.output)


if __name__ == "__main__":
  main(sys.argv[1:])
