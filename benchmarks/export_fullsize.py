"""The exporter at LaBSE's full size: wall time and peak memory, with and without the HF folder.

    python benchmarks/export_fullsize.py --original DIR [--work DIR] [--kept 173347] [--hf]

--original DIR holds a LaBSE-format `encoder/` and `preprocess/` written by Model Garden's exporter,
the format of google/LaBSE/2: ../shared/tools/make_official_fixture.py writes one at full size
(501,153 x 768 word embeddings, 12 layers) in about 90 s. Without it, a random LaBSE-shaped pair is
written with the project's own code (smaller and lighter to load than the official format: its
figures understate the real export's memory).

The export runs as `python -m exporter.export` in a child process to a 15-language-sized vocab (the
first --kept tokens of the original's; the published smaller-LaBSE has 173,347) and the parent reads
the child's peak resident memory from the kernel when it exits (wait4). Target: peak RSS <= 2x the
original's variable bytes (1.88 GB -> 3.77 GB). With --hf the export also writes and checks the
Hugging Face folder, and the figures of that check are printed.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
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
  from samples import stand_in
  return stand_in.write_original(directory, stand_in.write_vocab(os.path.join(directory, "vocab.txt"), vocab))


def flores_texts(work: str, count: int) -> list[str]:
  """`--texts LANG=PATH` arguments: the first `count` FLORES dev sentences of each language."""
  flores = os.path.join(os.path.dirname(ROOT), "shared", "data", "flores200", "dev")
  if not count or not os.path.isdir(flores):
    return []
  arguments = []
  for name in sorted(os.listdir(flores)):
    with open(os.path.join(flores, name), encoding="utf-8") as handle:
      lines = handle.read().split("\n")[:count]
    path = os.path.join(work, f"texts-{name}")
    with open(path, "w", encoding="utf-8") as handle:
      handle.write("\n".join(lines) + "\n")
    arguments += ["--texts", f"{name.split('.')[0]}={path}"]
  return arguments


def run_export(encoder: str, preprocess: str, kept_path: str, output: str, hf: bool,
               texts: list[str]) -> tuple[float, int]:
  """Exports in a child process; returns its wall time and peak RSS (from the kernel, at its exit)."""
  command = [sys.executable, "-m", "exporter.export", "--encoder", encoder, "--preprocess", preprocess,
             "--vocab", kept_path, "--output", output, "--overwrite", *(["--hf"] if hf else []), *texts]
  from benchmarks.measured import run_measured
  measured = run_measured(command, "the export", cwd=ROOT)
  return measured.wall_seconds, measured.peak_rss_bytes


def main(argv: list[str]) -> None:
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--original", help="directory with a Model Garden-written encoder/ and preprocess/ "
                                         "(default: write a random LaBSE-shaped pair with the project's code)")
  parser.add_argument("--work", help="directory for the models (default: a temporary one)")
  parser.add_argument("--kept", type=int, default=PUBLISHED_VOCAB_SIZE, help="tokens in the smaller vocab")
  parser.add_argument("--hf", action="store_true", help="also write and check the Hugging Face folder")
  parser.add_argument("--texts_per_language", type=int, default=0,
                      help="check equivalence on the first N FLORES dev sentences of each language in ../shared "
                           "(default: the exporter's built-in sample)")
  parser.add_argument("--step", choices=["write-original"], help=argparse.SUPPRESS)  # Child process.
  args = parser.parse_args(argv)
  work = args.work or tempfile.mkdtemp(prefix="export-fullsize-")
  os.makedirs(work, exist_ok=True)
  if args.step == "write-original":
    write_original(work, labse_sized_vocab())
    return

  from pipelines.reference import find_vocab_asset
  from pipelines.vocab import format_vocab, read_vocab
  if args.original:
    encoder, preprocess = os.path.join(args.original, "encoder"), os.path.join(args.original, "preprocess")
    source = f"{args.original} (Model Garden format)"
  else:
    encoder, preprocess = os.path.join(work, "encoder"), os.path.join(work, "preprocess")
    source = f"{work} (written with the project's code; the official format costs more, see --original)"
    if not os.path.exists(os.path.join(encoder, "saved_model.pb")):
      start = time.time()
      subprocess.run([sys.executable, __file__, "--work", work, "--step", "write-original"], check=True)
      print(f"Wrote the random LaBSE-shaped original in {time.time() - start:.0f} s")
  vocab = read_vocab(find_vocab_asset(encoder))
  kept_path = os.path.join(work, f"kept-{args.kept}.txt")
  with open(kept_path, "wb") as handle:
    handle.write(format_vocab(vocab[:args.kept]))
  variables = os.path.join(encoder, "variables")
  variable_bytes = sum(os.path.getsize(os.path.join(variables, name)) for name in os.listdir(variables))
  output = os.path.join(work, f"smaller-{args.kept}")
  wall, peak = run_export(encoder, preprocess, kept_path, output, args.hf, flores_texts(work, args.texts_per_language))

  print(f"\nExport of {len(vocab):,} -> {args.kept:,} tokens{' with --hf' if args.hf else ''}, original {source}:")
  print(f"  wall time            {wall:.1f} s")
  print(f"  peak RSS             {peak / 1e9:.2f} GB = {peak / variable_bytes:.2f}x the variables")
  print(f"  original variables   {variable_bytes / 1e9:.3f} GB -> target peak <= {2 * variable_bytes / 1e9:.2f} GB "
        f"({'met' if peak <= 2 * variable_bytes else 'NOT met'})")
  with open(os.path.join(output, "export_report.json")) as handle:
    report = json.load(handle)
  rebuild = report["rebuild_max_abs_difference"]
  print(f"  rebuild proof        exact {max(rebuild['exact'].values()):.2g}, default rewrites "
        f"{max(rebuild['optimized'].values()):.2g}")
  if args.hf:
    checked = report["huggingface"]
    print(f"  HF token ids         {sum(r['ids_equal'] for r in checked.values())} of "
          f"{sum(r['sentences'] for r in checked.values())} sentences equal")
    print(f"  HF embeddings        {sum(r['embeddings_equal'] for r in checked.values())} of "
          f"{sum(r['preserved'] for r in checked.values())} preserved sentences within 1e-4; max abs difference "
          f"{max(r['max_abs_difference'] for r in checked.values()):.2g} (normalised), "
          f"{max(r['max_abs_difference_pooled'] for r in checked.values()):.2g} (pooler_output)")
  print(f"  models in            {work}")


if __name__ == "__main__":
  main(sys.argv[1:])
