"""Bad input, faults and retries in the vocabulary pipeline: clear, contained, nothing silently lost.

Each test builds a small wiki in the dumps' real layout (multistream dump + index, or a plain
dump), damages it in one way, and checks what is skipped, counted, logged or refused.
"""

import bz2
import collections
import logging
import os

import apache_beam as beam
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipelines import corpus, languages, select_vocab, selection, sources, transforms, wikitext
from pipelines.vocab import VocabError, parse_vocab
from samples.build_samples import multistream, parse_source, to_xml
from tests.conftest import ALL_SAMPLES, SAMPLE_DUMPS, make_config, run_pipeline

ARTICLES = [f"Article number {n} tells of lighthouses, honey bees and bread baked at dawn." for n in range(6)]


def wiki_xml(dbname="enwiki", lang="en", pages=None) -> bytes:
  """A MediaWiki export; `pages` is a list of (title, text, extra fields) or the six ARTICLES."""
  source = [f"@site dbname={dbname} lang={lang} sitename=Test"]
  for number, page in enumerate(pages or [(f"Page {n}", text, "") for n, text in enumerate(ARTICLES)], start=1):
    title, text, extra = page
    source += [f"@page id={number} ns=0 title={title}{extra}", text]
  site, namespaces, parsed = parse_source("\n".join(source) + "\n", "test")
  return to_xml(site, namespaces, parsed)


def write_multistream(directory, xml: bytes, name="enwiki-test-pages-articles-multistream") -> tuple[str, list[int]]:
  """A one-page-per-stream dump and its index; returns the dump path and the page streams' offsets."""
  dump, index = multistream(xml, pages_per_stream=1)
  path = directory / f"{name}.xml.bz2"
  path.write_bytes(dump)
  (directory / f"{name}-index.txt.bz2").write_bytes(index)
  offsets = sorted({int(line.split(":", 1)[0]) for line in bz2.decompress(index).decode().splitlines()})
  return str(path), offsets


def corrupt_stream(path: str, start: int, end: int) -> None:
  data = bytearray(open(path, "rb").read())
  for position in range(start + 20, end - 10, 7):
    data[position] ^= 0x5A
  open(path, "wb").write(bytes(data))


@pytest.mark.parametrize("streams_per_shard", [1, 200])
def test_a_corrupt_bz2_stream_costs_only_its_own_pages(sample_spec, tmp_path, caplog, streams_per_shard):
  """With one shard per stream, or the whole dump one shard: five of the six articles are read."""
  path, offsets = write_multistream(tmp_path, wiki_xml())
  start, end = offsets[2], offsets[3]  # The third article's stream.
  corrupt_stream(path, start, end)
  caplog.set_level(logging.ERROR)
  stats, counters = run_pipeline(make_config(sample_spec, tmp_path / "out", dumps=[path],
                                             streams_per_shard=streams_per_shard), metrics=True)
  english = stats["languages"]["en"]
  assert english["pages"] == 5 and english["lines"] == 5 and english["shards_skipped"] == 0
  assert english["streams_lost"] == 1 and counters["en/streams_lost"] == 1 and counters["en/pages"] == 5
  [lost] = stats["lost_streams"]
  assert (lost["file"], lost["start"], lost["end"], lost["pages_in_stream"]) == (path, start, end, 1)
  assert lost["error"].startswith("corrupt bz2 data: ") and lost["language"] == "en"
  assert f"{path}: lost the bz2 stream at bytes {start}-{end}: corrupt bz2 data" in caplog.text

  with pytest.raises(Exception, match=r"corrupt bz2 data in bytes"):
    run_pipeline(make_config(sample_spec, tmp_path / "strict", dumps=[path], streams_per_shard=streams_per_shard,
                             fail_on_bad_shard=True))
  assert not os.path.exists(tmp_path / "strict" / "vocab.txt")


def test_without_an_index_reading_resumes_at_the_next_stream_start(sample_spec, tmp_path):
  path, offsets = write_multistream(tmp_path, wiki_xml())
  os.remove(path.replace(".xml.bz2", "-index.txt.bz2"))  # One shard; the next stream is found by its magic.
  corrupt_stream(path, offsets[4], offsets[5])
  stats = run_pipeline(make_config(sample_spec, tmp_path / "out", dumps=[path]))
  assert stats["languages"]["en"]["pages"] == 5 and stats["languages"]["en"]["shards_read"] == 1
  [lost] = stats["lost_streams"]
  assert (lost["start"], lost["end"]) == (offsets[4], offsets[5]) and "pages_in_stream" not in lost


def test_truncated_dumps_keep_what_was_read_and_say_what_was_lost(sample_spec, tmp_path):
  good, _ = write_multistream(tmp_path, wiki_xml())
  # A multistream dump without its index (one shard), cut inside its last stream: the header still reads.
  streams, _ = multistream(wiki_xml(), pages_per_stream=1)
  cut = tmp_path / "enwiki-cut-pages-articles-multistream.xml.bz2"
  cut.write_bytes(streams[:-30])
  # A single-stream dump cut short: not even its header can be read, so the whole file is skipped.
  plain = bz2.compress(wiki_xml())
  cut_plain = tmp_path / "enwiki-cutplain-pages-articles.xml.bz2"
  cut_plain.write_bytes(plain[:len(plain) * 2 // 3])
  xml = wiki_xml()
  cut_xml = tmp_path / "enwiki-cutxml-pages-articles.xml"
  cut_xml.write_bytes(xml[:xml.rindex(b"</page>") - 40])
  stats = run_pipeline(make_config(sample_spec, tmp_path / "out", dumps=[good, str(cut), str(cut_plain), str(cut_xml)],
                                   streams_per_shard=1))
  lost = {record["file"]: record for record in stats["lost_streams"]}
  size = cut.stat().st_size
  assert lost[str(cut)]["error"] == "the data ends inside a bz2 stream (truncated file?)"
  assert lost[str(cut)]["end"] == size and lost[str(cut)]["start"] < size
  assert lost[str(cut_xml)]["error"] == "the data ends inside a <page> (truncated dump?)"
  [skipped_input] = stats["skipped_inputs"]
  assert skipped_input["path"] == str(cut_plain) and "ends inside a bz2 stream" in skipped_input["reason"]
  # 6 from the good dump, 6 from the multistream one (its cut stream is the last, which holds the closing
  # tag), 5 before the cut page of the XML one; no shard is skipped whole any more.
  assert stats["languages"]["en"]["pages"] == 17 and stats["languages"]["en"]["shards_skipped"] == 0
  assert stats["languages"]["en"]["streams_lost"] == 2


def test_malformed_page_invalid_utf8_and_empty_article_are_counted_and_logged(sample_spec, tmp_path, caplog):
  pages = [("Good", ARTICLES[0], ""), ("Broken", "MALFORMED_HERE " + ARTICLES[1], ""),
           ("Latin1", "BADBYTES_HERE " + ARTICLES[2], ""), ("Empty", "", ""), ("Also good", ARTICLES[3], "")]
  xml = wiki_xml(pages=pages).replace(b"MALFORMED_HERE", b"<broken").replace(b"BADBYTES_HERE", b"caf\xe9")
  path = tmp_path / "enwiki-bad-pages-articles.xml.bz2"
  path.write_bytes(bz2.compress(xml))
  caplog.set_level(logging.WARNING)
  stats = run_pipeline(make_config(sample_spec, tmp_path / "out", dumps=[str(path)]))
  english = stats["languages"]["en"]
  assert english["pages_skipped"] == 1 and english["pages_invalid_utf8"] == 1 and english["pages_without_text"] == 1
  assert english["pages"] == 3 and english["lines"] == 3  # Good, Latin1 (bad byte replaced), Also good.
  assert "skipped a page that is not well-formed XML" in caplog.text and "'Latin1' has invalid UTF-8" in caplog.text
  assert "article 'Empty' (id 4) has no text" in caplog.text and str(path) in caplog.text


def test_an_article_nested_past_mediawikis_limit_is_skipped_counted_and_logged(sample_spec, tmp_path, caplog):
  deep = "{{a|" * 101 + "x" + "}}" * 101 + " " + ARTICLES[1]
  just_deep_enough = "{{a|" * 100 + "x" + "}}" * 100 + " " + ARTICLES[2]
  pages = [("Good", ARTICLES[0], ""), ("Deep", deep, ""), ("Deep enough", just_deep_enough, "")]
  path = tmp_path / "enwiki-deep-pages-articles.xml.bz2"
  path.write_bytes(bz2.compress(wiki_xml(pages=pages)))
  caplog.set_level(logging.WARNING)
  stats = run_pipeline(make_config(sample_spec, tmp_path / "out", dumps=[str(path)]))
  english = stats["languages"]["en"]
  assert english["pages_too_deep"] == 1 and english["pages"] == 2 and english["lines"] == 2
  assert "article 'Deep' (id 2) nests templates, links or tables more than 100 deep" in caplog.text


def test_a_utf16_dump_is_skipped_and_reported_or_stops_a_strict_run(sample_spec, tmp_path):
  utf16 = tmp_path / "enwiki-utf16-pages-articles.xml.bz2"
  utf16.write_bytes(bz2.compress(wiki_xml().decode("utf-8").encode("utf-16")))
  good, _ = write_multistream(tmp_path, wiki_xml())
  stats = run_pipeline(make_config(sample_spec, tmp_path / "out", dumps=[good, str(utf16)]))
  [skipped] = stats["skipped_inputs"]
  assert skipped["path"] == str(utf16) and "UTF-16" in skipped["reason"] and "iconv" in skipped["reason"]
  assert stats["languages"]["en"]["pages"] == 6
  with pytest.raises(sources.SourceError, match=f"{utf16}: the dump is encoded in UTF-16"):
    select_vocab.resolve_inputs([good, str(utf16)], [], None, fail_on_bad_input=True)


def test_unknown_dbname_is_an_error_naming_the_file(tmp_path):
  path = tmp_path / "xxwiki-pages-articles.xml.bz2"
  path.write_bytes(bz2.compress(wiki_xml(dbname="klingonwiki", lang="tlh")))
  with pytest.raises(languages.UnknownLanguageError, match=f"{path}: dbname 'klingonwiki'"):
    select_vocab.resolve_inputs([str(path)], [], None)


def test_a_requested_language_with_no_text_at_the_end_is_an_error(sample_spec, tmp_path):
  only_redirects = wiki_xml("frwiki", "fr", [("Phare", "#REDIRECTION [[Feu]]", " redirect=Feu"), ("Vide", "", "")])
  path = tmp_path / "frwiki-empty-pages-articles.xml.bz2"
  path.write_bytes(bz2.compress(only_redirects))
  english, _ = write_multistream(tmp_path, wiki_xml())
  with pytest.raises(selection.SelectionError, match="no text was read for fr"):
    run_pipeline(make_config(sample_spec, tmp_path / "out", dumps=[english, str(path)]))
  assert not os.path.exists(tmp_path / "out" / "vocab.txt")
  # The counts are kept; told to leave French out, selection makes the English vocab.
  selection.main(["--counts", str(tmp_path / "out"), "--languages", "en", "--output", str(tmp_path / "out"),
                  "--overwrite"])
  assert os.path.exists(tmp_path / "out" / "vocab.txt")


def test_an_index_offset_not_at_a_stream_start_stops_the_run_naming_the_index(sample_spec, tmp_path):
  path, offsets = write_multistream(tmp_path, wiki_xml())
  index = tmp_path / "enwiki-test-pages-articles-multistream-index.txt.bz2"
  lines = bz2.decompress(index.read_bytes()).decode().splitlines()
  lines[2] = f"{offsets[2] + 5}:3:Page 2"  # A middle stream: the launcher checks only the first and last.
  index.write_bytes(bz2.compress("\n".join(lines).encode()))
  with pytest.raises(Exception, match=rf"{index}: offset {offsets[2] + 5} is not the start of a bz2 stream"):
    run_pipeline(make_config(sample_spec, tmp_path / "out", dumps=[path], streams_per_shard=1))


def test_a_workers_input_error_is_one_line_from_the_command_line(sample_vocab, tmp_path, capsys):
  path, offsets = write_multistream(tmp_path, wiki_xml())
  index = tmp_path / "enwiki-test-pages-articles-multistream-index.txt.bz2"
  lines = bz2.decompress(index.read_bytes()).decode().splitlines()
  lines[2] = f"{offsets[2] + 5}:3:Page 2"
  index.write_bytes(bz2.compress("\n".join(lines).encode()))
  with pytest.raises(SystemExit) as exit_:
    select_vocab.main(["--dumps", path, "--vocab_file", sample_vocab, "--output", str(tmp_path / "out"),
                       "--streams_per_shard", "1", "--runner", "FnApiRunner"])
  assert exit_.value.code == 1
  error = capsys.readouterr().err.strip().splitlines()[-1]
  assert error == (f"python -m pipelines.select_vocab: the job stopped: {index}: offset {offsets[2] + 5} is not the "
                   f"start of a bz2 stream in {path}; does the index belong to this dump?")


class FlakyTokenizer:
  """Wraps a tokenizer; the first time each shard reaches its second line batch, the 'worker' dies.
  `failed` (the test's own set) remembers which shards have died once."""

  def __init__(self, tokenizer, shard_name, failed: set):
    self._tokenizer, self._shard, self._failed = tokenizer, shard_name, failed
    self._batches = 0

  def __getattr__(self, name):
    return getattr(self._tokenizer, name)

  def tokenize_batch(self, lines):
    self._batches += 1
    if self._batches == 2 and self._shard not in self._failed:
      self._failed.add(self._shard)
      raise ConnectionError(f"worker lost while reading {self._shard}")
    return self._tokenizer.tokenize_batch(lines)


def test_bundles_that_fail_once_and_are_retried_count_as_a_clean_run(sample_spec, tmp_path, monkeypatch):
  """Dataflow retries a failed bundle from scratch and keeps only its successful attempt's outputs.

  Runs CountShardTokens the way a runner does, on one DoFn instance (its word cache survives the
  failure), discarding the outputs of each failed attempt, then combines with MergeCounts, and
  compares with a clean run of the whole pipeline.
  """
  path, _ = write_multistream(tmp_path, wiki_xml(pages=[(f"P{n}", "\n\n".join(ARTICLES), "") for n in range(4)]))
  config = make_config(sample_spec, tmp_path / "clean", dumps=[path, ALL_SAMPLES], streams_per_shard=1)
  clean = run_pipeline(config)
  shards = [shard for number, dump in enumerate(config.dumps)
            for shard in transforms.plan_shards((number, dump), 1)]
  monkeypatch.setattr(transforms, "BATCH_LINES", 2)  # Several batches per shard, so a failure is mid-shard.
  do_fn = transforms.CountShardTokens(sample_spec, config.counting.min_chars, False, 0, config.counting.sample_lines)
  do_fn.setup()
  real_tokenizer = do_fn._tokenizer
  combine = transforms.MergeCounts()
  accumulators = collections.defaultdict(combine.create_accumulator)
  smallest = transforms.SmallestLines(config.counting.sample_lines)
  samples = collections.defaultdict(smallest.create_accumulator)
  attempts, failed = 0, set()
  for shard in shards:
    while True:
      attempts += 1
      do_fn._tokenizer = FlakyTokenizer(real_tokenizer, shard.name, failed)
      do_fn.start_bundle()  # One shard a bundle; a retry starts the bundle again.
      try:
        outputs = [*do_fn.process(shard), *do_fn.finish_bundle()]  # Committed only if the bundle succeeds.
      except ConnectionError:
        continue
      break
    for language, counts in (o for o in outputs if not isinstance(o, beam.pvalue.TaggedOutput)):
      accumulators[language] = combine.add_input(accumulators[language], counts)
    for output in outputs:
      if isinstance(output, beam.pvalue.TaggedOutput) and output.tag == transforms.CountShardTokens.SAMPLE:
        language, lines = output.value.value
        samples[language] = smallest.add_input(samples[language], lines)
  retried = {language: combine.extract_output(accumulator) for language, accumulator in accumulators.items()}
  assert attempts > len(shards)  # Some shards really failed mid-way and were retried.
  for language, counts in retried.items():
    expected = clean["languages"][language]
    for field in ("pages", "lines", "tokens", "unk_tokens", "words", "shards_read"):
      assert counts.stats[field] == expected[field], (language, field)
  from pipelines import outputs as run_outputs
  _, clean_totals = run_outputs.read_counts(str(tmp_path / "clean"))
  for language, counts in retried.items():
    assert (counts.token_counts == clean_totals[language].token_counts).all(), language
    assert (counts.line_counts == clean_totals[language].line_counts).all(), language
  # The sample too: only successful attempts' lines, the same sentences as the clean run's.
  from pipelines import sampling
  for language, lines in samples.items():
    written = (tmp_path / "clean" / "samples" / f"{language}.txt").read_text(encoding="utf-8")
    assert sampling.sample_from_lines(real_tokenizer, [line for _, line in lines], language).to_text() == written


@pytest.mark.parametrize("data, message", [
    (b"[PAD]\n[UNK]\nhello\nworld\nhello\n", r"vocab.txt:5: duplicate token 'hello', first seen on line 3"),
    (b"[PAD]\r\n[UNK]\r\nhello\r\n", r"vocab.txt:1: line ends with CR"),
    (b"[PAD]\nhello\nworld\n", r"vocab.txt: no \[UNK\] token"),
    (b"[PAD]\n[UNK]\n\nhello\n", r"vocab.txt:3: empty line"),
    (b"[PAD]\n[UNK]\nh\xe9llo\n", r"vocab.txt:3: not valid UTF-8"),
    (b"\xef\xbb\xbf[PAD]\n[UNK]\n", r"vocab.txt:1: starts with a byte-order mark"),
])
def test_vocab_file_errors_name_the_line(data, message):
  with pytest.raises(VocabError, match=message):
    parse_vocab(data, "vocab.txt")


def test_tokens_not_in_the_original_are_an_error_naming_the_line():
  from exporter.export import check_vocab
  original = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world"]
  with pytest.raises(VocabError, match=r"new.txt: 1 tokens are not in the original vocab \(line 7: 'hullo'\)"):
    check_vocab(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "hullo"], original, "new.txt")


# Wikitext generated from markup constructs nested at random. Words inside templates and comments must
# never come out; no markup may come out at all; nothing may raise or take long.
WORDS = st.sampled_from(["lighthouse", "abeille", "日本語", "маяк", "ผึ้ง", "naïve", "x", "Mount Fuji", "3.5"])


def _constructs(inner):
  return st.one_of(
      st.builds(lambda a: "{{Infobox|TEMPLATEONLY=" + a + "}}", inner),
      st.builds(lambda a: "{{{1|TEMPLATEONLY " + a + "}}}", inner),
      st.builds(lambda a, b: f"[[{a}|{b}]]", WORDS, inner),
      st.builds(lambda a: f"[[File:x.jpg|thumb|{a}]]", inner),
      st.builds(lambda a: f"'''{a}'''", inner),
      st.builds(lambda a: f"<ref name=\"r\">{a}</ref>", inner),
      st.builds(lambda a: f"<!-- COMMENTONLY {a} -->", inner),
      st.builds(lambda a: "\n{| class=\"wikitable\"\n|-\n| " + a + "\n|}\n", inner),
      st.builds(lambda a: f"\n== {a} ==\n", inner),
      st.builds(lambda a: f"\n* {a}", inner),
      st.lists(inner, min_size=1, max_size=4).map(" ".join),
  )


BALANCED_WIKITEXT = st.recursive(WORDS, _constructs, max_leaves=40)
BROKEN_WIKITEXT = st.lists(st.one_of(WORDS, st.sampled_from(
    ["{{", "}}", "{{{", "[[", "]]", "{|", "|}", "|-", "<ref>", "</ref>", "<ref", "<!--", "-->", "'''", "\n", "|",
     "=", "<math>", "</math>", "[http://x.org", "]", "&amp;", "&nbsp;", "__TOC__", "<", ">"])), max_size=60).map("".join)
SYNTAX = wikitext.WikiSyntax.for_wiki("en")


def check_extraction(text: str) -> list[str]:
  extracted = wikitext.extract(text, SYNTAX, min_chars=1)
  for line in extracted.lines:
    assert not wikitext.has_markup(line) and "<!--" not in line and "<ref" not in line.lower(), line
  return extracted.lines


@settings(max_examples=300)
@given(BALANCED_WIKITEXT)
@example("[[lighthouse|{{Infobox|TEMPLATEONLY=\n{| class=\"wikitable\"\n|-\n| lighthouse\n|}\n}}]]")  # A table in a template.
def test_extractor_on_nested_markup_keeps_no_markup_and_no_template_or_comment_text(text):
  lines = check_extraction(text)
  assert not any("TEMPLATEONLY" in line or "COMMENTONLY" in line for line in lines)


@settings(max_examples=300)
@given(BROKEN_WIKITEXT)
def test_extractor_on_unbalanced_markup_never_raises_hangs_or_leaks_markup(text):
  check_extraction(text)


# Text a reader sees, between constructs that must vanish whole: the words must come out, in order.
VISIBLE = st.sampled_from(["lighthouse", "abeille", "日本語", "маяк", "ผึ้ง", "naïve", "3.5", "x"])


def _dropped(inner):
  return st.one_of(
      st.builds(lambda a: "{{Infobox|TEMPLATEONLY=" + a + "}}", inner),
      st.builds(lambda a: "{{{1|" + a + "}}}", inner),
      st.builds(lambda a: f"[[File:x.jpg|thumb|{a}]]", inner),
      st.builds(lambda a: "{{x|\n{| class=\"wikitable\"\n|-\n| " + a + "\n|}\n}}", inner),
      st.builds(lambda a: f"[[Category:{a}]]", WORDS),
      st.builds(lambda a: f"<ref name=\"r\">{a}</ref>", WORDS),
      st.builds(lambda a: f"<!-- {a} -->", WORDS),
      st.lists(inner, min_size=1, max_size=3).map(" ".join),
  )


DROPPED = st.recursive(st.builds(lambda a: "{{x|" + a + "}}", WORDS), _dropped, max_leaves=12)


@settings(max_examples=300)
@given(st.lists(st.tuples(st.lists(VISIBLE, max_size=3), DROPPED), min_size=1, max_size=8))
@example([(["lighthouse"], "{{x|a}}"), (["маяк", "3.5"], "<!-- x -->")])
def test_extractor_keeps_every_word_outside_the_markup_it_drops(parts):
  text = " ".join(" ".join(words) + " " + dropped for words, dropped in parts)
  lines = wikitext.extract(text, SYNTAX, min_chars=1).lines
  assert " ".join(lines).split() == [word for words, _ in parts for word in words], text


def test_shards_of_the_samples_are_unaffected_by_the_checks():
  """The per-shard index check passes on every shard of every well-formed sample dump."""
  stats = collections.Counter()
  for number, path in enumerate(sorted(p for p in os.listdir(SAMPLE_DUMPS) if "index" not in p)):
    dump = sources.read_header(os.path.join(SAMPLE_DUMPS, path))
    for shard in sources.plan_dump_shards(dump, number, 1):
      assert shard.index_path == dump.index_path
      list(corpus.shard_lines(shard, stats))
  assert stats["pages"] == 28 and not stats["pages_skipped"] and not stats["pages_without_text"]
