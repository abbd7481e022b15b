"""The command lines: a user's mistake is one line on stderr naming it, exit 2, no traceback; every tool
refuses an existing output without --overwrite, reads --languages alike and names itself as typed."""

import json
import os
import subprocess
import sys

import pytest

from evaluation import preservation, tatoeba
from exporter import export
from pipelines import cli, select_vocab, selection
from tests.conftest import ALL_SAMPLES, ROOT


@pytest.fixture()
def paths(tmp_path):
  text = tmp_path / "en.txt"
  text.write_text("A sentence long enough.\n", encoding="utf-8")
  existing = tmp_path / "existing"
  existing.mkdir()
  (existing / "results.md").write_text("an earlier run's\n")
  vocab = tmp_path / "vocab.txt"
  vocab.write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nbee\n", encoding="utf-8")
  return {"text": str(text), "missing": str(tmp_path / "missing"), "existing": str(existing), "out": str(tmp_path / "out"),
          "vocab": str(vocab)}


CASES = [
    (export.main, ["--encoder", "{missing}", "--preprocess", "{missing}", "--vocab", "{vocab}", "--output", "{out}"],
     "{missing}: no such SavedModel directory"),
    (export.main, ["--encoder", "{missing}", "--preprocess", "{missing}", "--vocab", "{text}", "--output", "{out}"],
     "{text}: no [UNK] token"),  # The vocab is read before the models load.
    (export.main, ["--encoder", "{missing}", "--preprocess", "{missing}", "--vocab", "{text}", "--output", "{existing}"],
     "exists; pass --overwrite"),
    (export.main, ["--encoder", "x"], "the following arguments are required"),
    (tatoeba.main, ["--data", "{missing}", "--model", "a=b,c", "--output", "{out}"], "{missing}: no such directory"),
    (tatoeba.main, ["--data", "{existing}", "--model", "nonsense", "--output", "{out}"], "expected NAME=ENCODER,PREPROCESS"),
    (tatoeba.main, ["--data", "{existing}", "--model", "a=b,c", "--languages", "xx", "--output", "{out}"],
     "unknown language 'xx'"),
    (preservation.main, ["--original_vocab", "{text}", "--output", "{out}"], "give --vocab NAME=PATH"),
    (preservation.main, ["--original_vocab", "{missing}", "--vocab", "a={text}", "--texts", "en={text}",
                         "--output", "{out}"], "{missing}: cannot read the vocab file"),
    (preservation.main, ["--counts", "{missing}", "--budgets", "1,x", "--output", "{out}"], "--budgets '1,x'"),
    (preservation.main, ["--original_vocab", "{text}", "--vocab", "a={text}", "--texts", "en", "--output", "{out}"],
     "expected LANG=PATH"),
    (selection.main, ["--counts", "{missing}", "--output", "{out}"], "{missing}: not the output of a pipeline run"),
    (selection.main, ["--counts", "{missing}"], "the following arguments are required: --output"),
    (selection.main, ["--counts", "{existing}", "--output", "{out}", "--target_preservation", "101%"],
     "--target_preservation"),
    (selection.main, ["--counts", "{existing}", "--output", "{out}", "--budget_by", "words"],
     "argument --budget_by: invalid choice"),
    (select_vocab.main, ["--text_files", "en={text}", "--output", "{out}", "--max_vocab", "x"],
     "argument --max_vocab: expected a whole number, got 'x'"),
]


@pytest.mark.parametrize("main, arguments, message", CASES,
                         ids=[f"{main.__module__}-{number}" for number, (main, _, _) in enumerate(CASES)])
def test_a_mistake_is_one_line_and_exit_2(main, arguments, message, paths, capsys):
  with pytest.raises(SystemExit) as exit_:
    main([argument.format(**paths) for argument in arguments])
  assert exit_.value.code == 2
  error = capsys.readouterr().err.strip().splitlines()
  assert message.format(**paths) in error[-1], error
  assert len(error) == 1, error


def test_native_start_up_lines_are_dropped_and_the_rest_kept(capfd):
  import os

  from pipelines import tfstartup
  with tfstartup.native_startup_lines_dropped():
    os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
                b"I0000 00:00:1796192453.253854   13223 port.cc:153] oneDNN custom operations are on.\n"
                b"W0000 00:00:1796192453.254197   13223 cudart_stub.cc:31] Could not find cuda drivers\n"
                b"E0000 00:00:1796199574.543319   13258 util.cc:131] oneDNN supports DT_INT64 only on platforms "
                b"with AVX-512. Falling back to the default Eigen-based implementation if present.\n"
                b"E0000 00:00:1796192453.3   13223 some_op.cc:9] a real error\n"
                b"a line of our own\n")
  assert capfd.readouterr().err == "E0000 00:00:1796192453.3   13223 some_op.cc:9] a real error\na line of our own\n"


def test_tensorflow_starts_without_its_native_start_up_lines():
  import subprocess
  import sys
  # An int64 transpose after start-up (preprocess models run them) stays quiet too.
  result = subprocess.run([sys.executable, "-c", "from pipelines.tfstartup import import_tensorflow; "
                           "tf = import_tensorflow(); tf.transpose(tf.constant([[1, 2]], tf.int64)); "
                           "print(tf.constant(2).numpy())"],
                          capture_output=True, text=True, timeout=300)
  assert result.returncode == 0 and result.stdout.strip() == "2"
  assert "I0000" not in result.stderr and "InitializeLog" not in result.stderr, result.stderr
  assert "oneDNN" not in result.stderr, result.stderr


# Each tool with arguments that are otherwise fine as far as it checks before writing, and --output {existing}.
INTO_EXISTING = {
    "vocab": (select_vocab.main, ["--text_files", "en={text}", "--vocab_file", "{vocab}", "--output", "{existing}"]),
    "select": (selection.main, ["--counts", "{existing}", "--output", "{existing}"]),
    "export": (export.main, ["--encoder", "{missing}", "--preprocess", "{missing}", "--vocab", "{vocab}",
                             "--output", "{existing}"]),
    "eval": (tatoeba.main, ["--data", "{existing}", "--model", "a=b,c", "--output", "{existing}"]),
    "preservation": (preservation.main, ["--original_vocab", "{vocab}", "--vocab", "a={vocab}", "--texts", "en={text}",
                                         "--output", "{existing}"]),
}


@pytest.mark.parametrize("command", INTO_EXISTING)
def test_every_tool_refuses_an_output_that_holds_files_and_names_itself_as_typed(command, paths, capsys):
  main, arguments = INTO_EXISTING[command]
  with pytest.raises(SystemExit) as exit_:
    main([argument.format(**paths) for argument in arguments], prog=f"smaller-labse {command}")
  assert exit_.value.code == 2
  error = capsys.readouterr().err.strip().splitlines()
  assert len(error) == 1 and error[0].startswith(f"smaller-labse {command}: error: "), error
  assert "--overwrite" in error[0] and paths["existing"] in error[0], error
  assert os.listdir(paths["existing"]) == ["results.md"]  # Untouched.


LANGUAGES_FR_JA = {
    "vocab": (select_vocab.SelectVocabOptions, None),
    "select": (selection.main, ["--counts", "{existing}", "--output", "{out}"]),
    "eval": (tatoeba.main, ["--data", "{existing}", "--model", "a=b,c", "--output", "{out}"]),
    "preservation": (preservation.main, ["--original_vocab", "{vocab}", "--vocab", "a={vocab}", "--output", "{out}"]),
}


@pytest.mark.parametrize("spelling", [["fr,ja"], ["fr", "ja"], ["fr,", "ja"], ["fr, ja"]])
def test_languages_are_read_alike_by_every_tool(spelling, paths):
  from pipelines import languages
  for command, (main, arguments) in LANGUAGES_FR_JA.items():
    parser = cli.ArgumentParser(prog=command)
    if main is select_vocab.SelectVocabOptions:
      main._add_argparse_args(parser)
    else:
      cli.add_languages_argument(parser, "languages")
    parsed = parser.parse_known_args(["--languages", *spelling])[0]
    assert languages.resolve_codes(parsed.languages) == ("fr", "ja"), command
  # And through the tools themselves, down to the pairs the Tatoeba job reads.
  (tmp := paths["existing"])
  for code in ("fra", "jpn"):
    for side in (code, "eng"):
      with open(os.path.join(tmp, f"tatoeba.{code}-eng.{side}"), "w", encoding="utf-8") as handle:
        handle.write("A sentence.\n")
  assert tatoeba.chosen_languages(tmp, spelling) == ["fr", "ja"]


def test_an_unknown_language_suggests_the_nearest_code(capsys):
  with pytest.raises(SystemExit) as exit_:
    tatoeba.main(["--data", ".", "--model", "a=b,c", "--languages", "en,jp", "--output", "/nonexistent/out"],
                 prog="smaller-labse eval")
  assert exit_.value.code == 2
  assert "did you mean ja (Japanese)?" in capsys.readouterr().err


@pytest.mark.parametrize("argv0, typed", [("/x/.venv/bin/smaller-labse-select", "smaller-labse-select"),
                                          ("/x/pipelines/selection.py", "python -m pipelines.selection"),
                                          ("-c", "python -m pipelines.selection")])
def test_usage_names_the_command_as_typed(argv0, typed, monkeypatch):
  monkeypatch.setattr(sys, "argv", [argv0])
  assert cli.prog("pipelines.selection") == typed


def test_the_one_command_runs_each_tool_under_its_own_name():
  def run(*args):
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], cwd=ROOT, capture_output=True, text=True)
  listing = run("--help")
  assert listing.returncode == 0
  for command in cli.COMMANDS:
    assert f"  {command.name}" in listing.stdout, command.name
  wrong = run("selct")
  assert wrong.returncode == 2 and wrong.stderr.strip() == (
      "smaller-labse: error: unknown command 'selct'; one of vocab, select, export, eval, preservation, languages, scale")
  mistake = run("select", "--counts", "nowhere", "--output", "x", "--coverage", "2")
  assert mistake.returncode == 2 and mistake.stderr.startswith("smaller-labse select: error: --coverage must be in (0, 1]"), mistake.stderr
  assert run("languages", "fr,ja").stdout.count("\n") >= 4


def test_the_pipeline_on_the_samples_is_quiet_and_says_where_it_wrote(sample_vocab, tmp_path):
  output = tmp_path / "run"
  run = subprocess.run([sys.executable, "-m", "pipelines.cli", "vocab", "--dumps", ALL_SAMPLES, "--vocab_file",
                        sample_vocab, "--output", str(output), "--streams_per_shard", "1"],
                       cwd=ROOT, capture_output=True, text=True)
  assert run.returncode == 0, run.stderr
  lines = [line for line in run.stderr.splitlines() if line.strip()]
  assert len(lines) <= 10, lines
  assert lines[-1] == f"Wrote counts/, samples/, stats.json, vocab.txt, selection.{{json,md}} to {output}"
  assert not any("Converting string literal" in line or "prism" in line.lower() for line in lines), lines
  assert json.loads((output / "stats.json").read_text())["languages"]["en"]["pages"] == 6


def test_the_readme_after_the_demo_is_what_the_demo_prints():
  import demo
  with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
    readme = handle.read()
  section = readme.split("## After the demo", 1)[1]
  block = section.split("```sh\n", 1)[1].split("```", 1)[0]
  assert block.strip() == demo.after_the_demo("runs/demo", "runs/demo-original")
  # Each line is a command a tool of the project answers to (or the environment, or Python).
  for line in block.strip().splitlines():
    if not line.startswith(" "):
      assert line.split()[0] in (".", "python", "smaller-labse"), line
      if line.startswith("smaller-labse "):
        assert line.split()[1] in {command.name for command in cli.COMMANDS}, line


def test_markdown_tables_align_numbers_right_and_group_thousands():
  from pipelines import markdown
  assert markdown.table(["language", "lines", "share"], [["en", 11308, "95.41"], ["all", None, ""]]) == (
      "| language | lines | share |\n| --- | ---: | ---: |\n| en | 11,308 | 95.41 |\n| all | | |")
  assert markdown.table(["a", "b"], [[True, 1]], right=[False, False]) == "| a | b |\n| --- | --- |\n| True | 1 |"


def test_a_run_written_over_another_holds_one_run(sample_vocab, tmp_path, capsys):
  output = tmp_path / "run"
  texts = {}
  for language, line in (("en", "The lighthouse guides ships at night."), ("fr", "Le phare guide les navires.")):
    texts[language] = tmp_path / f"{language}.txt"
    texts[language].write_text(line + "\n", encoding="utf-8")
  common = ["--vocab_file", sample_vocab, "--output", str(output), "--sample_lines", "10"]
  select_vocab.main(["--text_files", f"en={texts['en']}", "--text_files", f"fr={texts['fr']}", *common],
                    prog="smaller-labse vocab")
  assert sorted(os.listdir(output / "counts")) == ["en.tsv", "fr.tsv"]
  select_vocab.main(["--text_files", f"en={texts['en']}", "--languages", "en", "--overwrite", *common],
                    prog="smaller-labse vocab")
  assert sorted(os.listdir(output / "counts")) == ["en.tsv"] and sorted(os.listdir(output / "samples")) == ["en.txt"]
  assert list(json.loads((output / "stats.json").read_text())["languages"]) == ["en"]
  capsys.readouterr()


def test_an_overwritten_run_reads_as_unfinished_until_the_new_one_ends(tmp_path):
  from pipelines import outputs
  (tmp_path / "stats.json").write_text("{}")
  (tmp_path / "vocab.txt").write_text("[UNK]\n")
  outputs.retire_finished_run(str(tmp_path))
  assert sorted(os.listdir(tmp_path)) == ["vocab.txt"]
