"""The vocabulary pipeline: Wikipedia dumps -> exact LaBSE token counts per language -> vocab.

    python -m pipelines.select_vocab \
        --dumps 'dumps/*-pages-articles-multistream*.xml.bz2' \
        --original_preprocess https://tfhub.dev/google/universal-sentence-encoder-cmlm/multilingual-preprocess/2 \
        --output runs/15lang [--runner DataflowRunner ...]

Stages: plan shards (each dump split along its index) -> reshuffle across workers -> per shard:
pages -> article paragraphs -> tokens counted exactly as the original preprocess model
tokenizes them, and a hash-chosen sample of lines kept -> counts and samples combined per language
(combiner lifting: each worker pre-combines, so no worker receives every token of a language) ->
counts, statistics and sentence samples written to --output. Then, on the launcher, the vocab is
selected from what was written, exactly as `python -m pipelines.selection --counts OUTPUT` would.
Any Beam option (--runner, --direct_num_workers, ...) is accepted.
"""

import argparse
import collections
import dataclasses
import itertools
import json
import logging
import sys
from typing import Iterable, Mapping, Sequence

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.options.pipeline_options import PipelineOptions

from pipelines import corpus, languages, outputs, sampling, selection, sources
from pipelines.counting import LanguageCounts
from pipelines.tokenizer import TokenizerSpec

METRICS_NAMESPACE = "smaller_labse"
# Lines tokenized together: large enough to amortize numpy calls, small enough to bound memory.
BATCH_LINES = 4096
# Per-language statistics also published as Beam metrics while the job runs.
METRIC_FIELDS = ("pages", "redirects", "lines", "tokens", "unk_tokens", "shards_read", "shards_skipped",
                 "pages_skipped", "pages_invalid_utf8", "pages_without_text", "streams_lost")

logger = logging.getLogger(__name__)


class SelectVocabOptions(PipelineOptions):

  @classmethod
  def _add_argparse_args(cls, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dumps", action="extend", nargs="+", default=[],
                        help="globs of Wikipedia XML dumps, local or gs://: multistream .xml.bz2 with their "
                             "-index files beside them (split by the index), plain .xml.bz2 or .xml (one shard)")
    parser.add_argument("--text_files", action="append", default=[], metavar="LANG=GLOB",
                        help="pre-extracted text, one paragraph a line (.txt, .txt.gz, .txt.bz2); repeatable")
    parser.add_argument("--original_preprocess",
                        help="the original preprocess SavedModel: TF-Hub handle, URL or directory")
    parser.add_argument("--vocab_file", help="the original vocab, instead of --original_preprocess")
    parser.add_argument("--lower_case", action="store_true", help="with --vocab_file: the model is uncased")
    parser.add_argument("--languages", default=None,
                        help="comma-separated languages to keep (any code or alias); default: the 15 of "
                             "the original smaller-LaBSE (en fr es de zh ar zh_classical it ja ko nl pl pt th tr ru)")
    parser.add_argument("--max_lines_per_language", type=int, default=None,
                        help="count only the first N lines of each language, in input order (files as "
                             "given, then byte offset): the original used 1,000,000 (--preset original)")
    parser.add_argument("--sample_lines", type=int, default=sampling.DEFAULT_SAMPLE_LINES,
                        help="lines per language kept as the sentence sample selection measures vocabs on "
                             "(chosen by a hash of their text; default %(default)s, 0 for none)")
    parser.add_argument("--min_chars", type=int, default=6,
                        help="keep lines of at least this many characters (default 6: 'more than 5')")
    parser.add_argument("--streams_per_shard", type=int, default=200,
                        help="bz2 streams (100 pages each) per shard of a multistream dump")
    parser.add_argument("--dump_text", type=int, default=0, metavar="N",
                        help="also write the first N extracted lines of each language to OUTPUT/text/")
    parser.add_argument("--fail_on_bad_shard", action="store_true",
                        help="stop at a corrupt shard or unreadable dump instead of skipping, counting and logging it")
    # Not `required`: Beam parses every options class when running any pipeline; checked in configure().
    parser.add_argument("--output", help="output directory, local or gs:// (required)")
    selection.add_rule_arguments(parser)


@dataclasses.dataclass(frozen=True)
class RunConfig:
  """What the pipeline reads and how, resolved on the launcher before the job starts."""
  dumps: tuple[sources.DumpInfo, ...]
  text_files: tuple[tuple[str, str], ...]  # (language, path)
  languages: tuple[str, ...]
  skipped_inputs: tuple[dict, ...]
  tokenizer: TokenizerSpec
  rule: selection.SelectionRule
  output: str
  max_lines_per_language: int | None = None
  min_chars: int = 6
  streams_per_shard: int = 200
  dump_text: int = 0
  fail_on_bad_shard: bool = False
  sample_lines: int = sampling.DEFAULT_SAMPLE_LINES


def _match(pattern: str, what: str) -> list[str]:
  matched = [metadata.path for result in FileSystems.match([pattern]) for metadata in result.metadata_list]
  if not matched:
    raise sources.SourceError(f"{what} {pattern!r} matches no file")
  return sorted(matched)


def resolve_inputs(dump_globs: Sequence[str], text_globs: Sequence[str], requested: Sequence[str] | None,
                   fail_on_bad_input: bool = False):
  """(dumps, text files, languages, skipped inputs): globs expanded, headers read, languages checked.

  A dump whose header cannot be read (not a dump, UTF-16, corrupt at the start) is skipped and
  reported, like a bad shard, unless `fail_on_bad_input`; an unknown dbname is always an error.
  """
  wanted = languages.resolve_codes(requested) if requested else languages.DEFAULT_LANGUAGES
  dumps, text_files, skipped = [], [], []
  for pattern in dump_globs:
    for path in _match(pattern, "--dumps"):
      if "-multistream-index" in path:
        continue  # Index files sit beside their dumps and often match the same glob.
      try:
        info = sources.read_header(path)
      except sources.SourceError as error:
        if fail_on_bad_input:
          raise
        logger.error("Skipped input %s", error)
        skipped.append({"path": path, "language": None, "reason": str(error)})
        continue
      if info.language in wanted:
        dumps.append(info)
      else:
        logger.warning("%s: skipped, its language %s is not in --languages", path, info.language)
        skipped.append({"path": path, "language": info.language, "reason": "language not in --languages"})
  for spec in text_globs:
    language, equals, pattern = spec.partition("=")
    if not equals:
      raise ValueError(f"--text_files {spec!r}: expected LANG=GLOB, e.g. fr=text/fr-*.txt.gz")
    code = languages.resolve(language).code
    for path in _match(pattern, f"--text_files {language}="):
      if code in wanted:
        text_files.append((code, path))
      else:
        skipped.append({"path": path, "language": code, "reason": "language not in --languages"})
  present = {info.language for info in dumps} | {code for code, _ in text_files}
  if requested:
    missing = [code for code in wanted if code not in present]
    if missing:
      raise sources.SourceError(f"--languages names {', '.join(missing)} but no input is in that language")
  if not present:
    raise sources.SourceError("no input to read: give --dumps and/or --text_files in the chosen languages")
  return tuple(dumps), tuple(text_files), tuple(code for code in wanted if code in present), tuple(skipped)


def plan_shards(numbered_dump: tuple[int, sources.DumpInfo], streams_per_shard: int) -> list[sources.Shard]:
  number, dump = numbered_dump
  shards = sources.plan_dump_shards(dump, number, streams_per_shard)
  Metrics.counter(METRICS_NAMESPACE, f"{dump.language}/shards_planned").inc(len(shards))
  logger.info("%s: %d shards", dump.path, len(shards))
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

  def process(self, shard: sources.Shard, quotas: Mapping | None = None):
    quota = None if quotas is None else quotas.get((shard.language, shard.order), 0)
    if quota == 0:
      return
    counts = LanguageCounts.empty(self._tokenizer.vocab_size)
    stats: collections.Counter = collections.Counter()
    text = []
    sample = sampling.BottomK(self._sample_lines)
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
    for hashed_line in sample.items():
      yield beam.pvalue.TaggedOutput(self.SAMPLE, (shard.language, hashed_line))


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


def run_report(config: RunConfig, counts: Mapping[str, LanguageCounts], skipped_shards: Sequence[dict],
               lost_streams: Sequence[dict] = ()) -> dict:
  return {
      "languages": {language: counts[language].stats for language in sorted(counts)},
      "original_vocab": {"source": config.tokenizer.source, "size": len(config.tokenizer.vocab()),
                         "lower_case": config.tokenizer.lower_case},
      "inputs": {"dumps": [info.path for info in config.dumps], "text_files": [path for _, path in config.text_files]},
      "skipped_inputs": list(config.skipped_inputs),
      "skipped_shards": sorted(skipped_shards, key=lambda record: record["shard"]),
      "lost_streams": sorted(lost_streams, key=lambda record: (record["file"], record["start"] or 0)),
      "max_lines_per_language": config.max_lines_per_language,
      "min_chars": config.min_chars,
  }


def write_results(language_counts: list[tuple[str, LanguageCounts]], skipped_shards: list[dict],
                  lost_streams: list[dict], text: Mapping[str, list], sampled: Mapping[str, list],
                  config: RunConfig) -> None:
  """Writes counts, statistics, the tokenizer's description, sentence samples and extracted text."""
  counts = dict(language_counts)
  empty = [language for language in config.languages if not counts.get(language) or not counts[language].stats["lines"]]
  if empty:
    raise ValueError(f"no text was read for {', '.join(empty)}: every input of that language was empty, "
                     "skipped or filtered; an empty vocab would be wrong")
  vocab = config.tokenizer.vocab()
  report = run_report(config, counts, skipped_shards, lost_streams)
  if config.sample_lines:
    tokenizer = config.tokenizer.build()
    samples = {language: sampling.sample_from_lines(tokenizer, (line for _, line in sampled.get(language, [])),
                                                     f"{language} sample")
               for language in counts}
    for language, sample in samples.items():
      report["languages"][language]["sample"] = {"lines": len(sampled.get(language, [])), "sentences": len(sample)}
    outputs.write_samples(config.output, samples)
  outputs.write_tokenizer_spec(config.output, config.tokenizer)
  outputs.write_counts(config.output, counts, vocab, report)
  for language, lines in text.items():
    ordered = [line for _, _, line in sorted(lines)]
    outputs.write_text(outputs.join(config.output, "text", f"{language}.txt"), "".join(f"{line}\n" for line in ordered))


def select_from_run(output: str, rule: selection.SelectionRule) -> selection.Selection:
  """Selection from a finished run's files, on the launcher: the same path as `pipelines.selection`."""
  vocab, counts, samples = selection.read_run(output)
  chosen = selection.select(counts, vocab, rule, samples)
  selection.write_selection(chosen, output)
  return chosen


def build(pipeline: beam.Pipeline, config: RunConfig):
  """Adds the whole job to `pipeline`."""
  dump_shards = (
      pipeline
      | "Dumps" >> beam.Create(list(enumerate(config.dumps)))
      | "PlanShards" >> beam.FlatMap(plan_shards, config.streams_per_shard))
  text_shards = pipeline | "TextFiles" >> beam.Create([
      sources.Shard((len(config.dumps) + number, 0), path, language, "text")
      for number, (language, path) in enumerate(config.text_files)])
  shards = (dump_shards, text_shards) | "AllShards" >> beam.Flatten() | "SpreadShards" >> beam.Reshuffle()

  side_inputs = {}
  if config.max_lines_per_language is not None:
    quotas = (
        shards
        | "CountLines" >> beam.Map(count_lines, config.max_lines_per_language, config.min_chars)
        | "GatherLineCounts" >> beam.combiners.ToList()
        | "LineQuotas" >> beam.Map(line_quotas, config.max_lines_per_language))
    side_inputs["quotas"] = beam.pvalue.AsSingleton(quotas)

  counted = shards | "CountTokens" >> beam.ParDo(
      CountShardTokens(config.tokenizer, config.min_chars, config.fail_on_bad_shard, config.dump_text,
                       config.sample_lines),
      **side_inputs).with_outputs(CountShardTokens.SKIPPED, CountShardTokens.LOST, CountShardTokens.TEXT,
                                  CountShardTokens.SAMPLE, main="counts")
  merged = counted.counts | "MergeCounts" >> beam.CombinePerKey(MergeCounts())
  skipped = counted[CountShardTokens.SKIPPED] | "GatherSkipped" >> beam.combiners.ToList()
  lost = counted[CountShardTokens.LOST] | "GatherLost" >> beam.combiners.ToList()
  text = (counted[CountShardTokens.TEXT]
          | "FirstLines" >> beam.combiners.Top.SmallestPerKey(max(config.dump_text, 1), key=lambda x: x[:2]))
  # Bottom-k by hash: each language's sample is the same lines whatever the sharding or the runner.
  sampled = (counted[CountShardTokens.SAMPLE]
             | "SampleLines" >> beam.combiners.Top.SmallestPerKey(max(config.sample_lines, 1)))
  return (
      merged
      | "GatherLanguages" >> beam.combiners.ToList()
      | "WriteResults" >> beam.Map(write_results, beam.pvalue.AsSingleton(skipped), beam.pvalue.AsSingleton(lost),
                                   beam.pvalue.AsDict(text), beam.pvalue.AsDict(sampled), config))


class FallbackNotice(logging.Filter):
  """Beam's DirectRunner (the default) first tries Prism, a binary it downloads, and falls back to its
  in-process runner when Prism cannot start, saying so at INFO only; this says it as a warning."""

  def filter(self, record: logging.LogRecord) -> bool:
    if "Falling back to DirectRunner" in record.getMessage():
      record.levelno, record.levelname = logging.WARNING, "WARNING"
      record.msg, record.args = ("Beam's default local runner, Prism (a binary it downloads), could not start; "
                                 "running on Beam's in-process runner instead"), ()
    return True


def configure(argv: Sequence[str]) -> tuple[PipelineOptions, RunConfig]:
  options = PipelineOptions(argv)
  args = options.view_as(SelectVocabOptions)
  rule = selection.rule_from_arguments(args)
  if args.preset == "original" and args.max_lines_per_language is None:
    args.max_lines_per_language = selection.ORIGINAL_MAX_LINES_PER_LANGUAGE
  if args.sample_lines < 0:
    raise ValueError(f"--sample_lines must be 0 or more, got {args.sample_lines}")
  if not args.dumps and not args.text_files:
    raise ValueError("nothing to read: give --dumps and/or --text_files")
  if not args.output:
    raise ValueError("--output is required: the directory for counts, statistics and the vocab")
  requested = [code for code in args.languages.split(",") if code.strip()] if args.languages else None
  dumps, text_files, chosen, skipped = resolve_inputs(args.dumps, args.text_files, requested, args.fail_on_bad_shard)
  from pipelines.reference import original_tokenizer_spec  # TensorFlow, on the launcher only.
  tokenizer = original_tokenizer_spec(args.original_preprocess, args.vocab_file, args.lower_case)
  config = RunConfig(dumps, text_files, chosen, skipped, tokenizer, rule, args.output,
                     args.max_lines_per_language, args.min_chars, args.streams_per_shard, args.dump_text,
                     args.fail_on_bad_shard, args.sample_lines)
  return options, config


def run(argv: Sequence[str]) -> dict:
  """Runs the job to completion, then selects the vocab; returns stats.json's content."""
  return run_configured(*configure(argv))


def run_configured(options: PipelineOptions, config: RunConfig) -> dict:
  logger.info("Languages: %s; %d dumps, %d text files; vocab from %s (%s)", ", ".join(config.languages),
              len(config.dumps), len(config.text_files), config.tokenizer.source,
              "uncased" if config.tokenizer.lower_case else "cased")
  with beam.Pipeline(options=options) as pipeline:
    build(pipeline, config)
  select_from_run(config.output, config.rule)
  return json.loads(outputs.read_bytes(outputs.join(config.output, "stats.json")))


def main(argv: Sequence[str] | None = None) -> None:
  logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
  logging.getLogger("apache_beam.runners.direct.direct_runner").addFilter(FallbackNotice())
  argv = list(sys.argv[1:] if argv is None else argv)
  if not argv or "-h" in argv or "--help" in argv:
    parser = argparse.ArgumentParser(prog="python -m pipelines.select_vocab", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    SelectVocabOptions._add_argparse_args(parser)
    parser.print_help()
    return
  prog = "python -m pipelines.select_vocab"

  def usage_error(message: str) -> None:
    print(f"{prog}: error: {message}", file=sys.stderr)
    sys.exit(2)

  try:
    options, config = configure(argv)
  except (ValueError, OSError) as error:  # The user's: a bad value, a missing file, an unknown language.
    usage_error(str(error))
  try:
    run_configured(options, config)
  except selection.SelectionError as error:  # The counts are written; rerun pipelines.selection on them.
    usage_error(f"{error} (the counts are in {config.output}: rerun `python -m pipelines.selection --counts` "
                "on them with other rules)")
  print(outputs.read_bytes(outputs.join(config.output, "selection.md")).decode("utf-8"))


if __name__ == "__main__":
  main()
