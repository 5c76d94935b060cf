#!/usr/bin/env bash
# Installs and fixes everything the build, the tests and the notebooks need. Idempotent: a second run
# only checks. Called by run.sh and test.sh; safe to run by hand.
#
#   eng/setup.sh [--no-apt] [--no-data] [--no-notebooks] [--no-build] [-h|--help]
#
#   --no-apt        do not install system packages (report what is missing instead)
#   --no-data       skip the Fashion-MNIST check/install
#   --no-notebooks  skip Jupyter, the .NET Interactive tools, the kernel and the FSharp.Core fix
#   --no-build      skip build + publish of artifacts/notebook-lib
#
# Steps: (a) system packages + Fashion-MNIST, (b) dotnet restore + dotnet tool restore,
# (c) GLIBCXX_3.4.32 fix of TorchSharp's native lib, (d) Jupyter kernel, (e) FSharp.Core fix,
# (f) build + publish (artifacts/notebook-lib, with Plotly.NET.Interactive). Why (c) and (e): docs/toolchain.md.
#
# Settings are environment variables (defaults in eng/common.sh): SNN_PY, SNN_JUPYTER, SNN_KERNEL,
# SNN_CONFIGURATION (Release), SNN_TFM and SNN_RID (from Directory.Build.props), NUGET_PACKAGES.
# Versions come from Directory.Packages.props and .config/dotnet-tools.json only.
set -euo pipefail
SNN_LOG_TAG="setup"
# shellcheck source=eng/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DO_APT=1 DO_DATA=1 DO_NOTEBOOKS=1 DO_BUILD=1
for arg in "$@"; do
  case "$arg" in
    --no-apt) DO_APT=0 ;;
    --no-data) DO_DATA=0 ;;
    --no-notebooks) DO_NOTEBOOKS=0 ;;
    --no-build) DO_BUILD=0 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown option '$arg' (see --help)" ;;
  esac
done

cd "$SNN_REPO"
command -v dotnet >/dev/null 2>&1 || die ".NET SDK 10 not found on PATH: install it (Debian: packages.microsoft.com 'dotnet-sdk-10.0', or https://dot.net/install)"
sdk_major=$(dotnet --version 2>/dev/null | cut -d. -f1)
[[ "$sdk_major" =~ ^[0-9]+$ && "$sdk_major" -ge 10 ]] || die ".NET SDK >= 10 required (found '$(dotnet --version 2>/dev/null || echo none)'): install dotnet-sdk-10.0"

TS_NATIVE_DIR="$NUGET_PACKAGES/torchsharp/$SNN_TORCHSHARP_VERSION/runtimes/$SNN_RID/native"
LT_NATIVE_DIR="$NUGET_PACKAGES/${SNN_LIBTORCH_PACKAGE,,}/$SNN_LIBTORCH_VERSION/runtimes/$SNN_RID/native"
FSCORE_DLL="$NUGET_PACKAGES/fsharp.core/$SNN_FSHARP_CORE_VERSION/lib/netstandard2.1/FSharp.Core.dll"
PLOTLY_INTERACTIVE_DLL="$NUGET_PACKAGES/plotly.net.interactive/$SNN_PLOTLY_INTERACTIVE_VERSION/interactive-extensions/dotnet/Plotly.NET.Interactive.dll"
NOTEBOOK_PACKAGES="eng/notebook-packages/NotebookPackages.csproj"
NOTEBOOK_LIB="$SNN_NOTEBOOK_LIB"
DOTNET_ARGS=(-c "$SNN_CONFIGURATION" "${SNN_DOTNET_PROPS[@]}")

py() {  # stdlib Python for the patcher: SNN_PY if there, else any python3
  local p
  p=$(snn_python) || die "python3 not found (needed by eng/patch_glibcxx.py): apt-get install python3-minimal, or set SNN_PY to a Python 3"
  "$p" "$@"
}

# ---------------------------------------------------------------- (a) system packages + data
step_system() {
  if [[ $DO_NOTEBOOKS -eq 1 ]]; then
    if [[ $DO_APT -eq 1 ]] && is_debian; then
      apt_ensure jupyter-nbconvert jupyter-client jupyter-core python3-nbclient
    elif [[ ! -x "$SNN_JUPYTER" ]]; then
      die "Jupyter not found at SNN_JUPYTER=$SNN_JUPYTER: on Debian/Ubuntu run 'apt-get install --no-install-recommends jupyter-nbconvert jupyter-client jupyter-core python3-nbclient'; elsewhere install nbconvert + nbclient (e.g. 'pip install nbconvert nbclient jupyter_client') and set SNN_JUPYTER (the jupyter command) and SNN_PY (the Python that has nbclient)"
    fi
    "$SNN_JUPYTER" nbconvert --version >/dev/null 2>&1 || die "SNN_JUPYTER=$SNN_JUPYTER: 'nbconvert' does not run: reinstall jupyter-nbconvert, or set SNN_JUPYTER to a working jupyter"
    snn_has_nbclient || die "SNN_PY=$SNN_PY cannot import nbclient and nbformat: apt-get install python3-nbclient, or set SNN_PY to the Python that has them"
    log "jupyter: $SNN_JUPYTER (nbconvert $("$SNN_JUPYTER" nbconvert --version 2>/dev/null))"
  fi
  if [[ $DO_DATA -eq 1 ]]; then
    if [[ $DO_APT -eq 1 ]] && is_debian; then
      apt_ensure dataset-fashion-mnist
    fi
    local dir
    if dir=$(fashion_mnist_dir); then
      log "data: Fashion-MNIST at $dir"
    else
      log "data: Fashion-MNIST not installed by apt; fetching it into data/fashion-mnist"
      "$SNN_REPO/data-scripts/fetch-fashion-mnist.sh" || die "Fashion-MNIST missing: install Debian package dataset-fashion-mnist or run data-scripts/fetch-fashion-mnist.sh"
    fi
  fi
}

# ---------------------------------------------------------------- (b) restore
step_restore() {
  log "restore: dotnet restore Snn.Notebooks.sln (NUGET_PACKAGES=$NUGET_PACKAGES)"
  dotnet restore Snn.Notebooks.sln -nologo -v q "${SNN_DOTNET_PROPS[@]}" \
    || die "dotnet restore failed (see above): NuGet (api.nuget.org) must be reachable; packages are pinned in Directory.Packages.props"
  log "restore: $NOTEBOOK_PACKAGES (notebook-only packages: Plotly.NET.Interactive $SNN_PLOTLY_INTERACTIVE_VERSION)"
  dotnet restore "$NOTEBOOK_PACKAGES" -nologo -v q "${SNN_DOTNET_PROPS[@]}" \
    || die "dotnet restore $NOTEBOOK_PACKAGES failed (see above): NuGet must be reachable"
  [[ -f "$PLOTLY_INTERACTIVE_DLL" ]] || die "$PLOTLY_INTERACTIVE_DLL not found after restoring $NOTEBOOK_PACKAGES: is Plotly.NET.Interactive pinned in Directory.Packages.props, and did the package layout change?"
  if [[ $DO_NOTEBOOKS -eq 1 ]]; then
    log "restore: dotnet tool restore (.config/dotnet-tools.json: dotnet-interactive $SNN_INTERACTIVE_VERSION, dotnet-repl $SNN_REPL_VERSION)"
    dotnet tool restore >/dev/null || die "dotnet tool restore failed: NuGet must be reachable (tools pinned in .config/dotnet-tools.json)"
  fi
}

# ---------------------------------------------------------------- (c) GLIBCXX_3.4.32 fix
# The libstdc++ the loader would use for libLibTorchSharp.so (ldd), falling back to ldconfig.
loader_libstdcxx() {
  local so=$1 p
  p=$(LD_LIBRARY_PATH="$LT_NATIVE_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ldd "$so" 2>/dev/null \
      | awk '$1 == "libstdc++.so.6" && $2 == "=>" { print $3; exit }')
  [[ -n "$p" ]] || p=$("$(command -v ldconfig || echo /sbin/ldconfig)" -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ { print $NF; exit }')
  [[ -n "$p" ]] && readlink -f "$p"
}

# Checks with ldd that the lib's dependencies and versions resolve (weak versions are only warnings).
ldd_ok() {
  local so=$1 bad
  bad=$(LD_LIBRARY_PATH="$LT_NATIVE_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ldd "$so" 2>&1 \
        | grep -E 'not found|no version information' | grep -v 'weak version' || true)
  if [[ -n "$bad" ]]; then printf '%s\n' "$bad" >&2; return 1; fi
}

# Removes the ~480 MB <bin>/cpu/ copy that TorchSharp leaves after a failed native load.
clean_cpu_dirs() {
  local d
  while IFS= read -r -d '' d; do
    if compgen -G "$d/libtorch*.so*" >/dev/null || compgen -G "$d/*TorchSharp*" >/dev/null; then
      log "native: removing $d (left by a failed TorchSharp load)"
      rm -rf "$d"
    fi
  done < <(find "$SNN_REPO/lib" "$SNN_REPO/tests" "$SNN_REPO/artifacts" -type d -name cpu \
             \( -path '*/bin/*' -o -path '*/artifacts/*' \) -prune -print0 2>/dev/null)
}

step_native() {
  local so="$TS_NATIVE_DIR/libLibTorchSharp.so" stdcxx copies=()
  [[ -f "$so" ]] || die "$so not found: run 'dotnet restore Snn.Notebooks.sln' (TorchSharp $SNN_TORCHSHARP_VERSION from NuGet; natives for RID $SNN_RID)"
  [[ -d "$LT_NATIVE_DIR" ]] || die "$LT_NATIVE_DIR not found: run 'dotnet restore Snn.Notebooks.sln' ($SNN_LIBTORCH_PACKAGE $SNN_LIBTORCH_VERSION)"
  stdcxx=$(loader_libstdcxx "$so") || true
  [[ -n "$stdcxx" && -f "$stdcxx" ]] || die "cannot find the system libstdc++.so.6: install libstdc++6"
  if grep -a -q 'GLIBCXX_3\.4\.32' "$stdcxx"; then
    log "native: $stdcxx has GLIBCXX_3.4.32; TorchSharp needs no patch"
  else
    # Patch the NuGet-cache copy (builds copy it into bin/ and artifacts/) and any copies already there.
    mapfile -d '' copies < <(find "$SNN_REPO/lib" "$SNN_REPO/tests" "$SNN_REPO/artifacts" -name libLibTorchSharp.so -type f -print0 2>/dev/null)
    log "native: $stdcxx lacks GLIBCXX_3.4.32; marking it weak in libLibTorchSharp.so (cache + ${#copies[@]} build copies)"
    py "$SNN_REPO/eng/patch_glibcxx.py" "$so" "${copies[@]}" | sed 's/^/[setup]   /'
  fi
  ldd_ok "$so" || die "ldd still reports missing libraries/versions for $so (see above)"
  log "native: ldd resolves libLibTorchSharp.so against libtorch $SNN_LIBTORCH_VERSION"
  clean_cpu_dirs
}

# ---------------------------------------------------------------- (d) Jupyter kernel
kernel_dir() {  # resource dir of the registered kernel, empty if none
  "$SNN_JUPYTER" kernelspec list --json 2>/dev/null \
    | py -c 'import json,sys; k=json.load(sys.stdin)["kernelspecs"].get(sys.argv[1]); print(k["resource_dir"] if k else "")' "$SNN_KERNEL"
}

step_kernel() {
  local kdir stamp="snn-kernel-stamp" want app dotnet_bin
  local apps=("$NUGET_PACKAGES/microsoft.dotnet-interactive/$SNN_INTERACTIVE_VERSION"/tools/net*/any/Microsoft.DotNet.Interactive.App.dll)
  app=${apps[-1]}
  [[ -f "$app" ]] || die "dotnet-interactive $SNN_INTERACTIVE_VERSION (.config/dotnet-tools.json) not in $NUGET_PACKAGES: run 'dotnet tool restore' in $SNN_REPO"
  dotnet_bin=$(command -v dotnet)
  want="dotnet-interactive $SNN_INTERACTIVE_VERSION $dotnet_bin $app no-http"
  kdir=$(kernel_dir || true)
  if [[ -n "$kdir" && -f "$kdir/kernel.json" && -f "$kdir/$stamp" && "$(cat "$kdir/$stamp")" == "$want" ]]; then
    log "kernel: $SNN_KERNEL already registered ($kdir, dotnet-interactive $SNN_INTERACTIVE_VERSION)"
    return 0
  fi
  log "kernel: registering Jupyter kernels with 'dotnet interactive jupyter install' (dotnet-interactive $SNN_INTERACTIVE_VERSION)"
  # Run in notebooks/ so that 'dotnet interactive' resolves the repo's local tool manifest, with Debian's
  # jupyter first on PATH (the tool calls 'jupyter kernelspec install').
  local tmpbin; tmpbin=$(mktemp -d)
  ln -s "$SNN_JUPYTER" "$tmpbin/jupyter"
  (cd "$SNN_REPO/notebooks" && PATH="$tmpbin:$PATH" dotnet interactive jupyter install >/dev/null) \
    || { rm -rf "$tmpbin"; die "'dotnet interactive jupyter install' failed: check 'dotnet tool restore' and SNN_JUPYTER=$SNN_JUPYTER"; }
  rm -rf "$tmpbin"
  kdir=$(kernel_dir || true)
  [[ -n "$kdir" && -f "$kdir/kernel.json" ]] || die "kernel SNN_KERNEL=$SNN_KERNEL not found after registration ('$SNN_JUPYTER kernelspec list' shows the names)"
  # The generated kernelspecs run 'dotnet interactive …', which resolves only inside this repo (local tool
  # manifest). Point them at the tool's entry DLL instead, so a kernel starts from any working directory.
  # Drop --http-port-range: that HTTP API listens on every interface and injects an address-probing
  # script into the first output; notebooks here need neither.
  local k
  for k in "$(dirname "$kdir")"/.net-*/kernel.json; do
    py - "$k" "$dotnet_bin" "$app" <<'PY' || die "could not rewrite $k"
import json, sys
path, dotnet, app = sys.argv[1:4]
spec = json.load(open(path))
argv = spec["argv"]
if argv[:2] == ["dotnet", "interactive"]:
    argv = [dotnet, app] + argv[2:]
if "--http-port-range" in argv:
    i = argv.index("--http-port-range")
    del argv[i:i + 2]
spec["argv"] = argv
spec.setdefault("env", {})["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1"
json.dump(spec, open(path, "w"), indent=2)
PY
  done
  echo "$want" > "$kdir/$stamp"
  log "kernel: $SNN_KERNEL registered at $kdir (runs $app)"
}

# ---------------------------------------------------------------- (e) FSharp.Core fix
step_fsharp() {
  [[ -f "$FSCORE_DLL" ]] || die "$FSCORE_DLL not found: run 'dotnet restore Snn.Notebooks.sln' (FSharp.Core $SNN_FSHARP_CORE_VERSION is pinned there)"
  local tool_dirs=("$NUGET_PACKAGES/microsoft.dotnet-interactive/$SNN_INTERACTIVE_VERSION" "$NUGET_PACKAGES/dotnet-repl/$SNN_REPL_VERSION")
  local d f n=0 fixed=0
  for d in "${tool_dirs[@]}"; do
    [[ -d "$d" ]] || die "$d not found: run 'dotnet tool restore'"
    for f in "$d"/tools/net*/any/FSharp.Core.dll; do
      [[ -f "$f" ]] || continue
      n=$((n + 1))
      if ! cmp -s "$FSCORE_DLL" "$f"; then
        cp -f "$FSCORE_DLL" "$f"
        fixed=$((fixed + 1))
        log "fsharp: replaced ${f#"$NUGET_PACKAGES"/} with FSharp.Core $SNN_FSHARP_CORE_VERSION"
      fi
    done
  done
  [[ $n -gt 0 ]] || die "no tools/net*/any/FSharp.Core.dll found in the tool packages: did the tool layout change?"
  [[ $fixed -gt 0 ]] || log "fsharp: tools already carry FSharp.Core $SNN_FSHARP_CORE_VERSION ($n files)"
}

# ---------------------------------------------------------------- (f) build + notebook library
# The output paths the scripts build (bin/$SNN_CONFIGURATION/$SNN_TFM/$SNN_RID) must be MSBuild's.
check_output_path() {
  local json got
  json=$(dotnet msbuild lib/Snn/Snn.csproj -nologo -getProperty:TargetFramework -getProperty:RuntimeIdentifier \
           -p:Configuration="$SNN_CONFIGURATION" "${SNN_DOTNET_PROPS[@]}" 2>&1) \
    || die "'dotnet msbuild lib/Snn/Snn.csproj -getProperty:TargetFramework' failed: $json"
  got=$(py -c 'import json,sys; p=json.load(sys.stdin)["Properties"]; print(p["TargetFramework"], p["RuntimeIdentifier"])' <<<"$json") \
    || die "unexpected output of 'dotnet msbuild -getProperty': $json"
  [[ "$got" == "$SNN_TFM $SNN_RID" ]] \
    || die "MSBuild builds lib/Snn for '$got' but the scripts expect '$SNN_TFM $SNN_RID' (SNN_TFM, SNN_RID; default from Directory.Build.props): set SNN_TFM and SNN_RID to match"
  log "build: output bin/$SNN_CONFIGURATION/$SNN_TFM/$SNN_RID (MSBuild agrees)"
}

step_build() {
  check_output_path
  log "build: dotnet build Snn.Notebooks.sln ${DOTNET_ARGS[*]}"
  dotnet build Snn.Notebooks.sln "${DOTNET_ARGS[@]}" -nologo -v q --no-restore -clp:'NoSummary;ErrorsOnly' \
    || die "build failed (errors above)"
  log "build: dotnet publish lib/Snn.Charts ${DOTNET_ARGS[*]} -o artifacts/notebook-lib"
  dotnet publish lib/Snn.Charts/Snn.Charts.csproj "${DOTNET_ARGS[@]}" -o "$NOTEBOOK_LIB" -nologo -v q --no-restore -clp:'NoSummary;ErrorsOnly' \
    || die "publish of lib/Snn.Charts failed (errors above)"
  # Plotly.NET.Interactive (a .NET Interactive kernel extension) is no dependency of Snn.Charts: notebooks/setup.csx
  # loads it from here, next to the Plotly.NET and FSharp.Core it was built against.
  cp -f "$PLOTLY_INTERACTIVE_DLL" "$NOTEBOOK_LIB/" || die "could not copy $PLOTLY_INTERACTIVE_DLL into artifacts/notebook-lib"
  local f missing=()
  for f in Snn.dll Snn.Charts.dll TorchSharp.dll Plotly.NET.dll Plotly.NET.CSharp.dll Plotly.NET.Interactive.dll FSharp.Core.dll \
           libLibTorchSharp.so libtorch.so libtorch_cpu.so libc10.so; do
    [[ -f "$NOTEBOOK_LIB/$f" ]] || missing+=("$f")
  done
  [[ ${#missing[@]} -eq 0 ]] || die "artifacts/notebook-lib lacks ${missing[*]}: check the references of lib/Snn.Charts (TorchSharp natives need RuntimeIdentifier=$SNN_RID)"
  cmp -s "$FSCORE_DLL" "$NOTEBOOK_LIB/FSharp.Core.dll" \
    || die "artifacts/notebook-lib/FSharp.Core.dll is not FSharp.Core $SNN_FSHARP_CORE_VERSION: pin it in Directory.Packages.props and reference it from lib/Snn.Charts"
  if ! grep -a -q 'GLIBCXX_3\.4\.32' "$(loader_libstdcxx "$NOTEBOOK_LIB/libLibTorchSharp.so")"; then
    py "$SNN_REPO/eng/patch_glibcxx.py" --check "$NOTEBOOK_LIB/libLibTorchSharp.so" >/dev/null \
      || py "$SNN_REPO/eng/patch_glibcxx.py" "$NOTEBOOK_LIB/libLibTorchSharp.so" | sed 's/^/[setup]   /'
  fi
  ldd_ok "$NOTEBOOK_LIB/libLibTorchSharp.so" || die "artifacts/notebook-lib/libLibTorchSharp.so does not resolve (see above)"
  clean_cpu_dirs
  log "build: artifacts/notebook-lib ready ($(du -sh "$NOTEBOOK_LIB" | cut -f1); natives patched, FSharp.Core $SNN_FSHARP_CORE_VERSION, Plotly.NET.Interactive $SNN_PLOTLY_INTERACTIVE_VERSION)"
}

t_all=$SECONDS
step "system packages" step_system
step "restore" step_restore
step "native fix" step_native
if [[ $DO_NOTEBOOKS -eq 1 ]]; then
  step "jupyter kernel" step_kernel
  step "FSharp.Core fix" step_fsharp
fi
if [[ $DO_BUILD -eq 1 ]]; then step "build" step_build; fi
log "setup complete in $((SECONDS - t_all)) s"
