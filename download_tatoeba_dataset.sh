#!/usr/bin/env bash
# Downloads LASER's Tatoeba v1 test set (112 languages against English), at a pinned commit.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: ./download_tatoeba_dataset.sh [DEST] [--languages LIST] [--commit SHA] [--base_url URL]

Fetches tatoeba.<xxx>-eng.<xxx> and tatoeba.<xxx>-eng.eng for each of LASER's 112 languages (or those of
--languages) into DEST (default: data/tatoeba/v1). Each file goes to NAME.part and is renamed once
complete; a pair whose two sides differ in line count is an error. Files already present are kept.

Options:
  --languages LIST  LASER codes separated by commas, or 'seed' for the original smaller-LaBSE's 14
                    (fra spa deu cmn ara ita jpn kor nld pol por tha tur rus); default: all 112.
  --commit SHA     LASER commit to read from (default: 74bc6ae, the data the project's tests use).
  --base_url URL   Where the files are (default: https://github.com/facebookresearch/LASER/raw/COMMIT/data/tatoeba/v1).
  -h, --help       This help.
USAGE
}

# LASER's Tatoeba v1 languages (data/tatoeba/v1 at the pinned commit).
ALL_CODES="
  afr amh ang ara arq arz ast awa aze bel ben ber bos bre bul cat cbk ceb ces cha cmn cor csb cym
  dan deu dsb dtp ell epo est eus fao fin fra fry gla gle glg gsw heb hin hrv hsb hun hye ido ile
  ina ind isl ita jav jpn kab kat kaz khm kor kur kzj lat lfn lit lvs mal mar max mhr mkd mon nds
  nld nno nob nov oci orv pam pes pms pol por ron rus slk slv spa sqi srp swe swg swh tam tat tel
  tgl tha tuk tur tzl uig ukr urd uzb vie war wuu xho yid yue zsm
"
SEED_CODES="fra spa deu cmn ara ita jpn kor nld pol por tha tur rus"
dest="data/tatoeba/v1" commit="74bc6ae" base_url="" codes="$ALL_CODES"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --commit) commit="${2:?--commit needs a value}"; shift 2 ;;
    --languages) codes="${2:?--languages needs a value}"; shift 2 ;;
    --base_url) base_url="${2:?--base_url needs a value}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "download_tatoeba_dataset.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) dest="$1"; shift ;;
  esac
done
base_url="${base_url:-https://github.com/facebookresearch/LASER/raw/${commit}/data/tatoeba/v1}"
[[ "$codes" == seed ]] && codes="$SEED_CODES"
codes="${codes//,/ }"
for code in $codes; do
  [[ " $ALL_CODES " =~ [[:space:]]${code}[[:space:]] ]] ||
    { echo "download_tatoeba_dataset.sh: '$code' is not one of LASER's Tatoeba codes (see --help)" >&2; exit 2; }
done
mkdir -p "$dest"

for code in $codes; do
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
