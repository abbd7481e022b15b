"""Selection on the original smaller-LaBSE's own counts (../shared/data/seed-counts), measured on real text.

The published 173,347-token vocab is the baseline: the default rule must keep no more tokens and
preserve more sentences, in total and in its worst language, on every kind of text the project has,
none of which selection sees: Tatoeba (conversation), FLORES dev (news, travel guides), a web framework's
interface strings (benchmarks/data/interface-strings: buttons, form errors, messages) and desktop and
project tools' strings (benchmarks/data/desktop-strings: product names, acronyms, technical words).
`--target_preservation` is checked on held-out text: the sample is one half of FLORES dev, the check the
other half.
"""

import os

import numpy as np
import pytest

from pipelines import selection
from pipelines.sampling import Sample
from pipelines.tokenizer import TokenizerSpec
from pipelines.vocab import kept_mask, read_vocab
from benchmarks.selection_rules import DESKTOP, interface_strings
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
      "interface": {language: Sample.tokenize(tokenizer, sentences, language)
                    for language, sentences in interface_strings().items()},
      "desktop": {language: Sample.tokenize(tokenizer, sentences, language)
                  for language, sentences in interface_strings(DESKTOP).items()},
  }


def test_default_beats_the_published_vocab(seed, evaluation_sets):
  vocab, counts, _ = seed
  chosen = selection.select(counts, vocab, selection.SelectionRule.default())
  assert len(chosen.vocab) <= 173_347
  ours, published = kept_mask(vocab, chosen.vocab), kept_mask(vocab, read_vocab(shared_path(PUBLISHED)))
  for name, texts in evaluation_sets.items():
    mine, theirs = preserved(texts, ours), preserved(texts, published)
    assert mine[0] > theirs[0] and mine[1] > theirs[1], (name, mine, theirs)


def test_the_default_is_the_published_size_on_the_seeds_languages_and_follows_the_set(seed):
  vocab, counts, _ = seed
  default = selection.select(counts, vocab, selection.SelectionRule.default())
  by_size = selection.select(counts, vocab, selection.SelectionRule(max_vocab=selection.PUBLISHED_VOCAB_SIZE))
  assert default.vocab == by_size.vocab and len(default.vocab) == 173_347  # The same vocab, token for token.
  assert not default.warnings  # The bar alone keeps the 173,347: nothing is filled.
  bar = selection.SelectionRule(min_lines_per_million=selection.PUBLISHED_BAR_LINES_PER_MILLION)
  # One language alone: the bar keeps exactly the tokens in at least 47.60564 of every million of its lines ...
  japanese = selection.select({"ja": counts["ja"]}, vocab, bar)
  shares = counts["ja"].line_counts / counts["ja"].stats["lines"]
  assert set(japanese.vocab[104:]) == {vocab[i] for i in np.flatnonzero(shares >= 47.60564e-6) if i >= 104}
  # ... and the default fills the published size: every token Japanese's counts saw, fewer than 173,347.
  filled = selection.select({"ja": counts["ja"]}, vocab, selection.SelectionRule.default())
  assert set(filled.vocab[104:]) == {vocab[i] for i in np.flatnonzero(counts["ja"].token_counts) if i >= 104}
  assert len(japanese.vocab) < len(filled.vocab) < 173_347
  three = selection.select({code: counts[code] for code in ("ar", "ja", "ru")}, vocab, bar)
  assert len(japanese.vocab) < len(three.vocab) < len(default.vocab)


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
