#!/usr/bin/env bash
# Fetches and verifies MNIST (LeCun, Cortes & Burges) into data/mnist/ as the four IDX .gz files
# (read by Snn.Data.Idx / ImageDataset.FromIdx). yann.lecun.com often refuses downloads, so the
# default is the mirror torchvision uses; the md5 sums are those of the original files.
#
#   data-scripts/fetch-mnist.sh [--verify-only] [DIR]     (default DIR: <repo>/data/mnist; env MNIST_URL)
TAG=mnist
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_args "$DATA_ROOT/mnist" "$@"
need md5sum
BASE=${MNIST_URL:-https://ossci-datasets.s3.amazonaws.com/mnist}
bad=0
while read -r name md5; do
  fetch "$BASE/$name" "$DIR/$name" "$md5" || bad=$((bad + 1))
done <<'T'
train-images-idx3-ubyte.gz f68b3c2dcbeaaa9fbdd348bbdeb94873
train-labels-idx1-ubyte.gz d53e105ee54ea40749a09fcbcd1e9432
t10k-images-idx3-ubyte.gz 9fb629c4189551a2d022fa330f9573f3
t10k-labels-idx1-ubyte.gz ec29112dd5afa0611ce80d1b7f02629c
T
[[ $bad -eq 0 ]] || die "$bad file(s) missing or corrupt in $DIR (fetch them by hand from http://yann.lecun.com/exdb/mnist/)"
log "MNIST verified in $DIR"
