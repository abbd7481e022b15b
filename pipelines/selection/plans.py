"""How each language ranks its tokens, and how a budget, a bar or a target is spent over the languages.

Each language keeps a prefix of its ranking; a `LanguagePlan` is one language's ranking and prefix.
"""

from __future__ import annotations

import fractions
import math
from typing import Mapping

import numpy as np

from pipelines.counting import LanguageCounts
from pipelines.sampling import Sample
from pipelines.selection.rule import SPECIFICITY_EXPONENT, SPECIFICITY_FLOOR, SelectionRule

NEVER = np.iinfo(np.int64).max  # Rank of a token a language's prefix never reaches.


def min_lines_for(fraction: str, lines: int) -> int:
  """Lines a token must occur in: ceil(fraction x lines), computed exactly (0.00005 x 1M = 50)."""
  return max(1, math.ceil(fractions.Fraction(fraction) * lines))


def ranking(scores: np.ndarray, eligible: np.ndarray) -> np.ndarray:
  """Eligible token ids with a positive score (a count, a share), highest first, ties by id."""
  ids = np.flatnonzero(eligible & (scores > 0))
  return ids[np.lexsort((ids, -scores[ids]))]


def token_scores(counts: Mapping[str, LanguageCounts], exponent: float = SPECIFICITY_EXPONENT,
                 floor: float = SPECIFICITY_FLOOR) -> dict[str, np.ndarray]:
  """Each language's score for every token: its line share, weighted by how specific it is to the language.

  The line share is the share of the language's lines the token occurs in (the original rule's
  measure: it does not change as the corpus grows). Specificity is that share over the sum of the
  token's line shares in all the languages selected for: 1 for a token only this language uses,
  1/k for one that k languages use alike. Score = line share x max(floor, specificity ** exponent):
  a token the languages share loses at most the floor's share of its line share.
  """
  shares = {language: language_counts.line_counts / max(int(language_counts.stats.get("lines", 0)), 1)
            for language, language_counts in counts.items()}
  total = sum(shares.values())
  used = total > 0
  scores = {}
  for language, share in shares.items():
    score = np.zeros(share.size)
    score[used] = share[used] * np.maximum(floor, (share[used] / total[used]) ** exponent)
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


class LanguagePlan:
  """One language's ranked candidates and the prefix of them it keeps."""

  def __init__(self, counts: LanguageCounts, scores: np.ndarray, candidates: np.ndarray, special: np.ndarray):
    self.counts = counts
    self.scores = scores
    self.order = ranking(counts.token_counts, candidates & ~special)
    self.rank = np.full(candidates.size, NEVER, np.int64)
    self.rank[self.order] = np.arange(self.order.size)
    self.rank[special] = -1  # Always kept.
    self.kept = self.order.size  # Prefix length; a target or budget may shorten it.


def preservation_curve(sample: Sample, plan: LanguagePlan) -> tuple[np.ndarray, np.ndarray]:
  """(prefix sizes, sample sentences its own prefix of that size preserves) at every step of the curve.

  A sentence is preserved by a prefix longer than the highest rank among its tokens; sentences
  holding a token the language never ranks (filtered out, or never counted) are never reached.
  """
  needs = sample.needs(plan.rank)
  reachable = np.sort(needs[needs != NEVER])
  always = int((reachable < 0).sum())
  sizes = np.unique(reachable[reachable >= 0] + 1)
  preserved = np.searchsorted(reachable, sizes - 1, side="right")
  return np.concatenate([[0], sizes]), np.concatenate([[always], preserved])


def spend_on_samples(plans: Mapping[str, LanguagePlan], samples: Mapping[str, Sample], union: np.ndarray,
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
  best = best_scores(plans, union.size)
  ids = np.flatnonzero(((best > 0) | np.isfinite(entry)) & ~union)
  keep_first(union, ids[np.lexsort((ids, -best[ids], entry[ids]))], budget)


def keep_first(union: np.ndarray, ranked: np.ndarray, budget: int) -> np.ndarray:
  """Adds the first of `ranked` to `union` until it holds `budget` tokens; returns those added."""
  chosen = ranked[:max(budget - int(union.sum()), 0)]
  union[chosen] = True
  return chosen


def best_scores(plans: Mapping[str, LanguagePlan], size: int) -> np.ndarray:
  """Each candidate's highest score over the languages that rank it (0 for the others)."""
  best = np.zeros(size)
  for plan in plans.values():
    best[plan.order] = np.maximum(best[plan.order], plan.scores[plan.order])
  return best


def spend_on_scores(plans: Mapping[str, LanguagePlan], union: np.ndarray, budget: int) -> float | None:
  """Fills the budget by one shared threshold on the languages' scores; returns the threshold."""
  best = best_scores(plans, union.size)
  chosen = keep_first(union, ranking(best, ~union), budget)
  return float(best[chosen].min()) if chosen.size else None


def spend(plans: Mapping[str, LanguagePlan], samples: Mapping[str, Sample], union: np.ndarray, budget: int,
           source: str) -> float | None:
  """Fills `union` up to `budget` tokens from `source` ("samples" or "counts"); returns the score threshold
  a fill by counts reached (None by samples)."""
  if source == "samples":
    spend_on_samples(plans, samples, union, budget)
    return None
  return spend_on_scores(plans, union, budget)


def meet_target(plans: Mapping[str, LanguagePlan], samples: Mapping[str, Sample], target: float,
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
