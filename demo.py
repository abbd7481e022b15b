"""The main job on an embedded default: `make demo`.

Runs the vocabulary pipeline on the project's bundled sample dumps (6 wikis: en fr ja ar th ru)
and prints what it produced. It needs no download: the "original" tokenizer is a stand-in, a
cased WordPiece vocab in LaBSE's layout learned from the samples themselves with tf_text's
vocab tool. The same command on the real thing:

    python -m pipelines.select_vocab \
        --dumps 'dumps/*-pages-articles-multistream*.xml.bz2' \
        --original_preprocess https://tfhub.dev/google/universal-sentence-encoder-cmlm/multilingual-preprocess/2 \
        --output runs/15lang
"""

from __future__ import annotations

import argparse
import collections
import glob
import logging
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE_DUMPS = os.path.join(HERE, "samples", "dumps", "*.xml.bz2")
DEMO_VOCAB_SIZE = 6000


def sample_lines() -> list[str]:
  """Article lines of every bundled sample dump, read with the pipeline's own extraction."""
  from pipelines import corpus, sources
  lines = []
  for number, path in enumerate(sorted(glob.glob(SAMPLE_DUMPS))):
    dump = sources.read_header(path)
    whole = sources.Shard((number, 0), path, dump.language, "dump", 0, dump.size, 1, dump.dropped_namespace_names)
    lines.extend(corpus.shard_lines(whole, collections.Counter()))
  return lines


def learn_demo_vocab(path: str) -> None:
  """Learns a cased WordPiece vocab from the samples with tf_text's tool; LaBSE's special ids."""
  import tensorflow as tf
  from tensorflow_text.tools.wordpiece_vocab.bert_vocab_from_dataset import bert_vocab_from_dataset

  from pipelines import outputs
  from pipelines.vocab import LABSE_SPECIAL_TOKENS, format_vocab
  dataset = tf.data.Dataset.from_tensor_slices(sample_lines()).batch(256)
  vocab = bert_vocab_from_dataset(dataset, vocab_size=DEMO_VOCAB_SIZE, reserved_tokens=list(LABSE_SPECIAL_TOKENS),
                                  bert_tokenizer_params={"lower_case": False})
  outputs.write_bytes(path, format_vocab(vocab))


def main(argv: list[str]) -> None:
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--output", default=os.path.join(HERE, "runs", "demo"))
  args = parser.parse_args(argv)
  logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

  from pipelines import select_vocab
  vocab_path = os.path.join(HERE, "runs", "demo-original", "vocab.txt")
  if not os.path.exists(vocab_path):
    print(f"Learning the stand-in original vocab from the samples -> {os.path.relpath(vocab_path)}")
    learn_demo_vocab(vocab_path)
  print("Running the vocabulary pipeline on the bundled sample dumps ...")
  stats = select_vocab.run([
      "--dumps", SAMPLE_DUMPS, "--vocab_file", vocab_path, "--output", args.output,
      "--streams_per_shard", "1", "--dump_text", "5"])

  print("\nWhat the pipeline read (stats.json):\n")
  print("| language | pages | redirects | lines | words | tokens | [UNK] | shards read | shards skipped |")
  print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
  for language, s in stats["languages"].items():
    print(f"| {language} | {s['pages']} | {s['redirects']} | {s['lines']} | {s['words']:,} | {s['tokens']:,} | "
          f"{s['unk_tokens']} | {s['shards_read']} | {s['shards_skipped']} |")
  with open(os.path.join(args.output, "selection.md"), encoding="utf-8") as handle:
    print("\n" + handle.read())
  print(f"Outputs in {os.path.relpath(args.output)}/: counts/<lang>.tsv, stats.json, vocab.txt, selection.json, "
        "selection.md, text/<lang>.txt")
  print("\nThis ran on a stand-in: sample dumps written for this project and a vocab learned from them.\n"
        "For the real LaBSE and real dumps, see README.md ('Running on real data'):\n"
        "  python -m pipelines.select_vocab --dumps 'dumps/*-pages-articles-multistream*.xml.bz2' \\\n"
        "    --original_preprocess https://tfhub.dev/google/universal-sentence-encoder-cmlm/multilingual-preprocess/2 \\\n"
        "    --output runs/15lang")


if __name__ == "__main__":
  main(sys.argv[1:])
