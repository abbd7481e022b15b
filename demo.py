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

import logging
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
  parser.add_argument("--output", default=os.path.join(HERE, "runs", "demo"))
  args = parser.parse_args(argv)
  logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

  from evaluation import preservation, tatoeba
  from exporter import export
  from pipelines import select_vocab
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
  stats = select_vocab.run([
      "--dumps", SAMPLE_DUMPS, "--original_preprocess", preprocess, "--output", args.output,
      "--streams_per_shard", "1", "--dump_text", "5"])
  print("| language | pages | redirects | lines | words | tokens | [UNK] | shards read | shards skipped |")
  print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
  for language, s in stats["languages"].items():
    print(f"| {language} | {s['pages']} | {s['redirects']} | {s['lines']} | {s['words']:,} | {s['tokens']:,} | "
          f"{s['unk_tokens']} | {s['shards_read']} | {s['shards_skipped']} |")
  with open(os.path.join(args.output, "selection.md"), encoding="utf-8") as handle:
    print("\n" + handle.read())

  banner("2. Export of the smaller encoder + preprocess, and the same model for PyTorch (hf/)")
  smaller = os.path.join(args.output, "smaller")
  sample_tatoeba = parallel.write_tatoeba_layout(os.path.join(args.output, "tatoeba_sample"))
  texts = {}
  for code in tatoeba.available_languages(sample_tatoeba):
    pair = tatoeba.read_pair(sample_tatoeba, code)
    texts[pair.language] = pair.xx
    texts.setdefault("en", []).extend(pair.en)
  export.export(encoder, preprocess, os.path.join(args.output, "vocab.txt"), smaller, texts=texts, overwrite=True,
                hf=True)
  with open(os.path.join(smaller, "export_report.md"), encoding="utf-8") as handle:
    print(handle.read())

  banner("3. Tatoeba retrieval on the bundled parallel sample")
  tatoeba.main(["--data", sample_tatoeba, "--output", os.path.join(args.output, "tatoeba"),
                "--model", f"original={encoder},{preprocess}",
                "--model", f"smaller={os.path.join(smaller, 'encoder')},{os.path.join(smaller, 'preprocess')}"])

  banner("4. Tokenization preservation and the size/coverage curve")
  preservation.main(["--counts", args.output, "--vocab", os.path.join(args.output, "vocab.txt"),
                     "--tatoeba", sample_tatoeba, "--output", os.path.join(args.output, "preservation")])

  out = os.path.relpath(args.output)
  print(f"\nOutputs in {out}/: counts/<lang>.tsv, stats.json, vocab.txt, selection.{{json,md}}, text/<lang>.txt; "
        f"smaller/{{encoder,preprocess,hf,export_report.md}}; tatoeba_sample/ (the parallel sample in Tatoeba's "
        f"layout); tatoeba/results.{{json,md}}; "
        f"preservation/{{preservation,curve}}.{{json,md}}, preservation/curve.png")
  print("\nThis ran on a stand-in: sample dumps and a 10-sentence-per-language parallel sample written for this\n"
        "project, and a tiny random LaBSE-format model whose vocab was learned from the samples (so its\n"
        "accuracies mean nothing; what matters is that the smaller model matches it where tokens are kept).\n"
        "The same chain on the real LaBSE and real dumps (README.md, 'Running on real data'):\n"
        "  python -m pipelines.select_vocab --dumps 'dumps/*-pages-articles-multistream*.xml.bz2' \\\n"
        "    --original_preprocess https://tfhub.dev/google/universal-sentence-encoder-cmlm/multilingual-preprocess/2 \\\n"
        "    --output runs/15lang\n"
        "  python -m exporter.export --encoder https://tfhub.dev/google/LaBSE/2 \\\n"
        "    --preprocess https://tfhub.dev/google/universal-sentence-encoder-cmlm/multilingual-preprocess/2 \\\n"
        "    --vocab runs/15lang/vocab.txt --output models/smaller-labse-15lang --hf\n"
        "  python -m evaluation.tatoeba --data data/tatoeba/v1 --output runs/tatoeba \\\n"
        "    --model LaBSE=https://tfhub.dev/google/LaBSE/2,https://tfhub.dev/google/universal-sentence-encoder-cmlm/multilingual-preprocess/2 \\\n"
        "    --model 15lang=models/smaller-labse-15lang/encoder,models/smaller-labse-15lang/preprocess")


if __name__ == "__main__":
  main(sys.argv[1:])
