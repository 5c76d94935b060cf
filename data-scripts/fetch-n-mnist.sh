#!/usr/bin/env bash
# Fetches N-MNIST (Orchard et al. 2015) from its official Mendeley Data record (doi:10.17632/468j46mzdv.1)
# and unpacks it into data/n-mnist/Train/<digit>/*.bin and data/n-mnist/Test/<digit>/*.bin (Snn.Data.NMnist).
# md5 sums as published by Tonic and SpikingJelly for the same archives.
#
#   data-scripts/fetch-n-mnist.sh [--verify-only] [DIR]   (default DIR: <repo>/data/n-mnist)
TAG=n-mnist
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_args "$DATA_ROOT/n-mnist" "$@"
need md5sum
BASE=https://data.mendeley.com/public-files/datasets/468j46mzdv/files
fetch "$BASE/39c25547-014b-4137-a934-9d29fa53c7a0/file_downloaded" "$DIR/downloads/Train.zip" 20959b8e626244a1b502305a9e6e2031 \
  || die "Train.zip missing or corrupt: download it by hand from https://data.mendeley.com/datasets/468j46mzdv/1 into $DIR/downloads/"
fetch "$BASE/05a4d654-7e03-4c15-bdfa-9bb2bcbea494/file_downloaded" "$DIR/downloads/Test.zip" 69ca8762b2fe404d9b9bad1103e97832 \
  || die "Test.zip missing or corrupt: download it by hand from https://data.mendeley.com/datasets/468j46mzdv/1 into $DIR/downloads/"
unpack "$DIR/downloads/Train.zip" "$DIR" || die "not unpacked yet: run without --verify-only"
unpack "$DIR/downloads/Test.zip" "$DIR" || die "not unpacked yet: run without --verify-only"
n=$(find "$DIR/Train" "$DIR/Test" -name '*.bin' | wc -l)
[[ $n -eq 70000 ]] || die "found $n .bin files under $DIR/Train and $DIR/Test, expected 70000"
log "N-MNIST verified in $DIR (70000 recordings)"
