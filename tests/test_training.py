"""Training mode: an exported encoder applies its original's dropout, at the rates read from the original,
so that fine-tuning the export trains the network its user thinks it trains."""

import os
import shutil

import numpy as np
import pytest

from tests.conftest import FIXTURE, OWN_DROPOUT, real_text_files, shared_path

CALLS = 20


def pooled_spread(encoder_dir, preprocess_dir, sentences, training, calls=CALLS):
  """Mean over sentences and dimensions of pooled_output's standard deviation over repeated calls, and the
  outputs themselves, called as a fine-tuning user calls it (hub.KerasLayer, trainable)."""
  import tensorflow as tf
  import tensorflow_hub as hub
  tf.random.set_seed(2020)  # The same dropout masks on every run: the bounds below hold or fail every time.
  encoder = hub.KerasLayer(str(encoder_dir), trainable=True)
  inputs = hub.KerasLayer(str(preprocess_dir))(tf.constant(sentences))
  outputs = np.stack([encoder(inputs, training=training)["pooled_output"].numpy() for _ in range(calls)])
  return float(outputs.std(axis=0).mean()), outputs


@pytest.mark.shared
def test_dropout_rates_are_read_from_the_fixtures_saved_config():
  from exporter.config import Dropout
  from exporter.saved_config import read_dropout
  assert read_dropout(os.path.join(shared_path(FIXTURE), "encoder")) == Dropout(hidden=0.1, attention=0.1, inner=0.0)


@pytest.mark.shared
def test_dropout_rates_are_read_from_a_saved_model_with_its_keras_metadata_in_the_object_graph(tmp_path):
  """Before TensorFlow 2.5 (google/LaBSE/2 was exported in 2020) Keras kept each layer's metadata in
  saved_model.pb's object graph, not in keras_metadata.pb: the fixture, moved to that layout."""
  from tensorflow.core.protobuf import saved_model_pb2
  from tensorflow.python.keras.protobuf import saved_metadata_pb2

  from exporter.config import Dropout
  from exporter.saved_config import read_dropout
  encoder = tmp_path / "encoder"
  shutil.copytree(os.path.join(shared_path(FIXTURE), "encoder"), encoder)
  metadata = saved_metadata_pb2.SavedMetadata()
  metadata.ParseFromString((encoder / "keras_metadata.pb").read_bytes())
  saved_model = saved_model_pb2.SavedModel()
  saved_model.ParseFromString((encoder / "saved_model.pb").read_bytes())
  nodes = saved_model.meta_graphs[0].object_graph_def.nodes
  assert not any(node.user_object.metadata for node in nodes)
  for node in metadata.nodes:
    nodes[node.node_id].user_object.metadata = node.metadata
  (encoder / "saved_model.pb").write_bytes(saved_model.SerializeToString())
  (encoder / "keras_metadata.pb").unlink()
  assert read_dropout(str(encoder)) == Dropout(hidden=0.1, attention=0.1, inner=0.0)


def test_a_saved_model_without_dropout_config_is_refused_by_name(tmp_path):
  import tensorflow as tf

  from exporter.saved_config import SavedConfigError, read_dropout
  module = tf.Module()
  module.table = tf.Variable([1.0])
  tf.saved_model.save(module, str(tmp_path / "plain"))
  with pytest.raises(SavedConfigError, match=f"{tmp_path / 'plain'}: no Keras layer config with dropout rates"):
    read_dropout(str(tmp_path / "plain"))


@pytest.mark.shared
def test_exported_fixture_trains_with_the_originals_dropout(fixture_export):
  """Sentences both models tokenize alike (the French Tatoeba side is preserved whole): the spread of
  training-mode outputs is the original's within 25%; inference mode is deterministic and the original's."""
  from exporter import numerics
  output, report, _ = fixture_export
  assert report["dropout"] == {"hidden": 0.1, "attention": 0.1, "inner": 0.0}
  french = next(path for path in real_text_files()["fr"] if path.endswith(".fra"))
  with open(french, encoding="utf-8") as handle:
    sentences = handle.read().splitlines()[:32]
  original = pooled_spread(os.path.join(FIXTURE, "encoder"), os.path.join(FIXTURE, "preprocess"), sentences, True)[0]
  exported = pooled_spread(output / "encoder", output / "preprocess", sentences, True)[0]
  assert original > 0.1 and 0.75 * original <= exported <= 1.25 * original, (original, exported)
  with numerics.exact_arithmetic():
    _, outputs = pooled_spread(output / "encoder", output / "preprocess", sentences, False, calls=3)
    _, want = pooled_spread(os.path.join(FIXTURE, "encoder"), os.path.join(FIXTURE, "preprocess"), sentences, False,
                            calls=1)
  assert (outputs == outputs[0]).all() and np.abs(outputs[0] - want[0]).max() <= 1e-5


def test_other_size_export_keeps_its_originals_rates_and_spread(own_original, own_export):
  import tensorflow as tf

  from exporter.config import Dropout
  from exporter.saved_config import read_dropout
  root, _ = own_original
  output, report, _ = own_export
  assert report["dropout"] == OWN_DROPOUT
  assert read_dropout(str(output / "encoder"), tf.saved_model.load(str(output / "encoder"))) == Dropout(**OWN_DROPOUT)
  sentences = ["Le phare guide les navires la nuit.", "Pourquoi tant de phares en Bretagne ?"] * 8
  original = pooled_spread(root / "encoder", root / "preprocess", sentences, True)[0]
  exported = pooled_spread(output / "encoder", output / "preprocess", sentences, True)[0]
  assert original > 0 and 0.75 * original <= exported <= 1.25 * original, (original, exported)
