"""Shared fixtures. Expensive ones (TensorFlow models, probed tokenizers) are session-scoped."""

import glob
import json
import os
import tarfile

import pytest
from hypothesis import settings

# Property tests: no wall-clock deadline (a loaded machine misses it), and in CI the same examples every run.
settings.register_profile("default", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
FIXTURE = os.path.join(SHARED, "fixtures", "labse-format-tiny")
FIXTURE_PREPROCESS = os.path.join(FIXTURE, "preprocess")
ENWIKI_EXCERPT = os.path.join(SHARED, "data", "wikipedia",
                              "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2")
TATOEBA = os.path.join(SHARED, "data", "tatoeba", "v1")
FLORES = os.path.join(SHARED, "data", "flores200", "dev")
FLORES_LABSE = os.path.join(SHARED, "data", "flores200", "dev-labse")
SAMPLE_DUMPS = os.path.join(ROOT, "samples", "dumps")
ALL_SAMPLES = os.path.join(SAMPLE_DUMPS, "*.xml.bz2")


# Session fixtures that export whole models: tests using them are `slow`, left out of `make test-fast`.
SLOW_FIXTURES = {"fixture_export", "own_export", "own_original", "dataflow_graph"}


def pytest_collection_modifyitems(items):
  for item in items:
    if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
      item.add_marker(pytest.mark.slow)


def shared_path(path: str) -> str:
  """`path` under ../shared; the test skips, with the reason, only when ../shared is not beside this checkout.
  With ../shared present a missing path is a wrong path, and the test fails."""
  if os.path.exists(path):
    return path
  if os.path.isdir(SHARED):
    pytest.fail(f"{os.path.relpath(path, ROOT)} does not exist, though ../shared does: a wrong path")
  pytest.skip(f"needs {os.path.relpath(path, ROOT)} (the ../shared reference data is not beside this checkout)")


def real_text_files() -> dict[str, list[str]]:
  """Every Tatoeba side and FLORES dev file in ../shared, by language code."""
  from pipelines import languages
  files: dict[str, list[str]] = {}
  for path in sorted(glob.glob(os.path.join(shared_path(TATOEBA), "tatoeba.*"))):
    files.setdefault(languages.resolve(path.rsplit(".", 1)[1]).code, []).append(path)
  for path in sorted(glob.glob(os.path.join(shared_path(FLORES), "*.dev"))):
    files.setdefault(languages.resolve(os.path.basename(path)[:-len(".dev")]).code, []).append(path)
  return files


def make_config(spec, output, dumps=(), text_files=(), languages=None, **settings):
  """The pipeline's RunConfig for these inputs, resolved as the command line does."""
  import dataclasses

  from pipelines import select_vocab, selection, transforms
  found_dumps, found_text, chosen, skipped = select_vocab.resolve_inputs(dumps, text_files, languages)
  counting_fields = {field.name for field in dataclasses.fields(transforms.CountingSettings)}
  counting = transforms.CountingSettings(tokenizer=spec, **{k: v for k, v in settings.items() if k in counting_fields})
  return select_vocab.RunConfig(
      dumps=found_dumps, text_files=found_text, languages=chosen, skipped_inputs=skipped, counting=counting,
      rule=settings.get("rule", selection.SelectionRule.default()), output=str(output),
      **{k: v for k, v in settings.items() if k not in counting_fields and k != "rule"})


def run_pipeline(config, *beam_args, metrics: bool = False):
  """Runs the vocabulary pipeline on the FnApiRunner; returns its stats.json (and, with `metrics`,
  the committed counters by name as well)."""
  import apache_beam as beam
  from apache_beam.metrics.metric import MetricsFilter
  from apache_beam.options.pipeline_options import PipelineOptions

  from pipelines import outputs, select_vocab
  pipeline = beam.Pipeline(options=PipelineOptions(["--runner", "FnApiRunner", *beam_args]))
  select_vocab.build(pipeline, config)
  result = pipeline.run()
  result.wait_until_finish()
  select_vocab.select_from_run(config.output, config.rule)  # On the launcher, after the job, as run() does.
  stats = json.loads(outputs.read_bytes(os.path.join(config.output, "stats.json")))
  if not metrics:
    return stats
  return stats, {counter.key.metric.name: counter.committed for counter in result.metrics().query(MetricsFilter())["counters"]}


@pytest.fixture(scope="session")
def fixture_preprocess():
  """The LaBSE-format preprocess model exported by TF Model Garden."""
  from pipelines.reference import PreprocessModel
  return PreprocessModel(shared_path(FIXTURE_PREPROCESS))


@pytest.fixture(scope="session")
def fixture_spec():
  """The fast tokenizer read off the fixture preprocess model (vocab, casing, probed classes)."""
  from pipelines.reference import original_tokenizer_spec
  return original_tokenizer_spec(original_preprocess=shared_path(FIXTURE_PREPROCESS))


@pytest.fixture(scope="session")
def fixture_tokenizer(fixture_spec):
  return fixture_spec.build()


@pytest.fixture(scope="session")
def sample_vocab(tmp_path_factory) -> str:
  """A cased WordPiece vocab in LaBSE's layout learned from the bundled samples (needs no ../shared)."""
  from samples import stand_in
  path = str(tmp_path_factory.mktemp("vocab") / "sample_vocab.txt")
  stand_in.learn_vocab(path)
  return path


@pytest.fixture(scope="session")
def sample_spec(sample_vocab):
  """The fast tokenizer for `sample_vocab`, probed from tf_text's BertTokenizer."""
  from pipelines.reference import original_tokenizer_spec
  return original_tokenizer_spec(vocab_file=sample_vocab)


@pytest.fixture(scope="session")
def fixture_export(fixture_spec, tmp_path_factory):
  """The Model Garden fixture (directories) exported, with the Hugging Face folder, to the vocab the pipeline
  selects from the sample dumps, FLORES dev and the French Tatoeba pair, then checked on every Tatoeba and
  FLORES dev sentence: FLORES and the French pair are preserved entirely, the other Tatoeba pairs in part."""
  from exporter import export
  from pipelines import corpus
  from pipelines.vocab import read_vocab
  run = tmp_path_factory.mktemp("fixture_run")
  files = [f"{language}={path}" for language, paths in real_text_files().items() for path in paths]
  selection_text = [f for f in files if f.endswith((".dev", ".fra-eng.fra", ".fra-eng.eng"))]
  run_pipeline(make_config(fixture_spec, run, dumps=[ALL_SAMPLES], text_files=selection_text, streams_per_shard=1))
  texts = corpus.read_sentence_files(files)
  output = tmp_path_factory.mktemp("fixture_export") / "smaller"
  result = export.export(os.path.join(FIXTURE, "encoder"), os.path.join(FIXTURE, "preprocess"),
                         str(run / "vocab.txt"), str(output), texts=texts, hf=True)
  return output, result.report, read_vocab(str(run / "vocab.txt"))


OWN_DROPOUT = {"hidden": 0.15, "attention": 0.05, "inner": 0.0}  # Not BERT's: the export must read them.


@pytest.fixture(scope="session")
def own_original(sample_vocab, tmp_path_factory):
  """A LaBSE-format encoder + preprocess pair at another size and dropout, written with the project's own code."""
  from exporter import bert
  from pipelines.vocab import read_vocab
  from samples import stand_in
  root = tmp_path_factory.mktemp("own_original")
  stand_in.write_original(str(root), sample_vocab, seq_length=64, seed=5, dropout=bert.Dropout(**OWN_DROPOUT),
                          hidden=48, layers=3, heads=4, intermediate=96, max_positions=64)
  return root, read_vocab(sample_vocab)


def archive_directory(directory, archive):
  """A TF-Hub style compressed SavedModel: the directory's contents at the archive's top."""
  with tarfile.open(archive, "w:gz") as handle:
    handle.add(directory, arcname=".")
  return str(archive)


@pytest.fixture(scope="session")
def own_export(own_original, sample_spec, tmp_path_factory):
  """The model at another size exported from .tar.gz archives, to a vocab with gaps."""
  from exporter import export
  from samples import stand_in
  root, vocab = own_original
  lines = stand_in.sample_lines()
  french, japanese = [line for line in lines if "phare" in line][:8], [line for line in lines if "灯台" in line][:8]
  # The special tokens, every token the French lines use, and every third other token: a subset with gaps.
  tokenizer = sample_spec.build()
  used = {token_id for line in french for token_id in tokenizer.token_ids(line)}
  kept = [token for i, token in enumerate(vocab) if i < 104 or i in used or i % 3 == 0]
  vocab_path = tmp_path_factory.mktemp("vocab") / "vocab.txt"
  vocab_path.write_text("".join(token + "\n" for token in kept), encoding="utf-8")
  archives = tmp_path_factory.mktemp("archives")
  output = tmp_path_factory.mktemp("export") / "smaller"
  result = export.export(archive_directory(root / "encoder", archives / "encoder.tar.gz"),
                         archive_directory(root / "preprocess", archives / "preprocess.tar.gz"),
                         str(vocab_path), str(output), texts={"fr": french, "ja": japanese}, hf=True)
  return output, result.report, kept
