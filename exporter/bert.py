"""A BERT encoder with LaBSE's TF-Hub API, in the project's own code (no tf-models-official).

Computes what TF Model Garden's `BertEncoder` computes for LaBSE/2: word + position + type
embeddings and a layer norm; post-norm transformer layers (einsum multi-head attention,
tanh-approximate GELU feed-forward); a tanh pooler over [CLS]. Called with `training=True` it applies
dropout where Model Garden's encoder does, at the original's rates (`Dropout`). Called with a dict of int32
`input_word_ids`, `input_mask`, `input_type_ids` ([batch, seq]), it returns `pooled_output`
(= `default`), `sequence_output` and `encoder_outputs` (one tensor per layer).

Weights are named as in LaBSE/2 (`word_embeddings/embeddings`,
`transformer/layer_0/self_attention/query/kernel`, ...), which is how `weight_names` lists them
and how the exporter copies them from an original SavedModel.
"""

from __future__ import annotations

import dataclasses
import math

import tensorflow as tf
import tf_keras

# The encoder's shape lives in a module of its own, without TensorFlow; imported here as this module's API.
from exporter.config import (LAYER_NORM_EPSILON, Dropout, EncoderConfig, canonical_name,  # noqa: F401
                             weight_names, weight_shapes)

_MASK_ADDER = -1e9  # Keras' softmax mask value for float32: exp() of it is exactly 0.


def _layer_norm(x, gamma, beta):
  mean, variance = tf.nn.moments(x, axes=[-1], keepdims=True)
  return tf.nn.batch_normalization(x, mean, variance, beta, gamma, LAYER_NORM_EPSILON)


class BertEncoder(tf_keras.Model):
  """The encoder; `weights_by_name` maps LaBSE weight names to its variables.

  Its variables are new and random (initialized as BERT's) unless `variables` are given: then it
  computes over those (an original's, a gathered table) without copying them.
  """

  def __init__(self, config: EncoderConfig, variables: dict | None = None, name: str = "bert_encoder"):
    super().__init__(name=name)
    self.config = config
    if variables is not None:
      self.weights_by_name = {weight_name: variables[weight_name] for weight_name in weight_shapes(config)}
      return
    self.weights_by_name = {}
    for weight_name, shape in weight_shapes(config).items():
      initializer = tf_keras.initializers.TruncatedNormal(stddev=0.02)
      if weight_name.endswith(("bias", "beta")):
        initializer = "zeros"
      elif weight_name.endswith("gamma"):
        initializer = "ones"
      self.weights_by_name[weight_name] = self.add_weight(
          name=weight_name, shape=shape, dtype=tf.float32, initializer=initializer, trainable=True)

  def call(self, inputs, training=None):
    return encode(self.weights_by_name, self.config, inputs, training=bool(training))

  def get_config(self) -> dict:
    """The configuration, dropout rates under Model Garden's names (Keras saves this beside the graph,
    where `exporter.saved_config` reads an original's rates)."""
    config = dataclasses.asdict(self.config)
    rates = config.pop("dropout")
    return {**config, "output_dropout": rates["hidden"], "attention_dropout": rates["attention"],
            "inner_dropout": rates["inner"]}


def _dropout(x, rate: float, training: bool):
  return tf.nn.dropout(x, rate=rate) if training and rate > 0 else x


def encode(w: dict, config: EncoderConfig, inputs, training: bool = False) -> dict:
  """The encoder's outputs for `inputs` with weights `w` (by LaBSE name); dropout only when `training`."""
  rates = config.dropout
  word_ids = tf.cast(inputs["input_word_ids"], tf.int32)
  mask = tf.cast(inputs["input_mask"], tf.float32)
  type_ids = tf.cast(inputs["input_type_ids"], tf.int32)
  seq_length = tf.shape(word_ids)[1]
  embeddings = (tf.gather(w["word_embeddings/embeddings"], word_ids)
                + w["position_embedding/embeddings"][tf.newaxis, :seq_length, :]
                + tf.gather(w["type_embeddings/embeddings"], type_ids))
  x = _layer_norm(embeddings, w["embeddings/layer_norm/gamma"], w["embeddings/layer_norm/beta"])
  x = _dropout(x, rates.hidden, training)
  # [batch, 1 (heads), 1 (queries), keys]: masked keys get a large negative score.
  adder = (1.0 - mask[:, tf.newaxis, tf.newaxis, :]) * _MASK_ADDER
  scale = 1.0 / math.sqrt(config.hidden // config.heads)
  outputs = []
  for layer in range(config.layers):
    p = f"transformer/layer_{layer}/"
    query, key, value = (
        tf.einsum("BTH,HNK->BTNK", x, w[p + f"self_attention/{name}/kernel"]) + w[p + f"self_attention/{name}/bias"]
        for name in ("query", "key", "value"))
    scores = tf.einsum("BSNK,BTNK->BNTS", key, query * scale) + adder
    probabilities = _dropout(tf.nn.softmax(scores, axis=-1), rates.attention, training)
    context = tf.einsum("BNTS,BSNK->BTNK", probabilities, value)
    attention = _dropout(tf.einsum("BTNK,NKH->BTH", context, w[p + "self_attention/attention_output/kernel"])
                         + w[p + "self_attention/attention_output/bias"], rates.hidden, training)
    x = _layer_norm(x + attention, w[p + "self_attention_layer_norm/gamma"], w[p + "self_attention_layer_norm/beta"])
    hidden = tf.nn.gelu(tf.einsum("BTH,HI->BTI", x, w[p + "intermediate/kernel"]) + w[p + "intermediate/bias"],
                        approximate=True)
    hidden = _dropout(hidden, rates.inner, training)
    output = _dropout(tf.einsum("BTI,IH->BTH", hidden, w[p + "output/kernel"]) + w[p + "output/bias"],
                      rates.hidden, training)
    x = _layer_norm(x + output, w[p + "output_layer_norm/gamma"], w[p + "output_layer_norm/beta"])
    outputs.append(x)
  pooled = tf.tanh(tf.matmul(x[:, 0, :], w["pooler_transform/kernel"]) + w["pooler_transform/bias"])
  return {"default": pooled, "pooled_output": pooled, "sequence_output": x, "encoder_outputs": outputs}


INPUT_SPEC = {name: tf.TensorSpec([None, None], tf.int32, name=name)
              for name in ("input_word_ids", "input_mask", "input_type_ids")}


def set_dynamic_signature(encoder: BertEncoder) -> None:
  """Makes the saved `__call__` accept any batch size and sequence length, in inference and training
  mode, like the original's (hub.KerasLayer(trainable=True) calls it with training=True)."""
  for training in (False, True):
    tf.function(lambda inputs, training=training: encoder(inputs, training=training),
                input_signature=[INPUT_SPEC]).get_concrete_function()
