"""Selection on the original smaller-LaBSE's own counts (../shared/data/seed-counts), measured on real text.

The published 173,347-token vocab is the baseline: the default rule must keep no more tokens and
preserve more sentences, in total and in its worst language, on Tatoeba (conversation) and on FLORES
dev (news, travel guides), neither of which selection sees. `--target_preservation` is checked on
held-out text: the sample is one half of FLORES dev, the check the other half.
"""

import os

import numpy as np
import pytest

from pipelines import selection
from pipelines.sampling import Sample
from pipelines.tokenizer import TokenizerSpec
from pipelines.vocab import kept_mask, read_vocab
from tests.conftest import FLORES, SHARED, TATOEBA, shared_path

SEED = os.path.join(SHARED, "data", "seed-counts")
PUBLISHED = os.path.join(SHARED, "data", "labse", "smaller-labse-15lang-vocab.txt")

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def seed():
  vocab, counts, samples = selection.read_run(shared_path(SEED))
  assert not samples  # The seed kept no sentence samples: selection works from counts alone.
  return vocab, counts, TokenizerSpec.tf_text_cased(vocab, SEED).build()


def preserved(texts: dict[str, Sample], kept: np.ndarray) -> tuple[float, float]:
  """(share preserved in all, share in the worst language)."""
  counts = {language: sample.preserved(kept) for language, sample in texts.items()}
  total = sum(counts.values()) / sum(len(sample) for sample in texts.values())
  return total, min(counts[language] / len(texts[language]) for language in texts)


def flores_dev() -> dict[str, list[str]]:
  from evaluation.preservation import read_texts
  files = sorted(os.listdir(shared_path(FLORES)))
  return read_texts(None, [f"{name[:-len('.dev')]}={os.path.join(FLORES, name)}" for name in files])


@pytest.fixture(scope="module")
def evaluation_sets(seed):
  from evaluation.preservation import read_texts
  _, _, tokenizer = seed
  return {
      "tatoeba": {language: Sample.tokenize(tokenizer, sentences, language)
                  for language, sentences in read_texts(shared_path(TATOEBA), []).items()},
      "flores": {language: Sample.tokenize(tokenizer, sentences, language)
                 for language, sentences in flores_dev().items()},
  }


def test_default_beats_the_published_vocab(seed, evaluation_sets):
  vocab, counts, _ = seed
  chosen = selection.select(counts, vocab, selection.SelectionRule())
  assert len(chosen.vocab) <= 173_347
  ours, published = kept_mask(vocab, chosen.vocab), kept_mask(vocab, read_vocab(shared_path(PUBLISHED)))
  for name, texts in evaluation_sets.items():
    mine, theirs = preserved(texts, ours), preserved(texts, published)
    assert mine[0] > theirs[0] and mine[1] > theirs[1], (name, mine, theirs)


def test_target_preservation_holds_on_held_out_text(seed):
  vocab, counts, tokenizer = seed
  halves = ({}, {})
  for code, sentences in flores_dev().items():
    middle = len(sentences) // 2
    halves[0][code] = Sample.tokenize(tokenizer, sentences[:middle], code)
    halves[1][code] = Sample.tokenize(tokenizer, sentences[middle:], code)
  wanted = {code: counts[code] for code in halves[0]}
  for target in (0.9, 0.97):
    chosen = selection.select(wanted, vocab, selection.SelectionRule(target_preservation=target, max_vocab=None),
                              halves[0])
    _, worst = preserved(halves[1], kept_mask(vocab, chosen.vocab))
    assert worst >= target - 0.01, (target, worst, len(chosen.vocab))
