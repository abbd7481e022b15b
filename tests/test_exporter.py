"""Exporter parts verified so far: the preprocess model against the fixture's, safe archive loading."""

import io
import os
import tarfile

import pytest

from exporter import models
from tests.conftest import FIXTURE, shared_path

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
