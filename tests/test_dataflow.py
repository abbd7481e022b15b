"""Running at scale: the Dataflow graph (built offline, never submitted), packaging, launch and download scripts."""

import email.parser
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import GoogleCloudOptions, PipelineOptions, SetupOptions, StandardOptions

from pipelines import select_vocab, sources, transforms
from tests.conftest import ROOT, SAMPLE_DUMPS
from tests.conftest import ALL_SAMPLES, make_config

# Beam's --dry_run: the DataflowRunner translates the pipeline and builds the job without submitting it
# (and without asking Cloud Storage about the temp bucket).
DATAFLOW_ARGS = ["--runner", "DataflowRunner", "--project", "my-project", "--region", "europe-west4",
                 "--temp_location", "gs://my-bucket/tmp", "--setup_file", os.path.join(ROOT, "setup.py"),
                 "--dry_run", "true"]


@pytest.fixture(scope="module")
def dataflow_graph(sample_spec, tmp_path_factory):
  options = PipelineOptions(DATAFLOW_ARGS)
  cloud = options.view_as(GoogleCloudOptions)
  assert options.view_as(StandardOptions).runner == "DataflowRunner"
  assert (cloud.project, cloud.region, cloud.temp_location) == ("my-project", "europe-west4", "gs://my-bucket/tmp")
  assert options.view_as(SetupOptions).setup_file.endswith("setup.py")
  config = make_config(sample_spec, "gs://my-bucket/runs/test", dumps=[ALL_SAMPLES], streams_per_shard=1)
  pipeline = beam.Pipeline(options=options)
  select_vocab.build(pipeline, config)
  proto = pipeline.to_runner_api()
  pipeline.run()  # Translated into a Dataflow job, which --dry_run does not submit.
  return config, proto, pipeline.runner.job


def test_dataflow_graph_translates_with_every_stage(dataflow_graph):
  _, proto, job = dataflow_graph
  names = {transform.unique_name for transform in proto.components.transforms.values()}
  for stage in ("PlanShards/Dumps", "PlanShards/AlongIndexes", "PlanShards/Spread", "CountTokens/CountShards",
                "CombinePerLanguage/MergeCounts", "CombinePerLanguage/SampleLines", "WriteRun/WriteLanguages",
                "WriteRun/WriteSummary"):
    assert f"CountVocabulary/{stage}" in names, stage
  assert job.proto.name and job.proto.type.name == "JOB_TYPE_BATCH"


def test_counts_are_combined_per_key_so_the_runner_can_lift_the_combiner(dataflow_graph):
  _, proto, _ = dataflow_graph
  merge = next(t for t in proto.components.transforms.values() if t.unique_name == "CountVocabulary/CombinePerLanguage/MergeCounts")
  assert merge.spec.urn == "beam:transform:combine_per_key:v1"
  shuffle = next(t for t in proto.components.transforms.values() if t.unique_name == "CountVocabulary/PlanShards/Spread")
  assert shuffle.subtransforms  # Reshuffle: shards are spread across workers before the heavy work.


def test_shards_come_from_the_index_not_the_files(dataflow_graph):
  config, _, _ = dataflow_graph
  multistream = [dump for dump in config.dumps if dump.index_path]
  assert len(multistream) == 5
  # By hand: samples/src has 6, 9, 7, 7, 6 pages in ar, en, fr, ja, ru, 2 a stream (build_samples.py), one
  # stream a shard; thwiki is a plain dump, one shard.
  shards = {dump.language: len(transforms.plan_shards((number, dump), 1)) for number, dump in enumerate(config.dumps)}
  assert shards == {"ar": 3, "en": 5, "fr": 4, "ja": 4, "ru": 3, "th": 1}


# What a worker must never install or import: the Beam container has Beam and numpy, and nothing else is run.
HEAVY = ("tensorflow", "tensorflow_text", "tensorflow_hub", "tf_keras", "torch", "transformers",
         "sentence_transformers", "tokenizers", "safetensors")


@pytest.fixture(scope="module")
def staged_sdist(tmp_path_factory):
  """The source archive Beam stages for `--setup_file` (it runs `setup.py sdist`), built from a clean copy."""
  work = tmp_path_factory.mktemp("sdist")
  build = work / "src"
  shutil.copytree(ROOT, build, ignore=shutil.ignore_patterns(".venv", "build", "runs", "*.egg-info", ".git"))
  subprocess.run([sys.executable, "setup.py", "-q", "sdist", "--dist-dir", str(work / "dist")], cwd=build,
                 check=True, capture_output=True)
  (archive,) = (work / "dist").iterdir()
  with tarfile.open(archive) as tar:
    members = {name.split("/", 1)[1]: name for name in tar.getnames() if "/" in name}
    metadata = tar.extractfile(members["PKG-INFO"]).read().decode("utf-8")
  return members, email.parser.Parser().parsestr(metadata)


def test_sdist_that_dataflow_workers_install_has_all_three_packages(staged_sdist):
  members, _ = staged_sdist
  for module in ("pipelines/__init__.py", "pipelines/select_vocab.py", "pipelines/transforms.py",
                 "pipelines/tokenizer.py", "pipelines/tf_text_char_classes.json", "pipelines/namespace_aliases.json",
                 "exporter/__init__.py", "evaluation/__init__.py", "setup.py"):
    assert module in members, module


def test_what_a_worker_installs_holds_neither_tensorflow_nor_pytorch(staged_sdist):
  _, metadata = staged_sdist
  requirements = metadata.get_all("Requires-Dist")
  unconditional = {re.split(r"[\s\[=<>;!~]", requirement, maxsplit=1)[0].lower().replace("-", "_")
                   for requirement in requirements if "extra ==" not in requirement}
  assert unconditional == {"apache_beam", "numpy"}
  # Every command's stack is still one install away: pip install 'smaller-labse[all]'.
  everything = {re.split(r"[\s\[=<>;!~]", requirement, maxsplit=1)[0].lower().replace("-", "_")
                for requirement in requirements if "extra == \"all\"" in requirement}
  assert set(HEAVY) - {"tensorflow_text", "tensorflow_hub"} <= everything | {"tensorflow_text", "tensorflow_hub"}
  assert {"tensorflow", "tensorflow_text", "tensorflow_hub", "tf_keras", "torch"} <= everything


@pytest.mark.slow
def test_the_job_runs_with_tensorflow_and_pytorch_impossible_to_import_in_its_workers(sample_vocab, tmp_path):
  """Two worker processes (DirectRunner multi_processing: started afresh, from the package alone, as
  Dataflow's are), in which importing any of the heavy libraries fails; the launcher still cross-checks
  the tokenizer with TensorFlow before they start."""
  blocked = tmp_path / "blocked"
  blocked.mkdir()
  for name in HEAVY:
    (blocked / f"{name}.py").write_text(f"raise ImportError('{name} is not installed on a worker')\n")
  launcher = ("import os, sys\n"
              "from pipelines import select_vocab\n"
              "from pipelines.tfstartup import import_tensorflow\n"
              "import_tensorflow()  # The launcher's own cross-check; workers inherit the environment below.\n"
              f"os.environ['PYTHONPATH'] = os.pathsep.join([{str(blocked)!r}, {ROOT!r}])\n"
              "select_vocab.main(sys.argv[1:])\n")
  run = subprocess.run(
      [sys.executable, "-c", launcher, "--dumps", ALL_SAMPLES, "--vocab_file", sample_vocab,
       "--output", str(tmp_path / "out"), "--streams_per_shard", "1", "--runner", "DirectRunner",
       "--direct_num_workers", "2", "--direct_running_mode", "multi_processing"],
      cwd=ROOT, capture_output=True, text=True)
  assert run.returncode == 0, run.stderr[-3000:]
  stats = json.loads((tmp_path / "out" / "stats.json").read_text())
  assert sorted(stats["languages"]) == ["ar", "en", "fr", "ja", "ru", "th"]
  assert all(language["lines"] > 10 for language in stats["languages"].values())


def launch(*args):
  return subprocess.run([os.path.join(ROOT, "launch_dataflow.sh"), *args], capture_output=True, text=True)


def test_launch_dry_run_prints_a_readable_complete_command():
  result = launch("--project", "my-project", "--bucket", "gs://my-bucket", "--dump_date", "20240601",
                  "--languages", "fr,de", "--max_workers", "8", "--dry-run", "--", "--coverage", "0.9999")
  assert result.returncode == 0, result.stderr
  command = result.stdout
  for expected in ("-m pipelines.select_vocab", "--runner DataflowRunner", "--project my-project",
                   "--temp_location gs://my-bucket/tmp", f"--setup_file {ROOT}/setup.py", "--max_num_workers 8",
                   "--dumps 'gs://my-bucket/dumps/20240601/*-pages-articles-multistream*.xml.bz2'",
                   "--languages fr,de", "--output gs://my-bucket/runs/smaller-labse-20240601", "--coverage 0.9999"):
    assert expected in command, expected
  assert command.count("\\\n") >= 10  # One option a line.


def test_launch_rejects_incomplete_arguments_and_documents_every_option():
  assert launch("--bucket", "gs://b", "--dump_date", "20240601").returncode == 2
  assert "--project is required" in launch("--bucket", "gs://b", "--dump_date", "20240601").stderr
  assert launch("--project", "p", "--bucket", "b", "--dump_date", "20240601").returncode == 2
  assert launch("--project", "p", "--bucket", "gs://b", "--dump_date", "2024-06-01").returncode == 2
  help_text = launch("--help").stdout
  with open(os.path.join(ROOT, "launch_dataflow.sh")) as handle:
    script = handle.read()
  options = {line.strip().split(")")[0] for line in script.split("\n") if line.strip().startswith("--") and ")" in line}
  for option in options:
    assert option.split("|")[0] in help_text, option


def make_mirror(root, wiki, date, files, *, bad_sha1_for=None):
  folder = root / wiki / date
  folder.mkdir(parents=True)
  sums = []
  for name, source in files.items():
    shutil.copy(source, folder / name)
    sha1 = hashlib.sha1((folder / name).read_bytes()).hexdigest()
    sums.append(f"{'0' * 40 if name == bad_sha1_for else sha1}  {name}")
  sums.append(f"{'1' * 40}  {wiki}-{date}-pages-articles.xml.bz2")  # Not multistream: not fetched.
  (folder / f"{wiki}-{date}-sha1sums.txt").write_text("\n".join(sums) + "\n")
  return f"file://{root}"


def download(*args):
  return subprocess.run([os.path.join(ROOT, "download_dumps.sh"), *args], capture_output=True, text=True)


FR_DUMP = os.path.join(SAMPLE_DUMPS, "frwiki-sample-pages-articles-multistream.xml.bz2")
FR_INDEX = os.path.join(SAMPLE_DUMPS, "frwiki-sample-pages-articles-multistream-index.txt.bz2")


def test_download_verifies_and_resumes(tmp_path):
  mirror = make_mirror(tmp_path / "mirror", "frwiki", "20240601", {
      "frwiki-20240601-pages-articles-multistream.xml.bz2": FR_DUMP,
      "frwiki-20240601-pages-articles-multistream-index.txt.bz2": FR_INDEX})
  dest = tmp_path / "dumps"
  dest.mkdir()
  dump = dest / "frwiki-20240601-pages-articles-multistream.xml.bz2"
  (dest / (dump.name + ".part")).write_bytes(open(FR_DUMP, "rb").read()[:1000])  # An interrupted download.
  result = download("--date", "20240601", "--languages", "fra", "--dest", str(dest), "--mirror", mirror)  # Any code.
  assert result.returncode == 0, result.stderr
  assert dump.read_bytes() == open(FR_DUMP, "rb").read()
  assert sorted(p.name for p in dest.iterdir()) == sorted([dump.name, "frwiki-20240601-pages-articles-multistream-index"
                                                           ".txt.bz2", "frwiki-20240601-sha1sums.txt"])
  again = download("--date", "20240601", "--languages", "fr", "--dest", str(dest), "--mirror", mirror)
  assert again.returncode == 0 and again.stdout.count("verified, skipped") == 2
  # What was downloaded is what the pipeline reads.
  assert sources.read_header(str(dump)).index_path is not None


def test_download_with_a_wrong_checksum_leaves_no_file(tmp_path):
  name = "frwiki-20240601-pages-articles-multistream.xml.bz2"
  mirror = make_mirror(tmp_path / "mirror", "frwiki", "20240601", {name: FR_DUMP}, bad_sha1_for=name)
  result = download("--date", "20240601", "--languages", "fr", "--dest", str(tmp_path / "dumps"), "--mirror", mirror)
  assert result.returncode == 1 and "SHA-1" in result.stderr
  assert not (tmp_path / "dumps" / name).exists() and not (tmp_path / "dumps" / (name + ".part")).exists()


def test_download_takes_the_numbered_parts_when_there_is_no_single_file(tmp_path):
  parts = {"enwiki-20240601-pages-articles-multistream1.xml-p1p41242.bz2": FR_DUMP,
           "enwiki-20240601-pages-articles-multistream-index1.txt-p1p41242.bz2": FR_INDEX,
           "enwiki-20240601-pages-articles-multistream2.xml-p41243p151573.bz2": FR_DUMP,
           "enwiki-20240601-pages-articles-multistream-index2.txt-p41243p151573.bz2": FR_INDEX}
  mirror = make_mirror(tmp_path / "mirror", "enwiki", "20240601", parts)
  result = download("--date", "20240601", "--languages", "en", "--dest", str(tmp_path / "dumps"), "--mirror", mirror)
  assert result.returncode == 0, result.stderr
  assert sorted(p.name for p in (tmp_path / "dumps").glob("*.bz2")) == sorted(parts)
  part = tmp_path / "dumps" / "enwiki-20240601-pages-articles-multistream1.xml-p1p41242.bz2"
  assert sources.index_path_for(str(part)).endswith("multistream-index1.txt-p1p41242.bz2")


def test_scale_plan_sums_each_wikis_multistream_dump_from_its_dumpstatus(tmp_path, capsys):
  from pipelines import scale
  date = "20240601"
  statuses = {
      "viwiki": {"articlesmultistreamdump": {"files": {
          f"viwiki-{date}-pages-articles-multistream.xml.bz2": {"size": 1_500_000_000},
          f"viwiki-{date}-pages-articles-multistream-index.txt.bz2": {"size": 30_000_000}}}},
      "enwiki": {"articlesmultistreamdump": {"files": {  # Parts; the recombined single file is another job.
          f"enwiki-{date}-pages-articles-multistream1.xml-p1p41242.bz2": {"size": 300_000_000},
          f"enwiki-{date}-pages-articles-multistream-index1.txt-p1p41242.bz2": {"size": 1_000_000},
          f"enwiki-{date}-pages-articles-multistream2.xml-p41243p151573.bz2": {"size": 200_000_000}}},
          "articlesmultistreamdumprecombine": {"files": {
              f"enwiki-{date}-pages-articles-multistream.xml.bz2": {"size": 500_000_000}}}},
  }
  for wiki, jobs in statuses.items():
    (tmp_path / wiki / date).mkdir(parents=True)
    (tmp_path / wiki / date / "dumpstatus.json").write_text(json.dumps({"jobs": jobs}))
  scale.main(["--date", date, "--languages", "vie,en,hmn", "--mirror", f"file://{tmp_path}", "--workers", "8"])
  out = capsys.readouterr()
  assert "| vi | 1.50 GB |" in out.out and "| en | 0.50 GB |" in out.out
  assert "2 wikis, 2.0 GB of bz2" in out.out and "hmn: no Wikipedia" in out.err
  # The 15 languages' plan in docs/scale.md: 60 GB of bz2 is 270 GB of XML, 6.5 vCPU-hours, 13 min on 32 workers.
  figures = scale.estimate(60_000_000_000, 32)
  assert round(figures["xml_gb"]) == 270 and round(figures["vcpu_hours"], 1) == 6.5
  assert round(figures["wall_minutes"]) == 13 and round(figures["billed_vcpu_hours"]) == 28
