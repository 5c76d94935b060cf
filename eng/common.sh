# Shared helpers for eng/*.sh, run.sh and test.sh. Source it; do not run it.
# shellcheck shell=bash disable=SC2034

SNN_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SNN_REPO
export NUGET_PACKAGES="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DEBIAN_FRONTEND=noninteractive

_snn_tag="${SNN_LOG_TAG:-$(basename "$0" .sh)}"
log()  { printf '[%s] %s\n' "$_snn_tag" "$*"; }
warn() { printf '[%s] WARNING: %s\n' "$_snn_tag" "$*" >&2; }
die()  { printf '[%s] ERROR: %s\n' "$_snn_tag" "$*" >&2; exit 1; }

# ---- Settings: environment variables, with the defaults for Debian 12 (nothing to edit in this file).
# SNN_PY       Python 3 with nbclient + nbformat (Jupyter's); Debian's by default, since the pyenv python first
#              on PATH has no Jupyter (and there is no PyPI here). Any python3 on PATH serves the other scripts.
# SNN_JUPYTER  the 'jupyter' command (nbconvert, kernelspec).
# SNN_KERNEL   the Jupyter kernel that runs the notebooks (registered by eng/setup.sh).
# SNN_BROWSER  headless Chromium for the offline-chart check (default: chromium, chromium-browser or google-chrome on PATH).
# SNN_CONFIGURATION  build configuration (Release); SNN_TFM, SNN_RID: target framework and runtime identifier
#              (default: read from Directory.Build.props; when set, passed to dotnet as properties).
SNN_PY="${SNN_PY:-/usr/bin/python3}"
SNN_JUPYTER="${SNN_JUPYTER:-/usr/bin/jupyter}"
SNN_KERNEL="${SNN_KERNEL:-.net-csharp}"
SNN_BROWSER="${SNN_BROWSER:-}"
SNN_CONFIGURATION="${SNN_CONFIGURATION:-Release}"
# A bare command name (SNN_PY=python3) means the one on PATH.
if [[ "$SNN_PY" != */* ]] && command -v "$SNN_PY" >/dev/null 2>&1; then SNN_PY=$(command -v "$SNN_PY"); fi
if [[ "$SNN_JUPYTER" != */* ]] && command -v "$SNN_JUPYTER" >/dev/null 2>&1; then SNN_JUPYTER=$(command -v "$SNN_JUPYTER"); fi
export SNN_PY SNN_JUPYTER SNN_KERNEL SNN_CONFIGURATION

# The notebook library (built by eng/setup.sh; notebooks/setup.csx references it by this relative path).
SNN_NOTEBOOK_LIB="$SNN_REPO/artifacts/notebook-lib"

# snn_python: a stdlib-only Python for the helper scripts: SNN_PY, else python3 on PATH.
snn_python() {
  if [[ -x "$SNN_PY" ]]; then printf '%s\n' "$SNN_PY"
  elif command -v python3 >/dev/null 2>&1; then command -v python3
  else return 1; fi
}

# snn_has_nbclient: SNN_PY runs and has what eng/execute_notebook.py needs.
snn_has_nbclient() { [[ -x "$SNN_PY" ]] && "$SNN_PY" -c 'import nbclient, nbformat' 2>/dev/null; }

# ---- Pinned versions and build properties, read from their single sources (eng/read_config.py):
# Directory.Packages.props (packages), .config/dotnet-tools.json (tools), Directory.Build.props (TFM, RID).
_snn_read_config() {
  local py out line
  py=$(snn_python) || die "no Python 3 found (needed to read the pinned versions): install python3 or set SNN_PY"
  local requests=(
    SNN_TORCHSHARP_VERSION=package:TorchSharp
    SNN_LIBTORCH_PACKAGE=package-id:libtorch-*
    SNN_LIBTORCH_VERSION=package-version:libtorch-*
    SNN_FSHARP_CORE_VERSION=package:FSharp.Core
    SNN_PLOTLY_INTERACTIVE_VERSION=package:Plotly.NET.Interactive
    SNN_INTERACTIVE_VERSION=tool:microsoft.dotnet-interactive
    SNN_REPL_VERSION=tool:dotnet-repl
    _SNN_PROPS_TFM=property:TargetFramework
    _SNN_PROPS_RID=property:RuntimeIdentifier
  )
  if ! out=$("$py" "$SNN_REPO/eng/read_config.py" "$SNN_REPO" "${requests[@]}" 2>&1); then
    while IFS= read -r line; do printf '[%s] ERROR: %s\n' "$_snn_tag" "$line" >&2; done <<<"$out"
    die "cannot read the pinned versions (above): fix Directory.Packages.props, .config/dotnet-tools.json or Directory.Build.props"
  fi
  while IFS= read -r line; do printf -v "${line%%=*}" '%s' "${line#*=}"; done <<<"$out"
}
_snn_read_config

# Target framework and RID: the props' values unless set; set ones are passed on to every dotnet call.
SNN_DOTNET_PROPS=()
if [[ -n "${SNN_TFM:-}" && "$SNN_TFM" != "$_SNN_PROPS_TFM" ]]; then SNN_DOTNET_PROPS+=("-p:TargetFramework=$SNN_TFM"); fi
if [[ -n "${SNN_RID:-}" && "$SNN_RID" != "$_SNN_PROPS_RID" ]]; then SNN_DOTNET_PROPS+=("-p:RuntimeIdentifier=$SNN_RID"); fi
SNN_TFM="${SNN_TFM:-$_SNN_PROPS_TFM}"
SNN_RID="${SNN_RID:-$_SNN_PROPS_RID}"
export SNN_TFM SNN_RID

# snn_bin_dir PROJECT_DIR: the build output folder of a project (bin/<configuration>/<tfm>/<rid>).
snn_bin_dir() { printf '%s\n' "$1/bin/$SNN_CONFIGURATION/$SNN_TFM/$SNN_RID"; }

is_debian() { [[ -f /etc/debian_version ]] && command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; }

deb_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root for '$*' (no sudo found): run it as root"; fi
}

# apt_ensure PKG...: installs the missing ones (no recommends); refreshes the lists once if needed.
apt_ensure() {
  local missing=() p
  for p in "$@"; do deb_installed "$p" || missing+=("$p"); done
  if [[ ${#missing[@]} -eq 0 ]]; then log "apt: already installed: $*"; return 0; fi
  is_debian || die "missing system packages (${missing[*]}) and this is not a Debian/Ubuntu system with apt: install their equivalents by hand"
  log "apt: installing ${missing[*]}"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null; then
    log "apt: install failed, running apt-get update and retrying"
    as_root apt-get update -q </dev/null || die "apt-get update failed: check network access to the Debian mirrors"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null \
      || die "apt-get install ${missing[*]} failed (see above)"
  fi
}

# Time a step: step NAME CMD...
step() {
  local name=$1; shift
  local t0=$SECONDS
  "$@"
  log "step '$name' done in $((SECONDS - t0)) s"
}

# Fashion-MNIST: the 4 official IDX files (gzipped). Prints the folder that has all of them.
SNN_FMNIST_FILES=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)
fashion_mnist_dir() {
  local d f ok
  # The library's order (FashionMnist.Locate): $SNN_FASHION_MNIST_DIR, $SNN_DATA, the repository's data/, then Debian's package.
  for d in ${SNN_FASHION_MNIST_DIR:+"$SNN_FASHION_MNIST_DIR"} ${SNN_DATA:+"$SNN_DATA/fashion-mnist"} "$SNN_REPO/data/fashion-mnist" /usr/share/datasets/fashion-mnist; do
    ok=1
    for f in "${SNN_FMNIST_FILES[@]}"; do [[ -s "$d/$f" ]] || { ok=0; break; }; done
    if [[ $ok -eq 1 ]]; then echo "$d"; return 0; fi
  done
  return 1
}
