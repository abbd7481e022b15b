"""The lines of a shard: pages -> article text -> paragraphs, with what was read and skipped.

This is the one place that decides which text a language contributes: articles only (namespace
0, no redirects), paragraphs of at least `min_chars` characters after cleaning, no markup residue.
Plain text files contribute their lines under the same length rule.
"""

from __future__ import annotations

import collections
import itertools
import logging
from typing import Iterator, Sequence

from pipelines import languages, sources, wikitext

ARTICLE_NAMESPACE = 0
_ASCII_SPACE = " \t\n\r\f\v"

logger = logging.getLogger(__name__)


def shard_lines(shard: sources.Shard, stats: collections.Counter, min_chars: int = 6,
                lost_streams: list | None = None) -> Iterator[str]:
  """Lines of `shard` in corpus order; page and line statistics go into `stats`.

  Corrupt or truncated data raises ShardError, unless `lost_streams` is a list: then a bad bz2
  stream costs only its own pages and is recorded there.
  """
  if shard.kind == "text":
    yield from _text_lines(shard, stats, min_chars)
    return
  if shard.index_path is not None:  # Each worker checks its own shard's offset: the launcher checks only two.
    sources.check_stream_start(shard.path, shard.index_path, shard.start)
  syntax = wikitext.WikiSyntax.for_wiki(shard.language, shard.dropped_namespace_names)
  errors = sources.PageErrors()
  try:
    for page in sources.read_pages(shard, errors, recover=lost_streams is not None):
      if page.redirect:
        stats["redirects"] += 1
      elif page.namespace != ARTICLE_NAMESPACE:
        stats["non_article_pages"] += 1
      elif not page.text.strip():
        stats["pages_without_text"] += 1
        logger.warning("%s: article %r (id %d) has no text", shard.name, page.title, page.page_id)
      else:
        extracted = wikitext.extract(page.text, syntax, min_chars)
        if extracted.too_deep:
          stats["pages_too_deep"] += 1
          logger.warning("%s: article %r (id %d) nests templates, links or tables more than %d deep (MediaWiki "
                         "does not render it either); skipped", shard.name, page.title, page.page_id,
                         wikitext.MAX_NESTING_DEPTH)
          continue
        stats["pages"] += 1
        stats["short_lines"] += extracted.short_lines
        stats["markup_lines"] += extracted.markup_lines
        yield from extracted.lines
  finally:
    stats["pages_skipped"] += errors.malformed
    stats["pages_invalid_utf8"] += errors.invalid_utf8
    stats["streams_lost"] += len(errors.lost_streams)
    if lost_streams is not None:
      lost_streams.extend(errors.lost_streams)


def _text_lines(shard: sources.Shard, stats: collections.Counter, min_chars: int) -> Iterator[str]:
  for line in sources.read_text_lines(shard.path):
    if len(line.strip(_ASCII_SPACE)) >= min_chars:
      yield line
    elif line.strip(_ASCII_SPACE):
      stats["short_lines"] += 1


def read_sentence_files(specs: Sequence[str], flag: str = "--texts") -> dict[str, list[str]]:
  """Non-blank lines of `LANG=PATH` files (text, .gz or .bz2, local or gs://) by language code."""
  texts: dict[str, list[str]] = {}
  for spec in specs:
    language, equals, path = spec.partition("=")
    if not equals:
      raise ValueError(f"{flag} {spec!r}: expected LANG=PATH")
    texts.setdefault(languages.resolve(language).code, []).extend(
        line for line in sources.read_text_lines(path) if line.strip())
  return texts


def batched(lines: Iterator[str], size: int) -> Iterator[list[str]]:
  while batch := list(itertools.islice(lines, size)):
    yield batch
