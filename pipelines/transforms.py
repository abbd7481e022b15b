"""The vocabulary job's steps as Beam transforms, composed by `CountVocabulary`.

    PlanShards          dumps split along their indexes, text files whole, spread over the workers
    CountTokens         per shard: lines -> exact token counts, the first lines, a hash-chosen sample
    CombinePerLanguage  per language: summed counts, the sample's k lines, the first lines
    WriteRun            each language's files in parallel, then the run's original_vocab.txt,
                        tokenizer.json and, last, stats.json (a run is finished when stats.json exists)

Each is a PTransform of its own with its own TestPipeline test (tests/test_pipeline.py).
"""

from __future__ import annotations

import collections
import dataclasses
import gc
import itertools
import logging
from typing import Iterable, Mapping, Sequence

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from pipelines import corpus, outputs, sampling, sources
from pipelines.counting import LanguageCounts
from pipelines.tokenizer import TokenizerSpec

METRICS_NAMESPACE = "smaller_labse"
# Lines tokenized together: large enough to amortize numpy calls, small enough to bound memory.
BATCH_LINES = 4096
# Per-language statistics also published as Beam metrics while the job runs.
METRIC_FIELDS = ("pages", "redirects", "lines", "tokens", "unk_tokens", "shards_read", "shards_skipped",
                 "pages_skipped", "pages_invalid_utf8", "pages_without_text", "pages_too_deep", "streams_lost")

logger = logging.getLogger(__name__)


def plan_shards(numbered_dump: tuple[int, sources.DumpInfo], streams_per_shard: int) -> list[sources.Shard]:
  number, dump = numbered_dump
  shards = sources.plan_dump_shards(dump, number, streams_per_shard)
  Metrics.counter(METRICS_NAMESPACE, f"{dump.language}/shards_planned").inc(len(shards))
  logger.debug("%s: %d shards", dump.path, len(shards))
  return shards


def count_lines(shard: sources.Shard, limit: int, min_chars: int) -> tuple[tuple[str, tuple[int, int]], int]:
  """((language, order), lines of the shard up to `limit`); 0 for a shard that cannot be read."""
  try:
    lines = sum(1 for _ in itertools.islice(corpus.shard_lines(shard, collections.Counter(), min_chars, []), limit))
  except sources.SourceError:
    lines = 0  # The counting pass skips this shard too, so it contributes no lines to the sample.
  return (shard.language, shard.order), lines


def line_quotas(shard_lines: Iterable[tuple[tuple[str, tuple[int, int]], int]], limit: int) -> dict:
  """How many lines each shard contributes so that each language has its first `limit` lines."""
  quotas, taken = {}, collections.Counter()
  for (language, order), lines in sorted(shard_lines):
    quotas[(language, order)] = min(lines, limit - taken[language])
    taken[language] += quotas[(language, order)]
  return quotas


class CountShardTokens(beam.DoFn):
  """Shard -> (language, LanguageCounts); corrupt shards are skipped, counted and logged."""

  SKIPPED = "skipped"
  LOST = "lost"
  TEXT = "text"
  SAMPLE = "sample"

  def __init__(self, tokenizer: TokenizerSpec, min_chars: int, fail_on_bad_shard: bool, dump_text: int,
               sample_lines: int = 0):
    self._spec = tokenizer
    self._min_chars = min_chars
    self._fail_on_bad_shard = fail_on_bad_shard
    self._dump_text = dump_text
    self._sample_lines = sample_lines
    self._tokenizer = None

  def setup(self):
    self._tokenizer = self._spec.build()  # Once per worker: vocab tables and compiled patterns.
    # What the process holds now (its modules, Beam's harness, the tokenizer; TensorFlow's too when the
    # launcher runs the job in its own process) lives as long as it does: frozen, the cyclic collector no
    # longer walks all of it at each full collection (0.5 of 22 CPU-s on benchmarks/pipeline_throughput.py).
    gc.freeze()

  def start_bundle(self):
    # The bundle's sample per language: each shard's bottom-k merged in once the shard is read whole. One
    # list a bundle, not one a shard: a shard's k lines can be most of its text. Bundle-scoped, so a
    # retried bundle's outputs replace the failed attempt's, as for the counts.
    self._bundle_samples: dict[str, sampling.BottomK] = {}

  def finish_bundle(self):
    for language, sample in self._bundle_samples.items():
      yield beam.pvalue.TaggedOutput(self.SAMPLE, WindowedValue((language, sample.items()), MIN_TIMESTAMP,
                                                                [GlobalWindow()]))

  def process(self, shard: sources.Shard, quotas: Mapping | None = None):
    quota = None if quotas is None else quotas.get((shard.language, shard.order), 0)
    if quota == 0:
      return
    counts = LanguageCounts.empty(self._tokenizer.vocab_size)
    stats: collections.Counter = collections.Counter()
    text = []
    bundle_sample = self._bundle_samples.get(shard.language)
    sample = sampling.BottomK(self._sample_lines, bundle_sample.bound if bundle_sample else None)
    lost_streams = None if self._fail_on_bad_shard else []  # Else a corrupt bz2 stream costs only its pages.
    try:
      lines = corpus.shard_lines(shard, stats, self._min_chars, lost_streams)
      for batch in corpus.batched(itertools.islice(lines, quota), BATCH_LINES):
        if len(text) < self._dump_text:
          text.extend(batch[:self._dump_text - len(text)])
        counts.add_lines(self._tokenizer, batch)
        sample.add_all(batch)
    except sources.SourceError as error:
      if self._fail_on_bad_shard:
        raise
      reason = str(error).removeprefix(f"{shard.name}: ").removeprefix(f"{shard.path}: ")  # Said once, below.
      logger.error("Skipped shard %s: %s", shard.name, reason)
      Metrics.counter(METRICS_NAMESPACE, f"{shard.language}/shards_skipped").inc()
      yield beam.pvalue.TaggedOutput(self.SKIPPED, {"shard": shard.name, "language": shard.language,
                                                    "error": reason})
      skipped = LanguageCounts.empty(self._tokenizer.vocab_size)
      skipped.add_stats(shards_skipped=1)
      yield shard.language, skipped
      return
    counts.add_stats(shards_read=1, **stats)
    for field in METRIC_FIELDS:
      if counts.stats.get(field):
        Metrics.counter(METRICS_NAMESPACE, f"{shard.language}/{field}").inc(counts.stats[field])
    yield shard.language, counts
    for record in lost_streams or ():
      yield beam.pvalue.TaggedOutput(self.LOST, {"language": shard.language, "shard": shard.name, **record})
    for number, line in enumerate(text):
      yield beam.pvalue.TaggedOutput(self.TEXT, (shard.language, (shard.order, number, line)))
    if bundle_sample is None:
      self._bundle_samples[shard.language] = sample
    else:
      bundle_sample.merge(sample)


class SmallestLines(beam.CombineFn):
  """The k (hash, line) pairs with the smallest hashes, from shards' sorted lists of them. Lifted like
  MergeCounts; accumulators are new lists, inputs are never changed."""

  def __init__(self, k: int):
    super().__init__()
    self._k = k

  def create_accumulator(self):
    return []

  def add_input(self, accumulator, hashed_lines):
    return sampling.smallest(self._k, accumulator, hashed_lines)

  def merge_accumulators(self, accumulators):
    return sampling.smallest(self._k, *accumulators)

  def extract_output(self, accumulator):
    return accumulator


class MergeCounts(beam.CombineFn):
  """Sums LanguageCounts; Beam lifts it so each worker pre-combines before the shuffle.

  Inputs are never changed (Beam may reuse them): the first one is copied into a fresh
  accumulator, which alone is added to.
  """

  def create_accumulator(self):
    return None

  def add_input(self, accumulator, counts):
    return counts.copy() if accumulator is None else accumulator.merge(counts)

  def merge_accumulators(self, accumulators):
    merged = None
    for accumulator in accumulators:
      if accumulator is not None:
        merged = accumulator.copy() if merged is None else merged.merge(accumulator)
    return merged

  def extract_output(self, accumulator):
    return accumulator


@dataclasses.dataclass(frozen=True, kw_only=True)
class CountingSettings:
  """How shards are read and counted: the job's settings, whose defaults are the command line's."""
  tokenizer: TokenizerSpec
  min_chars: int = 6  # Lines of more than 5 characters, as the original smaller-LaBSE.
  max_lines_per_language: int | None = None
  fail_on_bad_shard: bool = False
  dump_text: int = 0
  sample_lines: int = sampling.DEFAULT_SAMPLE_LINES


class PlanShards(beam.PTransform):
  """Dumps split along their indexes into shards of `streams_per_shard` streams, and text files whole,
  reshuffled so that the shards spread over the workers."""

  def __init__(self, dumps: Sequence[sources.DumpInfo], text_files: Sequence[tuple[str, str]], streams_per_shard: int):
    super().__init__()
    self._dumps, self._text_files, self._streams_per_shard = list(dumps), list(text_files), streams_per_shard

  def expand(self, begin):
    dump_shards = (begin
                   | "Dumps" >> beam.Create(list(enumerate(self._dumps)))
                   | "AlongIndexes" >> beam.FlatMap(plan_shards, self._streams_per_shard))
    text_shards = begin | "TextFiles" >> beam.Create([
        sources.Shard((len(self._dumps) + number, 0), path, language, "text")
        for number, (language, path) in enumerate(self._text_files)])
    return (dump_shards, text_shards) | "AllShards" >> beam.Flatten() | "Spread" >> beam.Reshuffle()


class CountTokens(beam.PTransform):
  """Shards -> tagged outputs of `CountShardTokens`: `counts` (language, LanguageCounts) per shard, and
  `skipped`, `lost`, `text`, `sample`. With `max_lines_per_language`, a first pass counts each shard's
  lines so that each language gets its first lines in input order."""

  def __init__(self, settings: CountingSettings):
    super().__init__()
    self._settings = settings

  def expand(self, shards):
    settings = self._settings
    side_inputs = {}
    if settings.max_lines_per_language is not None:
      quotas = (shards
                | "CountLines" >> beam.Map(count_lines, settings.max_lines_per_language, settings.min_chars)
                | "GatherLineCounts" >> beam.combiners.ToList()
                | "LineQuotas" >> beam.Map(line_quotas, settings.max_lines_per_language))
      side_inputs["quotas"] = beam.pvalue.AsSingleton(quotas)
    return shards | "CountShards" >> beam.ParDo(
        CountShardTokens(settings.tokenizer, settings.min_chars, settings.fail_on_bad_shard, settings.dump_text,
                         settings.sample_lines),
        **side_inputs).with_outputs(CountShardTokens.SKIPPED, CountShardTokens.LOST, CountShardTokens.TEXT,
                                    CountShardTokens.SAMPLE, main="counts")


@dataclasses.dataclass
class LanguageResult:
  """What a run keeps of one language."""
  counts: LanguageCounts
  sampled: list  # (hash, line), smallest hashes first.
  first_lines: list  # (shard order, line number, line), in corpus order.


class CombinePerLanguage(beam.PTransform):
  """{"counts", "sample", "text"} of `CountTokens` -> (language, LanguageResult): counts summed (lifted:
  each worker pre-combines), the `sample_lines` lines with the smallest hashes (the same lines whatever
  the sharding or the runner), the first `dump_text` lines."""

  def __init__(self, sample_lines: int, dump_text: int):
    super().__init__()
    self._sample_lines, self._dump_text = sample_lines, dump_text

  def expand(self, counted):
    merged = counted["counts"] | "MergeCounts" >> beam.CombinePerKey(MergeCounts())
    sampled = counted["sample"] | "SampleLines" >> beam.CombinePerKey(SmallestLines(self._sample_lines))
    first = counted["text"] | "FirstLines" >> beam.combiners.Top.SmallestPerKey(max(self._dump_text, 1),
                                                                              key=lambda x: x[:2])
    return ({"counts": merged, "sample": sampled, "text": first}
            | "ByLanguage" >> beam.CoGroupByKey()
            | "Result" >> beam.MapTuple(_language_result))


def _language_result(language: str, grouped: Mapping[str, list]) -> tuple[str, LanguageResult]:
  [counts] = grouped["counts"]
  sampled = [item for items in grouped["sample"] for item in items]  # One list, or none without sampling.
  first = sorted(item for items in grouped["text"] for item in items)
  return language, LanguageResult(counts, sampled, first)


class WriteLanguage(beam.DoFn):
  """One language's files: counts/<lang>.tsv, samples/<lang>.txt (sentences of the sampled lines as
  token ids), text/<lang>.txt; yields (language, its statistics)."""

  def __init__(self, output: str, tokenizer: TokenizerSpec, sample_lines: int):
    self._output, self._spec, self._sample_lines = output, tokenizer, sample_lines
    self._vocab = self._tokenizer = None

  def setup(self):
    self._vocab = self._spec.vocab()
    self._tokenizer = self._spec.build() if self._sample_lines else None

  def process(self, element: tuple[str, LanguageResult]):
    language, result = element
    counts = result.counts
    stats = dict(counts.stats)
    outputs.write_text(outputs.join(self._output, "counts", f"{language}.tsv"),
                       outputs.counts_tsv(counts.token_counts, counts.line_counts, self._vocab))
    if self._tokenizer is not None:
      sample = sampling.sample_from_lines(self._tokenizer, (line for _, line in result.sampled), f"{language} sample")
      outputs.write_text(outputs.join(self._output, "samples", f"{language}.txt"), sample.to_text())
      stats["sample"] = {"lines": len(result.sampled), "sentences": len(sample)}
    if result.first_lines:
      outputs.write_text(outputs.join(self._output, "text", f"{language}.txt"),
                         "".join(f"{line}\n" for _, _, line in result.first_lines))
    yield language, stats


class WriteRun(beam.PTransform):
  """{"languages", "skipped", "lost"} -> each language's files written in parallel, then the run's files.

  stats.json is written last: without it, the output is not a finished run. A language that was
  asked for but gave no text is named in its `languages_without_text`, and selection refuses to
  make a vocab that would leave it out without being told to.
  """

  def __init__(self, output: str, tokenizer: TokenizerSpec, languages: Sequence[str], sample_lines: int,
               report: Mapping):
    super().__init__()
    self._output, self._tokenizer, self._languages = output, tokenizer, tuple(languages)
    self._sample_lines, self._report = sample_lines, dict(report)

  def expand(self, results):
    written = results["languages"] | "WriteLanguages" >> beam.ParDo(
        WriteLanguage(self._output, self._tokenizer, self._sample_lines))
    skipped = results["skipped"] | "GatherSkipped" >> beam.combiners.ToList()
    lost = results["lost"] | "GatherLost" >> beam.combiners.ToList()
    return (written
            | "GatherLanguages" >> beam.combiners.ToList()
            | "WriteSummary" >> beam.Map(self._write_summary, beam.pvalue.AsSingleton(skipped),
                                         beam.pvalue.AsSingleton(lost)))

  def _write_summary(self, language_stats: list[tuple[str, dict]], skipped: list[dict], lost: list[dict]) -> dict:
    stats = dict(language_stats)
    report = {"languages": {language: stats[language] for language in sorted(stats)},
              "languages_without_text": [language for language in self._languages
                                         if not stats.get(language, {}).get("lines")],
              **self._report,
              "skipped_shards": sorted(skipped, key=lambda record: record["shard"]),
              "lost_streams": sorted(lost, key=lambda record: (record["file"], record["start"] or 0))}
    outputs.write_run_files(self._output, self._tokenizer, report)
    return report


class CountVocabulary(beam.PTransform):
  """The whole job: shards planned, counted, combined per language and written."""

  def __init__(self, dumps: Sequence[sources.DumpInfo], text_files: Sequence[tuple[str, str]], languages: Sequence[str],
               streams_per_shard: int, settings: CountingSettings, output: str, report: Mapping):
    super().__init__()
    self._plan = PlanShards(dumps, text_files, streams_per_shard)
    self._settings, self._languages, self._output, self._report = settings, languages, output, report

  def expand(self, begin):
    settings = self._settings
    counted = begin | "PlanShards" >> self._plan | "CountTokens" >> CountTokens(settings)
    per_language = ({"counts": counted.counts, "sample": counted[CountShardTokens.SAMPLE],
                     "text": counted[CountShardTokens.TEXT]}
                    | "CombinePerLanguage" >> CombinePerLanguage(settings.sample_lines, settings.dump_text))
    return ({"languages": per_language, "skipped": counted[CountShardTokens.SKIPPED],
             "lost": counted[CountShardTokens.LOST]}
            | "WriteRun" >> WriteRun(self._output, settings.tokenizer, self._languages, settings.sample_lines,
                                     self._report))
