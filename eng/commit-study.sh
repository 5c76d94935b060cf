#!/usr/bin/env bash
# Commits the small files of a study's finished runs as the sweep goes (config.json, summary.json, epochs.csv,
# epochs.jsonl, costs.json, environment.jsonl; never weights, checkpoints or TensorBoard logs: .gitignore), so a lost
# machine loses at most the runs in flight. Commits only paths under results/EXPERIMENT/ (other staged work is left
# alone). With --every SECONDS it repeats until killed.
#
#   eng/commit-study.sh EXPERIMENT [--every SECONDS]
set -euo pipefail
SNN_LOG_TAG="commit-study"
# shellcheck source=eng/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

experiment="" every=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --every) every="${2:?--every needs seconds}"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) [[ -z $experiment ]] || die "unexpected argument '$1'"; experiment="$1"; shift ;;
  esac
done
[[ -n $experiment ]] || die "give the experiment name (e.g. paper-study); see --help"
[[ -z $every || $every =~ ^[1-9][0-9]*$ ]] || die "--every: expected a number of seconds ≥ 1, got '$every'"
folder="results/$experiment"
[[ -d "$SNN_REPO/$folder" ]] || die "$folder: not found"

commit_once() {
  cd "$SNN_REPO"
  local finished=() run
  for run in "$folder"/*/; do
    [[ -f "$run/summary.json" ]] || continue   # summary.json is written last: the run is done
    finished+=("$run")
  done
  [[ ${#finished[@]} -gt 0 ]] || { log "no finished run in $folder yet"; return 0; }
  # Another git process (a developer's commit) holds the index: try again next time.
  if [[ -f .git/index.lock ]]; then log "git index locked; retrying later"; return 0; fi
  git add -- "${finished[@]}" || return 0
  if git diff --cached --quiet -- "$folder"; then return 0; fi
  local n
  n=$(git diff --cached --name-only --diff-filter=A -- "$folder" | grep -c '/summary\.json$' || true)
  git commit -q -m "results/$experiment: $n finished run(s) ($(find "$folder" -name summary.json | wc -l) in all)" -- "$folder" \
    && log "committed $n run(s)"
}

commit_once
if [[ -n $every ]]; then
  while sleep "$every"; do commit_once || log "commit failed; retrying in $every s"; done
fi
