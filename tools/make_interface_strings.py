"""Writes a held-out set of interface strings in the seed's languages from packages' translation catalogs.

    pip download --no-deps django==5.2.19 && python tools/make_interface_strings.py django-5.2.19-py3-none-any.whl
    pip download --no-deps deluge==2.2.0 gramps==6.0.8 trac==1.6 picard==3.0.2 && \
        python tools/make_interface_strings.py --output desktop-strings \
        deluge-2.2.0-py3-none-any.whl gramps-6.0.8-py3-none-any.whl Trac-1.6-py3-none-any.whl picard-3.0.2.tar.gz

A held-out kind of text beside conversation (Tatoeba) and news (FLORES): short technical and
interface strings (buttons, menus, errors, settings, with their placeholders and product names),
each translated by people into many languages. Packages ship their translations as gettext catalogs
(`<lang>.po` sources, `<lang>/LC_MESSAGES/*.mo` compiled; under locale/, po/ or i18n/); this takes
every translated entry (the first plural form; fuzzy and empty entries left out) of the seed's 14
languages besides English, and the English source strings, one distinct string a line, sorted, into
benchmarks/data/<output>/. Each package's license goes beside them (LICENSE.<package>).
"""

from __future__ import annotations

import argparse
import ast
import gettext
import io
import os
import re
import tarfile
import zipfile

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks", "data")
# The seed's languages by the locale names catalogs use, first found first (zh: Simplified, as zhwiki's text
# mostly is; pt: Portugal's, else Brazil's).
LOCALES = {"ar": ("ar",), "de": ("de",), "es": ("es",), "fr": ("fr",), "it": ("it",), "ja": ("ja",), "ko": ("ko",),
           "nl": ("nl",), "pl": ("pl",), "pt": ("pt", "pt_PT", "pt_BR"), "ru": ("ru",), "th": ("th",), "tr": ("tr",),
           "zh": ("zh_Hans", "zh_CN", "zh")}
# <dir>/<locale>.po or <dir>/<locale>/LC_MESSAGES/<domain>.mo, under one of the usual catalog folders.
_CATALOG = re.compile(r"(?:^|/)(?:locale|po|i18n)/(?P<locale>[A-Za-z_]+)(?:\.po|/LC_MESSAGES/[^/]+\.(?:po|mo))$")
_LICENSE = re.compile(r"(?:^|/)(?:LICENSE|LICENCE|COPYING)(?:\.txt|\.md)?$", re.IGNORECASE)
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


def mo_entries(data: bytes) -> list[tuple[str, str]]:
  """(source, translation) of a compiled catalog's entries; plural entries' first form."""
  catalog = gettext.GNUTranslations(io.BytesIO(data))._catalog  # The parsed .mo, as the standard library reads it.
  return [((key if isinstance(key, str) else key[0]).rpartition("\x04")[2], value)  # "context\x04source".
          for key, value in catalog.items() if key and (isinstance(key, str) or key[1] == 0) and value]


def package_files(path: str) -> dict[str, bytes]:
  """The catalogs and license files of a wheel or an sdist, by name."""

  def wanted(name: str) -> bool:
    return bool(_CATALOG.search(name) or _LICENSE.search(name))

  if path.endswith((".whl", ".zip")):
    with zipfile.ZipFile(path) as archive:
      return {name: archive.read(name) for name in archive.namelist() if wanted(name)}
  with tarfile.open(path) as archive:
    return {member.name: archive.extractfile(member).read() for member in archive.getmembers()
            if member.isfile() and wanted(member.name)}


def catalogs_by_language(files: dict[str, bytes]) -> dict[str, list[tuple[str, str]]]:
  """Every (source, translation) per seed language, from the first of its locales the package has."""
  by_locale: dict[str, list[str]] = {}
  for name in sorted(files):
    match = _CATALOG.search(name)
    if match:
      by_locale.setdefault(match.group("locale"), []).append(name)
  entries = {}
  for language, locales in LOCALES.items():
    locale = next((locale for locale in locales if locale in by_locale), None)
    if locale is not None:
      sources = [name for name in by_locale[locale] if name.endswith(".po")]  # Compiled ones only without them.
      entries[language] = [entry for name in sources or by_locale[locale] for entry in (
          mo_entries(files[name]) if name.endswith(".mo") else catalog_entries(files[name].decode("utf-8")))]
  return entries


def main(argv: list[str] | None = None) -> None:
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("packages", nargs="+", help="wheels or sdists holding gettext catalogs")
  parser.add_argument("--output", default="interface-strings", help="the folder under benchmarks/data/")
  parser.add_argument("--min_strings", type=int, default=500,
                      help="leave out a language with fewer strings (too few to measure it on)")
  args = parser.parse_args(argv)
  for path in args.packages:
    if not path.endswith((".whl", ".zip", ".tar.gz")) or not os.path.isfile(path):
      parser.error(f"{path}: expected a wheel or an sdist (.whl, .tar.gz) that exists")
  output = os.path.join(DATA, args.output)
  os.makedirs(output, exist_ok=True)
  strings: dict[str, set[str]] = {language: set() for language in (*LOCALES, "en")}
  for path in args.packages:
    files = package_files(path)
    found = catalogs_by_language(files)
    for language, entries in found.items():
      for source, translation in entries:
        strings[language].add(one_line(translation))
        strings["en"].add(one_line(source))
    package = os.path.basename(path).split("-")[0].lower()
    licenses = sorted(name for name in files if _LICENSE.search(name))
    if not licenses:
      raise SystemExit(f"{path}: no license file found")
    suffix = "" if len(args.packages) == 1 else f".{package}"
    # The package's own: in the wheel's metadata, else the shallowest.
    license_name = min(licenses, key=lambda name: (".dist-info/" not in name, name.count("/"), len(name)))
    with open(os.path.join(output, f"LICENSE{suffix}"), "wb") as handle:
      handle.write(files[license_name])
    print(f"{package}: {', '.join(f'{language} {len(entries):,}' for language, entries in sorted(found.items()))}")
  for language, lines in sorted(strings.items()):
    if len(lines - {""}) >= args.min_strings:
      with open(os.path.join(output, f"{language}.txt"), "w", encoding="utf-8") as handle:
        handle.write("".join(line + "\n" for line in sorted(lines) if line))
  print(", ".join(f"{language}: {len(lines):,}" for language, lines in sorted(strings.items())), "->", output,
        f"(languages with fewer than {args.min_strings:,} left out)")


if __name__ == "__main__":
  main()
