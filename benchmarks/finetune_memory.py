"""Fine-tuning memory and step time: an original LaBSE-format encoder against its smaller export.

    python benchmarks/finetune_memory.py --original DIR [--smaller DIR] [--batch_size 32] [--seq_length 128]

DIR holds `encoder/` and `preprocess/` (a Model Garden-written model such as google/LaBSE/2 or one
from ../shared/tools/make_official_fixture.py at full size); --smaller is its export (default:
exported here to LaBSE-seen tokens 173,347, the published smaller-LaBSE's size, if absent).

Each model fine-tunes in a child process of its own, as a user would: `hub.KerasLayer(trainable=True)`
on the encoder, Adam, a SimCSE-style in-batch contrastive loss (each sentence twice, the two dropout
views must find each other), `--batch_size` sequences of `--seq_length` tokens a step. The parent
reads each child's peak resident memory from the kernel (wait4), so the figure includes everything
the process held; on a GPU the child also reports TensorFlow's peak device memory. The original
smaller-LaBSE's headline was "Adam needs ~7.5 GB for LaBSE (16 bytes a parameter), half after the
cut": this measures what it is.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
PUBLISHED_VOCAB_SIZE = 173_347


def train(model_dir: str, batch_size: int, seq_length: int, steps: int) -> dict:
  """Runs in the child: Adam steps on the model; returns step times and device memory."""
  import tensorflow as tf
  import tensorflow_hub as hub
  import tensorflow_text  # noqa: F401
  import tf_keras

  from benchmarks.eval_throughput import sentences
  encoder = hub.KerasLayer(os.path.join(model_dir, "encoder"), trainable=True)
  preprocess = hub.load(os.path.join(model_dir, "preprocess"))
  texts = sentences(batch_size // 2)
  tokens = preprocess.tokenize(tf.constant(texts + texts))
  inputs = preprocess.bert_pack_inputs([tokens], seq_length=tf.constant(seq_length))
  optimizer = tf_keras.optimizers.Adam(1e-5)
  labels = tf.concat([tf.range(batch_size // 2, batch_size), tf.range(batch_size // 2)], axis=0)

  @tf.function
  def step():
    with tf.GradientTape() as tape:
      embeddings = tf.nn.l2_normalize(encoder(inputs, training=True)["pooled_output"], axis=-1)
      scores = 20.0 * tf.matmul(embeddings, embeddings, transpose_b=True) - 1e9 * tf.eye(batch_size)
      loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, scores))
    variables = encoder.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return loss

  times, losses = [], []
  for _ in range(steps):
    start = time.perf_counter()
    losses.append(float(step()))
    times.append(time.perf_counter() - start)
  parameters = sum(int(tf.size(v)) for v in encoder.trainable_variables)
  gpus = tf.config.list_logical_devices("GPU")
  device_peak = tf.config.experimental.get_memory_info("GPU:0")["peak"] if gpus else None
  return {"parameters": parameters, "step_seconds": times, "losses": losses, "device": "GPU" if gpus else "CPU",
          "device_peak_bytes": device_peak}


def measure(model_dir: str, args) -> dict:
  """Fine-tunes in a child process; its peak RSS comes from the kernel when it exits."""
  from benchmarks.measured import run_measured
  measured = run_measured([sys.executable, __file__, "--step", model_dir, "--batch_size", str(args.batch_size),
                           "--seq_length", str(args.seq_length), "--steps", str(args.steps)], f"fine-tuning {model_dir}")
  result = json.loads(measured.stdout.split("RESULT ", 1)[1])
  return {**result, "peak_rss_bytes": measured.peak_rss_bytes, "wall_seconds": measured.wall_seconds}


def ensure_smaller(original: str, smaller: str) -> None:
  if os.path.exists(os.path.join(smaller, "encoder", "saved_model.pb")):
    return
  from pipelines.vocab import format_vocab, read_vocab
  vocab = read_vocab(os.path.join(original, "encoder", "assets", os.listdir(os.path.join(original, "encoder", "assets"))[0]))
  kept = os.path.join(os.path.dirname(smaller.rstrip("/")), f"kept-{PUBLISHED_VOCAB_SIZE}.txt")
  with open(kept, "wb") as handle:
    handle.write(format_vocab(vocab[:PUBLISHED_VOCAB_SIZE]))
  subprocess.run([sys.executable, "-m", "exporter.export", "--encoder", os.path.join(original, "encoder"),
                  "--preprocess", os.path.join(original, "preprocess"), "--vocab", kept, "--output", smaller],
                 check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def main(argv: list[str]) -> None:
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--original", help="directory with the original's encoder/ and preprocess/")
  parser.add_argument("--smaller", help="directory with its export (default: ORIGINAL/../smaller-173347, made if absent)")
  parser.add_argument("--batch_size", type=int, default=32)
  parser.add_argument("--seq_length", type=int, default=128)
  parser.add_argument("--steps", type=int, default=4, help="Adam steps per model; the first traces and is not timed")
  parser.add_argument("--step", help=argparse.SUPPRESS)  # The child process: the model directory to fine-tune.
  args = parser.parse_args(argv)
  if args.step:
    print("RESULT " + json.dumps(train(args.step, args.batch_size, args.seq_length, args.steps)))
    return
  if not args.original:
    parser.error("--original is required")
  smaller = args.smaller or os.path.join(os.path.dirname(os.path.abspath(args.original)), f"smaller-{PUBLISHED_VOCAB_SIZE}")
  ensure_smaller(args.original, smaller)
  results = {name: measure(path, args) for name, path in (("original", args.original), ("smaller", smaller))}
  print(f"\nAdam fine-tuning, batch {args.batch_size} x seq {args.seq_length}, {args.steps} steps "
        f"({results['original']['device']}, {os.cpu_count()} CPUs):\n")
  print("| model | parameters | 16 B/parameter | peak RSS | peak device memory | step time (median after the first) |")
  print("| --- | ---: | ---: | ---: | ---: | ---: |")
  for name, r in results.items():
    device = f"{r['device_peak_bytes'] / 1e9:.2f} GB" if r["device_peak_bytes"] else "-"
    print(f"| {name} | {r['parameters'] / 1e6:.1f}M | {16 * r['parameters'] / 1e9:.2f} GB | "
          f"{r['peak_rss_bytes'] / 1e9:.2f} GB | {device} | {statistics.median(r['step_seconds'][1:]):.2f} s |")
  ratio = results["smaller"]["peak_rss_bytes"] / results["original"]["peak_rss_bytes"]
  print(f"\nsmaller / original peak RSS: {ratio:.2f}; parameters: "
        f"{results['smaller']['parameters'] / results['original']['parameters']:.2f}")
  for name, r in results.items():
    print(f"{name}: losses {[round(x, 3) for x in r['losses']]}")


if __name__ == "__main__":
  main(sys.argv[1:])
