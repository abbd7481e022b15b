"""Evaluation: Tatoeba scoring on hand-built embeddings, file errors, the fixture against its smaller
export, and tokenization preservation against the published numbers."""

import json
import os

import numpy as np
import pytest

from evaluation import preservation, tatoeba
from pipelines.sampling import Sample
from tests.conftest import FIXTURE, ROOT, TATOEBA, shared_path

SEEN_VOCAB = os.path.join(os.path.dirname(TATOEBA), "..", "labse", "labse-seen-vocab.txt")
PUBLISHED_VOCAB = os.path.join(os.path.dirname(TATOEBA), "..", "labse", "smaller-labse-15lang-vocab.txt")


def unit(*rows):
  matrix = np.array(rows, float)
  return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def test_retrieval_scores_both_directions_on_known_embeddings():
  en = unit([1, 0, 0], [0, 1, 0], [0, 0, 1])
  # Language A: perfect translations. B: xx[2] lies nearest en[1], so xx->en misses one; en[1] still finds
  # xx[1] (0.98 > 0.8), and en[2] finds xx[2]. C: xx[0] and xx[1] swapped: both directions miss two.
  languages = {"A": en.copy(), "B": unit([1, 0, 0], [0, 1, 0.2], [0, 0.8, 0.6]), "C": en[[1, 0, 2]]}
  found = {name: tatoeba.retrieval(xx, en) for name, xx in languages.items()}
  assert found["A"]["xx→en"]["accuracy"] == found["A"]["en→xx"]["accuracy"] == 100.0
  assert found["B"]["xx→en"]["neighbours"].tolist() == [0, 1, 1]
  assert found["B"]["en→xx"]["neighbours"].tolist() == [0, 1, 2]
  assert found["B"]["xx→en"]["accuracy"] == pytest.approx(200 / 3) and found["B"]["en→xx"]["accuracy"] == 100.0
  assert found["C"]["xx→en"]["neighbours"].tolist() == found["C"]["en→xx"]["neighbours"].tolist() == [1, 0, 2]
  assert found["C"]["xx→en"]["accuracy"] == pytest.approx(100 / 3)


def test_results_table_has_a_row_per_model_and_direction_and_deltas():
  accuracy = {"orig": {"en→xx": {"fr": 90.0, "th": 80.0, "avg": 85.0}, "xx→en": {"fr": 91.0, "th": 82.0, "avg": 86.5}},
              "small": {"en→xx": {"fr": 89.5, "th": 80.0, "avg": 84.75}, "xx→en": {"fr": 91.0, "th": 83.0, "avg": 87.0}}}
  differences = tatoeba.deltas(accuracy)
  assert differences == {"small − orig": {"en→xx": {"fr": -0.5, "th": 0.0, "avg": -0.25},
                                          "xx→en": {"fr": 0.0, "th": 1.0, "avg": 0.5}}}
  table = tatoeba.results_markdown(accuracy, differences, {"fr": 1000, "th": 548}).splitlines()
  assert table[0] == "| Model | fr | th | avg |"
  assert table[2] == "| orig(en→xx) | 90.00 | 80.00 | 85.00 |"
  assert table[6] == "| small − orig(en→xx) | -0.50 | +0.00 | -0.25 |"


def write_pair(directory, code, xx_lines, en_lines):
  (directory / f"tatoeba.{code}-eng.{code}").write_text("".join(line + "\n" for line in xx_lines), encoding="utf-8")
  (directory / f"tatoeba.{code}-eng.eng").write_text("".join(line + "\n" for line in en_lines), encoding="utf-8")


def test_tatoeba_files_of_different_lengths_empty_or_unknown_language_are_errors(tmp_path, capsys):
  write_pair(tmp_path, "fra", ["Un.", "Deux."], ["One."])
  with pytest.raises(tatoeba.TatoebaError, match=r"tatoeba.fra-eng.fra has 2 lines but .*tatoeba.fra-eng.eng has 1"):
    tatoeba.read_pair(str(tmp_path), "fr")
  write_pair(tmp_path, "deu", [], [])
  with pytest.raises(tatoeba.TatoebaError, match=r"tatoeba.deu-eng.deu: empty file"):
    tatoeba.read_pair(str(tmp_path), "deu")
  with pytest.raises(tatoeba.TatoebaError, match=r"tatoeba.spa-eng.spa: no such file"):
    tatoeba.read_pair(str(tmp_path), "es")
  from pipelines.languages import UnknownLanguageError
  with pytest.raises(UnknownLanguageError, match="'xyz'"):
    tatoeba.read_pair(str(tmp_path), "xyz")
  with pytest.raises(SystemExit) as exit_:
    tatoeba.main(["--data", str(tmp_path), "--model", "a=x,y", "--languages", "xyz", "--output", str(tmp_path / "out")])
  assert exit_.value.code == 2 and "unknown language 'xyz'" in capsys.readouterr().err
  (tmp_path / "tatoeba.ita-eng.ita").write_bytes(b"caf\xe9\n")
  (tmp_path / "tatoeba.ita-eng.eng").write_bytes(b"cafe\n")
  with pytest.raises(tatoeba.TatoebaError, match=r"tatoeba.ita-eng.ita: not UTF-8"):
    tatoeba.read_pair(str(tmp_path), "it")


@pytest.fixture(scope="module")
def sample_tatoeba(tmp_path_factory):
  """The bundled parallel sample, written in Tatoeba's layout."""
  from samples import parallel
  return parallel.write_tatoeba_layout(str(tmp_path_factory.mktemp("tatoeba_sample")))


def test_bundled_sample_is_written_in_tatoeba_layout(sample_tatoeba):
  found = tatoeba.available_languages(sample_tatoeba)
  assert found == ["fr", "ar", "ja", "th", "ru"]  # The seed's column order.
  pairs = [tatoeba.read_pair(sample_tatoeba, code) for code in found]
  assert all(len(pair.xx) == len(pair.en) == 10 for pair in pairs)
  assert pairs[0].xx[0] == "Le phare guide les navires la nuit." and pairs[0].en[0] == "The lighthouse guides ships at night."


@pytest.fixture(scope="module")
def fixture_tatoeba(fixture_export):
  """Both models on five Tatoeba pairs (French entirely preserved), numerics as the CLI runs them."""
  from exporter import numerics
  output, _, _ = fixture_export
  pairs = [tatoeba.read_pair(shared_path(TATOEBA), code) for code in ("fr", "de", "ja", "th", "ru")]
  models = [tatoeba.Model("original", os.path.join(FIXTURE, "encoder"), os.path.join(FIXTURE, "preprocess")),
            tatoeba.Model("smaller", str(output / "encoder"), str(output / "preprocess"))]
  with numerics.exact_arithmetic():
    return tatoeba.evaluate(models, pairs), pairs


@pytest.mark.shared
def test_smaller_model_retrieves_as_the_original_wherever_sentences_are_preserved(fixture_tatoeba, fixture_export):
  import tensorflow as tf
  results, pairs = fixture_tatoeba
  _, _, kept = fixture_export
  original_preprocess = tf.saved_model.load(os.path.join(FIXTURE, "preprocess"))
  with open(os.path.join(FIXTURE, "preprocess", "assets", "cased_vocab.txt"), encoding="utf-8") as handle:
    original_vocab = handle.read().split("\n")
  kept_tokens = set(kept)

  def preserved(sentences):
    rows = original_preprocess.tokenize(tf.constant(sentences)).merge_dims(1, 2).to_list()
    return np.array([all(original_vocab[i] in kept_tokens for i in row) for row in rows])

  accuracy, neighbours = results["accuracy"], results["neighbours"]
  compared = 0
  for pair in pairs:
    for direction in tatoeba.DIRECTIONS:
      for model in ("original", "smaller"):
        found = neighbours[model][pair.language][direction]
        # The share of queries whose nearest candidate is their own translation (the same line), in %.
        assert len(found) == len(pair.en)
        assert accuracy[model][direction][pair.language] == pytest.approx(
            100 * sum(int(i) == line for line, i in enumerate(found)) / len(found))
    queries_kept, candidates_kept = preserved(pair.en), preserved(pair.xx)
    if queries_kept.all() and candidates_kept.all():
      for direction in tatoeba.DIRECTIONS:
        assert accuracy["smaller"][direction][pair.language] == accuracy["original"][direction][pair.language]
    for direction, (queries, candidates) in {"en→xx": (queries_kept, candidates_kept),
                                             "xx→en": (candidates_kept, queries_kept)}.items():
      before = neighbours["original"][pair.language][direction]
      after = neighbours["smaller"][pair.language][direction]
      # A preserved query whose nearest candidate is preserved in both models finds the same one: preserved
      # sentences have bit-identical embeddings in both.
      both = queries & candidates[before] & candidates[after] & candidates[np.arange(len(queries))]
      assert (before[both] == after[both]).all(), (pair.language, direction)
      compared += int(both.sum())
  assert preserved(pairs[0].xx).all() and preserved(pairs[0].en).all()  # French: checked in full above.
  assert compared > 2000


@pytest.mark.shared
def test_preservation_reproduces_the_published_vocab_numbers_without_tensorflow(tmp_path):
  """Two vocabs in one run, from --original_vocab: TensorFlow is never imported (checked in a fresh process)."""
  import subprocess
  import sys
  code = ("import sys; from evaluation import preservation; preservation.main(sys.argv[1:]); "
          "assert 'tensorflow' not in sys.modules, 'TensorFlow was imported'")
  shared_path(SEEN_VOCAB)
  result = subprocess.run(
      [sys.executable, "-c", code, "--original_vocab", SEEN_VOCAB, "--vocab", f"published={PUBLISHED_VOCAB}",
       "--vocab", f"seen={SEEN_VOCAB}", "--tatoeba", shared_path(TATOEBA), "--output", str(tmp_path)],
      capture_output=True, text=True, timeout=300)
  assert result.returncode == 0, result.stderr[-2000:]
  rows = json.loads((tmp_path / "preservation.json").read_text())
  published = rows["published"]
  assert published["all"]["sentences"] == 27_096 and published["all"]["changed"] == 1_243
  assert f"{published['all']['unchanged_percent']:.2f}" == "95.41"
  assert published["th"]["sentences"] == 548 and published["en"]["sentences"] == 13_548
  assert rows["seen"]["all"]["changed"] == 0  # The original itself changes nothing.
  assert "| all | 27,096 | 25,853 | 1,243 | 95.41 |" in result.stdout
  assert "| all | 27,096 | 95.41 | 100.00 |" in result.stdout and "| worst | | 84.10 (pl) | 100.00" in result.stdout


def test_samples_count_sentences_whose_tokens_are_all_kept():
  class Ids:  # Hand-made tokenization: each character's code point is its token id.
    @staticmethod
    def token_ids(sentence):
      return [ord(c) - ord("a") for c in sentence]

  texts = Sample.tokenize(Ids(), ["ab", "abc", "d", "ca"], "hand")
  kept = np.zeros(4, bool)
  kept[[0, 1]] = True
  assert texts.preserved(kept) == 1  # "ab".
  kept[2] = True
  assert texts.preserved(kept) == 3


@pytest.fixture(scope="module")
def samples_counts(sample_spec, tmp_path_factory):
  from tests.conftest import ALL_SAMPLES, make_config, run_pipeline
  output = tmp_path_factory.mktemp("counts")
  run_pipeline(make_config(sample_spec, output, dumps=[ALL_SAMPLES], streams_per_shard=1))
  return output


def test_size_coverage_curve_from_a_run_grows_with_the_budget(samples_counts, sample_tatoeba, tmp_path, capsys):
  preservation.main(["--counts", str(samples_counts), "--tatoeba", sample_tatoeba, "--output", str(tmp_path)])
  points = json.loads((tmp_path / "curve.json").read_text())
  assert len(points) >= 5
  sizes = [p["vocab_size"] for p in points]
  assert sizes == sorted(sizes) and all(p["vocab_size"] <= p["budget"] for p in points)
  for language in ("en", "fr", "ja", "ar", "th", "ru"):
    shares = [p["preserved_percent"][language] for p in points]
    assert shares == sorted(shares) and 0 <= shares[0] <= shares[-1] <= 100, language
  assert points[-1]["preserved_percent"]["en"] > points[0]["preserved_percent"]["en"]
  assert (tmp_path / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
  assert all(0 < p["preserved_percent"]["all"] <= 100 for p in points)
  assert "| vocab size | parameters at LaBSE's size | lowest coverage |" in capsys.readouterr().out


LASER_CODES = """afr amh ang ara arq arz ast awa aze bel ben ber bos bre bul cat cbk ceb ces cha cmn cor csb cym dan deu
dsb dtp ell epo est eus fao fin fra fry gla gle glg gsw heb hin hrv hsb hun hye ido ile ina ind isl ita jav jpn kab kat
kaz khm kor kur kzj lat lfn lit lvs mal mar max mhr mkd mon nds nld nno nob nov oci orv pam pes pms pol por ron rus slk
slv spa sqi srp swe swg swh tam tat tel tgl tha tuk tur tzl uig ukr urd uzb vie war wuu xho yid yue zsm""".split()


def test_download_script_fetches_every_pair_and_refuses_mismatched_sides(tmp_path):
  import subprocess
  source = tmp_path / "laser"
  source.mkdir()
  assert len(LASER_CODES) == 112
  for code in LASER_CODES:
    write_pair(source, code, [f"{code} one", f"{code} two"], ["one", "two"])
  script = os.path.join(ROOT, "download_tatoeba_dataset.sh")
  done = subprocess.run([script, str(tmp_path / "v1"), "--base_url", f"file://{source}"], capture_output=True, text=True)
  assert done.returncode == 0, done.stderr
  found = tatoeba.available_languages(str(tmp_path / "v1"))
  assert len(found) == 112 and found[:14] == list(tatoeba.TATOEBA_LANGUAGES)
  assert "vi" in found and "yue" in found and "vie" not in found  # The table's codes, LASER's outside it.
  assert not list((tmp_path / "v1").glob("*.part"))
  seed = subprocess.run([script, str(tmp_path / "seed"), "--languages", "seed", "--base_url", f"file://{source}"],
                        capture_output=True, text=True)
  assert seed.returncode == 0 and tatoeba.available_languages(str(tmp_path / "seed")) == list(tatoeba.TATOEBA_LANGUAGES)
  unknown = subprocess.run([script, str(tmp_path / "x"), "--languages", "fra,xyz"], capture_output=True, text=True)
  assert unknown.returncode == 2 and "'xyz' is not one of LASER's Tatoeba codes" in unknown.stderr
  (source / "tatoeba.rus-eng.eng").write_text("one\n", encoding="utf-8")
  failed = subprocess.run([script, str(tmp_path / "v2"), "--base_url", f"file://{source}"], capture_output=True, text=True)
  assert failed.returncode == 1 and "tatoeba.rus-eng.rus has 2 lines but tatoeba.rus-eng.eng has 1" in failed.stderr

@pytest.mark.shared
def test_tatoeba_job_runs_on_pairs_outside_the_seeds_fourteen(tmp_path, capsys):
  """Vietnamese (a LaBSE language) and Cantonese (a LASER pair outside the table), named as users name them."""
  import json
  data = shared_path(os.path.join(os.path.dirname(TATOEBA), "v1-all"))
  model = f"{os.path.join(FIXTURE, 'encoder')},{os.path.join(FIXTURE, 'preprocess')}"
  tatoeba.main(["--data", data, "--model", f"a={model}", "--model", f"b={model}", "--languages", "vie_Latn,yue",
                "--output", str(tmp_path)])
  report = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
  assert report["pairs"] == {"vi": 1000, "yue": 1000}
  assert report["deltas"]["b − a"]["en→xx"] == {"vi": 0.0, "yue": 0.0, "avg": 0.0}
  assert "| a(en→xx) |" in capsys.readouterr().out


@pytest.mark.shared
def test_a_hugging_face_folder_and_its_tensorflow_pair_give_the_same_table(fixture_export, fixture_tatoeba):
  """The export's TensorFlow pair and its --hf folder, in one job: the same accuracy, pair for pair."""
  output, _, _ = fixture_export
  _, pairs = fixture_tatoeba
  models = [tatoeba.Model("tf", str(output / "encoder"), str(output / "preprocess")),
            tatoeba.SentenceTransformerModel("pt", str(output / "hf"), device="cpu")]
  from exporter import numerics
  with numerics.exact_arithmetic():
    results = tatoeba.evaluate(models, pairs)
  assert results["accuracy"]["pt"] == results["accuracy"]["tf"]
  assert set(results["sentences_per_second"]) == {"tf", "pt"}
