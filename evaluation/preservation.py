"""Tokenization preservation: which sentences a smaller vocab tokenizes exactly as the original.

    python -m evaluation.preservation --original_vocab labse-vocab.txt \
        --vocab ours=runs/15lang/vocab.txt --vocab published=smaller-labse-15lang-vocab.txt \
        --tatoeba data/tatoeba/v1 --output runs/preservation
    python -m evaluation.preservation --counts runs/15lang --tatoeba data/tatoeba/v1 --output runs/curve

No model weights are needed. A sentence whose tokenization is unchanged gets exactly the original's
embedding from the smaller model (the exporter checks this), so the share of such sentences is the
honest quality measure when a model cannot be run. For a smaller vocab that is a subset of the
original, a sentence is unchanged exactly when every token of its original tokenization is kept:
WordPiece's greedy longest match then finds the same pieces, and no other piece can be longer.

With --vocab NAME=PATH (repeatable): per vocab and language, sentences checked, unchanged, and the
[UNK]s the new vocab adds, and every vocab side by side. With --counts (a pipeline run): the
size/preservation curve. For each vocab budget (--budgets), the selection at that size (as
`--max_vocab`) and the share of held-out sentences it preserves, per language and in all:
`curve.md`, `curve.json` and the plot `curve.png`.

The original tokenizer comes from --original_vocab without TensorFlow (tf_text's cased word
splitting ships with the package as a table), or from --original_preprocess, probed with TensorFlow.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from typing import Mapping, Sequence

import numpy as np

from evaluation import tatoeba
from pipelines import cli, corpus, languages, markdown, outputs, parameters, selection
from pipelines.counting import LanguageCounts
from pipelines.sampling import Sample
from pipelines.tokenizer import TokenizerSpec
from pipelines.vocab import UNK, VocabError, is_special_token, read_vocab

DEFAULT_CURVE_POINTS = 10

logger = logging.getLogger(__name__)


def read_texts(tatoeba_dir: str | None, text_specs: Sequence[str],
               names: str | Sequence[str] | None = None) -> dict[str, list[str]]:
  """Sentences by language: both sides of Tatoeba pairs (eng sides as en) and LANG=PATH files; with `names`
  (`--languages`), those languages' pairs and files only."""
  chosen = None if not names else set(_named_codes(tatoeba_dir, names))
  texts: dict[str, list[str]] = {}
  if tatoeba_dir:
    pairs = tatoeba.available_languages(tatoeba_dir)
    for code in pairs if chosen is None else [code for code in pairs if code in chosen]:
      pair = tatoeba.read_pair(tatoeba_dir, code)
      texts.setdefault(pair.language, []).extend(pair.xx)
      if chosen is None or "en" in chosen:
        texts.setdefault("en", []).extend(pair.en)
  for language, sentences in corpus.read_sentence_files(text_specs).items():
    if chosen is None or language in chosen:
      texts.setdefault(language, []).extend(sentences)
  if not texts:
    raise ValueError("no text to measure: give --tatoeba and/or --texts" + (" in --languages" if names else ""))
  return texts


def _named_codes(tatoeba_dir: str | None, names: str | Sequence[str]) -> list[str]:
  """`--languages` as codes: the table's (`labse`: all of LaBSE's, paired or not), and the LASER codes of
  Tatoeba pairs outside it."""
  codes = []
  for name in languages.split_names(names):
    if languages.names_group(name) or tatoeba_dir is None:
      codes += languages.resolve_codes(name)
    else:
      codes.append(tatoeba.pair_language(tatoeba_dir, name))
  return codes


def token_strings(tokenizer, vocab: Sequence[str], sentences: Sequence[str]) -> list[list[str]]:
  return [[vocab[i] for i in tokenizer.token_ids(sentence)] for sentence in sentences]


def tokenization_changes(before: Sequence[Sequence[str]], new, new_vocab: Sequence[str],
                         sentences: Sequence[str]) -> dict[str, int]:
  """Sentences whose token strings under `new` differ from `before` (the original's), and the [UNK]s it adds."""
  changed = new_unks = 0
  for original_tokens, after in zip(before, token_strings(new, new_vocab, sentences)):
    if list(original_tokens) != after:
      changed += 1
      new_unks += after.count(UNK) - list(original_tokens).count(UNK)
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
  return "\n".join([f"Tokenization preserved by `{vocab}` against `{original}`:", "", markdown.table(
      ["language", "sentences", "unchanged", "changed", "unchanged %", "new [UNK]"],
      [[language, r["sentences"], r["unchanged"], r["changed"], f"{r['unchanged_percent']:.2f}", r["new_unk"]]
       for language, r in rows.items()])]) + "\n"


def default_budgets(counts: Mapping[str, LanguageCounts], original_vocab: Sequence[str], points: int) -> list[int]:
  """`points` sizes evenly spaced above the smallest possible vocab (the special tokens and one token per
  language) up to every token seen in any language."""
  kept = np.fromiter((is_special_token(token) for token in original_vocab), bool, len(original_vocab))
  smallest = int(kept.sum()) + len(counts)
  for language_counts in counts.values():
    kept |= language_counts.token_counts > 0
  largest = int(kept.sum())
  return sorted({smallest + round((largest - smallest) * step / points) for step in range(1, points + 1)})


def curve(counts: Mapping[str, LanguageCounts], original_vocab: Sequence[str], texts: Mapping[str, Sample],
          budgets: Sequence[int], samples: Mapping[str, Sample] | None = None) -> list[dict]:
  """For each budget, the selection's size and the share of held-out sentences preserved, per language and in all."""
  points = []
  for budget in budgets:
    try:
      chosen = selection.select(counts, original_vocab, selection.SelectionRule(max_vocab=budget), samples)
    except selection.SelectionError as error:
      logger.warning("budget %d skipped: %s", budget, error)
      continue
    kept = np.zeros(len(original_vocab), bool)
    kept[chosen.original_ids] = True
    preserved = {language: t.preserved(kept) for language, t in texts.items() if len(t)}
    percent = {language: 100.0 * preserved[language] / len(texts[language]) for language in preserved}
    percent["all"] = 100.0 * sum(preserved.values()) / max(sum(len(texts[language]) for language in preserved), 1)
    points.append({"budget": budget, "vocab_size": len(chosen.vocab),
                   "parameters": parameters.labse_parameters(len(chosen.vocab))["model"],
                   "coverage": min(info.coverage for info in chosen.per_language.values()),
                   "preserved_percent": percent})
  return points


def curve_markdown(points: Sequence[Mapping]) -> str:
  languages_ = list(points[0]["preserved_percent"]) if points else []
  header = ["budget", "vocab size", "parameters at LaBSE's size", "lowest coverage", *languages_]
  lines = [markdown.table(header, [[p["budget"], p["vocab_size"], f"{p['parameters'] / 1e6:.1f}M", f"{p['coverage']:.4%}",
                                    *(f"{p['preserved_percent'][language]:.2f}" for language in languages_)]
                                   for p in points], right=[True] * len(header))]
  lines += ["", "- *Sentences tokenized exactly as by the original (%), per language and in all, for the selection "
            "at each budget (`--max_vocab`).*"]
  capped = [p for p in points if p["vocab_size"] < p["budget"]]
  if capped:
    lines.append(f"- *A budget of {capped[0]['budget']:,} or more keeps {capped[0]['vocab_size']:,} tokens: every "
                 "token the counted languages use (and the special tokens); there is nothing more to keep.*")
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
    axes.plot(sizes, [p["preserved_percent"][language] for p in points], marker="o", label=language,
              **({"color": "black", "linewidth": 2.5} if language == "all" else {}))
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


def original_tokenizer_spec(original_preprocess: str | None, original_vocab: str | None, lower_case: bool):
  """From a preprocess model: probed with TensorFlow. From a cased vocab file: tf_text's shipped classes, no TensorFlow."""
  if original_preprocess or lower_case:
    from pipelines.reference import original_tokenizer_spec as probed_spec
    return probed_spec(original_preprocess=original_preprocess, vocab_file=original_vocab, lower_case=lower_case)
  return TokenizerSpec.tf_text_cased(read_vocab(original_vocab), original_vocab)


def named_vocabs(specs: Sequence[str]) -> dict[str, str]:
  """--vocab NAME=PATH (or PATH alone, named by its path) in the order given."""
  named: dict[str, str] = {}
  for spec in specs:
    name, equals, path = spec.partition("=")
    if not equals or not name or "/" in name:
      name, path = spec, spec
    if name in named:
      raise ValueError(f"--vocab {spec!r}: the name {name!r} is given twice")
    named[name] = path
  return named


def comparison_markdown(rows_by_vocab: Mapping[str, Mapping[str, Mapping]], original: str) -> str:
  """Unchanged sentences (%) per language, one column per vocab."""
  names = list(rows_by_vocab)
  languages_ = list(next(iter(rows_by_vocab.values())))
  rows = [[language, rows_by_vocab[names[0]][language]["sentences"],
           *(f"{rows_by_vocab[name][language]['unchanged_percent']:.2f}" for name in names)] for language in languages_]
  worst = {name: min((r["unchanged_percent"], language) for language, r in rows_of.items() if language != "all")
           for name, rows_of in rows_by_vocab.items()}
  rows.append(["worst", "", *(f"{worst[name][0]:.2f} ({worst[name][1]})" for name in names)])
  return "\n".join([f"Sentences tokenized exactly as by `{original}` (%):", "",
                    markdown.table(["language", "sentences", *names], rows)]) + "\n"


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> None:
  parser = cli.ArgumentParser(prog=prog or cli.prog("evaluation.preservation"), description=__doc__.split("\n\n")[0])
  parser.add_argument("--vocab", action="append", default=[], metavar="NAME=PATH",
                      help="a smaller vocab to measure (repeatable: compared side by side)")
  parser.add_argument("--counts", help="a pipeline run's output directory: draw the size/preservation curve")
  parser.add_argument("--budgets", help="comma-separated vocab sizes for the curve (default: 10 up to every token seen)")
  parser.add_argument("--original_vocab", help="the original vocab (default with --counts: the run's original_vocab.txt)")
  parser.add_argument("--original_preprocess", help="or the original preprocess model (handle, URL or directory)")
  parser.add_argument("--lower_case", action="store_true", help="the original vocab is uncased")
  parser.add_argument("--tatoeba", help="a directory of Tatoeba pairs (LASER layout)")
  parser.add_argument("--texts", action="append", default=[], metavar="LANG=PATH", help="more text, one sentence a line")
  cli.add_languages_argument(parser, "measure these languages only (default: every Tatoeba pair found and every "
                                     "--texts file)")
  cli.add_output_arguments(parser, "directory for the tables (and curve.png)")
  cli.add_verbose_argument(parser)
  args = parser.parse_args(argv)
  cli.configure_logging(args.verbose)
  if not (args.vocab or args.counts):
    parser.error("give --vocab NAME=PATH (preservation of each vocab) and/or --counts (the size/preservation curve)")
  original_vocab_path = args.original_vocab or (outputs.join(args.counts, outputs.ORIGINAL_VOCAB) if args.counts else None)
  if not (original_vocab_path or args.original_preprocess):
    parser.error("the original tokenizer is needed: --original_vocab or --original_preprocess")
  try:
    budgets = [int(b) for b in args.budgets.split(",")] if args.budgets else None
  except ValueError:
    parser.error(f"--budgets {args.budgets!r}: expected comma-separated whole numbers")
  try:
    cli.check_output(args.output, args.overwrite)
    vocabs = named_vocabs(args.vocab)
    for path in [*vocabs.values(), *([original_vocab_path] if not args.original_preprocess else [])]:
      if not outputs.exists(path):  # Before the original tokenizer loads (seconds).
        raise OSError(f"{path}: cannot read the vocab file: no such file")
    texts = read_texts(args.tatoeba, args.texts, args.languages)
    spec = original_tokenizer_spec(args.original_preprocess, None if args.original_preprocess else original_vocab_path,
                                   args.lower_case)
    new_vocabs = {name: read_vocab(path) for name, path in vocabs.items()}
    run = outputs.read_counts(args.counts) if args.counts else None
  except (ValueError, OSError, tatoeba.TatoebaError, VocabError) as error:  # An unknown language too.
    parser.exit(2, f"{parser.prog}: error: {error}\n")
  original_vocab = spec.vocab()
  original = spec.build()
  original_name = args.original_preprocess or original_vocab_path

  compared = None
  if vocabs:
    compared = compare_vocabs(original, original_vocab, original_name, vocabs, new_vocabs, texts)
    compared.write(args.output)
    print(compared.markdown)
  if run:
    run_vocab, counts = run
    if run_vocab != original_vocab:
      parser.exit(2, f"{parser.prog}: error: {args.counts} was counted with another vocab than the original "
                     "tokenizer's\n")
    try:
      drawn = size_curve(original, original_vocab, counts, outputs.read_samples(args.counts, run_vocab, counts), texts,
                         budgets)
    except ValueError as error:
      parser.exit(2, f"{parser.prog}: error: {error}\n")
    drawn.write(args.output)
    print(drawn.markdown)
  cli.wrote(([] if not compared else ["preservation.{json,md}"]) + ([] if not run else ["curve.{json,md,png}"]),
            args.output)


@dataclasses.dataclass(frozen=True)
class PreservationResult:
  """Per vocab, per language (and `all`): sentences tokenized exactly as by the original, and the tables."""
  rows_by_vocab: dict[str, dict[str, dict]]
  markdown: str

  def write(self, output: str) -> None:
    outputs.write_text(outputs.join(output, "preservation.json"), json.dumps(self.rows_by_vocab, indent=2) + "\n")
    outputs.write_text(outputs.join(output, "preservation.md"), self.markdown)


def compare_vocabs(original, original_vocab: Sequence[str], original_name: str, paths: Mapping[str, str],
                   new_vocabs: Mapping[str, Sequence[str]], texts: Mapping[str, Sequence[str]]) -> PreservationResult:
  """How each smaller vocab (by name; `paths` says where it came from) tokenizes `texts` against the original."""
  before = {language: token_strings(original, original_vocab, sentences) for language, sentences in texts.items()}
  rows_by_vocab = {}
  for name, new_vocab in new_vocabs.items():
    new = type(original)(new_vocab, original.split_batch)
    rows_by_vocab[name] = with_totals({language: tokenization_changes(before[language], new, new_vocab, sentences)
                                       for language, sentences in texts.items()})
  markdown = "\n".join(preservation_markdown(rows, name if name == paths[name] else f"{name} ({paths[name]})",
                                            original_name) for name, rows in rows_by_vocab.items())
  if len(new_vocabs) > 1:
    markdown += "\n" + comparison_markdown(rows_by_vocab, original_name)
  return PreservationResult(rows_by_vocab, markdown)


@dataclasses.dataclass(frozen=True)
class CurveResult:
  """The size/preservation curve: one point per budget, its table, and its plot when written."""
  points: list[dict]
  markdown: str

  def write(self, output: str) -> None:
    outputs.write_text(outputs.join(output, "curve.json"), json.dumps(self.points, indent=2) + "\n")
    outputs.write_text(outputs.join(output, "curve.md"), self.markdown)
    os.makedirs(output, exist_ok=True)
    plot_curve(self.points, os.path.join(output, "curve.png"))


def size_curve(original, original_vocab: Sequence[str], counts: Mapping[str, LanguageCounts],
               samples: Mapping[str, Sample], texts: Mapping[str, Sequence[str]],
               budgets: Sequence[int] | None = None) -> CurveResult:
  """The selection at each budget (default: evenly spaced up to every token seen) and what it preserves."""
  budgets = budgets or default_budgets(counts, original_vocab, DEFAULT_CURVE_POINTS)
  tokenized = {language: Sample.tokenize(original, sentences, language) for language, sentences in texts.items()}
  points = curve(counts, original_vocab, tokenized, budgets, samples)
  if not points:
    raise ValueError("no budget could be selected; give larger --budgets")
  return CurveResult(points, curve_markdown(points))


if __name__ == "__main__":
  main()
