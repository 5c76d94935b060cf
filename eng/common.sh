# Shared helpers for eng/*.sh, run.sh and test.sh. Source it; do not run it.
# shellcheck shell=bash disable=SC2034

SNN_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SNN_REPO
export NUGET_PACKAGES="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DEBIAN_FRONTEND=noninteractive

# Pinned versions (keep in sync with Directory.Packages.props and .config/dotnet-tools.json).
SNN_TORCHSHARP_VERSION=0.107.0
SNN_LIBTORCH_VERSION=2.10.0
SNN_FSHARP_CORE_VERSION=10.1.403
SNN_INTERACTIVE_VERSION=1.0.712001
SNN_REPL_VERSION=0.3.259
SNN_KERNEL=.net-csharp

# Debian's Jupyter (the pyenv python first on PATH has no Jupyter and no PyPI here).
SNN_PY=/usr/bin/python3
SNN_JUPYTER=/usr/bin/jupyter

_snn_tag="${SNN_LOG_TAG:-$(basename "$0" .sh)}"
log()  { printf '[%s] %s\n' "$_snn_tag" "$*"; }
warn() { printf '[%s] WARNING: %s\n' "$_snn_tag" "$*" >&2; }
die()  { printf '[%s] ERROR: %s\n' "$_snn_tag" "$*" >&2; exit 1; }

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
  for d in ${SNN_FASHION_MNIST_DIR:+"$SNN_FASHION_MNIST_DIR"} ${SNN_DATA:+"$SNN_DATA/fashion-mnist"} /usr/share/datasets/fashion-mnist "$SNN_REPO/data/fashion-mnist"; do
    ok=1
    for f in "${SNN_FMNIST_FILES[@]}"; do [[ -s "$d/$f" ]] || { ok=0; break; }; done
    if [[ $ok -eq 1 ]]; then echo "$d"; return 0; fi
  done
  return 1
}
