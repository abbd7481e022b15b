"""Writes benchmarks/data/interface-strings/: a web framework's interface strings in the seed's languages.

    pip download --no-deps django==5.2.19 && python tools/make_interface_strings.py django-5.2.19-py3-none-any.whl

A held-out set of a third kind of text, beside conversation (Tatoeba) and news (FLORES): short
technical and interface strings (buttons, form errors, admin messages with their placeholders and
product names), each translated by people into many languages. Django ships its translations as
gettext catalogs (`locale/<lang>/LC_MESSAGES/*.po`); this takes every translated entry (the first
plural form; fuzzy and empty entries left out) of the seed's 14 languages besides English, and the
English source strings, one distinct string a line, sorted. Django and its translations are under
the BSD 3-clause license (LICENSE in the folder, from the wheel).
"""

from __future__ import annotations

import ast
import os
import re
import sys
import zipfile

OUTPUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks", "data",
                      "interface-strings")
# The seed's languages by Django's locale names (zh: Simplified, as zhwiki's text mostly is).
LOCALES = {"ar": "ar", "de": "de", "es": "es", "fr": "fr", "it": "it", "ja": "ja", "ko": "ko", "nl": "nl", "pl": "pl",
           "pt": "pt", "ru": "ru", "th": "th", "tr": "tr", "zh": "zh_Hans"}
_KEYWORD = re.compile(r'(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(".*")$')


def catalog_entries(text: str) -> list[tuple[str, str]]:
  """(source, translation) of a .po catalog's translated, non-fuzzy entries; plural entries' first form."""
  entries, fields, key, fuzzy = [], {}, None, False

  def finish() -> None:
    if fields.get("msgid") and fields.get("msgstr") and not fuzzy:
      entries.append((fields["msgid"], fields["msgstr"]))

  for line in text.split("\n") + [""]:
    line = line.strip()
    if not line:
      finish()
      fields, key, fuzzy = {}, None, False
    elif line.startswith("#"):
      fuzzy = fuzzy or (line.startswith("#,") and "fuzzy" in line)
    elif match := _KEYWORD.match(line):
      name = "msgstr" if match.group(1) == "msgstr[0]" else match.group(1)
      key = name if not name.startswith("msgstr[") else None
      if key:
        fields[key] = ast.literal_eval(match.group(2))
    elif line.startswith('"') and key:
      fields[key] += ast.literal_eval(line)
  return entries


def one_line(text: str) -> str:
  """Line breaks and tabs as spaces; every other character kept (French puts U+202F before '?' and '!', which
  `str.split` would take for a space)."""
  return re.sub(r"[\n\r\t]+", " ", text).strip(" ")


def main(wheel: str) -> None:
  os.makedirs(OUTPUT, exist_ok=True)
  sources: set[str] = set()
  with zipfile.ZipFile(wheel) as archive:
    names = archive.namelist()
    for language, locale in sorted(LOCALES.items()):
      strings = set()
      for name in sorted(n for n in names if f"/locale/{locale}/LC_MESSAGES/" in n and n.endswith(".po")):
        for source, translation in catalog_entries(archive.read(name).decode("utf-8")):
          strings.add(one_line(translation))
          sources.add(one_line(source))
      with open(os.path.join(OUTPUT, f"{language}.txt"), "w", encoding="utf-8") as handle:
        handle.write("".join(line + "\n" for line in sorted(strings) if line))
      print(f"{language}: {len(strings):,} strings")
    license_name = next(n for n in names if n.endswith("licenses/LICENSE") or n.endswith(".dist-info/LICENSE"))
    with open(os.path.join(OUTPUT, "LICENSE"), "wb") as handle:
      handle.write(archive.read(license_name))
  with open(os.path.join(OUTPUT, "en.txt"), "w", encoding="utf-8") as handle:
    handle.write("".join(line + "\n" for line in sorted(sources) if line))
  print(f"en: {len(sources):,} strings -> {OUTPUT}")


if __name__ == "__main__":
  main(sys.argv[1])
