"""What a Dataflow worker installs from the package, in seconds and bytes.

    python benchmarks/worker_install.py [--beam_env DIR] [--compare GIT_REF]

Dataflow workers start from Beam's SDK container (apache-beam[gcp] and numpy installed) and then
`pip install` the source archive that `--setup_file` stages. This builds that archive (`setup.py sdist`)
from the working tree, and from GIT_REF if given, installs each into a fresh copy of an environment that
holds only apache-beam[gcp] (DIR, made here once if missing: a few minutes), and prints the time, the
bytes added and whether TensorFlow or PyTorch came with it. Downloads go to the package index, uncached.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEAM = "apache-beam[gcp]==2.77.0"
HEAVY = ("tensorflow", "tf-keras", "torch", "transformers")


def folder_bytes(path: str) -> int:
  return sum(os.path.getsize(os.path.join(folder, name)) for folder, _, names in os.walk(path) for name in names
             if not os.path.islink(os.path.join(folder, name)))


def beam_environment(path: str) -> str:
  if not os.path.exists(os.path.join(path, "bin", "python")):
    subprocess.run([sys.executable, "-m", "venv", path], check=True)
    subprocess.run([os.path.join(path, "bin", "python"), "-m", "pip", "install", "-q", "--no-cache-dir", BEAM],
                   check=True)
  return path


def sdist(source: str, destination: str) -> str:
  subprocess.run([sys.executable, "setup.py", "-q", "sdist", "--dist-dir", destination], cwd=source, check=True,
                 capture_output=True)
  (archive,) = os.listdir(destination)
  return os.path.join(destination, archive)


def install(beam_env: str, archive: str, work: str) -> tuple[float, int, list[str]]:
  environment = os.path.join(work, "worker")
  shutil.copytree(beam_env, environment, symlinks=True)
  before = folder_bytes(environment)
  python = os.path.join(environment, "bin", "python")
  start = time.perf_counter()
  subprocess.run([python, "-m", "pip", "install", "-q", "--no-cache-dir", archive], check=True, capture_output=True)
  seconds = time.perf_counter() - start
  listed = subprocess.run([python, "-m", "pip", "list", "--format", "freeze"], capture_output=True, text=True,
                          check=True).stdout.lower()
  heavy = [name for name in HEAVY if f"\n{name}==" in f"\n{listed}".replace("_", "-")]
  added = folder_bytes(environment) - before
  shutil.rmtree(environment)
  return seconds, added, heavy


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--beam_env", default=os.path.join(ROOT, "runs", "beam-container-env"),
                      help="an environment with only apache-beam[gcp] (made if missing)")
  parser.add_argument("--compare", help="a git ref whose package is measured too (e.g. one before a change)")
  args = parser.parse_args()
  beam_env = beam_environment(args.beam_env)
  print("| package | install seconds | bytes added | TensorFlow or PyTorch |\n| --- | --- | --- | --- |")
  with tempfile.TemporaryDirectory() as work:
    sources = {"working tree": ROOT}
    if args.compare:
      checkout = os.path.join(work, "compare")
      subprocess.run(["git", "worktree", "add", "--detach", "-q", checkout, args.compare], cwd=ROOT, check=True)
      sources[args.compare] = checkout
    try:
      for name, source in sources.items():
        archive = sdist(source, os.path.join(work, f"dist-{len(name)}-{abs(hash(name))}"))
        seconds, added, heavy = install(beam_env, archive, work)
        print(f"| {name} | {seconds:.1f} | {added / 1e6:,.1f} MB | {', '.join(heavy) or 'none'} |", flush=True)
    finally:
      if args.compare:
        subprocess.run(["git", "worktree", "remove", "--force", sources[args.compare]], cwd=ROOT, check=False)


if __name__ == "__main__":
  main()
