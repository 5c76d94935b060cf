#!/usr/bin/env bash
# Fetches and verifies Fashion-MNIST (Xiao, Rasul & Vollgraf 2017; MIT licence) into data/fashion-mnist/.
# On Debian/Ubuntu prefer the package: 'apt-get install dataset-fashion-mnist' puts the same 4 files in
# /usr/share/datasets/fashion-mnist/ (eng/setup.sh does that; the library looks there first).
#
#   data-scripts/fetch-fashion-mnist.sh [--verify-only] [DIR]
#
#   DIR            target folder (default: $SNN_DATA/fashion-mnist, else <repo>/data/fashion-mnist)
#   --verify-only  download nothing; check the 4 files in DIR (exit 1 if one is missing or differs)
#
# A file is accepted if its .gz matches the md5 published by zalandoresearch/fashion-mnist, or if its
# decompressed content matches the sha256 below (Debian's package recompressed the .gz files, so their
# .gz checksums differ while the IDX content is the same; content sums were taken from
# dataset-fashion-mnist 0.0~git20200523.55506a9-1).
TAG=fashion-mnist
# shellcheck source=data-scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_args "$DATA_ROOT/fashion-mnist" "$@"
BASE_URL=${FASHION_MNIST_URL:-http://fashion-mnist.s3-website.eu-central-1.amazonaws.com}

# name | md5 of the official .gz | sha256 of the decompressed IDX file | IDX magic | item count
TABLE="
train-images-idx3-ubyte.gz 8d4fb7e6c68d591d4c3dfef9ec88bf0d c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888 2051 60000
train-labels-idx1-ubyte.gz 25c81989df183df01b3e8a0aad5dffbe bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9 2049 60000
t10k-images-idx3-ubyte.gz bef4ecab320f06d8554ea6380940ec79 5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b 2051 10000
t10k-labels-idx1-ubyte.gz bb300cfdad3c16e7a12a480ee83cd310 0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34 2049 10000
"

need md5sum sha256sum gzip od

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

[[ $VERIFY_ONLY -eq 1 ]] || mkdir -p "$DIR"
bad=0
while read -r name md5 sha magic count; do
  [[ -n "$name" ]] || continue
  f="$DIR/$name"
  if verify "$f" "$md5" "$sha" "$magic" "$count"; then continue; fi
  if [[ $VERIFY_ONLY -eq 1 ]]; then bad=$((bad + 1)); continue; fi
  # lib.sh's fetch downloads the official .gz and checks its published md5 (removing it on a mismatch).
  fetch "$BASE_URL/$name" "$f" "$md5" \
    || die "download of $name failed: fetch it by hand from https://github.com/zalandoresearch/fashion-mnist (data/fashion) into $DIR, or on Debian 'apt-get install dataset-fashion-mnist'"
  verify "$f" "$md5" "$sha" "$magic" "$count" || { bad=$((bad + 1)); rm -f "$f"; }
done <<<"$TABLE"
[[ $bad -eq 0 ]] || die "$bad file(s) missing or corrupt in $DIR"
log "Fashion-MNIST verified in $(cd "$DIR" && pwd)"
