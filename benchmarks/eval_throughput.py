"""Encoding throughput at LaBSE's full size: TensorFlow padded and packed, and PyTorch on the --hf folder.

    python benchmarks/eval_throughput.py --original DIR [--smaller DIR] [--sentences 256] [--batch_size 32]
    python benchmarks/eval_throughput.py --hf DIR [--devices cpu,cuda]      # PyTorch only (no TensorFlow)

--original DIR holds a LaBSE-format `encoder/` and `preprocess/` (../shared/tools/make_official_fixture.py
writes one at full size); --smaller the export of it (benchmarks/export_fullsize.py --hf writes
`smaller-173347/` beside it, with its `hf/` folder). Sentences are the first --sentences of Tatoeba's
French side (12.7 tokens on average with [CLS] and [SEP]), else the bundled samples' lines. Printed,
in sentences per second, best of --repeats after a warm-up:

- TensorFlow, the preprocess model's default call (every batch padded to its seq_length, 128), as the
  Tatoeba job encoded before;
- TensorFlow, sorted by length and each batch packed to its longest (exporter/encoding.py), as the
  Tatoeba job and the export's checks encode now;
- sentence-transformers on the Hugging Face folder, on each of --devices that PyTorch has (fp32, and
  bf16 on a GPU);
- and, with --tatoeba_pairs, the whole Tatoeba job as a user runs it (a child process, loading
  included) on --smaller's TensorFlow pair and on its Hugging Face folder.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
TATOEBA = os.path.join(SHARED, "data", "tatoeba", "v1")
FRENCH = os.path.join(TATOEBA, "tatoeba.fra-eng.fra")


def sentences(count: int) -> list[str]:
  if os.path.exists(FRENCH):
    with open(FRENCH, encoding="utf-8") as handle:
      lines = handle.read().splitlines()
  else:
    from samples import stand_in
    lines = stand_in.sample_lines()
  return [lines[i % len(lines)] for i in range(count)]


def best_of(function, repeats: int) -> float:
  function()  # Warm-up: traces, allocates.
  best = float("inf")
  for _ in range(repeats):
    start = time.perf_counter()
    function()
    best = min(best, time.perf_counter() - start)
  return best


def tensorflow_rows(original: str, texts: list[str], batch_size: int, repeats: int) -> list[tuple[str, float]]:
  from exporter import numerics
  from exporter.encoding import SentenceEncoder
  from pipelines.tfstartup import import_tensorflow
  tf = import_tensorflow()
  model = SentenceEncoder(tf.saved_model.load(os.path.join(original, "encoder")),
                          tf.saved_model.load(os.path.join(original, "preprocess")))

  def padded():
    for start in range(0, len(texts), batch_size):
      model.encoder(model.preprocess(tf.constant(texts[start:start + batch_size])), training=False)

  def packed():
    model.encode(texts, model.plan(texts, batch_size))

  with numerics.exact_arithmetic():  # As the Tatoeba job and the export's checks run.
    return [(f"TensorFlow, padded to {model.seq_length} (before)", len(texts) / best_of(padded, repeats)),
            ("TensorFlow, packed to each batch's length (now)", len(texts) / best_of(packed, repeats))]


def pytorch_rows(folder: str, texts: list[str], batch_size: int, repeats: int,
                 devices: list[str]) -> list[tuple[str, float]]:
  import torch
  from sentence_transformers import SentenceTransformer
  rows = []
  for device in devices:
    if device.startswith("cuda") and not torch.cuda.is_available():
      print(f"(no {device}: PyTorch sees no GPU)")
      continue
    where = torch.cuda.get_device_name(0) if device.startswith("cuda") else f"CPU, {torch.get_num_threads()} threads"
    for dtype in (("float32", "bfloat16") if device.startswith("cuda") else ("float32",)):
      model = SentenceTransformer(folder, device=device, model_kwargs={"dtype": getattr(torch, dtype)})

      def encode():
        model.encode(texts, batch_size=batch_size, show_progress_bar=False)
        if device.startswith("cuda"):
          torch.cuda.synchronize()

      rows.append((f"sentence-transformers on the --hf folder, {where}, {dtype}", len(texts) / best_of(encode, repeats)))
  return rows


def tatoeba_job_rows(smaller: str, pairs: int, batch_size: int) -> list[tuple[str, float]]:
  """The whole command, as a user runs it: `pairs` sentence pairs of French, both sides, loading included;
  and sentence-transformers' own encode of the same sentences (loaded beforehand), the speed to compare with."""
  data = tempfile.mkdtemp(prefix="tatoeba-")
  texts = []
  for side in ("fra", "eng"):
    with open(os.path.join(TATOEBA, f"tatoeba.fra-eng.{side}"), encoding="utf-8") as handle:
      lines = handle.read().splitlines()[:pairs]
    texts += lines
    with open(os.path.join(data, f"tatoeba.fra-eng.{side}"), "w", encoding="utf-8") as handle:
      handle.write("\n".join(lines) + "\n")
  from sentence_transformers import SentenceTransformer
  model = SentenceTransformer(os.path.join(smaller, "hf"), device="cpu")
  start = time.perf_counter()
  for side in (texts[:pairs], texts[pairs:]):
    model.encode(side, batch_size=batch_size, show_progress_bar=False)
  rows = [(f"sentence-transformers' own encode of the job's {2 * pairs:,} sentences (CPU, no loading)",
           2 * pairs / (time.perf_counter() - start))]
  for label, model in (("TensorFlow pair", f"{smaller}/encoder,{smaller}/preprocess"), ("--hf folder", f"{smaller}/hf")):
    output = tempfile.mkdtemp(prefix="tatoeba-out-")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "evaluation.tatoeba", "--data", data, "--model", f"m={model}",
                    "--output", output], cwd=ROOT, check=True, capture_output=True)
    seconds = time.perf_counter() - start
    with open(os.path.join(output, "results.json"), encoding="utf-8") as handle:
      accuracy = json.load(handle)["accuracy"]["m"]
    print(f"  (the Tatoeba job on the {label}: en->xx {accuracy['en→xx']['fr']:.2f}, xx->en {accuracy['xx→en']['fr']:.2f})")
    rows.append((f"the Tatoeba job, whole command, {label}", 2 * pairs / seconds))
  return rows


def main(argv: list[str]) -> None:
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--original", help="a LaBSE-format encoder/ + preprocess/ (TensorFlow figures)")
  parser.add_argument("--smaller", help="its export (default: ORIGINAL/../smaller-173347 if it exists)")
  parser.add_argument("--hf", help="a sentence-transformers folder (default: SMALLER/hf)")
  parser.add_argument("--sentences", type=int, default=256)
  parser.add_argument("--batch_size", type=int, default=32)
  parser.add_argument("--repeats", type=int, default=3)
  parser.add_argument("--devices", default="cpu,cuda", help="PyTorch devices to measure (default: cpu,cuda)")
  parser.add_argument("--tatoeba_pairs", type=int, default=0,
                      help="also time the whole Tatoeba job on N French pairs (2N sentences a model)")
  args = parser.parse_args(argv)
  smaller = args.smaller or (os.path.join(os.path.dirname(os.path.abspath(args.original)), "smaller-173347")
                             if args.original else None)
  hf = args.hf or (os.path.join(smaller, "hf") if smaller and os.path.isdir(os.path.join(smaller, "hf")) else None)
  if not (args.original or hf):
    parser.error("give --original (TensorFlow) and/or --hf (PyTorch)")
  texts = sentences(args.sentences)
  rows = tensorflow_rows(args.original, texts, args.batch_size, args.repeats) if args.original else []
  if hf:
    rows += pytorch_rows(hf, texts, args.batch_size, args.repeats, args.devices.split(","))
  if args.tatoeba_pairs and smaller:
    rows += tatoeba_job_rows(smaller, args.tatoeba_pairs, args.batch_size)
  print(f"\n{args.sentences} Tatoeba French sentences, batches of {args.batch_size}, best of {args.repeats}:\n")
  print("| how | sentences/s |\n| --- | ---: |")
  for label, rate in rows:
    print(f"| {label} | {rate:.1f} |")


if __name__ == "__main__":
  main(sys.argv[1:])
