"""The Hugging Face export: its tokenizer against TensorFlow's preprocess models, its weights against
transformers' own BertModel layout and the TF encoder, sentence-transformers, fine-tuning in PyTorch,
and the export's self-check failing whole."""

import json
import os

import numpy as np
import pytest

from tests.conftest import FIXTURE, OWN_DROPOUT, real_text_files

# Each line a case where a standard BERT tokenizer and LaBSE's differ, or where the rules have an edge.
EDGE_CASES = [
    "", " ", "\t\n", "[CLS]", "[SEP] x [MASK] [PAD] [UNK]", "[unused1]", "##", "##ing", "a##b",
    "x\u00a0y", "Pourquoi\u202f?", "fin\u202f!", "\u3000全角\u3000スペース", "zero\u200bwidth", "soft\u00adhyphen",
    "ctrl\x00char\x07s\x1b[0m", "bom\ufeffinside", "line\u2028sep\u2029para", "tab\tand\x0bvt\x0cff\rcr",
    "a" * 100, "a" * 101, "é" * 50, "é" * 51, "ไ" * 33, "ไ" * 34, "日本語" * 40, "🙂👍🏽" * 13, "🙂" * 26,
    "e\u0301 combining", "Ǆ ǅ ǆ ﬁ ß ẞ İ ı", "Ελληνικά", "עברית", "हिन्दी", "ภาษาไทยไม่มีการเว้นวรรค",
    "(a)[b]{c}<d> «e» „f“ 'g' \"h\" ¿i? ¡j!", "1,000.5 - 2 3/4 % $ € ¥", "word " * 200,
    "\ud7ff\ue000\uf8ff\U000f0000 private", "ꙮfill7 ꙮ",
]


def hf_tokenizer(folder):
  from transformers import AutoTokenizer
  return AutoTokenizer.from_pretrained(str(folder))


def tf_ids(preprocess, texts):
  """The TF preprocess model's input_word_ids, unpadded."""
  import tensorflow as tf
  inputs = preprocess(tf.constant(list(texts)))
  return [row[mask.astype(bool)].tolist() for row, mask in zip(inputs["input_word_ids"].numpy(),
                                                                 inputs["input_mask"].numpy())]


def real_texts():
  return [line for paths in real_text_files().values() for path in paths
          for line in open(path, encoding="utf-8").read().split("\n")[:-1]]


def differences(tokenizer, preprocess, texts):
  want = tf_ids(preprocess, texts)
  got = tokenizer(list(texts), truncation=True)["input_ids"]
  return [(text, g, w) for text, g, w in zip(texts, got, want) if g != w]


# --- Pure parts: no TensorFlow, no ../shared ------------------------------------------------------

def test_byte_level_map_is_the_tokenizers_librarys_own():
  from tokenizers import pre_tokenizers

  from exporter.huggingface import byte_level_alphabet, to_byte_level
  alphabet = byte_level_alphabet()
  assert sorted(alphabet) == list(range(256))
  assert sorted(alphabet.values()) == sorted(pre_tokenizers.ByteLevel.alphabet())
  byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
  for text in ["abc##", "é", "日本", "x\u00a0y\u202fz", "🙂", "".join(map(chr, range(1, 0x800, 7))), *EDGE_CASES[1:]]:
    assert byte_level.pre_tokenize_str(text)[0][0] == to_byte_level(text), text


def test_safetensors_streamed_one_tensor_at_a_time_read_back_by_the_library(tmp_path):
  from safetensors import safe_open
  from safetensors.numpy import load_file

  from exporter.huggingface import HuggingFaceError, write_safetensors
  rng = np.random.default_rng(0)
  arrays = {"b.weight": rng.normal(size=(3, 5)).astype(np.float32), "a.bias": rng.normal(size=7).astype(np.float32),
            "empty": np.zeros((0, 4), np.float32)}
  path = str(tmp_path / "model.safetensors")
  write_safetensors(path, [(name, array.shape, lambda array=array: array) for name, array in arrays.items()])
  loaded = load_file(path)
  assert sorted(loaded) == sorted(arrays)
  for name, array in arrays.items():
    assert loaded[name].dtype == np.float32 and np.array_equal(loaded[name], array), name
  with safe_open(path, "np") as handle:
    assert handle.metadata() == {"format": "pt"}
  with pytest.raises(HuggingFaceError, match="b.weight: expected float32 \\(5, 3\\)"):
    write_safetensors(path, [("b.weight", (5, 3), lambda: arrays["b.weight"])])


def test_weights_are_named_and_shaped_as_transformers_bert_model():
  import torch
  import transformers

  from exporter import config as encoder_config, huggingface
  config = encoder_config.EncoderConfig(vocab_size=300, hidden=24, layers=2, heads=3, intermediate=40, max_positions=32)
  model = transformers.BertModel(transformers.BertConfig(**{k: v for k, v in huggingface.bert_config(config, 0).items()
                                                            if k not in ("architectures", "model_type")}))
  want = {name: tuple(tensor.shape) for name, tensor in model.state_dict().items()}
  got = {name: shape for name, shape, _ in huggingface.bert_tensors({}, config)}
  assert got == want
  assert isinstance(model.encoder.layer[0].intermediate.intermediate_act_fn, transformers.activations.GELUTanh)
  x = np.linspace(-4, 4, 81, dtype=np.float32)
  tanh_gelu = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))  # LaBSE's (tf.nn.gelu approximate).
  activation = model.encoder.layer[0].intermediate.intermediate_act_fn(torch.from_numpy(x)).numpy()
  assert np.abs(activation - tanh_gelu).max() < 1e-6


# --- The tokenizer against TensorFlow ---------------------------------------------------------------

@pytest.fixture(scope="module")
def fixture_hf_tokenizer(fixture_spec, tmp_path_factory):
  """The tokenizer for the fixture's full vocab, as `--vocab` = the original's writes it."""
  from exporter import huggingface
  folder = tmp_path_factory.mktemp("hf_tokenizer")
  huggingface.build_tokenizer(fixture_spec.vocab(), fixture_spec.char_classes, 128).save(str(folder / "tokenizer.json"))
  (folder / "tokenizer_config.json").write_text(json.dumps(huggingface.tokenizer_config(128)))
  return hf_tokenizer(folder)


@pytest.mark.shared
def test_tokenizer_gives_the_original_preprocess_ids_on_real_text_and_edge_cases(fixture_hf_tokenizer):
  import tensorflow as tf
  import tensorflow_text  # noqa: F401
  original = tf.saved_model.load(os.path.join(FIXTURE, "preprocess"))
  texts = real_texts() + EDGE_CASES
  assert len(texts) > 42_000
  assert differences(fixture_hf_tokenizer, original, texts) == []


@pytest.mark.shared
def test_tokenizer_readability_specials_and_truncation(fixture_hf_tokenizer):
  tokenizer = fixture_hf_tokenizer
  ids = tokenizer("The lighthouse [CLS]")["input_ids"]
  tokens = tokenizer.convert_ids_to_tokens(ids)
  assert tokens[:4] == ["[CLS]", "The", "light", "##house"] and tokens[-2:] == ["]", "[SEP]"]  # ASCII reads as itself.
  assert ids.count(tokenizer.cls_token_id) == 1 and "[" in tokens  # Text spelling [CLS] is text.
  assert tokenizer.convert_ids_to_tokens(tokenizer("été")["input_ids"])[1:-1] == ["Ã©tÃ©"]  # Byte-level.
  assert tokenizer.decode(tokenizer("Le phare guide les navires.")["input_ids"], skip_special_tokens=True) == \
      "Le phare guide les navires."
  assert tokenizer.decode(tokenizer("日本語のテキスト")["input_ids"], skip_special_tokens=True).replace(" ", "") == \
      "日本語のテキスト"
  assert len(tokenizer("word " * 300, truncation=True)["input_ids"]) == tokenizer.model_max_length == 128
  assert (tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id, tokenizer.unk_token_id) == (101, 102, 0, 100)


@pytest.mark.shared
def test_pairs_match_tensorflow_unless_both_segments_are_cut_to_an_odd_budget(fixture_hf_tokenizer):
  """BertPackInputs trims pairs round robin (the first segment gets the spare token), transformers trims the
  longest first (the second gets it): the same except when both segments are cut and the budget is odd."""
  import tensorflow as tf
  original = tf.saved_model.load(os.path.join(FIXTURE, "preprocess"))
  first = ["one two three four five six seven eight nine ten", "short", "a b c d e f g", "Le phare\u202f!"]
  second = ["alpha beta gamma", "a much longer second segment with many words in it", "h i j k l m n", "灯台"]

  def both(seq_length):
    want = original.bert_pack_inputs([original.tokenize(tf.constant(first)), original.tokenize(tf.constant(second))],
                                     seq_length=seq_length)
    got = fixture_hf_tokenizer(first, second, truncation=True, max_length=seq_length, padding="max_length")
    return (got["input_ids"], got["token_type_ids"]), (want["input_word_ids"].numpy().tolist(),
                                                        want["input_type_ids"].numpy().tolist())

  for seq_length in (9, 13, 17, 64):  # Budgets (seq_length - 3) 6, 10, 14, and no cut.
    got, want = both(seq_length)
    assert got == want, seq_length
  (got, _), (want, _) = both(10)  # Budget 7: "a b c d e f g" and "h i j k l m n" are both cut to 4 + 3 tokens.
  assert [row for row in range(len(first)) if got[row] != want[row]] == [2]
  assert want[2].index(102) == 5 and got[2].index(102) == 4


# --- Whole exports ------------------------------------------------------------------------------------

@pytest.mark.shared
def test_fixture_hf_export_is_exact_on_every_real_sentence(fixture_export):
  output, report, kept = fixture_export
  checked = report["huggingface"]
  assert sorted(checked) == sorted(real_text_files())
  for language, result in checked.items():  # What it checked; whether it holds is tested independently below.
    assert result["sentences"] == report["equivalence"][language]["sentences"], language
  config = json.loads((output / "hf" / "config.json").read_text())
  assert (config["hidden_act"], config["layer_norm_eps"], config["vocab_size"]) == ("gelu_pytorch_tanh", 1e-12, len(kept))
  assert (config["hidden_dropout_prob"], config["attention_probs_dropout_prob"]) == (0.1, 0.1)  # The fixture's.
  card = (output / "hf" / "README.md").read_text()
  assert "library_name: sentence-transformers" in card and f"{len(kept):,} tokens" in card
  assert "selected by smaller-LaBSE's pipeline" in card and "| fr |" in card


@pytest.mark.shared
def test_fixture_hf_tokenizer_equals_tf_texts_wordpiece_over_the_new_vocab(fixture_export):
  """An independent reference: tf_text's BertTokenizer over the smaller vocab file, not the saved models."""
  from pipelines.reference import TfTextTokenizer
  output, _, kept = fixture_export
  reference = TfTextTokenizer(str(output / "preprocess" / "assets" / "vocab.txt"), lower_case=False)
  tokenizer = hf_tokenizer(output / "hf")
  texts = [text for text in real_texts()[::7] + EDGE_CASES if len(text.split()) < 50]  # No truncation here.
  cls, sep = kept.index("[CLS]"), kept.index("[SEP]")
  want = [[cls, *ids, sep] for ids in reference.token_ids(texts)]
  got = tokenizer(texts)["input_ids"]
  assert [(t, g, w) for t, g, w in zip(texts, got, want) if g != w] == []


@pytest.mark.shared
def test_sentence_transformers_embeddings_are_the_tf_models_normalised_pooled_output(fixture_export):
  import tensorflow as tf
  from sentence_transformers import SentenceTransformer
  from transformers import AutoModel
  output, _, _ = fixture_export
  model = SentenceTransformer(str(output / "hf"), device="cpu")
  assert model.max_seq_length == 128
  assert type(AutoModel.from_pretrained(str(output / "hf"))).__name__ == "BertModel"
  encoder, preprocess = tf.saved_model.load(str(output / "encoder")), tf.saved_model.load(str(output / "preprocess"))
  texts = real_texts()[::50] + EDGE_CASES
  want = encoder(preprocess(tf.constant(texts)), training=False)["pooled_output"].numpy()
  want /= np.linalg.norm(want, axis=1, keepdims=True)
  got = model.encode(texts, batch_size=64)
  assert np.abs(got - want).max() <= 1e-4  # Std-0.5 random weights: float32 rounding amplified (see docs/pytorch.md).


def test_other_size_hf_export_matches_tf_within_bert_scale_rounding(own_export):
  """3 layers, 4 heads, hidden 48, seq_length 64, BERT's initialization, its own dropout rates."""
  import tensorflow as tf
  from sentence_transformers import SentenceTransformer
  output, report, kept = own_export
  config = json.loads((output / "hf" / "config.json").read_text())
  assert (config["hidden_size"], config["num_attention_heads"], config["num_hidden_layers"]) == (48, 4, 3)
  assert (config["hidden_dropout_prob"], config["attention_probs_dropout_prob"]) == (OWN_DROPOUT["hidden"],
                                                                                     OWN_DROPOUT["attention"])
  model = SentenceTransformer(str(output / "hf"), device="cpu")
  assert model.max_seq_length == 64
  encoder, preprocess = tf.saved_model.load(str(output / "encoder")), tf.saved_model.load(str(output / "preprocess"))
  from samples import stand_in
  texts = stand_in.sample_lines()[:64] + EDGE_CASES
  want = encoder(preprocess(tf.constant(texts)), training=False)["pooled_output"].numpy()
  want /= np.linalg.norm(want, axis=1, keepdims=True)
  assert np.abs(model.encode(texts) - want).max() <= 1e-5
  assert differences(hf_tokenizer(output / "hf"), preprocess, texts) == []


def test_pytorch_fine_tuning_steps_lower_the_loss_and_change_the_embedding_rows(own_export):
  import torch
  from sentence_transformers import SentenceTransformer
  output, _, _ = own_export
  torch.manual_seed(0)
  model = SentenceTransformer(str(output / "hf"), device="cpu")
  anchors = ["Le phare guide les navires.", "Les abeilles font du miel.", "La mer est calme ce soir.", "Il pleut."]
  features = [model.tokenize(anchors)]
  table = model[0].auto_model.embeddings.word_embeddings.weight
  used = features[0]["input_ids"][features[0]["attention_mask"].bool()].unique()  # Not [PAD]: it gets no gradient.
  before = table.detach().clone()
  model.eval()
  with torch.no_grad():  # Inference mode is deterministic; training mode applies the model's dropout.
    assert torch.equal(model(dict(features[0]))["sentence_embedding"], model(dict(features[0]))["sentence_embedding"])
  model.train()
  with torch.no_grad():
    assert not torch.equal(model(dict(features[0]))["sentence_embedding"], model(dict(features[0]))["sentence_embedding"])
  # The stand-in's random weights embed every sentence nearly alike, so an in-batch contrastive loss sits at
  # ln 4 with no gradient to speak of; pulling each sentence towards a fixed target moves it.
  targets = torch.nn.functional.normalize(torch.randn(len(anchors), model.get_sentence_embedding_dimension(),
                                                      generator=torch.Generator().manual_seed(0)), dim=1)

  def regression_loss():
    anchor = model(dict(features[0]))["sentence_embedding"]
    return ((anchor - targets) ** 2).sum(dim=1).mean()

  def inference_loss():  # Without dropout, so that the comparison is not noise.
    model.eval()
    with torch.no_grad():
      loss = regression_loss().item()
    model.train()
    return loss

  optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
  before_training = inference_loss()
  for _ in range(6):
    loss = regression_loss()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
  after_training = inference_loss()
  assert after_training < before_training - 0.01
  changed = (table.detach() != before).any(dim=1)
  assert changed[used].all()


def test_a_failing_hf_check_leaves_nothing(own_original, tmp_path, monkeypatch):
  """Without split_special_tokens, text spelling [CLS] becomes the special id: the check must catch it."""
  from exporter import export, huggingface
  root, vocab = own_original
  (tmp_path / "vocab.txt").write_text("".join(token + "\n" for token in vocab), encoding="utf-8")
  real_config = huggingface.tokenizer_config
  monkeypatch.setattr(huggingface, "tokenizer_config", lambda n: {**real_config(n), "split_special_tokens": False})
  with pytest.raises(export.ExportError, match=r"differs from the TensorFlow one.*'\[CLS\] phare'"):
    export.export(str(root / "encoder"), str(root / "preprocess"), str(tmp_path / "vocab.txt"),
                  str(tmp_path / "out"), texts={"fr": ["[CLS] phare", "le phare"]}, hf=True)
  assert os.listdir(tmp_path) == ["vocab.txt"]


def test_hf_export_without_the_libraries_says_what_to_install(tmp_path, monkeypatch):
  from exporter import export, hf_libraries
  monkeypatch.setattr(hf_libraries, "missing_libraries", lambda: ["torch", "sentence_transformers"])
  with pytest.raises(export.ExportError, match=r"--hf needs torch, sentence_transformers: install the project's hf extra: pip install '\.\[hf\]'"):
    export.export("unused", "unused", "unused", str(tmp_path / "out"), hf=True)


WRITE_WITHOUT_TORCH = """
import sys
import numpy as np
from exporter import config as encoder_config, huggingface
from pipelines.tokenizer import CharClasses
from pipelines.vocab import LABSE_SPECIAL_TOKENS
vocab = [*LABSE_SPECIAL_TOKENS, "le", "phare", "##s", "é", "!"]
config = encoder_config.EncoderConfig(len(vocab), hidden=12, layers=2, heads=3, intermediate=20, max_positions=16)
rng = np.random.default_rng(1)
weights = {name: rng.normal(size=shape).astype(np.float32) for name, shape in encoder_config.weight_shapes(config).items()}
np.savez(sys.argv[2], **{name.replace("/", "|"): value for name, value in weights.items()})
huggingface.write(sys.argv[1], vocab, CharClasses(((32, 32),), ((33, 33),)), 16, weights, config)
assert "torch" not in sys.modules, "writing the folder imported torch"
"""


def test_the_folder_is_written_without_torch_and_loads_as_the_weights_given(tmp_path):
  """Writing needs numpy and tokenizers only (a child process proves torch is never imported); the
  BertModel transformers loads holds the given weights, kernels transposed and attention heads merged."""
  import subprocess
  import sys

  import torch
  from transformers import AutoModel
  folder, arrays = tmp_path / "hf", tmp_path / "weights.npz"
  subprocess.run([sys.executable, "-c", WRITE_WITHOUT_TORCH, str(folder), str(arrays)], check=True,
                 cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
  weights = {name.replace("|", "/"): value for name, value in np.load(arrays).items()}
  state = AutoModel.from_pretrained(str(folder)).state_dict()
  assert torch.equal(state["embeddings.word_embeddings.weight"], torch.from_numpy(weights["word_embeddings/embeddings"]))
  query = weights["transformer/layer_1/self_attention/query/kernel"]  # [hidden, heads, head size]
  assert torch.equal(state["encoder.layer.1.attention.self.query.weight"], torch.from_numpy(query.reshape(12, 12).T))
  output = weights["transformer/layer_0/self_attention/attention_output/kernel"]  # [heads, head size, hidden]
  assert torch.equal(state["encoder.layer.0.attention.output.dense.weight"], torch.from_numpy(output.reshape(12, 12).T))
  assert torch.equal(state["pooler.dense.bias"], torch.from_numpy(weights["pooler_transform/bias"]))
  assert torch.equal(state["encoder.layer.1.output.dense.weight"],
                     torch.from_numpy(weights["transformer/layer_1/output/kernel"].T))
