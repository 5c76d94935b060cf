#!/usr/bin/env bash
# Merges a study's runs into the small files that are committed with the kit: results/<experiment>/report.csv,
# runs.csv and provenance.json (docs/studies.md). Run it after (or during: unfinished runs are counted) the sweep.
#
#   eng/study-summary.sh CONFIG [RESULTS] [--emulation "snn data emulate …"] [--notes "…"]
#
# CONFIG is the sweep config (configs/paper-cpu.json); RESULTS the results root the sweep wrote to (results/).
set -euo pipefail
SNN_LOG_TAG="study-summary"
# shellcheck source=eng/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

config="" results="" emulation="" notes=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --emulation) emulation="${2:?--emulation needs a value}"; shift 2 ;;
    --notes) notes="${2:?--notes needs a value}"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) if [[ -z $config ]]; then config="$1"; elif [[ -z $results ]]; then results="$1"; else die "unexpected argument '$1'"; fi; shift ;;
  esac
done
[[ -n $config ]] || die "give the sweep config (e.g. configs/paper-cpu.json); see --help"
[[ -f $config ]] || die "$config: sweep config not found"
results="${results:-results}"
[[ -d $results ]] || die "$results: results folder not found"

snn="$SNN_REPO/$(snn_bin_dir lib/Snn.Cli)/snn"
[[ -x $snn ]] || die "$snn not built: run eng/setup.sh (or dotnet build -c $SNN_CONFIGURATION) first"
experiment=$("$snn" sweep "$config" --list --results "$results" | awk 'NR == 2 { split($2, a, "/"); print a[1] }')
[[ -n $experiment ]] || die "cannot read the experiment name from 'snn sweep $config --list'"
out="$results/$experiment"
# The commit, and whether the code had uncommitted changes: read before the report rewrites its own files, and
# not counting the study's folder (finished runs and the summary files are committed as the sweep goes).
commit=$(git -C "$SNN_REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
out_in_repo=$(realpath --relative-to="$SNN_REPO" "$out" 2>/dev/null || echo "$out")
if ! git -C "$SNN_REPO" diff --quiet HEAD -- . ":(exclude)$out_in_repo" 2>/dev/null; then commit="$commit (with uncommitted changes)"; fi
"$snn" report "$results" --experiment "$experiment" --sweep "$config" --out "$out"

py=$(snn_python) || die "python3 not found"
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
machine="${cpu:-unknown CPU}, $(nproc) cores, $(uname -sr)"
command="snn sweep $config --results $results (see the shards in notes); eng/study-summary.sh $config $results"
"$py" - "$out/provenance.json" "$commit" "$machine" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$command" "$experiment" "$emulation" "$notes" <<'PY'
import json, sys
path, commit, machine, date, command, experiment, emulation, notes = sys.argv[1:]
record = {"commit": commit, "machine": machine, "date": date, "command": command, "experiment": experiment}
if emulation: record["emulation"] = emulation
if notes: record["notes"] = notes
with open(path + ".tmp", "w") as f:
    json.dump(record, f, indent=2)
    f.write("\n")
import os
os.replace(path + ".tmp", path)
PY
log "wrote $out/report.csv, runs.csv, provenance.json (report.html is not committed)"
