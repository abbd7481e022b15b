"""The default selection for any set of languages, measured on FLORES dev sentences selection never saw.

    python benchmarks/selection_sets.py [--markdown]

The default is a bar filled to a size: a token is kept for a language when its line share there,
weighted by max(0.78, specificity ** 0.4), reaches 47.60564 lines per million (the bar at which the
original smaller-LaBSE's own counts fill its 173,347 tokens), and while the vocab is smaller than
173,347 tokens more are added as `--max_vocab 173347` would. This prints, for sets of languages from
one to all of them, the vocab size and the share of each language's FLORES dev sentences it
tokenizes exactly as the original (so embeds exactly) for the default, the bar alone, and a fixed
budget of 173,347 tokens (the old default).

1. Wikipedia counts: the original smaller-LaBSE's (`../shared/data/seed-counts`, 16 wikis x 1M
   lines), measured on all of FLORES dev in those languages: one language, five across scripts, all 16.
2. Every language FLORES-200 has of LaBSE's (105 files, 104 languages): no Wikipedia counts of them
   can be had offline, so each language's counts are those of the first half of its FLORES dev (498
   lines, counted as the pipeline counts) and the other half is measured. With so little text every
   token seen passes the bar (one line in 498 is 2,008 per million), so these figures show how the
   vocab grows with the set, and how much of a language 498 lines of it cover; not the bar's cut.
   The original vocab here is `labse-seen-vocab.txt` (the tokens of LaBSE's vocab seen in the 16
   wikis), which lacks many tokens of the other languages: their `[UNK]` share is printed beside them.
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.selection_rules import FLORES, SEED, SHARED  # noqa: E402
from evaluation.preservation import read_texts  # noqa: E402
from pipelines import selection  # noqa: E402
from pipelines.counting import LanguageCounts  # noqa: E402
from pipelines.sampling import Sample  # noqa: E402
from pipelines.tokenizer import TokenizerSpec  # noqa: E402
from pipelines.vocab import UNK, kept_mask  # noqa: E402

FLORES_LABSE = os.path.join(SHARED, "data", "flores200", "dev-labse")
ACROSS_SCRIPTS_SEED = ("ar", "ja", "ru", "th", "zh")
ONE_OUTSIDE = ("vi",)
ACROSS_SCRIPTS = ("am", "he", "hi", "ka", "sw", "vi")
BUDGET = selection.PUBLISHED_VOCAB_SIZE


def flores_texts(directory: str) -> dict[str, list[str]]:
  files = sorted(name for name in os.listdir(directory) if name.endswith(".dev"))
  return read_texts(None, [f"{name[:-len('.dev')]}={os.path.join(directory, name)}" for name in files])


def measured(counts, vocab, rule, samples: dict[str, Sample]) -> tuple[int, dict[str, float]]:
  """(vocab size, preserved share of each language's sentences) of the selection for `counts`' languages."""
  chosen = selection.select(counts, vocab, rule)
  kept = kept_mask(vocab, chosen.vocab)
  return len(chosen.vocab), {language: samples[language].preserved(kept) / len(samples[language])
                             for language in counts if language in samples}


def report(title: str, sets: dict[str, tuple[str, ...]], counts, vocab, samples, per_language: bool,
           unk: dict[str, float] | None = None) -> None:
  print(f"\n### {title}\n")
  print("| languages | default: tokens | all | worst | bar alone: tokens | all | worst | fixed 173,347: tokens | all "
        "| worst |")
  print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
  shares_by_set = {}
  for name, codes in sets.items():
    chosen = {code: counts[code] for code in codes}
    row = [name]
    for rule in (selection.SelectionRule.default(),
                 selection.SelectionRule(min_lines_per_million=selection.PUBLISHED_BAR_LINES_PER_MILLION),
                 selection.SelectionRule(max_vocab=BUDGET)):
      size, shares = measured(chosen, vocab, rule, samples)
      total = sum(shares[c] * len(samples[c]) for c in shares) / sum(len(samples[c]) for c in shares)
      worst = min(shares, key=shares.get)
      row += [f"{size:,}", f"{total:.2%}", f"{shares[worst]:.2%} ({worst})"]
      if rule == selection.SelectionRule.default():
        shares_by_set[name] = shares
    print("| " + " | ".join(row) + " |", flush=True)
  if per_language:
    for name, shares in shares_by_set.items():
      print(f"\nPreserved by the default, {name}, per language"
            + (" ([UNK] share of the original's tokens in brackets)" if unk else "") + ":\n")
      print(", ".join(f"{code} {share:.1%}" + (f" [{unk[code]:.1%}]" if unk else "")
                      for code, share in sorted(shares.items())))


def main() -> None:
  argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()
  for path in (SEED, FLORES, FLORES_LABSE):
    if not os.path.exists(path):
      sys.exit(f"needs {path} (the ../shared reference data)")
  vocab, counts, _ = selection.read_run(SEED)
  tokenizer = TokenizerSpec.tf_text_cased(vocab, SEED).build()

  flores = {code: Sample.tokenize(tokenizer, sentences, code) for code, sentences in flores_texts(FLORES).items()}
  sets = {"ja": ("ja",), "th": ("th",), ", ".join(ACROSS_SCRIPTS_SEED): ACROSS_SCRIPTS_SEED,
          "the seed's 16 wikis": tuple(counts)}
  # zh_classical has no FLORES: it is selected for, not measured.
  report("Wikipedia counts (the seed's: 16 wikis x 1M lines), all of FLORES dev measured", sets, counts, vocab,
         flores, per_language=True)

  texts = flores_texts(FLORES_LABSE)
  halves_counts, held_out, unk = {}, {}, {}
  for code, sentences in texts.items():
    middle = len(sentences) // 2
    language_counts = LanguageCounts.empty(len(vocab))
    language_counts.add_lines(tokenizer, sentences[:middle])
    halves_counts[code] = language_counts
    held_out[code] = Sample.tokenize(tokenizer, sentences[middle:], code)
    unk[code] = float(np.mean(held_out[code].flat == vocab.index(UNK))) if held_out[code].flat.size else 0.0
  sets = {"vi": ONE_OUTSIDE, ", ".join(ACROSS_SCRIPTS): ACROSS_SCRIPTS,
          f"all {len(texts)} (FLORES's 105 files)": tuple(texts)}
  report("Counts from one half of FLORES dev (498 lines a language), the other half measured", sets,
         halves_counts, vocab, held_out, per_language=True, unk=unk)


if __name__ == "__main__":
  main()
