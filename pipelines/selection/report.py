"""A selection's report (selection.json, selection.md) and the run files it is read from and written to."""

from __future__ import annotations

import json
from typing import Sequence

from pipelines import markdown, outputs
from pipelines.parameters import HIDDEN_SIZE, parameter_table
from pipelines.selection.rule import PUBLISHED_VOCAB_SIZE, SelectionError, SelectionRule
from pipelines.selection.select import Selection


def selection_report(selection: Selection) -> dict:
  return selection.to_json()


def selection_markdown(selection: Selection) -> str:
  lines = ["# Vocab selection", "", f"Rule: {selection.rule.describe()}.", ""]
  measured = {"samples": "Budget or target measured on sentence samples (the share of each language's sample "
                         "sentences whose every token is kept); with a budget, every language the same share.",
              "counts": "{why}: the budget went to one shared threshold on each token's line share in a language "
                        "weighted by its specificity to that language ({weight}){threshold}.",
              "none": ""}[selection.estimate]
  threshold = next((info.score_threshold for info in selection.per_language.values()), None)
  rule = selection.rule
  exponent = f"{rule.specificity:g}"
  alike = (f"k ** {exponent} times that" if not 0 < rule.specificity_floor < 1
           else f"min(k ** {exponent}, {1 / rule.specificity_floor:.3g}) times that")
  if selection.rule.min_lines_per_million is not None:
    why = ("The published vocab's bar, the default (on the original smaller-LaBSE's counts it keeps exactly the "
           f"published {PUBLISHED_VOCAB_SIZE:,} tokens; the vocab grows and shrinks with the languages chosen)"
           if selection.rule == SelectionRule.default() else "By --min_lines_per_million")
    measured = measured.replace("the budget went to one shared threshold", "one threshold")
  elif selection.rule.budget_by == "counts":
    why = "By counts (--budget_by counts)"
  else:
    why = "No sentence sample for every language"
  measured = measured.format(why=why, weight=rule.weight_text(), threshold=(
      f": a token only one language uses is kept when it is in at least {threshold * 1e6:,.3g} of every "
      f"million of that language's lines (`min_lines_alone`); one that k languages use alike needs {alike}"
      if threshold else ""))
  if measured:
    lines += [measured, ""]
  rows = [[language, info.lines, info.tokens_seen, info.tokens_kept, f"{info.coverage:.4%}", info.sample_sentences,
           "" if info.sample_preserved is None else f"{info.sample_preserved:.2%}", info.bound_by]
          for language, info in sorted(selection.per_language.items())]
  samples = [info for info in selection.per_language.values() if info.sample_preserved is not None]
  if samples:
    sentences = sum(info.sample_sentences for info in samples)
    preserved = sum(info.sample_preserved * info.sample_sentences for info in samples)
    rows.append(["all", "", "", "", "", sentences, f"{preserved / max(sentences, 1):.2%}", ""])
  lines.append(markdown.table(["language", "lines", "tokens seen", "kept for it", "coverage of occurrences",
                               "sample sentences", "sample preserved", "bound by"], rows,
                              right=[False, True, True, True, True, True, True, False]))
  if selection.warnings:
    lines += ["", "Warnings:", ""] + [f"- {warning}" for warning in selection.warnings]
  lines += [
      "", f"Vocab: {len(selection.vocab):,} of {selection.original_vocab_size:,} tokens "
      f"({len(selection.vocab) / selection.original_vocab_size:.1%}).", "",
      f"Parameters at LaBSE's size (hidden {HIDDEN_SIZE}, 12 layers):", "",
      parameter_table(selection.parameters), "",
  ]
  return "\n".join(lines)


def write_selection(selection: Selection, output: str) -> None:
  outputs.write_text(outputs.join(output, outputs.VOCAB), "".join(token + "\n" for token in selection.vocab))
  outputs.write_text(outputs.join(output, outputs.SELECTION_JSON), json.dumps(selection_report(selection), indent=2) + "\n")
  outputs.write_text(outputs.join(output, outputs.SELECTION_MD), selection_markdown(selection))


# Command line.


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
