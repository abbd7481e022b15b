"""Markdown tables, as every report of the project writes them."""

from __future__ import annotations

import numbers
from typing import Iterable, Sequence


def cell(value) -> str:
  """Whole numbers with thousands separators; everything else as given (format floats before)."""
  if isinstance(value, numbers.Integral) and not isinstance(value, bool):
    return f"{value:,}"
  return "" if value is None else str(value)


def table(header: Sequence[str], rows: Iterable[Sequence], right: Sequence[bool] | None = None) -> str:
  """A table; columns are right-aligned where `right` says, by default every column but the first."""
  right = list(right) if right is not None else [False] + [True] * (len(header) - 1)
  lines = [_row(header), _row("---:" if aligned else "---" for aligned in right)]
  lines += [_row(cell(value) for value in row) for row in rows]
  return "\n".join(lines)


def _row(cells: Iterable[str]) -> str:
  return "|" + "|".join(f" {text} " if text else " " for text in cells) + "|"
