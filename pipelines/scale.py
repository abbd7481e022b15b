"""What a run over full Wikipedia costs for a set of languages, before it starts.

    python -m pipelines.scale --date 20240601 --languages labse [--workers 32] [--mirror URL]

The job's cost follows the compressed bytes of the chosen wikis' multistream dumps: every byte is
decompressed, parsed and counted once. This reads each wiki's `dumpstatus.json` from the dump site
(the sizes Wikimedia publishes for the dump files), sums its multistream dump files, and turns the
total into XML to read, vCPU-hours, wall time and a cost with the figures measured for the 15
languages (docs/scale.md): bz2 expands about 4.5x, the whole job reads 11.5 MB of XML per
CPU-second, a Dataflow vCPU-hour with its memory costs about $0.07.
"""

from __future__ import annotations

import json
import re
import sys
import urllib.error
import urllib.request
from typing import Sequence

from pipelines import cli, languages

EXPANSION = 4.5  # XML bytes per bz2 byte of Wikimedia's bzip2 -9 dumps (they expand 4-5x).
XML_MB_PER_CPU_SECOND = 11.5  # benchmarks/pipeline_throughput.py: the whole Beam job, one process (its slowest run).
COST_PER_VCPU_HOUR = 0.056 + 4 * 0.0036  # Dataflow batch, us-central1 list price: vCPU + 4 GB of memory.
STARTUP_MINUTES = 10  # Worker start-up and reading the largest index, as measured for the 15 languages.
_MULTISTREAM = re.compile(r"-pages-articles-multistream(\d*\.xml-p\d+p\d+)?\.(xml\.)?bz2$")


def multistream_bytes(status: dict) -> int:
  """The bytes of a wiki's multistream dump files (the whole file or its parts, not the index) in its
  `dumpstatus.json`."""
  jobs = status.get("jobs", {})
  files = jobs.get("articlesmultistreamdump", {}).get("files", {})
  files = files or {name: entry for job in jobs.values() for name, entry in job.get("files", {}).items()}
  return sum(int(entry.get("size", 0)) for name, entry in files.items()
             if "-index" not in name and _MULTISTREAM.search(name))


def fetch_status(mirror: str, wiki: str, date: str) -> dict:
  url = f"{mirror.rstrip('/')}/{wiki}/{date}/dumpstatus.json"
  try:
    with urllib.request.urlopen(url, timeout=60) as response:
      return json.loads(response.read().decode("utf-8"))
  except (urllib.error.URLError, OSError, ValueError) as error:
    raise OSError(f"{url}: {error}") from None


def estimate(total_bytes: int, workers: int, vcpus_per_worker: int = 4) -> dict[str, float]:
  xml_mb = total_bytes * EXPANSION / 1e6
  vcpu_seconds = xml_mb / XML_MB_PER_CPU_SECOND
  vcpus = workers * vcpus_per_worker
  wall_minutes = vcpu_seconds / vcpus / 60 + STARTUP_MINUTES
  billed = vcpus * wall_minutes / 60  # Every worker is paid for from start-up to the end.
  return {"bz2_gb": total_bytes / 1e9, "xml_gb": xml_mb / 1e3, "vcpu_hours": vcpu_seconds / 3600,
          "wall_minutes": wall_minutes, "billed_vcpu_hours": billed, "cost_usd": billed * COST_PER_VCPU_HOUR}


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> None:
  parser = cli.ArgumentParser(prog=prog or cli.prog("pipelines.scale"), description=__doc__.split("\n\n")[0])
  parser.add_argument("--date", required=True, help="dump date, YYYYMMDD")
  cli.add_languages_argument(parser, "the wikis to plan for (default: the seed's 16)")
  parser.add_argument("--workers", type=int, default=32, help="n2-standard-4 workers (default 32)")
  parser.add_argument("--mirror", default="https://dumps.wikimedia.org", help="dump site or mirror")
  args = parser.parse_args(argv)
  try:
    chosen = [languages.BY_CODE[code]
              for code in languages.resolve_codes(args.languages or languages.DEFAULT_LANGUAGES)]
  except languages.UnknownLanguageError as error:
    parser.exit(2, f"{parser.prog}: error: {error}\n")
  rows, total = [], 0
  for language in chosen:
    if not language.wiki:
      print(f"{language.code}: no Wikipedia ({language.note})", file=sys.stderr)
      continue
    try:
      size = multistream_bytes(fetch_status(args.mirror, language.dbname, args.date))
    except OSError as error:
      parser.exit(1, f"{parser.prog}: {error}\n")
    rows.append((language.code, size))
    total += size
  print("| wiki | multistream bz2 |\n| --- | ---: |")
  for code, size in sorted(rows, key=lambda row: -row[1]):
    print(f"| {code} | {size / 1e9:.2f} GB |")
  figures = estimate(total, args.workers)
  print(f"\n{len(rows)} wikis, {figures['bz2_gb']:.1f} GB of bz2 -> about {figures['xml_gb']:.0f} GB of XML, "
        f"{figures['vcpu_hours']:.1f} vCPU-hours of work, {figures['wall_minutes']:.0f} min on {args.workers} "
        f"n2-standard-4 workers ({figures['billed_vcpu_hours']:.0f} vCPU-hours billed), about "
        f"${figures['cost_usd']:.2f} plus disk and shuffle (docs/scale.md)")


if __name__ == "__main__":
  main()
