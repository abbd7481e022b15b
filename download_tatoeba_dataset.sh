#!/usr/bin/env bash
# Downloads the Tatoeba v1 test pairs of the seed's 14 languages from LASER, at a pinned commit.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: ./download_tatoeba_dataset.sh [DEST] [--commit SHA] [--base_url URL]

Fetches tatoeba.<xxx>-eng.<xxx> and tatoeba.<xxx>-eng.eng for fra spa deu cmn ara ita jpn kor nld pol
por tha tur rus into DEST (default: data/tatoeba/v1). Each file goes to NAME.part and is renamed once
complete; a pair whose two sides differ in line count is an error. Files already present are kept.

Options:
  --commit SHA     LASER commit to read from (default: 74bc6ae, the data the project's tests use).
  --base_url URL   Where the files are (default: https://github.com/facebookresearch/LASER/raw/COMMIT/data/tatoeba/v1).
  -h, --help       This help.
USAGE
}

dest="data/tatoeba/v1" commit="74bc6ae" base_url=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --commit) commit="${2:?--commit needs a value}"; shift 2 ;;
    --base_url) base_url="${2:?--base_url needs a value}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "download_tatoeba_dataset.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) dest="$1"; shift ;;
  esac
done
base_url="${base_url:-https://github.com/facebookresearch/LASER/raw/${commit}/data/tatoeba/v1}"
mkdir -p "$dest"

for code in fra spa deu cmn ara ita jpn kor nld pol por tha tur rus; do
  for side in "$code" eng; do
    name="tatoeba.${code}-eng.${side}"
    [[ -s "$dest/$name" ]] && continue
    curl --fail --silent --show-error --location --retry 5 --output "$dest/$name.part" "$base_url/$name"
    mv "$dest/$name.part" "$dest/$name"
  done
  xx_lines=$(wc -l < "$dest/tatoeba.${code}-eng.${code}")
  en_lines=$(wc -l < "$dest/tatoeba.${code}-eng.eng")
  if [[ "$xx_lines" != "$en_lines" ]]; then
    echo "download_tatoeba_dataset.sh: $dest/tatoeba.${code}-eng.${code} has $xx_lines lines but" \
         "tatoeba.${code}-eng.eng has $en_lines" >&2
    exit 1
  fi
  echo "$code: $xx_lines pairs"
done
echo "Tatoeba v1 (LASER $commit) in $dest"
