"""Progress of long work: a bar with items per second on a terminal, a log line now and then elsewhere.

tqdm draws the bar where it is installed (transformers brings it); without it, or when stderr is not a
terminal (a log file, CI), a line every `interval` seconds and one at the end say how far and how fast.
"""

from __future__ import annotations

import logging
import sys
import time


class Progress:
  """Call with the number of items just done; use as a context manager, or call `close()`."""

  def __init__(self, total: int, description: str, logger: logging.Logger, unit: str = "sentences",
               interval: float = 30.0):
    self.total, self.description, self.logger, self.unit, self.interval = total, description, logger, unit, interval
    self.done, self.start = 0, time.perf_counter()
    self._last_log = self.start
    self._bar = None
    if sys.stderr.isatty():
      try:
        from tqdm import tqdm
      except ImportError:
        pass
      else:
        self._bar = tqdm(total=total, desc=description, unit=unit.rstrip("s") or unit, leave=False, dynamic_ncols=True)

  def __call__(self, count: int) -> None:
    self.done += count
    if self._bar is not None:
      self._bar.update(count)
      return
    now = time.perf_counter()
    if now - self._last_log >= self.interval and self.done < self.total:
      self._last_log = now
      self.logger.info("%s: %d/%d %s, %.0f/s", self.description, self.done, self.total, self.unit, self.rate)

  @property
  def seconds(self) -> float:
    return time.perf_counter() - self.start

  @property
  def rate(self) -> float:
    return self.done / max(self.seconds, 1e-9)

  def close(self) -> None:
    if self._bar is not None:
      self._bar.close()
      self._bar = None

  def __enter__(self) -> "Progress":
    return self

  def __exit__(self, *exc) -> None:
    self.close()
