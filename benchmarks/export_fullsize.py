"""The exporter at LaBSE's full size: wall time and peak memory.

    python benchmarks/export_fullsize.py [--work DIR] [--kept 173347]

Writes a random LaBSE-shaped encoder (501,153 x 768 word embeddings, 12 layers, 12 heads, 3072
intermediate, 512 positions) and its preprocess model with the project's own code, then runs
`python -m exporter.export` on it in a child process to a 15-language-sized vocab (the published
smaller-LaBSE has 173,347 tokens) and prints the export's wall time and peak resident memory.

The vocab is LaBSE's 254,175 tokens seen on Wikipedia (../shared, by frequency) padded with
synthetic tokens to 501,153, or all synthetic without ../shared; the kept tokens are the first
--kept. Target: peak RSS <= 2x the original's variable bytes (1.88 GB -> 3.8 GB).
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
SEEN_VOCAB = os.path.join(os.path.dirname(ROOT), "shared", "data", "labse", "labse-seen-vocab.txt")
LABSE_VOCAB_SIZE = 501_153
PUBLISHED_VOCAB_SIZE = 173_347


def labse_sized_vocab() -> list[str]:
  from pipelines.vocab import LABSE_SPECIAL_TOKENS, read_vocab
  vocab = read_vocab(SEEN_VOCAB) if os.path.exists(SEEN_VOCAB) else list(LABSE_SPECIAL_TOKENS)
  present = set(vocab)
  for i in itertools.count():
    if len(vocab) == LABSE_VOCAB_SIZE:
      return vocab
    token = f"synthetic{i}" if i % 2 else f"##synthetic{i}"
    if token not in present:
      vocab.append(token)


def write_original(directory: str, vocab: list[str]) -> tuple[str, str]:
  """A random LaBSE-shaped encoder + preprocess pair, in a child process's memory, not this one's."""
  import tensorflow as tf

  from exporter import bert
  from exporter.export import write_encoder
  from exporter.preprocess import Preprocessor
  from pipelines.vocab import format_vocab
  vocab_path = os.path.join(directory, "vocab.txt")
  with open(vocab_path, "wb") as handle:
    handle.write(format_vocab(vocab))
  encoder = bert.BertEncoder(bert.EncoderConfig(len(vocab)))
  write_encoder(os.path.join(directory, "encoder"), encoder.weights_by_name, vocab_path, False)
  tf.saved_model.save(Preprocessor(vocab_path, False, 128, vocab), os.path.join(directory, "preprocess"))
  return os.path.join(directory, "encoder"), os.path.join(directory, "preprocess")


def main(argv: list[str]) -> None:
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--work", help="directory for the models (default: a temporary one)")
  parser.add_argument("--kept", type=int, default=PUBLISHED_VOCAB_SIZE, help="tokens in the smaller vocab")
  parser.add_argument("--step", choices=["write-original", "export"], help=argparse.SUPPRESS)  # Child processes.
  args = parser.parse_args(argv)
  work = args.work or tempfile.mkdtemp(prefix="export-fullsize-")
  os.makedirs(work, exist_ok=True)
  if args.step == "write-original":
    write_original(work, labse_sized_vocab())
    return
  if args.step == "export":
    from exporter import export
    export.export(os.path.join(work, "encoder"), os.path.join(work, "preprocess"),
                  os.path.join(work, f"kept-{args.kept}.txt"), os.path.join(work, f"smaller-{args.kept}"), overwrite=True)
    print(f"PEAK_RSS_BYTES {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}")
    return

  from pipelines.vocab import format_vocab, read_vocab
  if not os.path.exists(os.path.join(work, "encoder", "saved_model.pb")):
    start = time.time()
    subprocess.run([sys.executable, __file__, "--work", work, "--step", "write-original"], check=True)
    print(f"Wrote the random LaBSE-shaped original in {time.time() - start:.0f} s")
  vocab = read_vocab(os.path.join(work, "vocab.txt"))
  kept_path = os.path.join(work, f"kept-{args.kept}.txt")
  with open(kept_path, "wb") as handle:
    handle.write(format_vocab(vocab[:args.kept]))
  variable_bytes = sum(os.path.getsize(os.path.join(work, "encoder", "variables", name))
                       for name in os.listdir(os.path.join(work, "encoder", "variables")))

  start = time.time()
  child = subprocess.run([sys.executable, __file__, "--work", work, "--kept", str(args.kept), "--step", "export"],
                         check=True, stdout=subprocess.PIPE, text=True)
  wall = time.time() - start
  peak = int(child.stdout.split("PEAK_RSS_BYTES")[-1])
  print(f"\nExport of {len(vocab):,} x 768 -> {args.kept:,} tokens (12 layers):")
  print(f"  wall time            {wall:.1f} s")
  print(f"  peak RSS             {peak / 1e9:.2f} GB")
  print(f"  original variables   {variable_bytes / 1e9:.2f} GB -> target peak <= {2 * variable_bytes / 1e9:.2f} GB "
        f"({'met' if peak <= 2 * variable_bytes else 'NOT met'})")
  print(f"  models in            {work}")


if __name__ == "__main__":
  main(sys.argv[1:])
