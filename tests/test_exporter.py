"""The exporter: its preprocess model against the fixture's, safe archive loading, and whole exports
of the Model Garden fixture and of a model the tests write at another size."""

import io
import os
import tarfile

import pytest

from pipelines import models
from pipelines.reference import find_vocab_asset
from pipelines.vocab import read_vocab
from tests.conftest import FIXTURE, OWN_DROPOUT, real_text_files, shared_path

SENTENCES = ["Hello world, this is a test.", "Zweiter Satz.", "日本語のテキストです。", "x\u00a0y ##\u202f!",
             "Pourquoi\u202f? [UNK] [CLS]", "a" * 120, ""]


@pytest.fixture(scope="module")
def preprocess_pair(tmp_path_factory):
  import tensorflow as tf
  import tensorflow_text  # noqa: F401

  from exporter.preprocess import Preprocessor
  from pipelines.vocab import read_vocab
  original_dir = shared_path(os.path.join(FIXTURE, "preprocess"))
  vocab_path = os.path.join(original_dir, "assets", "cased_vocab.txt")
  path = str(tmp_path_factory.mktemp("preprocess") / "preprocess")
  tf.saved_model.save(Preprocessor(vocab_path, False, 128, read_vocab(vocab_path)), path)
  return tf.saved_model.load(original_dir), tf.saved_model.load(path), path


@pytest.mark.shared
def test_preprocess_model_equals_the_fixtures_on_every_entry_point(preprocess_pair):
  import tensorflow as tf
  original, ours, _ = preprocess_pair
  sentences = tf.constant(SENTENCES)
  assert ours.tokenize(sentences).to_list() == original.tokenize(sentences).to_list()
  for name, value in original(sentences).items():
    assert (ours(sentences)[name].numpy() == value.numpy()).all(), name
  for segments, seq_length in ((1, 8), (2, 16), (2, tf.constant(40))):  # The fixture has 1 and 2 segments.
    want = original.bert_pack_inputs([original.tokenize(sentences)] * segments, seq_length=seq_length)
    got = ours.bert_pack_inputs([ours.tokenize(sentences)] * segments, seq_length=seq_length)
    for name in want:
      assert (got[name].numpy() == want[name].numpy()).all(), (segments, name)
  three = ours.bert_pack_inputs([ours.tokenize(sentences)] * 3, seq_length=24)
  assert three["input_type_ids"].numpy().max() == 2 and three["input_word_ids"].shape == (len(SENTENCES), 24)


@pytest.mark.shared
def test_preprocess_model_works_as_a_keras_layer(preprocess_pair):
  import tensorflow as tf
  import tensorflow_hub as hub
  _, _, path = preprocess_pair
  inputs = hub.KerasLayer(path)(tf.constant(SENTENCES[:2]))
  assert inputs["input_word_ids"].shape == (2, 128) and inputs["input_word_ids"].dtype == tf.int32


def make_archive(path, members):
  with tarfile.open(path, "w:gz") as archive:
    for name, data in members.items():
      info = tarfile.TarInfo(name)
      info.size = len(data)
      archive.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize("bad", ["../escape.pb", "variables/../../escape", "/etc/passwd"])
def test_archive_members_escaping_the_target_are_refused(tmp_path, bad):
  archive = tmp_path / "model.tar.gz"
  make_archive(archive, {"saved_model.pb": b"x", bad: b"y"})
  with pytest.raises(models.ModelSourceError, match="outside the target"):
    models.extract_archive(str(archive), cache_dir=str(tmp_path / "cache"))
  assert not (tmp_path / "escape.pb").exists()


def test_archive_is_extracted_to_a_saved_model_directory(tmp_path):
  archive = tmp_path / "model.tar.gz"
  make_archive(archive, {"saved_model.pb": b"x", "variables/variables.index": b"y", "assets/vocab.txt": b"[UNK]\n"})
  directory = models.extract_archive(str(archive), cache_dir=str(tmp_path / "cache"))
  assert sorted(os.listdir(directory)) == ["assets", "saved_model.pb", "variables"]
  assert models.resolve_model(str(archive)) and models.resolve_model(directory) == directory
  with pytest.raises(models.ModelSourceError, match="not a SavedModel directory"):
    models.resolve_model(str(tmp_path))
  with pytest.raises(models.ModelSourceError, match="not a TF-Hub URL"):
    models.resolve_model(str(tmp_path / "no" / "such" / "model"))


@pytest.mark.shared
def test_fixture_export_is_exact_on_every_preserved_real_sentence(fixture_export):
  output, report, kept = fixture_export
  rebuild = report["rebuild_max_abs_difference"]
  assert max(rebuild["exact"].values()) <= 1e-5
  assert 0 <= max(rebuild["optimized"].values()) < 1e-3  # Float32 rounding of the default graph rewrites.
  checked = report["equivalence"]
  files = real_text_files()
  assert sorted(checked) == sorted(files)
  for language, paths in files.items():  # Every non-blank line of every Tatoeba side and FLORES file.
    lines = [line for path in paths for line in open(path, encoding="utf-8").read().split("\n") if line.strip()]
    assert checked[language]["sentences"] == len(lines), language
  assert report["parameters"]["smaller"]["vocab_size"] == len(kept) < report["parameters"]["original"]["vocab_size"]
  assert report["seq_length"] == 128


def preserved_sentences_embed_alike(original_dir, output, kept, lines_by_language) -> tuple[int, int]:
  """Independent of the export's own check: both models loaded here, which sentences are preserved decided
  here from the original's tokens, each batch run through both with the preprocess models' default calls.
  Preserved sentences must embed bit for bit alike, the others differently; returns (preserved, changed)."""
  import numpy as np
  import tensorflow as tf

  from exporter import numerics
  original = [tf.saved_model.load(os.path.join(original_dir, name)) for name in ("encoder", "preprocess")]
  smaller = [tf.saved_model.load(str(output / name)) for name in ("encoder", "preprocess")]
  original_vocab = read_vocab(find_vocab_asset(os.path.join(original_dir, "preprocess")))
  kept_tokens = set(kept)
  compared = changed = 0
  for language, lines in sorted(lines_by_language.items()):
    batch = tf.constant(lines)
    tokens = original[1].tokenize(batch).merge_dims(1, 2).to_list()
    preserved = np.array([all(original_vocab[i] in kept_tokens for i in ids) for ids in tokens])
    with numerics.exact_arithmetic():
      want = original[0](original[1](batch), training=False)["pooled_output"].numpy()
      got = smaller[0](smaller[1](batch), training=False)["pooled_output"].numpy()
    assert (got[preserved] == want[preserved]).all(), language  # Bit for bit.
    assert (np.abs(got[~preserved] - want[~preserved]).max(axis=1) > 1e-4).all(), language
    compared, changed = compared + int(preserved.sum()), changed + int((~preserved).sum())
  return compared, changed


@pytest.mark.shared
def test_fixture_export_embeds_every_preserved_sentence_as_the_original_does(fixture_export):
  output, _, kept = fixture_export
  lines = {language: [line for path in paths for line in open(path, encoding="utf-8").read().split("\n")
                      if line.strip()][::20]  # Every 20th line of every file: all scripts, all lengths.
           for language, paths in real_text_files().items()}
  compared, changed = preserved_sentences_embed_alike(FIXTURE, output, kept, lines)
  assert compared > 1000 and changed > 100


@pytest.mark.shared
def test_fixture_export_preprocess_gives_the_original_ids_where_every_token_is_kept(fixture_export):
  import numpy as np
  import tensorflow as tf
  output, _, kept = fixture_export
  original = tf.saved_model.load(os.path.join(FIXTURE, "preprocess"))
  smaller = tf.saved_model.load(str(output / "preprocess"))
  with open(os.path.join(shared_path(FIXTURE), "preprocess", "assets", "cased_vocab.txt"), encoding="utf-8") as handle:
    original_ids = {token: i for i, token in enumerate(handle.read().split("\n"))}
  to_original = np.array([original_ids[token] for token in kept])
  with open(real_text_files()["de"][0], encoding="utf-8") as handle:  # Tatoeba German: partly preserved.
    sentences = tf.constant(handle.read().splitlines()[:200])
  want = original(sentences)["input_word_ids"].numpy()
  got = to_original[smaller(sentences)["input_word_ids"].numpy()]
  all_kept = np.isin(want, to_original).all(axis=1)
  assert 0 < all_kept.sum() < len(want)
  assert (got[all_kept] == want[all_kept]).all()
  assert (got[~all_kept] != want[~all_kept]).any(axis=1).all()  # A lost token changes the tokenization.


def test_export_of_a_model_at_another_size_is_exact_where_tokens_are_kept(own_export, own_original):
  output, report, kept = own_export
  assert max(report["rebuild_max_abs_difference"]["exact"].values()) <= 1e-5
  assert report["parameters"]["smaller"]["vocab_size"] == len(kept)
  assert report["seq_length"] == 64
  from samples import stand_in
  lines = stand_in.sample_lines()
  french, japanese = [line for line in lines if "phare" in line][:8], [line for line in lines if "灯台" in line][:8]
  root, _ = own_original
  compared, changed = preserved_sentences_embed_alike(root, output, kept, {"fr": french, "ja": japanese})
  assert compared >= len(french) and changed > 0  # French kept whole; Japanese lost tokens.
  assert sorted(os.listdir(output)) == ["encoder", "export_report.json", "export_report.md", "hf", "preprocess"]
  assert report["dropout"] == OWN_DROPOUT
  assert not [name for name in os.listdir(output.parent) if ".partial-" in name]


@pytest.mark.slow  # Its fixture, by name, is a whole export.
@pytest.mark.parametrize("exported", ["own_export", pytest.param("fixture_export", marks=pytest.mark.shared)])
def test_exported_models_work_in_the_seed_usage_snippet_and_fine_tune(exported, request):
  import numpy as np
  import tensorflow as tf
  import tensorflow_hub as hub
  import tf_keras
  output, report, _ = request.getfixturevalue(exported)
  preprocessor = hub.KerasLayer(str(output / "preprocess"))
  encoder = hub.KerasLayer(str(output / "encoder"), trainable=True)
  sentences = tf_keras.layers.Input(shape=(), dtype=tf.string)
  pooled = encoder(preprocessor(sentences))["pooled_output"]
  model = tf_keras.Model(sentences, tf_keras.layers.Lambda(lambda x: tf.nn.l2_normalize(x, axis=-1))(pooled))
  embeddings = model(tf.constant(["Le phare guide les navires.", "灯台は船を導く。"]))
  assert embeddings.shape == (2, report["parameters"]["smaller"]["word_embedding"] // report["parameters"]["smaller"]["vocab_size"])
  assert np.allclose(np.linalg.norm(embeddings.numpy(), axis=1), 1.0, atol=1e-5)
  # Fine-tuning: a linear head on the embeddings, trained with Adam; the word embeddings get gradients. At
  # 1e-3 the loss failed to fall in 3 of 20 random starts (the fixture's dropout is on); 1e-2 fell in 20 of 20.
  tf_keras.utils.set_random_seed(0)
  classifier = tf_keras.Model(sentences, tf_keras.layers.Dense(2)(pooled))
  classifier.compile(optimizer=tf_keras.optimizers.Adam(1e-2),
                     loss=tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True))
  texts = tf.constant(["Le phare guide les navires.", "Les abeilles font du miel.", "灯台は船を導く。", "パンを焼く。"] * 4)
  labels = tf.constant([0, 1, 0, 1] * 4)
  table = next(v for v in encoder.trainable_variables if "word_embeddings" in v.name)
  before = table.numpy().copy()
  loss_before = classifier.evaluate(texts, labels, verbose=0)  # Inference mode: no dropout noise in the comparison.
  classifier.fit(texts, labels, epochs=8, batch_size=16, verbose=0)
  assert classifier.evaluate(texts, labels, verbose=0) < loss_before
  assert not np.array_equal(table.numpy(), before)


def test_export_refuses_an_existing_output_and_vocab_tokens_not_in_the_original(own_original, tmp_path):
  from exporter import export
  from pipelines.vocab import VocabError
  root, vocab = own_original
  existing = tmp_path / "exists"
  existing.mkdir()
  with pytest.raises(export.ExportError, match="--overwrite"):
    export.export(str(root / "encoder"), str(root / "preprocess"), "unused", str(existing))
  bad = tmp_path / "vocab.txt"
  bad.write_text("".join(t + "\n" for t in [*vocab[:104], "notatoken\u2603"]), encoding="utf-8")
  with pytest.raises(VocabError, match=r"line 105: 'notatoken"):
    export.export(str(root / "encoder"), str(root / "preprocess"), str(bad), str(tmp_path / "out"))
  assert not (tmp_path / "out").exists()


def test_encoder_and_preprocess_with_different_vocabs_are_refused(own_original, tmp_path):
  import tensorflow as tf

  from exporter import export
  from exporter.preprocess import Preprocessor
  root, vocab = own_original
  other_vocab = tmp_path / "other_vocab.txt"
  other_vocab.write_text("".join(token + "\n" for token in vocab[:-1]), encoding="utf-8")
  tf.saved_model.save(Preprocessor(str(other_vocab), False, 64, vocab[:-1]), str(tmp_path / "other_preprocess"))
  with pytest.raises(export.ExportError, match="differ: they are not a matching pair"):
    export.export(str(root / "encoder"), str(tmp_path / "other_preprocess"), str(other_vocab), str(tmp_path / "out"))
  assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("existing", [False, True])
def test_a_crash_in_the_middle_leaves_no_partial_model(own_original, sample_vocab, tmp_path, monkeypatch, existing):
  """The encoder is written, then saving the preprocess model fails: nothing new appears at the target,
  an existing model there (with --overwrite) is left whole, and the staging directory is gone."""
  from exporter import export, preprocess
  root, _ = own_original
  output = tmp_path / "smaller"
  if existing:
    output.mkdir()
    (output / "export_report.json").write_text("{}")

  def crash(*args, **kwargs):
    assert list(tmp_path.glob(".smaller.partial-*/encoder/saved_model.pb"))  # Mid-way: the encoder is written.
    raise OSError("disk full (simulated)")

  monkeypatch.setattr(preprocess, "Preprocessor", crash)
  with pytest.raises(OSError, match="simulated"):
    export.export(str(root / "encoder"), str(root / "preprocess"), sample_vocab, str(output), overwrite=existing)
  assert os.listdir(tmp_path) == (["smaller"] if existing else [])
  if existing:
    assert os.listdir(output) == ["export_report.json"]


def test_the_default_check_covers_the_languages_the_vocab_was_selected_for(tmp_path, caplog):
  import json
  from exporter import export
  bundled = export.read_check_sentences()
  from pipelines import languages
  # Two sentences in every LaBSE language FLORES-200 or Tatoeba has (all but Corsican, Hawaiian and Hmong).
  assert set(languages.LABSE_LANGUAGES) - set(bundled) == {"co", "haw", "hmn"}
  assert all(len(sentences) == 2 and all(sentences) for sentences in bundled.values())
  vocab = tmp_path / "vocab.txt"
  vocab.write_text("[UNK]\n", encoding="utf-8")
  assert export.default_check_texts(str(vocab)) == export.BUILT_IN_TEXTS  # Not from a run: the built-in ten.
  (tmp_path / "selection.json").write_text(json.dumps({"languages": {"sw": {}, "ka": {}, "hmn": {}}}))
  texts = export.default_check_texts(str(vocab))
  assert texts == {"sw": bundled["sw"], "ka": bundled["ka"]}
  (tmp_path / "selection.json").write_text(json.dumps({"languages": {"fr": {}}}))
  assert export.default_check_texts(str(vocab)) == {"fr": bundled["fr"] + export.BUILT_IN_TEXTS["fr"]}
  assert "No check sentences bundled for hmn" in caplog.text
