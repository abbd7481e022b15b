"""The shape of a LaBSE-format encoder, without TensorFlow: its sizes, dropout rates and weight names.

What the TensorFlow encoder (`exporter.bert`), the Hugging Face writer (`exporter.huggingface`) and the
checkpoint reader share. Weights are named as in LaBSE/2 (`word_embeddings/embeddings`,
`transformer/layer_0/self_attention/query/kernel`, ...).
"""

from __future__ import annotations

import dataclasses

LAYER_NORM_EPSILON = 1e-12


@dataclasses.dataclass(frozen=True)
class Dropout:
  """Training-mode dropout rates, as Model Garden's `BertEncoder` applies them.

  `hidden` (Model Garden's `output_dropout`, BERT's hidden_dropout_prob): after the embedding layer
  norm, on the attention output and on the feed-forward output, each before its residual sum;
  `attention` (BERT's attention_probs_dropout_prob): on the attention probabilities; `inner`: on the
  feed-forward's GELU activations (0 in BERT and LaBSE).
  """
  hidden: float = 0.1
  attention: float = 0.1
  inner: float = 0.0


@dataclasses.dataclass(frozen=True)
class EncoderConfig:
  vocab_size: int
  hidden: int = 768
  layers: int = 12
  heads: int = 12
  intermediate: int = 3072
  max_positions: int = 512
  type_vocab_size: int = 2
  dropout: Dropout = Dropout()

  def layer_sizes(self) -> dict[str, int]:
    """The sizes parameter counts depend on (`pipelines.parameters.labse_parameters`' arguments)."""
    return {"hidden": self.hidden, "layers": self.layers, "intermediate": self.intermediate,
            "positions": self.max_positions, "token_types": self.type_vocab_size}

  @classmethod
  def from_weights(cls, shapes: dict[str, tuple[int, ...]], dropout: Dropout = Dropout()) -> "EncoderConfig":
    """The configuration of an encoder whose weight shapes (by LaBSE name) are `shapes`."""
    vocab_size, hidden = shapes["word_embeddings/embeddings"]
    layers = sum(1 for name in shapes if name.endswith("/self_attention/query/kernel"))
    _, heads, _ = shapes["transformer/layer_0/self_attention/query/kernel"]
    _, intermediate = shapes["transformer/layer_0/intermediate/kernel"]
    positions, _ = shapes["position_embedding/embeddings"]
    types, _ = shapes["type_embeddings/embeddings"]
    return cls(vocab_size, hidden, layers, heads, intermediate, positions, types, dropout)


def weight_shapes(config: EncoderConfig) -> dict[str, tuple[int, ...]]:
  """Every weight of the encoder, by LaBSE name, with its shape."""
  h, n, k, i = config.hidden, config.heads, config.hidden // config.heads, config.intermediate
  shapes = {
      "word_embeddings/embeddings": (config.vocab_size, h),
      "position_embedding/embeddings": (config.max_positions, h),
      "type_embeddings/embeddings": (config.type_vocab_size, h),
      "embeddings/layer_norm/gamma": (h,),
      "embeddings/layer_norm/beta": (h,),
  }
  for layer in range(config.layers):
    prefix = f"transformer/layer_{layer}/"
    for projection in ("query", "key", "value"):
      shapes[prefix + f"self_attention/{projection}/kernel"] = (h, n, k)
      shapes[prefix + f"self_attention/{projection}/bias"] = (n, k)
    shapes.update({
        prefix + "self_attention/attention_output/kernel": (n, k, h),
        prefix + "self_attention/attention_output/bias": (h,),
        prefix + "self_attention_layer_norm/gamma": (h,),
        prefix + "self_attention_layer_norm/beta": (h,),
        prefix + "intermediate/kernel": (h, i),
        prefix + "intermediate/bias": (i,),
        prefix + "output/kernel": (i, h),
        prefix + "output/bias": (h,),
        prefix + "output_layer_norm/gamma": (h,),
        prefix + "output_layer_norm/beta": (h,),
    })
  shapes["pooler_transform/kernel"] = (h, h)
  shapes["pooler_transform/bias"] = (h,)
  return shapes


def weight_names(layers: int) -> list[str]:
  """The LaBSE names of an encoder's weights; only the number of layers changes them."""
  return list(weight_shapes(EncoderConfig(vocab_size=1, hidden=1, layers=layers, heads=1, intermediate=1)))


def canonical_name(variable_name: str, names) -> str | None:
  """The LaBSE name that a SavedModel variable name ends with (prefixes and ':0' ignored)."""
  stem = variable_name.split(":")[0]
  for name in names:
    if stem == name or stem.endswith("/" + name):
      return name
  return None
