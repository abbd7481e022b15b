"""The languages the project knows, with every alias a user or a data set may use.

One table serves the whole project: dump dbnames (`enwiki`, `zh_classicalwiki`), ISO 639-1 and
639-3 codes, Tatoeba's codes (`cmn`) and FLORES-200's (`zho_Hans`) all resolve to one wiki code.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Language:
  code: str  # The Wikipedia language code: the canonical name everywhere in the project.
  name: str
  aliases: tuple[str, ...]  # ISO 639-1/639-3 codes and other names, lower case.
  tatoeba: str | None  # LASER Tatoeba v1 code of the xx side of `tatoeba.xx-eng`, if any.
  flores: str | None  # FLORES-200 file stem.


LANGUAGES: tuple[Language, ...] = (
    Language("en", "English", ("eng",), None, "eng_Latn"),
    Language("fr", "French", ("fra", "fre"), "fra", "fra_Latn"),
    Language("es", "Spanish", ("spa",), "spa", "spa_Latn"),
    Language("de", "German", ("deu", "ger"), "deu", "deu_Latn"),
    Language("zh", "Chinese", ("zho", "chi", "cmn", "zh_hans", "zho_hans"), "cmn", "zho_Hans"),
    Language("ar", "Arabic", ("ara", "arb", "arb_arab"), "ara", "arb_Arab"),
    Language("zh_classical", "Classical Chinese", ("lzh", "zh-classical"), None, None),
    Language("it", "Italian", ("ita",), "ita", "ita_Latn"),
    Language("ja", "Japanese", ("jpn",), "jpn", "jpn_Jpan"),
    Language("ko", "Korean", ("kor",), "kor", "kor_Hang"),
    Language("nl", "Dutch", ("nld", "dut"), "nld", "nld_Latn"),
    Language("pl", "Polish", ("pol",), "pol", "pol_Latn"),
    Language("pt", "Portuguese", ("por",), "por", "por_Latn"),
    Language("th", "Thai", ("tha",), "tha", "tha_Thai"),
    Language("tr", "Turkish", ("tur",), "tur", "tur_Latn"),
    Language("ru", "Russian", ("rus",), "rus", "rus_Cyrl"),
)

# The 15 languages of the original smaller-LaBSE, with zh_classical as its 16th wiki.
DEFAULT_LANGUAGES: tuple[str, ...] = tuple(language.code for language in LANGUAGES)

_BY_NAME: dict[str, Language] = {}
for _language in LANGUAGES:
  for _name in (_language.code, *_language.aliases, _language.tatoeba, _language.flores):
    if _name:
      _BY_NAME[_name.lower()] = _language


class UnknownLanguageError(ValueError):
  pass


def resolve(name: str) -> Language:
  """Returns the language for any of its codes or aliases (case-insensitive)."""
  language = _BY_NAME.get(name.strip().lower())
  if language is None:
    known = ", ".join(DEFAULT_LANGUAGES)
    raise UnknownLanguageError(f"unknown language {name!r}; known languages: {known} (or their ISO 639-1/639-3 codes)")
  return language


def resolve_codes(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
  """Canonical codes for a list of names, in the given order, without repeats."""
  codes: list[str] = []
  for name in names:
    code = resolve(name).code
    if code not in codes:
      codes.append(code)
  return tuple(codes)


def from_dbname(dbname: str, source: str = "") -> Language:
  """Language of a dump from its `<siteinfo><dbname>` (`enwiki` -> en, `zh_classicalwiki` -> zh_classical)."""
  if not dbname.endswith("wiki"):
    raise UnknownLanguageError(f"{source or 'dump'}: dbname {dbname!r} is not a Wikipedia dbname (expected e.g. 'enwiki')")
  try:
    return resolve(dbname[: -len("wiki")])
  except UnknownLanguageError:
    raise UnknownLanguageError(
        f"{source or 'dump'}: dbname {dbname!r} names a wiki whose language this project does not know; "
        f"known: {', '.join(code + 'wiki' for code in DEFAULT_LANGUAGES)}") from None
