"""Export a smaller LaBSE: keep the selected vocab's embedding rows, write encoder + preprocess.

    python -m exporter.export --encoder https://tfhub.dev/google/LaBSE/2 \
        --preprocess https://tfhub.dev/google/universal-sentence-encoder-cmlm/multilingual-preprocess/2 \
        --vocab runs/15lang/vocab.txt --output models/smaller-labse-15lang [--hf]

Steps: load both originals (handle, URL, .tar.gz or directory) and read the encoder's dropout rates
from its saved config; check the new vocab against the encoder's (a subset, special tokens at their
ids) and that encoder and preprocess share a vocab; prove the project's encoder reproduces the
original (pooled and sequence outputs within 1e-5) on real sentences; gather the kept rows; write
`OUTPUT/encoder` and `OUTPUT/preprocess` (and with --hf, `OUTPUT/hf` for transformers and
sentence-transformers) into a temporary directory beside OUTPUT; verify that sentences tokenized with
kept tokens only get the original's embeddings (and, with --hf, that PyTorch gives TensorFlow's token
ids and embeddings); write the report; rename into place. Nothing is left at OUTPUT on failure.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import logging
import os
import shutil
import sys
import tempfile
from typing import Sequence

import numpy as np

from exporter import numerics, saved_config
from exporter.config import EncoderConfig
from pipelines import cli, markdown, models
from pipelines.progress import Progress
from pipelines.tfstartup import import_tensorflow
from pipelines.parameters import labse_parameters, parameter_table
from pipelines.vocab import (REQUIRED_SPECIAL_TOKENS, VocabError, format_vocab, is_special_token, parse_vocab,
                             read_vocab)

TOLERANCE = 1e-5
WORD_EMBEDDINGS = "word_embeddings/embeddings"
VERIFY_BATCH_SIZE = 16  # Sentences per call when checking (every layer's outputs come back), packed to their length.
REBUILD_SENTENCES = 2  # per language: the check compares every preserved sentence after the export anyway
DEFAULT_SEQ_LENGTH = 128
# A small multilingual sample for the rebuild proof and the equivalence check when no --texts are given.
BUILT_IN_TEXTS = {
    "en": ["The lighthouse guided ships safely into the harbour.", "Honey bees communicate with a waggle dance."],
    "fr": ["Le phare guide les navires la nuit\u202f!", "Pourquoi tant de phares en Bretagne\u202f?"],
    "de": ["Der Leuchtturm steht an der Küste.", "Bienen sammeln Nektar und Pollen."],
    "es": ["El faro guía a los barcos por la noche.", "Las abejas producen miel."],
    "ja": ["灯台は夜に船を導く。", "ミツバチは花の蜜を集めて蜂蜜を作る。"],
    "zh": ["灯塔在夜间为船只导航。", "蜜蜂采集花蜜。"],
    "ar": ["المنارة ترشد السفن ليلًا.", "النحل ينتج العسل."],
    "th": ["ประภาคารนำทางเรือในเวลากลางคืน", "ผึ้งผลิตน้ำผึ้ง"],
    "ru": ["Маяк указывает путь кораблям ночью.", "Пчёлы собирают нектар."],
    "ko": ["등대는 밤에 배를 안내한다.", "꿀벌은 꿀을 만든다."],
}

# Two sentences in each of LaBSE's languages (tools/make_check_sentences.py): the default check of a vocab
# whose selection.json says which languages it was selected for.
CHECK_SENTENCES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check_sentences.tsv")

logger = logging.getLogger(__name__)


def read_check_sentences(path: str = CHECK_SENTENCES) -> dict[str, list[str]]:
  sentences: dict[str, list[str]] = {}
  with open(path, encoding="utf-8") as handle:
    for line in handle.read().split("\n"):
      if line and not line.startswith("#"):
        language, _, sentence = line.partition("\t")
        sentences.setdefault(language, []).append(sentence)
  return sentences


def default_check_texts(vocab: str) -> dict[str, list[str]]:
  """Sentences of the languages the vocab was selected for (its run's selection.json, beside it), or the
  built-in ten when it has none."""
  from pipelines import outputs
  report = outputs.read_selection_beside(vocab)
  if report is None:
    return BUILT_IN_TEXTS
  chosen = list(report["languages"])
  bundled = read_check_sentences()
  missing = [language for language in chosen if language not in bundled]
  if missing:
    logger.warning("No check sentences bundled for %s: the check covers the vocab's other languages (give --texts "
                   "LANG=FILE to check them too)", ", ".join(missing))
  # The bundled sentences, and the built-in ones of the same languages (short, everyday words).
  texts = {language: bundled[language] + BUILT_IN_TEXTS.get(language, []) for language in chosen
           if language in bundled}
  return texts or BUILT_IN_TEXTS


class ExportError(RuntimeError):
  """The export could not be done or proven; nothing was written at the output."""


class InputError(ExportError):
  """What the user gave cannot make a model: a model that is not a LaBSE-format pair, an output that
  exists, a missing extra. A usage error (exit 2), unlike a failed proof (exit 1)."""


def check_vocab(new_vocab: Sequence[str], original_vocab: Sequence[str], source: str) -> np.ndarray:
  """Original ids of the new vocab's tokens; raises naming the offending tokens and lines."""
  original_ids = {token: i for i, token in enumerate(original_vocab)}
  missing = [(line, token) for line, token in enumerate(new_vocab, start=1) if token not in original_ids]
  if missing:
    shown = ", ".join(f"line {line}: {token!r}" for line, token in missing[:10])
    raise VocabError(f"{source}: {len(missing)} tokens are not in the original vocab ({shown})")
  moved = [(line, token, original_ids[token]) for line, token in enumerate(new_vocab, start=1)
           if is_special_token(token) and original_ids[token] != line - 1]
  if moved:
    shown = ", ".join(f"{token!r} at id {line - 1}, originally {old}" for line, token, old in moved[:10])
    raise VocabError(f"{source}: special tokens must keep their original ids: {shown}")
  absent = [token for token in REQUIRED_SPECIAL_TOKENS if token not in new_vocab]
  if absent:
    raise VocabError(f"{source}: the vocab lacks {absent}, whose ids the preprocess graph uses")
  return np.array([original_ids[token] for token in new_vocab], np.int64)


def _read_asset_vocab(asset) -> tuple[list[str], str]:
  path = asset.asset_path.numpy().decode("utf-8")
  with open(path, "rb") as handle:
    return parse_vocab(handle.read(), path), path


class Originals:
  """The original encoder and preprocess models, loaded and cross-checked."""

  def __init__(self, encoder: str, preprocess: str):
    tf = import_tensorflow()  # With TF Text's ops, which the preprocess model uses.
    self.encoder_dir, self.preprocess_dir = models.resolve_model(encoder), models.resolve_model(preprocess)
    self.encoder = tf.saved_model.load(self.encoder_dir)
    self.preprocess = tf.saved_model.load(self.preprocess_dir)
    if not hasattr(self.encoder, "vocab_file"):
      raise InputError(f"{encoder}: the encoder has no vocab_file asset; is it a LaBSE/BERT TF-Hub encoder?")
    self.vocab, self.vocab_path = _read_asset_vocab(self.encoder.vocab_file)
    self.lower_case = bool(self.encoder.do_lower_case.numpy()) if hasattr(self.encoder, "do_lower_case") else False
    from pipelines.reference import find_vocab_asset
    preprocess_vocab_path = find_vocab_asset(self.preprocess_dir)
    with open(preprocess_vocab_path, "rb") as handle, open(self.vocab_path, "rb") as other:
      if handle.read() != other.read():
        raise InputError(f"the encoder's vocab {self.vocab_path} and the preprocess model's {preprocess_vocab_path} "
                          "differ: they are not a matching pair")
    self.seq_length = int(self.preprocess(tf.constant(["x"]))["input_word_ids"].shape[1])
    self.dropout = saved_config.read_dropout(self.encoder_dir, self.encoder)

  def release_encoder(self) -> None:
    """Frees the original encoder's memory (its variables go when nothing else holds them; with oneDNN's
    allocator TensorFlow keeps the memory for its own reuse, see `main`)."""
    self.encoder = None
    gc.collect()

  def release_preprocess(self) -> None:
    self.preprocess = None
    gc.collect()

  def weights(self) -> dict:
    """The encoder's variables by LaBSE weight name."""
    from exporter import bert
    layers = sum(1 for v in self.encoder.variables if v.name.split(":")[0].endswith("/self_attention/query/kernel"))
    names = bert.weight_names(layers)
    found = {}
    for variable in self.encoder.variables:
      name = bert.canonical_name(variable.name, names)
      if name:
        found[name] = variable
    missing = [name for name in names if name not in found]
    if not layers or missing:
      raise InputError(f"{self.encoder_dir}: the encoder lacks the weights {missing[:5] or ['transformer/layer_0/...']} "
                        "of a LaBSE-format BERT encoder")
    return found


def _max_difference(a: dict, b: dict) -> dict[str, float]:
  return {key: float(np.max(np.abs(np.asarray(a[key]) - np.asarray(b[key])))) for key in ("pooled_output", "sequence_output")}


def prove_rebuild(originals: Originals, weights: dict, texts: Sequence[str]) -> dict[str, dict[str, float]]:
  """The project's encoder, sharing the original's variables, must reproduce its outputs.

  Compared with grappler's arithmetic rewrites off (see `numerics`), where the two must agree within
  TOLERANCE (they agree bit for bit); the difference under default settings is measured on the first
  batch and reported.
  """
  import tensorflow as tf

  from exporter import bert
  from exporter.encoding import SentenceEncoder
  config = bert.EncoderConfig.from_weights({name: tuple(v.shape) for name, v in weights.items()})
  rebuilt = tf.function(bert.BertEncoder(config, variables=weights), reduce_retracing=True)  # Batches vary in length.
  exact, optimized = {}, {}
  original = SentenceEncoder(originals.encoder, originals.preprocess)
  # In batches packed to their length: each call returns every layer's output.
  for number, batch in enumerate(original.plan(texts, VERIFY_BATCH_SIZE)):
    inputs = original.inputs(texts, batch)
    with numerics.exact_arithmetic():
      for key, value in _max_difference(originals.encoder(inputs, training=False), rebuilt(inputs)).items():
        exact[key] = max(exact.get(key, 0.0), value)
    if number == 0:  # A figure for the report, not the proof.
      optimized = _max_difference(originals.encoder(inputs, training=False), rebuilt(inputs))
  if max(exact.values()) > TOLERANCE:
    raise ExportError(f"the project's encoder does not reproduce the original (max abs difference {exact}, "
                      f"tolerance {TOLERANCE}); nothing was written")
  return {"exact": exact, "optimized": optimized}


def write_encoder(path: str, variables: dict, vocab_path: str, lower_case: bool, dropout=None) -> None:
  """Saves an encoder over `variables` (by LaBSE name) with the TF-Hub encoder API; copies no weight.

  `dropout` (a `bert.Dropout`, BERT's rates by default) is what it applies under training=True.
  """
  import tensorflow as tf

  from exporter import bert
  config = bert.EncoderConfig.from_weights({name: tuple(v.shape) for name, v in variables.items()},
                                           dropout or bert.Dropout())
  encoder = bert.BertEncoder(config, variables=variables)
  encoder.vocab_file = tf.saved_model.Asset(vocab_path)
  encoder.do_lower_case = tf.Variable(lower_case, trainable=False, name="do_lower_case")
  # Keras metadata is not written by tf.saved_model.save: the rates are kept for a later export to read.
  encoder.dropout_rates = tf.Variable([config.dropout.hidden, config.dropout.attention, config.dropout.inner],
                                      trainable=False, dtype=tf.float64, name="dropout_rates")
  bert.set_dynamic_signature(encoder)
  tf.saved_model.save(encoder, path)


@dataclasses.dataclass
class Expected:
  """What the original gives one language's sentences: which are preserved (every token kept), their
  ids, and the pooled outputs of the preserved ones compared exactly (see `numerics`)."""
  sentences: list[str]
  preserved: np.ndarray
  word_ids: np.ndarray
  pooled_exact: np.ndarray

  @property
  def kept_sentences(self) -> list[str]:
    return [sentence for sentence, keep in zip(self.sentences, self.preserved) if keep]


@dataclasses.dataclass
class Reference:
  """The original's outputs on the check's sentences, computed before the export (so that the original
  can be released first), and the batches they were computed in, which the check runs the new model in:
  every language's preserved sentences in one plan (exporter/encoding.py), so that batches are full and
  few lengths are traced. Under TensorFlow's default rewrites only a sample is run, the first preserved
  sentence of each language: a figure for the report, not the check, which need not double its time."""
  languages: dict[str, Expected]
  plan: list
  sample: list[str]
  sample_languages: list[str]
  sample_plan: list
  sample_optimized: np.ndarray

  def kept_sentences(self) -> list[str]:
    return [sentence for expected in self.languages.values() for sentence in expected.kept_sentences]

  def split(self, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Rows of `kept_sentences()` by language."""
    bounds = np.cumsum([0, *(int(e.preserved.sum()) for e in self.languages.values())])
    return {language: rows[bounds[i]:bounds[i + 1]] for i, language in enumerate(self.languages)}


def _sample(languages: dict[str, Expected]) -> tuple[list[str], list[str]]:
  pairs = [(language, e.kept_sentences[0]) for language, e in languages.items() if e.preserved.any()]
  return [sentence for _, sentence in pairs], [language for language, _ in pairs]


def expected_outputs(originals: Originals, kept_ids: np.ndarray, texts: dict[str, list[str]]) -> Reference:
  """Computed before the export, so that the original encoder can be released before the check."""
  import tensorflow as tf

  from exporter.encoding import SentenceEncoder
  kept = np.zeros(len(originals.vocab), bool)
  kept[kept_ids] = True
  original = SentenceEncoder(originals.encoder, originals.preprocess)
  languages = {}
  for language, sentences in texts.items():
    tokens = originals.preprocess.tokenize(tf.constant(sentences)).merge_dims(1, 2).to_list()
    preserved = np.array([bool(kept[np.asarray(ids, np.int64)].all()) for ids in tokens], bool)
    word_ids = originals.preprocess(tf.constant(sentences))["input_word_ids"].numpy()[preserved]
    languages[language] = Expected(sentences, preserved, word_ids, np.zeros((0, 0), np.float32))
  reference = Reference(languages, [], [], [], [], np.zeros((0, 0), np.float32))
  kept_sentences = reference.kept_sentences()
  if not kept_sentences:  # A check on no sentence would prove nothing.
    raise InputError(f"none of the {sum(len(s) for s in texts.values())} check sentences ({', '.join(texts)}) keeps "
                     "all its tokens in this vocab, so the export cannot show the smaller model equal to the "
                     "original; give --texts LANG=FILE with sentences in the vocab's languages")
  reference.plan = original.plan(kept_sentences, VERIFY_BATCH_SIZE)
  with Progress(len(kept_sentences), "original on the check's sentences", logger) as progress:
    with numerics.exact_arithmetic():
      pooled = original.encode(kept_sentences, reference.plan, progress=progress)
  for language, rows in reference.split(pooled).items():
    languages[language].pooled_exact = rows
  reference.sample, reference.sample_languages = _sample(languages)
  reference.sample_plan = original.plan(reference.sample, VERIFY_BATCH_SIZE)
  reference.sample_optimized = original.encode(reference.sample, reference.sample_plan)
  return reference


def verify(output: str, kept_ids: np.ndarray, reference: Reference) -> dict:
  """Per language: sentences checked, preserved (every original token kept) and matched.

  A preserved sentence matches when the new preprocess model gives it the original's tokens and the
  new encoder's pooled_output equals the original's within TOLERANCE (compared exactly, see
  `numerics`); `max_abs_difference_optimized` is the difference under default settings on the sample.
  """
  import tensorflow as tf

  from exporter.encoding import SentenceEncoder
  preprocess = tf.saved_model.load(os.path.join(output, "preprocess"))
  smaller = SentenceEncoder(tf.saved_model.load(os.path.join(output, "encoder")), preprocess)
  kept_sentences = reference.kept_sentences()
  # The same batches at the same lengths as the original's: its token lengths are the original's.
  with Progress(len(kept_sentences), "smaller model, checked", logger) as progress:
    with numerics.exact_arithmetic():
      pooled = reference.split(smaller.encode(kept_sentences, reference.plan, progress=progress))
  sample = np.abs(smaller.encode(reference.sample, reference.sample_plan) - reference.sample_optimized).max(axis=1)
  optimized = dict(zip(reference.sample_languages, sample.tolist()))
  results = {}
  for language, want in reference.languages.items():
    result = {"sentences": len(want.sentences), "preserved": int(want.preserved.sum()), "matched": 0,
              "max_abs_difference": 0.0, "max_abs_difference_optimized": optimized.get(language, 0.0)}
    if want.preserved.any():
      ids = preprocess(tf.constant(want.kept_sentences))["input_word_ids"].numpy()
      same_ids = (kept_ids[ids] == want.word_ids).all(axis=1)
      difference = np.abs(pooled[language] - want.pooled_exact).max(axis=1)
      result.update(matched=int((same_ids & (difference <= TOLERANCE)).sum()), max_abs_difference=float(difference.max()))
    results[language] = result
  failed = {language: r for language, r in results.items() if r["matched"] != r["preserved"]}
  if failed:
    raise ExportError(f"preserved sentences whose embeddings differ from the original's: {failed}")
  return results


def read_new_weights(encoder_dir: str, names: list[str], kept_ids: np.ndarray) -> dict:
  """The new encoder's variables by LaBSE name, read from the original's checkpoint: the transformer's
  as they are, the word embedding table's kept rows only (see `exporter.checkpoint`)."""
  import tensorflow as tf

  from exporter.checkpoint import CheckpointError, EncoderCheckpoint
  try:
    original = EncoderCheckpoint(encoder_dir, names)
  except CheckpointError as error:
    raise ExportError(str(error)) from None
  weights = {WORD_EMBEDDINGS: original.gather_rows(WORD_EMBEDDINGS, kept_ids)}  # First: it needs the most memory.
  weights.update({name: tf.Variable(original.read(name), name=name) for name in names if name != WORD_EMBEDDINGS})
  return weights


def probe_char_classes(originals: Originals):
  """How the original preprocess model's basic tokenizer treats every code point (for the HF tokenizer)."""
  import tensorflow as tf

  from pipelines.reference import probe_char_classes as probe
  return probe(lambda texts: originals.preprocess.tokenize(tf.constant(list(texts))).row_lengths(axis=1).numpy())


def verify_huggingface(output: str, reference: Reference) -> dict:
  """The Hugging Face folder against the TF pair just written (ids, every sentence) and the original
  (embeddings, preserved sentences); see `huggingface.verify`."""
  import tensorflow as tf

  from exporter import huggingface
  preprocess = tf.saved_model.load(os.path.join(output, "preprocess"))
  checks = {}
  for language, want in reference.languages.items():
    inputs = preprocess(tf.constant(want.sentences))
    word_ids, mask = inputs["input_word_ids"].numpy(), inputs["input_mask"].numpy().astype(bool)
    checks[language] = huggingface.LanguageCheck(want.sentences, [row[keep].tolist() for row, keep in zip(word_ids, mask)],
                                                 want.preserved, want.pooled_exact)
  try:
    return huggingface.verify(os.path.join(output, "hf"), checks)
  except huggingface.HuggingFaceError as error:
    raise ExportError(f"{error}; nothing was written") from None


def _summary(results: dict, equal: str) -> str:
  return (f"{sum(r[equal] for r in results.values())} of {sum(r['preserved'] for r in results.values())} preserved "
          f"sentences equal in {len(results)} languages")


def _format_bytes(count: int) -> str:
  return f"{count / 2 ** 30:.2f} GiB" if count >= 2 ** 27 else f"{count / 2 ** 20:.1f} MiB"


def report(originals: Originals, vocab_source: str, new_size: int, rebuild: dict, results: dict,
           config_layers: dict, hf_results: dict | None = None) -> tuple[dict, str]:
  parameters = {"original": labse_parameters(len(originals.vocab), **config_layers),
                "smaller": labse_parameters(new_size, **config_layers)}
  memory = {name: p["model"] * 16 for name, p in parameters.items()}
  data = {"inputs": {"encoder": originals.encoder_dir, "preprocess": originals.preprocess_dir, "vocab": vocab_source},
          "parameters": parameters, "adam_fine_tuning_bytes": memory, "rebuild_max_abs_difference": rebuild,
          "equivalence": results, "seq_length": originals.seq_length, "lower_case": originals.lower_case,
          "dropout": dataclasses.asdict(originals.dropout), "architecture": dict(config_layers)}
  if hf_results is not None:
    data["huggingface"] = hf_results
  lines = ["# Export report", "", f"Parameters of these models (hidden {config_layers['hidden']}, "
           f"{config_layers['layers']} layers):", "", parameter_table(parameters), "",
           "Fine-tuning with Adam needs about 16 bytes per parameter (weights, gradients, two moments):", ""]
  lines += [f"- {name}: {_format_bytes(bytes_)}" for name, bytes_ in memory.items()]
  exact, optimized = rebuild["exact"], rebuild["optimized"]
  lines += ["", "Rebuild proof: the project's encoder, with the original's weights, against the original "
            f"(tolerance {TOLERANCE}): max abs difference {exact['pooled_output']:.2g} on pooled_output and "
            f"{exact['sequence_output']:.2g} on sequence_output compared exactly; {optimized['pooled_output']:.2g} and "
            f"{optimized['sequence_output']:.2g} under TensorFlow's default graph rewrites (float32 rounding).",
            "", "Equivalence on sentences whose tokens are all kept (pooled_output, exact comparison):", "",
            markdown.table(["language", "sentences", "preserved", "equal", "max abs difference",
                            "with default rewrites (one sentence)"],
                           [[language, r["sentences"], r["preserved"], r["matched"], f"{r['max_abs_difference']:.2g}",
                             f"{r['max_abs_difference_optimized']:.2g}"] for language, r in results.items()])]
  if hf_results is not None:
    from exporter.huggingface import equivalence_table
    lines += ["", "The Hugging Face model (`hf/`) against TensorFlow: token ids on every sentence, and on preserved "
              "sentences sentence-transformers' normalised embeddings and BertModel's pooler_output against the "
              "original's:", "", equivalence_table(hf_results)]
  lines += ["", f"Dropout under training=True (read from the original): {dataclasses.asdict(originals.dropout)}."]
  lines += ["", f"Inputs: encoder {originals.encoder_dir}, preprocess {originals.preprocess_dir}, vocab {vocab_source}.", ""]
  return data, "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class ExportResult:
  """What an export wrote, and its report: export_report.json (`report`) and export_report.md (`markdown`)."""
  output: str
  report: dict
  markdown: str


def export(encoder: str, preprocess: str, vocab: str, output: str, *, seq_length: int | None = None,
           texts: dict[str, list[str]] | None = None, overwrite: bool = False, hf: bool = False) -> ExportResult:
  """Writes OUTPUT/encoder and OUTPUT/preprocess (and with `hf`, OUTPUT/hf for PyTorch), proven equal to the
  original on `texts` (default: `default_check_texts`); nothing is left at OUTPUT if any check fails."""
  output = os.path.abspath(output)
  _check_output_and_libraries(output, overwrite, hf)
  new_vocab = read_vocab(vocab)  # A missing or malformed vocab is said before the originals load (seconds).
  texts = texts or default_check_texts(vocab)
  originals = Originals(encoder, preprocess)
  logger.info("Loaded the originals: %d tokens, seq_length %d, dropout %s", len(originals.vocab), originals.seq_length,
              originals.dropout)
  _check_exportable(originals, encoder, hf)
  kept_ids = check_vocab(new_vocab, originals.vocab, vocab)
  proven = _prove_and_release_original(originals, kept_ids, texts, hf)
  seq_length = seq_length or originals.seq_length
  with _staged(output) as staging:
    _write_models(staging, originals, proven, new_vocab, kept_ids, seq_length, hf)
    results = verify(staging, kept_ids, proven.expected)
    logger.info("The TensorFlow pair checked: %s", _summary(results, "matched"))
    hf_results = verify_huggingface(staging, proven.expected) if hf else None
    if hf:
      logger.info("The Hugging Face folder checked: %s", _summary(hf_results, "embeddings_equal"))
    data, markdown = report(originals, vocab, len(new_vocab), proven.rebuild, results, proven.config.layer_sizes(),
                            hf_results)
    _write_report(staging, vocab, data, markdown, hf)
  return ExportResult(output, data, markdown)


def _check_output_and_libraries(output: str, overwrite: bool, hf: bool) -> None:
  if os.path.exists(output) and not overwrite:
    raise InputError(f"--output {output} exists; pass --overwrite to replace it")
  if hf:
    from exporter import hf_libraries
    missing = hf_libraries.missing_libraries()
    if missing:
      raise InputError(f"--hf needs {', '.join(missing)}: {hf_libraries.INSTALL_HINT}")


def _check_exportable(originals: Originals, encoder: str, hf: bool) -> None:
  """What the Hugging Face side cannot reproduce exactly is refused before any work."""
  if hf and originals.lower_case:
    raise InputError(f"{encoder}: --hf supports cased models such as LaBSE; this one lower-cases, and tf_text's "
                     "case folding and accent stripping have no exact equivalent in the tokenizers library")
  if hf and originals.dropout.inner:
    raise InputError(f"{encoder}: the original applies dropout {originals.dropout.inner} inside the feed-forward "
                     "layer, which transformers' BertModel has no place for; export without --hf")


@dataclasses.dataclass
class _Proven:
  """What the export keeps of the original once it is released."""
  rebuild: dict  # The rebuild proof's differences.
  config: EncoderConfig
  expected: Reference  # The original's outputs on the check's sentences.
  weight_names: list[str]
  char_classes: object  # The preprocess model's probed character classes (--hf), else None.


def _prove_and_release_original(originals: Originals, kept_ids: np.ndarray, texts: dict[str, list[str]],
                                hf: bool) -> _Proven:
  """With the original loaded: prove the rebuild, compute its outputs (and probe its tokenizer for --hf);
  then release it: the new model is written from the original's checkpoint, the table's kept rows read
  block by block, so that at LaBSE's size the original and the new model are never in memory together."""
  weights = originals.weights()
  rebuild = prove_rebuild(originals, weights, [s for sentences in texts.values() for s in sentences[:REBUILD_SENTENCES]])
  logger.info("Rebuild proof passed: the project's encoder with the original's weights gives its outputs (largest "
              "difference %.1e)", max(rebuild["exact"].values()))
  config = EncoderConfig.from_weights({name: tuple(v.shape) for name, v in weights.items()}, originals.dropout)
  expected = expected_outputs(originals, kept_ids, texts)
  logger.info("The original's outputs on %d sentences computed",
              sum(len(e.sentences) for e in expected.languages.values()))
  names = list(weights)
  del weights
  originals.release_encoder()
  char_classes = probe_char_classes(originals) if hf else None
  originals.release_preprocess()
  return _Proven(rebuild, config, expected, names, char_classes)


@contextlib.contextmanager
def _staged(output: str):
  """A folder beside `output` to write into; moved into place when the block succeeds (an old `output`
  stays whole until then), removed when it fails."""
  parent = os.path.dirname(output)
  os.makedirs(parent, exist_ok=True)
  staging = tempfile.mkdtemp(dir=parent, prefix=f".{os.path.basename(output)}.partial-")
  try:
    yield staging
    if os.path.exists(output):  # --overwrite
      retired = staging + ".replaced"
      os.replace(output, retired)
      os.replace(staging, output)
      shutil.rmtree(retired)
    else:
      os.replace(staging, output)
  finally:
    if os.path.exists(staging):
      shutil.rmtree(staging)


def _write_models(staging: str, originals: Originals, proven: _Proven, new_vocab: list[str], kept_ids: np.ndarray,
                  seq_length: int, hf: bool) -> None:
  """encoder/ and preprocess/ (and hf/) in `staging`, from the original's checkpoint and the new vocab."""
  import tensorflow as tf

  from exporter.preprocess import Preprocessor
  vocab_copy = os.path.join(staging, "vocab.txt")  # Becomes both models' asset; removed after saving.
  with open(vocab_copy, "wb") as handle:
    handle.write(format_vocab(new_vocab))
  new_weights = read_new_weights(originals.encoder_dir, proven.weight_names, kept_ids)
  write_encoder(os.path.join(staging, "encoder"), new_weights, vocab_copy, originals.lower_case, originals.dropout)
  logger.info("Wrote the encoder (%d tokens)", len(new_vocab))
  if hf:
    from exporter import huggingface
    huggingface.write(os.path.join(staging, "hf"), new_vocab, proven.char_classes, seq_length, new_weights,
                      dataclasses.replace(proven.config, vocab_size=len(new_vocab)))
    logger.info("Wrote the Hugging Face folder")
  del new_weights
  gc.collect()
  tf.saved_model.save(Preprocessor(vocab_copy, originals.lower_case, seq_length, new_vocab),
                      os.path.join(staging, "preprocess"))
  os.remove(vocab_copy)


def _write_report(staging: str, vocab: str, data: dict, markdown: str, hf: bool) -> None:
  if hf:
    from exporter import huggingface
    huggingface.write_model_card(os.path.join(staging, "hf"), vocab, data)
  with open(os.path.join(staging, "export_report.json"), "w") as handle:
    json.dump(data, handle, indent=2)
  with open(os.path.join(staging, "export_report.md"), "w") as handle:
    handle.write(markdown)


def limit_retained_memory() -> None:
  """Lets memory freed between the export's phases go back to the system, so that they do not stack.

  TensorFlow's oneDNN CPU allocator keeps every byte it frees for its own reuse and never returns it
  (4.8 GB at LaBSE's size instead of 3.6): it is turned off unless TF_ENABLE_ONEDNN_OPTS is set, which
  works only before TensorFlow is imported (this module imports it lazily); the export runs the model on
  a few hundred sentences, where oneDNN's speed does not matter. Then glibc's malloc: activations of
  a few MB to 32 MB come from per-thread arenas that keep what is freed; serving everything from 4 MB
  up with mmap and using two arenas returns it (0.3 GB less at the peak).
  """
  os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
  try:
    import ctypes
    libc = ctypes.CDLL("libc.so.6")
  except OSError:  # Not glibc (macOS, musl): its allocator's defaults stand.
    return
  m_mmap_threshold, m_arena_max = -3, -8
  libc.mallopt(m_mmap_threshold, 4 << 20)
  libc.mallopt(m_arena_max, 2)


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> None:
  limit_retained_memory()
  parser = cli.ArgumentParser(prog=prog or cli.prog("exporter.export"), description=__doc__.split("\n\n")[0])
  parser.add_argument("--encoder", required=True, help="original encoder: TF-Hub handle/URL, .tar.gz or directory")
  parser.add_argument("--preprocess", required=True, help="original preprocess model: handle/URL, .tar.gz or directory")
  parser.add_argument("--vocab", required=True, help="the selected vocab (vocab.txt of pipelines.select_vocab)")
  parser.add_argument("--output", required=True, help="directory to write encoder/, preprocess/ and the report to")
  parser.add_argument("--seq_length", type=int, help="the preprocess model's default sequence length (default: the original's)")
  parser.add_argument("--texts", action="append", default=[], metavar="LANG=PATH",
                      help="sentences (one a line) for the equivalence check; default: two bundled sentences in each "
                           "language the vocab was selected for (its selection.json), else in ten languages")
  parser.add_argument("--overwrite", action="store_true", help="replace an existing --output (the old one stays "
                                                                 "whole until the new one is complete)")
  parser.add_argument("--hf", action="store_true",
                      help="also write OUTPUT/hf, the same model for transformers and sentence-transformers (PyTorch), "
                           "and check it against TensorFlow; needs the hf extra")
  cli.add_verbose_argument(parser)
  args = parser.parse_args(argv)
  cli.configure_logging(args.verbose)
  from pipelines import corpus  # Reads through Beam's filesystems; imported only here (see `read_vocab`).
  try:
    result = export(args.encoder, args.preprocess, args.vocab, args.output, seq_length=args.seq_length,
                    texts=corpus.read_sentence_files(args.texts) or None, overwrite=args.overwrite, hf=args.hf)
  except (InputError, ValueError, OSError) as error:  # The user's: a wrong model, vocab, file or output.
    parser.exit(2, f"{parser.prog}: error: {error}\n")
  except ExportError as error:  # The new model could not be proven equal to the original: nothing written.
    sys.exit(f"{parser.prog}: export failed: {error}")
  print(result.markdown)
  cli.wrote(["encoder/", "preprocess/"] + (["hf/"] if args.hf else []) + ["export_report.{json,md}"], args.output)


if __name__ == "__main__":
  main()
