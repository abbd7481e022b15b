"""Plants boundary bugs, one at a time, each in a copy of the project, and expects the tests to catch it.

    python tools/mutation_check.py [--only NAME ...]      (make mutation-check)

A test suite is only as strong as the bugs it fails on. Each mutation below is a one-line change of the
kind that slips through review (a `<` for a `<=`, a tie broken the other way, a limit off by one, a
function that returns nothing); the copy's tests that guard that code (without `slow` ones) must fail
on it. Prints a line per mutation and exits 1 if any survives. About two minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclasses.dataclass(frozen=True)
class Mutation:
  name: str
  path: str
  original: str
  mutated: str
  tests: tuple[str, ...]


MUTATIONS = (
    Mutation("wordpiece: the longest piece tried is one character shorter than the longest token",
             "pipelines/tokenizer.py", "self._max_piece_chars = max(map(len, vocab))",
             "self._max_piece_chars = max(map(len, vocab)) - 1", ("tests/test_tokenizer.py",)),
    Mutation("wordpiece: a word of exactly 100 bytes is [UNK]", "pipelines/tokenizer.py",
             "len(word.encode(\"utf-8\")) > MAX_BYTES_PER_WORD", "len(word.encode(\"utf-8\")) >= MAX_BYTES_PER_WORD",
             ("tests/test_tokenizer.py",)),
    Mutation("wordpiece: the limit counts characters, not bytes", "pipelines/tokenizer.py",
             "len(word.encode(\"utf-8\")) > MAX_BYTES_PER_WORD", "len(word) > MAX_BYTES_PER_WORD",
             ("tests/test_tokenizer.py",)),
    Mutation("selection: ranking breaks ties by descending id", "pipelines/selection/plans.py",
             "return ids[np.lexsort((ids, -scores[ids]))]", "return ids[np.lexsort((-ids, -scores[ids]))]",
             ("tests/test_counting_and_select.py",)),
    Mutation("selection: a budget keeps one token fewer", "pipelines/selection/plans.py",
             "chosen = ranked[:max(budget - int(union.sum()), 0)]",
             "chosen = ranked[:max(budget - int(union.sum()) - 1, 0)]", ("tests/test_counting_and_select.py",)),
    Mutation("selection: --min_count drops tokens exactly at the threshold", "pipelines/selection/plans.py",
             "masks[\"min_count\"] = token_counts >= rule.min_count",
             "masks[\"min_count\"] = token_counts > rule.min_count", ("tests/test_counting_and_select.py",)),
    Mutation("selection: the bar drops tokens exactly at it", "pipelines/selection/select.py",
             "union = special | (best_scores(plans, size) >= threshold)",
             "union = special | (best_scores(plans, size) > threshold)", ("tests/test_counting_and_select.py",)),
    Mutation("extraction: a paragraph of exactly min_chars characters is dropped", "pipelines/wikitext.py",
             "    if len(line) < min_chars:", "    if len(line) <= min_chars:", ("tests/test_wikitext.py",)),
    Mutation("extraction: extract() returns nothing", "pipelines/wikitext.py",
             "  return paragraphs(clean_wikitext(wikitext, syntax), min_chars)", "  return Extracted([])",
             ("tests/test_failures.py",)),
    Mutation("extraction: namespace prefixes keep their bidi marks", "pipelines/wikitext.py",
             "return _SPACES.sub(\" \", _BIDI_MARKS.sub(\"\", name)).strip().casefold()",
             "return _SPACES.sub(\" \", name).strip().casefold()", ("tests/test_wikitext.py",)),
    Mutation("extraction: a page one level past the nesting limit is still cleaned", "pipelines/wikitext.py",
             "    if self.left < 0:", "    if self.left < -1:", ("tests/test_wikitext.py",)),
    Mutation("languages: FLORES codes are not names of their language", "pipelines/languages.py",
             "(self.code, *self.aliases, self.tatoeba, *self.flores, self.dbname)",
             "(self.code, *self.aliases, self.tatoeba, self.dbname)", ("tests/test_languages.py",)),
    Mutation("counting: a line holding a token twice counts twice in line counts", "pipelines/counting.py",
             "self.line_counts += np.bincount(keys[distinct] % vocab_size, minlength=vocab_size)",
             "self.line_counts += np.bincount(keys % vocab_size, minlength=vocab_size)",
             ("tests/test_counting_and_select.py",)),
    Mutation("counting: a new chunk's tokens end one word early", "pipelines/tokenizer.py",
             "return tokens, np.diff(tokens_before_word[np.cumsum(word_counts)], prepend=0)",
             "return tokens, np.diff(tokens_before_word[np.maximum(np.cumsum(word_counts) - 1, 0)], prepend=0)",
             ("tests/test_tokenizer.py", "tests/test_counting_and_select.py")),
    Mutation("selection: the specificity floor is ignored", "pipelines/selection/plans.py",
             "np.maximum(floor, (share[used] / total[used]) ** exponent)", "(share[used] / total[used]) ** exponent",
             ("tests/test_counting_and_select.py",)),
    Mutation("pages: the text of every revision, the last one winning", "pipelines/sources.py",
             "self._revisions == 1 and name == \"text\" and \"text\" not in self.values",
             "name == \"text\"", ("tests/test_sources.py",)),
    Mutation("sampling: merging shards' samples keeps one line fewer", "pipelines/sampling.py",
             "return list(itertools.islice(heapq.merge(*sorted_lists), k))",
             "return list(itertools.islice(heapq.merge(*sorted_lists), k - 1))",
             ("tests/test_counting_and_select.py", "tests/test_pipeline.py")),
    Mutation("sampling: a sentence ends at a full stop inside a number", "pipelines/sampling.py",
             r'\u1362\u1367\u0589])\s+"', r'\u1362\u1367\u0589])\s*"',
             ("tests/test_counting_and_select.py",)),
    Mutation("encoding: batches packed to their longest, unrounded", "exporter/encoding.py",
             "length = int(-(-int(longest[indices].max()) // round_to) * round_to)",
             "length = int(longest[indices].max())", ("tests/test_encoding.py",)),
)


def copy_project(destination: str) -> None:
  """The tracked and untracked-but-not-ignored files, as the working tree has them (no .venv, no runs)."""
  listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                          capture_output=True, check=True).stdout.decode("utf-8").split("\0")
  for path in filter(None, listed):
    source = os.path.join(ROOT, path)
    if os.path.isfile(source):
      os.makedirs(os.path.dirname(os.path.join(destination, path)), exist_ok=True)
      shutil.copy2(source, os.path.join(destination, path))


def caught(mutation: Mutation) -> tuple[bool, float]:
  """(whether the copy's tests fail, seconds)."""
  with tempfile.TemporaryDirectory(prefix="mutation-") as copy:
    project = os.path.join(copy, os.path.basename(ROOT))  # ../shared stays where the tests look for it.
    if os.path.isdir(os.path.join(os.path.dirname(ROOT), "shared")):
      os.symlink(os.path.join(os.path.dirname(ROOT), "shared"), os.path.join(copy, "shared"))
    copy_project(project)
    path = os.path.join(project, mutation.path)
    with open(path, encoding="utf-8") as handle:
      text = handle.read()
    if text.count(mutation.original) != 1:
      raise SystemExit(f"{mutation.path}: the line to mutate for {mutation.name!r} is not there once; update "
                       "tools/mutation_check.py")
    with open(path, "w", encoding="utf-8") as handle:
      handle.write(text.replace(mutation.original, mutation.mutated))
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-m", "not slow", "-p", "no:cacheprovider",
                          *mutation.tests], cwd=project, capture_output=True, text=True)
    return run.returncode != 0, time.perf_counter() - start


def main(argv: list[str]) -> None:
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--only", nargs="+", help="run the mutations whose name contains one of these words")
  args = parser.parse_args(argv)
  chosen = [m for m in MUTATIONS if not args.only or any(word in m.name for word in args.only)]
  survived = []
  for mutation in chosen:
    found, seconds = caught(mutation)
    print(f"{'caught  ' if found else 'SURVIVED'} {seconds:5.1f} s  {mutation.name}", flush=True)
    if not found:
      survived.append(mutation.name)
  print(f"\n{len(chosen) - len(survived)} of {len(chosen)} planted bugs caught")
  sys.exit(1 if survived else 0)


if __name__ == "__main__":
  main(sys.argv[1:])
