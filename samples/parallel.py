"""The bundled parallel sample, written out in the Tatoeba v1 layout the evaluation reads.

`parallel.tsv` holds 10 sentence pairs for each of fr, ar, ja, th, ru against English, on the
sample dumps' topics, translated for this project: one pair a line, `<xxx>\t<English>\t<translation>`
with LASER's three-letter code. `write_tatoeba_layout(DIR)` writes `tatoeba.<xxx>-eng.<xxx>` and
`tatoeba.<xxx>-eng.eng` there, line i of one translating line i of the other.
"""

from __future__ import annotations

import collections
import os

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "parallel.tsv")


def read_pairs(path: str = SOURCE) -> dict[str, list[tuple[str, str]]]:
  """(English, translation) pairs by LASER code, in file order."""
  pairs: dict[str, list[tuple[str, str]]] = collections.defaultdict(list)
  with open(path, encoding="utf-8") as handle:
    for line_number, line in enumerate(handle.read().splitlines(), start=1):
      fields = line.split("\t")
      if len(fields) != 3 or not all(fields):
        raise ValueError(f"{path}:{line_number}: expected '<xxx>\\t<English>\\t<translation>'")
      code, english, translation = fields
      pairs[code].append((english, translation))
  return dict(pairs)


def write_tatoeba_layout(directory: str) -> str:
  """Writes the sample as Tatoeba v1 files into `directory`; returns it."""
  os.makedirs(directory, exist_ok=True)
  for code, pairs in read_pairs().items():
    for side, lines in ((code, [x for _, x in pairs]), ("eng", [e for e, _ in pairs])):
      path = os.path.join(directory, f"tatoeba.{code}-eng.{side}")
      with open(path + ".partial", "w", encoding="utf-8") as handle:
        handle.write("".join(line + "\n" for line in lines))
      os.replace(path + ".partial", path)
  return directory
