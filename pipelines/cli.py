"""Command-line parsing for the project's tools: a user's mistake is one line on stderr and exit 2."""

from __future__ import annotations

import argparse


class ArgumentParser(argparse.ArgumentParser):
  """argparse's parser, whose errors are one line, `prog: error: what` (argparse's own print the whole
  usage first, which buries the one line that says what was wrong; --help still shows it)."""

  def error(self, message: str):
    self.exit(2, f"{self.prog}: error: {message}\n")
