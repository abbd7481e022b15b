"""Encoding throughput of the original and the smaller model at LaBSE's full size, on CPU.

    python benchmarks/eval_throughput.py [--work DIR] [--sentences 192] [--batch_size 32]

Uses the random LaBSE-shaped original (501,153 x 768, 12 layers) and its 173,347-token export that
benchmarks/export_fullsize.py writes (made here if --work has none), and times preprocess + encoder
on the same sentences (FLORES dev English with ../shared, else the bundled samples' lines), the two
models taking turns, best of --repeats. The smaller model should be at least as fast: the
transformer is the same, only the embedding table it gathers from is smaller.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
FLORES_EN = os.path.join(os.path.dirname(ROOT), "shared", "data", "flores200", "dev", "eng_Latn.dev")


def sentences(count: int) -> list[str]:
  if os.path.exists(FLORES_EN):
    with open(FLORES_EN, encoding="utf-8") as handle:
      lines = handle.read().splitlines()
  else:
    from samples import stand_in
    lines = stand_in.sample_lines()
  return [lines[i % len(lines)] for i in range(count)]


def main(argv: list[str]) -> None:
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--work", help="export_fullsize.py's directory (default: a temporary one)")
  parser.add_argument("--original", help="the original export_fullsize.py exported with --original (default: WORK)")
  parser.add_argument("--sentences", type=int, default=192)
  parser.add_argument("--batch_size", type=int, default=32)
  parser.add_argument("--repeats", type=int, default=3)
  args = parser.parse_args(argv)
  work = args.work or tempfile.mkdtemp(prefix="export-fullsize-")
  from benchmarks.export_fullsize import PUBLISHED_VOCAB_SIZE
  smaller_dir = os.path.join(work, f"smaller-{PUBLISHED_VOCAB_SIZE}")
  if not os.path.exists(os.path.join(smaller_dir, "encoder", "saved_model.pb")):
    subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "export_fullsize.py"), "--work", work,
                    *(["--original", args.original] if args.original else [])], check=True)
  original = args.original or work

  import tensorflow as tf

  from evaluation.tatoeba import Model, describe_device
  models = [Model("original", os.path.join(original, "encoder"), os.path.join(original, "preprocess")),
            Model("smaller", os.path.join(smaller_dir, "encoder"), os.path.join(smaller_dir, "preprocess"))]
  texts = sentences(args.sentences)
  for model in models:
    model.embed(texts[:args.batch_size], args.batch_size)  # Warm-up: traces and allocates.
  best = {model.name: float("inf") for model in models}
  for _ in range(args.repeats):
    for model in models:
      start = time.perf_counter()
      model.embed(texts, args.batch_size)
      best[model.name] = min(best[model.name], time.perf_counter() - start)
  print(f"\nThroughput on {describe_device()}, {tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count()} "
        f"threads, {args.sentences} sentences in batches of {args.batch_size} (seq_length 128), best of {args.repeats}:")
  for model in models:
    print(f"  {model.name:9s} {args.sentences / best[model.name]:7.1f} sentences/s")
  ratio = best["original"] / best["smaller"]
  verdict = "faster" if ratio >= 1 else "as fast, within 2% timing noise" if ratio >= 0.98 else "SLOWER"
  print(f"  smaller / original: {ratio:.3f}x ({verdict})")


if __name__ == "__main__":
  main(sys.argv[1:])
