"""The one table of languages: LaBSE's 109 and every name they go by."""

import glob
import os

import pytest

from pipelines import languages, wikitext
from tests.conftest import SHARED, shared_path

# LaBSE's 109 languages as its model card lists them (ISO 639-1 where there is one).
LABSE_MODEL_CARD = """af am ar as az be bg bn bo bs ca ceb co cs cy da de el en eo es et eu fa fi fr fy ga gd gl gu ha
haw he hi hmn hr ht hu hy id ig is it ja jv ka kk km kn ko ku ky la lb lo lt lv mg mi mk ml mn mr ms mt my ne nl no ny
or pa pl pt ro ru rw si sk sl sm sn so sq sr st su sv sw ta te tg th tk tl tr tt ug uk ur uz vi wo xh yi yo zh zu""".split()


def test_the_table_is_labses_109_languages_plus_classical_chinese():
  assert len(LABSE_MODEL_CARD) == 109
  assert sorted(languages.LABSE_LANGUAGES) == sorted(LABSE_MODEL_CARD)
  assert [code for code in languages.BY_CODE if code not in LABSE_MODEL_CARD] == ["zh_classical"]


@pytest.mark.parametrize("language", languages.LANGUAGES, ids=lambda language: language.code)
def test_every_language_resolves_from_each_of_its_codes(language):
  for name in language.names:
    for spelled in (name, name.upper(), name.replace("_", "-")):
      assert languages.resolve(spelled) is language, spelled


@pytest.mark.parametrize("name, code", [("fr", "fr"), ("fra", "fr"), ("FRE", "fr"), ("cmn", "zh"), ("zho_Hans", "zh"),
                                        ("zho_Hant", "zh"), ("zh-TW", "zh"), ("arb", "ar"), ("lzh", "zh_classical"),
                                        ("zh-classical", "zh_classical"), ("tha", "th"), ("jpn_Jpan", "ja"),
                                        ("nob", "no"), ("nb", "no"), ("pes_Arab", "fa"), ("prs", "fa"), ("zsm", "ms"),
                                        ("swh", "sw"), ("uzn_Latn", "uz"), ("khk", "mn"), ("npi_Deva", "ne"),
                                        ("als", "sq"), ("plt_Latn", "mg"), ("kmr", "ku"), ("lvs", "lv"),
                                        ("ydd_Hebr", "yi"), ("ory", "or"), ("iw", "he"), ("fil", "tl"),
                                        ("viwiki", "vi"), ("cebwiki", "ceb"), ("haw", "haw")])
def test_aliases_resolve_to_wiki_codes(name, code):
  assert languages.resolve(name).code == code


@pytest.mark.parametrize("name", ["nn", "nno", "ckb", "azb", "pnb", "yue", "arz"])
def test_varieties_with_a_wiki_of_their_own_are_not_aliases(name):
  with pytest.raises(languages.UnknownLanguageError):
    languages.resolve(name)


def test_every_flores_file_of_labses_languages_resolves():
  stems = [os.path.basename(path)[:-len(".dev")]
           for path in glob.glob(os.path.join(shared_path(os.path.join(SHARED, "data", "flores200", "dev-labse")),
                                              "*.dev"))]
  assert len(stems) == 105
  resolved = {stem: languages.resolve(stem) for stem in stems}
  assert all(language.labse for language in resolved.values())
  assert sorted(stems) == sorted(stem for language in languages.LANGUAGES for stem in language.flores)
  # The four of LaBSE's 109 that FLORES-200 does not have, and one language (zh) in two scripts.
  assert sorted(set(languages.LABSE_LANGUAGES) - {l.code for l in resolved.values()}) == ["co", "fy", "haw", "hmn",
                                                                                         "la"]


def test_tatoeba_codes_are_lasers_files():
  directory = shared_path(os.path.join(SHARED, "data", "tatoeba", "v1-all"))
  codes = {os.path.basename(path).split(".")[1].split("-")[0] for path in glob.glob(os.path.join(directory, "tatoeba.*"))}
  assert len(codes) == 112
  ours = {language.tatoeba for language in languages.LANGUAGES if language.tatoeba}
  assert ours <= codes and len(ours) == 76  # The other 36 (yue, nno, oci, war ...) are not LaBSE's.


def test_the_default_languages_are_the_originals_fifteen_plus_classical_chinese():
  assert languages.DEFAULT_LANGUAGES == ("en", "fr", "es", "de", "zh", "ar", "zh_classical", "it", "ja", "ko", "nl",
                                         "pl", "pt", "th", "tr", "ru")


def test_language_lists_take_commas_spaces_and_the_labse_group():
  assert languages.resolve_codes("fr,ja") == ("fr", "ja")
  assert languages.resolve_codes("fr, ja  vi") == ("fr", "ja", "vi")
  assert languages.resolve_codes(["fr,fra", "zho_Hant", "cmn"]) == ("fr", "zh")
  everything = languages.resolve_codes("en,labse")
  assert everything[0] == "en" and len(everything) == 109 and "zh_classical" not in everything
  assert languages.names_group("vi,labse") and not languages.names_group("vi,id")


@pytest.mark.parametrize("dbname, code", [("enwiki", "en"), ("zh_classicalwiki", "zh_classical"), ("ptwiki", "pt"),
                                          ("svwiki", "sv"), ("nowiki", "no"), ("cebwiki", "ceb"), ("hawwiki", "haw")])
def test_dbnames(dbname, code):
  assert languages.from_dbname(dbname).code == code


def test_unknown_names_are_clear_errors():
  with pytest.raises(languages.UnknownLanguageError, match="'xx'.*'labse' for all 109"):
    languages.resolve("xx")
  with pytest.raises(languages.UnknownLanguageError, match="did you mean ja"):
    languages.resolve("jp")
  with pytest.raises(languages.UnknownLanguageError, match="dump.xml: dbname 'klingonwiki'"):
    languages.from_dbname("klingonwiki", "dump.xml")
  with pytest.raises(languages.UnknownLanguageError, match="not a Wikipedia dbname"):
    languages.from_dbname("enwiktionary", "dump.xml")


def test_namespace_alias_table_has_every_wiki():
  with_wiki = [language.code for language in languages.LANGUAGES if language.wiki]
  assert len(with_wiki) == 109  # Hmong has none; zh_classical does.
  assert sorted(wikitext.NAMESPACE_ALIASES) == sorted(with_wiki)


@pytest.mark.parametrize("code, names", [
    ("de", {"Datei", "Bild", "Kategorie", "Medium"}),  # Bild: an alias <siteinfo> does not list.
    ("he", {"קובץ", "תמונה", "קטגוריה"}),
    ("hi", {"चित्र", "श्रेणी"}),
    ("sr", {"Датотека", "Слика", "Datoteka", "Kategorija"}),  # Both scripts of the converter.
    ("zh", {"文件", "檔案", "图像", "分类", "分類"}),
    ("no", {"Fil", "Bilde", "Kategori"}),  # nowiki's content language is nb.
    ("ka", {"ფაილი", "სურათი", "კატეგორია"}),
])
def test_namespace_aliases_come_from_mediawikis_language_files(code, names):
  assert names <= set(wikitext.NAMESPACE_ALIASES[code])
