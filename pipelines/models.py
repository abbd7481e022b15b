"""Where original models come from: TF-Hub handles and URLs, compressed archives, directories.

Shared by the pipeline (--original_preprocess) and the exporter (--encoder, --preprocess).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile


class ModelSourceError(ValueError):
  pass


def _safe_members(archive: tarfile.TarFile, source: str) -> list[tarfile.TarInfo]:
  """Members, refusing any that would land outside the target (absolute, `..`, links, devices)."""
  members = archive.getmembers()
  for member in members:
    name = member.name
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or os.path.isabs(name) or ".." in parts:
      raise ModelSourceError(f"{source}: refusing archive member {name!r}: it would be written outside the target")
    if member.issym() or member.islnk() or member.isdev():
      raise ModelSourceError(f"{source}: refusing archive member {name!r}: links and devices are not extracted")
  return members


def extract_archive(path: str, cache_dir: str | None = None) -> str:
  """Extracts a TF-Hub compressed SavedModel (.tar.gz) safely; returns the SavedModel directory."""
  with open(path, "rb") as handle:
    digest = hashlib.sha1(handle.read()).hexdigest()[:16]
  cache_dir = cache_dir or os.path.join(tempfile.gettempdir(), "smaller-labse-models")
  target = os.path.join(cache_dir, digest)
  if not os.path.exists(os.path.join(target, "saved_model.pb")):
    os.makedirs(cache_dir, exist_ok=True)
    staging = tempfile.mkdtemp(dir=cache_dir, prefix=".extract-")
    with tarfile.open(path, "r:*") as archive:
      archive.extractall(staging, members=_safe_members(archive, path))
    if not os.path.exists(os.path.join(staging, "saved_model.pb")):
      raise ModelSourceError(f"{path}: no saved_model.pb at the top of the archive")
    if os.path.exists(target):  # Another process extracted the same archive meanwhile.
      shutil.rmtree(staging)
    else:
      os.replace(staging, target)
  return target


def resolve_model(handle: str) -> str:
  """A local SavedModel directory for a directory, a .tar.gz archive or a TF-Hub handle/URL."""
  if os.path.isdir(handle):
    if not os.path.exists(os.path.join(handle, "saved_model.pb")):
      raise ModelSourceError(f"{handle}: not a SavedModel directory (no saved_model.pb)")
    return handle
  if handle.endswith((".tar.gz", ".tgz")) and os.path.exists(handle):
    return extract_archive(handle)
  if handle.startswith(("http://", "https://", "gs://")):
    import tensorflow_hub as hub  # Downloads and caches (TFHUB_CACHE_DIR), resolving tfhub.dev handles.
    return hub.resolve(handle)
  raise ModelSourceError(f"{handle}: no such SavedModel directory or .tar.gz archive, and not a TF-Hub URL")
