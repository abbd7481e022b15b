"""The one table of languages and aliases."""

import pytest

from pipelines import languages


@pytest.mark.parametrize("name, code", [("fr", "fr"), ("fra", "fr"), ("FRE", "fr"), ("cmn", "zh"), ("zho_Hans", "zh"),
                                        ("arb", "ar"), ("lzh", "zh_classical"), ("zh-classical", "zh_classical"),
                                        ("tha", "th"), ("jpn_Jpan", "ja")])
def test_aliases_resolve_to_wiki_codes(name, code):
  assert languages.resolve(name).code == code


def test_the_default_languages_are_the_originals_fifteen_plus_classical_chinese():
  assert languages.DEFAULT_LANGUAGES == ("en", "fr", "es", "de", "zh", "ar", "zh_classical", "it", "ja", "ko", "nl",
                                         "pl", "pt", "th", "tr", "ru")


@pytest.mark.parametrize("dbname, code", [("enwiki", "en"), ("zh_classicalwiki", "zh_classical"), ("ptwiki", "pt")])
def test_dbnames(dbname, code):
  assert languages.from_dbname(dbname).code == code


def test_unknown_names_are_clear_errors():
  with pytest.raises(languages.UnknownLanguageError, match="'xx'.*known languages"):
    languages.resolve("xx")
  with pytest.raises(languages.UnknownLanguageError, match="dump.xml: dbname 'svwiki'"):
    languages.from_dbname("svwiki", "dump.xml")
  with pytest.raises(languages.UnknownLanguageError, match="not a Wikipedia dbname"):
    languages.from_dbname("enwiktionary", "dump.xml")
