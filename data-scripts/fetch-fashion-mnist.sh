#!/usr/bin/env bash
# Fetches and verifies Fashion-MNIST (Xiao, Rasul & Vollgraf 2017; MIT licence) into data/fashion-mnist/.
# On Debian/Ubuntu prefer the package: 'apt-get install dataset-fashion-mnist' puts the same 4 files in
# /usr/share/datasets/fashion-mnist/ (eng/setup.sh does that; the library looks there first).
#
#   data-scripts/fetch-fashion-mnist.sh [--verify-only] [DIR]
#
#   DIR            target folder (default: <repo>/data/fashion-mnist)
#   --verify-only  download nothing; check the 4 files in DIR (exit 1 if one is missing or differs)
#
# A file is accepted if its .gz matches the md5 published by zalandoresearch/fashion-mnist, or if its
# decompressed content matches the sha256 below (Debian's package recompressed the .gz files, so their
# .gz checksums differ while the IDX content is the same; content sums were taken from
# dataset-fashion-mnist 0.0~git20200523.55506a9-1).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf '[fashion-mnist] %s\n' "$*"; }
die() { printf '[fashion-mnist] ERROR: %s\n' "$*" >&2; exit 1; }

verify_only=0 dir=""
for a in "$@"; do
  case "$a" in
    --verify-only) verify_only=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) die "unknown option '$a'" ;;
    *) dir=$a ;;
  esac
done
dir=${dir:-"$here/../data/fashion-mnist"}
BASE_URL=${FASHION_MNIST_URL:-http://fashion-mnist.s3-website.eu-central-1.amazonaws.com}

# name | md5 of the official .gz | sha256 of the decompressed IDX file | IDX magic | item count
TABLE="
train-images-idx3-ubyte.gz 8d4fb7e6c68d591d4c3dfef9ec88bf0d c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888 2051 60000
train-labels-idx1-ubyte.gz 25c81989df183df01b3e8a0aad5dffbe bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9 2049 60000
t10k-images-idx3-ubyte.gz bef4ecab320f06d8554ea6380940ec79 5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b 2051 10000
t10k-labels-idx1-ubyte.gz bb300cfdad3c16e7a12a480ee83cd310 0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34 2049 10000
"

for tool in md5sum sha256sum gzip od; do command -v $tool >/dev/null || die "'$tool' not found: install coreutils/gzip"; done

# verify FILE MD5 SHA256 MAGIC COUNT -> 0 if good
verify() {
  local f=$1 md5=$2 sha=$3 magic=$4 count=$5 got hdr
  [[ -s "$f" ]] || { log "missing $(basename "$f")"; return 1; }
  got=$(md5sum "$f" | cut -d' ' -f1)
  if [[ "$got" == "$md5" ]]; then log "ok  $(basename "$f") (official .gz md5)"; return 0; fi
  got=$(gzip -dc "$f" 2>/dev/null | sha256sum | cut -d' ' -f1) || got="(not a valid gzip file)"
  if [[ "$got" == "$sha" ]]; then
    hdr=$(gzip -dc "$f" | head -c 8 | od -An -tu1 | tr -s ' ')
    read -r _ _ b2 b3 c0 c1 c2 c3 <<<"$hdr"
    if (( (b2 << 8 | b3) == magic && (c0 << 24 | c1 << 16 | c2 << 8 | c3) == count )); then
      log "ok  $(basename "$f") (IDX content sha256, magic $magic, $count items)"; return 0
    fi
  fi
  log "BAD $(basename "$f") (neither the official .gz md5 nor the IDX content sha256 match)"
  return 1
}

fetch() {  # fetch URL OUT
  if command -v curl >/dev/null; then curl -fL --retry 3 -o "$2" "$1"
  elif command -v wget >/dev/null; then wget -q -O "$2" "$1"
  else die "neither curl nor wget found: install one (apt-get install curl)"; fi
}

[[ $verify_only -eq 1 ]] || mkdir -p "$dir"
bad=0
while read -r name md5 sha magic count; do
  [[ -n "$name" ]] || continue
  f="$dir/$name"
  if verify "$f" "$md5" "$sha" "$magic" "$count"; then continue; fi
  if [[ $verify_only -eq 1 ]]; then bad=$((bad + 1)); continue; fi
  log "downloading $BASE_URL/$name"
  fetch "$BASE_URL/$name" "$f.part" || { rm -f "$f.part"; die "download of $name failed: fetch it by hand from https://github.com/zalandoresearch/fashion-mnist (data/fashion) into $dir, or on Debian 'apt-get install dataset-fashion-mnist'"; }
  mv -f "$f.part" "$f"
  verify "$f" "$md5" "$sha" "$magic" "$count" || { bad=$((bad + 1)); rm -f "$f"; }
done <<<"$TABLE"
[[ $bad -eq 0 ]] || die "$bad file(s) missing or corrupt in $dir"
log "Fashion-MNIST verified in $(cd "$dir" && pwd)"
