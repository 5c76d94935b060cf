#!/usr/bin/env bash
# The main job: installs/fixes what is missing (eng/setup.sh), then executes the notebooks with the
# profile in SNN_PROFILE (smoke | quick | full; default quick) into out/NN-name.ipynb + out/NN-name.html.
#
#   ./run.sh [NOTEBOOK...]            e.g. ./run.sh            ./run.sh 00 03-truncation
#   SNN_PROFILE=full ./run.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
case "${1:-}" in -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;; esac
profile="${SNN_PROFILE:-quick}"
echo "[run] setup (eng/setup.sh), then notebooks with profile '$profile'"
bash eng/setup.sh
bash eng/run-notebooks.sh "$profile" "$@"
