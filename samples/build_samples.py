"""Builds the bundled sample dumps from the hand-written wikitext in `samples/src/`.

Each `src/<wiki>.txt` holds a small wiki, written for this project, as readable wikitext:

    @site dbname=frwiki lang=fr sitename=Wikipédia
    @namespace 6 Fichier
    @page id=3 ns=0 title=Paris
    Paris est la capitale de la [[France]]...
    @page id=4 ns=0 title=Lutèce redirect=Paris

The builder writes it as a MediaWiki export (schema 0.10), which becomes either a multistream
dump, `<wiki>-sample-pages-articles-multistream.xml.bz2`, with a header stream, one bz2 stream per
`--pages_per_stream` pages, a footer stream and the matching
`<wiki>-sample-pages-articles-multistream-index.txt.bz2` (`offset:page_id:title` lines), exactly
the layout Wikimedia publishes; or, for the wikis named in `--plain`, a plain single-stream
`<wiki>-sample-pages-articles.xml.bz2`. The output is deterministic, so rebuilding is a no-op.

Usage: python samples/build_samples.py [--pages_per_stream 2] [--plain thwiki]
       python samples/build_samples.py --src samples/scripts/src --output samples/scripts/dumps --plain

`samples/scripts/` holds wikis in scripts the demo's six do not have (Hebrew, Devanagari, Ethiopic,
Georgian, Armenian), each with `expected/<wiki>.txt`: the article text a reader sees, written by hand.
"""

from __future__ import annotations

import argparse
import bz2
import html
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_PAGE = re.compile(rb"  <page>.*?</page>\n", re.DOTALL)
_TITLE = re.compile(rb"<title>(.*?)</title>")
_ID = re.compile(rb"<id>(\d+)</id>")


def parse_source(text: str, source: str) -> tuple[dict[str, str], dict[int, str], list[dict[str, str]]]:
  """(site fields, namespaces, pages) of a source file."""
  site: dict[str, str] = {}
  namespaces: dict[int, str] = {0: ""}
  pages: list[dict[str, str]] = []
  for line_number, line in enumerate(text.split("\n"), start=1):
    if line.startswith("@site "):
      site.update(_fields(line[len("@site "):]))
    elif line.startswith("@namespace "):
      key, _, name = line[len("@namespace "):].partition(" ")
      namespaces[int(key)] = name.strip()
    elif line.startswith("@page "):
      pages.append({**_fields(line[len("@page "):]), "text": ""})
    elif pages:
      pages[-1]["text"] += line + "\n"
    elif line.strip():
      raise ValueError(f"{source}:{line_number}: text before the first @page")
  for name in ("dbname", "lang", "sitename"):
    if name not in site:
      raise ValueError(f"{source}: @site needs {name}=")
  return site, namespaces, pages


def _fields(spec: str) -> dict[str, str]:
  """`id=3 ns=0 title=Some title redirect=Other` -> fields; a value runs to the next ` key=`."""
  parts = re.split(r" (?=[a-z]+=)", spec.strip())
  return dict(part.split("=", 1) for part in parts)


def to_xml(site: dict[str, str], namespaces: dict[int, str], pages: list[dict[str, str]]) -> bytes:
  """A MediaWiki export (schema 0.10) of the parsed source."""
  out = [
      '<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" '
      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
      'xsi:schemaLocation="http://www.mediawiki.org/xml/export-0.10/ '
      'http://www.mediawiki.org/xml/export-0.10.xsd" '
      f'version="0.10" xml:lang="{site["lang"]}">\n',
      "  <siteinfo>\n",
      f"    <sitename>{html.escape(site['sitename'])}</sitename>\n",
      f"    <dbname>{site['dbname']}</dbname>\n",
      f"    <base>https://{site['lang']}.wikipedia.org/wiki/</base>\n",
      "    <generator>MediaWiki 1.42.0-wmf.5</generator>\n",
      "    <case>first-letter</case>\n",
      "    <namespaces>\n",
  ]
  for key, name in sorted(namespaces.items()):
    out.append(f'      <namespace key="{key}" case="first-letter">{html.escape(name)}</namespace>\n' if name
               else f'      <namespace key="{key}" case="first-letter" />\n')
  out += ["    </namespaces>\n", "  </siteinfo>\n"]
  for page in pages:
    text = page["text"].strip("\n")
    redirect = page.get("redirect")
    out += [
        "  <page>\n",
        f"    <title>{html.escape(page['title'], quote=False)}</title>\n",
        f"    <ns>{page.get('ns', '0')}</ns>\n",
        f"    <id>{page['id']}</id>\n",
        f'    <redirect title="{html.escape(redirect)}" />\n' if redirect else "",
        "    <revision>\n",
        f"      <id>{int(page['id']) * 1000 + 7}</id>\n",
        "      <timestamp>2024-05-01T12:00:00Z</timestamp>\n",
        "      <contributor>\n        <username>SampleEditor</username>\n        <id>42</id>\n"
        "      </contributor>\n",
        "      <model>wikitext</model>\n      <format>text/x-wiki</format>\n",
        f'      <text bytes="{len(text.encode("utf-8"))}" xml:space="preserve">'
        f"{html.escape(text, quote=False)}</text>\n",
        "    </revision>\n",
        "  </page>\n",
    ]
  out.append("</mediawiki>\n")
  return "".join(out).encode("utf-8")


def split_dump(xml: bytes) -> tuple[bytes, list[bytes], bytes]:
  """(header up to the first page, pages, footer) of an export."""
  pages = _PAGE.findall(xml)
  first = xml.index(pages[0])
  last = xml.rindex(pages[-1]) + len(pages[-1])
  if b"".join(pages) != xml[first:last]:
    raise ValueError("text between pages; each <page> must start with two spaces and end a line")
  return xml[:first], pages, xml[last:]


def multistream(xml: bytes, pages_per_stream: int) -> tuple[bytes, bytes]:
  """(dump, index) in Wikimedia's multistream layout."""
  header, pages, footer = split_dump(xml)
  dump = bz2.compress(header, 9)
  index_lines = []
  for begin in range(0, len(pages), pages_per_stream):
    group = pages[begin:begin + pages_per_stream]
    for page in group:
      title = html.unescape(_TITLE.search(page).group(1).decode("utf-8"))
      page_id = _ID.search(page).group(1).decode()
      index_lines.append(f"{len(dump)}:{page_id}:{title}\n")
    dump += bz2.compress(b"".join(group), 9)
  dump += bz2.compress(footer, 9)
  return dump, bz2.compress("".join(index_lines).encode("utf-8"), 9)


def write(path: str, data: bytes) -> None:
  with open(path + ".tmp", "wb") as handle:
    handle.write(data)
  os.replace(path + ".tmp", path)
  print(f"wrote {os.path.relpath(path)} ({len(data):,} bytes)")


def main(argv: list[str]) -> None:
  parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  parser.add_argument("--pages_per_stream", type=int, default=2)
  parser.add_argument("--plain", nargs="*", default=["thwiki"], help="wikis written as one plain stream")
  parser.add_argument("--src", default=os.path.join(HERE, "src"), help="folder of <wiki>.txt sources")
  parser.add_argument("--output", default=os.path.join(HERE, "dumps"))
  args = parser.parse_args(argv)
  os.makedirs(args.output, exist_ok=True)
  for name in sorted(os.listdir(args.src)):
    if not name.endswith(".txt"):
      continue
    wiki = name[:-len(".txt")]
    path = os.path.join(args.src, name)
    with open(path, encoding="utf-8") as handle:
      xml = to_xml(*parse_source(handle.read(), path))
    if wiki in args.plain:
      write(os.path.join(args.output, f"{wiki}-sample-pages-articles.xml.bz2"), bz2.compress(xml, 9))
      continue
    dump, index = multistream(xml, args.pages_per_stream)
    write(os.path.join(args.output, f"{wiki}-sample-pages-articles-multistream.xml.bz2"), dump)
    write(os.path.join(args.output, f"{wiki}-sample-pages-articles-multistream-index.txt.bz2"), index)


if __name__ == "__main__":
  main(sys.argv[1:])
