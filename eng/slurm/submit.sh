#!/usr/bin/env bash
# Submits a sweep as a Slurm array job: one task per shard, all writing into one results folder (docs/slurm.md).
# Prints the array job id on stdout (everything else goes to stderr).
#
#   eng/slurm/submit.sh CONFIG [RESULTS] [SHARDS] [-- SBATCH_OPTION...]
#
# RESULTS  the results root, on a file system every node sees (default: results)
# SHARDS   the number of array tasks (default and maximum: the number of runs, i.e. one run per task)
# SBATCH_OPTION  passed to sbatch before the script, e.g. -- --partition=gpu --cpus-per-task=8 --time=2:00:00
# Task logs: RESULTS/slurm-logs/<job name>_<job id>_<task>.out (appended to on a requeue).
# Settings (environment): SNN_BIN the snn executable (default: this repository's Release build); SNN_PROFILE.
# Resubmitting the same command after a failure, a cancel or a time limit continues the sweep: done runs are
# skipped, interrupted ones resume.
set -euo pipefail
SNN_LOG_TAG="submit"
# shellcheck source=eng/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
log() { printf '[%s] %s\n' "$_snn_tag" "$*" >&2; }

args=() extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --) shift; extra=("$@"); break ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    -*) die "unknown option '$1' (sbatch options go after --)" ;;
    *) args+=("$1"); shift ;;
  esac
done
[[ ${#args[@]} -ge 1 && ${#args[@]} -le 3 ]] || die "usage: $0 CONFIG [RESULTS] [SHARDS] [-- SBATCH_OPTION...]"
config=${args[0]}
results=${args[1]:-results}
shards=${args[2]:-}
[[ -f $config ]] || die "$config: sweep config not found"
[[ -z $shards || $shards =~ ^[1-9][0-9]*$ ]] || die "SHARDS must be a positive integer; got '$shards'"
command -v sbatch >/dev/null 2>&1 || die "sbatch not found: run this on a Slurm login node (or start eng/slurm/local-cluster.sh and eval its 'env')"

SNN_BIN="${SNN_BIN:-$(snn_bin_dir "$SNN_REPO/lib/Snn.Cli")/snn}"
[[ -x $SNN_BIN ]] || die "$SNN_BIN not found: build with 'dotnet build Snn.Notebooks.sln -c $SNN_CONFIGURATION' or set SNN_BIN"
# The tasks may start in another folder: absolute paths only.
config=$(realpath "$config")
results=$(realpath -m "$results")
SNN_BIN=$(realpath "$SNN_BIN")

# The run count (and a check of the whole grid: a bad config fails here, not in every task). The Slurm array
# variables of an enclosing job must not turn this into one shard.
listing=$(env -u SLURM_ARRAY_TASK_ID -u SLURM_ARRAY_TASK_COUNT -u SLURM_ARRAY_TASK_MIN \
  "$SNN_BIN" sweep "$config" --results "$results" --list) || die "snn sweep $config --list failed (above): nothing submitted"
runs=$(head -n 1 <<<"$listing" | grep -oE ': [0-9]+ runs?[ ;(]' | head -n 1 | tr -dc '0-9')
[[ -n $runs ]] || die "cannot read the run count from the first line of 'snn sweep --list': ${listing%%$'\n'*}"
todo=$(awk '$1 ~ /^#[0-9]+$/ && $3 != "done" { n++ } END { print n + 0 }' <<<"$listing")
if [[ -z $shards ]]; then shards=$runs
elif [[ $shards -gt $runs ]]; then log "$shards shards for $runs runs: using $runs (a shard without runs would do nothing)"; shards=$runs; fi
[[ $todo -gt 0 ]] || log "all $runs runs are done already: the tasks will only report them"

logs="$results/slurm-logs"
mkdir -p "$logs"
log "$runs runs ($todo not done) in $shards array task(s); results in $results; logs in $logs"
job=$(sbatch --parsable --array="0-$((shards - 1))" --output="$logs/%x_%A_%a.out" \
  --export="ALL,SNN_BIN=$SNN_BIN,SNN_REPO=$SNN_REPO" "${extra[@]}" \
  "$SNN_REPO/eng/slurm/sweep.sbatch" "$config" "$results") || die "sbatch failed (above)"
job=${job%%;*}
log "submitted array job $job: squeue -j $job; sacct -j $job; results: snn sweep $config --results $results --list"
# A report step (once the report command exists) can follow the whole array without polling:
#   sbatch --dependency=afterany:$job --wrap "snn report ..."
printf '%s\n' "$job"
