"""Token counting, sentence samples and vocab selection on hand-counted cases."""

import dataclasses
import random

import numpy as np
import pytest

from pipelines import counting, outputs, parameters, sampling, selection, tokenizer
from pipelines.selection import plans
from pipelines.sampling import Sample
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


@pytest.mark.parametrize("bounded", [False, True])
def test_batch_counts_equal_per_line_counts(fast, bounded):
  """Lines cut at spaces into cached chunks count as each line tokenized alone, with runs of spaces, tabs
  inside chunks, and caches so small that they are emptied between most batches."""
  if bounded:
    words = tokenizer.WordTable(fast.wordpiece, max_words=5)
    fast.chunks = tokenizer.ChunkTable(fast.split_batch, words, max_chunks=7, max_chars=20)
  rng = random.Random(3)
  lines = [" ".join(rng.choice(["a", "ab", "abb", "b", "c!", "x", "a.b", "", "\ta\tb", "ab!!c", "é!"])
                    for _ in range(rng.randint(0, 12))) for _ in range(500)]
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
  assert batched.stats["words"] == sum(len(words) for words in fast.split_batch(lines))
  assert batched.stats["bytes"] == sum(len(line.encode("utf-8")) for line in lines)


def test_merge_adds_vectors_and_stats(fast):
  left, right = counting.LanguageCounts.empty(len(VOCAB)), counting.LanguageCounts.empty(len(VOCAB))
  left.add_lines(fast, ["a b"])
  right.add_lines(fast, ["a c", "c"])
  right.add_stats(shards_skipped=1)
  merged = left.merge(right)
  assert merged.token_counts[ID["a"]] == 2 and merged.line_counts[ID["c"]] == 2
  assert merged.stats["lines"] == 3 and merged.stats["shards_skipped"] == 1


def language(counts: dict[str, tuple[int, int]], lines: int) -> counting.LanguageCounts:
  """Hand-made counts: token -> (occurrences, lines containing it)."""
  made = counting.LanguageCounts.empty(len(VOCAB))
  for token, (count, in_lines) in counts.items():
    made.token_counts[ID[token]], made.line_counts[ID[token]] = count, in_lines
  made.add_stats(lines=lines, tokens=int(made.token_counts.sum()))
  return made


def sample(*sentences: str) -> Sample:
  return Sample([[ID[token] for token in sentence.split()] for sentence in sentences], "test")


NO_BUDGET = dict(max_vocab=None)


def test_seed_rule_on_the_seed_setting_is_fifty_lines():
  assert selection.min_lines_for("0.00005", 1_000_000) == 50
  assert selection.min_lines_for("0.00005", 1_000_001) == 51
  assert selection.min_lines_for("0.00005", 1_000) == 1


def test_preset_original_keeps_tokens_in_enough_lines():
  languages = {"xx": language({"a": (90, 50), "b": (200, 49), "c": (50, 50)}, 1_000_000)}
  chosen = selection.select(languages, VOCAB, selection.SelectionRule.original())
  assert chosen.vocab == [*LABSE_SPECIAL_TOKENS, "a", "c"]
  assert chosen.per_language["xx"].min_lines == 50 and chosen.per_language["xx"].bound_by == "min_line_fraction"
  assert chosen.estimate == "none" and "budget" not in selection.selection_markdown(chosen)


def test_special_tokens_keep_ids_and_the_rest_keeps_original_order():
  languages = {"xx": language({"ab": (9, 9), "!": (5, 5), "a": (1, 1)}, 10), "yy": language({"c": (3, 3)}, 10)}
  chosen = selection.select(languages, VOCAB, selection.SelectionRule(**NO_BUDGET))
  assert chosen.vocab[:104] == list(LABSE_SPECIAL_TOKENS)
  assert chosen.vocab[104:] == ["a", "c", "!", "ab"]  # Original id order, not frequency.
  assert list(chosen.original_ids) == [*range(104), ID["a"], ID["c"], ID["!"], ID["ab"]]


def test_ranking_is_by_score_then_by_ascending_id():
  scores = np.array([0.0, 3.0, 5.0, 3.0, 5.0, 1.0, 3.0])
  assert selection.ranking(scores, np.ones(7, bool)).tolist() == [2, 4, 1, 3, 6, 5]  # 0 has no score.
  eligible = np.array([True, True, False, True, True, True, False])
  assert selection.ranking(scores, eligible).tolist() == [4, 1, 3, 5]


def test_filters_keep_a_token_exactly_at_their_threshold():
  languages = {"xx": language({"a": (9, 9), "b": (8, 8), "c": (10, 10)}, 1_000)}
  assert selection.select(languages, VOCAB, selection.SelectionRule(min_count=9, **NO_BUDGET)).vocab[104:] == ["a", "c"]
  # 9 lines of 1,000 is exactly 0.009: kept; 8 is not.
  by_lines = selection.select(languages, VOCAB, selection.SelectionRule(min_line_fraction="0.009", **NO_BUDGET))
  assert by_lines.vocab[104:] == ["a", "c"] and by_lines.per_language["xx"].min_lines == 9


@pytest.mark.parametrize("budget", [106, 107, 108, 109])  # 104 special tokens, one a language at least.
def test_a_budget_of_n_tokens_keeps_exactly_n(budget):
  # Scores: ! 0.8, a 0.5, b 0.3, c 0.183, ab 0.15: every budget up to the 109 candidates is met exactly.
  assert len(selection.select(TWO_LANGUAGES, VOCAB, selection.SelectionRule(max_vocab=budget)).vocab) == budget
  with_samples = selection.select(TWO_LANGUAGES, VOCAB, selection.SelectionRule(max_vocab=budget), SAMPLES)
  assert len(with_samples.vocab) == budget


def test_min_count_and_coverage():
  languages = {"xx": language({"a": (60, 1), "b": (30, 1), "c": (9, 1), "!": (1, 1)}, 10)}
  by_count = selection.select(languages, VOCAB, selection.SelectionRule(min_count=9, **NO_BUDGET))
  assert by_count.vocab[104:] == ["a", "b", "c"]
  # 60 + 30 = 90% of 100 occurrences: coverage 0.9 needs a and b; 0.91 needs c too.
  at_90 = selection.select(languages, VOCAB, selection.SelectionRule(coverage=0.9, **NO_BUDGET))
  at_91 = selection.select(languages, VOCAB, selection.SelectionRule(coverage=0.91, **NO_BUDGET))
  assert at_90.vocab[104:] == ["a", "b"] and at_91.vocab[104:] == ["a", "b", "c"]
  assert at_90.per_language["xx"].coverage == pytest.approx(0.9)


# xx (100 lines): a in 50 lines, b in 30, c in 20; yy (100 lines): ! in 80, ab in 15, c in 5.
TWO_LANGUAGES = {"xx": language({"a": (50, 50), "b": (30, 30), "c": (20, 20)}, 100),
                 "yy": language({"!": (800, 80), "ab": (150, 15), "c": (50, 5)}, 100)}


def test_scores_weight_line_share_by_specificity():
  # c is in 35% of xx's lines and 40% of yy's: specific to yy by 0.40 / 0.75, to xx by 0.35 / 0.75.
  languages = {"xx": language({"a": (90, 50), "b": (33, 33), "c": (35, 35)}, 100),
               "yy": language({"!": (800, 80), "ab": (15, 15), "c": (40, 40)}, 100)}
  scores = selection.token_scores(languages, exponent=0.4, floor=0)
  assert scores["xx"][ID["a"]] == pytest.approx(0.5)  # Line share, not occurrences; only xx uses a.
  assert scores["yy"][ID["c"]] == pytest.approx(0.40 * (0.40 / 0.75) ** 0.4)  # 0.311
  assert scores["xx"][ID["c"]] == pytest.approx(0.35 * (0.35 / 0.75) ** 0.4)  # 0.258
  assert scores["xx"][ID["!"]] == 0 and scores["yy"][ID["."]] == 0
  plain = selection.token_scores(languages, exponent=0)
  assert plain["yy"][ID["c"]] == pytest.approx(0.4)
  # With the default floor, c keeps 0.78 of its line share where specificity ** 0.4 would give it less.
  floored = selection.token_scores(languages)
  assert floored["yy"][ID["c"]] == pytest.approx(0.40 * 0.78) and floored["xx"][ID["c"]] == pytest.approx(0.35 * 0.78)
  assert floored["xx"][ID["a"]] == pytest.approx(0.5)
  # A budget of three: !, a, then b (0.33, xx's own) before c (0.312, shared); by line share alone, c (0.4).
  chosen = selection.select(languages, VOCAB, selection.SelectionRule(max_vocab=107))
  assert chosen.vocab[104:] == ["a", "b", "!"] and chosen.estimate == "counts"
  assert chosen.per_language["xx"].score_threshold == pytest.approx(0.33)
  assert chosen.per_language["xx"].min_lines_alone == 33
  assert selection.select(languages, VOCAB, selection.SelectionRule(max_vocab=108)).vocab[104:] == ["a", "b", "c", "!"]


def test_a_token_many_languages_share_is_credited_by_the_floor_not_ranked_down_in_each():
  # Four languages: ab in 30 of each one's 100 lines; each has one token of its own in 20 lines.
  own = {"w": "a", "x": "b", "y": "c", "z": "!"}
  languages = {code: language({"ab": (30, 30), token: (20, 20)}, 100) for code, token in own.items()}
  # Shared by four alike, ab's specificity is 1/4: 0.3 x 0.25 ** 0.4 = 0.172 < 0.2 without a floor, and
  # 0.3 x 0.78 = 0.234 > 0.2 with the default's.
  four_tokens = selection.SelectionRule(max_vocab=len(LABSE_SPECIAL_TOKENS) + 4)
  assert selection.select(languages, VOCAB, four_tokens).vocab[104:] == ["a", "b", "c", "ab"]  # Ties by id.
  unfloored = dataclasses.replace(four_tokens, specificity_floor=0)
  assert selection.select(languages, VOCAB, unfloored).vocab[104:] == ["a", "b", "c", "!"]  # Each one's own.
  bar = selection.SelectionRule(min_lines_per_million=200_000)
  assert "max(0.78, specificity ** 0.4)" in bar.describe()
  assert selection.select(languages, VOCAB, bar).vocab[104:] == ["a", "b", "c", "!", "ab"]


def test_scores_of_one_language_are_its_line_shares():
  scores = selection.token_scores({"xx": TWO_LANGUAGES["xx"]})
  assert scores["xx"][ID["b"]] == pytest.approx(0.3) and scores["xx"][ID["!"]] == 0


def test_max_vocab_from_counts_is_one_shared_threshold():
  # Scores: ! 0.8, a 0.5, b 0.3, c 0.2 x (0.2 / 0.25) ** 0.4 = 0.183 (xx), ab 0.15. Three tokens: !, a, b.
  chosen = selection.select(TWO_LANGUAGES, VOCAB, selection.SelectionRule(max_vocab=107))
  assert chosen.vocab[104:] == ["a", "b", "!"] and chosen.estimate == "counts"
  assert chosen.per_language["yy"].score_threshold == pytest.approx(0.3)
  assert {info.bound_by for info in chosen.per_language.values()} == {"max_vocab"}
  assert "at least 3e+05 of every million" in selection.selection_markdown(chosen)
  with pytest.raises(selection.SelectionError, match="--max_vocab"):
    selection.select(TWO_LANGUAGES, VOCAB, selection.SelectionRule(max_vocab=105))


def test_a_language_with_ten_times_the_text_keeps_the_same_share_of_the_budget():
  # Line shares do not grow with the corpus: yy read ten times over (its counts, lines and line counts
  # all x10) must not take tokens from xx, and the same vocab comes out.
  yy = TWO_LANGUAGES["yy"]
  bigger = counting.LanguageCounts(yy.token_counts * 10, yy.line_counts * 10, {k: v * 10 for k, v in yy.stats.items()})
  for budget in (106, 107, 108):
    rule = selection.SelectionRule(max_vocab=budget)
    assert (selection.select({"xx": TWO_LANGUAGES["xx"], "yy": bigger}, VOCAB, rule).vocab
            == selection.select(TWO_LANGUAGES, VOCAB, rule).vocab)


def test_the_bar_keeps_every_token_whose_score_reaches_it_in_some_language():
  # Scores (hand-worked above): ! 0.8, a 0.5, b 0.3, c 0.2 x 0.8 ** 0.4 = 0.18292 (xx), ab 0.15 (yy's alone).
  at = {bar: selection.select(TWO_LANGUAGES, VOCAB, selection.SelectionRule(min_lines_per_million=bar)).vocab[104:]
        for bar in (300_000, 300_001, 183_000, 182_900, 150_001, 150_000)}
  assert at == {300_000: ["a", "b", "!"], 300_001: ["a", "!"], 183_000: ["a", "b", "!"], 182_900: ["a", "b", "c", "!"],
                150_001: ["a", "b", "c", "!"], 150_000: ["a", "b", "c", "!", "ab"]}
  chosen = selection.select(TWO_LANGUAGES, VOCAB, selection.SelectionRule(min_lines_per_million=300_000))
  assert chosen.estimate == "counts" and chosen.per_language["xx"].bound_by == "min_lines_per_million"
  assert chosen.per_language["xx"].min_lines_alone == 30  # 300,000 per million of 100 lines.


def test_the_bar_for_one_language_alone_is_its_line_share():
  # Alone, every token is specific to xx: b is in 30 of 100 lines and c in 20, so a bar of 0.2 keeps c too.
  alone = {"xx": TWO_LANGUAGES["xx"]}
  assert selection.select(alone, VOCAB, selection.SelectionRule(min_lines_per_million=200_000)).vocab[104:] == [
      "a", "b", "c"]
  assert selection.select(alone, VOCAB, selection.SelectionRule(min_lines_per_million=200_001)).vocab[104:] == [
      "a", "b"]


def test_the_bar_is_filled_by_score_up_to_fill_to():
  # The bar at 0.300001 keeps a and !; filled to 107 tokens, the next by score is b (0.3), then c (0.183).
  rule = selection.SelectionRule(min_lines_per_million=300_001, fill_to=107)
  chosen = selection.select(TWO_LANGUAGES, VOCAB, rule)
  assert chosen.vocab[104:] == ["a", "b", "!"] and "filled to 107" in chosen.warnings[0]
  enough = selection.select(TWO_LANGUAGES, VOCAB, selection.SelectionRule(min_lines_per_million=150_000, fill_to=107))
  assert enough.vocab[104:] == ["a", "b", "c", "!", "ab"] and not enough.warnings  # The bar keeps more: no fill.


def test_the_default_is_the_published_bar_and_excludes_a_size_or_a_target():
  assert selection.SelectionRule.default().min_lines_per_million == selection.PUBLISHED_BAR_LINES_PER_MILLION
  assert selection.SelectionRule.default().max_vocab is None
  assert selection.SelectionRule.default().fill_to == selection.PUBLISHED_VOCAB_SIZE
  for other in (dict(max_vocab=200_000), dict(target_preservation=0.9)):
    with pytest.raises(selection.SelectionError, match="give one of them"):
      selection.SelectionRule(min_lines_per_million=42.7, **other)


# xx's sentences need a (3 of 5), then b and c; yy's need ! and ab together.
SAMPLES = {"xx": sample("a", "a", "a", "a b", "c"), "yy": sample("! ab", "ab !")}


def test_max_vocab_with_samples_gives_every_language_the_same_share():
  # Hand-computed: any share above 0 needs a for xx (3/5) and both ! and ab for yy (2/2): three tokens.
  # With two, no share fits: both go by score (! 0.8, a 0.5). With three: a, ! and ab,
  # every language at least 3/5 (a share of 4/5 would need b too).
  two = selection.select(TWO_LANGUAGES, VOCAB, selection.SelectionRule(max_vocab=106), SAMPLES)
  assert two.vocab[104:] == ["a", "!"] and two.estimate == "samples"
  assert two.per_language["xx"].sample_preserved == pytest.approx(0.6)
  assert two.per_language["yy"].sample_preserved == 0
  three = selection.select(TWO_LANGUAGES, VOCAB, selection.SelectionRule(max_vocab=107), SAMPLES)
  assert three.vocab[104:] == ["a", "!", "ab"]  # By score alone it would be a, b, !.
  assert three.per_language["yy"].sample_preserved == 1 and three.per_language["xx"].sample_preserved == 0.6


def test_budget_by_counts_ignores_the_samples_for_spending_but_measures_them():
  by_counts = selection.select(TWO_LANGUAGES, VOCAB, selection.SelectionRule(max_vocab=107, budget_by="counts"), SAMPLES)
  assert by_counts.vocab == selection.select(TWO_LANGUAGES, VOCAB, selection.SelectionRule(max_vocab=107)).vocab
  assert by_counts.estimate == "counts" and "By counts (--budget_by counts)" in selection.selection_markdown(by_counts)
  assert by_counts.per_language["yy"].sample_preserved == 0  # a, b, !: yy's sentences all need ab too.
  with pytest.raises(selection.SelectionError, match="--budget_by samples measures sentences, and yy has no sample"):
    selection.select(TWO_LANGUAGES, VOCAB, selection.SelectionRule(max_vocab=107, budget_by="samples"),
                     {"xx": SAMPLES["xx"]})


def test_target_preservation_takes_each_languages_shortest_prefix():
  # With one standard error: xx needs 0.5 + sqrt(0.5 x 0.5 / 5) = 0.72 of 5: a and b (4/5); yy both tokens.
  chosen = selection.select(TWO_LANGUAGES, VOCAB, selection.SelectionRule(target_preservation=0.5, max_vocab=None),
                            SAMPLES)
  assert chosen.vocab[104:] == ["a", "b", "!", "ab"]
  assert chosen.per_language["xx"].sample_preserved == pytest.approx(0.8)
  assert chosen.per_language["xx"].bound_by == "target_preservation"
  with pytest.raises(selection.SelectionError, match="yy has no sample"):
    selection.select(TWO_LANGUAGES, VOCAB, selection.SelectionRule(target_preservation=0.5), {"xx": SAMPLES["xx"]})


def test_rules_that_change_nothing_are_named():
  chosen = selection.select(TWO_LANGUAGES, VOCAB, selection.SelectionRule(min_count=1, max_vocab=500, specificity=1))
  assert any(warning.startswith("--min_count") for warning in chosen.warnings)
  assert any(warning.startswith("--max_vocab 500 changed nothing") for warning in chosen.warnings)
  assert any(warning.startswith("--specificity 1 changed nothing") for warning in chosen.warnings)
  assert "Warnings:" in selection.selection_markdown(chosen)


def test_curve_of_the_sample_is_the_share_each_prefix_preserves():
  xx = TWO_LANGUAGES["xx"]
  plan = plans.LanguagePlan(xx, selection.token_scores({"xx": xx})["xx"], np.ones(len(VOCAB), bool),
                                 np.arange(len(VOCAB)) < 104)
  sizes, preserved = selection.preservation_curve(SAMPLES["xx"], plan)
  assert sizes.tolist() == [0, 1, 2, 3] and preserved.tolist() == [0, 3, 4, 5]


def test_sampling_is_the_same_lines_in_any_order_or_partition():
  lines = [f"line {i}. Second sentence {i * 7}!" for i in range(300)]
  whole = sampling.BottomK(20)
  whole.add_all(lines)
  assert whole.items() == sorted((sampling.line_hash(line), line) for line in lines)[:20]
  parts = [sampling.BottomK(20) for _ in range(3)]
  for number, part in enumerate(parts):
    part.add_all(lines[number::3][::-1])
  merged = sorted(item for part in parts for item in part.items())[:20]
  assert merged == whole.items()
  # Bounded by a first part, a second keeps only what can still enter; merged, the same k lines.
  first, second = sampling.BottomK(20), None
  first.add_all(lines[:150])
  second = sampling.BottomK(20, first.bound)
  second.add_all(lines[150:])
  assert all(key < first.bound for key, _ in second.items())
  first.merge(second)
  assert first.items() == whole.items()
  assert sampling.split_sentences("Il pleut. Vraiment ? Oui!") == ["Il pleut.", "Vraiment ?", "Oui!"]
  assert sampling.split_sentences("雨です。本当？はい") == ["雨です。", "本当？", "はい"]
  # A full stop ends a sentence only before a space: numbers, versions and host names stay whole.
  assert sampling.split_sentences("Python 3.11 costs 2.5 s.  See example.org!") == [
      "Python 3.11 costs 2.5 s.", "See example.org!"]
  assert sampling.split_sentences("ቤት ነው። ሰላም ነህ፧ Բարև։ Ողջույն") == ["ቤት ነው።", "ሰላም ነህ፧", "Բարև։", "Ողջույն"]
  assert sampling.split_sentences("မင်္ဂလာပါ။နေကောင်းလား။") == ["မင်္ဂလာပါ။", "နေကောင်းလား။"]
  assert sampling.split_sentences("សួស្តី។ អរគុណ។") == ["សួស្តី។", "អរគុណ។"]


def test_sample_file_round_trip_and_errors():
  written = SAMPLES["xx"].to_text()
  assert written == f"{ID['a']}\n" * 3 + f"{ID['a']} {ID['b']}\n{ID['c']}\n"
  assert Sample.from_text(written, len(VOCAB), "s").to_text() == written
  with pytest.raises(ValueError, match="s:2: token id out of"):
    Sample.from_text("1\n999\n", len(VOCAB), "s")


@pytest.mark.parametrize("arguments, message", [
    (["--coverage", "1.5"], "--coverage"),
    (["--min_line_fraction", "0.005%"], "--min_line_fraction"),
    (["--max_vocab", "0"], "--max_vocab"),
    (["--target_preservation", "abc"], "--target_preservation"),
    (["--max_vocab", "50"], "--max_vocab 50 is smaller than"),
    (["--preset", "original", "--min_line_fraction", "0.1"], "--preset original"),
    (["--specificity", "-1"], "--specificity"),
    (["--specificity_floor", "1.5"], "--specificity_floor"),
    (["--min_lines_per_million", "0"], "--min_lines_per_million"),
    (["--min_lines_per_million", "40", "--max_vocab", "107"], "give one of them"),
    (["--fill_to", "107"], "--fill_to N goes with --min_lines_per_million"),
])
def test_bad_rule_values_are_one_line_usage_errors(arguments, message, tmp_path, capsys):
  import json
  (tmp_path / "original_vocab.txt").write_text("".join(token + "\n" for token in VOCAB), encoding="utf-8")
  (tmp_path / "counts").mkdir()
  for code, counts in TWO_LANGUAGES.items():
    (tmp_path / "counts" / f"{code}.tsv").write_text(outputs.counts_tsv(counts.token_counts, counts.line_counts, VOCAB),
                                                     encoding="utf-8")
  (tmp_path / "stats.json").write_text(json.dumps({"languages": {c: n.stats for c, n in TWO_LANGUAGES.items()}}))
  with pytest.raises(SystemExit) as exit_:
    selection.main(["--counts", str(tmp_path), "--output", str(tmp_path / "selected"), *arguments])
  assert exit_.value.code == 2
  error = capsys.readouterr().err.strip().splitlines()
  assert message in error[-1] and len(error) == 1, error


def test_parameter_counts_match_the_original_readme():
  labse = parameters.labse_parameters(501_153)
  assert labse["word_embedding"] == 384_885_504
  assert round(labse["transformer"] / 1e6, 1) == 85.1
  assert round(labse["model"] / 1e6, 1) == 470.9
  assert round(parameters.labse_parameters(173_347)["model"] / 1e6, 1) == 219.2
