"""Sentences packed to their own length: the batch plan by hand, and the fixture's embeddings against padding."""

import os
import subprocess
import sys

import numpy as np
import pytest

from exporter import encoding
from tests.conftest import FIXTURE, FLORES, ROOT, TATOEBA, shared_path


def test_plan_sorts_by_length_and_packs_each_batch_to_its_longest_rounded_to_eight():
  lengths = np.array([12, 3, 40, 12, 9, 200, 5])
  plan = encoding.plan_batches(lengths, batch_size=3, seq_length=128)
  # By length, ties in input order: 3 (1), 5 (6), 9 (4) | 12 (0), 12 (3), 40 (2) | 200 -> 128 (5).
  assert [batch.indices.tolist() for batch in plan] == [[1, 6, 4], [0, 3, 2], [5]]
  assert [batch.length for batch in plan] == [16, 40, 128]  # 9 -> 16, 40 stays, 200 is cut at seq_length.
  assert sorted(np.concatenate([batch.indices for batch in plan]).tolist()) == list(range(7))


def test_plan_for_several_models_takes_each_sentences_longest_and_never_packs_below_eight():
  original, smaller = np.array([2, 10, 4]), np.array([3, 10, 17])  # The smaller vocab splits sentence 2 more.
  plan = encoding.plan_batches([original, smaller], batch_size=2, seq_length=16)
  assert [batch.indices.tolist() for batch in plan] == [[0, 1], [2]]
  assert [batch.length for batch in plan] == [16, 16]  # 17 is cut at seq_length 16.
  assert [batch.length for batch in encoding.plan_batches(np.array([1, 2]), 8, 128)] == [8]
  assert encoding.plan_batches(np.zeros(0, np.int64), 8, 128) == []


@pytest.fixture(scope="module")
def fixture_encoder():
  from pipelines.tfstartup import import_tensorflow
  tf = import_tensorflow()
  return encoding.SentenceEncoder(tf.saved_model.load(os.path.join(shared_path(FIXTURE), "encoder")),
                                  tf.saved_model.load(os.path.join(FIXTURE, "preprocess")))


def mixed_sentences():
  """Real sentences of every length, from one word to past seq_length (FLORES Thai runs long), shuffled."""
  with open(os.path.join(shared_path(FLORES), "tha_Thai.dev"), encoding="utf-8") as handle:
    thai = handle.read().split("\n")[:20]
  with open(os.path.join(shared_path(TATOEBA), "tatoeba.fra-eng.fra"), encoding="utf-8") as handle:
    french = handle.read().split("\n")[:40]
  long = " ".join(french[:30])  # Over 128 tokens: truncated as the default call truncates it.
  sentences = list(dict.fromkeys([*thai, *french, long, "Oui.", "x"]))  # Tatoeba repeats a few sentences.
  order = np.random.default_rng(0).permutation(len(sentences))
  return [sentences[i] for i in order]


@pytest.mark.shared
def test_packed_embeddings_equal_padded_ones_in_input_order(fixture_encoder):
  import tensorflow as tf
  sentences = mixed_sentences()
  lengths = fixture_encoder.token_lengths(sentences)
  assert lengths.max() == fixture_encoder.seq_length == 128 and lengths.min() <= 8
  inputs = fixture_encoder.preprocess(tf.constant(sentences))
  padded = fixture_encoder.encoder(inputs, training=False)["pooled_output"].numpy()
  ids = inputs["input_word_ids"].numpy()
  plan = fixture_encoder.plan(sentences, batch_size=8)
  assert len({batch.length for batch in plan}) > 3  # Several lengths, not one padded size.
  packed = fixture_encoder.encode(sentences, plan)
  # Row for row the same sentence (input order kept): far closer than any two sentences tokenized differently
  # (Thai sentences without spaces are one word over 100 bytes, all `[UNK]`: those are alike).
  assert np.abs(packed - padded).max() < 1e-5
  distances = np.abs(padded[:, None, :] - padded[None, :, :]).max(axis=2)
  different = (ids[:, None, :] != ids[None, :, :]).any(axis=2)
  assert different.sum() > 3000 and distances[different].min() > 1e-3


@pytest.mark.shared
def test_each_batch_is_packed_to_its_plans_length(fixture_encoder):
  sentences = mixed_sentences()
  for batch in fixture_encoder.plan(sentences, batch_size=8):
    inputs = fixture_encoder.inputs(sentences, batch)
    assert inputs["input_word_ids"].shape == (len(batch.indices), batch.length)
    # The longest sentence of a batch fills it up to its own length (rounded up to 8).
    assert batch.length - 8 < int(inputs["input_mask"].numpy().sum(axis=1).max()) <= batch.length


@pytest.mark.slow
def test_tatoeba_job_runs_on_a_hugging_face_folder_with_tensorflow_impossible_to_import(fixture_export, tmp_path):
  output, _, _ = fixture_export
  blocker = ("import sys\n"
             "for name in ('tensorflow', 'tensorflow_text', 'tensorflow_hub', 'tf_keras'):\n"
             "  sys.modules[name] = None  # import raises ImportError\n"
             "from evaluation import tatoeba\n"
             f"tatoeba.main(['--data', {shared_path(TATOEBA)!r}, '--model', 'pt={output / 'hf'}', '--languages', 'fr',"
             f" '--output', {str(tmp_path)!r}])\n"
             "assert not any(name.startswith('tensorflow') for name, module in sys.modules.items() if module)\n")
  done = subprocess.run([sys.executable, "-c", blocker], cwd=ROOT, capture_output=True, text=True)
  assert done.returncode == 0, done.stderr[-2000:]
  assert "| pt(en→xx) |" in done.stdout and (tmp_path / "results.json").exists()
