"""Dump headers, index files, shard planning and page reading, on the bundled samples."""

import bz2
import os
import shutil
import xml.etree.ElementTree as ET
from xml.parsers import expat

import pytest

from pipelines import sources
from tests.conftest import SAMPLE_DUMPS

EN_DUMP = os.path.join(SAMPLE_DUMPS, "enwiki-sample-pages-articles-multistream.xml.bz2")
EN_INDEX = os.path.join(SAMPLE_DUMPS, "enwiki-sample-pages-articles-multistream-index.txt.bz2")
TH_PLAIN = os.path.join(SAMPLE_DUMPS, "thwiki-sample-pages-articles.xml.bz2")


def index_lines(path=EN_INDEX):
  with open(path, "rb") as handle:
    return bz2.decompress(handle.read()).decode("utf-8").splitlines()


@pytest.mark.parametrize("dump, index", [
    ("enwiki-20240601-pages-articles-multistream.xml.bz2", "enwiki-20240601-pages-articles-multistream-index.txt.bz2"),
    ("enwiki-20240601-pages-articles-multistream1.xml-p1p41242.bz2",
     "enwiki-20240601-pages-articles-multistream-index1.txt-p1p41242.bz2"),
    ("gs://bucket/dumps/frwiki-20240601-pages-articles-multistream.xml.bz2",
     "gs://bucket/dumps/frwiki-20240601-pages-articles-multistream-index.txt.bz2"),
    ("enwiki-20240601-pages-articles.xml.bz2", None),
])
def test_index_path_for_dumps_and_parts(dump, index):
  assert sources.index_path_for(dump) == index


def test_header_gives_language_and_localized_namespaces():
  info = sources.read_header(os.path.join(SAMPLE_DUMPS, "frwiki-sample-pages-articles-multistream.xml.bz2"))
  assert (info.dbname, info.language) == ("frwiki", "fr")
  assert info.dropped_namespace_names == ("Média", "Fichier", "Catégorie")
  assert info.index_path.endswith("frwiki-sample-pages-articles-multistream-index.txt.bz2")


def test_stream_offsets_are_the_distinct_index_offsets():
  offsets = sources.read_stream_offsets(EN_INDEX, os.path.getsize(EN_DUMP))
  listed = [int(line.split(":", 1)[0]) for line in index_lines()]
  assert offsets == sorted(set(listed))
  assert len(listed) == 9 and len(offsets) == 5  # 9 pages, 2 per stream.


@pytest.mark.parametrize("streams_per_shard, shards", [(1, 5), (2, 3), (5, 1), (100, 1)])
def test_one_shard_per_group_of_streams(streams_per_shard, shards):
  info = sources.read_header(EN_DUMP)
  planned = sources.plan_dump_shards(info, 0, streams_per_shard)
  assert len(planned) == shards
  assert planned[0].start == sources.read_stream_offsets(EN_INDEX, info.size)[0]
  assert planned[-1].end == info.size
  assert all(a.end == b.start for a, b in zip(planned, planned[1:]))


def test_pages_of_shards_are_the_pages_of_the_whole_dump():
  info = sources.read_header(EN_DUMP)
  whole = sources.Shard((0, 0), EN_DUMP, "en", "dump", 0, info.size)
  everything = [(p.page_id, p.title, p.text) for p in sources.read_pages(whole)]
  by_shard = [(p.page_id, p.title, p.text) for shard in sources.plan_dump_shards(info, 0, 1)
              for p in sources.read_pages(shard)]
  assert by_shard == everything
  assert [page_id for page_id, _, _ in everything] == [int(line.split(":")[1]) for line in index_lines()]


def test_page_fields():
  info = sources.read_header(TH_PLAIN)
  assert info.index_path is None
  pages = list(sources.read_pages(sources.plan_dump_shards(info, 0, 200)[0]))
  redirect = next(p for p in pages if p.redirect)
  talk = next(p for p in pages if p.namespace == 1)
  assert redirect.title == "กระโจมไฟ" and talk.title == "พูดคุย:ผึ้งพันธุ์"
  assert pages[0].text.startswith("{{กล่องข้อมูล")


def element_tree_page(xml: bytes):
  """The page fields as ElementTree finds them: the independent reference for the expat reader."""
  page = ET.fromstring(xml)
  revision = page.find("revision")
  text = revision.findtext("text") if revision is not None else None
  return sources.Page(page.findtext("title") or "", int(page.findtext("ns") or 0), int(page.findtext("id") or 0),
                      page.find("redirect") is not None, text or "")


@pytest.mark.parametrize("xml", [
    b"<page><title>a</title><ns>0</ns><id>7</id><revision><id>9</id><text>x &lt;ref&gt; &amp;amp; y</text></revision></page>",
    b"<page><title>a</title><revision><text>x<b>y</b>z</text></revision></page>",  # Text ends at a child.
    b"<page><ns>1</ns><id>3</id><revision><id>9</id><text/></revision><revision><text>2nd</text></revision>"
    b"<redirect title='x'/></page>",  # The first revision's text, even empty; the page's own id.
    b"<page><title></title><title>t2</title><revision><contributor><id>5</id></contributor>"
    b"<text xml:space='preserve'>a&#13;\r\nb\rc</text></revision></page>",  # Line ends as XML reads them.
    b"<page>\n  <title>\xe0\xb8\x81 <!-- c --> \xe0\xb8\x82</title>\n  <revision><text><![CDATA[<&>]]></text></revision></page>",
    b"<page><title>t</title></page>",
])
def test_page_fields_are_what_element_tree_finds(xml):
  assert sources._page_from_xml(xml) == element_tree_page(xml)


@pytest.mark.parametrize("xml", [b"<page><title>a &nbsp;</title></page>", b"<page><title>a</title>",
                                 b"<page><title>\xff</title></page>", b"<page></page><page></page>"])
def test_pages_that_are_not_well_formed_xml_are_errors_as_for_element_tree(xml):
  with pytest.raises(ET.ParseError):
    ET.fromstring(xml)
  with pytest.raises(expat.ExpatError):
    sources._page_from_xml(xml)


def test_missing_index_falls_back_to_one_shard(tmp_path, caplog):
  dump = tmp_path / os.path.basename(EN_DUMP)
  shutil.copy(EN_DUMP, dump)
  info = sources.read_header(str(dump))
  assert info.index_path is None
  assert "index" in caplog.text and "missing" in caplog.text
  assert len(sources.plan_dump_shards(info, 0, 1)) == 1


def test_utf16_dump_is_a_clear_error(tmp_path):
  with open(TH_PLAIN, "rb") as handle:
    xml = bz2.decompress(handle.read()).decode("utf-8")
  dump = tmp_path / "thwiki-utf16.xml.bz2"
  dump.write_bytes(bz2.compress(xml.encode("utf-16")))
  with pytest.raises(sources.SourceError, match="UTF-16"):
    sources.read_header(str(dump))


def test_index_offset_past_the_end_names_the_index(tmp_path):
  shutil.copy(EN_DUMP, tmp_path / os.path.basename(EN_DUMP))
  lines = index_lines() + [f"{10 ** 9}:99:Far away"]
  (tmp_path / os.path.basename(EN_INDEX)).write_bytes(bz2.compress("\n".join(lines).encode()))
  info = sources.read_header(str(tmp_path / os.path.basename(EN_DUMP)))
  with pytest.raises(sources.SourceError, match=r"index.*:10: offset 1000000000 is past the end"):
    sources.plan_dump_shards(info, 0, 1)


def test_uncompressed_xml_dump_reads_like_the_bz2(tmp_path):
  xml = tmp_path / "thwiki-sample-pages-articles.xml"
  with open(TH_PLAIN, "rb") as handle:
    xml.write_bytes(bz2.decompress(handle.read()))
  plain, compressed = sources.read_header(str(xml)), sources.read_header(TH_PLAIN)
  assert plain.language == compressed.language == "th"
  pages = [list(sources.read_pages(sources.plan_dump_shards(info, 0, 1)[0])) for info in (plain, compressed)]
  assert [(p.title, p.text) for p in pages[0]] == [(p.title, p.text) for p in pages[1]]


@pytest.mark.parametrize("suffix, compress", [(".txt", lambda b: b), (".txt.gz", __import__("gzip").compress),
                                              (".txt.bz2", bz2.compress)])
def test_text_files_are_split_on_line_feeds_only(tmp_path, suffix, compress):
  path = tmp_path / f"lines{suffix}"
  path.write_bytes(compress("one\r\ntwo\u2028still two\x85\nthree".encode("utf-8")))
  assert list(sources.read_text_lines(str(path))) == ["one", "two\u2028still two\x85", "three"]


def test_invalid_utf8_in_a_text_file_names_the_line(tmp_path):
  path = tmp_path / "bad.txt"
  path.write_bytes(b"fine\nalso fine\nbad \xff here\n")
  with pytest.raises(sources.ShardError, match=r"bad.txt:3: not valid UTF-8"):
    list(sources.read_text_lines(str(path)))


def test_shards_record_their_stream_counts():
  info = sources.read_header(EN_DUMP)
  assert [shard.streams for shard in sources.plan_dump_shards(info, 0, 2)] == [2, 2, 1]
