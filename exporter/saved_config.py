"""The original encoder's training configuration, read from its SavedModel's Keras metadata.

Model Garden's TF-Hub exporter saves a Keras model, and Keras records every layer's `get_config()`
beside the graph: in `keras_metadata.pb` (TensorFlow 2.5 and later) or in the object graph of
`saved_model.pb` (earlier SavedModels such as google/LaBSE/2, exported in 2020). The dropout rates
are read from there rather than assumed, so that an exported encoder trains like its original.

An encoder written by this project's exporter has no Keras metadata; it records its rates in a
`dropout_rates` variable ([hidden, attention, inner]), read from the loaded model.

Model Garden's encoder config names them `output_dropout` / `attention_dropout` (BertEncoderV2) or
`dropout_rate` / `attention_dropout_rate` (the 2020 `BertEncoder`); a transformer block's feed-forward
dropout is `inner_dropout` (or `intermediate_dropout`), 0 unless set.
"""

from __future__ import annotations

import json
import os
from typing import Iterator

_HIDDEN_KEYS = ("output_dropout", "dropout_rate", "hidden_dropout_prob")
_ATTENTION_KEYS = ("attention_dropout", "attention_dropout_rate", "attention_probs_dropout_prob")
_INNER_KEYS = ("inner_dropout", "intermediate_dropout")


class SavedConfigError(ValueError):
  pass


def _metadata_strings(model_dir: str) -> Iterator[str]:
  """Every Keras metadata JSON string of a SavedModel, from either place Keras writes it."""
  keras_metadata = os.path.join(model_dir, "keras_metadata.pb")
  if os.path.exists(keras_metadata):
    from tensorflow.python.keras.protobuf import saved_metadata_pb2
    metadata = saved_metadata_pb2.SavedMetadata()
    with open(keras_metadata, "rb") as handle:
      metadata.ParseFromString(handle.read())
    yield from (node.metadata for node in metadata.nodes if node.metadata)
  from tensorflow.core.protobuf import saved_model_pb2
  saved_model = saved_model_pb2.SavedModel()
  with open(os.path.join(model_dir, "saved_model.pb"), "rb") as handle:
    saved_model.ParseFromString(handle.read())
  for meta_graph in saved_model.meta_graphs:
    for node in meta_graph.object_graph_def.nodes:
      if node.WhichOneof("kind") == "user_object" and node.user_object.metadata:
        yield node.user_object.metadata


def _layer_configs(model_dir: str) -> Iterator[dict]:
  for text in _metadata_strings(model_dir):
    try:
      config = json.loads(text).get("config")
    except (ValueError, AttributeError):
      continue  # Not a Keras layer's metadata.
    if isinstance(config, dict):
      yield config


def _first(config: dict, keys: tuple[str, ...]) -> float | None:
  return next((float(config[key]) for key in keys if isinstance(config.get(key), (int, float))), None)


def read_dropout(model_dir: str, loaded=None):
  """The dropout rates the original encoder applies when called with training=True.

  `loaded` is the SavedModel loaded from `model_dir`, if at hand: an export of this project's says its
  rates in its `dropout_rates` variable.
  The encoder's own config (the one layer that names both rates) gives the hidden and attention
  rates; a transformer block's config gives the inner rate. Raises naming the model when the
  metadata is absent or the encoder's rates are not in it, or when its blocks disagree.
  """
  from exporter.bert import Dropout  # Imports TensorFlow: only when needed (see exporter.export.main).
  if loaded is not None and hasattr(loaded, "dropout_rates"):
    return Dropout(*(float(rate) for rate in loaded.dropout_rates.numpy()))
  encoders, inner = [], set()
  for config in _layer_configs(model_dir):
    hidden, attention = _first(config, _HIDDEN_KEYS), _first(config, _ATTENTION_KEYS)
    if hidden is not None and attention is not None:
      encoders.append((hidden, attention))
    rate = _first(config, _INNER_KEYS)
    if rate is not None:
      inner.add(rate)
  # The encoder and each of its blocks name the hidden and attention rates; they must agree.
  if not encoders:
    raise SavedConfigError(f"{model_dir}: no Keras layer config with dropout rates in the SavedModel's metadata; "
                           "is it a Model Garden (TF-Hub) BERT encoder?")
  if len(set(encoders)) > 1 or len(inner) > 1:
    raise SavedConfigError(f"{model_dir}: its layers have different dropout rates {sorted(set(encoders))} "
                           f"(inner {sorted(inner)}); one rate per kind is supported")
  hidden, attention = encoders[0]
  return Dropout(hidden=hidden, attention=attention, inner=inner.pop() if inner else 0.0)
