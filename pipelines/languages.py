"""The languages the project knows, with every name a user or a data set may use for them.

One table serves the whole project: LaBSE's 109 languages as its model card lists them, plus
Classical Chinese, the original smaller-LaBSE's 16th wiki. Each language's canonical name is its
Wikipedia code (`en`, `zh_classical`, `ceb`); its dump dbname (`enwiki`), ISO 639-1 and 639-3
codes, common aliases, LASER Tatoeba v1 code (`cmn`) and FLORES-200 codes (`zho_Hans`) all resolve
to it, case-insensitively, with `-` and `_` alike. `--languages labse` names all 109.

Where one LaBSE language is several codes elsewhere, the table takes the variety its Wikipedia is
written in and the evaluation sets use, and lists the others as aliases only when they share that
written standard and that wiki (each such row has a note):
- Chinese (`zh`): zhwiki holds articles in simplified and traditional characters (MediaWiki converts
  on display), so FLORES's `zho_Hans` and `zho_Hant` both resolve to `zh`, and Tatoeba's Mandarin
  `cmn`. Cantonese (`yue`) and Classical Chinese (`zh_classical`) have wikis of their own.
- Norwegian (`no`): nowiki is Bokmål (`nb`, `nob`, FLORES `nob_Latn`). Nynorsk (`nn`) has its own
  wiki and is not one of LaBSE's languages, so it is not an alias.
- Macrolanguages whose Wikipedia is one standard: Malay `ms` (Standard Malay `zsm`), Persian `fa`
  (Iranian Persian `pes`; Dari `prs` shares the standard and the wiki), Swahili `sw` (`swh`),
  Uzbek `uz` (Northern, Latin script, `uzn`), Mongolian `mn` (Halh, Cyrillic, `khk`), Nepali `ne`
  (`npi`), Albanian `sq` (Tosk, the standard, `als`), Malagasy `mg` (Plateau, `plt`), Latvian `lv`
  (`lvs`), Estonian `et` (`ekk`), Yiddish `yi` (Eastern, `ydd`), Odia `or` (`ory`), Arabic `ar`
  (Standard, `arb`), Azerbaijani `az` (North, Latin script, `azj`) and Kurdish `ku` (Kurmanji,
  Latin script, `kmr`). Varieties with a wiki of their own in another standard or script (South
  Azerbaijani `azb`, Sorani `ckb`, Western Punjabi `pnb`, Egyptian Arabic `arz`) are not aliases.
- Hmong (`hmn`) has no Wikipedia (only an Incubator project): give its text with `--text_files`.
"""

from __future__ import annotations

import dataclasses
import difflib
from typing import Iterable

# The name that stands for all of LaBSE's languages in `--languages`.
LABSE = "labse"


@dataclasses.dataclass(frozen=True)
class Language:
  code: str  # The Wikipedia language code: the canonical name everywhere in the project.
  name: str
  aliases: tuple[str, ...]  # ISO 639-1/639-3 codes and other names.
  tatoeba: str | None  # LASER Tatoeba v1 code of the xx side of `tatoeba.xx-eng`, if any.
  flores: tuple[str, ...]  # FLORES-200 file stems, the main one first.
  wiki: bool = True  # Whether the language has a Wikipedia (`<code>wiki` dumps).
  labse: bool = True  # One of LaBSE's 109 languages.
  note: str = ""  # Why several codes name this language, where they do.

  @property
  def dbname(self) -> str | None:
    """The dump's `<siteinfo><dbname>`: `enwiki`, `zh_classicalwiki`."""
    return f"{self.code}wiki" if self.wiki else None

  @property
  def names(self) -> tuple[str, ...]:
    """Every name this language answers to."""
    return tuple(name for name in (self.code, *self.aliases, self.tatoeba, *self.flores, self.dbname) if name)


def _language(code: str, name: str, aliases: str = "", tatoeba: str | None = None, flores: str = "", **fields):
  return Language(code, name, tuple(aliases.split()), tatoeba, tuple(flores.split()), **fields)


_MACRO = "a macrolanguage whose Wikipedia is written in one standard: "
LANGUAGES: tuple[Language, ...] = (
    # The seed's 15 and its 16th wiki first, in the original smaller-LaBSE's order.
    _language("en", "English", "eng", None, "eng_Latn"),
    _language("fr", "French", "fra fre", "fra", "fra_Latn"),
    _language("es", "Spanish", "spa", "spa", "spa_Latn"),
    _language("de", "German", "deu ger", "deu", "deu_Latn"),
    _language("zh", "Chinese", "zho chi cmn zh-hans zh-hant zh-cn zh-tw zh-hk zh-sg", "cmn", "zho_Hans zho_Hant",
              note="zhwiki holds simplified and traditional characters alike (converted on display): FLORES's "
                   "zho_Hans and zho_Hant and Tatoeba's Mandarin (cmn) are all zh"),
    _language("ar", "Arabic", "ara arb", "ara", "arb_Arab", note=_MACRO + "Modern Standard Arabic (arb)"),
    _language("zh_classical", "Classical Chinese", "lzh", None, "", labse=False,
              note="not one of LaBSE's languages: the original smaller-LaBSE's 16th wiki"),
    _language("it", "Italian", "ita", "ita", "ita_Latn"),
    _language("ja", "Japanese", "jpn", "jpn", "jpn_Jpan"),
    _language("ko", "Korean", "kor", "kor", "kor_Hang"),
    _language("nl", "Dutch", "nld dut", "nld", "nld_Latn"),
    _language("pl", "Polish", "pol", "pol", "pol_Latn"),
    _language("pt", "Portuguese", "por", "por", "por_Latn"),
    _language("th", "Thai", "tha", "tha", "tha_Thai"),
    _language("tr", "Turkish", "tur", "tur", "tur_Latn"),
    _language("ru", "Russian", "rus", "rus", "rus_Cyrl"),
    # The rest of LaBSE's 109, by code.
    _language("af", "Afrikaans", "afr", "afr", "afr_Latn"),
    _language("am", "Amharic", "amh", "amh", "amh_Ethi"),
    _language("as", "Assamese", "asm", None, "asm_Beng"),
    _language("az", "Azerbaijani", "aze azj", "aze", "azj_Latn",
              note=_MACRO + "North Azerbaijani in Latin script (azj); South Azerbaijani (azb) has its own wiki"),
    _language("be", "Belarusian", "bel", "bel", "bel_Cyrl"),
    _language("bg", "Bulgarian", "bul", "bul", "bul_Cyrl"),
    _language("bn", "Bengali", "ben bangla", "ben", "ben_Beng"),
    _language("bo", "Tibetan", "bod tib", None, "bod_Tibt"),
    _language("bs", "Bosnian", "bos", "bos", "bos_Latn"),
    _language("ca", "Catalan", "cat", "cat", "cat_Latn"),
    _language("ceb", "Cebuano", "", "ceb", "ceb_Latn"),
    _language("co", "Corsican", "cos"),
    _language("cs", "Czech", "ces cze", "ces", "ces_Latn"),
    _language("cy", "Welsh", "cym wel", "cym", "cym_Latn"),
    _language("da", "Danish", "dan", "dan", "dan_Latn"),
    _language("el", "Greek", "ell gre", "ell", "ell_Grek"),
    _language("eo", "Esperanto", "epo", "epo", "epo_Latn"),
    _language("et", "Estonian", "est ekk", "est", "est_Latn", note=_MACRO + "Standard Estonian (ekk)"),
    _language("eu", "Basque", "eus baq", "eus", "eus_Latn"),
    _language("fa", "Persian", "fas per pes prs prs_Arab farsi dari", "pes", "pes_Arab",
              note=_MACRO + "Iranian Persian (pes); Dari (prs) shares the written standard and the wiki"),
    _language("fi", "Finnish", "fin", "fin", "fin_Latn"),
    _language("fy", "Western Frisian", "fry", "fry"),
    _language("ga", "Irish", "gle", "gle", "gle_Latn"),
    _language("gd", "Scottish Gaelic", "gla", "gla", "gla_Latn"),
    _language("gl", "Galician", "glg", "glg", "glg_Latn"),
    _language("gu", "Gujarati", "guj", None, "guj_Gujr"),
    _language("ha", "Hausa", "hau", None, "hau_Latn"),
    _language("haw", "Hawaiian"),
    _language("he", "Hebrew", "heb iw", "heb", "heb_Hebr"),
    _language("hi", "Hindi", "hin", "hin", "hin_Deva"),
    _language("hmn", "Hmong", "", None, "", wiki=False, note="no Wikipedia (an Incubator project): use --text_files"),
    _language("hr", "Croatian", "hrv", "hrv", "hrv_Latn"),
    _language("ht", "Haitian Creole", "hat", None, "hat_Latn"),
    _language("hu", "Hungarian", "hun", "hun", "hun_Latn"),
    _language("hy", "Armenian", "hye arm", "hye", "hye_Armn"),
    _language("id", "Indonesian", "ind in", "ind", "ind_Latn"),
    _language("ig", "Igbo", "ibo", None, "ibo_Latn"),
    _language("is", "Icelandic", "isl ice", "isl", "isl_Latn"),
    _language("jv", "Javanese", "jav jw", "jav", "jav_Latn"),
    _language("ka", "Georgian", "kat geo", "kat", "kat_Geor"),
    _language("kk", "Kazakh", "kaz", "kaz", "kaz_Cyrl"),
    _language("km", "Khmer", "khm", "khm", "khm_Khmr"),
    _language("kn", "Kannada", "kan", None, "kan_Knda"),
    _language("ku", "Kurdish", "kur kmr", "kur", "kmr_Latn",
              note=_MACRO + "Kurmanji in Latin script (kmr); Sorani (ckb) has its own wiki"),
    _language("ky", "Kyrgyz", "kir", None, "kir_Cyrl"),
    _language("la", "Latin", "lat", "lat"),
    _language("lb", "Luxembourgish", "ltz", None, "ltz_Latn"),
    _language("lo", "Lao", "lao", None, "lao_Laoo"),
    _language("lt", "Lithuanian", "lit", "lit", "lit_Latn"),
    _language("lv", "Latvian", "lav lvs", "lvs", "lvs_Latn", note=_MACRO + "Standard Latvian (lvs)"),
    _language("mg", "Malagasy", "mlg plt", None, "plt_Latn", note=_MACRO + "Plateau Malagasy (plt)"),
    _language("mi", "Maori", "mri mao", None, "mri_Latn"),
    _language("mk", "Macedonian", "mkd mac", "mkd", "mkd_Cyrl"),
    _language("ml", "Malayalam", "mal", "mal", "mal_Mlym"),
    _language("mn", "Mongolian", "mon khk", "mon", "khk_Cyrl", note=_MACRO + "Halh Mongolian in Cyrillic (khk)"),
    _language("mr", "Marathi", "mar", "mar", "mar_Deva"),
    _language("ms", "Malay", "msa may zsm", "zsm", "zsm_Latn", note=_MACRO + "Standard Malay (zsm)"),
    _language("mt", "Maltese", "mlt", None, "mlt_Latn"),
    _language("my", "Burmese", "mya bur", None, "mya_Mymr"),
    _language("ne", "Nepali", "nep npi", None, "npi_Deva", note=_MACRO + "Nepali proper (npi)"),
    _language("no", "Norwegian", "nor nb nob", "nob", "nob_Latn",
              note="nowiki is Bokmål (nb, nob); Nynorsk (nn) has its own wiki and is not one of LaBSE's languages"),
    _language("ny", "Chichewa", "nya", None, "nya_Latn"),
    _language("or", "Odia", "ori ory", None, "ory_Orya", note=_MACRO + "Odia proper (ory)"),
    _language("pa", "Punjabi", "pan", None, "pan_Guru",
              note="Eastern Punjabi in Gurmukhi; Western Punjabi (pnb, Shahmukhi) has its own wiki"),
    _language("ro", "Romanian", "ron rum mo", "ron", "ron_Latn"),
    _language("rw", "Kinyarwanda", "kin", None, "kin_Latn"),
    _language("si", "Sinhala", "sin", None, "sin_Sinh"),
    _language("sk", "Slovak", "slk slo", "slk", "slk_Latn"),
    _language("sl", "Slovenian", "slv", "slv", "slv_Latn"),
    _language("sm", "Samoan", "smo", None, "smo_Latn"),
    _language("sn", "Shona", "sna", None, "sna_Latn"),
    _language("so", "Somali", "som", None, "som_Latn"),
    _language("sq", "Albanian", "sqi alb als", "sqi", "als_Latn", note=_MACRO + "Tosk, the standard (als)"),
    _language("sr", "Serbian", "srp", "srp", "srp_Cyrl",
              note="srwiki holds Cyrillic and Latin script alike (converted on display)"),
    _language("st", "Sesotho", "sot", None, "sot_Latn"),
    _language("su", "Sundanese", "sun", None, "sun_Latn"),
    _language("sv", "Swedish", "swe", "swe", "swe_Latn"),
    _language("sw", "Swahili", "swa swh", "swh", "swh_Latn", note=_MACRO + "Kiswahili (swh)"),
    _language("ta", "Tamil", "tam", "tam", "tam_Taml"),
    _language("te", "Telugu", "tel", "tel", "tel_Telu"),
    _language("tg", "Tajik", "tgk", None, "tgk_Cyrl"),
    _language("tk", "Turkmen", "tuk", "tuk", "tuk_Latn"),
    _language("tl", "Tagalog", "tgl fil", "tgl", "tgl_Latn"),
    _language("tt", "Tatar", "tat", "tat", "tat_Cyrl"),
    _language("ug", "Uyghur", "uig", "uig", "uig_Arab"),
    _language("uk", "Ukrainian", "ukr", "ukr", "ukr_Cyrl"),
    _language("ur", "Urdu", "urd", "urd", "urd_Arab"),
    _language("uz", "Uzbek", "uzb uzn", "uzb", "uzn_Latn", note=_MACRO + "Northern Uzbek in Latin script (uzn)"),
    _language("vi", "Vietnamese", "vie", "vie", "vie_Latn"),
    _language("wo", "Wolof", "wol", None, "wol_Latn"),
    _language("xh", "Xhosa", "xho", "xho", "xho_Latn"),
    _language("yi", "Yiddish", "yid ydd ji", "yid", "ydd_Hebr", note=_MACRO + "Eastern Yiddish (ydd)"),
    _language("yo", "Yoruba", "yor", None, "yor_Latn"),
    _language("zu", "Zulu", "zul", None, "zul_Latn"),
)

# The 15 languages of the original smaller-LaBSE, with zh_classical as its 16th wiki.
DEFAULT_LANGUAGES: tuple[str, ...] = tuple(language.code for language in LANGUAGES[:16])
LABSE_LANGUAGES: tuple[str, ...] = tuple(language.code for language in LANGUAGES if language.labse)
BY_CODE: dict[str, Language] = {language.code: language for language in LANGUAGES}


def _key(name: str) -> str:
  return name.strip().lower().replace("-", "_")


def _index(table: Iterable[Language]) -> dict[str, Language]:
  by_name: dict[str, Language] = {}
  for language in table:
    for name in language.names:
      other = by_name.setdefault(_key(name), language)
      if other is not language:
        raise ValueError(f"the name {name!r} is given to both {other.code} and {language.code}")
  return by_name


_BY_NAME = _index(LANGUAGES)


class UnknownLanguageError(ValueError):
  pass


def resolve(name: str) -> Language:
  """Returns the language for any of its codes or aliases (case-insensitive; `-` and `_` alike)."""
  language = _BY_NAME.get(_key(name))
  if language is None:
    close = difflib.get_close_matches(_key(name), list(_BY_NAME), n=1, cutoff=0.6)
    hint = f"did you mean {_BY_NAME[close[0]].code} ({_BY_NAME[close[0]].name})? " if close else ""
    raise UnknownLanguageError(
        f"unknown language {name!r}; {hint}give one of LaBSE's languages by its Wikipedia, ISO 639-1/639-3, "
        f"Tatoeba or FLORES-200 code ({', '.join(LABSE_LANGUAGES[:8])}, ...), or '{LABSE}' for all "
        f"{len(LABSE_LANGUAGES)}")
  return language


def split_names(text: str | Iterable[str]) -> list[str]:
  """Language names from `--languages`: comma- and/or space-separated, in one string or several."""
  parts = [text] if isinstance(text, str) else list(text)
  return [name for part in parts for name in part.replace(",", " ").split()]


def resolve_codes(names: str | Iterable[str]) -> tuple[str, ...]:
  """Canonical codes for `--languages` names, in the given order, without repeats; `labse` is all 109."""
  codes: list[str] = []
  for name in split_names(names):
    for code in (LABSE_LANGUAGES if _key(name) == LABSE else (resolve(name).code,)):
      if code not in codes:
        codes.append(code)
  return tuple(codes)


def names_group(names: str | Iterable[str]) -> bool:
  """Whether `--languages` names a group (`labse`), whose members need not all be present."""
  return any(_key(name) == LABSE for name in split_names(names))


def from_dbname(dbname: str, source: str = "") -> Language:
  """Language of a dump from its `<siteinfo><dbname>` (`enwiki` -> en, `zh_classicalwiki` -> zh_classical)."""
  if not dbname.endswith("wiki"):
    raise UnknownLanguageError(f"{source or 'dump'}: dbname {dbname!r} is not a Wikipedia dbname (expected e.g. 'enwiki')")
  language = BY_CODE.get(dbname[: -len("wiki")])
  if language is None:
    raise UnknownLanguageError(
        f"{source or 'dump'}: dbname {dbname!r} names a wiki whose language is not one of LaBSE's "
        f"{len(LABSE_LANGUAGES)} (nor zh_classical); the project counts text LaBSE was trained on")
  return language


def main(argv: list[str] | None = None, prog: str | None = None) -> None:
  """`smaller-labse languages [NAMES]`: the table, or `--wikis NAMES`: the wiki codes, for scripts."""
  import sys
  from pipelines import cli
  parser = cli.ArgumentParser(prog=prog or cli.prog("pipelines.languages"), description=main.__doc__)
  parser.add_argument("names", nargs="*", help="languages, separated by commas or spaces ('labse': all 109)")
  parser.add_argument("--wikis", action="store_true",
                      help="print the Wikipedia codes of the named languages that have a Wikipedia, one a line")
  args = parser.parse_args(argv)
  try:
    chosen = [BY_CODE[code] for code in resolve_codes(args.names)] if args.names else list(LANGUAGES)
  except UnknownLanguageError as error:
    parser.exit(2, f"{parser.prog}: error: {error}\n")
  if args.wikis:
    for language in chosen:
      if language.wiki:
        print(language.code)
      else:
        print(f"{language.code} ({language.name}): {language.note}", file=sys.stderr)
    return
  print("| code | language | wiki | ISO and other names | Tatoeba | FLORES-200 | note |")
  print("| --- | --- | --- | --- | --- | --- | --- |")
  for language in chosen:
    print(f"| {language.code} | {language.name} | {language.dbname or '-'} | {' '.join(language.aliases)} | "
          f"{language.tatoeba or '-'} | {' '.join(language.flores) or '-'} | {language.note} |")


if __name__ == "__main__":
  main()
