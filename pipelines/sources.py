"""Input sources: Wikipedia XML dumps and plain text files, planned as shards and read as lines.

A multistream dump (`*-pages-articles-multistream*.xml.bz2`) is a concatenation of bz2 streams of
100 pages each; its index (`*-multistream-index*.txt.bz2`, lines `offset:page_id:title`) gives
the byte where each stream starts. A shard is a byte range covering several whole streams, so a
worker seeks to it and decompresses only its own bytes: parallelism follows the index, not the
number of files. A dump without an index, a plain `.xml.bz2` or `.xml`, is one shard.

All I/O goes through Beam's FileSystems, so `gs://` paths work and seeks are ranged reads.
"""

from __future__ import annotations

import bz2
import codecs
import collections
import dataclasses
import functools
import logging
import os
import re
import xml.etree.ElementTree as ET
from typing import Iterator
from xml.parsers import expat

from apache_beam.io.filesystems import FileSystems

from pipelines import languages
from pipelines.wikitext import DROPPED_NAMESPACE_KEYS

_READ_SIZE = 1 << 20
_HEADER_LIMIT = 16 << 20  # A siteinfo is a few KB; more without one means this is not a dump.
_MULTISTREAM = re.compile(r"^(.*-pages-articles-multistream)(\d*)\.xml(.*)\.bz2$")
_TEXT_SUFFIXES = (".txt", ".txt.gz", ".txt.bz2")
_PAGE_OPEN = b"<page>"
_PAGE_CLOSE = b"</page>"

logger = logging.getLogger(__name__)


class SourceError(ValueError):
  """Input that cannot be used; the message names the file and what is wrong."""


class IndexMismatchError(RuntimeError):
  """An index that does not describe its dump: every shard planned from it is suspect, so the run stops."""


class ShardError(SourceError):
  """A shard that cannot be read to the end (corrupt or truncated data)."""


@dataclasses.dataclass(frozen=True)
class DumpInfo:
  """What a dump's header says, read once when the pipeline is built."""
  path: str
  dbname: str
  language: str
  dropped_namespace_names: tuple[str, ...]  # Localized names of the Media, File, Category namespaces.
  size: int
  index_path: str | None  # The multistream index, if the dump has one.


@dataclasses.dataclass(frozen=True, order=True)
class Shard:
  """A unit of reading: a byte range of a dump, or a whole text file."""
  order: tuple[int, int]  # (input number, first byte): the order of the shard's lines in the corpus.
  path: str
  language: str
  kind: str  # "dump" or "text".
  start: int = 0
  end: int = -1  # Exclusive; -1 for the end of the file.
  streams: int = 1
  dropped_namespace_names: tuple[str, ...] = ()
  index_path: str | None = None  # The index the shard was planned from, if any.

  @property
  def name(self) -> str:
    if self.kind == "text":
      return self.path
    return f"{self.path} bytes {self.start}-{self.end}"


@dataclasses.dataclass
class Page:
  title: str
  namespace: int
  page_id: int
  redirect: bool
  text: str


def index_path_for(dump_path: str) -> str | None:
  """The index file that goes with a multistream dump, parts included, or None for other dumps.

  `enwiki-20240601-pages-articles-multistream.xml.bz2` ->
  `enwiki-20240601-pages-articles-multistream-index.txt.bz2`, and for parts
  `...-multistream1.xml-p1p41242.bz2` -> `...-multistream-index1.txt-p1p41242.bz2`.
  """
  directory, name = os.path.split(dump_path)
  match = _MULTISTREAM.match(name)
  if not match:
    return None
  prefix, part, suffix = match.groups()
  return FileSystems.join(directory, f"{prefix}-index{part}.txt{suffix}.bz2") if directory else (
      f"{prefix}-index{part}.txt{suffix}.bz2")


def is_text_file(path: str) -> bool:
  return path.endswith(_TEXT_SUFFIXES)


def _open(path: str):
  return FileSystems.open(path, compression_type="uncompressed")


# A bz2 stream starts, byte-aligned, with "BZh", the block size digit, then a block's magic (the digits
# of pi) or, for an empty stream, the end-of-stream magic (the digits of sqrt(pi)).
_STREAM_START = re.compile(rb"BZh[1-9](?:\x31\x41\x59\x26\x53\x59|\x17\x72\x45\x38\x50\x90)")


class _Lost:
  """Yielded by `_decompressed_chunks` where bytes were skipped: what came before is cut off."""


LOST = _Lost()


def _decompressed_chunks(path: str, start: int = 0, end: int = -1, lost: list | None = None) -> Iterator[bytes]:
  """Decompressed bytes of the whole bz2 streams in [start, end), or the raw bytes of an .xml.

  Corrupt or truncated data raises ShardError, unless `lost` is a list: then the bad stream is
  recorded there (its byte range and the error), LOST is yielded, and reading resumes at the next
  stream start, so a corrupt stream costs only its own pages.
  """
  compressed = path.endswith(".bz2")
  with _open(path) as handle:
    if start:
      handle.seek(start)
    position = start  # Of the next byte read.
    decompressor = bz2.BZ2Decompressor() if compressed else None
    stream_start, fed = start, 0  # Where the current stream starts; bytes given to its decompressor.
    stream_has_input = False
    while end < 0 or position < end:
      data = handle.read(_READ_SIZE if end < 0 else min(_READ_SIZE, end - position))
      if not data:
        break
      position += len(data)
      if decompressor is None:
        yield data
        continue
      while data:
        stream_has_input = True
        fed += len(data)
        try:
          chunk = decompressor.decompress(data)
        except (OSError, EOFError) as error:
          if lost is None:
            raise ShardError(f"{path}: corrupt bz2 data in {_byte_range(start, end)}: {error}") from None
          resume, scanned_to = _next_stream_start(handle, stream_start + 1, end)
          lost.append({"file": path, "start": stream_start, "end": resume if resume is not None else scanned_to,
                       "error": f"corrupt bz2 data: {error}"})
          yield LOST
          if resume is None:
            return
          handle.seek(resume)
          position, stream_start, fed = resume, resume, 0
          decompressor, stream_has_input = bz2.BZ2Decompressor(), False
          break
        if chunk:
          yield chunk
        data = b""
        if decompressor.eof:  # One stream ended; the next one starts in its unused data.
          data = decompressor.unused_data
          stream_start, fed = stream_start + fed - len(data), 0
          decompressor = bz2.BZ2Decompressor()
          stream_has_input = False
    if stream_has_input:
      if lost is None:
        raise ShardError(f"{path}: the data ends inside a bz2 stream in {_byte_range(start, end)} (truncated file?)")
      lost.append({"file": path, "start": stream_start, "end": position,
                   "error": "the data ends inside a bz2 stream (truncated file?)"})
      yield LOST


def _next_stream_start(handle, after: int, end: int) -> tuple[int | None, int]:
  """(the offset of the first bz2 stream start at or after `after` and before `end`, or None; where the
  search stopped)."""
  handle.seek(after)
  position, carry = after, b""
  while end < 0 or position < end:
    data = handle.read(_READ_SIZE if end < 0 else min(_READ_SIZE, end - position))
    if not data:
      break
    window = carry + data
    match = _STREAM_START.search(window)
    if match:
      return position - len(carry) + match.start(), position + len(data)
    position += len(data)
    carry = window[-9:]  # A start split across two reads.
  return None, position


@functools.lru_cache(maxsize=2)
def _pages_per_stream(index_path: str) -> collections.Counter:
  """Pages per stream offset, as the index lists them; read once per worker, and only when a stream is lost."""
  try:
    with _open(index_path) as handle:
      data = bz2.decompress(handle.read()) if index_path.endswith(".bz2") else handle.read()
  except (OSError, ValueError):
    return collections.Counter()
  return collections.Counter(int(line.split(b":", 1)[0]) for line in data.split(b"\n") if line[:1].isdigit())


def pages_in_stream(index_path: str, offset: int) -> int | None:
  """How many pages the index lists for the stream at `offset`; None if the index cannot tell."""
  return _pages_per_stream(index_path).get(offset)


def _byte_range(start: int, end: int) -> str:
  return f"bytes {start}-{end}" if end >= 0 else f"bytes {start} to the end of the file"


def read_header(path: str) -> DumpInfo:
  """Reads a dump's `<siteinfo>`: its dbname gives the language."""
  head = b""
  try:
    for chunk in _decompressed_chunks(path):
      head += chunk
      if b"</siteinfo>" in head or len(head) > _HEADER_LIMIT:
        break
  except ShardError as error:
    raise SourceError(str(error)) from None
  if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[1:2] == b"\x00" or head[:1] == b"\x00":
    raise SourceError(f"{path}: the dump is encoded in UTF-16; Wikipedia dumps are UTF-8, "
                      "convert it with `iconv -f UTF-16 -t UTF-8`")
  end = head.find(b"</siteinfo>")
  begin = head.find(b"<siteinfo>")
  if begin < 0 or end < 0:
    raise SourceError(f"{path}: no <siteinfo> in the first {len(head)} bytes; is this a Wikipedia XML dump?")
  try:
    siteinfo = ET.fromstring(_strip_namespace(head[begin:end + len(b"</siteinfo>")]))
  except ET.ParseError as error:
    raise SourceError(f"{path}: the <siteinfo> header is not well-formed XML: {error}") from None
  dbname = (siteinfo.findtext("dbname") or "").strip()
  if not dbname:
    raise SourceError(f"{path}: the <siteinfo> header has no <dbname>")
  language = languages.from_dbname(dbname, path).code
  dropped = tuple(
      (namespace.text or "").strip() for namespace in siteinfo.iter("namespace")
      if int(namespace.get("key", "0")) in DROPPED_NAMESPACE_KEYS and (namespace.text or "").strip())
  index = index_path_for(path)
  if index is not None and not FileSystems.exists(index):
    logger.warning("%s: its index %s is missing; reading the whole dump as one shard", path, index)
    index = None
  elif index is None:
    logger.warning("%s: not a multistream dump with an index; it is read as one shard by one worker", path)
  size = FileSystems.match([path])[0].metadata_list[0].size_in_bytes
  return DumpInfo(path, dbname, language, dropped, size, index)


def _strip_namespace(xml: bytes) -> bytes:
  return re.sub(rb"\sxmlns(:\w+)?=\"[^\"]*\"", b"", xml)


def read_stream_offsets(index_path: str, dump_size: int) -> list[int]:
  """The distinct byte offsets where the dump's streams of pages start, ascending."""
  offsets: list[int] = []
  with _open(index_path) as handle:
    data = bz2.decompress(handle.read()) if index_path.endswith(".bz2") else handle.read()
  for line_number, line in enumerate(data.split(b"\n"), start=1):
    if not line:
      continue
    field = line.split(b":", 1)[0]
    try:
      offset = int(field)
    except ValueError:
      raise SourceError(f"{index_path}:{line_number}: expected 'offset:page_id:title', got {line[:80]!r}") from None
    if offsets and offset == offsets[-1]:
      continue
    if offsets and offset < offsets[-1]:
      raise SourceError(f"{index_path}:{line_number}: offset {offset} is smaller than the one before it")
    if offset >= dump_size:
      raise SourceError(f"{index_path}:{line_number}: offset {offset} is past the end of the dump ({dump_size} bytes)")
    offsets.append(offset)
  if not offsets:
    raise SourceError(f"{index_path}: the index lists no streams")
  return offsets


def check_stream_start(dump_path: str, index_path: str, offset: int) -> None:
  """Raises if `offset` is not where a bz2 stream starts (a stale or mismatched index)."""
  with _open(dump_path) as handle:
    handle.seek(offset)
    magic = handle.read(4)
  if magic[:3] != b"BZh" or not b"1" <= magic[3:4] <= b"9":
    raise IndexMismatchError(f"{index_path}: offset {offset} is not the start of a bz2 stream in {dump_path}; "
                      "does the index belong to this dump?")


def plan_dump_shards(dump: DumpInfo, input_number: int, streams_per_shard: int) -> list[Shard]:
  """Splits a dump into shards of `streams_per_shard` streams along its index."""
  if dump.index_path is None:
    return [Shard((input_number, 0), dump.path, dump.language, "dump", 0, dump.size, 1,
                  dump.dropped_namespace_names)]
  offsets = read_stream_offsets(dump.index_path, dump.size)
  check_stream_start(dump.path, dump.index_path, offsets[0])
  check_stream_start(dump.path, dump.index_path, offsets[-1])
  shards = []
  for first in range(0, len(offsets), streams_per_shard):
    last = first + streams_per_shard  # Exclusive; this shard ends where the next one's first stream starts.
    end = offsets[last] if last < len(offsets) else dump.size
    shards.append(Shard((input_number, offsets[first]), dump.path, dump.language, "dump", offsets[first], end,
                        min(streams_per_shard, len(offsets) - first), dump.dropped_namespace_names, dump.index_path))
  return shards


class _PageFields:
  """What `_page_from_xml` reads of a <page>, from expat's events: the text of its first <title>, <ns> and
  <id>, whether it has a <redirect>, and the text of its first <revision>'s first <text>, each as
  ElementTree's findtext gives it (the characters before the element's first child), without building
  the page's tree (40% less CPU)."""

  _PAGE_FIELDS = ("title", "ns", "id")

  def __init__(self):
    self.values: dict[str, str] = {}
    self.redirect = False
    self._depth = 0  # The page is at depth 1.
    self._revisions = 0
    self._reading: str | None = None  # The field whose characters arrive now.
    self._parts: list[str] = []

  def start(self, name: str, attributes: dict) -> None:
    if self._reading is not None:
      self._store()  # A child element ends its parent's text.
    self._depth += 1
    if self._depth == 2:
      if name == "revision":
        self._revisions += 1
      elif name == "redirect":
        self.redirect = True
      elif name in self._PAGE_FIELDS and name not in self.values:
        self._reading = name
    elif self._depth == 3 and self._revisions == 1 and name == "text" and "text" not in self.values:
      self._reading = "text"

  def end(self, name: str) -> None:
    if self._reading is not None:
      self._store()
    self._depth -= 1

  def characters(self, data: str) -> None:
    if self._reading is not None:
      self._parts.append(data)

  def _store(self) -> None:
    self.values[self._reading] = "".join(self._parts)
    self._reading, self._parts = None, []


def _page_from_xml(xml: bytes) -> Page:
  """Raises expat.ExpatError for XML that is not well-formed, as ElementTree would."""
  fields = _PageFields()
  parser = expat.ParserCreate()
  parser.buffer_text = True  # A text's characters in few pieces, not one per line or entity.
  parser.buffer_size = 1 << 16
  parser.StartElementHandler = fields.start
  parser.EndElementHandler = fields.end
  parser.CharacterDataHandler = fields.characters
  parser.Parse(xml, True)
  values = fields.values
  return Page(
      title=values.get("title") or "",
      namespace=int(values.get("ns") or 0),
      page_id=int(values.get("id") or 0),
      redirect=fields.redirect,
      text=values.get("text") or "",
  )


@dataclasses.dataclass
class PageErrors:
  """Pages that could not be parsed and streams that could not be read; counted and logged, never silently lost."""
  malformed: int = 0
  invalid_utf8: int = 0
  lost_streams: list[dict] = dataclasses.field(default_factory=list)

  def record_lost(self, shard: Shard, lost: list[dict]) -> None:
    """Moves what `_decompressed_chunks` recorded here, with the pages the index lists for it."""
    for record in lost:
      if shard.index_path is not None and record["start"] is not None:
        record["pages_in_stream"] = pages_in_stream(shard.index_path, record["start"])
      what = (f"the bz2 stream at bytes {record['start']}-{record['end']}" if record["start"] is not None
              else "the page cut at the end")
      logger.error("%s: lost %s: %s", shard.path, what, record["error"])
      self.lost_streams.append(record)
    lost.clear()


def read_pages(shard: Shard, errors: PageErrors | None = None, recover: bool = False) -> Iterator[Page]:
  """Pages of a dump shard, in order.

  Corrupt or truncated data raises ShardError, or with `recover` costs only its own stream: the
  loss goes to `errors.lost_streams` (file, byte range, error, pages the index lists for it).
  """
  errors = errors if errors is not None else PageErrors()
  lost: list | None = [] if recover else None
  buffer = b""
  for chunk in _decompressed_chunks(shard.path, shard.start, shard.end, lost):
    if chunk is LOST:
      buffer = b""  # A page cut by the lost bytes is lost with them.
      errors.record_lost(shard, lost)
      continue
    buffer += chunk
    position = 0
    while True:
      begin = buffer.find(_PAGE_OPEN, position)
      if begin < 0:
        position = max(position, len(buffer) - len(_PAGE_OPEN))
        break
      close = buffer.find(_PAGE_CLOSE, begin)
      if close < 0:
        position = begin
        break
      end = close + len(_PAGE_CLOSE)
      page = _parse_page(buffer[begin:end], shard, errors)
      if page is not None:
        yield page
      position = end
    buffer = buffer[position:]
  if _PAGE_OPEN in buffer:
    if not recover:
      raise ShardError(f"{shard.name}: the data ends inside a <page> (truncated dump?)")
    lost.append({"file": shard.path, "start": None, "end": None, "error": "the data ends inside a <page> (truncated dump?)"})
    errors.record_lost(shard, lost)


def _parse_page(xml: bytes, shard: Shard, errors: PageErrors) -> Page | None:
  try:
    return _page_from_xml(xml)
  except expat.ExpatError as error:
    try:
      # Invalid UTF-8 inside text: keep the page, with U+FFFD for the bad bytes.
      page = _page_from_xml(xml.decode("utf-8", errors="replace").encode("utf-8"))
      errors.invalid_utf8 += 1
      logger.warning("%s: page %r has invalid UTF-8; bad bytes replaced", shard.name, page.title)
      return page
    except expat.ExpatError:
      errors.malformed += 1
      logger.warning("%s: skipped a page that is not well-formed XML (%s): %r", shard.name, error, xml[:120])
      return None


def read_text_lines(path: str) -> Iterator[str]:
  """Lines of a plain text file (.txt, .txt.gz, .txt.bz2), split on LF only, a trailing CR removed.

  Only LF ends a line: U+2028 or U+0085 inside a paragraph are text, as the tokenizer sees them.
  """
  decoder = codecs.getincrementaldecoder("utf-8")("strict")
  pending = ""
  line_number = 0
  with FileSystems.open(path) as handle:  # Compression from the file's extension.
    while True:
      data = handle.read(_READ_SIZE)
      try:
        pending += decoder.decode(data, final=not data)
      except UnicodeDecodeError as error:
        line = line_number + pending.count("\n") + data[:max(error.start, 0)].count(b"\n") + 1
        raise ShardError(f"{path}:{line}: not valid UTF-8 ({error.reason})") from None
      *lines, pending = pending.split("\n")
      for line in lines:
        line_number += 1
        yield line.rstrip("\r")
      if not data:
        break
  if pending:
    yield pending.rstrip("\r")
