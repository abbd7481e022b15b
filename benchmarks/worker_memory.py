"""Memory of one pipeline worker process at LaBSE's size, stage by stage.

    python benchmarks/worker_memory.py

A worker holds the tokenizer (the vocab as two dicts and the compiled word patterns), its chunk and
word tables (at most 1,000,000 distinct space-separated chunks and 1,000,000 distinct words, with
their tokens), and dense per-language count vectors (2 x vocab x 8 bytes per shard in flight and per
language in the combiner). This builds a 501,153-token vocab (the fixture's 254,175 real LaBSE tokens
plus synthetic ones), fills the tables to their bounds with real and synthetic words, and prints the
resident memory after each step.
Needs ../shared for the real vocab and text; TensorFlow is never imported, as on a worker.
"""

import os
import resource
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
VOCAB = os.path.join(SHARED, "data", "labse", "labse-seen-vocab.txt")
EXCERPT = os.path.join(SHARED, "data", "wikipedia", "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2")
LABSE_VOCAB_SIZE = 501_153


def rss_mb() -> float:
  with open("/proc/self/status") as handle:
    for line in handle:
      if line.startswith("VmRSS:"):
        return int(line.split()[1]) / 1024
  return float("nan")


def peak_mb() -> float:
  return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
  for path in (VOCAB, EXCERPT):
    if not os.path.exists(path):
      sys.exit(f"needs {path} (the ../shared reference data)")
  import collections

  import apache_beam  # noqa: F401  A worker has Beam loaded.
  import numpy as np

  from pipelines import corpus, sources
  from pipelines.counting import LanguageCounts
  from pipelines.tokenizer import CharClasses, TokenizerSpec
  steps = [("Python + Beam + numpy imported", rss_mb())]

  with open(VOCAB, "rb") as handle:
    vocab = handle.read().decode("utf-8").split("\n")[:-1]
  vocab += [f"##syn{i}" if i % 3 else f"syn{i}" for i in range(LABSE_VOCAB_SIZE - len(vocab))]
  # Character classes as the probe finds them for LaBSE's tokenizer (ASCII part; the rest are words).
  classes = CharClasses(((0, 32), (127, 159), (8203, 8207)), ((33, 47), (58, 64), (91, 96), (123, 126),
                                                                   (12288, 12351), (19968, 40959)))
  spec = TokenizerSpec.create(vocab, False, classes, "benchmark")
  del vocab
  tokenizer = spec.build()
  steps.append((f"tokenizer built ({tokenizer.vocab_size:,} tokens)", rss_mb()))

  info = sources.read_header(EXCERPT)
  lines = list(corpus.shard_lines(sources.Shard((0, 0), EXCERPT, "en", "dump", 0, info.size), collections.Counter()))
  counts = LanguageCounts.empty(tokenizer.vocab_size)
  for begin in range(0, len(lines), 4096):
    counts.add_lines(tokenizer, lines[begin:begin + 4096])
  steps.append((f"real enwiki excerpt counted ({len(tokenizer.chunks):,} chunks, {len(tokenizer.words):,} words)",
                rss_mb()))

  rng = np.random.default_rng(0)
  letters = np.array(list("abcdefghijklmnopqrstuvwxyzéüß"))
  while len(tokenizer.chunks) < 999_000:
    words = ["".join(rng.choice(letters, rng.integers(3, 14))) for _ in range(20_000)]
    counts.add_lines(tokenizer, [" ".join(words[i:i + 20]) for i in range(0, len(words), 20)])
  steps.append((f"tables at their bound ({len(tokenizer.chunks):,} chunks, {len(tokenizer.words):,} words)",
                rss_mb()))

  per_language = [LanguageCounts.empty(tokenizer.vocab_size) for _ in range(16)]
  for language_counts in per_language:
    language_counts.token_counts[:] = 1
    language_counts.line_counts[:] = 1
  steps.append(("+ 16 languages' count vectors in the combiner", rss_mb()))

  print(f"{'step':64s} {'RSS MB':>8s}")
  for name, megabytes in steps:
    print(f"{name:64s} {megabytes:8.0f}")
  print(f"{'peak':64s} {peak_mb():8.0f}")


if __name__ == "__main__":
  main()
