"""Tatoeba retrieval accuracy of one or more models, in both directions, as in the seed's table.

    python -m evaluation.tatoeba --data data/tatoeba/v1 \
        --model LaBSE=https://tfhub.dev/google/LaBSE/2,https://tfhub.dev/google/universal-sentence-encoder-cmlm/multilingual-preprocess/2 \
        --model 15lang=models/smaller-labse-15lang/encoder,models/smaller-labse-15lang/preprocess \
        --model 15lang-pt=models/smaller-labse-15lang/hf \
        --output runs/tatoeba

Reads LASER's Tatoeba v1 layout (`tatoeba.<xxx>-eng.<xxx>` and `tatoeba.<xxx>-eng.eng`, line i of
one translating line i of the other), embeds both sides with each model (L2-normalised) and
retrieves every sentence's nearest neighbour on the other side by cosine: en->xx and xx->en accuracy
in %, per language and on average. Writes `results.json` and `results.md` (one row per model and
direction, then each model minus the first) and prints the table.

Two kinds of model mix in one table:
- `NAME=ENCODER,PREPROCESS`: a TF-Hub style pair (handles, URLs, .tar.gz or directories), run in
  TensorFlow (`pooled_output`, or `default`), on a GPU when TensorFlow sees one; --mixed_precision
  lets grappler run it in float16 there. Sentences are sorted by token length and each batch is
  packed to its longest (`exporter/encoding.py`), with one batch plan for all TensorFlow models, and
  grappler's arithmetic rewrites are off unless --graph_rewrites: a sentence whose tokens the smaller
  vocab keeps gets bit-identical embeddings from both (see exporter/numerics.py).
- `NAME=DIR`: a sentence-transformers folder (what `exporter.export --hf` writes, or any, such as a
  downloaded sentence-transformers/LaBSE), run in PyTorch on --device (CUDA when PyTorch sees a GPU)
  in --dtype. TensorFlow is imported only when a TensorFlow model is named.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import re
from typing import Mapping, Sequence

import numpy as np

from pipelines import cli, languages, markdown, models, outputs
from pipelines.progress import Progress
from pipelines.tfstartup import import_tensorflow

# The seed document's columns, in its order.
TATOEBA_LANGUAGES = ("fr", "es", "de", "zh", "ar", "it", "ja", "ko", "nl", "pl", "pt", "th", "tr", "ru")
DIRECTIONS = ("en→xx", "xx→en")
# Sentences per batch, sorted by length: on a CPU small batches pad least and run fastest (LaBSE's size, 2
# cores: 16 gave 108 sentences/s in sentence-transformers, 32 99, 64 85); a GPU wants large ones.
CPU_BATCH_SIZE, GPU_BATCH_SIZE = 16, 128
DEFAULT_BATCH_SIZE = CPU_BATCH_SIZE
DTYPES = ("float32", "bfloat16", "float16")
# Sentences per sentence-transformers call: it sorts each call by length, so larger calls pad less (a Tatoeba
# side is 1,000); progress is said between calls.
ENCODE_CHUNK = 4096

logger = logging.getLogger(__name__)


class TatoebaError(ValueError):
  pass


@dataclasses.dataclass(frozen=True)
class Pair:
  language: str  # Project code of the xx side.
  xx: list[str]
  en: list[str]


def read_lines(path: str) -> list[str]:
  """A Tatoeba side, one sentence a line; missing, empty or undecodable files are errors naming it."""
  try:
    with open(path, "rb") as handle:
      data = handle.read()
  except FileNotFoundError:
    raise TatoebaError(f"{path}: no such file") from None
  try:
    text = data.decode("utf-8")
  except UnicodeDecodeError as error:
    raise TatoebaError(f"{path}: not UTF-8 (byte {error.start}: {data[error.start:error.start + 4]!r})") from None
  lines = text.split("\n")
  if lines and lines[-1] == "":
    lines.pop()
  if not lines:
    raise TatoebaError(f"{path}: empty file")
  return [line.rstrip("\r") for line in lines]


def tatoeba_code(directory: str, language: str) -> str:
  """The LASER code of a language's pair: from the language table, or, for the pairs of languages that are
  not LaBSE's (yue, nno, oci, ...), the name itself when its pair is in `directory`."""
  try:
    code = languages.resolve(language).tatoeba
  except languages.UnknownLanguageError:
    raw = language.strip().lower()
    if raw.isalpha() and os.path.exists(os.path.join(directory, f"tatoeba.{raw}-eng.{raw}")):
      return raw
    raise
  if code is None:
    raise TatoebaError(f"{language!r}: Tatoeba v1 has no pair for this language")
  return code


def pair_paths(directory: str, language: str) -> tuple[str, str]:
  """The xx and eng files of a language's pair (any code of the language)."""
  code = tatoeba_code(directory, language)
  stem = os.path.join(directory, f"tatoeba.{code}-eng")
  return f"{stem}.{code}", f"{stem}.eng"


def pair_language(directory: str, language: str) -> str:
  """The name results use for a pair: the project's code, or the LASER code of a language outside the table."""
  try:
    return languages.resolve(language).code
  except languages.UnknownLanguageError:
    return tatoeba_code(directory, language)


def read_pair(directory: str, language: str) -> Pair:
  xx_path, en_path = pair_paths(directory, language)
  xx, en = read_lines(xx_path), read_lines(en_path)
  if len(xx) != len(en):
    raise TatoebaError(f"{xx_path} has {len(xx)} lines but {en_path} has {len(en)}: line i of one must "
                       "translate line i of the other")
  return Pair(pair_language(directory, language), xx, en)


_PAIR_FILE = re.compile(r"^tatoeba\.([a-z]+)-eng\.\1$")


def available_languages(directory: str) -> list[str]:
  """Every language whose pair is in `directory`: the seed's 14 first, in the seed's order, then the rest of
  LaBSE's by code, then pairs of languages outside the table by their LASER code."""
  if not os.path.isdir(directory):
    raise TatoebaError(f"{directory}: no such directory (download_tatoeba_dataset.sh fetches LASER's Tatoeba set)")
  found = sorted(match.group(1) for match in map(_PAIR_FILE.match, os.listdir(directory)) if match)
  if not found:
    raise TatoebaError(f"{directory}: no tatoeba.<xxx>-eng.<xxx> files")
  known = {pair_language(directory, code) for code in found}
  seed = [code for code in TATOEBA_LANGUAGES if code in known]
  return seed + sorted(known - set(seed), key=lambda code: (code not in languages.BY_CODE, code))


def chosen_languages(directory: str, names: str | Sequence[str] | None) -> list[str]:
  """The pairs `--languages` names (commas or spaces; `labse`: each of LaBSE's languages with a pair in
  `directory`), in order, without repeats; every pair found when it names none."""
  if not names or not os.path.isdir(directory):
    return available_languages(directory)
  codes = []
  for name in languages.split_names(names):
    if languages.names_group(name):
      codes += [code for code in languages.LABSE_LANGUAGES if languages.BY_CODE[code].tatoeba
                and os.path.exists(pair_paths(directory, code)[0])]
    else:
      codes.append(pair_language(directory, name))
  return list(dict.fromkeys(codes))


def nearest(queries: np.ndarray, candidates: np.ndarray, block: int = 4096) -> np.ndarray:
  """Index of each query's most cosine-similar candidate (rows L2-normalised; ties: lowest index)."""
  return np.concatenate([np.argmax(queries[start:start + block] @ candidates.T, axis=1)
                         for start in range(0, len(queries), block)]) if len(queries) else np.zeros(0, np.int64)


def retrieval(xx: np.ndarray, en: np.ndarray) -> dict[str, dict]:
  """Per direction: the nearest neighbours and the accuracy in % (the right one is the same line)."""
  results = {}
  for direction, (queries, candidates) in {"en→xx": (en, xx), "xx→en": (xx, en)}.items():
    neighbours = nearest(queries, candidates)
    results[direction] = {"neighbours": neighbours,
                          "accuracy": 100.0 * float(np.mean(neighbours == np.arange(len(queries))))}
  return results


def _normalized(rows: np.ndarray) -> np.ndarray:
  rows = rows.astype(np.float32, copy=False)
  return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), np.float32(1e-12))


class Model:
  """A TF-Hub style encoder + preprocess pair, run in TensorFlow."""

  kind = "tensorflow"

  def __init__(self, name: str, encoder: str, preprocess: str):
    from exporter.encoding import SentenceEncoder
    tf = import_tensorflow()  # With TF Text's ops, which the preprocess model uses.
    self.name, self.encoder_source, self.preprocess_source = name, encoder, preprocess
    self.sentence_encoder = SentenceEncoder(tf.saved_model.load(models.resolve_model(encoder)),
                                            tf.saved_model.load(models.resolve_model(preprocess)))

  def describe(self) -> dict:
    return {"kind": self.kind, "encoder": self.encoder_source, "preprocess": self.preprocess_source,
            "device": describe_device()}

  @property
  def default_batch_size(self) -> int:
    import tensorflow as tf
    return GPU_BATCH_SIZE if tf.config.list_physical_devices("GPU") else CPU_BATCH_SIZE

  def embed(self, sentences: Sequence[str], batch_size: int = DEFAULT_BATCH_SIZE, plan=None,
            progress=None) -> np.ndarray:
    """L2-normalised embeddings in input order; `plan` (exporter.encoding) shares batches between models."""
    plan = plan if plan is not None else self.sentence_encoder.plan(sentences, batch_size)
    return _normalized(self.sentence_encoder.encode(sentences, plan, progress=progress))


class SentenceTransformerModel:
  """A sentence-transformers folder, run in PyTorch."""

  kind = "pytorch"

  def __init__(self, name: str, folder: str, device: str = "auto", dtype: str = "float32"):
    from exporter.hf_libraries import INSTALL_HINT, missing_libraries, weights_loaded_quietly
    missing = missing_libraries(("torch", "sentence_transformers"))
    if missing:
      raise TatoebaError(f"--model {name}={folder}: a Hugging Face folder needs {', '.join(missing)}: {INSTALL_HINT}")
    import torch
    from sentence_transformers import SentenceTransformer
    if device == "auto":
      device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
      torch.device(device)
    except RuntimeError:
      raise TatoebaError(f"--device {device!r}: expected cpu, cuda or cuda:N") from None
    if device.startswith("cuda") and not torch.cuda.is_available():
      raise TatoebaError(f"--device {device}: PyTorch sees no GPU on this machine (use --device cpu)")
    self.name, self.folder, self.device, self.dtype = name, folder, device, dtype
    try:
      with weights_loaded_quietly():
        self.model = SentenceTransformer(folder, device=device, model_kwargs={"dtype": getattr(torch, dtype)})
    except (OSError, ValueError) as error:
      raise TatoebaError(f"--model {name}={folder}: not a sentence-transformers folder ({error})") from None

  def describe(self) -> dict:
    import torch
    where = torch.cuda.get_device_name(torch.device(self.device)) if self.device.startswith("cuda") else "CPU"
    return {"kind": self.kind, "folder": self.folder, "device": f"{self.device} ({where})", "dtype": self.dtype}

  @property
  def default_batch_size(self) -> int:
    return GPU_BATCH_SIZE if self.device.startswith("cuda") else CPU_BATCH_SIZE

  def embed(self, sentences: Sequence[str], batch_size: int = DEFAULT_BATCH_SIZE, plan=None,
            progress=None) -> np.ndarray:
    """L2-normalised embeddings in input order (sentence-transformers sorts by length and pads per batch)."""
    embeddings = []
    for start in range(0, len(sentences), ENCODE_CHUNK):  # Chunks, for progress: each is sorted and batched.
      chunk = list(sentences[start:start + ENCODE_CHUNK])
      embeddings.append(self.model.encode(chunk, batch_size=batch_size, convert_to_numpy=True,
                                          show_progress_bar=False).astype(np.float32))
      if progress is not None:
        progress(len(chunk))
    return _normalized(np.concatenate(embeddings)) if embeddings else np.zeros((0, 0), np.float32)


def parse_model(spec: str) -> tuple[str, ...]:
  """`NAME=ENCODER,PREPROCESS` (TensorFlow) or `NAME=DIR` (a sentence-transformers folder)."""
  name, equals, paths = spec.partition("=")
  encoder, comma, preprocess = paths.partition(",")
  if not (equals and name and encoder) or (comma and not preprocess):
    raise TatoebaError(f"--model {spec!r}: expected NAME=ENCODER,PREPROCESS or NAME=DIR (a sentence-transformers "
                       "folder)")
  if comma:
    return name, encoder, preprocess
  if not os.path.isfile(os.path.join(encoder, "modules.json")):
    raise TatoebaError(f"--model {spec!r}: {encoder} is not a sentence-transformers folder (no modules.json); a "
                       "TensorFlow model is NAME=ENCODER,PREPROCESS")
  return name, encoder


def describe_device() -> str:
  import tensorflow as tf
  gpus = tf.config.list_physical_devices("GPU")
  return f"GPU ({', '.join(gpu.name for gpu in gpus)})" if gpus else "CPU (TensorFlow sees no GPU)"


def evaluate(models_: Sequence, pairs: Sequence[Pair], batch_size: int | None = None) -> dict:
  """Accuracy per model, direction and language (with the average), each sentence's neighbour, and the
  encoding speed of each model. TensorFlow models share one batch plan per pair, made once (it tokenizes
  with every one of them). Batches hold `batch_size` sentences, or each model's default for its device."""
  from exporter import encoding  # Imports no TensorFlow by itself.
  accuracy = {model.name: {direction: {} for direction in DIRECTIONS} for model in models_}
  neighbours = {model.name: {} for model in models_}
  speed = {}
  tensorflow_models = [model for model in models_ if model.kind == "tensorflow"]
  plans: dict[int, list] = {}  # By pair number, for the TensorFlow models.
  for model in models_:
    seconds = sentences = 0
    for number, pair in enumerate(pairs, start=1):
      texts = [*pair.xx, *pair.en]  # Both sides in one run: sorted together, batches pad less.
      with Progress(len(texts), f"{model.name} {pair.language} ({number}/{len(pairs)})", logger) as progress:
        size = batch_size or model.default_batch_size
        plan = None
        if model.kind == "tensorflow":
          if number not in plans:
            plans[number] = encoding.shared_plan([m.sentence_encoder for m in tensorflow_models], texts, size)
          plan = plans[number]
        embeddings = model.embed(texts, size, plan=plan, progress=progress)
      found = retrieval(embeddings[:len(pair.xx)], embeddings[len(pair.xx):])
      seconds, sentences = seconds + progress.seconds, sentences + progress.done
      logger.info("%s: %s (%d/%d), %d pairs, %.0f sentences/s: en->xx %.2f, xx->en %.2f", model.name, pair.language,
                  number, len(pairs), len(pair.xx), progress.rate, found["en→xx"]["accuracy"],
                  found["xx→en"]["accuracy"])
      for direction in DIRECTIONS:
        accuracy[model.name][direction][pair.language] = found[direction]["accuracy"]
      neighbours[model.name][pair.language] = {direction: found[direction]["neighbours"] for direction in DIRECTIONS}
    for direction in DIRECTIONS:
      scores = accuracy[model.name][direction]
      scores["avg"] = float(np.mean(list(scores.values())))
    speed[model.name] = sentences / max(seconds, 1e-9)
  return {"accuracy": accuracy, "neighbours": neighbours, "pairs": {pair.language: len(pair.xx) for pair in pairs},
          "sentences_per_second": speed}


def deltas(accuracy: Mapping[str, Mapping[str, Mapping[str, float]]]) -> dict:
  """Every model after the first minus the first, per direction and language."""
  names = list(accuracy)
  return {f"{name} − {names[0]}": {direction: {language: value - accuracy[names[0]][direction][language]
                                               for language, value in scores.items()}
                                   for direction, scores in accuracy[name].items()}
          for name in names[1:]}


def results_markdown(accuracy: Mapping, differences: Mapping, pairs: Mapping[str, int]) -> str:
  columns = [*pairs, "avg"]
  rows = [[f"{name}({direction})", *(f"{scores[c]:.2f}" for c in columns)]
          for name, by_direction in accuracy.items() for direction, scores in by_direction.items()]
  rows += [[f"{name}({direction})", *(f"{scores[c]:+.2f}" for c in columns)]
           for name, by_direction in differences.items() for direction, scores in by_direction.items()]
  lines = [markdown.table(["Model", *columns], rows)]
  lines += ["", "- *Accuracy (%) of nearest-neighbour retrieval by cosine on the Tatoeba pairs "
            f"({', '.join(f'{language} {n:,}' for language, n in pairs.items())} sentence pairs).*"]
  return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> None:
  parser = cli.ArgumentParser(prog=prog or cli.prog("evaluation.tatoeba"), description=__doc__.split("\n\n")[0])
  parser.add_argument("--data", required=True, help="directory with LASER's tatoeba.<xxx>-eng.* files")
  parser.add_argument("--model", action="append", required=True, metavar="NAME=ENCODER,PREPROCESS|NAME=DIR",
                      help="a model to evaluate: a TensorFlow encoder and preprocess model (handles, URLs, .tar.gz "
                           "or directories), or a sentence-transformers folder (such as --hf's); repeat for more. "
                           "Later models are compared with the first")
  cli.add_languages_argument(parser, "languages to evaluate, or the LASER code of any pair in --data (default: "
                                     "every pair found)")
  cli.add_output_arguments(parser, "directory for results.json and results.md")
  parser.add_argument("--batch_size", type=int,
                      help=f"sentences per batch (default: {CPU_BATCH_SIZE} on a CPU, {GPU_BATCH_SIZE} on a GPU)")
  parser.add_argument("--device", default="auto",
                      help="for sentence-transformers folders: cpu, cuda, cuda:N (default: cuda when PyTorch sees a GPU)")
  parser.add_argument("--dtype", choices=DTYPES, default="float32",
                      help="for sentence-transformers folders: the weights' and activations' type")
  parser.add_argument("--mixed_precision", action="store_true",
                      help="TensorFlow models: float16 on a GPU (grappler's auto mixed precision)")
  parser.add_argument("--graph_rewrites", action="store_true",
                      help="keep grappler's arithmetic rewrites (faster by a little; float32 rounding then differs "
                           "between models)")
  cli.add_verbose_argument(parser)
  args = parser.parse_args(argv)
  cli.configure_logging(args.verbose)
  if args.batch_size is not None and args.batch_size < 1:
    parser.error(f"--batch_size must be at least 1, got {args.batch_size}")
  try:
    cli.check_output(args.output, args.overwrite)
    specs = [parse_model(spec) for spec in args.model]
    codes = chosen_languages(args.data, args.languages)
    pairs = [read_pair(args.data, code) for code in codes]
  except (TatoebaError, languages.UnknownLanguageError, cli.OutputExistsError) as error:
    parser.exit(2, f"{parser.prog}: error: {error}\n")

  try:
    result = evaluate_models(specs, pairs, TatoebaSettings(
        batch_size=args.batch_size, device=args.device, dtype=args.dtype, mixed_precision=args.mixed_precision,
        graph_rewrites=args.graph_rewrites), data=args.data)
  except (models.ModelSourceError, OSError, TatoebaError) as error:  # A handle or folder that is not a model.
    parser.exit(2, f"{parser.prog}: error: {error}\n")
  result.write(args.output)
  print(result.markdown)
  cli.wrote(["results.{json,md}"], args.output)


@dataclasses.dataclass(frozen=True, kw_only=True)
class TatoebaSettings:
  """How the models run: batch size (None: each model's default for its device), PyTorch device and type,
  TensorFlow's mixed precision and graph rewrites."""
  batch_size: int | None = None
  device: str = "auto"
  dtype: str = "float32"
  mixed_precision: bool = False
  graph_rewrites: bool = False


@dataclasses.dataclass(frozen=True)
class TatoebaResult:
  """The Tatoeba job's results: results.json (`report`) and results.md (`markdown`)."""
  report: dict
  markdown: str

  @property
  def accuracy(self) -> dict:
    """By model, direction and language (with the average), in %."""
    return self.report["accuracy"]

  def write(self, output: str) -> None:
    outputs.write_text(outputs.join(output, "results.json"),
                       json.dumps(self.report, indent=2, ensure_ascii=False) + "\n")
    outputs.write_text(outputs.join(output, "results.md"), self.markdown)


def evaluate_models(specs: Sequence[tuple], pairs: Sequence[Pair], settings: TatoebaSettings = TatoebaSettings(),
                    data: str = "") -> TatoebaResult:
  """Loads each model (`parse_model`'s specs: TensorFlow pairs or sentence-transformers folders), retrieves
  on every pair, and compares each model with the first."""
  numerics = contextlib.nullcontext()
  if any(len(spec) == 3 for spec in specs):  # TensorFlow only when a TensorFlow model is named.
    tf = import_tensorflow()
    from exporter import numerics as tf_numerics
    if settings.mixed_precision:
      if tf.config.list_physical_devices("GPU"):
        tf.config.optimizer.set_experimental_options({"auto_mixed_precision": True})
      else:
        logger.warning("--mixed_precision applies on a GPU only; running in float32")
    if not settings.graph_rewrites:
      numerics = tf_numerics.exact_arithmetic()
  with numerics:
    loaded = [Model(*spec) if len(spec) == 3 else
              SentenceTransformerModel(*spec, device=settings.device, dtype=settings.dtype) for spec in specs]
    for model in loaded:
      logger.info("%s: %s", model.name, ", ".join(f"{key} {value}" for key, value in model.describe().items()))
    evaluated = evaluate(loaded, pairs, settings.batch_size)
  differences = deltas(evaluated["accuracy"])
  report = {"models": {m.name: m.describe() for m in loaded},
            "accuracy": evaluated["accuracy"], "deltas": differences, "pairs": evaluated["pairs"],
            "sentences_per_second": evaluated["sentences_per_second"], "batch_size": settings.batch_size,
            "mixed_precision": settings.mixed_precision, "graph_rewrites": settings.graph_rewrites, "data": data}
  return TatoebaResult(report, results_markdown(evaluated["accuracy"], differences, evaluated["pairs"]))


if __name__ == "__main__":
  main()
