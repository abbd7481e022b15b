"""The smaller LaBSE for PyTorch: a folder that transformers and sentence-transformers load as is.

    OUT/hf/config.json, model.safetensors      transformers `BertModel` (AutoModel)
    OUT/hf/tokenizer.json, tokenizer_config.json  a fast tokenizer with tf_text's rules (AutoTokenizer)
    OUT/hf/modules.json, sentence_bert_config.json, 1_Pooling/, 2_Dense/, 3_Normalize/
                                                the module layout of sentence-transformers/LaBSE
    OUT/hf/README.md                            the model card (`model_card`)

Exact where the existing PyTorch ports of LaBSE are not:
- GELU: LaBSE's is the tanh approximation (`gelu_pytorch_tanh`), not BERT's erf form.
- Tokenization: tf_text's basic tokenizer splits on what the original preprocess model splits on
  (probed per code point: `CharClasses`), so non-breaking and other Unicode spaces stay inside words;
  WordPiece gives `[UNK]` for a word over 100 *bytes*. The `tokenizers` WordPiece model counts
  characters, so every character is first mapped to one character per UTF-8 byte (the byte-level
  alphabet of GPT-2, `tokenizers`' own ByteLevel pre-tokenizer) and the vocab is stored in that
  alphabet: its 100-character limit then counts bytes. ASCII tokens read as themselves; others read
  as byte-level strings in `convert_ids_to_tokens`, and `decode` gives back the text.
- Text that spells a special token (`"[CLS]"`) is split as TF splits it (`split_special_tokens`).

Writing needs numpy, `tokenizers` and the weights only (no torch), one tensor in memory at a time;
`verify` loads the folder with transformers and sentence-transformers (torch) and compares.
"""

from __future__ import annotations

import dataclasses
import json
import os
import struct
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np

from exporter.config import LAYER_NORM_EPSILON, EncoderConfig
from exporter.hf_libraries import HF_LIBRARIES, INSTALL_HINT, missing_libraries, weights_loaded_quietly  # noqa: F401
from pipelines.tokenizer import MAX_BYTES_PER_WORD, SUFFIX_INDICATOR, CharClasses
from pipelines.vocab import REQUIRED_SPECIAL_TOKENS, UNK

LABSE_VOCAB_SIZE = 501_153  # google/LaBSE/2's word embedding rows: the card calls only a model of its shape LaBSE.

# Normalised embeddings (and pooled outputs) must agree with TensorFlow's within this, per component.
# TensorFlow and PyTorch use different kernels: at BERT's scale they agree to about 1e-6; the tiny
# fixture's std-0.5 random weights amplify float32 rounding tenfold.
TOLERANCE = 1e-4
VERIFY_BATCH_SIZE = 16  # sentence-transformers sorts by length; on a CPU small batches pad least.
POOLER_SAMPLE = 8  # Preserved sentences per language whose BertModel pooler_output is checked too.


class HuggingFaceError(ValueError):
  pass


# --- Tokenizer ------------------------------------------------------------------------------------

def byte_level_alphabet() -> dict[int, str]:
  """The byte -> character map of `tokenizers`' ByteLevel pre-tokenizer (GPT-2's): printable Latin-1
  bytes map to themselves, the other 68 to the characters from U+0100 up, in byte order."""
  printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
  alphabet = {byte: chr(byte) for byte in printable}
  for offset, byte in enumerate(b for b in range(256) if b not in alphabet):
    alphabet[byte] = chr(256 + offset)
  return alphabet


_BYTE_LEVEL = byte_level_alphabet()


def to_byte_level(token: str) -> str:
  """A token as the tokenizer stores it: one character per UTF-8 byte (`##` and ASCII unchanged)."""
  return "".join(_BYTE_LEVEL[byte] for byte in token.encode("utf-8"))


def _onig_class(ranges: Sequence[tuple[int, int]]) -> str:
  """An Oniguruma character class body for inclusive code point ranges."""
  return "".join(f"\\x{{{start:x}}}" if start == end else f"\\x{{{start:x}}}-\\x{{{end:x}}}" for start, end in ranges)


def build_tokenizer(vocab: Sequence[str], char_classes: CharClasses, seq_length: int):
  """A `tokenizers.Tokenizer` that gives LaBSE's preprocess model's `input_word_ids` (unpadded).

  Pre-tokenization is tf_text's basic tokenizer for lower_case=False, from the classes probed off the
  original: separators dropped, punctuation and CJK ideographs isolated, all else word characters.
  Then the byte-level map, greedy longest-match WordPiece with `##` continuations and the 100-byte
  limit, `[CLS] ... [SEP]` (and `[CLS] A [SEP] B [SEP]` with type ids 0 and 1), truncation to
  `seq_length` with the special tokens counted in.
  """
  from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers, processors
  ids = {token: token_id for token_id, token in enumerate(vocab)}
  absent = [token for token in REQUIRED_SPECIAL_TOKENS if token not in ids]
  if absent:
    raise HuggingFaceError(f"the vocab lacks {absent}")
  tokenizer = Tokenizer(models.WordPiece({to_byte_level(token): i for token, i in ids.items()}, unk_token=UNK,
                                         continuing_subword_prefix=SUFFIX_INDICATOR,
                                         max_input_chars_per_word=MAX_BYTES_PER_WORD))
  splits = []
  if char_classes.separators:
    splits.append(pre_tokenizers.Split(Regex(f"[{_onig_class(char_classes.separators)}]+"), behavior="removed"))
  if char_classes.isolated:
    splits.append(pre_tokenizers.Split(Regex(f"[{_onig_class(char_classes.isolated)}]"), behavior="isolated"))
  tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
      [*splits, pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)])
  tokenizer.post_processor = processors.TemplateProcessing(
      single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
      special_tokens=[("[CLS]", ids["[CLS]"]), ("[SEP]", ids["[SEP]"])])
  # WordPiece joins pieces into words; the space it puts between words must itself be in the byte-level
  # alphabet (Ġ is the space byte) before the bytes are turned back into text.
  tokenizer.decoder = decoders.Sequence([decoders.WordPiece(prefix=SUFFIX_INDICATOR, cleanup=True),
                                         decoders.Replace(" ", _BYTE_LEVEL[ord(" ")]), decoders.ByteLevel()])
  tokenizer.add_special_tokens([AddedToken(token, special=True, normalized=False) for token in REQUIRED_SPECIAL_TOKENS])
  tokenizer.enable_truncation(seq_length)
  return tokenizer


def tokenizer_config(seq_length: int) -> dict:
  """transformers' side of the tokenizer: the generic fast class (a `BertTokenizer` class would make
  transformers rebuild BERT's standard rules), LaBSE's special tokens, and `split_special_tokens` so that
  text spelling `[CLS]` is tokenized as text, as TensorFlow does."""
  return {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": seq_length, "split_special_tokens": True,
          "do_lower_case": False, "clean_up_tokenization_spaces": False,
          "unk_token": "[UNK]", "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]", "mask_token": "[MASK]",
          "model_input_names": ["input_ids", "token_type_ids", "attention_mask"]}


# --- Weights --------------------------------------------------------------------------------------

def bert_config(config: EncoderConfig, pad_token_id: int) -> dict:
  """transformers' BertConfig for the encoder: LaBSE's activation, epsilon and dropout rates."""
  return {"architectures": ["BertModel"], "model_type": "bert", "vocab_size": config.vocab_size,
          "hidden_size": config.hidden, "num_hidden_layers": config.layers, "num_attention_heads": config.heads,
          "intermediate_size": config.intermediate, "hidden_act": "gelu_pytorch_tanh",
          "hidden_dropout_prob": config.dropout.hidden, "attention_probs_dropout_prob": config.dropout.attention,
          "max_position_embeddings": config.max_positions, "type_vocab_size": config.type_vocab_size,
          "initializer_range": 0.02, "layer_norm_eps": LAYER_NORM_EPSILON, "pad_token_id": pad_token_id,
          "position_embedding_type": "absolute", "classifier_dropout": None, "dtype": "float32"}


Tensor = tuple[str, tuple[int, ...], Callable[[], np.ndarray]]


def _dense(weights: Mapping, name: str, rows: int) -> Callable[[], np.ndarray]:
  """A TF kernel [..., out] as a torch Linear weight [out, in]: flattened to `rows` inputs, transposed."""
  return lambda: np.ascontiguousarray(np.asarray(weights[name], np.float32).reshape(rows, -1).T)


def _vector(weights: Mapping, name: str) -> Callable[[], np.ndarray]:
  return lambda: np.ascontiguousarray(np.asarray(weights[name], np.float32).reshape(-1))


def _table(weights: Mapping, name: str) -> Callable[[], np.ndarray]:
  return lambda: np.ascontiguousarray(np.asarray(weights[name], np.float32))


def bert_tensors(weights: Mapping, config: EncoderConfig) -> list[Tensor]:
  """`BertModel`'s state, named as transformers names it, from weights by LaBSE name (TF variables or
  arrays), each converted only when written. Attention kernels [H, heads, H/heads] become [H, H]."""
  h, i = config.hidden, config.intermediate
  tensors = [
      ("embeddings.word_embeddings.weight", (config.vocab_size, h), _table(weights, "word_embeddings/embeddings")),
      ("embeddings.position_embeddings.weight", (config.max_positions, h), _table(weights, "position_embedding/embeddings")),
      ("embeddings.token_type_embeddings.weight", (config.type_vocab_size, h), _table(weights, "type_embeddings/embeddings")),
      ("embeddings.LayerNorm.weight", (h,), _vector(weights, "embeddings/layer_norm/gamma")),
      ("embeddings.LayerNorm.bias", (h,), _vector(weights, "embeddings/layer_norm/beta")),
  ]
  for layer in range(config.layers):
    tf_prefix, hf_prefix = f"transformer/layer_{layer}/", f"encoder.layer.{layer}."
    for projection in ("query", "key", "value"):
      source = f"{tf_prefix}self_attention/{projection}/"
      tensors += [(f"{hf_prefix}attention.self.{projection}.weight", (h, h), _dense(weights, source + "kernel", h)),
                  (f"{hf_prefix}attention.self.{projection}.bias", (h,), _vector(weights, source + "bias"))]
    tensors += [
        (f"{hf_prefix}attention.output.dense.weight", (h, h),
         _dense(weights, tf_prefix + "self_attention/attention_output/kernel", h)),
        (f"{hf_prefix}attention.output.dense.bias", (h,), _vector(weights, tf_prefix + "self_attention/attention_output/bias")),
        (f"{hf_prefix}attention.output.LayerNorm.weight", (h,), _vector(weights, tf_prefix + "self_attention_layer_norm/gamma")),
        (f"{hf_prefix}attention.output.LayerNorm.bias", (h,), _vector(weights, tf_prefix + "self_attention_layer_norm/beta")),
        (f"{hf_prefix}intermediate.dense.weight", (i, h), _dense(weights, tf_prefix + "intermediate/kernel", h)),
        (f"{hf_prefix}intermediate.dense.bias", (i,), _vector(weights, tf_prefix + "intermediate/bias")),
        (f"{hf_prefix}output.dense.weight", (h, i), _dense(weights, tf_prefix + "output/kernel", i)),
        (f"{hf_prefix}output.dense.bias", (h,), _vector(weights, tf_prefix + "output/bias")),
        (f"{hf_prefix}output.LayerNorm.weight", (h,), _vector(weights, tf_prefix + "output_layer_norm/gamma")),
        (f"{hf_prefix}output.LayerNorm.bias", (h,), _vector(weights, tf_prefix + "output_layer_norm/beta")),
    ]
  tensors += pooler_tensors(weights, config, prefix="pooler.dense.")
  return tensors


def pooler_tensors(weights: Mapping, config: EncoderConfig, prefix: str) -> list[Tensor]:
  """The pooler's dense layer as a torch Linear (sentence-transformers' Dense holds the same weights)."""
  return [(prefix + "weight", (config.hidden, config.hidden), _dense(weights, "pooler_transform/kernel", config.hidden)),
          (prefix + "bias", (config.hidden,), _vector(weights, "pooler_transform/bias"))]


def write_safetensors(path: str, tensors: Sequence[Tensor]) -> None:
  """Writes float32 tensors in the safetensors format, converting and holding one at a time.

  `safetensors.numpy.save_file` needs every array in memory at once (and a bytes copy of each): at
  LaBSE's size that is gigabytes beside the TensorFlow variables they come from. The format is simple
  (an 8-byte little-endian header length, a JSON header of dtypes, shapes and byte offsets, the raw
  data), so it is streamed here; the tests read it back with the safetensors library.
  """
  header: dict = {"__metadata__": {"format": "pt"}}
  offset = 0
  for name, shape, _ in tensors:
    size = 4 * int(np.prod(shape, dtype=np.int64))
    header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + size]}
    offset += size
  encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
  encoded += b" " * (-len(encoded) % 8)  # The data starts 8-byte aligned, as the library writes it.
  with open(path, "wb") as handle:
    handle.write(struct.pack("<Q", len(encoded)) + encoded)
    for name, shape, produce in tensors:
      array = produce()
      if array.shape != tuple(shape) or array.dtype != np.float32:
        raise HuggingFaceError(f"{name}: expected float32 {tuple(shape)}, got {array.dtype} {array.shape}")
      handle.write(memoryview(np.ascontiguousarray(array, "<f4")))
      del array


# --- sentence-transformers -----------------------------------------------------------------------

def sentence_transformers_files(config: EncoderConfig, seq_length: int) -> dict[str, dict | list]:
  """The JSON files of sentence-transformers/LaBSE's layout: Transformer -> CLS pooling -> Dense (tanh,
  the pooler's weights) -> Normalize, whose output is the L2-normalised `pooled_output`."""
  return {
      "modules.json": [
          {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
          {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
          {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"},
          {"idx": 3, "name": "3", "path": "3_Normalize", "type": "sentence_transformers.models.Normalize"},
      ],
      "sentence_bert_config.json": {"max_seq_length": seq_length, "do_lower_case": False},
      "config_sentence_transformers.json": {"model_type": "SentenceTransformer", "prompts": {},
                                            "default_prompt_name": None, "similarity_fn_name": "cosine"},
      "1_Pooling/config.json": {"word_embedding_dimension": config.hidden, "pooling_mode_cls_token": True,
                                "pooling_mode_mean_tokens": False, "pooling_mode_max_tokens": False,
                                "pooling_mode_mean_sqrt_len_tokens": False, "pooling_mode_weightedmean_tokens": False,
                                "pooling_mode_lasttoken": False, "include_prompt": True},
      "2_Dense/config.json": {"in_features": config.hidden, "out_features": config.hidden, "bias": True,
                              "activation_function": "torch.nn.modules.activation.Tanh"},
  }


def _write_json(path: str, data) -> None:
  os.makedirs(os.path.dirname(path), exist_ok=True)
  with open(path, "w", encoding="utf-8") as handle:
    json.dump(data, handle, indent=2, ensure_ascii=False)
    handle.write("\n")


def write(folder: str, vocab: Sequence[str], char_classes: CharClasses, seq_length: int, weights: Mapping,
          config: EncoderConfig) -> None:
  """Writes the folder (model card aside: `write_model_card` after `verify`). `weights` by LaBSE name,
  the word embedding table already the new vocab's rows."""
  if config.dropout.inner:
    raise HuggingFaceError(f"the original applies dropout {config.dropout.inner} inside the feed-forward layer, "
                           "which transformers' BertModel has no place for")
  os.makedirs(folder, exist_ok=True)
  build_tokenizer(vocab, char_classes, seq_length).save(os.path.join(folder, "tokenizer.json"))
  _write_json(os.path.join(folder, "tokenizer_config.json"), tokenizer_config(seq_length))
  _write_json(os.path.join(folder, "config.json"), bert_config(config, vocab.index("[PAD]")))
  write_safetensors(os.path.join(folder, "model.safetensors"), bert_tensors(weights, config))
  for name, data in sentence_transformers_files(config, seq_length).items():
    _write_json(os.path.join(folder, name), data)
  os.makedirs(os.path.join(folder, "3_Normalize"), exist_ok=True)
  write_safetensors(os.path.join(folder, "2_Dense", "model.safetensors"),
                    pooler_tensors(weights, config, prefix="linear."))


# --- Verification ---------------------------------------------------------------------------------

@dataclasses.dataclass
class LanguageCheck:
  """What one language's sentences give: the TF preprocess model's ids for every sentence, and for the
  sentences whose tokens are all kept, the original's pooled_output."""
  sentences: list[str]
  tf_word_ids: list[list[int]]  # Unpadded.
  preserved: np.ndarray
  pooled: np.ndarray  # [preserved sentences, hidden]


def verify(folder: str, checks: Mapping[str, LanguageCheck]) -> dict:
  """Loads the folder as users do and compares with TensorFlow, per language.

  Token ids: `AutoTokenizer` (the tokenizer sentence-transformers also uses) must give every sentence
  the TF preprocess model's ids. Embeddings, on the preserved sentences: `SentenceTransformer.encode`
  against the original's L2-normalised pooled_output, and, on the first POOLER_SAMPLE of them, its
  `BertModel`'s `pooler_output` against the pooled_output itself, each within TOLERANCE. Raises on any
  difference.
  """
  import torch
  from sentence_transformers import SentenceTransformer
  with weights_loaded_quietly():  # A model this export has just written.
    model = SentenceTransformer(folder, device="cpu")
  tokenizer, bert = model.tokenizer, model[0].auto_model
  results = {}
  for language, check in checks.items():
    hf_ids = tokenizer(check.sentences, truncation=True)["input_ids"]
    differing = [(s, got, want) for s, got, want in zip(check.sentences, hf_ids, check.tf_word_ids) if got != want]
    ids_equal = len(check.sentences) - len(differing)
    result = {"sentences": len(check.sentences), "ids_equal": int(ids_equal), "preserved": int(check.preserved.sum()),
              "embeddings_equal": 0, "max_abs_difference": 0.0, "max_abs_difference_pooled": 0.0}
    preserved = [s for s, keep in zip(check.sentences, check.preserved) if keep]
    if preserved:
      embeddings = model.encode(preserved, batch_size=VERIFY_BATCH_SIZE, convert_to_numpy=True, show_progress_bar=False)
      want = check.pooled / np.linalg.norm(check.pooled, axis=1, keepdims=True)
      difference = np.abs(embeddings - want).max(axis=1)
      # BertModel's own pooler (the weights AutoModel users read) on a sample: the same weights for every
      # sentence, and the embeddings above already cover every preserved sentence.
      with torch.inference_mode():
        inputs = tokenizer(preserved[:POOLER_SAMPLE], truncation=True, padding=True, return_tensors="pt")
        pooled = bert(**inputs).pooler_output.numpy()
      pooled_difference = np.abs(pooled - check.pooled[:POOLER_SAMPLE]).max()
      result.update(embeddings_equal=int((difference <= TOLERANCE).sum()), max_abs_difference=float(difference.max()),
                    max_abs_difference_pooled=float(pooled_difference))
    if differing:
      sentence, got, want = differing[0]
      result["first_difference"] = f"{sentence!r}: transformers {got} != TensorFlow {want}"
    results[language] = result
  failed = {language: r for language, r in results.items()
            if r["ids_equal"] != r["sentences"] or r["embeddings_equal"] != r["preserved"]
            or r["max_abs_difference_pooled"] > TOLERANCE}
  if failed:
    raise HuggingFaceError(f"the Hugging Face model differs from the TensorFlow one: {failed}")
  return results


def equivalence_table(results: Mapping[str, Mapping]) -> str:
  from pipelines import markdown
  return markdown.table(["language", "sentences", "token ids equal", "preserved", "embeddings equal",
                         "max abs difference (normalised)", "max abs difference (pooler_output)"],
                        [[language, r["sentences"], r["ids_equal"], r["preserved"], r["embeddings_equal"],
                          f"{r['max_abs_difference']:.2g}", f"{r['max_abs_difference_pooled']:.2g}"]
                         for language, r in results.items()])


# --- Model card ------------------------------------------------------------------------------------

def _selection_info(vocab_source: str) -> dict | None:
  """The selection.json beside the vocab, when the vocab came from a pipeline run or `smaller-labse select`."""
  from pipelines import outputs
  return outputs.read_selection_beside(vocab_source)


_MODEL_CARD = """---
library_name: sentence-transformers
pipeline_tag: sentence-similarity
license: apache-2.0
tags: [sentence-transformers, feature-extraction, sentence-similarity, labse, bert]{language_line}
---

# {title}

{what} with only the tokens {which}: a sentence whose tokens are all kept gets exactly the original's \
embedding, from a model {share:.1%} of the original's size. Written by smaller-LaBSE's exporter from the \
TensorFlow original, with LaBSE's tanh GELU and a tokenizer that reproduces the original preprocess model \
token for token.

## Size

{parameters}

## How it was made

- Original: encoder `{encoder}`, preprocess `{preprocess}`.
- Vocab: `{vocab}`{selected}{selection_table}

## Equivalence, measured when this folder was written

Token ids from `AutoTokenizer` against the TensorFlow preprocess model on every sentence; on the sentences \
whose tokens are all kept, sentence-transformers' embeddings against the original's L2-normalised \
`pooled_output`, and on the first {pooler_sample} of each language BertModel's `pooler_output` against the \
original's (tolerance {tolerance}):

{equivalence}

## Use it

```python
from sentence_transformers import SentenceTransformer

model = SentenceTransformer("PATH")
embeddings = model.encode(["dog", "Puppies are nice."])  # L2-normalised, as LaBSE's users normalise
```

```python
import torch
from transformers import AutoModel, AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained("PATH")
model = AutoModel.from_pretrained("PATH").eval()
inputs = tokenizer(["dog", "Puppies are nice."], padding=True, truncation=True, return_tensors="pt")  \
# truncation=True: {seq_length} tokens, as the original's preprocess model
with torch.inference_mode():
  embeddings = torch.nn.functional.normalize(model(**inputs).pooler_output, dim=-1)
```

Texts are cut at {seq_length} tokens ([CLS] and [SEP] included) like the TensorFlow preprocess model: \
sentence-transformers does this by itself; with transformers pass `truncation=True`.

## Fine-tuning

Dropout as in the original (read from its saved config): hidden {hidden_dropout}, attention \
{attention_dropout}; `model.train()` applies it, `model.eval()` does not.

## Tokens

The tokenizer is LaBSE's: tf_text's BertTokenizer rules (cased, no Unicode normalisation, Unicode spaces \
other than ASCII kept inside words, 100-byte word limit). To count that limit in bytes, `tokenizer.json` \
stores tokens one character per UTF-8 byte (GPT-2's byte alphabet): ASCII tokens read as themselves, other \
tokens as byte strings in `convert_ids_to_tokens` (`Ã©` for `é`); `tokenizer.decode` gives the text back.
"""


def model_card(vocab_source: str, report: Mapping) -> str:
  """README.md for the folder: what the model is, its size, how it was made, the equivalence measured
  when it was written, and how to use it from each library."""
  from pipelines import markdown
  from pipelines.parameters import parameter_table
  selection = _selection_info(vocab_source)
  languages = sorted(selection["languages"]) if selection else []
  parameters, architecture = report["parameters"], report.get("architecture", {})
  size = parameters["smaller"]["vocab_size"]
  # Only LaBSE's own shape is called LaBSE: a stand-in or another LaBSE-format encoder is named by its path.
  is_labse = (parameters["original"]["vocab_size"] == LABSE_VOCAB_SIZE and architecture.get("hidden") == 768
              and architecture.get("layers") == 12)
  selection_table = ("\n\n" + markdown.table(
      ["language", "lines", "tokens seen", "tokens kept", "coverage of occurrences"],
      [[language, info["lines"], info["tokens_seen"], info["tokens_kept"], f"{info['coverage']:.4%}"]
       for language, info in sorted(selection["languages"].items())])) if selection else ""
  return _MODEL_CARD.format(
      language_line=f"\nlanguage: [{', '.join(languages)}]" if languages else "",
      title=(f"LaBSE, {size:,} tokens" if is_labse else f"A LaBSE-format encoder (hidden {architecture.get('hidden')}, "
             f"{architecture.get('layers')} layers), {size:,} tokens"),
      what=("LaBSE (Language-agnostic BERT Sentence Embedding)" if is_labse else
            f"The encoder `{report['inputs']['encoder']}`, in LaBSE's format (not LaBSE itself),"),
      which=f"that {', '.join(languages)} use" if languages else "of the vocab it was exported with",
      share=parameters["smaller"]["model"] / parameters["original"]["model"], parameters=parameter_table(parameters),
      encoder=report["inputs"]["encoder"], preprocess=report["inputs"]["preprocess"], vocab=vocab_source,
      selected=(f", selected by smaller-LaBSE's pipeline: {selection['rule_text']}." if selection else "."),
      selection_table=selection_table, pooler_sample=POOLER_SAMPLE, tolerance=TOLERANCE,
      equivalence=equivalence_table(report["huggingface"]), seq_length=report["seq_length"],
      hidden_dropout=report["dropout"]["hidden"], attention_dropout=report["dropout"]["attention"])


def write_model_card(folder: str, vocab_source: str, report: Mapping) -> None:
  with open(os.path.join(folder, "README.md"), "w", encoding="utf-8") as handle:
    handle.write(model_card(vocab_source, report))
