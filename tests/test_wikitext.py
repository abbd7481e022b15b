"""Wikitext extraction: hand-written cases for each construct, and the real enwiki excerpt."""

import bz2
import random
import re
import time
import xml.etree.ElementTree as ET

import pytest

from benchmarks.crafted_pages import MEDIAWIKI_PAGE_LIMIT, crafted_pages
from pipelines import wikitext
from tests.conftest import ENWIKI_EXCERPT, shared_path

EN = wikitext.WikiSyntax.for_wiki("en", ["Media", "File", "Category"])
DE = wikitext.WikiSyntax.for_wiki("de", ["Medium", "Datei", "Kategorie"])


def lines(text, syntax=EN, min_chars=1):
  return wikitext.extract(text, syntax, min_chars).lines


def test_links_keep_their_label_or_target():
  assert lines("A [[tower]] and [[lens (optics)|lenses]] and [[tower]]s.") == ["A tower and lenses and towers."]
  assert lines("See [[Anarchism in Italy#Postwar years|anarchist]] and [[#Notes]].") == ["See anarchist and Notes."]


def rendered_link(inner: str, syntax: wikitext.WikiSyntax) -> str:
  """What a reader sees of [[inner]], written out case by case as MediaWiki renders it."""
  target, _, label = inner.partition("|")
  prefix, colon, _ = target.partition(":")
  if colon and not target.startswith(":"):
    if " ".join(prefix.replace("_", " ").split()).casefold() in syntax.dropped_prefixes:
      return ""  # A file or category.
    if not label and re.fullmatch(r"[a-z]{2,3}(?:-[a-z0-9]+)*", prefix.strip()):
      return ""  # An interlanguage link.
  if label:
    return label.split("|")[-1]  # A file caption's last part; the pipe trick's empty label is not a label.
  return target.lstrip(":").split("#")[0] or target.lstrip(":#")  # A section link alone shows its section.


def test_every_shape_of_link_renders_as_mediawiki_shows_it():
  rng = random.Random(11)
  parts = ["a", "B c", "de", "File", "category", ":", "|", "#", " ", "_", "x-1"]
  for _ in range(3000):
    inner = "".join(rng.choice(parts) for _ in range(rng.randint(0, 6)))
    assert wikitext.clean_wikitext(f"[[{inner}]]", EN) == rendered_link(inner, EN), inner


def test_nested_templates_and_template_parameters_are_removed():
  text = "Mount {{convert|3776|m|ft|{{#if:{{{x|}}}|0|1}}}} high.{{Infobox|a={{b|{{c}}}}}}"
  assert lines(text) == ["Mount  high."]


def test_refs_comments_and_dropped_elements_go():
  text = ('Bees<ref name="a">{{cite book|title=X}}</ref> fly<ref name="a" />.<!-- hidden [[x]] -->'
          ' Formula <math>\\#</math> here.<gallery>\nFile:A.jpg|caption\n</gallery>')
  assert lines(text) == ["Bees fly. Formula  here."]


def test_files_and_categories_go_in_localized_and_canonical_names_with_nested_captions():
  text = ("[[Datei:Leuchtturm.jpg|mini|Der [[Leuchtturm]] von [[Kap Arkona|Arkona]]]]Text bleibt.\n"
          "[[Bild:Alt.png|links]][[Kategorie:Leuchtturm]][[Category:Lighthouses]][[File:x.jpg]]\n"
          "[[:Kategorie:Liste]] wird angezeigt.")
  assert lines(text, DE) == ["Text bleibt.", "Kategorie:Liste wird angezeigt."]


def test_prefixes_are_read_as_mediawiki_reads_titles():
  """Bidi marks around a right-to-left prefix, runs of spaces and underscores, any case: still a file link."""
  he = wikitext.WikiSyntax.for_wiki("he", ["מדיה", "קובץ", "קטגוריה"])
  text = ("[[\u200fקובץ\u200f:Map.png|ממוזער|כיתוב]]טקסט נשאר.\n"
          "[[תמונה :X.jpg|כיתוב]][[ CATEGORY_ :Y]][[category:z]][[Category__Talk:z]]עוד טקסט.")
  assert lines(text, he) == ["טקסט נשאר.", "Category__Talk:zעוד טקסט."]  # A talk page link is text.


def test_interlanguage_links_go_but_interwiki_labels_stay():
  assert lines("Text.\n[[de:Leuchtturm]]\n[[fr:Phare]]\nA [[wikt:beacon|beacon]].") == ["Text.", "A beacon."]


def test_tables_nested_and_plain_go():
  text = "Before.\n{| class=\"wikitable\"\n|-\n| a || {|\n| inner\n|}\n|-\n| b\n|}\nAfter."
  assert lines(text) == ["Before.", "After."]


def test_external_links_keep_their_label():
  assert lines("Visit [https://example.org the site] or [http://x.org].") == ["Visit the site or ."]


def test_headings_lists_and_formatting():
  text = "== History ==\n* '''Light''' source\n# ''Optics''\n; Term : definition\n__TOC__"
  assert lines(text) == ["History", "Light source", "Optics", "Term : definition"]


def test_entities_become_characters_that_matter_to_the_tokenizer():
  assert lines("100&nbsp;km&#8239;! &amp; A&lt;B") == ["100\u00a0km\u202f! & A<B"]


def test_short_lines_and_residue_are_counted_not_passed_on():
  extracted = wikitext.extract("Short\nA line long enough.\nBroken {{template here\n", EN, min_chars=6)
  assert extracted.lines == ["A line long enough."]
  assert extracted.short_lines == 1
  assert extracted.markup_lines == 1


def test_a_paragraph_of_exactly_min_chars_characters_is_kept():
  # "Abeja" is 5 characters, "Abejas" 6, "日本語です。" 6 (characters, not bytes); ASCII spaces around do not count.
  extracted = wikitext.extract("Abeja\n  Abejas  \n日本語です。\n日本語です", EN, min_chars=6)
  assert extracted.lines == ["Abejas", "日本語です。"] and extracted.short_lines == 2
  assert wikitext.extract("Abeja", EN, min_chars=5).lines == ["Abeja"]


@pytest.fixture(scope="module")
def enwiki_articles():
  with open(shared_path(ENWIKI_EXCERPT), "rb") as handle:
    root = ET.fromstring(bz2.decompress(handle.read()))
  articles = []
  for page in root.findall("{*}page"):
    if page.findtext("{*}ns") == "0" and page.find("{*}redirect") is None:
      articles.append(page.findtext("{*}revision/{*}text") or "")
  return articles


@pytest.mark.shared
def test_real_enwiki_excerpt_has_under_half_a_percent_markup_residue(enwiki_articles):
  extracted = [wikitext.extract(text, EN) for text in enwiki_articles]
  kept = sum(len(e.lines) for e in extracted)
  residue = sum(e.markup_lines for e in extracted)
  assert len(enwiki_articles) == 106
  assert kept == 11_308  # Lines of more than 5 characters.
  assert residue / (kept + residue) < 0.005
  assert not any(wikitext.has_markup(line) for e in extracted for line in e.lines)


@pytest.mark.parametrize("nest", [
    lambda depth: "{{a|" * depth + "x" + "}}" * depth,
    lambda depth: "[[File:a.png|" * depth + "x" + "]]" * depth,
    lambda depth: "{|\n" * depth + "x" + "\n|}" * depth,
    # Templates in tables alternate: each level of either is one pass.
    lambda depth: "{{a|\n{|\n" * (depth // 2) + "{{a|" * (depth % 2) + "x" + "}}" * (depth % 2) + "\n|}\n}}" * (depth // 2),
    # Depths of separate nests add up: one pass per level of each.
    lambda depth: "{{a|" * (depth // 2) + "x" + "}}" * (depth // 2) + " " + "[[a|" * (depth - depth // 2) + "y"
    + "]]" * (depth - depth // 2)])
def test_a_page_is_skipped_only_past_mediawikis_nesting_limit(nest):
  page = "Lighthouses guide ships. {text} And bees make honey."
  assert wikitext.extract(page.format(text=nest(100)), EN).too_deep is False
  assert wikitext.extract(page.format(text=nest(101)), EN) == wikitext.Extracted([], too_deep=True)
  # Unclosed openers and stray closers cost no pass, however many.
  assert not wikitext.extract(page.format(text="{{a " * 500 + "]]" * 500), EN).too_deep


def test_a_page_nested_past_mediawikis_limit_is_skipped_whole():
  at_limit = "{{a|" * 100 + "x" + "}}" * 100 + " Lighthouses guide ships."
  assert wikitext.extract(at_limit, EN) == wikitext.Extracted([" Lighthouses guide ships.".strip()])
  past = "{{a|" * 101 + "x" + "}}" * 101 + " Lighthouses guide ships."
  assert wikitext.extract(past, EN) == wikitext.Extracted([], too_deep=True)


@pytest.mark.parametrize("line, text", [
    ("== History ==", "History"), ("==History==  ", "History"), ("=== A ==", "= A"), ("==A===", "A="),
    ("= = =", "="), ("=====", "="), ("====", ""), ("=a", None), ("a ==", None), ("=", None)])
def test_headings_take_the_shorter_run_of_equals_signs_as_their_level(line, text):
  assert wikitext.heading_text(line) == text


def test_crafted_pages_at_the_page_size_limit_take_seconds_not_hours():
  """Each shape took minutes to hours at 2 MB when a pass per nesting level or a backtracking pattern
  scanned the page again (a 220 KB page of nested file links: 48 s); now about a second at most."""
  for name, page in crafted_pages(MEDIAWIKI_PAGE_LIMIT):
    start = time.perf_counter()
    extracted = wikitext.extract(page, EN)
    seconds = time.perf_counter() - start
    assert seconds < 15, (name, seconds)  # Linear: under 1 s here; the bound leaves room for a loaded machine.
    assert extracted.too_deep == name.endswith("one nest"), name
    assert not any(wikitext.has_markup(line) for line in extracted.lines), name
