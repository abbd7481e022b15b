"""The Beam job end to end, and its transforms one by one."""

import bz2
import collections
import glob
import json
import os
import zlib

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from pipelines import corpus, languages, outputs, sampling, select_vocab, selection, sources, transforms
from pipelines.sampling import Sample
from pipelines.counting import LanguageCounts
from samples.build_samples import multistream
from tests.conftest import (ALL_SAMPLES, ENWIKI_EXCERPT, FLORES_LABSE, SAMPLE_DUMPS, make_config,
                            real_text_files, run_pipeline, shared_path)

EN_SAMPLE = os.path.join(SAMPLE_DUMPS, "enwiki-sample-pages-articles-multistream.xml.bz2")


def dump_lines(path):
  """Every line the pipeline reads from a dump, in dump order, read shard by shard without Beam."""
  shards = sources.plan_dump_shards(sources.read_header(path), 0, 1)
  return [line for shard in shards for line in corpus.shard_lines(shard, collections.Counter())]


def counts_files(run_dir):
  return {os.path.basename(path): open(path, "rb").read() for path in sorted(glob.glob(f"{run_dir}/counts/*.tsv"))}


def read_counts(run_dir):
  return outputs.read_counts(str(run_dir))[1]


def assert_counts_equal_the_preprocess_models(files, stats, totals, spec, preprocess):
  """Each language's token and line counts equal those of `preprocess`'s own `tokenize` over its files' lines."""
  vocab_size = len(spec.vocab())
  for language, paths in files.items():
    lines = []
    for path in paths:
      with open(path, encoding="utf-8") as handle:
        lines += [line for line in handle.read().split("\n") if len(line.strip(" \t\r\n\f\v")) >= 6]
    token_counts = np.zeros(vocab_size, np.int64)
    line_counts = np.zeros(vocab_size, np.int64)
    for ids in preprocess.token_ids(lines):
      np.add.at(token_counts, ids, 1)
      line_counts[sorted(set(ids))] += 1
    assert stats["languages"][language]["lines"] == len(lines)
    assert (totals[language].token_counts == token_counts).all(), language
    assert (totals[language].line_counts == line_counts).all(), language


@pytest.mark.shared
def test_counts_equal_the_preprocess_models_on_all_real_text(fixture_spec, fixture_preprocess, tmp_path):
  """Every language's token and line counts equal those of the fixture's own `tokenize`."""
  files = real_text_files()
  config = make_config(fixture_spec, tmp_path, text_files=[f"{lang}={path}" for lang, paths in files.items()
                                                           for path in paths])
  stats = run_pipeline(config)
  totals = read_counts(tmp_path)
  assert sorted(totals) == sorted(files) and len(files) == 15
  assert_counts_equal_the_preprocess_models(files, stats, totals, fixture_spec, fixture_preprocess)


@pytest.mark.shared
def test_labse_languages_count_exactly_on_flores_dev_in_every_language(fixture_spec, fixture_preprocess, tmp_path):
  """`--languages labse` over FLORES dev in the 105 of LaBSE's languages FLORES-200 has, each file passed by its
  FLORES-200 code: counts equal the fixture preprocess model's tokens, token for token, in every script."""
  paths = sorted(glob.glob(os.path.join(shared_path(FLORES_LABSE), "*.dev")))
  files: dict[str, list[str]] = {}
  for path in paths:
    files.setdefault(languages.resolve(os.path.basename(path)[:-len(".dev")]).code, []).append(path)
  config = make_config(fixture_spec, tmp_path, text_files=[f"{os.path.basename(path)[:-len('.dev')]}={path}"
                                                           for path in paths], languages="labse", sample_lines=0)
  stats = run_pipeline(config)
  totals = read_counts(tmp_path)
  assert len(paths) == 105 and len(files) == 104 and len(files["zh"]) == 2  # zho_Hans and zho_Hant are zh.
  assert sorted(totals) == sorted(files)
  assert_counts_equal_the_preprocess_models(files, stats, totals, fixture_spec, fixture_preprocess)
  selected = json.loads((tmp_path / "selection.json").read_text(encoding="utf-8"))
  assert sorted(selected["languages"]) == sorted(files)


SCRIPT_SAMPLES = os.path.join(os.path.dirname(SAMPLE_DUMPS), "scripts")


@pytest.mark.parametrize("wiki", ["amwiki", "hewiki", "hiwiki", "hywiki", "kawiki"])
def test_wikis_in_other_scripts_give_exactly_their_articles_text(wiki):
  """Ethiopic, Hebrew, Devanagari, Armenian, Georgian: files and categories under the wiki's own names and the
  aliases MediaWiki accepts without listing them go, templates, refs and redirects go, the text stays."""
  with open(os.path.join(SCRIPT_SAMPLES, "expected", f"{wiki}.txt"), encoding="utf-8") as handle:
    expected = handle.read().split("\n")[:-1]
  assert dump_lines(os.path.join(SCRIPT_SAMPLES, "dumps", f"{wiki}-sample-pages-articles-multistream.xml.bz2")) == expected


@pytest.mark.shared
def test_wikis_in_other_scripts_count_exactly(fixture_spec, fixture_preprocess, tmp_path):
  stats = run_pipeline(make_config(fixture_spec, tmp_path, dumps=[os.path.join(SCRIPT_SAMPLES, "dumps", "*.xml.bz2")],
                                   languages="am,he,hi,hy,ka", streams_per_shard=1))
  files = {language: [os.path.join(SCRIPT_SAMPLES, "expected", f"{language}wiki.txt")]
           for language in ("am", "he", "hi", "hy", "ka")}
  assert_counts_equal_the_preprocess_models(files, stats, read_counts(tmp_path), fixture_spec, fixture_preprocess)
  assert {language: s["pages"] for language, s in stats["languages"].items()} == {"am": 2, "he": 2, "hi": 2, "hy": 1,
                                                                                  "ka": 1}
  assert {language: s["redirects"] for language, s in stats["languages"].items()} == {"am": 1, "he": 1, "hi": 1,
                                                                                      "hy": 0, "ka": 1}


@pytest.fixture(scope="module")
def enwiki_run(fixture_spec, tmp_path_factory):
  output = tmp_path_factory.mktemp("enwiki")
  return run_pipeline(make_config(fixture_spec, output, dumps=[shared_path(ENWIKI_EXCERPT)])), output


@pytest.mark.shared
def test_real_dump_reports_pages_lines_tokens_and_little_markup(enwiki_run):
  stats = enwiki_run[0]["languages"]["en"]
  assert stats["pages"] == 106 and stats["redirects"] == 100
  assert stats["lines"] == 11_308 and stats["tokens"] > 500_000 and stats["shards_read"] == 1
  assert stats["markup_lines"] / (stats["lines"] + stats["markup_lines"]) < 0.005


@pytest.mark.shared
def test_real_dump_split_into_multistream_shards_counts_exactly_as_whole(enwiki_run, fixture_spec, tmp_path):
  whole_stats, whole_output = enwiki_run
  with open(ENWIKI_EXCERPT, "rb") as handle:
    dump, index = multistream(bz2.decompress(handle.read()), pages_per_stream=20)
  (tmp_path / "dumps").mkdir()
  (tmp_path / "dumps" / "enwiki-test-pages-articles-multistream.xml.bz2").write_bytes(dump)
  (tmp_path / "dumps" / "enwiki-test-pages-articles-multistream-index.txt.bz2").write_bytes(index)
  config = make_config(fixture_spec, tmp_path / "out", dumps=[str(tmp_path / "dumps" / "*.bz2")],
                       streams_per_shard=2)
  stats = run_pipeline(config)
  assert stats["languages"]["en"]["shards_read"] == 6  # 11 streams of 20 pages, 2 streams a shard.
  assert counts_files(tmp_path / "out") == counts_files(whole_output)
  assert stats["languages"] == whole_stats["languages"] | {"en": stats["languages"]["en"]}
  for field in ("pages", "redirects", "lines", "words", "tokens", "unk_tokens", "bytes"):
    assert stats["languages"]["en"][field] == whole_stats["languages"]["en"][field]


@pytest.fixture(scope="module")
def samples_run(sample_spec, tmp_path_factory):
  output = tmp_path_factory.mktemp("samples")
  config = make_config(sample_spec, output, dumps=[ALL_SAMPLES], streams_per_shard=1, dump_text=4)
  return run_pipeline(config), output


def test_samples_run_reads_every_language_and_writes_every_output(samples_run):
  stats, output = samples_run
  languages = stats["languages"]
  assert sorted(languages) == ["ar", "en", "fr", "ja", "ru", "th"]
  # Articles by hand in samples/src: its ns=0 pages less the one redirect each.
  assert {language: s["pages"] for language, s in languages.items()} == {"ar": 4, "en": 6, "fr": 5, "ja": 5, "ru": 4,
                                                                         "th": 4}
  for language, language_stats in languages.items():
    assert language_stats["redirects"] == 1, language
    assert language_stats["lines"] > 10 and language_stats["shards_skipped"] == 0, language
  assert languages["en"]["shards_read"] == 5 and languages["th"]["shards_read"] == 1
  for name in ("vocab.txt", "selection.json", "selection.md", "original_vocab.txt", "counts/ja.tsv", "text/th.txt"):
    assert os.path.exists(os.path.join(output, name)), name
  assert not glob.glob(f"{output}/**/*.tmp-*", recursive=True)  # Atomic writes leave no temporaries.


def test_samples_are_the_hash_chosen_lines_sentences_tokenized(samples_run, sample_spec):
  """samples/<lang>.txt holds, by hand: the lines with the smallest hashes, split into sentences, as token ids."""
  _, output = samples_run
  lines = dump_lines(os.path.join(SAMPLE_DUMPS, "frwiki-sample-pages-articles-multistream.xml.bz2"))
  # Fewer lines than --sample_lines: every one, ordered by the documented hash (CRC-32 above Adler-32).
  chosen = sorted(lines, key=lambda line: zlib.crc32(line.encode()) << 32 | zlib.adler32(line.encode()))
  tokenizer = sample_spec.build()
  expected = [tokenizer.token_ids(sentence) for line in chosen for sentence in sampling.split_sentences(line)]
  written = outputs.read_samples(str(output), sample_spec.vocab(), ["fr"])["fr"]
  assert written.to_text() == Sample([row for row in expected if row], "x").to_text()
  stats = json.loads((output / "stats.json").read_text())
  assert stats["languages"]["fr"]["sample"] == {"lines": len(lines), "sentences": len(written)}
  report = json.loads((output / "selection.json").read_text())["languages"]["fr"]
  # Every token seen fits the default budget: the whole sample is preserved, and the report says so.
  assert report["sample_sentences"] == len(written) and report["sample_preserved"] == 1.0


def test_counts_tsv_rows_are_sorted_and_hold_tokens_verbatim(samples_run):
  _, output = samples_run
  vocab = outputs.read_counts(str(output))[0]
  with open(os.path.join(output, "counts", "fr.tsv"), encoding="utf-8") as handle:
    rows = [row.split("\t", 3) for row in handle.read().split("\n")[1:] if row]
  assert [int(count) for _, count, _, _ in rows] == sorted((int(count) for _, count, _, _ in rows), reverse=True)
  assert all(vocab[int(token_id)] == token for token_id, _, _, token in rows)
  assert any("\u202f" in token for _, _, _, token in rows)  # French U+202F before "?" and "!".


def test_dump_text_writes_the_first_lines_in_dump_order(samples_run, sample_spec):
  _, output = samples_run
  with open(os.path.join(output, "text", "fr.txt"), encoding="utf-8") as handle:
    written = handle.read().split("\n")[:-1]
  # The first article of samples/src/frwiki.txt as a reader sees it, written out by hand (&nbsp; is U+00A0).
  assert written == [
      "Un phare est une tour équipée d'une puissante source lumineuse et destinée à guider les navires la nuit. Le "
      "mot vient du nom de l'île de Pharos, au large d'Alexandrie, où fut construit le célèbre phare d'Alexandrie.",
      "Les phares signalent les côtes dangereuses, les récifs et l'entrée des ports. Leur feu est reconnaissable de "
      "nuit à son rythme\u00a0: éclats, occultations ou feu fixe. Pourquoi tant de phares en Bretagne\u202f? Parce "
      "que la côte y est découpée et semée d'écueils\u202f!",  # The source's narrow no-break spaces.
      "Histoire",
      "Au , les feux à huile remplacent les feux de bois et de charbon. En 1823, Augustin Fresnel invente la "
      "lentille à échelons, qui multiplie la portée des phares."]


def test_selection_rerun_from_counts_alone_gives_the_same_vocab(samples_run, tmp_path):
  _, output = samples_run
  selection.main(["--counts", str(output), "--output", str(tmp_path)])
  assert (tmp_path / "vocab.txt").read_bytes() == (output / "vocab.txt").read_bytes()
  selection.main(["--counts", str(output), "--output", str(tmp_path), "--coverage", "0.9", "--overwrite"])
  assert len((tmp_path / "vocab.txt").read_bytes()) < len((output / "vocab.txt").read_bytes())
  selection.main(["--counts", str(output), "--output", str(tmp_path), "--max_vocab", "600", "--overwrite"])
  report = json.loads((tmp_path / "selection.json").read_text())
  assert report["vocab_size"] == 600 and report["estimate"] == "samples"  # The run's own samples chose.
  assert all(0 < info["sample_preserved"] < 1 for info in report["languages"].values())


@pytest.mark.slow
def test_two_processes_count_exactly_as_one(samples_run, sample_vocab, tmp_path):
  """Through the command line, as a user runs it: DirectRunner, 2 worker processes."""
  _, one_worker_output = samples_run
  stats = select_vocab.run([
      "--dumps", ALL_SAMPLES, "--vocab_file", sample_vocab, "--output", str(tmp_path), "--streams_per_shard", "1",
      "--runner", "DirectRunner", "--direct_num_workers", "2", "--direct_running_mode", "multi_processing"]).stats
  assert counts_files(tmp_path) == counts_files(one_worker_output)
  assert (tmp_path / "vocab.txt").read_bytes() == (one_worker_output / "vocab.txt").read_bytes()
  assert stats["languages"]["en"]["shards_read"] == 5


def test_max_lines_per_language_counts_the_first_lines_in_input_order(sample_spec, tmp_path):
  config = make_config(sample_spec, tmp_path, dumps=[EN_SAMPLE], streams_per_shard=1, max_lines_per_language=30)
  stats = run_pipeline(config)
  lines = dump_lines(EN_SAMPLE)
  assert len(lines) > 30
  expected = LanguageCounts.empty(len(sample_spec.vocab()))
  expected.add_lines(sample_spec.build(), lines[:30])
  assert stats["languages"]["en"]["lines"] == 30
  assert (read_counts(tmp_path)["en"].token_counts == expected.token_counts).all()


def test_line_quotas_take_each_languages_first_lines():
  shard_lines = [(("en", (0, 10)), 5), (("en", (0, 0)), 7), (("en", (1, 0)), 9), (("fr", (2, 0)), 3)]
  assert transforms.line_quotas(shard_lines, 10) == {
      ("en", (0, 0)): 7, ("en", (0, 10)): 3, ("en", (1, 0)): 0, ("fr", (2, 0)): 3}


def test_merge_counts_combine_fn():
  combine = transforms.MergeCounts()
  parts = []
  for value in (1, 2, 3):
    part = LanguageCounts.empty(4)
    part.token_counts[value] = value
    part.add_stats(lines=value)
    parts.append(part)
  left = combine.add_input(combine.add_input(combine.create_accumulator(), parts[0]), parts[1])
  right = combine.add_input(combine.create_accumulator(), parts[2])
  merged = combine.extract_output(combine.merge_accumulators([left, combine.create_accumulator(), right]))
  assert list(merged.token_counts) == [0, 1, 2, 3] and merged.stats["lines"] == 6
  # Beam's contract: inputs and the accumulators handed to merge_accumulators are never changed.
  assert [list(part.token_counts) for part in parts] == [[0, 1, 0, 0], [0, 0, 2, 0], [0, 0, 0, 3]]
  assert [part.stats["lines"] for part in parts] == [1, 2, 3]
  assert list(right.token_counts) == [0, 0, 0, 3]


def test_plan_shards_transform_follows_the_indexes(sample_spec, tmp_path):
  text = tmp_path / "fr.txt"
  text.write_text("Il pleut sur la ville.\n", encoding="utf-8")
  config = make_config(sample_spec, "unused", dumps=[ALL_SAMPLES], text_files=[f"fr={text}"])
  expected = [shard for number, dump in enumerate(config.dumps) for shard in sources.plan_dump_shards(dump, number, 2)]
  expected.append(sources.Shard((len(config.dumps), 0), str(text), "fr", "text"))
  with test_pipeline.TestPipeline(runner="FnApiRunner") as pipeline:
    shards = pipeline | transforms.PlanShards(config.dumps, config.text_files, 2)
    assert_that(shards, equal_to(expected))


def test_smallest_lines_combine_fn_keeps_the_k_smallest_and_changes_no_input():
  combine = transforms.SmallestLines(3)
  shards = [[(1, "a"), (8, "h")], [(2, "b"), (5, "e"), (9, "i")], [(3, "c")]]
  copies = [list(shard) for shard in shards]
  left = combine.add_input(combine.add_input(combine.create_accumulator(), shards[0]), shards[1])
  right = combine.add_input(combine.create_accumulator(), shards[2])
  kept = list(right)
  assert combine.extract_output(combine.merge_accumulators([left, right])) == [(1, "a"), (2, "b"), (3, "c")]
  assert shards == copies and right == kept


def test_count_tokens_transform_counts_each_shard(sample_spec):
  shards = sources.plan_dump_shards(sources.read_header(EN_SAMPLE), 0, 1)
  tokenizer = sample_spec.build()
  expected = LanguageCounts.empty(tokenizer.vocab_size)
  expected.add_lines(tokenizer, dump_lines(EN_SAMPLE))
  settings = transforms.CountingSettings(tokenizer=sample_spec, dump_text=2, sample_lines=3)
  with test_pipeline.TestPipeline(runner="FnApiRunner") as pipeline:
    counted = pipeline | beam.Create(shards) | transforms.CountTokens(settings)
    summed = (counted.counts
              | beam.CombinePerKey(transforms.MergeCounts())
              | beam.MapTuple(lambda language, counts: (language, counts.token_counts.tolist(), counts.stats["lines"])))
    assert_that(summed, equal_to([("en", expected.token_counts.tolist(), expected.stats["lines"])]))
    # Every shard offers its own first 2 lines.
    assert_that(counted[transforms.CountShardTokens.TEXT] | "Shards" >> beam.Map(lambda kv: kv[1][0])
                | beam.Distinct() | "CountShards" >> beam.combiners.Count.Globally(), equal_to([len(shards)]),
                label="text")
    # One sorted list of 3 a bundle (and a bundle holds one shard or more).
    assert_that(counted[transforms.CountShardTokens.SAMPLE]
                | "Sizes" >> beam.MapTuple(lambda _, lines: (len(lines), lines == sorted(lines)))
                | "DistinctSizes" >> beam.Distinct(), equal_to([(3, True)]), label="sample")


def test_combine_per_language_transform_on_hand_made_counts():
  def counts(*values):
    made = LanguageCounts.empty(3)
    made.token_counts[:] = values
    made.add_stats(lines=sum(values))
    return made

  with test_pipeline.TestPipeline(runner="FnApiRunner") as pipeline:
    counted = {
        "counts": pipeline | "Counts" >> beam.Create([("xx", counts(1, 0, 2)), ("xx", counts(0, 5, 0)),
                                                      ("yy", counts(1, 1, 1))]),
        "sample": pipeline | "Sample" >> beam.Create([("xx", [(4, "four"), (9, "nine")]), ("xx", [(2, "two")]),
                                                      ("yy", [(7, "seven")])]),
        "text": pipeline | "Text" >> beam.Create([("xx", ((1, 0), 0, "b")), ("xx", ((0, 0), 1, "a2")),
                                                  ("xx", ((0, 0), 0, "a1"))]),
    }
    results = (counted | transforms.CombinePerLanguage(sample_lines=2, dump_text=2)
               | beam.MapTuple(lambda language, r: (language, r.counts.token_counts.tolist(), r.counts.stats["lines"],
                                                     r.sampled, [line for _, _, line in r.first_lines])))
    assert_that(results, equal_to([("xx", [1, 5, 2], 8, [(2, "two"), (4, "four")], ["a1", "a2"]),
                                   ("yy", [1, 1, 1], 3, [(7, "seven")], [])]))


def test_write_run_transform_writes_each_language_then_the_run(sample_spec, tmp_path):
  tokenizer = sample_spec.build()
  lines = {"en": ["The lighthouse guides ships. Bees make honey.", "It rains."], "fr": ["Il pleut."]}
  results = []
  for language, language_lines in lines.items():
    counts = LanguageCounts.empty(tokenizer.vocab_size)
    counts.add_lines(tokenizer, language_lines)
    sampled = sorted((sampling.line_hash(line), line) for line in language_lines)
    results.append((language, transforms.LanguageResult(counts, sampled, [((0, 0), 0, language_lines[0])])))
  with test_pipeline.TestPipeline(runner="FnApiRunner") as pipeline:
    _ = ({"languages": pipeline | "Languages" >> beam.Create(results),
          "skipped": pipeline | "Skipped" >> beam.Create([{"shard": "x.txt", "language": "fr", "error": "bad"}]),
          "lost": pipeline | "Lost" >> beam.Create([])}
         | transforms.WriteRun(str(tmp_path), sample_spec, ["en", "fr"], 10, {"min_chars": 6}))
  stats = json.loads((tmp_path / "stats.json").read_text())
  assert stats["languages"]["en"]["sample"] == {"lines": 2, "sentences": 3} and stats["min_chars"] == 6
  assert stats["skipped_shards"] == [{"shard": "x.txt", "language": "fr", "error": "bad"}] and stats["lost_streams"] == []
  assert (tmp_path / "text" / "fr.txt").read_text() == "Il pleut.\n"
  vocab, counts = outputs.read_counts(str(tmp_path))
  assert (counts["en"].token_counts == results[0][1].counts.token_counts).all()
  assert outputs.read_samples(str(tmp_path), vocab, ["fr"])["fr"].to_text() == " ".join(
      map(str, tokenizer.token_ids("Il pleut."))) + "\n"
  assert stats["languages_without_text"] == []
  with test_pipeline.TestPipeline(runner="FnApiRunner") as pipeline:
    _ = ({"languages": pipeline | "Languages" >> beam.Create(results[:1]),
          "skipped": pipeline | "Skipped" >> beam.Create([]), "lost": pipeline | "Lost" >> beam.Create([])}
         | transforms.WriteRun(str(tmp_path / "again"), sample_spec, ["en", "de"], 10, {}))
  assert json.loads((tmp_path / "again" / "stats.json").read_text())["languages_without_text"] == ["de"]


def test_languages_filter_skips_and_reports_other_dumps(sample_spec, tmp_path):
  config = make_config(sample_spec, tmp_path, dumps=[ALL_SAMPLES], languages=["fra", "ja"])
  assert config.languages == ("fr", "ja")
  assert sorted(skipped["language"] for skipped in config.skipped_inputs) == ["ar", "en", "ru", "th"]
  stats = run_pipeline(config)
  assert sorted(stats["languages"]) == ["fr", "ja"] and len(stats["skipped_inputs"]) == 4


def test_requested_language_without_input_is_an_error(sample_spec, tmp_path):
  with pytest.raises(sources.SourceError, match="ko"):
    make_config(sample_spec, tmp_path, dumps=[ALL_SAMPLES], languages=["fr", "ko"])


def test_a_glob_matching_nothing_is_an_error(sample_spec, tmp_path):
  with pytest.raises(sources.SourceError, match="matches no file"):
    make_config(sample_spec, tmp_path, dumps=[str(tmp_path / "nothing-*.xml.bz2")])


def test_a_folder_given_for_its_dumps_is_an_error_naming_its_files(sample_spec, tmp_path):
  with pytest.raises(sources.SourceError, match=r"is a folder: give its files \(.*/\*\.bz2\)"):
    make_config(sample_spec, tmp_path / "out", dumps=[str(tmp_path)])


@pytest.mark.parametrize("arguments, message", [
    (["--sample_lines", "-1"], "--sample_lines must be 0 or more"),
    (["--languages", "xx"], "unknown language 'xx'"),
    (["--coverage", "1.5"], "--coverage must be in (0, 1], got 1.5"),
])
def test_bad_command_lines_are_one_line_errors(arguments, message, tmp_path, capsys):
  text = tmp_path / "en.txt"
  text.write_text("A line long enough.\n")
  with pytest.raises(SystemExit) as exit_:
    select_vocab.main(["--text_files", f"en={text}", "--vocab_file", str(text), "--output", str(tmp_path / "out"),
                       *arguments])
  assert exit_.value.code == 2
  error = capsys.readouterr().err.strip().splitlines()
  assert message in error[-1] and not any("Traceback" in line for line in error)


def test_the_runners_own_fallback_from_prism_is_said_as_a_warning():
  import logging
  record = logging.LogRecord("apache_beam.runners.direct.direct_runner", logging.INFO, __file__, 1,
                             "Falling back to DirectRunner", (), None)
  assert select_vocab.FallbackNotice().filter(record)
  assert record.levelname == "WARNING" and "could not start" in record.getMessage()
  other = logging.LogRecord("x", logging.INFO, __file__, 1, "Running pipeline with %s.", ("PrismRunner",), None)
  assert select_vocab.FallbackNotice().filter(other) and other.levelname == "INFO"
