"""Running a child process and reading its peak memory from the kernel, for the benchmarks."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time


@dataclasses.dataclass
class Measured:
  stdout: str
  wall_seconds: float
  peak_rss_bytes: int


def run_measured(command: list[str], what: str, **popen) -> Measured:
  """Runs `command`; its peak resident memory is what wait4 reports when it exits (everything the process
  held, measured from outside it). Exits naming `what` if the command fails."""
  start = time.time()
  child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, **popen)
  stdout = child.stdout.read()
  _, status, usage = os.wait4(child.pid, 0)
  if status:
    sys.exit(f"{what} failed (status {status}): {' '.join(command)}")
  return Measured(stdout, time.time() - start, usage.ru_maxrss * 1024)
