#!/usr/bin/env bash
# Runs the vocabulary pipeline on Google Cloud Dataflow over full Wikipedia dumps.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: ./launch_dataflow.sh --project PROJECT --bucket gs://BUCKET (--dump_date YYYYMMDD | --dumps GLOB) [options] [-- selection flags]

Runs `python -m pipelines.select_vocab` with DataflowRunner. Workers install this project from
./setup.py (--setup_file); the original tokenizer is read on this machine and shipped to them.

Required:
  --project PROJECT        Google Cloud project that runs and pays for the job.
  --bucket gs://BUCKET     Bucket for dumps, temp and staging files and the output.
  --dump_date YYYYMMDD     Read gs://BUCKET/dumps/YYYYMMDD/ (as written by download_dumps.sh), or
  --dumps GLOB             any glob of multistream dumps (their -index files beside them).

Options:
  --region REGION          Dataflow region (default: us-central1).
  --languages LIST         Languages, separated by commas: any code (vi, vie, vie_Latn, viwiki) or 'labse' for
                           all 109 of LaBSE's (default: en,fr,es,de,zh,ar,zh_classical,it,ja,ko,nl,pl,pt,th,tr,ru).
                           The job's cost grows with the text of the languages chosen (docs/scale.md).
  --max_workers N          Upper bound for autoscaling (default: 32).
  --machine_type TYPE      Worker machine type (default: n2-standard-4: 4 vCPUs, 16 GB; one SDK
                           process per vCPU, each needs about 1 GB, see docs/scale.md).
  --disk_size_gb N         Worker boot disk (default: 30; workers stream dumps, they store nothing).
  --streams_per_shard N    bz2 streams of 100 pages per shard (default: 200, about 20 MB of enwiki).
  --max_lines_per_language N   Count only the first N lines per language (the original used 1000000).
  --original_preprocess H  Original preprocess model (default: the TF-Hub handle of LaBSE's preprocess).
  --output gs://PATH       Output directory (default: gs://BUCKET/runs/smaller-labse-<date or time>).
  --job_name NAME          Dataflow job name (default: smaller-labse-<date or time>).
  --dry-run                Print the command instead of running it.
  -h, --help               This help.

Everything after `--` goes to the pipeline unchanged, e.g. selection flags:
  ./launch_dataflow.sh --project my-proj --bucket gs://my-bucket --dump_date 20240601 -- --coverage 0.9999
EOF
}

project="" bucket="" dump_date="" dumps="" region="us-central1"
languages="en,fr,es,de,zh,ar,zh_classical,it,ja,ko,nl,pl,pt,th,tr,ru"
max_workers=32 machine_type="n2-standard-4" disk_size_gb=30 streams_per_shard=200 max_lines=""
original_preprocess="https://tfhub.dev/google/universal-sentence-encoder-cmlm/multilingual-preprocess/2"
output="" job_name="" dry_run=0 extra=()

need_value() { [[ $# -ge 2 && -n "$2" ]] || { echo "launch_dataflow.sh: $1 needs a value (see --help)" >&2; exit 2; }; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --project) need_value "$@"; project="$2"; shift 2 ;;
    --bucket) need_value "$@"; bucket="${2%/}"; shift 2 ;;
    --dump_date) need_value "$@"; dump_date="$2"; shift 2 ;;
    --dumps) need_value "$@"; dumps="$2"; shift 2 ;;
    --region) need_value "$@"; region="$2"; shift 2 ;;
    --languages) need_value "$@"; languages="$2"; shift 2 ;;
    --max_workers) need_value "$@"; max_workers="$2"; shift 2 ;;
    --machine_type) need_value "$@"; machine_type="$2"; shift 2 ;;
    --disk_size_gb) need_value "$@"; disk_size_gb="$2"; shift 2 ;;
    --streams_per_shard) need_value "$@"; streams_per_shard="$2"; shift 2 ;;
    --max_lines_per_language) need_value "$@"; max_lines="$2"; shift 2 ;;
    --original_preprocess) need_value "$@"; original_preprocess="$2"; shift 2 ;;
    --output) need_value "$@"; output="$2"; shift 2 ;;
    --job_name) need_value "$@"; job_name="$2"; shift 2 ;;
    --dry-run|--dry_run) dry_run=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "launch_dataflow.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

fail() { echo "launch_dataflow.sh: $*" >&2; exit 2; }
[[ -n "$project" ]] || fail "--project is required"
[[ "$bucket" == gs://* ]] || fail "--bucket must be a gs:// bucket, got '${bucket}'"
[[ -n "$dump_date" || -n "$dumps" ]] || fail "give --dump_date or --dumps"
[[ -z "$dump_date" || "$dump_date" =~ ^[0-9]{8}$ ]] || fail "--dump_date must be YYYYMMDD, got '${dump_date}'"
for number in "$max_workers" "$disk_size_gb" "$streams_per_shard" ${max_lines:+"$max_lines"}; do
  [[ "$number" =~ ^[1-9][0-9]*$ ]] || fail "expected a positive whole number, got '${number}'"
done

stamp="${dump_date:-$(date -u +%Y%m%d-%H%M%S)}"
[[ -n "$dumps" ]] || dumps="${bucket}/dumps/${dump_date}/*-pages-articles-multistream*.xml.bz2"
[[ -n "$output" ]] || output="${bucket}/runs/smaller-labse-${stamp}"
[[ -n "$job_name" ]] || job_name="smaller-labse-${stamp}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  if [[ -x "$here/.venv/bin/python" ]]; then python="$here/.venv/bin/python"; else python="python3"; fi
fi
# An unknown language is one line here, before anything starts.
(cd "$here" && "$python" -m pipelines.languages --wikis "$languages" > /dev/null) || exit 2

command=(
  "$python" -m pipelines.select_vocab
  --runner DataflowRunner
  --project "$project"
  --region "$region"
  --job_name "$job_name"
  --temp_location "${bucket}/tmp"
  --staging_location "${bucket}/staging"
  --setup_file "$here/setup.py"
  --max_num_workers "$max_workers"
  --autoscaling_algorithm THROUGHPUT_BASED
  --machine_type "$machine_type"
  --disk_size_gb "$disk_size_gb"
  --dumps "$dumps"
  --languages "$languages"
  --streams_per_shard "$streams_per_shard"
  --original_preprocess "$original_preprocess"
  --output "$output"
)
[[ -z "$max_lines" ]] || command+=(--max_lines_per_language "$max_lines")
command+=("${extra[@]}")

# Shell-quotes a word only when it needs it, so that the dry run reads like a hand-written command.
quote() {
  if [[ "$1" =~ ^[A-Za-z0-9_./:=,@+%-]+$ ]]; then printf '%s' "$1"; else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}

if [[ "$dry_run" == 1 ]]; then
  printf 'cd %s && %s %s %s' "$(quote "$here")" "$(quote "${command[0]}")" "${command[1]}" "${command[2]}"
  for ((i = 3; i < ${#command[@]}; i++)); do
    if [[ "${command[i]}" == --* ]]; then printf ' \\\n    %s' "${command[i]}"; else printf ' %s' "$(quote "${command[i]}")"; fi
  done
  printf '\n'
  exit 0
fi
cd "$here"
exec "${command[@]}"
