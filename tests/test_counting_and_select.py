"""Token counting and vocab selection on hand-counted cases."""

import random

import numpy as np
import pytest

from pipelines import counting, select, tokenizer
from pipelines.vocab import LABSE_SPECIAL_TOKENS

# A tokenizer whose word splitting is plain ASCII: spaces separate, "." and "!" are isolated.
CLASSES = tokenizer.CharClasses(((0, 32),), ((33, 33), (46, 46)))
VOCAB = [*LABSE_SPECIAL_TOKENS, "a", "b", "##b", "c", ".", "!", "ab"]
ID = {token: i for i, token in enumerate(VOCAB)}


@pytest.fixture()
def fast():
  return tokenizer.LabseTokenizer.cased(VOCAB, CLASSES)


def test_counts_and_line_counts_hand_counted(fast):
  counts = counting.LanguageCounts.empty(len(VOCAB))
  counts.add_lines(fast, ["ab ab. a", "abb zz", "c c c !"])
  # ab ab . a | ab ##b (greedy: "ab" is the longest prefix of "abb"), [UNK] | c c c !
  expected = {"ab": 3, ".": 1, "a": 1, "##b": 1, "[UNK]": 1, "c": 3, "!": 1}
  assert {VOCAB[i]: int(n) for i, n in enumerate(counts.token_counts) if n} == expected
  lines = {"ab": 2, ".": 1, "a": 1, "##b": 1, "[UNK]": 1, "c": 1, "!": 1}
  assert {VOCAB[i]: int(n) for i, n in enumerate(counts.line_counts) if n} == lines
  assert counts.stats["lines"] == 3 and counts.stats["words"] == 10
  assert counts.stats["tokens"] == 11 and counts.stats["unk_tokens"] == 1


def test_batch_counts_equal_per_line_counts(fast):
  rng = random.Random(3)
  lines = [" ".join(rng.choice(["a", "ab", "abb", "b", "c!", "x", "a.b", ""]) for _ in range(rng.randint(0, 12)))
           for _ in range(500)]
  batched = counting.LanguageCounts.empty(len(VOCAB))
  for begin in range(0, len(lines), 64):
    batched.add_lines(fast, lines[begin:begin + 64])
  token_counts = np.zeros(len(VOCAB), np.int64)
  line_counts = np.zeros(len(VOCAB), np.int64)
  for line in lines:
    ids = fast.token_ids(line)
    np.add.at(token_counts, ids, 1)
    line_counts[sorted(set(ids))] += 1
  assert (batched.token_counts == token_counts).all()
  assert (batched.line_counts == line_counts).all()


def test_merge_adds_vectors_and_stats(fast):
  left, right = counting.LanguageCounts.empty(len(VOCAB)), counting.LanguageCounts.empty(len(VOCAB))
  left.add_lines(fast, ["a b"])
  right.add_lines(fast, ["a c", "c"])
  right.add_stats(shards_skipped=1)
  merged = left.merge(right)
  assert merged.token_counts[ID["a"]] == 2 and merged.line_counts[ID["c"]] == 2
  assert merged.stats["lines"] == 3 and merged.stats["shards_skipped"] == 1


def totals(counts: dict[str, tuple[int, int]], lines: int) -> select.LanguageTotals:
  token_counts = np.zeros(len(VOCAB), np.int64)
  line_counts = np.zeros(len(VOCAB), np.int64)
  for token, (count, in_lines) in counts.items():
    token_counts[ID[token]], line_counts[ID[token]] = count, in_lines
  return select.LanguageTotals(token_counts, line_counts, lines)


def test_seed_rule_on_the_seed_setting_is_fifty_lines():
  assert select.min_lines_for("0.00005", 1_000_000) == 50
  assert select.min_lines_for("0.00005", 1_000_001) == 51
  assert select.min_lines_for("0.00005", 1_000) == 1


def test_min_line_fraction_keeps_tokens_in_enough_lines():
  languages = {"xx": totals({"a": (90, 50), "b": (200, 49), "c": (50, 50)}, 1_000_000)}
  selection = select.select(languages, VOCAB, select.SelectionRule(min_line_fraction="0.00005"))
  assert selection.vocab == [*LABSE_SPECIAL_TOKENS, "a", "c"]
  assert selection.per_language["xx"]["min_lines"] == 50


def test_special_tokens_keep_ids_and_the_rest_keeps_original_order():
  languages = {"xx": totals({"ab": (9, 9), "!": (5, 5), "a": (1, 1)}, 10),
               "yy": totals({"c": (3, 3)}, 10)}
  selection = select.select(languages, VOCAB, select.SelectionRule(min_line_fraction=None))
  assert selection.vocab[:104] == list(LABSE_SPECIAL_TOKENS)
  assert selection.vocab[104:] == ["a", "c", "!", "ab"]  # Original id order, not frequency.
  assert list(selection.original_ids) == [*range(104), ID["a"], ID["c"], ID["!"], ID["ab"]]


def test_min_count_and_coverage():
  languages = {"xx": totals({"a": (60, 1), "b": (30, 1), "c": (9, 1), "!": (1, 1)}, 10)}
  by_count = select.select(languages, VOCAB, select.SelectionRule(min_line_fraction=None, min_count=9))
  assert by_count.vocab[104:] == ["a", "b", "c"]
  # 60 + 30 = 90% of 100 occurrences: coverage 0.9 needs a and b; 0.91 needs c too.
  at_90 = select.select(languages, VOCAB, select.SelectionRule(min_line_fraction=None, coverage=0.9))
  at_91 = select.select(languages, VOCAB, select.SelectionRule(min_line_fraction=None, coverage=0.91))
  assert at_90.vocab[104:] == ["a", "b"] and at_91.vocab[104:] == ["a", "b", "c"]
  assert at_90.per_language["xx"]["coverage"] == pytest.approx(0.9)


def test_max_vocab_gives_every_language_the_same_coverage():
  # xx: a 50%, b 30%, c 20%; yy: ! 80%, ab 20%. A budget of 104 + 3 keeps a, b and !:
  # coverage 0.8 for both; adding c or ab would raise one language only and overflow the budget.
  languages = {"xx": totals({"a": (50, 1), "b": (30, 1), "c": (20, 1)}, 10),
               "yy": totals({"!": (80, 1), "ab": (20, 1)}, 10)}
  selection = select.select(languages, VOCAB, select.SelectionRule(min_line_fraction=None, max_vocab=107))
  assert selection.vocab[104:] == ["a", "b", "!"]
  assert len(selection.vocab) == 107
  with pytest.raises(ValueError, match="--max_vocab"):
    select.select(languages, VOCAB, select.SelectionRule(min_line_fraction=None, max_vocab=104))


def test_parameter_counts_match_the_original_readme():
  labse = select.labse_parameters(501_153)
  assert labse["word_embedding"] == 384_885_504
  assert round(labse["transformer"] / 1e6, 1) == 85.1
  assert round(labse["model"] / 1e6, 1) == 470.9
  assert round(select.labse_parameters(173_347)["model"] / 1e6, 1) == 219.2
