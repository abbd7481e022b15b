"""Throughput of the vocabulary pipeline against bare bz2 decompression of the same bytes.

    python benchmarks/pipeline_throughput.py [--copies 20] [--streams_per_shard 4] [--plain]

Builds multistream dumps (100 pages a stream, as Wikimedia publishes them; with `--plain`, one bz2
stream without an index, as older and smaller wikis' dumps are) from `--copies` and twice as many
copies of the real enwiki excerpt in ../shared, then in one process:
1. times bare bz2 decompression of each dump (CPU seconds),
2. runs the whole Beam job on each (in-process runner, one worker) and times its CPU seconds,
3. times each stage alone on the larger: decompression, page parsing, text extraction,
   tokenization and counting,
and prints the figures, the ratio pipeline / bz2 on the larger dump, and the marginal ratio: the
difference between the two jobs over the difference between the two decompressions, the CPU per
byte once the job's start-up (workers' tokenizers, the sample's tokenization) is paid. Targets: 2.2x
marginal on multistream dumps, 2.5x on plain ones.
Needs ../shared (the enwiki excerpt and the LaBSE-format fixture's preprocess model).
"""

import argparse
import bz2
import json
import os
import resource
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

SHARED = os.path.join(os.path.dirname(ROOT), "shared")
EXCERPT = os.path.join(SHARED, "data", "wikipedia", "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2")
FIXTURE_PREPROCESS = os.path.join(SHARED, "fixtures", "labse-format-tiny", "preprocess")


def cpu_seconds() -> float:
  """User + system CPU time of this process and its finished children."""
  usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
  return sum(u.ru_utime + u.ru_stime for u in usage)


def build_dump(directory: str, copies: int, plain: bool = False) -> tuple[str, int]:
  """A multistream dump of `copies` x the excerpt's pages, with its index (or with `plain`, one bz2 stream
  without an index, as older and smaller wikis' dumps are); returns (path, XML bytes)."""
  from samples.build_samples import multistream, split_dump
  with open(EXCERPT, "rb") as handle:
    xml = bz2.decompress(handle.read())
  header, pages, footer = split_dump(xml)
  replicated = header + b"".join(pages) * copies + footer
  if plain:
    path = os.path.join(directory, "enwiki-bench-pages-articles.xml.bz2")
    with open(path, "wb") as handle:
      handle.write(bz2.compress(replicated, 9))
    return path, len(replicated)
  dump, index = multistream(replicated, pages_per_stream=100)
  path = os.path.join(directory, "enwiki-bench-pages-articles-multistream.xml.bz2")
  with open(path, "wb") as handle:
    handle.write(dump)
  with open(os.path.join(directory, "enwiki-bench-pages-articles-multistream-index.txt.bz2"), "wb") as handle:
    handle.write(index)
  return path, len(replicated)


def time_bz2(path: str) -> float:
  with open(path, "rb") as handle:
    data = handle.read()
  start = cpu_seconds()
  bz2.decompress(data)  # Decompresses every concatenated stream, as the pipeline does.
  return cpu_seconds() - start


def time_stages(path: str, spec) -> dict[str, float]:
  """CPU seconds of each stage alone, over the whole dump."""
  from pipelines import sources, wikitext
  from pipelines.counting import LanguageCounts
  info = sources.read_header(path)
  whole = sources.Shard((0, 0), path, "en", "dump", 0, info.size)
  times = {}
  start = cpu_seconds()
  chunks = list(sources._decompressed_chunks(path, 0, info.size))
  times["decompress"] = cpu_seconds() - start
  start = cpu_seconds()
  pages = [page for page in sources.read_pages(whole) if page.namespace == 0 and not page.redirect]
  times["decompress + parse pages"] = cpu_seconds() - start
  syntax = wikitext.WikiSyntax.for_wiki("en", info.dropped_namespace_names)
  start = cpu_seconds()
  lines = [line for page in pages for line in wikitext.extract(page.text, syntax).lines]
  times["extract text"] = cpu_seconds() - start
  tokenizer = spec.build()
  counts = LanguageCounts.empty(tokenizer.vocab_size)
  start = cpu_seconds()
  for begin in range(0, len(lines), 4096):
    counts.add_lines(tokenizer, lines[begin:begin + 4096])
  times["tokenize + count"] = cpu_seconds() - start
  times["_text_mb"] = sum(len(line.encode("utf-8")) for line in lines) / 1e6
  times["_wikitext_mb"] = sum(len(page.text.encode("utf-8")) for page in pages) / 1e6
  del chunks
  return times


def main(argv: list[str]) -> None:
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--copies", type=int, default=20)
  parser.add_argument("--sample_lines", type=int, default=10_000, help="the job's sentence sample per language")
  parser.add_argument("--streams_per_shard", type=int, default=4)
  parser.add_argument("--plain", action="store_true", help="single-stream dumps without an index (one shard each)")
  args = parser.parse_args(argv)
  for path in (EXCERPT, FIXTURE_PREPROCESS):
    if not os.path.exists(path):
      sys.exit(f"needs {path} (the ../shared reference data)")

  import apache_beam as beam
  from apache_beam.options.pipeline_options import PipelineOptions

  from pipelines import outputs, select_vocab, transforms
  from pipelines.reference import original_tokenizer_spec

  def job_seconds(directory: str, dump: str, spec) -> tuple[float, float, dict]:
    """CPU and wall seconds of the whole Beam job on `dump`, and its English statistics."""
    dumps, text_files, languages, skipped = select_vocab.resolve_inputs([dump], [], None)
    outputs.write_tokenizer_files(os.path.join(directory, "out"), spec)  # As the command line ships it.
    config = select_vocab.RunConfig(
        dumps=dumps, text_files=text_files, languages=languages, skipped_inputs=skipped,
        counting=transforms.CountingSettings(tokenizer=spec.stored(os.path.join(directory, "out")),
                                             sample_lines=args.sample_lines),
        rule=select_vocab.selection.SelectionRule.default(), output=os.path.join(directory, "out"),
        streams_per_shard=args.streams_per_shard)
    start_wall, start = time.perf_counter(), cpu_seconds()
    with beam.Pipeline(options=PipelineOptions(["--runner", "FnApiRunner"])) as pipeline:
      select_vocab.build(pipeline, config)
    seconds, wall = cpu_seconds() - start, time.perf_counter() - start_wall
    return seconds, wall, json.loads(open(os.path.join(directory, "out", "stats.json")).read())["languages"]["en"]

  start = cpu_seconds()
  spec = original_tokenizer_spec(original_preprocess=FIXTURE_PREPROCESS)
  launcher_seconds = cpu_seconds() - start
  with tempfile.TemporaryDirectory() as small, tempfile.TemporaryDirectory() as large:
    small_dump, small_xml = build_dump(small, args.copies, args.plain)
    small_bz2 = time_bz2(small_dump)
    small_seconds, _, _ = job_seconds(small, small_dump, spec)
    dump, xml_bytes = build_dump(large, 2 * args.copies, args.plain)
    compressed = os.path.getsize(dump)
    bz2_seconds = time_bz2(dump)
    pipeline_seconds, pipeline_wall, stats = job_seconds(large, dump, spec)
    stages = time_stages(dump, spec)
  marginal = (pipeline_seconds - small_seconds) / (bz2_seconds - small_bz2)

  layout = ("one single-stream dump without an index, read as one shard" if args.plain else
            f"one multistream dump, {stats['shards_read']} shards of {args.streams_per_shard} streams")
  print(f"Input: {2 * args.copies} copies of the real enwiki excerpt as {layout}: "
        f"{compressed / 1e6:.1f} MB bz2, {xml_bytes / 1e6:.1f} MB XML; sample of {args.sample_lines:,} lines")
  print(f"Read: {stats['pages']:,} articles, {stats['lines']:,} lines, {stats['words']:,} words, "
        f"{stats['tokens']:,} tokens ({stats['unk_tokens']:,} [UNK]), {stats['bytes'] / 1e6:.1f} MB of text")
  print()
  print(f"bz2 decompression alone:   {bz2_seconds:7.2f} CPU-s  ({xml_bytes / 1e6 / bz2_seconds:6.1f} MB XML/s)")
  print(f"whole pipeline (Beam job): {pipeline_seconds:7.2f} CPU-s  ({xml_bytes / 1e6 / pipeline_seconds:6.1f} MB XML/s)"
        f", {pipeline_wall:.2f} s wall")
  print(f"ratio pipeline / bz2:      {pipeline_seconds / bz2_seconds:7.2f}x   (start-up included)")
  print(f"marginal ratio:            {marginal:7.2f}x   (the second {args.copies} copies: CPU per byte once started; "
        f"target: {2.5 if args.plain else 2.2}x)")
  print(f"launcher, once per job (load model, probe 1.1M code points, self-check): {launcher_seconds:.2f} CPU-s")
  print()
  print("Stages alone, CPU-s:")
  for name, seconds in stages.items():
    if not name.startswith("_"):
      print(f"  {name:26s} {seconds:7.2f}")
  print(f"  (wikitext {stages['_wikitext_mb']:.1f} MB -> text {stages['_text_mb']:.1f} MB; extraction "
        f"{stages['_wikitext_mb'] / stages['extract text']:.1f} MB/s, tokenize+count "
        f"{stages['_text_mb'] / stages['tokenize + count']:.1f} MB/s of text)")


if __name__ == "__main__":
  main(sys.argv[1:])
