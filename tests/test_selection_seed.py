"""Selection on the original smaller-LaBSE's own counts (../shared/data/seed-counts), measured on real text.

The published 173,347-token vocab is the baseline: the default rule must keep no more tokens and
preserve more Tatoeba sentences, in total and in its worst language. `--target_preservation` is
checked on held-out text: the sample is one half of FLORES dev, the check the other half.
"""

import os

import numpy as np
import pytest

from pipelines import languages, selection
from pipelines.sampling import Sample
from pipelines.tokenizer import TokenizerSpec
from pipelines.vocab import read_vocab
from tests.conftest import FLORES, SHARED, TATOEBA, shared_path

SEED = os.path.join(SHARED, "data", "seed-counts")
PUBLISHED = os.path.join(SHARED, "data", "labse", "smaller-labse-15lang-vocab.txt")

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def seed():
  vocab, counts, samples = selection.read_run(shared_path(SEED))
  assert not samples  # The seed kept no sentence samples: selection works from counts alone.
  return vocab, counts, TokenizerSpec.tf_text_cased(vocab, SEED).build()


def kept_mask(vocab, tokens) -> np.ndarray:
  index = {token: i for i, token in enumerate(vocab)}
  kept = np.zeros(len(vocab), bool)
  kept[[index[token] for token in tokens if token in index]] = True
  return kept


def preserved(texts: dict[str, Sample], kept: np.ndarray) -> tuple[float, float]:
  """(share preserved in all, share in the worst language)."""
  counts = {language: sample.preserved(kept) for language, sample in texts.items()}
  total = sum(counts.values()) / sum(len(sample) for sample in texts.values())
  return total, min(counts[language] / len(texts[language]) for language in texts)


@pytest.fixture(scope="module")
def tatoeba(seed):
  from evaluation.preservation import read_texts
  _, _, tokenizer = seed
  return {language: Sample.tokenize(tokenizer, sentences, language)
          for language, sentences in read_texts(shared_path(TATOEBA), []).items()}


def test_default_beats_the_published_vocab_on_tatoeba(seed, tatoeba):
  vocab, counts, _ = seed
  chosen = selection.select(counts, vocab, selection.SelectionRule())
  assert len(chosen.vocab) <= 173_347
  ours = preserved(tatoeba, kept_mask(vocab, chosen.vocab))
  published = preserved(tatoeba, kept_mask(vocab, read_vocab(shared_path(PUBLISHED))))
  assert ours[0] > published[0] and ours[1] > published[1], (ours, published)


def test_target_preservation_holds_on_held_out_text(seed):
  vocab, counts, tokenizer = seed
  halves = ({}, {})
  for path in sorted(os.listdir(shared_path(FLORES))):
    code = languages.resolve(path[:-len(".dev")]).code
    with open(os.path.join(FLORES, path), encoding="utf-8") as handle:
      sentences = handle.read().split("\n")[:-1]
    middle = len(sentences) // 2
    halves[0][code] = Sample.tokenize(tokenizer, sentences[:middle], code)
    halves[1][code] = Sample.tokenize(tokenizer, sentences[middle:], code)
  wanted = {code: counts[code] for code in halves[0]}
  for target in (0.9, 0.97):
    chosen = selection.select(wanted, vocab, selection.SelectionRule(target_preservation=target, max_vocab=None),
                              halves[0])
    _, worst = preserved(halves[1], kept_mask(vocab, chosen.vocab))
    assert worst >= target - 0.01, (target, worst, len(chosen.vocab))
