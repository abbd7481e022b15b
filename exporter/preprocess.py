"""A preprocess SavedModel with the API of LaBSE's (universal-sentence-encoder-cmlm preprocess).

- callable on a batch of strings: tokenize and pack to `seq_length` with [CLS] ... [SEP],
  returning int32 `input_word_ids`, `input_mask`, `input_type_ids`;
- `.tokenize(strings)`: int32 ragged [batch, words, pieces];
- `.bert_pack_inputs(segments, seq_length=N)`: 1 to 3 tokenized segments, round-robin trimmed.

The tokenizer is tf_text's BertTokenizer over the vocab asset, configured as the original's
(no Unicode normalisation, `##` suffixes, `[UNK]`, 100-byte words).
"""

from __future__ import annotations

import tensorflow as tf
import tensorflow_text as text

MAX_SEGMENTS = 3


class Preprocessor(tf.Module):

  def __init__(self, vocab_path: str, lower_case: bool, seq_length: int, vocab: list[str]):
    super().__init__(name="preprocess")
    self.vocab_file = tf.saved_model.Asset(vocab_path)
    initializer = tf.lookup.TextFileInitializer(
        self.vocab_file, key_dtype=tf.string, key_index=tf.lookup.TextFileIndex.WHOLE_LINE,
        value_dtype=tf.int64, value_index=tf.lookup.TextFileIndex.LINE_NUMBER)
    self._table = tf.lookup.StaticHashTable(initializer, default_value=-1)
    self._tokenizer = text.BertTokenizer(self._table, lower_case=lower_case, token_out_type=tf.int64)
    self.do_lower_case = tf.Variable(lower_case, trainable=False, name="do_lower_case")
    self.seq_length = tf.Variable(seq_length, trainable=False, dtype=tf.int32, name="seq_length")
    self._cls, self._sep, self._pad = (vocab.index(token) for token in ("[CLS]", "[SEP]", "[PAD]"))
    segments = tf.RaggedTensorSpec([None, None, None], tf.int32, ragged_rank=2)
    for count in range(1, MAX_SEGMENTS + 1):  # Trace every supported number of segments for the SavedModel.
      self.bert_pack_inputs.get_concrete_function([segments] * count, tf.TensorSpec([], tf.int32))

  @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
  def tokenize(self, sentences):
    return tf.cast(self._tokenizer.tokenize(sentences), tf.int32)

  @tf.function
  def bert_pack_inputs(self, segments, seq_length):
    seq_length = tf.cast(seq_length, tf.int32)
    flat = [segment.merge_dims(-2, -1) for segment in segments]
    # [CLS] and one [SEP] per segment take part of the sequence.
    trimmed = text.RoundRobinTrimmer(max_seq_length=seq_length - 1 - len(flat)).trim(flat)
    word_ids, type_ids = text.combine_segments(trimmed, start_of_sequence_id=self._cls, end_of_segment_id=self._sep)
    word_ids, mask = text.pad_model_inputs(word_ids, max_seq_length=seq_length, pad_value=self._pad)
    type_ids, _ = text.pad_model_inputs(type_ids, max_seq_length=seq_length, pad_value=0)
    return {"input_word_ids": word_ids, "input_mask": mask, "input_type_ids": type_ids}

  @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
  def __call__(self, sentences):
    return self.bert_pack_inputs([self.tokenize(sentences)], self.seq_length)
