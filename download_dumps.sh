#!/usr/bin/env bash
# Downloads Wikipedia multistream dumps and their index files, verified against the published SHA-1 sums.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: ./download_dumps.sh --date YYYYMMDD --dest DIR_OR_GS_PATH [--languages LIST] [options]

For each language, reads <wiki>-<date>-sha1sums.txt from the dump site and fetches the multistream
dump with its index: the single `-pages-articles-multistream.xml.bz2` file where it is published,
otherwise its numbered parts (`-multistream1.xml-p1p41242.bz2`, ...) and their index files.

Downloads resume where they stopped (curl -C -) into NAME.part, which is renamed to NAME only once
its SHA-1 matches the published one, so a file under its final name is always complete and verified.
Files already present and verified are skipped: rerunning the script finishes an interrupted run.

Options:
  --date YYYYMMDD        Dump date (see https://dumps.wikimedia.org/enwiki/ for the available ones).
  --dest PATH            Local directory, or gs://BUCKET/PATH: files are downloaded to --workdir
                         and copied there (Cloud Storage objects appear only when fully written).
  --languages LIST       Languages, separated by commas: any code the project knows (wiki, ISO 639-1/639-3,
                         Tatoeba, FLORES-200: vi, vie, vie_Latn), or 'labse' for all of LaBSE's that have a
                         Wikipedia (108 of its 109; Hmong has none). Default: the original smaller-LaBSE's
                         en,fr,es,de,zh,ar,zh_classical,it,ja,ko,nl,pl,pt,th,tr,ru.
  --workdir DIR          Local download directory for a gs:// --dest (default: ./downloads/DATE).
  --mirror URL           Dump site or mirror (default: https://dumps.wikimedia.org).
  -h, --help             This help.
EOF
}

date_="" dest="" workdir="" mirror="https://dumps.wikimedia.org"
languages="en,fr,es,de,zh,ar,zh_classical,it,ja,ko,nl,pl,pt,th,tr,ru"
need_value() { [[ $# -ge 2 && -n "$2" ]] || { echo "download_dumps.sh: $1 needs a value (see --help)" >&2; exit 2; }; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --date) need_value "$@"; date_="$2"; shift 2 ;;
    --dest) need_value "$@"; dest="${2%/}"; shift 2 ;;
    --languages) need_value "$@"; languages="$2"; shift 2 ;;
    --workdir) need_value "$@"; workdir="$2"; shift 2 ;;
    --mirror) need_value "$@"; mirror="${2%/}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "download_dumps.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
fail() { echo "download_dumps.sh: $*" >&2; exit 1; }
[[ "$date_" =~ ^[0-9]{8}$ ]] || { echo "download_dumps.sh: --date YYYYMMDD is required" >&2; exit 2; }
[[ -n "$dest" ]] || { echo "download_dumps.sh: --dest is required" >&2; exit 2; }

if [[ "$dest" == gs://* ]]; then
  local_dir="${workdir:-downloads/${date_}}"
  if command -v gcloud >/dev/null 2>&1; then copy=(gcloud storage cp); list=(gcloud storage ls)
  elif command -v gsutil >/dev/null 2>&1; then copy=(gsutil cp); list=(gsutil ls)
  else fail "a gs:// --dest needs gcloud or gsutil"; fi
else
  local_dir="$dest"
fi
mkdir -p "$local_dir"

# Fetches URL into DIR/NAME through DIR/NAME.part, resuming; verifies the SHA-1 before the rename.
fetch_verified() {
  local url="$1" target="$2" sha1="$3"
  if [[ -f "$target" ]]; then
    if [[ "$(sha1sum "$target" | cut -d' ' -f1)" == "$sha1" ]]; then
      echo "verified, skipped: $target"; return 0
    fi
    fail "$target exists but its SHA-1 is not the published $sha1; remove it to download it again"
  fi
  echo "downloading $url"
  curl --fail --location --silent --show-error --retry 5 --continue-at - --output "$target.part" "$url" ||
    fail "download of $url failed; rerun to resume it"
  local actual
  actual="$(sha1sum "$target.part" | cut -d' ' -f1)"
  if [[ "$actual" != "$sha1" ]]; then
    rm -f "$target.part"
    fail "$url: SHA-1 $actual is not the published $sha1; the partial file was removed, rerun to fetch it again"
  fi
  mv "$target.part" "$target"
  echo "verified: $target"
}

# The project's language table turns any name into the wiki code (and refuses an unknown one in a line).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
wikis="$(cd "$here" && "${PYTHON:-python3}" -m pipelines.languages --wikis "$languages")" || exit 2
mapfile -t codes <<< "$wikis"
for code in "${codes[@]}"; do
  wiki="${code}wiki"
  sums="$local_dir/${wiki}-${date_}-sha1sums.txt"
  curl --fail --location --silent --show-error --retry 5 --output "$sums.part" \
    "${mirror}/${wiki}/${date_}/${wiki}-${date_}-sha1sums.txt" ||
    fail "no checksums for ${wiki} ${date_} at ${mirror}/${wiki}/${date_}/ (is the dump finished?)"
  mv "$sums.part" "$sums"
  single="${wiki}-${date_}-pages-articles-multistream.xml.bz2"
  if grep -q "  ${single}\$" "$sums"; then
    pattern="^[0-9a-f]{40}  ${wiki}-${date_}-pages-articles-multistream(-index)?\\.(xml|txt)\\.bz2\$"
  else
    pattern="^[0-9a-f]{40}  ${wiki}-${date_}-pages-articles-multistream(-index)?[0-9]+\\.(xml|txt)-p[0-9]+p[0-9]+\\.bz2\$"
  fi
  mapfile -t wanted < <(grep -E "$pattern" "$sums" || true)
  [[ ${#wanted[@]} -gt 0 ]] || fail "${sums} lists no multistream dump files for ${wiki}"
  for line in "${wanted[@]}"; do
    sha1="${line%%  *}" name="${line#*  }"
    fetch_verified "${mirror}/${wiki}/${date_}/${name}" "$local_dir/$name" "$sha1"
    if [[ "$dest" == gs://* ]]; then
      if "${list[@]}" "$dest/$name" >/dev/null 2>&1; then
        echo "already in $dest: $name"
      else
        "${copy[@]}" "$local_dir/$name" "$dest/$name"
      fi
    fi
  done
done
echo "done: ${languages} ${date_} in ${dest}"
