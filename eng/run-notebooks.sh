#!/usr/bin/env bash
# Executes notebooks headless and renders HTML reports into out/ (committed notebooks stay output-free).
#
#   eng/run-notebooks.sh [options] PROFILE [NOTEBOOK...]
#
#   PROFILE      smoke | quick | full (exported to the kernel as SNN_PROFILE)
#   NOTEBOOK     path, file name or name prefix (e.g. 00, 00-quickstart); default: all notebooks/NN-*.ipynb
#   --out DIR            where to write NN-name.ipynb/.html/.png/.log (default: out)
#   --notebooks-dir DIR  notebooks folder (default: notebooks; env SNN_NOTEBOOKS_DIR); the kernel's cwd is the
#                        notebook's own folder, so '#r "../artifacts/notebook-lib/Snn.dll"' resolves
#   --no-chart-check     do not check in headless Chromium that the report's Plotly charts draw offline
#                        (the executed notebook is still checked: Plotly.NET.Interactive loaded, every chart
#                        output offline with plotly.js inlined; eng/check_charts.py notebook)
#   --no-screenshots     no PNG screenshot per report
#   --timeout S          per-cell timeout (default by profile: smoke 600, quick 1800, full none; env SNN_NB_TIMEOUT)
#
# Needs eng/setup.sh first (Jupyter, kernel .net-csharp, artifacts/notebook-lib). A failing cell fails its
# notebook; the others still run. Environment (defaults in eng/common.sh): SNN_PY (Python with nbclient),
# SNN_JUPYTER, SNN_KERNEL, SNN_BROWSER (headless Chromium), SNN_NOTEBOOKS_DIR, SNN_NB_TIMEOUT.
# Prints one line per notebook plus its 'summary:' lines, writes OUT/notebooks.tsv and ends with
# 'notebooks: N ok, N failed' (exit 1 if any failed).
set -euo pipefail
SNN_LOG_TAG="notebooks"
# shellcheck source=eng/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

out_dir="$SNN_REPO/out" nb_dir="${SNN_NOTEBOOKS_DIR:-$SNN_REPO/notebooks}" chart_check=1 screenshots=1
timeout_s="${SNN_NB_TIMEOUT:-}" profile="" selected=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out_dir=$2; shift 2 ;;
    --notebooks-dir) nb_dir=$2; shift 2 ;;
    --no-chart-check) chart_check=0; shift ;;
    --no-screenshots) screenshots=0; shift ;;
    --timeout) timeout_s=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) if [[ -z "$profile" ]]; then profile=$1; else selected+=("$1"); fi; shift ;;
  esac
done
[[ -n "$profile" ]] || die "usage: eng/run-notebooks.sh PROFILE [NOTEBOOK...] (PROFILE: smoke | quick | full)"
case "$profile" in smoke|quick|full) ;; *) warn "unknown profile '$profile' (expected smoke, quick or full); passing it on" ;; esac
if [[ -z "$timeout_s" ]]; then
  case "$profile" in smoke) timeout_s=600 ;; full) timeout_s=0 ;; *) timeout_s=1800 ;; esac
fi
mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
[[ -d "$nb_dir" ]] || die "notebooks folder $nb_dir not found"
nb_dir=$(cd "$nb_dir" && pwd)

# ---- prerequisites (installed by eng/setup.sh)
[[ -x "$SNN_JUPYTER" ]] || die "SNN_JUPYTER=$SNN_JUPYTER not found: run eng/setup.sh (apt-get install jupyter-nbconvert jupyter-client jupyter-core python3-nbclient), or set SNN_JUPYTER to your jupyter"
snn_has_nbclient || die "SNN_PY=$SNN_PY cannot import nbclient and nbformat: run eng/setup.sh (apt-get install python3-nbclient), or set SNN_PY to the Python that has them"
"$SNN_JUPYTER" kernelspec list 2>/dev/null | awk '{print $1}' | grep -qx -- "$SNN_KERNEL" \
  || die "Jupyter kernel SNN_KERNEL=$SNN_KERNEL is not registered: run eng/setup.sh"
for f in Snn.dll Plotly.NET.Interactive.dll; do
  [[ -f "$SNN_NOTEBOOK_LIB/$f" ]] || die "artifacts/notebook-lib/$f missing: run eng/setup.sh (builds and publishes the notebook library)"
done

browser=""
if [[ $chart_check -eq 1 ]]; then
  if [[ -n "$SNN_BROWSER" ]]; then
    browser=$(command -v "$SNN_BROWSER" || true)
    [[ -n "$browser" ]] || die "SNN_BROWSER=$SNN_BROWSER not found: set SNN_BROWSER to a Chromium, unset it, or pass --no-chart-check"
  else
    browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
  fi
  if [[ -z "$browser" ]]; then
    if is_debian; then apt_ensure chromium; browser=$(command -v chromium || true); fi
    [[ -n "$browser" ]] || die "no headless Chromium for the offline-chart check: install chromium (Debian: apt-get install chromium), set SNN_BROWSER, or pass --no-chart-check"
  fi
fi

# ---- which notebooks
notebooks=()
if [[ ${#selected[@]} -eq 0 ]]; then
  mapfile -t notebooks < <(find "$nb_dir" -maxdepth 1 -name '[0-9][0-9]-*.ipynb' -type f | LC_ALL=C sort)
  [[ ${#notebooks[@]} -gt 0 ]] || die "no notebooks/NN-*.ipynb found in $nb_dir"
else
  for s in "${selected[@]}"; do
    if [[ -f "$s" ]]; then notebooks+=("$(cd "$(dirname "$s")" && pwd)/$(basename "$s")"); continue; fi
    mapfile -t m < <(find "$nb_dir" -maxdepth 1 -type f \( -name "${s%.ipynb}.ipynb" -o -name "${s%.ipynb}-*.ipynb" \) | LC_ALL=C sort)
    [[ ${#m[@]} -gt 0 ]] || die "notebook '$s' not found in $nb_dir"
    notebooks+=("${m[@]}")
  done
fi

export SNN_PROFILE="$profile" SNN_REPO DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
if fm=$(fashion_mnist_dir); then export SNN_FASHION_MNIST_DIR="$fm"; fi
# The kernel (only) gets the exact allocation counter, so that memory figures in reports are exact.
kernel_env=()
memcount="$SNN_NOTEBOOK_LIB/libsnn_memcount.so"
if [[ -f "$memcount" ]]; then kernel_env=(--kernel-env "LD_PRELOAD=$memcount"); else warn "no $memcount (no gcc?): notebooks measure memory with VmHWM"; fi

# check_charts HTML NAME -> 0 if every chart drew (or there are none); sets chart_note
check_charts() {
  local html=$1 name=$2 expected drawn udd dom rc=0
  expected=$("$SNN_PY" "$SNN_REPO/eng/check_charts.py" expected "$html")
  if [[ "$expected" -eq 0 ]]; then chart_note="no charts"; return 0; fi
  udd=$(mktemp -d) dom="$out_dir/$name.dom.html"
  local flags=(--headless --no-sandbox --disable-gpu --disable-quic --disable-background-networking
               --disable-component-update --disable-sync --no-first-run --user-data-dir="$udd"
               --virtual-time-budget=30000 --run-all-compositor-stages-before-draw)
  timeout 180 "$browser" "${flags[@]}" --dump-dom "file://$html" >"$dom" 2>"$udd.log" || rc=$?
  drawn=$("$SNN_PY" "$SNN_REPO/eng/check_charts.py" drawn "$dom")
  if [[ $screenshots -eq 1 ]]; then
    rm -rf "$udd" && mkdir -p "$udd"
    timeout 180 "$browser" "${flags[@]}" --hide-scrollbars --window-size=1280,2400 \
      --screenshot="$out_dir/$name.png" "file://$html" >/dev/null 2>>"$udd.log" || warn "$name: screenshot failed"
  fi
  rm -rf "$udd" "$udd.log" "$dom"
  chart_note="charts $drawn/$expected drawn"
  [[ $rc -eq 0 ]] || { chart_note="$chart_note (browser exit $rc)"; return 1; }
  [[ "$drawn" -ge "$expected" ]]
}

printf 'name\tprofile\tstatus\tseconds\thtml\tnote\n' > "$out_dir/notebooks.tsv"
n_ok=0 n_failed=0 failed_names=()
log "running ${#notebooks[@]} notebook(s), profile $profile, kernel $SNN_KERNEL, out ${out_dir#"$SNN_REPO"/}"
for nb in "${notebooks[@]}"; do
  name=$(basename "$nb" .ipynb)
  rm -f "$out_dir/$name".{ipynb,html,png,log,summary.txt}
  t0=${EPOCHREALTIME/[.,]/}
  status=ok note=""
  sumfile="$out_dir/$name.summary.txt"
  # The kernel inherits stdout/stderr: its host chatter goes to the log, not to the console.
  if "$SNN_PY" "$SNN_REPO/eng/execute_notebook.py" "$nb" "$out_dir/$name.ipynb" --kernel "$SNN_KERNEL" \
       --cwd "$(dirname "$nb")" --timeout "$timeout_s" --startup-timeout 300 --summary-out "$sumfile" \
       "${kernel_env[@]}" >"$out_dir/$name.log" 2>&1; then :
  else
    status=FAILED note=$(grep '^error:' "$out_dir/$name.log" | head -1 | cut -c1-300 || true)
    [[ -n "$note" ]] || note="error: see $out_dir/$name.log"
  fi
  html="-"
  # Plotly.NET.Interactive loaded and every chart output offline (plotly.js inlined), from the notebook itself.
  if [[ $status == ok && -f "$out_dir/$name.ipynb" ]]; then
    if nb_note=$("$SNN_PY" "$SNN_REPO/eng/check_charts.py" notebook "$out_dir/$name.ipynb" 2>&1); then
      note=$nb_note
    else
      status=FAILED note="notebook check failed: $nb_note"
    fi
  fi
  if [[ -f "$out_dir/$name.ipynb" ]]; then
    if "$SNN_JUPYTER" nbconvert --to html --output-dir "$out_dir" "$out_dir/$name.ipynb" >>"$out_dir/$name.log" 2>&1; then
      html="$out_dir/$name.html"
      if [[ $chart_check -eq 1 ]]; then
        chart_note=""
        if ! check_charts "$html" "$name"; then
          [[ $status == ok ]] && note="offline chart check failed: $chart_note"
          status=FAILED
        else
          note="${note:+$note; }$chart_note"
        fi
      fi
    else
      status=FAILED note="${note:+$note; }HTML conversion failed (see $out_dir/$name.log)"
    fi
  fi
  dt=$(( (${EPOCHREALTIME/[.,]/} - t0) / 100000 )); secs="$((dt / 10)).$((dt % 10))"
  if [[ $status == ok ]]; then n_ok=$((n_ok + 1)); else n_failed=$((n_failed + 1)); failed_names+=("$name"); fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$profile" "$status" "$secs" "${html#"$SNN_REPO"/}" "$note" >> "$out_dir/notebooks.tsv"
  printf 'notebook %-32s %-6s %-6s %7ss  %s%s\n' "$name" "$profile" "$status" "$secs" "${html#"$SNN_REPO"/}" "${note:+  ($note)}"
  if [[ -s "$sumfile" ]]; then sed "s/^/    /" "$sumfile"; fi
done
[[ $n_failed -eq 0 ]] || log "failed: ${failed_names[*]} (executed copies and logs in ${out_dir#"$SNN_REPO"/}/)"
echo "notebooks: $n_ok ok, $n_failed failed"
[[ $n_failed -eq 0 ]]
