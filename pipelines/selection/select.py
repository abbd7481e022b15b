"""`select`: a rule applied to every language's counts (and samples), giving the new vocab and what bound it."""

from __future__ import annotations

import dataclasses
import logging
import math
from typing import Mapping, Sequence

import numpy as np

from pipelines.counting import LanguageCounts
from pipelines.parameters import labse_parameters
from pipelines.sampling import Sample
from pipelines.selection.plans import (LanguagePlan, best_scores, filter_masks, meet_target, min_lines_for,
                                         spend, token_scores)
from pipelines.selection.rule import SPECIFICITY_EXPONENT, SPECIFICITY_FLOOR, SelectionError, SelectionRule
from pipelines.vocab import REQUIRED_SPECIAL_TOKENS, is_special_token

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, kw_only=True)
class LanguageSelection:
  """What the selection did for one language."""
  lines: int
  occurrences: int  # Token occurrences counted.
  tokens_seen: int  # Distinct tokens seen (special tokens aside).
  candidates: int  # Tokens that passed the filters.
  tokens_kept: int  # Of those seen, kept in the vocab (for this language or another).
  coverage: float  # Share of the occurrences whose token is kept.
  sample_sentences: int
  sample_preserved: float | None  # Share of the sample's sentences whose every token is kept.
  removed_by: dict[str, int]  # Tokens seen that each filter removed.
  bound_by: str  # What stopped the language's prefix: a budget, the bar, a target, filters or nothing.
  min_lines: int | None = None  # With --min_line_fraction: lines a token must occur in.
  score_threshold: float | None = None  # With a budget or bar spent by score: the threshold.
  min_lines_alone: int | None = None  # Lines a token only this language uses must occur in.

  @classmethod
  def from_json(cls, data: Mapping) -> "LanguageSelection":
    return cls(**data)


@dataclasses.dataclass
class Selection:
  vocab: list[str]  # The new vocab, in new id order.
  original_ids: np.ndarray  # original_ids[new_id] = original id.
  per_language: dict[str, LanguageSelection]
  rule: SelectionRule
  original_vocab_size: int
  estimate: str  # "samples", "counts" or "none": what the budget or target was measured on.
  warnings: list[str]

  @property
  def parameters(self) -> dict[str, dict[str, int]]:
    return {"original": labse_parameters(self.original_vocab_size), "smaller": labse_parameters(len(self.vocab))}

  def to_json(self) -> dict:
    """selection.json: everything but the vocab itself (vocab.txt)."""
    return {"rule": dataclasses.asdict(self.rule), "rule_text": self.rule.describe(), "estimate": self.estimate,
            "vocab_size": len(self.vocab), "original_vocab_size": self.original_vocab_size,
            "parameters": self.parameters,
            "languages": {language: dataclasses.asdict(info) for language, info in self.per_language.items()},
            "warnings": self.warnings}


@dataclasses.dataclass(frozen=True)
class SelectionSummary:
  """selection.json read back: the selection without its vocab (what the exporter's model card needs)."""
  rule_text: str
  vocab_size: int
  per_language: dict[str, LanguageSelection]
  warnings: list[str]

  @classmethod
  def from_json(cls, data: Mapping) -> "SelectionSummary":
    return cls(data["rule_text"], data["vocab_size"],
               {language: LanguageSelection.from_json(info) for language, info in data["languages"].items()},
               list(data["warnings"]))


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
  scores = token_scores(counts, rule.specificity, rule.specificity_floor)
  plans = {}
  for language, language_counts in counts.items():
    candidates = np.ones(size, bool)
    for mask in filters[language].values():
      candidates &= mask
    plans[language] = LanguagePlan(language_counts, scores[language], candidates, special)
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
    meet_target(plans, samples, rule.target_preservation, warnings)
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
      threshold = spend(plans, samples, union, rule.max_vocab, budget_source)
  bound_by_bar, filled = rule.min_lines_per_million is not None, False
  if bound_by_bar:
    threshold = rule.min_lines_per_million / 1e6
    union = special | (best_scores(plans, size) >= threshold)
    if rule.fill_to is not None and int(union.sum()) < rule.fill_to:
      before = int(union.sum())
      threshold = spend(plans, samples, union, rule.fill_to, budget_source) or threshold
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
    unused = [f"--{name} {value:g}" for name, value, default in (
        ("specificity", rule.specificity, SPECIFICITY_EXPONENT),
        ("specificity_floor", rule.specificity_floor, SPECIFICITY_FLOOR)) if value != default and not bound_by_bar]
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
    per_language[language] = LanguageSelection(
        lines=int(plan.counts.stats.get("lines", 0)),
        occurrences=total,
        tokens_seen=int(seen.sum()),
        candidates=int(plan.order.size),
        tokens_kept=int(kept_own.sum()),
        coverage=float(language_counts[union].sum() / total) if total else 0.0,
        sample_sentences=len(sample) if sample is not None else 0,
        sample_preserved=(sample.preserved(union) / len(sample)) if sample is not None and len(sample) else None,
        removed_by=removed_by,
        bound_by=bound,
        min_lines=(min_lines_for(rule.min_line_fraction, int(plan.counts.stats.get("lines", 0)))
                   if rule.min_line_fraction is not None else None))
  if threshold is not None:
    per_language = {language: dataclasses.replace(info, score_threshold=threshold,
                                                  min_lines_alone=math.ceil(threshold * info.lines - 1e-9))
                    for language, info in per_language.items()}
  return Selection([original_vocab[i] for i in original_ids], original_ids, per_language, rule, size, estimate,
                   warnings)
