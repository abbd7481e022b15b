"""The main job on an embedded default: `make demo`.

Runs the whole chain offline on the project's bundled samples: the vocabulary pipeline on the
sample dumps (6 wikis: en fr ja ar th ru), the exporter, then the evaluation (Tatoeba retrieval on
a bundled parallel sample in Tatoeba's layout, tokenization preservation and the size/coverage
curve), and prints each step's tables. Nothing is downloaded: the "original LaBSE" is a stand-in,
a tiny LaBSE-format encoder + preprocess pair generated here with random weights and a cased
WordPiece vocab learned from the samples with tf_text's vocab tool. README.md ("Running on real
data") has the same chain on https://tfhub.dev/google/LaBSE/2 and real dumps.
"""

from __future__ import annotations

import os
import sys

from pipelines import cli
from samples import stand_in

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE_DUMPS = stand_in.SAMPLE_DUMPS


def banner(title: str) -> None:
  print(f"\n## {title}\n")


def main(argv: list[str]) -> None:
  parser = cli.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--output", default=os.path.join(HERE, "runs", "demo"),
                      help="the demo's folder, replaced on each run (default: runs/demo)")
  cli.add_verbose_argument(parser)
  args = parser.parse_args(argv)
  cli.configure_logging(args.verbose)

  from evaluation import preservation, tatoeba
  from exporter import export
  from pipelines import markdown, outputs, select_vocab, selection
  from samples import parallel
  original = os.path.join(HERE, "runs", "demo-original")
  vocab_path = os.path.join(original, "vocab.txt")
  if not os.path.exists(vocab_path):
    print(f"Learning the stand-in original's vocab from the samples -> {os.path.relpath(vocab_path)}")
    stand_in.learn_vocab(vocab_path)
  if not os.path.exists(os.path.join(original, "encoder", "saved_model.pb")):
    print(f"Writing the stand-in original encoder + preprocess (random weights) -> {os.path.relpath(original)}/")
    stand_in.write_original(original, vocab_path, seq_length=64, seed=2020, hidden=64, layers=2, heads=4,
                            intermediate=256, max_positions=128)
  encoder, preprocess = os.path.join(original, "encoder"), os.path.join(original, "preprocess")

  banner("1. Vocabulary pipeline on the bundled sample dumps")
  run = select_vocab.run([
      "--dumps", SAMPLE_DUMPS, "--original_preprocess", preprocess, "--output", args.output,
      "--streams_per_shard", "1", "--dump_text", "5", "--overwrite"])
  print(markdown.table(["language", "pages", "redirects", "lines", "words", "tokens", "[UNK]", "shards read",
                        "shards skipped"],
                       [[language, s["pages"], s["redirects"], s["lines"], s["words"], s["tokens"], s["unk_tokens"],
                         s["shards_read"], s["shards_skipped"]] for language, s in run.stats["languages"].items()]))
  print("\n" + selection.selection_markdown(run.selection))

  banner("2. Export of the smaller encoder + preprocess, and the same model for PyTorch (hf/)")
  smaller = os.path.join(args.output, "smaller")
  sample_tatoeba = parallel.write_tatoeba_layout(os.path.join(args.output, "tatoeba_sample"))
  pairs = [tatoeba.read_pair(sample_tatoeba, code) for code in tatoeba.available_languages(sample_tatoeba)]
  texts = {pair.language: pair.xx for pair in pairs} | {"en": [s for pair in pairs for s in pair.en]}
  vocab = os.path.join(args.output, outputs.VOCAB)
  exported = export.export(encoder, preprocess, vocab, smaller, texts=texts, overwrite=True, hf=True)
  print(exported.markdown)

  banner("3. Tatoeba retrieval on the bundled parallel sample")
  retrieval = tatoeba.evaluate_models([("original", encoder, preprocess),
                                       ("smaller", os.path.join(smaller, "encoder"), os.path.join(smaller, "preprocess"))],
                                      pairs, data=sample_tatoeba)
  retrieval.write(os.path.join(args.output, "tatoeba"))
  print(retrieval.markdown)

  banner("4. Tokenization preservation and the size/coverage curve")
  run_vocab, counts = outputs.read_counts(args.output)
  original_tokenizer = outputs.read_tokenizer_spec(args.output, run_vocab).build()  # The run's, as it counted.
  sentences = preservation.read_texts(sample_tatoeba, [])
  compared = preservation.compare_vocabs(original_tokenizer, run_vocab, preprocess, {"selected": vocab},
                                         {"selected": run.selection.vocab}, sentences)
  drawn = preservation.size_curve(original_tokenizer, run_vocab, counts,
                                  outputs.read_samples(args.output, run_vocab, counts), sentences)
  for result in (compared, drawn):
    result.write(os.path.join(args.output, "preservation"))
    print(result.markdown)

  out, stand_in_dir = os.path.relpath(args.output), os.path.relpath(original)
  print(f"\nOutputs: {stand_in_dir}/ (the stand-in original: encoder/, preprocess/, vocab.txt) and {out}/: "
        "counts/<lang>.tsv, samples/, stats.json, vocab.txt, selection.{json,md}, text/<lang>.txt; "
        "smaller/{encoder,preprocess,hf,export_report.{json,md}}; tatoeba_sample/ (the parallel sample in "
        "Tatoeba's layout); tatoeba/results.{json,md}; preservation/{preservation,curve}.{json,md}, "
        "preservation/curve.png")
  print("\nThis ran on a stand-in: sample dumps and a 10-sentence-per-language parallel sample written for this\n"
        "project, and a tiny random LaBSE-format model whose vocab was learned from the samples (so its\n"
        "accuracies mean nothing; what matters is that the smaller model matches it where tokens are kept).\n"
        "Each step again, on the demo's own outputs (README.md, 'After the demo'):\n")
  print(after_the_demo(out, stand_in_dir))


def after_the_demo(out: str, original: str) -> str:
  """The commands that repeat the demo's steps on its outputs; README.md's 'After the demo' holds the same."""
  again = f"{out}-600"
  return "\n".join([
      ". .venv/bin/activate   # the environment make demo made: smaller-labse and python with the project",
      f"smaller-labse select --counts {out} --max_vocab 600 --output {again}",
      f"smaller-labse export --encoder {original}/encoder --preprocess {original}/preprocess \\",
      f"    --vocab {again}/vocab.txt --output {again}/model --hf",
      f"python -c \"from sentence_transformers import SentenceTransformer as S; "
      f"print(S('{again}/model/hf').encode(['Bees make honey.']).shape)\"",
      f"smaller-labse eval --data {out}/tatoeba_sample --output {again}/tatoeba \\",
      f"    --model original={original}/encoder,{original}/preprocess --model v600={again}/model/hf",
      f"smaller-labse preservation --counts {out} --tatoeba {out}/tatoeba_sample --output {again}/preservation \\",
      f"    --vocab default={out}/vocab.txt --vocab v600={again}/vocab.txt",
  ])


if __name__ == "__main__":
  main(sys.argv[1:])
