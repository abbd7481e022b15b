"""The fast tokenizer against TensorFlow's: tf_text's own BertTokenizer and the exported fixture."""

import dataclasses
import random
import zlib

import pytest

from pipelines import reference, tokenizer
from pipelines.vocab import LABSE_SPECIAL_TOKENS
from tests.conftest import real_text_files

SMALL_VOCAB = [*LABSE_SPECIAL_TOKENS, "un", "##aff", "##able", "unaff", "a", "##b", "b", "##bc", "##c", "é",
               "##\u202f", "!", "?", ".", ",", "x\u00a0y", "東", "京", "##s", "the", "cat", "##é"]


@pytest.fixture(scope="module")
def small_vocab_path(tmp_path_factory):
  path = tmp_path_factory.mktemp("small") / "vocab.txt"
  path.write_bytes("".join(token + "\n" for token in SMALL_VOCAB).encode("utf-8"))
  return str(path)


@pytest.fixture(scope="module")
def tf_reference(small_vocab_path):
  return reference.TfTextTokenizer(small_vocab_path, lower_case=False)


@pytest.fixture(scope="module")
def char_classes(tf_reference):
  return reference.probe_char_classes(tf_reference.words_per_text)


def test_probe_finds_the_basic_tokenizer_classes(char_classes):
  def classify(char):
    cp = ord(char)
    if any(start <= cp <= end for start, end in char_classes.separators):
      return "separator"
    if any(start <= cp <= end for start, end in char_classes.isolated):
      return "isolated"
    return "word"
  # ASCII whitespace and control/format characters separate; non-ASCII spaces stay in words.
  assert [classify(c) for c in " \t\n\x00\u200b\ufeff\u00ad"] == ["separator"] * 7
  assert [classify(c) for c in "\u00a0\u202f\u3000\u2028"] == ["word"] * 4
  # ASCII and Unicode punctuation and CJK ideographs are one-character words; kana and hangul are not.
  isolated, word = "!,.?$^`~「。、¿«東𠀋", "aZ9éあア한ไ€©"
  assert [classify(c) for c in isolated] == ["isolated"] * len(isolated)
  assert [classify(c) for c in word] == ["word"] * len(word)


def test_wordpiece_hand_cases(small_vocab_path, char_classes):
  fast = tokenizer.LabseTokenizer.cased(SMALL_VOCAB, char_classes)
  ids = {token: i for i, token in enumerate(SMALL_VOCAB)}
  # Greedy longest match first: "unaff" beats "un" + "##aff".
  assert fast.tokenize("unaffable") == [[ids["unaff"], ids["##able"]]]
  # Any unmatched remainder makes the whole word one [UNK].
  assert fast.tokenize("unaffablez") == [[ids["[UNK]"]]]
  # Punctuation is split off; U+202F stays in the word and has its own suffix piece.
  assert fast.tokenize("a\u202f!") == [[ids["a"], ids["##\u202f"]], [ids["!"]]]
  assert fast.tokenize("x\u00a0y") == [[ids["x\u00a0y"]]]
  assert fast.tokenize("東京s") == [[ids["東"]], [ids["京"]], [ids["[UNK]"]]]
  # Words over 100 UTF-8 bytes are [UNK], whatever they contain: 51 x "é" is 102 bytes.
  assert fast.tokenize("é" * 50) == [[ids["é"]] + [ids["##é"]] * 49]
  assert fast.tokenize("é" * 51) == [[ids["[UNK]"]]]
  # Special tokens in text are not special: "[UNK]" is "[", "UNK", "]".
  assert len(fast.tokenize("[UNK]")) == 3


def test_wordpiece_boundaries(char_classes):
  """The longest token is tried in full, as a word start and as a suffix piece; a word of exactly 100 UTF-8
  bytes is tokenized, one of 101 is [UNK]."""
  longest_start = "informationstechnologischen"  # LaBSE's longest token seen on Wikipedia.
  vocab = [*LABSE_SPECIAL_TOKENS, longest_start, "information", "##s", "a", "é", "##é", "##b", "##bc"]
  fast = tokenizer.LabseTokenizer.cased(vocab, char_classes)
  ids = {token: i for i, token in enumerate(vocab)}
  assert fast.tokenize(longest_start) == [[ids[longest_start]]]
  assert fast.tokenize(longest_start + "s") == [[ids[longest_start], ids["##s"]]]
  suffix = "##" + "z" * 30  # The longest token is a suffix piece: the whole of it is still tried.
  with_suffix = tokenizer.LabseTokenizer.cased([*vocab, suffix], char_classes)
  assert with_suffix.tokenize("a" + "z" * 30) == [[ids["a"], len(vocab)]]
  assert with_suffix.tokenize("a" + "z" * 29) == [[ids["[UNK]"]]]
  hundred = "é" * 49 + "bc"  # 98 + 2 bytes.
  assert len(hundred.encode("utf-8")) == 100
  assert fast.tokenize(hundred) == [[ids["é"]] + [ids["##é"]] * 48 + [ids["##bc"]]]
  assert fast.tokenize("é" * 50 + "b") == [[ids["[UNK]"]]]  # 101 bytes.


def test_matches_tf_text_on_random_text(tf_reference, char_classes):
  """Random strings over all of Unicode and the vocab's own pieces, against tf_text's BertTokenizer."""
  fast = tokenizer.LabseTokenizer.cased(SMALL_VOCAB, char_classes)
  rng = random.Random(7)
  code_points = [cp for cp in range(0x110000) if not 0xD800 <= cp < 0xE000]
  pieces = [t.removeprefix("##") for t in SMALL_VOCAB[104:]] + [" ", " ", "\t", "\u00a0", "\u202f", "!"]
  texts = []
  for _ in range(3000):
    parts = [rng.choice(pieces) if rng.random() < 0.7 else chr(rng.choice(code_points)) for _ in range(rng.randint(0, 30))]
    texts.append("".join(parts))
  assert [fast.token_ids(text) for text in texts] == tf_reference.token_ids(texts)


@pytest.mark.shared
def test_matches_fixture_preprocess_on_all_real_text(fixture_preprocess, fixture_tokenizer):
  """Token for token, on every line of both Tatoeba sides and FLORES dev in 15 languages."""
  checked = 0
  for language, paths in real_text_files().items():
    for path in paths:
      with open(path, encoding="utf-8") as handle:
        lines = handle.read().split("\n")
      expected = fixture_preprocess.token_ids(lines)
      got = [fixture_tokenizer.token_ids(line) for line in lines]
      mismatches = [(line, g, e) for line, g, e in zip(lines, got, expected) if g != e]
      assert not mismatches, f"{path}: {len(mismatches)} lines differ, first: {mismatches[0]}"
      checked += len(lines)
  assert checked > 40_000


@pytest.mark.shared
def test_fixture_casing_and_vocab_are_read_from_the_model(fixture_preprocess, fixture_spec):
  assert fixture_spec.lower_case is False
  vocab = fixture_spec.vocab()
  assert len(vocab) == 254_175
  assert vocab[:104] == list(LABSE_SPECIAL_TOKENS)
  assert "##\u202f" in vocab  # Read bytes-exact: never stripped.


def test_spec_round_trips_the_vocab_bytes_exactly():
  vocab = ["[PAD]", "[UNK]", "##\u202f", "\u00a0", "a b", "x"]
  spec = tokenizer.TokenizerSpec.create(vocab, False, tokenizer.CharClasses(((0, 32),), ((33, 47),)), "test")
  assert spec.vocab() == vocab


def test_word_table_gives_each_words_pieces_and_stays_bounded():
  table = tokenizer.WordTable(tokenizer.WordPiece(["[UNK]", "a", "##a", "b"]), max_words=10)
  for length in range(1, 50, 7):
    table.start_batch()
    words = ["a" * length, "b", "c", "a" * length]
    ids = table.ids(words)
    assert ids[0] == ids[3] and len(table) <= 10
    pieces = [table.flat_pieces[table.piece_starts[i]:][:table.piece_lengths[i]].tolist() for i in ids]
    assert pieces == [[1] + [2] * (length - 1), [3], [0], [1] + [2] * (length - 1)]


def test_chunk_table_gives_each_space_separated_chunks_tokens_and_words_and_stays_bounded():
  wordpiece = tokenizer.WordPiece(["[UNK]", "a", "##a", "b", "."])
  split = tokenizer.WordSplitter(tokenizer.CharClasses(((0, 32),), ((46, 46),))).split_batch
  table = tokenizer.ChunkTable(split, tokenizer.WordTable(wordpiece, max_words=3), max_chunks=100, max_chars=12)
  for extra_a in range(3):
    table.start_batch()
    chunks = ["a" * extra_a + "aa.b", "", "b", "\ta\t.", "aa.b", "cab"]
    ids = table.ids(chunks)
    assert len(set(ids.tolist())) == 5 + (extra_a > 0)
    assert len(table) == 5 + (extra_a > 0)  # Emptied before each batch: the last one cached 12 characters or more.
    tokens, lengths = table.tokens(ids)
    assert lengths.tolist() == [4 + extra_a, 0, 1, 2, 4, 1]
    assert tokens.tolist() == [1, 2, *[2] * extra_a, 4, 3, 3, 1, 4, 1, 2, 4, 3, 0]
    assert table.word_counts(ids).tolist() == [3, 0, 1, 2, 3, 1]


@pytest.mark.shared
def test_batch_tokenization_through_the_chunk_table_equals_each_text_alone(fixture_spec):
  """token_ids_batch (space-separated chunks, cached) against token_ids (words of the whole text), on real
  text in 15 languages with runs of spaces, tabs, NBSP and empty texts mixed in, twice (cold, then warm)."""
  fast = fixture_spec.build()
  rng = random.Random(5)
  texts = []
  for paths in real_text_files().values():
    with open(paths[0], encoding="utf-8") as handle:
      texts += rng.sample(handle.read().split("\n"), 40)
  texts += ["", " ", "  a  b ", "\tx\u00a0y .", "東京 s", rng.choice(texts).replace(" ", "   ")]
  expected = [fast.token_ids(text) for text in texts]
  assert fast.token_ids_batch(texts) == expected
  assert fast.token_ids_batch(texts[::-1]) == expected[::-1]


def test_range_arithmetic_equals_listing_the_code_points():
  rng = random.Random(2)
  for _ in range(500):
    ranges = [(start, start + rng.choice([0, 0, 1, 3, 20])) for start in rng.sample(range(200), rng.randint(0, 8))]
    points = {cp for start, end in ranges for cp in range(start, end + 1)}
    runs = tokenizer.merged(ranges)
    assert runs == tokenizer.ranges_from_code_points(points)
    limit, first, last = rng.randint(0, 230), rng.randint(0, 120), rng.randint(100, 240)
    assert tokenizer.below(runs, limit) == tokenizer.ranges_from_code_points(cp for cp in points if cp < limit)
    assert tokenizer.complement(runs, first, last) == tokenizer.ranges_from_code_points(
        cp for cp in range(first, last + 1) if cp not in points)


def test_a_specs_fingerprint_is_its_vocabs_not_its_compressed_bytes():
  """The launcher and the workers may have different zlib builds: the same vocab must give the same
  fingerprint however it was compressed, and another vocab another one."""
  classes = tokenizer.CharClasses(((0, 32),), ((33, 47),))
  vocab = ["[PAD]", "[UNK]", *(f"w{i * 7919 % 10007}" for i in range(5000))]
  spec = tokenizer.TokenizerSpec.create(vocab, False, classes, "launcher")
  elsewhere = dataclasses.replace(spec, vocab_zlib=zlib.compress(zlib.decompress(spec.vocab_zlib), 9))
  assert elsewhere.vocab_zlib != spec.vocab_zlib and elsewhere.fingerprint() == spec.fingerprint()
  assert tokenizer.TokenizerSpec.create(vocab + ["x"], False, classes, "launcher").fingerprint() != spec.fingerprint()
  assert tokenizer.TokenizerSpec.create(vocab, True, None, "launcher").fingerprint() != spec.fingerprint()


def test_a_splitter_that_would_not_end_words_at_spaces_is_refused():
  with pytest.raises(ValueError, match="U\\+0020"):
    tokenizer.WordSplitter(tokenizer.CharClasses(((9, 10),), ((46, 46),)))


def test_self_check_refuses_a_tokenizer_that_disagrees_with_the_original(char_classes):
  fast = tokenizer.LabseTokenizer.cased(SMALL_VOCAB, char_classes)
  always_unk = lambda texts: [[SMALL_VOCAB.index("[UNK]")] for _ in texts]  # noqa: E731
  with pytest.raises(reference.TokenizerMismatchError, match="disagrees with the original"):
    reference.check_agreement(fast, always_unk, ["the cat"])


def test_shipped_char_classes_are_tf_texts_own(sample_spec):
  """The table that tokenizes without TensorFlow is what tf_text's cased BertTokenizer does, probed now."""
  assert sample_spec.char_classes == tokenizer.CharClasses.tf_text_cased()


def test_a_spec_stored_in_a_run_folder_pickles_by_reference_and_never_as_another_tokenizer(sample_spec, tmp_path):
  import pickle

  from pipelines import outputs
  outputs.write_tokenizer_files(str(tmp_path), sample_spec)
  stored = sample_spec.stored(str(tmp_path))
  shipped = pickle.dumps(stored)
  assert len(shipped) < 500 < len(pickle.dumps(sample_spec))  # A reference, not the vocab.
  assert pickle.loads(shipped) == sample_spec
  # Another tokenizer written into the folder since: the old reference refuses it.
  other = tokenizer.TokenizerSpec.create(sample_spec.vocab()[:-1], False, sample_spec.char_classes, "other")
  outputs.write_tokenizer_files(str(tmp_path), other)
  pickle.loads(pickle.dumps(other.stored(str(tmp_path))))  # The new one loads ...
  from pipelines import tokenizer as tokenizer_module
  tokenizer_module.load_stored_spec.cache_clear()
  with pytest.raises(ValueError, match="changed while the run read them"):
    pickle.loads(shipped)  # ... the old one does not become it.
