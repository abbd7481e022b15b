"""Wikitext -> plain paragraphs, one per line, with a handful of regular expressions.

The aim is the text a reader sees in an article's body: templates, references, tables, HTML,
comments, files, categories and interlanguage links go; link labels, list items and headings
stay. Nested constructs (templates in templates, links in file captions, tables in tables) are
removed innermost first, one regex pass per nesting level, so the work stays in the regex engine.
A line that still holds markup after cleaning is dropped and counted, never passed on to the tokenizer.

No page can hold a worker: every pattern scans a character a bounded number of times (possessive
quantifiers, classes that stop at the next opener), so a pass is linear in the page's size, and a
page that needs more passes than MediaWiki itself expands levels (`MAX_NESTING_DEPTH`) is skipped and
counted rather than cleaned one level at a time.

Namespace names are localized (`Datei:`, `Fichier:`, `ファイル:`), so the link prefixes to drop
come from each dump's `<siteinfo>` plus the aliases MediaWiki accepts without listing them there.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
from typing import Iterable

# Canonical names valid on every wiki, and the names each wiki accepts that `<siteinfo>` does not list:
# its language's aliases, variants and fallbacks, read from MediaWiki's language files by
# tools/mediawiki_namespaces.py into namespace_aliases.json (which says where from).
CANONICAL_DROPPED_NAMESPACES = ("Media", "File", "Image", "Category")
# Names in use on a wiki that MediaWiki's language files do not give (kept from the project's first table).
_SITE_ALIASES = {"zh_classical": ("圖", "類")}


def _read_namespace_aliases() -> dict[str, tuple[str, ...]]:
  with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "namespace_aliases.json"),
            encoding="utf-8") as handle:
    wikis = json.load(handle)["wikis"]
  return {code: (*names, *_SITE_ALIASES.get(code, ())) for code, names in wikis.items()}


NAMESPACE_ALIASES = _read_namespace_aliases()
# Namespace keys whose links are not running text: Media (-2), File (6), Category (14).
DROPPED_NAMESPACE_KEYS = (-2, 6, 14)

# MediaWiki stops expanding templates and parser functions nested deeper than this ($wgMaxPPExpandDepth,
# $wgMaxTemplateDepth): a page nested deeper does not render as text either.
MAX_NESTING_DEPTH = 100

# Markup that must never reach the tokenizer; a line containing any of it is dropped.
MARKUP_RESIDUE = ("{{", "}}", "[[", "]]", "<ref", "{|", "|-")
_RESIDUE = re.compile("|".join(re.escape(marker) for marker in MARKUP_RESIDUE), re.IGNORECASE)

_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
# A tag's attributes end at the next "<" too: an unclosed "<ref" is then scanned only up to the next tag.
# A body is read a run of characters other than "<" at a time, not one character at a time as `.*?` would
# (refs are a fifth of an article's wikitext; 3.5x faster).
_REF = re.compile(r"<ref\b(?:[^<>]*?/>|[^<>]*>[^<]*+(?:<(?!/ref\s*>)[^<]*+)*+(?:</ref\s*>|\Z))", re.IGNORECASE)
# Tags whose content is not prose (formulas, galleries, code, embedded data).
_DROPPED_ELEMENTS = ("math", "chem", "ce", "score", "gallery", "timeline", "syntaxhighlight", "source",
                     "pre", "code", "imagemap", "mapframe", "maplink", "graph", "templatedata",
                     "hiero", "references", "inputbox", "categorytree", "poem", "nowiki", "table")
_DROPPED_ELEMENT = re.compile(
    r"<(%s)\b(?:[^<>]*?/>|[^<>]*>[^<]*+(?:<(?!/\1\s*>)[^<]*+)*+(?:</\1\s*>|\Z))" % "|".join(_DROPPED_ELEMENTS),
    re.IGNORECASE)
# Template parameters ({{{1|default}}}) first, so that their braces do not hide the template around them.
_INNERMOST_TEMPLATE = re.compile(r"\{\{\{[^{}]*+\}\}\}|\{\{[^{}]*+\}\}")
_INNERMOST_TABLE = re.compile(r"\{\|[^{]*?\n[^\S\n]*+\|\}")
_INNERMOST_LINK = re.compile(r"\[\[([^\[\]]*+)\]\]")
# On one line, as MediaWiki reads them: [https://example.org label].
_EXTERNAL_LINK = re.compile(r"\[(?:https?:|ftp:|//)[^\s\[\]]*+[^\S\n]*+([^\[\]\n]*+)\]", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*+\b[^<>]*+>")
_BOLD_ITALIC = re.compile(r"''+")  # Not '{2,}: the literal prefix lets the engine skip ahead (5x faster).
_MAGIC_WORD = re.compile(r"__[A-Z]++__")
_LANGUAGE_PREFIX = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]+)*")
_ASCII_SPACE = " \t\n\r\f\v"
# Lines that only hold what is left of table rows, or are empty list markers.
_LIST_MARKERS = "*#:;"
_TABLE_LINE_STARTS = ("|", "!")


# MediaWiki drops these from titles (editors of right-to-left wikis leave them around link prefixes), and
# reads runs of spaces and underscores as one space.
_BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e]")
_SPACES = re.compile(r"[ _]+")


def _normalize_namespace(name: str) -> str:
  return _SPACES.sub(" ", _BIDI_MARKS.sub("", name)).strip().casefold()


@dataclasses.dataclass(frozen=True)
class WikiSyntax:
  """What a wiki calls the namespaces whose links are dropped (files, media, categories)."""
  dropped_prefixes: frozenset[str]

  @classmethod
  def for_wiki(cls, language: str, namespace_names: Iterable[str] = ()) -> "WikiSyntax":
    names = (*CANONICAL_DROPPED_NAMESPACES, *NAMESPACE_ALIASES.get(language, ()), *namespace_names)
    return cls(frozenset(_normalize_namespace(name) for name in names if name))


@dataclasses.dataclass
class Extracted:
  lines: list[str]
  short_lines: int = 0  # Paragraphs of `min_chars` characters or fewer.
  markup_lines: int = 0  # Paragraphs dropped because markup survived cleaning.
  too_deep: bool = False  # Skipped whole: nested deeper than MAX_NESTING_DEPTH.


class TooDeep(Exception):
  """Cleaning a page took more passes than MAX_NESTING_DEPTH."""


class _Passes:
  """The nesting levels cleaning a page may remove: its templates', tables' and links' depths, summed."""

  def __init__(self, limit: int):
    self.left = limit

  def spend(self) -> None:
    self.left -= 1
    if self.left < 0:
      raise TooDeep


def heading_text(line: str) -> str | None:
  """The text of a `== Heading ==` line, or None. Its level is the shorter run of equals signs; the
  longer run's extra signs are text, as MediaWiki renders them (`==A=` is a level-1 heading "=A")."""
  stripped = line.rstrip()
  leading = len(stripped) - len(stripped.lstrip("="))
  if not leading:
    return None
  if leading == len(stripped):  # Only equals signs: "=" * (2 × level + 1) is a heading "=".
    return None if leading < 2 else "=" * (leading % 2)
  trailing = len(stripped) - len(stripped.rstrip("="))
  if not trailing:
    return None
  level = min(leading, trailing)
  return stripped[level:len(stripped) - level].strip()


def _remove_innermost(pattern: re.Pattern, replacement, text: str, opener: str, passes: _Passes) -> str:
  """Applies `pattern` until nothing changes: each pass removes one level of nesting."""
  while opener in text:
    text, count = pattern.subn(replacement, text)
    if count == 0:
      break
    passes.spend()
  return text


def clean_wikitext(text: str, syntax: WikiSyntax, max_depth: int = MAX_NESTING_DEPTH) -> str:
  """Removes markup, keeping the text a reader sees; paragraphs stay separated by newlines. Raises
  TooDeep once more than `max_depth` levels of templates, tables and links (summed) are removed."""
  passes = _Passes(max_depth)
  if "<" in text:
    text = _COMMENT.sub("", text)
    text = _REF.sub("", text)
    text = _DROPPED_ELEMENT.sub("", text)
  # Templates hold tables and tables hold templates: each pass frees the other, until neither is left.
  while True:
    before = text
    text = _remove_innermost(_INNERMOST_TEMPLATE, "", text, "{{", passes)
    text = _remove_innermost(_INNERMOST_TABLE, "", text, "{|", passes)
    if text == before:
      break

  def link_text(match: re.Match) -> str:
    inner = match.group(1)
    if ":" not in inner:  # Most links: no namespace or language prefix to look up.
      if "|" in inner:
        label = inner.rpartition("|")[2]  # The last part of a non-empty label, as below.
        if label:
          return label
      elif "#" not in inner:
        return inner
    target, _, label = inner.partition("|")
    prefix, colon, rest = target.partition(":")
    if colon and not target.startswith(":"):
      if _normalize_namespace(prefix) in syntax.dropped_prefixes:
        return ""  # Files and categories; their captions are not running text.
      if not label and _LANGUAGE_PREFIX.fullmatch(prefix.strip()):
        return ""  # Interlanguage links ([[de:Artikel]]).
    if label:
      return label.rpartition("|")[2] if "|" in label else label
    return target.lstrip(":").partition("#")[0] or target.lstrip(":#")

  text = _remove_innermost(_INNERMOST_LINK, link_text, text, "[[", passes)
  if "[" in text:
    text = _EXTERNAL_LINK.sub(r"\1", text)
  if "<" in text:
    text = _TAG.sub("", text)
  if "''" in text:
    text = _BOLD_ITALIC.sub("", text)
  if "__" in text:
    text = _MAGIC_WORD.sub("", text)
  if "&" in text:
    text = html.unescape(text)  # &nbsp; -> U+00A0, which LaBSE's vocab keeps inside words.
  return text


def paragraphs(text: str, min_chars: int = 6) -> Extracted:
  """Lines of cleaned wikitext worth tokenizing: headings' text, list items and paragraphs."""
  extracted = Extracted([])
  for line in text.split("\n"):
    line = line.strip(_ASCII_SPACE)
    if not line or line.startswith(_TABLE_LINE_STARTS):
      continue
    if line[0] == "=":
      heading = heading_text(line)
      if heading is not None:
        line = heading
    elif line[0] in _LIST_MARKERS:
      line = line.lstrip(_LIST_MARKERS).strip(_ASCII_SPACE)
    if len(line) < min_chars:
      if line:
        extracted.short_lines += 1
      continue
    if _RESIDUE.search(line):
      extracted.markup_lines += 1
      continue
    extracted.lines.append(line)
  return extracted


def extract(wikitext: str, syntax: WikiSyntax, min_chars: int = 6) -> Extracted:
  """Plain paragraphs of an article's wikitext, each at least `min_chars` characters long; nothing from a
  page nested deeper than `MAX_NESTING_DEPTH` (`too_deep`)."""
  try:
    return paragraphs(clean_wikitext(wikitext, syntax), min_chars)
  except TooDeep:
    return Extracted([], too_deep=True)


def has_markup(line: str) -> bool:
  return _RESIDUE.search(line) is not None
