"""Running two TensorFlow graphs of the same function so that they round alike.

Grappler's arithmetic optimizer rewrites each graph it runs (it reorders operands, merges and
hoists operations), and two graphs that compute the same function are rewritten differently. In
float32 the results then differ by rounding alone. On a LaBSE-format fixture with large random
weights (std 0.5) this reaches 3e-5: the original SavedModel's own layers, called one at a time,
are 3.5e-5 away from the same model run whole. Without those rewrites the project's encoder and the
original give bit-identical outputs, so the rebuild proof and the equivalence checks compare with
them switched off, and report the difference under TensorFlow's default settings alongside.
"""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def exact_arithmetic():
  """Within the block, TensorFlow functions run without grappler's arithmetic rewrites."""
  import tensorflow as tf
  previous = tf.config.optimizer.get_experimental_options().get("arithmetic_optimization", True)
  tf.config.optimizer.set_experimental_options({"arithmetic_optimization": False})
  try:
    yield
  finally:
    tf.config.optimizer.set_experimental_options({"arithmetic_optimization": previous})
