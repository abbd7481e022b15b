"""What the project's command lines share, and `smaller-labse`, the one command that runs each tool.

Every tool behaves alike: a user's mistake is one line on stderr and exit 2; `--languages` takes codes
separated by commas (spaces too); an existing, non-empty `--output` is refused unless `--overwrite`;
a run is quiet (its own progress and warnings, then what it wrote where) unless `--verbose`, which
shows Beam's and TensorFlow's own logs too. Usage and errors name the command as it was typed:
`smaller-labse select`, `smaller-labse-select` or `python -m pipelines.selection`.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import logging
import os
import sys
from typing import Iterable, Sequence

# The loggers whose INFO lines are a run's own progress; everything else speaks at WARNING unless --verbose.
PROJECT_LOGGERS = ("pipelines", "exporter", "evaluation", "samples")


class ArgumentParser(argparse.ArgumentParser):
  """argparse's parser, whose errors are one line, `prog: error: what` (argparse's own print the whole
  usage first, which buries the one line that says what was wrong; --help still shows it)."""

  def error(self, message: str):
    self.exit(2, f"{self.prog}: error: {message}\n")


def prog(module: str) -> str:
  """The command as the user typed it: a console script's name, or `python -m module`."""
  name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
  if not name or name.endswith(".py") or name in ("-c", "-m") or name.startswith(("pytest", "py.test")):
    return f"python -m {module}"
  return name


def add_languages_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
  parser.add_argument("--languages", nargs="+", metavar="LANG",
                      help=f"{help_text}; codes separated by commas (spaces too), any code of a language "
                           "('labse': all 109 of LaBSE's)")


def add_output_arguments(parser: argparse.ArgumentParser, help_text: str, required: bool = True) -> None:
  parser.add_argument("--output", required=required, help=help_text)
  parser.add_argument("--overwrite", action="store_true",
                      help="write into an --output that already holds files (each is replaced whole)")


def add_verbose_argument(parser: argparse.ArgumentParser) -> None:
  parser.add_argument("--verbose", action="store_true", help="also show Beam's, TensorFlow's and PyTorch's own logs")


class OutputExistsError(ValueError):
  """An --output that already holds files, without --overwrite."""


def check_output(path: str, overwrite: bool, flag: str = "--output") -> None:
  """Refuses a non-empty output folder (local or gs://) unless `overwrite`: nothing is read or loaded first."""
  if overwrite or not path:
    return
  from pipelines import outputs
  if outputs.holds_files(path):
    raise OutputExistsError(f"{flag} {path} already holds files; pass --overwrite to write into it, or choose "
                            "another folder")


class _QuietFormatter(logging.Formatter):
  """A run's progress as plain lines; warnings and errors with their level and logger."""

  def format(self, record: logging.LogRecord) -> str:
    message = record.getMessage()
    if record.exc_info:
      message += "\n" + self.formatException(record.exc_info)
    return message if record.levelno == logging.INFO else f"{record.levelname} {record.name}: {message}"


# Beam's portable workers (--direct_running_mode multi_processing) relay each worker's start-up notes as
# WARNING lines, though a worker without a semi-persistent directory is normal for a local run.
_HARMLESS_BEAM_WARNINGS = ("No semi_persistent_directory found",)


class _HarmlessBeamWarnings(logging.Filter):
  def filter(self, record: logging.LogRecord) -> bool:
    return not any(text in record.getMessage() for text in _HARMLESS_BEAM_WARNINGS)


def configure_logging(verbose: bool) -> None:
  """Quiet: the project's own INFO progress and everyone's warnings, one line each. Verbose: every
  library's INFO too, with times."""
  if verbose:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    for name in PROJECT_LOGGERS:
      logging.getLogger(name).setLevel(logging.DEBUG)
    return
  handler = logging.StreamHandler()
  handler.setFormatter(_QuietFormatter())
  logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
  for name in PROJECT_LOGGERS:
    logging.getLogger(name).setLevel(logging.INFO)
  # Libraries that configure their own loggers below the root's level.
  for name in ("absl", "tensorflow", "apache_beam", "transformers", "sentence_transformers"):
    logging.getLogger(name).setLevel(logging.WARNING)
  logging.getLogger("apache_beam.runners.portability.local_job_service").addFilter(_HarmlessBeamWarnings())
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def wrote(paths: Iterable[str], where: str) -> None:
  """The closing line of a run: what it wrote where."""
  print(f"Wrote {', '.join(paths)} to {where}", file=sys.stderr, flush=True)


@dataclasses.dataclass(frozen=True)
class Command:
  name: str
  module: str
  summary: str


COMMANDS = (
    Command("vocab", "pipelines.select_vocab", "count tokens per language in Wikipedia dumps or text, and select"),
    Command("select", "pipelines.selection", "select a vocab again from a run's counts, with other rules"),
    Command("export", "exporter.export", "write the smaller encoder + preprocess models (and --hf for PyTorch)"),
    Command("eval", "evaluation.tatoeba", "Tatoeba retrieval accuracy of models, side by side"),
    Command("preservation", "evaluation.preservation", "sentences a vocab tokenizes unchanged; the size curve"),
    Command("languages", "pipelines.languages", "LaBSE's languages and their codes"),
    Command("scale", "pipelines.scale", "what a Dataflow run costs for a set of languages"),
)


def main(argv: Sequence[str] | None = None) -> None:
  """`smaller-labse COMMAND ...`: each command is one of the tools, with its own --help."""
  argv = list(sys.argv[1:] if argv is None else argv)
  by_name = {command.name: command for command in COMMANDS}
  if not argv or argv[0] in ("-h", "--help"):
    width = max(len(name) for name in by_name)
    listing = "\n".join(f"  {c.name.ljust(width)}  {c.summary}" for c in COMMANDS)
    text = (f"usage: smaller-labse COMMAND [options]   (smaller-labse COMMAND --help for its options)\n\n"
            f"LaBSE with only the tokens your languages use, giving the same embeddings.\n\ncommands:\n{listing}\n")
    if argv:
      print(text, end="")
      return
    sys.exit(f"{text}\nsmaller-labse: error: name a command")
  command = by_name.get(argv[0])
  if command is None:
    print(f"smaller-labse: error: unknown command {argv[0]!r}; one of {', '.join(by_name)}", file=sys.stderr)
    sys.exit(2)
  importlib.import_module(command.module).main(argv[1:], prog=f"smaller-labse {command.name}")


if __name__ == "__main__":
  main()
