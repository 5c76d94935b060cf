#!/usr/bin/env bash
# Makes EMULATED N-Fashion-MNIST: every Fashion-MNIST image is moved along three saccades under a 34×34
# emulated event camera (Snn.Data.EventEmulator) and written as an N-MNIST .bin file into
# data/n-fashion-mnist-emulated/Train|Test/<class>/<index>.bin, with an EMULATED.json marker per split.
# This is not recorded sensor data. Idempotent: existing files are kept (the marker must match the settings).
#
#   data-scripts/make-emulated-n-fashion-mnist.sh [--train N] [--test N] [--seed S] [--out DIR]
TAG=emulated
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ "${1:-}" == -h || "${1:-}" == --help ]] && { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0; }
need dotnet
repo="$DATA_SCRIPTS/.."
exec dotnet run --project "$repo/lib/Snn.Cli" -c Release -v quiet -- data emulate "$@"
