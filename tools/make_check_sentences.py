"""Writes exporter/check_sentences.tsv: two sentences in each LaBSE language, for the export's check.

    python tools/make_check_sentences.py ../shared/data/flores200/dev-labse ../shared/data/tatoeba/v1-all

The export proves the smaller model equal to the original on sentences of the vocab's own languages
when no --texts are given. They come from FLORES-200 dev (the same two sentences in every language,
CC BY-SA 4.0) and, for the languages FLORES lacks, from LASER's Tatoeba test set (CC BY 2.0 FR); the
file says so in its header. Languages in neither are left out (the export then says which).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pipelines import languages  # noqa: E402

SENTENCES_PER_LANGUAGE = 2
OUTPUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "exporter", "check_sentences.tsv")


def first_lines(path: str, count: int) -> list[str]:
  with open(path, encoding="utf-8") as handle:
    return [line.strip() for line, _ in zip(handle, range(count))]


def main(flores_dir: str, tatoeba_dir: str) -> None:
  rows, sources = [], {}
  for language in languages.LANGUAGES:
    if language.code not in languages.LABSE_LANGUAGES:
      continue
    flores = [os.path.join(flores_dir, f"{stem}.dev") for stem in language.flores]
    tatoeba = os.path.join(tatoeba_dir, f"tatoeba.{language.tatoeba}-eng.{language.tatoeba}") if language.tatoeba else ""
    if flores and os.path.exists(flores[0]):
      sentences, sources[language.code] = first_lines(flores[0], SENTENCES_PER_LANGUAGE), "FLORES-200 dev"
    elif tatoeba and os.path.exists(tatoeba):
      sentences, sources[language.code] = first_lines(tatoeba, SENTENCES_PER_LANGUAGE), "Tatoeba"
    else:
      print(f"no sentences for {language.code} ({language.name})", file=sys.stderr)
      continue
    rows += [f"{language.code}\t{sentence}" for sentence in sentences]
  from_tatoeba = sorted(code for code, source in sources.items() if source == "Tatoeba")
  header = ["# Two sentences in each of LaBSE's languages, for the export's equivalence check (LANG<TAB>sentence).",
            "# FLORES-200 dev (NLLB Team et al., CC BY-SA 4.0): the first two sentences, the same in every language;",
            f"# {', '.join(from_tatoeba)}: LASER's Tatoeba test set (tatoeba.org, CC BY 2.0 FR).",
            "# Written by tools/make_check_sentences.py."]
  with open(OUTPUT, "w", encoding="utf-8") as handle:
    handle.write("\n".join(header + rows) + "\n")
  print(f"{len(sources)} languages, {len(rows)} sentences -> {OUTPUT}")


if __name__ == "__main__":
  main(*sys.argv[1:3])
