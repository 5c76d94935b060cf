#!/usr/bin/env bash
# End-to-end check of eng/slurm/ on a real Slurm: the one-node cluster of local-cluster.sh runs a tiny sweep
# (plan.K x plan.B x seed = 2 x 2 x 2 runs on the synthetic data) as an array of 2 tasks; then every run must be
# done, and the same sweep run unsharded outside Slurm must give byte-identical model.bin files. Too slow for CI
# (a few minutes, root for the daemons): run it by hand. Builds nothing: expects the Release build (or SNN_BIN).
#
#   eng/slurm/test-local.sh [--keep]    --keep: leave the temp folder and the cluster as they are
#
# Starts the cluster if it is not running, and stops it at the end if it started it. Exit 0 only if all checks pass.
set -euo pipefail
SNN_LOG_TAG="test-local"
# shellcheck source=eng/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
here="$SNN_REPO/eng/slurm"

keep=0
for a in "$@"; do
  case "$a" in
    --keep) keep=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) die "unknown option '$a'" ;;
  esac
done

SNN_BIN="${SNN_BIN:-$(snn_bin_dir "$SNN_REPO/lib/Snn.Cli")/snn}"
[[ -x $SNN_BIN ]] || die "$SNN_BIN not found: build first (dotnet build Snn.Notebooks.sln -c $SNN_CONFIGURATION) or set SNN_BIN"
export SNN_BIN
SHARDS=2 TIMEOUT="${SNN_SLURM_TEST_TIMEOUT:-1200}"

failures=0
check() {  # check DESCRIPTION CMD...
  local d=$1; shift
  if "$@"; then log "ok: $d"; else log "FAILED: $d"; failures=$((failures + 1)); fi
}

started=0
if ! bash "$here/local-cluster.sh" status >/dev/null 2>&1; then
  bash "$here/local-cluster.sh" start
  started=1
fi
eval "$(bash "$here/local-cluster.sh" env)"
export SLURM_CONF

tmp=$(mktemp -d "${TMPDIR:-/tmp}/snn-slurm-test.XXXXXX")
chmod 0755 "$tmp"
finish() {
  local rc=$?
  if [[ $keep -eq 0 && $started -eq 1 ]]; then bash "$here/local-cluster.sh" stop || rc=1; fi
  if [[ $keep -eq 0 && $rc -eq 0 ]]; then rm -rf "$tmp"; else log "kept $tmp"; fi
  exit "$rc"
}
trap finish EXIT

config="$tmp/sweep.json"
cat >"$config" <<'EOF'
{
  "experiment": "slurm-test",
  "dataset": { "name": "synthetic", "trainSubset": 64, "testSubset": 32 },
  "network": "4C3-P2-6C3-FC2",
  "T": 4,
  "plan": { "K": 2, "B": 1 },
  "optimizer": { "lr": 5e-3 },
  "epochs": 2,
  "batch": 32,
  "seed": 9,
  "grid": { "plan.K": [4, 2], "plan.B": ["all", 1], "seed": [0, 1] }
}
EOF

# wait_job JOB: until it left the queue and slurmdbd has a final state for each of its tasks.
wait_job() {
  local t0=$SECONDS
  log "waiting for job $1 (at most $TIMEOUT s)"
  while [[ -n $(squeue -h -j "$1" -o %i 2>/dev/null) ]]; do
    ((SECONDS - t0 < TIMEOUT)) || { scancel "$1"; die "job $1 still queued or running after $TIMEOUT s: cancelled"; }
    sleep 2
  done
  # slurmdbd records asynchronously.
  local t1=$SECONDS
  until [[ $(sacct -n -X -P -j "$1" -o State 2>/dev/null | grep -c -E '^(COMPLETED|FAILED|CANCELLED|TIMEOUT|OUT_OF_MEMORY|NODE_FAIL|PREEMPTED)') -eq $SHARDS ]]; do
    ((SECONDS - t1 < 60)) || break
    sleep 1
  done
  log "job $1 finished after $((SECONDS - t0)) s"
}
# all_completed JOB: sacct lists tasks JOB_0 … JOB_(SHARDS-1), each COMPLETED with exit code 0:0.
all_completed() {
  test "$(sacct -n -X -P -j "$1" -o JobID,State,ExitCode | sort)" = "$(for ((i = 0; i < SHARDS; i++)); do echo "${1}_$i|COMPLETED|0:0"; done)"
}
# Progress lines end in carriage returns and erase codes: keep the last state of each line.
plain() { sed -e 's/.*\r//' -e 's/\x1b\[[0-9;]*[A-Za-z]//g' "$@"; }

# ---- the array job: one CPU per task, so both tasks run at once on a small machine
log "submitting $config as $SHARDS array tasks"
job=$(bash "$here/submit.sh" "$config" "$tmp/sharded" "$SHARDS" -- --cpus-per-task=1 --time=00:20:00)
[[ $job =~ ^[0-9]+$ ]] || die "submit.sh printed '$job', expected a job id"

wait_job "$job"
echo
sacct -j "$job" --format=JobID%-14,JobName%-10,Partition,AllocCPUS,State,ExitCode,Start,End,Elapsed,NodeList
echo

logs="$tmp/sharded/slurm-logs"
for ((i = 0; i < SHARDS; i++)); do
  f="$logs/snn-sweep_${job}_$i.out"
  echo "---- $f"
  if [[ -f $f ]]; then plain "$f"; else echo "(missing)"; fi
done
echo

check "sacct lists $SHARDS array tasks ${job}_0..$((SHARDS - 1)), all COMPLETED with exit code 0:0" all_completed "$job"
for ((i = 0; i < SHARDS; i++)); do
  check "task $i ran shard $i/$SHARDS from the Slurm array variables" \
    grep -q "shard $i/$SHARDS (Slurm array task $i): 4 runs here" "$logs/snn-sweep_${job}_$i.out"
done

# ---- every run done, in the one shared results folder
listing=$(env -u SLURM_ARRAY_TASK_ID "$SNN_BIN" sweep "$config" --results "$tmp/sharded" --list)
echo "$listing"
mapfile -t ids < <(awk '$1 ~ /^#[0-9]+$/ { print $2 }' <<<"$listing")
check "8 runs listed" test "${#ids[@]}" -eq 8
missing=()
for id in "${ids[@]}"; do [[ -s $tmp/sharded/$id/summary.json ]] || missing+=("$id"); done
check "all 8 run folders have summary.json${missing[*]:+ (missing: ${missing[*]})}" test "${#missing[@]}" -eq 0

# ---- resubmitting continues the sweep: here nothing is left, so every task only reports its runs
log "resubmitting the same sweep into the same results folder"
job2=$(bash "$here/submit.sh" "$config" "$tmp/sharded" "$SHARDS" -- --cpus-per-task=1 --time=00:20:00)
wait_job "$job2"
sacct -j "$job2" -X --format=JobID%-14,JobName%-10,State,ExitCode,Elapsed
check "the resubmitted array $job2 completed" all_completed "$job2"
for ((i = 0; i < SHARDS; i++)); do
  f="$logs/snn-sweep_${job2}_$i.out"
  plain "$f" | grep -E '^(sweep|  already done)' || true
  check "task $i of the resubmission trained nothing and found its 4 runs done" \
    grep -q "sweep shard $i/$SHARDS (Slurm array task $i): 0 trained, 4 already done, 0 failed" "$f"
done

# ---- the same sweep, unsharded, outside Slurm, same thread count: the same weights
log "the same sweep unsharded into $tmp/unsharded"
rc=0
env -u SLURM_ARRAY_TASK_ID -u SLURM_ARRAY_TASK_COUNT -u SLURM_ARRAY_TASK_MIN OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
  "$SNN_BIN" sweep "$config" --results "$tmp/unsharded" >"$tmp/unsharded.log" 2>&1 || rc=$?
plain "$tmp/unsharded.log"
check "the unsharded sweep exits 0" test "$rc" -eq 0
differ=()
for id in "${ids[@]}"; do
  a="$tmp/sharded/$id/model.bin" b="$tmp/unsharded/$id/model.bin"
  if [[ -s $a && -s $b ]] && cmp -s "$a" "$b"; then log "identical: $id/model.bin ($(stat -c %s "$a") bytes)"
  else differ+=("$id"); fi
done
check "model.bin byte-identical between the array job and the unsharded sweep for all 8 runs${differ[*]:+ (differ or missing: ${differ[*]})}" \
  test "${#differ[@]}" -eq 0

if [[ $failures -gt 0 ]]; then log "$failures check(s) failed"; exit 1; fi
log "all checks passed"
