"""Seconds to extract crafted pages at MediaWiki's 2 MB page limit: deep nesting of each construct and
their mixes, and the shapes that make a backtracking pattern scan a page once per character.

    python benchmarks/crafted_pages.py [--size BYTES]

No page may hold a worker: each is extracted, or skipped as too deep and counted, in time linear in
its size. Prints one line per shape and the slowest.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Iterator

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pipelines import wikitext  # noqa: E402

MEDIAWIKI_PAGE_LIMIT = 2 * 1024 * 1024


def _repeated(block: str, size: int) -> str:
  return block * max(1, size // len(block))


def _nested(opener: str, closer: str, depth: int, size: int) -> str:
  """`depth` levels of opener ... closer around a word, repeated to `size` characters."""
  return _repeated(opener * depth + "x" + closer * depth + "\n", size)


# Each construct's opener and closer, and the mixes that make cleaning alternate between kinds.
CONSTRUCTS = {"templates": ("{{a|", "}}"), "file links": ("[[File:a.png|", "]]"), "links": ("[[a|", "]]"),
              "tables": ("{|\n", "\n|}"), "templates in tables": ("{{a|\n{|\n", "\n|}\n}}"),
              "links in templates": ("{{a|[[b|", "]]}}"), "templates in file links": ("[[File:a.png|{{a|", "}}]]")}


def crafted_pages(size: int = MEDIAWIKI_PAGE_LIMIT) -> Iterator[tuple[str, str]]:
  """(name, page) for the worst shapes found, each about `size` characters."""
  for name, (opener, closer) in CONSTRUCTS.items():
    # As deep as the whole page (skipped), and at the deepest that is cleaned (its passes each scan the page).
    depth = size // (len(opener) + len(closer))
    yield f"{name}, one nest", opener * depth + "x" + closer * depth
    pairs = 2 if opener.count("[") + opener.count("{") > 2 else 1
    yield f"{name}, {wikitext.MAX_NESTING_DEPTH} deep", _nested(opener, closer,
                                                                wikitext.MAX_NESTING_DEPTH // pairs, size)
  yield "unclosed templates", _repeated("{{a ", size)
  yield "closers only", _repeated("}}]]|}", size)
  yield "external links, unclosed", _repeated("[http://x.org ", size)
  yield "external links, no space", _repeated("[http://x.org/", size)
  yield "a line of equals signs", "=" * size
  yield "a heading of spaced equals", _repeated("= ", size) + "x"
  yield "unclosed tags", _repeated("<a ", size)
  yield "unclosed refs", _repeated("<ref", size)
  yield "unclosed comments", _repeated("<!-- ", size)
  yield "a table of blank lines", "{|" + "\n" * size
  yield "quotes", "''" * (size // 2)
  yield "magic words, unclosed", _repeated("__" + "A" * 50, size)


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--size", type=int, default=MEDIAWIKI_PAGE_LIMIT, help="characters per page")
  args = parser.parse_args()
  syntax = wikitext.WikiSyntax.for_wiki("en")
  slowest = 0.0
  print(f"| page ({args.size / 2**20:.1f} MiB) | seconds | lines | skipped as too deep |\n| --- | --- | --- | --- |")
  for name, page in crafted_pages(args.size):
    start = time.perf_counter()
    extracted = wikitext.extract(page, syntax)
    seconds = time.perf_counter() - start
    slowest = max(slowest, seconds)
    print(f"| {name} | {seconds:.3f} | {len(extracted.lines)} | {'yes' if extracted.too_deep else 'no'} |",
          flush=True)
  print(f"\nslowest: {slowest:.2f} s")


if __name__ == "__main__":
  main()
