"""A user's mistake on any command line: one line on stderr naming it, exit 2, no traceback."""

import pytest

from evaluation import preservation, tatoeba
from exporter import export
from pipelines import select_vocab, selection


@pytest.fixture()
def paths(tmp_path):
  text = tmp_path / "en.txt"
  text.write_text("A sentence long enough.\n", encoding="utf-8")
  existing = tmp_path / "existing"
  existing.mkdir()
  return {"text": str(text), "missing": str(tmp_path / "missing"), "existing": str(existing), "out": str(tmp_path / "out")}


CASES = [
    (export.main, ["--encoder", "{missing}", "--preprocess", "{missing}", "--vocab", "{text}", "--output", "{out}"],
     "{missing}: no such SavedModel directory"),
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
    (selection.main, ["--counts", "{missing}"], "{missing}: not the output of a pipeline run"),
    (selection.main, ["--counts", "{existing}", "--target_preservation", "101%"], "--target_preservation"),
    (selection.main, ["--counts", "{existing}", "--budget_by", "words"], "argument --budget_by: invalid choice"),
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
