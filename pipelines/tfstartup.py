"""TensorFlow, imported without its C++ start-up lines.

TensorFlow's native code writes INFO and WARNING lines to file descriptor 2 before its logging is
configured (`I0000 ... port.cc] oneDNN custom operations are on`, `cudart_stub.cc] Could not find
cuda drivers`, absl's banner), which `TF_CPP_MIN_LOG_LEVEL` cannot silence. While TensorFlow and
TF Text load and list their devices, descriptor 2 goes to a temporary file; then everything but
those lines is written back, errors included.

Two ERROR lines are notices, not errors: `cuInit` failing on a machine without a GPU, and oneDNN
saying once per process, at the first int64 transpose (every preprocess model runs one), that it
leaves int64 to Eigen (`util.cc] oneDNN supports DT_INT64 only on platforms with AVX-512`; said on
AMD EPYC, AVX-512 and all). That transpose is run here, while the notice is dropped.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile

_NOISE = re.compile(r"^(?:[IW]\d{4} [\d:.]+ +\d+ [\w.]+:\d+\]|WARNING: All log messages before absl::"
                    r"InitializeLog\(\) is called are written to STDERR)")
# With no GPU (a CPU machine with TensorFlow's CUDA libraries installed): said once more by the tools that
# report their device.
_NO_GPU = re.compile(r"^E\d{4} [\d:.]+ +\d+ cuda_platform\.cc:\d+\] failed call to cuInit")
_ONEDNN_INT64 = re.compile(r"^E\d{4} [\d:.]+ +\d+ util\.cc:\d+\] oneDNN supports DT_INT64 only on platforms")
_CONTINUATION = re.compile(r"^(?:To enable the following instructions|rebuild TensorFlow)")


@contextlib.contextmanager
def native_startup_lines_dropped():
  """Captures descriptor 2 for the block, then replays it without native INFO/WARNING lines."""
  sys.stderr.flush()
  saved = os.dup(2)
  with tempfile.TemporaryFile() as captured:
    os.dup2(captured.fileno(), 2)
    try:
      yield
    finally:
      sys.stderr.flush()
      os.dup2(saved, 2)
      os.close(saved)
      captured.seek(0)
      for line in captured.read().decode("utf-8", errors="replace").splitlines(keepends=True):
        if not any(pattern.match(line) for pattern in (_NOISE, _NO_GPU, _ONEDNN_INT64, _CONTINUATION)):
          sys.stderr.write(line)
      sys.stderr.flush()


def import_tensorflow():
  """`tensorflow`, with tensorflow_text's ops registered and the devices listed, quietly; cached by Python."""
  if "tensorflow" in sys.modules and "tensorflow_text" in sys.modules:
    return sys.modules["tensorflow"]
  # Also the native INFO and WARNING lines logged after start-up: grappler says "Skipping loop optimization"
  # for every graph a preprocess model's packing traces, which tells a user nothing. Errors still show.
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  with native_startup_lines_dropped():
    try:
      import tensorflow as tf
      import tensorflow_text  # noqa: F401  Registers the ops the preprocess models use.
    except ImportError as error:
      raise ImportError(f"{error}: this command reads TensorFlow models; install the project's tf extra "
                        "(pip install 'smaller-labse[tf]', or '.[tf]' in its checkout)") from error
    tf.config.list_physical_devices()
    tf.transpose(tf.zeros((1, 1), tf.int64))  # oneDNN's once-per-process int64 notice, said here.
  return tf
