"""Tokenization preservation: which sentences a smaller vocab tokenizes exactly as the original.

    python -m evaluation.preservation --original_vocab labse-vocab.txt --vocab runs/15lang/vocab.txt \
        --tatoeba data/tatoeba/v1 --output runs/preservation
    python -m evaluation.preservation --counts runs/15lang --tatoeba data/tatoeba/v1 --output runs/curve

No model weights are needed. A sentence whose tokenization is unchanged gets exactly the original's
embedding from the smaller model (the exporter checks this), so the share of such sentences is the
honest quality measure when a model cannot be run. For a smaller vocab that is a subset of the
original, a sentence is unchanged exactly when every token of its original tokenization is kept:
WordPiece's greedy longest match then finds the same pieces, and no other piece can be longer.

With --vocab: per language, sentences checked, unchanged, and the [UNK]s the new vocab adds.
With --counts (a pipeline run): the size/coverage curve. For each vocab budget (--budgets), the
pipeline's selection at that size (every language the same coverage) and the share of held-out
sentences it preserves per language: `curve.md`, `curve.json` and the plot `curve.png`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Mapping, Sequence

import numpy as np

from evaluation import tatoeba
from pipelines import corpus, outputs, select
from pipelines.vocab import UNK, VocabError, read_vocab

DEFAULT_CURVE_POINTS = 10

logger = logging.getLogger(__name__)


def read_texts(tatoeba_dir: str | None, text_specs: Sequence[str]) -> dict[str, list[str]]:
  """Sentences by language: both sides of every Tatoeba pair (eng sides as en) and LANG=PATH files."""
  texts: dict[str, list[str]] = {}
  if tatoeba_dir:
    for code in tatoeba.available_languages(tatoeba_dir):
      pair = tatoeba.read_pair(tatoeba_dir, code)
      texts.setdefault(pair.language, []).extend(pair.xx)
      texts.setdefault("en", []).extend(pair.en)
  for language, sentences in corpus.read_sentence_files(text_specs).items():
    texts.setdefault(language, []).extend(sentences)
  if not texts:
    raise ValueError("no text to measure: give --tatoeba and/or --texts")
  return texts


def tokenization_changes(original, original_vocab: Sequence[str], new, new_vocab: Sequence[str],
                         sentences: Sequence[str]) -> dict[str, int]:
  """Sentences whose token strings differ between the two tokenizers, and [UNK]s the new one adds."""
  changed = new_unks = 0
  for sentence in sentences:
    before = [original_vocab[i] for i in original.token_ids(sentence)]
    after = [new_vocab[i] for i in new.token_ids(sentence)]
    if before != after:
      changed += 1
      new_unks += after.count(UNK) - before.count(UNK)
  return {"sentences": len(sentences), "unchanged": len(sentences) - changed, "changed": changed,
          "new_unk": new_unks}


def with_totals(per_language: Mapping[str, Mapping[str, int]]) -> dict[str, dict]:
  """Adds the percentage per language and an 'all' row."""
  rows = {language: dict(r) for language, r in per_language.items()}
  rows["all"] = {key: sum(r[key] for r in per_language.values()) for key in ("sentences", "unchanged", "changed",
                                                                              "new_unk")}
  for row in rows.values():
    row["unchanged_percent"] = 100.0 * row["unchanged"] / row["sentences"] if row["sentences"] else 0.0
  return rows


def preservation_markdown(rows: Mapping[str, Mapping], vocab: str, original: str) -> str:
  lines = [f"Tokenization preserved by `{vocab}` against `{original}`:", "",
           "| language | sentences | unchanged | changed | unchanged % | new [UNK] |",
           "| --- | ---: | ---: | ---: | ---: | ---: |"]
  lines += [f"| {language} | {r['sentences']:,} | {r['unchanged']:,} | {r['changed']:,} | {r['unchanged_percent']:.2f} "
            f"| {r['new_unk']:,} |" for language, r in rows.items()]
  return "\n".join(lines) + "\n"


class TokenizedTexts:
  """Each sentence's original token ids, flat, to test any kept-token mask at once."""

  def __init__(self, tokenizer, sentences: Sequence[str]):
    ids = [tokenizer.token_ids(sentence) for sentence in sentences]
    self.sentences = len(sentences)
    self.flat = np.fromiter((i for row in ids for i in row), np.int64)
    self.sentence_of_token = np.repeat(np.arange(len(ids)), [len(row) for row in ids])

  def preserved(self, kept: np.ndarray) -> int:
    """Sentences all of whose tokens `kept` keeps."""
    lost = np.zeros(self.sentences, bool)
    lost[self.sentence_of_token[~kept[self.flat]]] = True
    return int((~lost).sum())


def default_budgets(totals: Mapping[str, select.LanguageTotals], vocab_size: int, points: int) -> list[int]:
  """`points` sizes evenly spaced up to every token seen in any language (+ the special tokens)."""
  seen = np.zeros(vocab_size, bool)
  for language_totals in totals.values():
    seen |= language_totals.token_counts > 0
  largest = int(seen.sum()) + 104
  return sorted({max(1, round(largest * step / points)) for step in range(1, points + 1)})


def curve(totals: Mapping[str, select.LanguageTotals], original_vocab: Sequence[str],
          texts: Mapping[str, TokenizedTexts], budgets: Sequence[int]) -> list[dict]:
  """For each budget, the selection's size and the share of each language's sentences preserved."""
  points = []
  for budget in budgets:
    try:
      selection = select.select(totals, original_vocab, select.SelectionRule(min_line_fraction=None, max_vocab=budget))
    except ValueError as error:
      logger.warning("budget %d skipped: %s", budget, error)
      continue
    kept = np.zeros(len(original_vocab), bool)
    kept[selection.original_ids] = True
    preserved = {language: 100.0 * t.preserved(kept) / t.sentences for language, t in texts.items() if t.sentences}
    points.append({"budget": budget, "vocab_size": len(selection.vocab),
                   "parameters": select.labse_parameters(len(selection.vocab))["model"],
                   "coverage": min(info["coverage"] for info in selection.per_language.values()),
                   "preserved_percent": preserved})
  return points


def curve_markdown(points: Sequence[Mapping]) -> str:
  languages_ = list(points[0]["preserved_percent"]) if points else []
  lines = ["| vocab size | parameters at LaBSE's size | coverage | " + " | ".join(languages_) + " |",
           "| ---: | ---: | ---: | " + " | ".join("---:" for _ in languages_) + " |"]
  for p in points:
    lines.append(f"| {p['vocab_size']:,} | {p['parameters'] / 1e6:.1f}M | {p['coverage']:.4%} | "
                 + " | ".join(f"{p['preserved_percent'][language]:.2f}" for language in languages_) + " |")
  lines += ["", "- *Sentences tokenized exactly as by the original (%), per language, for the pipeline's selection "
            "at each size (every language the same coverage of its token occurrences).*"]
  return "\n".join(lines) + "\n"


def plot_curve(points: Sequence[Mapping], path: str) -> None:
  try:
    import matplotlib
  except ImportError:
    raise SystemExit("the curve's plot needs matplotlib: pip install 'smaller-labse[eval]'") from None
  matplotlib.use("Agg")
  from matplotlib import pyplot
  figure, axes = pyplot.subplots(figsize=(8, 5))
  sizes = [p["vocab_size"] for p in points]
  for language in points[0]["preserved_percent"]:
    axes.plot(sizes, [p["preserved_percent"][language] for p in points], marker="o", label=language)
  axes.set_xlabel("vocab size (tokens)")
  axes.set_ylabel("sentences tokenized as by the original (%)")
  axes.set_title("Size / preservation")
  axes.grid(True, alpha=0.3)
  axes.legend(ncol=2, fontsize="small")
  figure.tight_layout()
  temporary = f"{path}.partial.png"
  figure.savefig(temporary, dpi=120)
  pyplot.close(figure)
  os.replace(temporary, path)


def original_tokenizer(original_preprocess: str | None, original_vocab: str | None, lower_case: bool):
  from pipelines.reference import original_tokenizer_spec
  return original_tokenizer_spec(original_preprocess=original_preprocess, vocab_file=original_vocab,
                                 lower_case=lower_case)


def main(argv: Sequence[str] | None = None) -> None:
  logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
  parser = argparse.ArgumentParser(prog="python -m evaluation.preservation", description=__doc__.split("\n\n")[0])
  parser.add_argument("--vocab", help="the smaller vocab to measure")
  parser.add_argument("--counts", help="a pipeline run's output directory: draw the size/coverage curve")
  parser.add_argument("--budgets", help="comma-separated vocab sizes for the curve (default: 10 up to every token seen)")
  parser.add_argument("--original_vocab", help="the original vocab (default with --counts: the run's original_vocab.txt)")
  parser.add_argument("--original_preprocess", help="or the original preprocess model (handle, URL or directory)")
  parser.add_argument("--lower_case", action="store_true", help="the original vocab is uncased")
  parser.add_argument("--tatoeba", help="a directory of Tatoeba pairs (LASER layout)")
  parser.add_argument("--texts", action="append", default=[], metavar="LANG=PATH", help="more text, one sentence a line")
  parser.add_argument("--output", required=True, help="directory for the tables (and curve.png)")
  args = parser.parse_args(argv)
  if not (args.vocab or args.counts):
    parser.error("give --vocab (preservation of one vocab) and/or --counts (the size/coverage curve)")
  original_vocab_path = args.original_vocab or (outputs.join(args.counts, "original_vocab.txt") if args.counts else None)
  if not (original_vocab_path or args.original_preprocess):
    parser.error("the original tokenizer is needed: --original_vocab or --original_preprocess")
  try:
    texts = read_texts(args.tatoeba, args.texts)
    spec = original_tokenizer(args.original_preprocess, None if args.original_preprocess else original_vocab_path,
                              args.lower_case)
  except (ValueError, tatoeba.TatoebaError, VocabError) as error:
    sys.exit(f"preservation: {error}")
  original_vocab = spec.vocab()
  original = spec.build()

  if args.vocab:
    new_vocab = read_vocab(args.vocab)
    new = type(original)(new_vocab, original.split_batch)
    rows = with_totals({language: tokenization_changes(original, original_vocab, new, new_vocab, sentences)
                        for language, sentences in texts.items()})
    markdown = preservation_markdown(rows, args.vocab, args.original_preprocess or original_vocab_path)
    outputs.write_text(outputs.join(args.output, "preservation.json"), json.dumps(rows, indent=2) + "\n")
    outputs.write_text(outputs.join(args.output, "preservation.md"), markdown)
    print(markdown)

  if args.counts:
    run_vocab, totals = outputs.read_counts(args.counts)
    if run_vocab != original_vocab:
      sys.exit(f"preservation: {args.counts} was counted with another vocab than the original tokenizer's")
    budgets = ([int(b) for b in args.budgets.split(",")] if args.budgets
               else default_budgets(totals, len(original_vocab), DEFAULT_CURVE_POINTS))
    tokenized = {language: TokenizedTexts(original, sentences) for language, sentences in texts.items()}
    points = curve(totals, original_vocab, tokenized, budgets)
    if not points:
      sys.exit("preservation: no budget could be selected; give larger --budgets")
    markdown = curve_markdown(points)
    outputs.write_text(outputs.join(args.output, "curve.json"), json.dumps(points, indent=2) + "\n")
    outputs.write_text(outputs.join(args.output, "curve.md"), markdown)
    os.makedirs(args.output, exist_ok=True)
    plot_curve(points, os.path.join(args.output, "curve.png"))
    print(markdown)
    print(f"Plot: {os.path.join(args.output, 'curve.png')}")


if __name__ == "__main__":
  main()
