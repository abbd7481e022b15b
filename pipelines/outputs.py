"""The run's output files, written atomically through Beam FileSystems (local or gs://).

    OUTPUT/counts/<lang>.tsv    id, count, lines, token (verbatim, last); by count, descending
    OUTPUT/stats.json           per language pages, lines, words, tokens, [UNK]s, bytes, shards
    OUTPUT/original_vocab.txt   the vocab the ids refer to, so selection can rerun from counts alone
    OUTPUT/tokenizer.json       how the original tokenizer splits words (selection tokenizes --sample_text with it)
    OUTPUT/samples/<lang>.txt   sentences of a sample of each language's lines, as original token ids
    OUTPUT/vocab.txt, selection.json, selection.md   the selected vocab and its report
    OUTPUT/text/<lang>.txt      with --dump_text N: the first N extracted lines per language

Each file is written to a temporary name beside its target and renamed when complete, so a
reader never sees half a file.
"""

from __future__ import annotations

import json
import os
import uuid
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

import numpy as np

from pipelines.counting import STAT_FIELDS, LanguageCounts
from pipelines.vocab import format_vocab, parse_vocab

if TYPE_CHECKING:
  from pipelines.sampling import Sample
  from pipelines.tokenizer import TokenizerSpec

COUNTS_HEADER = "id\tcount\tlines\ttoken\n"
# The run's files by name (the layout above); every module reads and writes them through these.
STATS = "stats.json"
ORIGINAL_VOCAB = "original_vocab.txt"
TOKENIZER = "tokenizer.json"
VOCAB = "vocab.txt"
SELECTION_JSON = "selection.json"
SELECTION_MD = "selection.md"


def _filesystems():
  """Beam's FileSystems, imported on first use: the exporter uses this module without Beam's 0.1 GB."""
  from apache_beam.io.filesystems import FileSystems
  return FileSystems


def join(base: str, *parts: str) -> str:
  return _filesystems().join(base, *parts)


def write_bytes(path: str, data: bytes) -> None:
  temporary = f"{path}.tmp-{uuid.uuid4().hex}"
  with _filesystems().create(temporary, mime_type="application/octet-stream", compression_type="uncompressed") as handle:
    handle.write(data)
  _filesystems().rename([temporary], [path])  # Replaces an existing file on every Beam filesystem.


def write_text(path: str, text: str) -> None:
  write_bytes(path, text.encode("utf-8"))


def read_bytes(path: str) -> bytes:
  with _filesystems().open(path, compression_type="uncompressed") as handle:
    return handle.read()


def counts_tsv(token_counts: np.ndarray, line_counts: np.ndarray, vocab: Sequence[str]) -> str:
  """One row per token seen, most frequent first (ties by id)."""
  seen = np.flatnonzero(token_counts)
  order = seen[np.lexsort((seen, -token_counts[seen]))]
  rows = [COUNTS_HEADER]
  rows.extend(f"{i}\t{token_counts[i]}\t{line_counts[i]}\t{vocab[i]}\n" for i in order.tolist())
  return "".join(rows)


def parse_counts_tsv(text: str, vocab: Sequence[str], source: str) -> tuple[np.ndarray, np.ndarray]:
  token_counts = np.zeros(len(vocab), np.int64)
  line_counts = np.zeros(len(vocab), np.int64)
  rows = text.split("\n")
  if rows[0] + "\n" != COUNTS_HEADER:
    raise ValueError(f"{source}:1: expected the header {COUNTS_HEADER.strip()!r}")
  for line_number, row in enumerate(rows[1:], start=2):
    if not row:
      continue
    fields = row.split("\t", 3)  # The token is last and may hold any character but a newline.
    if len(fields) != 4:
      raise ValueError(f"{source}:{line_number}: expected 4 tab-separated fields")
    token_id, count, lines, token = int(fields[0]), int(fields[1]), int(fields[2]), fields[3]
    if not 0 <= token_id < len(vocab) or vocab[token_id] != token:
      raise ValueError(f"{source}:{line_number}: token {token!r} is not id {token_id} of the original vocab")
    token_counts[token_id] = count
    line_counts[token_id] = lines
  return token_counts, line_counts


def write_run_files(output: str, tokenizer: "TokenizerSpec", stats: Mapping) -> None:
  """The run's own files, after every language's: original_vocab.txt, tokenizer.json, then stats.json."""
  write_tokenizer_files(output, tokenizer)
  write_text(join(output, STATS), json.dumps(stats, indent=2, ensure_ascii=False) + "\n")


def write_tokenizer_files(output: str, tokenizer: "TokenizerSpec") -> None:
  """original_vocab.txt and tokenizer.json: the original tokenizer, as `read_tokenizer_spec` reads it."""
  write_bytes(join(output, ORIGINAL_VOCAB), format_vocab(tokenizer.vocab()))
  write_tokenizer_spec(output, tokenizer)


def exists(path: str) -> bool:
  return _filesystems().exists(path)


def holds_files(folder: str) -> bool:
  """Whether `folder` (local or gs://) holds any file; a missing or empty folder does not."""
  if "://" not in folder:
    if os.path.isfile(folder):
      return True
    return os.path.isdir(folder) and any(files for _, _, files in os.walk(folder))
  found = _filesystems().match([join(folder, "**")], limits=[1])
  return bool(found and found[0].metadata_list)


def read_original_vocab(run_dir: str) -> list[str]:
  vocab_path = join(run_dir, ORIGINAL_VOCAB)
  if not exists(vocab_path):
    raise ValueError(f"{run_dir}: not the output of a pipeline run (no original_vocab.txt)")
  return parse_vocab(read_bytes(vocab_path), vocab_path)


def read_counts(run_dir: str) -> tuple[list[str], dict[str, LanguageCounts]]:
  """(original vocab, counts by language) of a finished run; stats as stats.json has them."""
  vocab = read_original_vocab(run_dir)
  stats = json.loads(read_bytes(join(run_dir, STATS)))
  counts = {}
  for language, language_stats in stats["languages"].items():
    path = join(run_dir, "counts", f"{language}.tsv")
    token_counts, line_counts = parse_counts_tsv(read_bytes(path).decode("utf-8"), vocab, path)
    scalar = {key: int(value) for key, value in language_stats.items() if isinstance(value, int)}
    counts[language] = LanguageCounts(token_counts, line_counts, {**dict.fromkeys(STAT_FIELDS, 0), **scalar})
  return vocab, counts


def languages_without_text(run_dir: str) -> list[str]:
  """The languages a run was asked for that gave no text (stats.json's `languages_without_text`)."""
  return list(json.loads(read_bytes(join(run_dir, STATS))).get("languages_without_text", []))


def read_samples(run_dir: str, vocab: Sequence[str], languages: Iterable[str]) -> dict[str, "Sample"]:
  """The run's sentence samples of `languages`; none for runs that kept none (like the seed counts)."""
  from pipelines.sampling import Sample
  samples = {}
  for language in languages:
    path = join(run_dir, "samples", f"{language}.txt")
    if exists(path):
      samples[language] = Sample.from_text(read_bytes(path).decode("utf-8"), len(vocab), path)
  return samples


def write_tokenizer_spec(output: str, spec: "TokenizerSpec") -> None:
  write_text(join(output, TOKENIZER), json.dumps(spec.describe(), indent=1) + "\n")


def read_tokenizer_spec(run_dir: str, vocab: Sequence[str]) -> "TokenizerSpec":
  """The run's original tokenizer; for runs without tokenizer.json, tf_text's cased one over its vocab."""
  from pipelines.tokenizer import TokenizerSpec
  path = join(run_dir, TOKENIZER)
  if exists(path):
    return TokenizerSpec.from_description(vocab, json.loads(read_bytes(path)))
  return TokenizerSpec.tf_text_cased(vocab, f"{join(run_dir, ORIGINAL_VOCAB)} (cased, as tf_text's BertTokenizer)")


def read_selection_beside(vocab_path: str) -> dict | None:
  """The selection.json written with a vocab (a run's or `smaller-labse select`'s), or None when the vocab
  did not come from one (or it cannot be read: the callers then say less, nothing else changes)."""
  path = join(os.path.dirname(vocab_path) or ".", SELECTION_JSON)
  try:
    return json.loads(read_bytes(path)) if exists(path) else None
  except (OSError, ValueError):
    return None


# The per-language files of a run, by folder (OUTPUT/<folder>/<lang><suffix>).
LANGUAGE_FILES = {"counts": ".tsv", "samples": ".txt", "text": ".txt"}


def retire_finished_run(output: str) -> None:
  """Before a run writes into `output` (--overwrite): an earlier run's stats.json goes first, so that until
  this run writes its own, the folder reads as unfinished rather than as a mix of two runs."""
  path = join(output, STATS)
  if exists(path):
    _filesystems().delete([path])


def remove_stale_language_files(output: str, languages: Iterable[str]) -> None:
  """After a run into a folder an earlier run wrote (--overwrite): that run's files for languages this one
  did not count are removed, so that the folder holds one run."""
  keep = set(languages)
  stale = []
  for folder, suffix in LANGUAGE_FILES.items():
    for result in _filesystems().match([join(output, folder, f"*{suffix}")]):
      for metadata in result.metadata_list:
        language = metadata.path.rsplit("/", 1)[-1][:-len(suffix)]
        if language not in keep:
          stale.append(metadata.path)
  if stale:
    _filesystems().delete(stale)
