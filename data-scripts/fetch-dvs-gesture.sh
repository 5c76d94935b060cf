#!/usr/bin/env bash
# DVS128 Gesture (Amir et al. 2017). IBM hosts DvsGesture.tar.gz on box.com behind an interactive page,
# so it cannot be downloaded by script. MANUAL STEP: open
#   https://ibm.ent.box.com/s/3hiq58ww1pbbjrinh367ykfdf60xsfm8/folder/50167556794
# download DvsGesture.tar.gz and put it in data/dvs-gesture/downloads/. This script then checks its md5,
# unpacks it into data/dvs-gesture/DvsGesture/ (userNN_*.aedat AEDAT 3.1 recordings, *_labels.csv,
# trials_to_train.txt, trials_to_test.txt) and checks the recordings listed in the split files exist.
#
#   data-scripts/fetch-dvs-gesture.sh [--verify-only] [DIR]   (default DIR: <repo>/data/dvs-gesture)
TAG=dvs-gesture
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_args "$DATA_ROOT/dvs-gesture" "$@"
need md5sum tar
archive="$DIR/downloads/DvsGesture.tar.gz"
md5_ok "$archive" 8a5c71fb11e24e5ca5b11866ca6c00a1 || die "$archive missing or corrupt (md5 8a5c71fb11e24e5ca5b11866ca6c00a1 expected). Download it by hand (login-free but interactive) from https://ibm.ent.box.com/s/3hiq58ww1pbbjrinh367ykfdf60xsfm8/folder/50167556794 into $DIR/downloads/"
log "ok  DvsGesture.tar.gz (md5)"
unpack "$archive" "$DIR" || die "not unpacked yet: run without --verify-only"
missing=0
for list in trials_to_train.txt trials_to_test.txt; do
  [[ -f "$DIR/DvsGesture/$list" ]] || die "$DIR/DvsGesture/$list missing"
  while read -r f; do
    f=${f%$'\r'}; [[ -n "$f" ]] || continue
    [[ -f "$DIR/DvsGesture/$f" && -f "$DIR/DvsGesture/${f%.aedat}_labels.csv" ]] || { log "missing $f or its _labels.csv"; missing=$((missing + 1)); }
  done < "$DIR/DvsGesture/$list"
done
[[ $missing -eq 0 ]] || die "$missing recording(s) missing"
log "DVS128 Gesture verified in $DIR/DvsGesture"
