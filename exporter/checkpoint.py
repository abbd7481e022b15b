"""Reading an encoder's weights straight from its SavedModel checkpoint, a slice at a time.

The exporter needs the original loaded only to prove the rebuild and to compute the original's
outputs; the new model is then written from the checkpoint itself, after the original is released.
Each variable is read with RestoreV2, except the word embedding table: RestoreV2 reads a tensor
stored whole even when asked for a slice (1.54 GB at LaBSE's size), so its kept rows are read straight
from the data file, a block of rows at a time, at the offset the bundle's index gives (`bundle_entries`).
Only the new table (0.53 GB for 173,347 tokens) and one block are then in memory.

Variables are found by name: the checkpoint's object graph records each variable's `full_name`
(`word_embeddings/embeddings`, `transformer/layer_0/...`, possibly under a prefix) beside its key.
"""

from __future__ import annotations

import os
import struct
from typing import Sequence

import numpy as np

ROWS_PER_BLOCK = 32_768  # ~100 MB of a 768-wide float32 table.
_TABLE_MAGIC = 0xDB4775248B80FB57  # LevelDB's table format, which TensorFlow's bundle index uses.


def _varint(data: bytes, position: int) -> tuple[int, int]:
  value = shift = 0
  while True:
    byte = data[position]
    position += 1
    value |= (byte & 0x7F) << shift
    shift += 7
    if byte < 0x80:
      return value, position


def _block_entries(data: bytes, offset: int, size: int):
  """Key/value pairs of one uncompressed LevelDB table block (prefix-compressed keys, restart array)."""
  if data[offset + size] != 0:
    raise CheckpointError("compressed index block")
  block = data[offset:offset + size]
  restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
  end, position, key = len(block) - 4 - 4 * restarts, 0, b""
  while position < end:
    shared, position = _varint(block, position)
    unshared, position = _varint(block, position)
    length, position = _varint(block, position)
    key = key[:shared] + block[position:position + unshared]
    position += unshared
    yield key, block[position:position + length]
    position += length


def bundle_entries(prefix: str) -> dict[str, bytes]:
  """The serialized BundleEntryProto of every tensor in a TensorFlow bundle's index (`PREFIX.index`)."""
  with open(prefix + ".index", "rb") as handle:
    data = handle.read()
  if len(data) < 48 or struct.unpack_from("<Q", data, len(data) - 8)[0] != _TABLE_MAGIC:
    raise CheckpointError(f"{prefix}.index: not a TensorFlow bundle index")
  _, position = _varint(data, len(data) - 48)  # The metaindex block handle (unused)...
  _, position = _varint(data, position)
  index_offset, position = _varint(data, position)  # ...then the index block's.
  index_size, _ = _varint(data, position)
  entries = {}
  for _, handle_bytes in _block_entries(data, index_offset, index_size):
    block_offset, position = _varint(handle_bytes, 0)
    block_size, _ = _varint(handle_bytes, position)
    entries.update((key.decode("utf-8"), value) for key, value in _block_entries(data, block_offset, block_size))
  return entries


class CheckpointError(ValueError):
  pass


class EncoderCheckpoint:
  """The variables of a SavedModel directory's checkpoint, by LaBSE weight name."""

  def __init__(self, model_dir: str, names: Sequence[str]):
    import tensorflow as tf
    from tensorflow.core.protobuf import trackable_object_graph_pb2

    from exporter.config import canonical_name
    self.prefix = os.path.join(model_dir, "variables", "variables")
    try:
      reader = tf.train.load_checkpoint(self.prefix)
      graph = trackable_object_graph_pb2.TrackableObjectGraph()
      graph.ParseFromString(reader.get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH"))
    except (tf.errors.OpError, ValueError) as error:
      raise CheckpointError(f"{model_dir}: cannot read the SavedModel's variables: {error}") from None
    self.keys: dict[str, str] = {}
    for node in graph.nodes:
      for attribute in node.attributes:
        name = canonical_name(attribute.full_name, names)
        if name:
          self.keys[name] = attribute.checkpoint_key
    missing = [name for name in names if name not in self.keys]
    if missing:
      raise CheckpointError(f"{model_dir}: the checkpoint has no variables named {missing[:5]}")
    shapes, dtypes = reader.get_variable_to_shape_map(), reader.get_variable_to_dtype_map()
    self.shapes = {name: tuple(shapes[key]) for name, key in self.keys.items()}
    self.dtypes = {name: dtypes[key] for name, key in self.keys.items()}

  def read(self, name: str):
    """The variable's value as a tensor."""
    import tensorflow as tf
    return tf.raw_ops.RestoreV2(prefix=self.prefix, tensor_names=[self.keys[name]], shape_and_slices=[""],
                                dtypes=[self.dtypes[name]])[0]

  def gather_rows(self, name: str, ids: np.ndarray, rows_per_block: int = ROWS_PER_BLOCK):
    """A new variable holding rows `ids` of the table `name`, in that order."""
    import tensorflow as tf
    ids = np.asarray(ids, np.int64)
    total, width = self.shapes[name]
    if len(ids) and (ids.min() < 0 or ids.max() >= total):
      raise CheckpointError(f"{self.prefix}: row ids outside {name}'s {total} rows")
    table = tf.Variable(tf.zeros([len(ids), width], self.dtypes[name]), name=name)
    try:
      data_file, offset = self._raw_location(name)
    except CheckpointError:  # A layout this reader does not know: read the whole table the usual way.
      original = self.read(name)
      for begin in range(0, len(ids), rows_per_block):  # tf.gather of all rows at once would be another table.
        block = np.arange(begin, min(len(ids), begin + rows_per_block))
        table.scatter_nd_update(block[:, np.newaxis], tf.gather(original, ids[block]))
      return table
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    row_bytes = 4 * width
    with open(data_file, "rb") as handle:
      for begin in range(0, total, rows_per_block):
        lo, hi = np.searchsorted(sorted_ids, [begin, min(total, begin + rows_per_block)])
        if lo == hi:
          continue
        first, last = int(sorted_ids[lo]), int(sorted_ids[hi - 1]) + 1
        handle.seek(offset + first * row_bytes)
        rows = np.frombuffer(handle.read((last - first) * row_bytes), "<f4").reshape(last - first, width)
        table.scatter_nd_update(order[lo:hi, np.newaxis], rows[sorted_ids[lo:hi] - first])
    return table

  def _raw_location(self, name: str) -> tuple[str, int]:
    """The data file and byte offset of a float32 tensor stored whole, little-endian, uncompressed."""
    from tensorflow.core.protobuf import tensor_bundle_pb2
    entries = bundle_entries(self.prefix)
    header, entry = tensor_bundle_pb2.BundleHeaderProto(), tensor_bundle_pb2.BundleEntryProto()
    header.ParseFromString(entries[""])
    entry.ParseFromString(entries[self.keys[name]])
    if (header.endianness != header.LITTLE or entry.dtype != 1 or entry.slices  # 1: DT_FLOAT.
        or entry.size != 4 * int(np.prod(self.shapes[name]))):
      raise CheckpointError(f"{self.prefix}: {name} is not stored as one little-endian float32 tensor")
    return f"{self.prefix}.data-{entry.shard_id:05d}-of-{header.num_shards:05d}", entry.offset
