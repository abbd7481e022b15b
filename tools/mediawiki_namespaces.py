"""Writes `pipelines/namespace_aliases.json`: every name each LaBSE wiki accepts for the namespaces whose
links text extraction drops (Media, File, Category), read from MediaWiki's own language files.

    python tools/mediawiki_namespaces.py MEDIAWIKI_CHECKOUT [--output pipelines/namespace_aliases.json]

A dump's `<siteinfo>` lists each namespace's one local name, but MediaWiki accepts more: the aliases
in `languages/messages/Messages<Code>.php` (`$namespaceAliases`, e.g. German `Bild` for File), the
names and aliases of the language's fallbacks (`$fallback`), and those of its script variants
(`zh-hans`/`zh-hant`, `sr-ec`/`sr-el`, `kk-cyrl`/`kk-latn` ...), which the language converter accepts
on the wiki. Taking them all may include a name a wiki does not accept (a fallback's), which only
drops a link to a main-namespace page of that odd title; leaving one out lets a file's caption or a
category's name into the text.

The wiki's content language is its code, except nowiki (`nb`) and zh_classicalwiki (`lzh`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from pipelines import languages  # noqa: E402

DEFAULT_OUTPUT = os.path.join(os.path.dirname(HERE), "pipelines", "namespace_aliases.json")
CONTENT_LANGUAGE = {"no": "nb", "zh_classical": "lzh"}  # Wikis whose content language is not their code.
# MediaWiki's constants for the namespaces whose links are not running text (NS_IMAGE is NS_FILE's old name).
DROPPED = {"NS_MEDIA": -2, "NS_FILE": 6, "NS_IMAGE": 6, "NS_CATEGORY": 14}
_STRING = r"""(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")"""
_NAME = re.compile(r"\b(NS_MEDIA|NS_FILE|NS_IMAGE|NS_CATEGORY)\s*=>\s*" + _STRING)
_ALIAS = re.compile(_STRING + r"\s*=>\s*(NS_MEDIA|NS_FILE|NS_IMAGE|NS_CATEGORY)\b")
_FALLBACK = re.compile(r"^\$fallback\s*=\s*" + _STRING, re.MULTILINE)


def _unescape(single: str | None, double: str | None) -> str:
  text = single if single is not None else double
  return re.sub(r"\\(.)", r"\1", text)


def messages_file(directory: str, code: str) -> str:
  """`zh-hant` -> MessagesZh_hant.php."""
  return os.path.join(directory, "Messages" + code.replace("-", "_").capitalize() + ".php")


def read_language(directory: str, code: str) -> tuple[list[str], list[str]]:
  """(names of the dropped namespaces, the language's fallback codes) from one language file."""
  path = messages_file(directory, code)
  if not os.path.exists(path):
    return [], []
  with open(path, encoding="utf-8") as handle:
    text = handle.read()
  names = [_unescape(match.group(2), match.group(3)) for match in _NAME.finditer(text)]
  names += [_unescape(match.group(1), match.group(2)) for match in _ALIAS.finditer(text)]
  fallback = _FALLBACK.search(text)
  fallbacks = [code.strip() for code in _unescape(fallback.group(1), fallback.group(2)).split(",")] if fallback else []
  return names, fallbacks


def variants(directory: str, code: str) -> list[str]:
  """The language's script and regional variants that have a file (`zh` -> zh-hans, zh-hant, zh-tw ...)."""
  prefix = "Messages" + code.capitalize() + "_"
  return sorted(name[len("Messages"):-len(".php")].lower().replace("_", "-") for name in os.listdir(directory)
                if name.startswith(prefix) and name.endswith(".php"))


def accepted_names(directory: str, code: str) -> list[str]:
  """Every name `code`'s wiki accepts for Media, File and Category: its own, its variants', its fallbacks'."""
  names: list[str] = []
  seen, pending = set(), [code, *variants(directory, code)]
  while pending:
    current = pending.pop(0)
    if current in seen:
      continue
    seen.add(current)
    found, fallbacks = read_language(directory, current)
    for name in found:
      if name not in names:
        names.append(name)
    pending += fallbacks
  return names


def mediawiki_version(checkout: str) -> str:
  try:
    described = subprocess.run(["git", "-C", checkout, "describe", "--tags", "--always"], capture_output=True,
                               text=True, check=True).stdout.strip()
  except (OSError, subprocess.CalledProcessError):
    described = ""
  defines = os.path.join(checkout, "includes", "Defines.php")
  version = ""
  if os.path.exists(defines):
    with open(defines, encoding="utf-8") as handle:
      match = re.search(r"MW_VERSION'?,\s*'([^']+)'", handle.read())
      version = match.group(1) if match else ""
  return version or described or "unknown"


def main(argv: list[str]) -> None:
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("mediawiki", help="a MediaWiki checkout or release (holds languages/messages/)")
  parser.add_argument("--output", default=DEFAULT_OUTPUT)
  args = parser.parse_args(argv)
  directory = os.path.join(args.mediawiki, "languages", "messages")
  if not os.path.isdir(directory):
    parser.exit(2, f"{parser.prog}: error: {directory}: no such directory (give a MediaWiki checkout)\n")
  wikis = {}
  for language in languages.LANGUAGES:
    if language.wiki:
      wikis[language.code] = accepted_names(directory, CONTENT_LANGUAGE.get(language.code, language.code))
  table = {
      "source": f"MediaWiki {mediawiki_version(args.mediawiki)}, languages/messages/Messages<Code>.php: "
                "$namespaceNames and $namespaceAliases for NS_MEDIA, NS_FILE and NS_CATEGORY of each wiki's "
                "content language, its variants and its fallbacks (tools/mediawiki_namespaces.py)",
      "licence": "MediaWiki's language files are GPL-2.0-or-later; these are the names alone",
      "wikis": wikis,
  }
  with open(args.output + ".tmp", "w", encoding="utf-8") as handle:
    handle.write(json.dumps(table, ensure_ascii=False, indent=1) + "\n")
  os.replace(args.output + ".tmp", args.output)
  empty = [code for code, names in wikis.items() if not names]
  print(f"wrote {args.output}: {len(wikis)} wikis, {sum(map(len, wikis.values()))} names; "
        f"only the canonical English names for: {', '.join(empty) or 'none'}")


if __name__ == "__main__":
  main(sys.argv[1:])
