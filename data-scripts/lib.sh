#!/usr/bin/env bash
# Shared helpers of the data-scripts (sourced): logging, download with retries, md5 check, unpacking.
# Every script is idempotent: a file whose checksum matches is never downloaded again, and a folder
# that is already unpacked (its marker file exists) is not unpacked again.
set -euo pipefail
DATA_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA_ROOT="${SNN_DATA:-$DATA_SCRIPTS/../data}"
log() { printf '[%s] %s\n' "$TAG" "$*"; }
die() { printf '[%s] ERROR: %s\n' "$TAG" "$*" >&2; exit 1; }
need() { for t in "$@"; do command -v "$t" >/dev/null || die "'$t' not found: install it (apt-get install $t)"; done; }

# md5_ok FILE MD5 -> 0 when FILE exists and matches
md5_ok() { [[ -s "$1" ]] && [[ "$(md5sum "$1" | cut -d' ' -f1)" == "$2" ]]; }

# fetch URL FILE MD5: download unless FILE already matches; verify; remove on mismatch.
fetch() {
  local url=$1 out=$2 md5=$3
  if md5_ok "$out" "$md5"; then log "ok  $(basename "$out") (md5 $md5)"; return 0; fi
  [[ ${VERIFY_ONLY:-0} -eq 1 ]] && { log "BAD or missing $(basename "$out")"; return 1; }
  mkdir -p "$(dirname "$out")"
  log "downloading $url"
  if command -v curl >/dev/null; then curl -fL --retry 3 -o "$out.part" "$url" || { rm -f "$out.part"; return 1; }
  elif command -v wget >/dev/null; then wget -q -O "$out.part" "$url" || { rm -f "$out.part"; return 1; }
  else die "neither curl nor wget found: install one (apt-get install curl)"; fi
  mv -f "$out.part" "$out"
  md5_ok "$out" "$md5" || { rm -f "$out"; log "BAD $(basename "$out"): md5 differs from $md5 (removed)"; return 1; }
  log "ok  $(basename "$out") (md5 $md5)"
}

# unpack ARCHIVE DEST: zip or tar.*, once (marker DEST/.unpacked-<archive name>).
unpack() {
  local archive=$1 dest=$2 marker
  marker="$dest/.unpacked-$(basename "$archive")"
  [[ -e "$marker" ]] && return 0
  [[ ${VERIFY_ONLY:-0} -eq 1 ]] && return 1
  mkdir -p "$dest"
  log "unpacking $(basename "$archive") into $dest"
  case "$archive" in
    *.zip) need unzip; unzip -q -o "$archive" -d "$dest" ;;
    *.tar.gz|*.tgz) tar -xzf "$archive" -C "$dest" ;;
    *) die "do not know how to unpack $archive" ;;
  esac
  touch "$marker"
}

parse_args() {  # sets VERIFY_ONLY and DIR (default $1)
  VERIFY_ONLY=0 DIR=$1; shift
  for a in "$@"; do
    case "$a" in
      --verify-only) VERIFY_ONLY=1 ;;
      -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
      -*) die "unknown option '$a'" ;;
      *) DIR=$a ;;
    esac
  done
}
