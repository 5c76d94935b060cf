#!/usr/bin/env bash
# Setup, unit tests (xunit, trx into out/test-results/), then every notebook with the smoke profile
# (one test each). Ends with exactly one line 'tests: N passed, N failed, N skipped'; exits non-zero if
# anything failed or if no test ran.
#
#   ./test.sh [--no-notebooks]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
SNN_LOG_TAG="test"
# common.sh exits when it cannot read the pinned versions: still end with the tests line.
if ! (source eng/common.sh); then echo "tests: 0 passed, 1 failed, 0 skipped"; exit 1; fi
# shellcheck source=eng/common.sh
source eng/common.sh

run_notebooks=1
for a in "$@"; do
  case "$a" in
    --no-notebooks) run_notebooks=0 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) die "unknown option '$a'" ;;
  esac
done

passed=0 failed=0 skipped=0
finish() {
  echo "tests: $passed passed, $failed failed, $skipped skipped"
  if [[ $failed -gt 0 ]]; then exit 1; fi
  if [[ $passed -eq 0 ]]; then log "no test ran"; exit 1; fi
  exit 0
}

setup_flags=()
[[ $run_notebooks -eq 1 ]] || setup_flags+=(--no-notebooks)
if ! bash eng/setup.sh "${setup_flags[@]}"; then
  log "setup or build failed (see above)"
  failed=1; finish
fi

# ---- formatting: one test (whitespace as .editorconfig says; dotnet format changes nothing)
log "dotnet format whitespace Snn.Notebooks.sln --verify-no-changes"
if dotnet format whitespace Snn.Notebooks.sln --verify-no-changes; then passed=$((passed + 1))
else log "formatting differs: run 'dotnet format whitespace Snn.Notebooks.sln'"; failed=$((failed + 1)); fi

# ---- unit tests
if fm=$(fashion_mnist_dir); then export SNN_FASHION_MNIST_DIR="$fm"; fi
results="$SNN_REPO/out/test-results"
rm -rf "$results"; mkdir -p "$results"
# The exact allocation counter (built next to Snn.dll where gcc exists) for the memory tests.
memcount="$(snn_bin_dir tests/Snn.Tests)/libsnn_memcount.so"
preload=()
if [[ -f $memcount ]]; then preload=(env "LD_PRELOAD=$SNN_REPO/$memcount"); else warn "no $memcount (no gcc?): memory tests use VmHWM only"; fi
log "dotnet test Snn.Notebooks.sln -c $SNN_CONFIGURATION${SNN_DOTNET_PROPS[*]:+ ${SNN_DOTNET_PROPS[*]}} (trx into out/test-results/)"
test_rc=0
"${preload[@]}" dotnet test Snn.Notebooks.sln -c "$SNN_CONFIGURATION" "${SNN_DOTNET_PROPS[@]}" --no-build --nologo \
  --logger "trx;LogFilePrefix=snn" --blame-hang-timeout 25m --results-directory "$results" || test_rc=$?
py=$(snn_python) || py=python3
counts=$("$py" - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
# Count per test result (the Counters element does not count skipped xunit tests).
p = f = s = n = 0
for path in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    n += 1
    for r in ET.parse(path).getroot().findall(".//{*}UnitTestResult"):
        o = r.get("outcome", "")
        if o == "Passed":
            p += 1
        elif o in ("NotExecuted", "Inconclusive", "NotRunnable", "Pending"):
            s += 1
        else:  # Failed, Error, Timeout, Aborted, ...
            f += 1
print(p, f, s, n)
PY
) || { warn "could not read the trx files"; counts="0 1 0 0"; }
read -r t_pass t_fail t_skip n_trx <<<"$counts"
log "unit tests: $t_pass passed, $t_fail failed, $t_skip skipped ($n_trx trx file(s), dotnet test exit $test_rc)"
passed=$((passed + t_pass)) failed=$((failed + t_fail)) skipped=$((skipped + t_skip))
if [[ $test_rc -ne 0 && $t_fail -eq 0 ]]; then
  log "dotnet test failed without a failed test in the trx files: counting it as one failure"
  failed=$((failed + 1))
fi

# ---- notebooks (smoke profile), one test each
if [[ $run_notebooks -eq 1 ]]; then
  if ! compgen -G "notebooks/[0-9][0-9]-*.ipynb" >/dev/null; then
    log "no notebooks/NN-*.ipynb yet: no notebook tests"
  else
    rm -f out/notebooks.tsv
    nb_rc=0
    bash eng/run-notebooks.sh smoke || nb_rc=$?
    if [[ -f out/notebooks.tsv ]]; then
      nb_ok=$(awk -F'\t' 'NR > 1 && $3 == "ok"' out/notebooks.tsv | wc -l)
      nb_failed=$(awk -F'\t' 'NR > 1 && $3 != "ok"' out/notebooks.tsv | wc -l)
    else
      nb_ok=0 nb_failed=1
    fi
    if [[ $nb_rc -ne 0 && $nb_failed -eq 0 ]]; then nb_failed=1; fi
    passed=$((passed + nb_ok)) failed=$((failed + nb_failed))
  fi
fi
finish
