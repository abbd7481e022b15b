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
import dataclasses
import json
import logging
import os
import re
import sys
from typing import Sequence

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from pipelines import cli, languages, outputs, selection, sources, transforms
from pipelines.tokenizer import TokenizerSpec

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
    cli.add_languages_argument(parser, "languages to keep (default: the 15 of the original smaller-LaBSE: "
                                       "en fr es de zh ar zh_classical it ja ko nl pl pt th tr ru)")
    parser.add_argument("--max_lines_per_language", type=int, default=None,
                        help="count only the first N lines of each language, in input order (files as "
                             "given, then byte offset): the original used 1,000,000 (--preset original)")
    parser.add_argument("--sample_lines", type=int, default=transforms.CountingSettings.sample_lines,
                        help="lines per language kept as the sentence sample selection measures vocabs on "
                             "(chosen by a hash of their text; default %(default)s, 0 for none)")
    parser.add_argument("--min_chars", type=int, default=transforms.CountingSettings.min_chars,
                        help="keep lines of at least this many characters (default 6: 'more than 5')")
    parser.add_argument("--streams_per_shard", type=int, default=DEFAULT_STREAMS_PER_SHARD,
                        help="bz2 streams (100 pages each) per shard of a multistream dump")
    parser.add_argument("--dump_text", type=int, default=0, metavar="N",
                        help="also write the first N extracted lines of each language to OUTPUT/text/")
    parser.add_argument("--fail_on_bad_shard", action="store_true",
                        help="stop at a corrupt shard or unreadable dump instead of skipping, counting and logging it")
    # Not `required`: Beam parses every options class when running any pipeline; checked in configure().
    cli.add_output_arguments(parser, "output directory, local or gs:// (required)", required=False)
    cli.add_verbose_argument(parser)
    selection.add_rule_arguments(parser)


DEFAULT_STREAMS_PER_SHARD = 200  # 20,000 pages, about 20 MB of bz2: shards that spread evenly over workers.


@dataclasses.dataclass(frozen=True, kw_only=True)
class RunConfig:
  """What the pipeline reads and how, resolved on the launcher before the job starts."""
  dumps: tuple[sources.DumpInfo, ...]
  text_files: tuple[tuple[str, str], ...]  # (language, path)
  languages: tuple[str, ...]
  skipped_inputs: tuple[dict, ...]
  counting: transforms.CountingSettings  # The tokenizer, and how lines are read, kept and sampled.
  rule: selection.SelectionRule
  output: str
  streams_per_shard: int = DEFAULT_STREAMS_PER_SHARD

  @property
  def tokenizer(self) -> TokenizerSpec:
    return self.counting.tokenizer


def _match(pattern: str, what: str) -> list[str]:
  if "://" not in pattern and os.path.isdir(pattern):
    raise sources.SourceError(f"{what} {pattern!r} is a folder: give its files ({pattern.rstrip('/')}/*.bz2)")
  matched = [metadata.path for result in FileSystems.match([pattern]) for metadata in result.metadata_list]
  if not matched:
    raise sources.SourceError(f"{what} {pattern!r} matches no file")
  return sorted(matched)


def resolve_inputs(dump_globs: Sequence[str], text_globs: Sequence[str], requested: str | Sequence[str] | None,
                   fail_on_bad_input: bool = False):
  """(dumps, text files, languages, skipped inputs): globs expanded, headers read, languages checked.

  `requested` is `--languages` (names separated by commas or spaces; `labse` for all of LaBSE's). A
  language named on its own must have input; one named only through `labse` may have none (logged).
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
    named_alone = set(languages.resolve_codes([name for name in languages.split_names(requested)
                                               if not languages.names_group(name)]))
    if any(code in named_alone for code in missing):
      raise sources.SourceError(f"--languages names {', '.join(c for c in missing if c in named_alone)} but no "
                                "input is in that language")
    if missing:
      shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
      logger.warning("No input for %d of the languages --languages names through '%s': %s", len(missing),
                     languages.LABSE, shown)
  if not present:
    raise sources.SourceError("no input to read: give --dumps and/or --text_files in the chosen languages")
  return tuple(dumps), tuple(text_files), tuple(code for code in wanted if code in present), tuple(skipped)


def run_report(config: RunConfig) -> dict:
  """What stats.json says of the run besides the languages, skipped shards and lost streams."""
  return {
      "original_vocab": {"source": config.tokenizer.source, "size": len(config.tokenizer.vocab()),
                         "lower_case": config.tokenizer.lower_case},
      "inputs": {"dumps": [info.path for info in config.dumps], "text_files": [path for _, path in config.text_files]},
      "skipped_inputs": list(config.skipped_inputs),
      "max_lines_per_language": config.counting.max_lines_per_language,
      "min_chars": config.counting.min_chars,
  }


def select_from_run(output: str, rule: selection.SelectionRule) -> selection.Selection:
  """Selection from a finished run's files, on the launcher: the same path as `pipelines.selection`."""
  vocab, counts, samples = selection.read_run(output)
  chosen = selection.select(counts, vocab, rule, samples)
  selection.write_selection(chosen, output)
  return chosen


def build(pipeline: beam.Pipeline, config: RunConfig):
  """Adds the whole job to `pipeline`."""
  return pipeline | "CountVocabulary" >> transforms.CountVocabulary(
      config.dumps, config.text_files, config.languages, config.streams_per_shard, config.counting, config.output,
      run_report(config))


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
  cli.check_output(args.output, args.overwrite)
  if options.view_as(StandardOptions).runner is None:
    # Beam's DirectRunner first downloads Prism, a binary, and falls back to this in-process runner (which
    # honours --direct_num_workers and --direct_running_mode) when it cannot: offline, a failed download.
    options.view_as(StandardOptions).runner = "FnApiRunner"
  dumps, text_files, chosen, skipped = resolve_inputs(args.dumps, args.text_files, args.languages or None,
                                                      args.fail_on_bad_shard)
  from pipelines.reference import original_tokenizer_spec  # TensorFlow, on the launcher only.
  tokenizer = original_tokenizer_spec(args.original_preprocess, args.vocab_file, args.lower_case)
  # Written before the job, so that workers read the tokenizer from the run folder once per process rather
  # than from every DoFn Beam loads (TokenizerSpec.__reduce__); the run writes them again, the same, at its end.
  outputs.write_tokenizer_files(args.output, tokenizer)
  tokenizer = tokenizer.stored(args.output)
  counting = transforms.CountingSettings(
      tokenizer=tokenizer, min_chars=args.min_chars, max_lines_per_language=args.max_lines_per_language,
      fail_on_bad_shard=args.fail_on_bad_shard, dump_text=args.dump_text, sample_lines=args.sample_lines)
  config = RunConfig(dumps=dumps, text_files=text_files, languages=chosen, skipped_inputs=skipped, counting=counting,
                     rule=rule, output=args.output, streams_per_shard=args.streams_per_shard)
  return options, config


@dataclasses.dataclass(frozen=True)
class PipelineResult:
  """A finished run: where it wrote, stats.json's content, and the vocab selected from its counts."""
  output: str
  stats: dict
  selection: selection.Selection


def run(argv: Sequence[str]) -> PipelineResult:
  """Runs the job to completion, then selects the vocab."""
  return run_configured(*configure(argv))


def run_configured(options: PipelineOptions, config: RunConfig) -> PipelineResult:
  logger.info("Counting %s: %d dumps, %d text files, with the vocab of %s (%s)", " ".join(config.languages),
              len(config.dumps), len(config.text_files), config.tokenizer.source,
              "uncased" if config.tokenizer.lower_case else "cased")
  outputs.retire_finished_run(config.output)  # --overwrite: a run that stops half-way never looks finished.
  with beam.Pipeline(options=options) as pipeline:
    build(pipeline, config)
  stats = json.loads(outputs.read_bytes(outputs.join(config.output, outputs.STATS)))
  outputs.remove_stale_language_files(config.output, stats["languages"])
  chosen = select_from_run(config.output, config.rule)
  return PipelineResult(config.output, stats, chosen)


_INPUT_ERROR = re.compile(r"^\s*(?:[\w.]+\.)?(?:IndexMismatchError|ShardError|SourceError|VocabError): (.+?)"
                          r"(?: \[while running '[^']*'\])?$", re.M)
_RUNNING = re.compile(r" \[while running '[^']*'\]$")  # Beam's note of the step, added to a worker's error.


def worker_input_error(error: BaseException) -> str | None:
  """The message of the project's input error inside a runner's error (Beam passes a worker's traceback
  as text), or None when the error is something else."""
  if isinstance(error, (sources.SourceError, sources.IndexMismatchError)):
    return _RUNNING.sub("", str(error))
  found = _INPUT_ERROR.findall(str(error))
  return found[-1] if found else None


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> None:
  argv = list(sys.argv[1:] if argv is None else argv)
  parser = cli.ArgumentParser(prog=prog or cli.prog("pipelines.select_vocab"), description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
  SelectVocabOptions._add_argparse_args(parser)
  if not argv or "-h" in argv or "--help" in argv:
    parser.print_help()
    return
  known, _ = parser.parse_known_args(argv)  # This job's options: a bad one is one line here; Beam's pass on.
  cli.configure_logging(known.verbose)
  logging.getLogger("apache_beam.runners.direct.direct_runner").addFilter(FallbackNotice())
  try:
    options, config = configure(argv)
  except (ValueError, OSError) as error:  # The user's: a bad value, a missing file, an unknown language.
    parser.error(str(error))
  try:
    result = run_configured(options, config)
  except selection.SelectionError as error:  # The counts are written; rerun the selection on them.
    parser.error(f"{error} (the counts are written: select again from them with other rules, "
                 f"smaller-labse select --counts {config.output} --output DIR)")
  except Exception as error:  # noqa: BLE001  A worker's error reaches here wrapped in the runner's own.
    reason = worker_input_error(error)
    if reason is None:
      raise  # A bug: the whole traceback.
    print(f"{parser.prog}: the job stopped: {reason}", file=sys.stderr)
    sys.exit(1)
  print(selection.selection_markdown(result.selection))
  cli.wrote(["counts/", "samples/", "stats.json", "vocab.txt", "selection.{json,md}"]
            + (["text/"] if config.counting.dump_text else []), config.output)


if __name__ == "__main__":
  main()
