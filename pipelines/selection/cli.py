"""`smaller-labse select`: select a vocab again from a run's counts; and the rule options the pipeline shares.

Option values are parsed here (an exact decimal, a share written as 0.99 or 99%); their ranges are the
rule's own checks (`SelectionRule`), said as one-line errors.
"""

from __future__ import annotations

import argparse
import dataclasses
import fractions
import sys
from typing import Sequence

from pipelines import cli, outputs
from pipelines.sampling import Sample
from pipelines.selection.report import read_run, selection_markdown, write_selection
from pipelines.selection.rule import (BUDGET_SOURCES, ORIGINAL_MIN_LINE_FRACTION, PRESETS,
                                      PUBLISHED_BAR_LINES_PER_MILLION, PUBLISHED_VOCAB_SIZE, SPECIFICITY_EXPONENT,
                                      SPECIFICITY_FLOOR, SelectionError, SelectionRule)
from pipelines.selection.select import select


# Option values are only parsed here; the rule checks their ranges (SelectionRule.__post_init__).

def _fraction(text: str) -> str:
  """An exact decimal fraction (kept as text: 0.00005 x 1M must be 50, not 50.000000000000004)."""
  if text.lower() == "none":
    return "none"
  try:
    fractions.Fraction(text)
  except (ValueError, ZeroDivisionError):
    raise argparse.ArgumentTypeError(f"expected a decimal fraction such as 0.00005 (or none), got {text!r}") from None
  return text


def _whole_number(text: str) -> int:
  try:
    return int(text.replace("_", "").replace(",", ""))
  except ValueError:
    raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _share(text: str) -> float:
  """0.99 or 99%."""
  percent = text.endswith("%")
  try:
    return float(text[:-1]) / 100 if percent else float(text)
  except ValueError:
    raise argparse.ArgumentTypeError(f"expected a share such as 0.99 or 99%, got {text!r}") from None


def _number(text: str) -> float:
  try:
    return float(text.replace(",", ""))
  except ValueError:
    raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def add_rule_arguments(parser: argparse.ArgumentParser) -> None:
  group = parser.add_argument_group(
      f"selection rules (with none given: --min_lines_per_million {PUBLISHED_BAR_LINES_PER_MILLION:g} --fill_to "
      f"{PUBLISHED_VOCAB_SIZE}: the published vocab's bar in every language, filled to its size; the vocab grows "
      "with the languages chosen)")
  group.add_argument("--min_lines_per_million", type=_number, metavar="X",
                     help="keep a token for a language when its line share there, weighted by its specificity to "
                          "the language ** G (--specificity, at least F: --specificity_floor), reaches X lines per "
                          "million: a token only that language uses needs X, one k languages use alike "
                          "min(k ** G, 1 / F) times X")
  group.add_argument("--fill_to", type=_whole_number, metavar="N",
                     help="with --min_lines_per_million: while the vocab has fewer than N tokens, add more as "
                          "--max_vocab N would")
  group.add_argument("--max_vocab", type=_whole_number,
                     help="at most N tokens: with samples, every language the same preserved share of its "
                          "sample, the highest that fits; from counts, one shared threshold on line share "
                          "weighted by specificity")
  group.add_argument("--target_preservation", type=_share, metavar="P",
                     help="the smallest vocab preserving at least P (0.99 or 99%%) of every language's sample sentences")
  group.add_argument("--min_count", type=_whole_number, help="filter: at least this many occurrences in the language")
  group.add_argument("--min_line_fraction", type=_fraction,
                     help="filter: in at least this fraction of the language's lines (0.00005 = 0.005%%)")
  group.add_argument("--coverage", type=_share,
                     help="filter: the language's most frequent tokens covering this share of its occurrences")
  group.add_argument("--specificity", type=_number, default=SPECIFICITY_EXPONENT, metavar="G",
                     help="from counts, a token's line share is weighted by its specificity to the language "
                          f"** G (0: line share alone; default {SPECIFICITY_EXPONENT})")
  group.add_argument("--specificity_floor", type=_number, default=SPECIFICITY_FLOOR, metavar="F",
                     help="the least the specificity weight can be: a token many languages use alike keeps at "
                          f"least F of its line share in each (0: no floor; 1: line share alone; default "
                          f"{SPECIFICITY_FLOOR})")
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
    return dataclasses.replace(SelectionRule.default(), specificity=args.specificity,
                               specificity_floor=args.specificity_floor, budget_by=args.budget_by)
  return SelectionRule(fraction, args.min_count, args.coverage, args.max_vocab, args.target_preservation, args.preset,
                       args.specificity, args.specificity_floor, args.budget_by, args.min_lines_per_million,
                       args.fill_to)


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
