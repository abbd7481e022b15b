"""Selection rules on the original smaller-LaBSE's own counts, measured on sentences it never saw.

    python benchmarks/selection_rules.py [--counts DIR] [--resamples N]

Selects from `../shared/data/seed-counts` (16 wikis x 1M lines, counts only) with the default rule,
a sweep of `--specificity` (without a floor), a sweep of `--specificity_floor`, `--preset original`,
and the default rule from a share of the text (each count thinned at random, as if fewer lines had
been read: more text must not lower preservation), and prints, next to the published 173,347-token
vocab, the share of sentences each vocab tokenizes exactly as the original (all languages, and the
worst one) on four sets of text selection never sees: Tatoeba (conversation), FLORES dev (news,
travel guides), a web framework's interface strings (benchmarks/data/interface-strings: buttons,
form errors) and desktop and project tools' strings (benchmarks/data/desktop-strings: product names,
acronyms, technical words). "wins" is the share of bootstrap resamples of the sentences (each
language resampled on its own) in which the rule beats the published vocab in all eight figures at
once: how much of a lead is more than the luck of these particular sentences. Last, what the
default gives up where it gives up most: English Wikipedia's own sentences (the real enwiki excerpt
in ../shared, extracted as the pipeline does).
"""

import argparse
import collections
import dataclasses
import logging
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
SEED = os.path.join(SHARED, "data", "seed-counts")
PUBLISHED = os.path.join(SHARED, "data", "labse", "smaller-labse-15lang-vocab.txt")
TATOEBA = os.path.join(SHARED, "data", "tatoeba", "v1")
FLORES = os.path.join(SHARED, "data", "flores200", "dev")
ENWIKI = os.path.join(SHARED, "data", "wikipedia", "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2")
INTERFACE = os.path.join(ROOT, "benchmarks", "data", "interface-strings")
DESKTOP = os.path.join(ROOT, "benchmarks", "data", "desktop-strings")
SWEEP = (0.0, 0.25, 0.4, 0.5, 0.6, 1.0)  # Specificity exponents, without a floor.
FLOORS = (0.5, 0.7, 0.9)  # Floors under the default exponent.
TEXT_SHARES = (0.03, 0.1, 0.3)

from evaluation.preservation import read_texts  # noqa: E402
from pipelines import corpus, sampling, selection, sources  # noqa: E402
from pipelines.counting import LanguageCounts  # noqa: E402
from pipelines.sampling import Sample  # noqa: E402
from pipelines.tokenizer import TokenizerSpec  # noqa: E402
from pipelines.vocab import kept_mask, read_vocab  # noqa: E402


def interface_strings(folder: str = INTERFACE) -> dict[str, list[str]]:
  """One of the bundled sets of interface strings (`folder`/<lang>.txt), by language."""
  return read_texts(None, [f"{name[:-len('.txt')]}={os.path.join(folder, name)}"
                           for name in sorted(os.listdir(folder)) if name.endswith(".txt")])


def sentence_sets(tokenizer) -> dict[str, dict[str, Sample]]:
  """The held-out text, by kind."""
  flores = [f"{path[:-len('.dev')]}={os.path.join(FLORES, path)}" for path in sorted(os.listdir(FLORES))]
  return {name: {language: Sample.tokenize(tokenizer, sentences, language) for language, sentences in texts.items()}
          for name, texts in (("Tatoeba", read_texts(TATOEBA, [])), ("FLORES dev", read_texts(None, flores)),
                              ("interface strings", interface_strings()),
                              ("desktop strings", interface_strings(DESKTOP)))}


def wikipedia_sentences(path: str) -> list[str]:
  """The sentences of a dump's articles, extracted as the pipeline does."""
  dump = sources.read_header(path)
  shard = sources.Shard((0, 0), path, dump.language, "dump", dropped_namespace_names=dump.dropped_namespace_names)
  return [sentence for line in corpus.shard_lines(shard, collections.Counter())
          for sentence in sampling.split_sentences(line)]


def thinned(counts: dict[str, LanguageCounts], share: float, rng: np.random.Generator) -> dict[str, LanguageCounts]:
  """The counts of about `share` of the lines: every occurrence kept with probability `share`."""
  smaller = {}
  for language, language_counts in counts.items():
    token_counts = rng.binomial(language_counts.token_counts, share)
    line_counts = np.minimum(rng.binomial(language_counts.line_counts, share), token_counts)
    stats = {**language_counts.stats, "lines": round(language_counts.stats["lines"] * share)}
    smaller[language] = LanguageCounts(token_counts, line_counts, stats)
  return smaller


def preserved_sentences(sets: dict[str, dict[str, Sample]], kept: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
  """Per set and language, whether each sentence keeps every token."""
  return {name: {language: sample.kept_sentences(kept) for language, sample in samples.items()}
          for name, samples in sets.items()}


def figures(preserved: dict[str, dict[str, np.ndarray]], draws: dict | None = None) -> list[tuple[float, float, str]]:
  """(all, worst, worst language) per set, on the sentences `draws` picks (all of them by default)."""
  result = []
  for name, by_language in preserved.items():
    shares, kept, total = {}, 0, 0
    for language, flags in by_language.items():
      picked = flags if draws is None else flags[draws[name][language]]
      shares[language] = picked.mean()
      kept, total = kept + picked.sum(), total + picked.size
    worst = min(shares, key=shares.get)
    result.append((kept / total, shares[worst], worst))
  return result


def wins(preserved, baseline, resamples: int, rng: np.random.Generator) -> float:
  won = 0
  for _ in range(resamples):
    draws = {name: {language: rng.integers(0, flags.size, flags.size) for language, flags in by_language.items()}
             for name, by_language in baseline.items()}
    ours, theirs = figures(preserved, draws), figures(baseline, draws)
    won += all(o[0] > t[0] and o[1] > t[1] for o, t in zip(ours, theirs))
  return won / resamples


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--counts", default=SEED, help="a pipeline run's output directory (default: the seed counts)")
  parser.add_argument("--resamples", type=int, default=300)
  args = parser.parse_args()
  for path in (args.counts, PUBLISHED, TATOEBA, FLORES, ENWIKI):
    if not os.path.exists(path):
      sys.exit(f"needs {path} (the ../shared reference data)")
  vocab, counts, samples = selection.read_run(args.counts)
  tokenizer = TokenizerSpec.tf_text_cased(vocab, args.counts).build()
  sets = sentence_sets(tokenizer)
  baseline = preserved_sentences(sets, kept_mask(vocab, read_vocab(PUBLISHED)))
  rules = {"default": selection.SelectionRule.default()}
  # The sweeps at the published size, so that every rule is compared at the same number of tokens.
  rules.update({f"--max_vocab 173347 --specificity {exponent:g} --specificity_floor 0": selection.SelectionRule(
      max_vocab=selection.PUBLISHED_VOCAB_SIZE, specificity=exponent, specificity_floor=0) for exponent in SWEEP})
  rules.update({f"--max_vocab 173347 --specificity_floor {floor:g}": selection.SelectionRule(
      max_vocab=selection.PUBLISHED_VOCAB_SIZE, specificity_floor=floor) for floor in FLOORS})
  rules["--preset original"] = selection.SelectionRule.original()
  rng = np.random.default_rng(0)
  runs = {label: (counts, rule) for label, rule in rules.items()}
  runs.update({f"default, from {share:.0%} of the text": (thinned(counts, share, rng), selection.SelectionRule.default())
               for share in TEXT_SHARES})
  names = list(sets)
  print(f"| vocab | tokens | {' | '.join(f'{name} all / worst' for name in names)} | wins |")
  print(f"| --- | ---: | {' | '.join('---:' for _ in names)} | ---: |")

  def row(label: str, size: int, preserved, won: str) -> None:
    cells = " | ".join(f"{total:.2%} / {worst:.2%} ({language})" for total, worst, language in figures(preserved))
    print(f"| {label} | {size:,} | {cells} | {won} |", flush=True)

  row("published", len(read_vocab(PUBLISHED)), baseline, "")
  for label, (run_counts, rule) in runs.items():
    chosen = selection.select(run_counts, vocab, rule, samples)
    preserved = preserved_sentences(sets, kept_mask(vocab, chosen.vocab))
    row(label, len(chosen.vocab), preserved, f"{wins(preserved, baseline, args.resamples, rng):.0%}")

  logging.getLogger("pipelines.sources").setLevel(logging.ERROR)  # "not a multistream dump": read whole, as meant.
  english = Sample.tokenize(tokenizer, wikipedia_sentences(ENWIKI), "en")
  print(f"\nEnglish Wikipedia (the enwiki excerpt, {len(english):,} sentences), preserved:")
  for label, kept in (("published", kept_mask(vocab, read_vocab(PUBLISHED))),
                      ("default", kept_mask(vocab, selection.select(counts, vocab, selection.SelectionRule.default()).vocab)),
                      ("--specificity_floor 0", kept_mask(vocab, selection.select(counts, vocab, dataclasses.replace(
                          selection.SelectionRule.default(), specificity_floor=0)).vocab)),
                      ("--max_vocab 173347 --specificity 0", kept_mask(vocab, selection.select(
                          counts, vocab, selection.SelectionRule(max_vocab=selection.PUBLISHED_VOCAB_SIZE,
                                                                 specificity=0)).vocab))):
    print(f"  {label}: {english.preserved(kept) / len(english):.2%}")


if __name__ == "__main__":
  main()
