#!/usr/bin/env bash
# Fetches CIFAR-10, binary version (Krizhevsky 2009), from its official page and unpacks it into
# data/cifar-10-batches-bin/ (data_batch_1..5.bin, test_batch.bin, batches.meta.txt), read by Snn.Data.Cifar10.
#
#   data-scripts/fetch-cifar10.sh [--verify-only] [DIR]   (default DIR: <repo>/data; env CIFAR10_URL)
TAG=cifar10
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_args "$DATA_ROOT" "$@"
need md5sum tar
URL=${CIFAR10_URL:-https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz}
archive="$DIR/downloads/cifar-10-binary.tar.gz"
fetch "$URL" "$archive" c32a1d4ab5d03f1284b67883e8d87530 || die "CIFAR-10 archive missing or corrupt: fetch $URL by hand into $DIR/downloads/"
unpack "$archive" "$DIR" || die "not unpacked yet: run without --verify-only"
for f in data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin test_batch.bin; do
  size=$(stat -c %s "$DIR/cifar-10-batches-bin/$f" 2>/dev/null || echo 0)
  [[ $size -eq 30730000 ]] || die "$DIR/cifar-10-batches-bin/$f has $size bytes, expected 30730000 (10000 records of 3073)"
done
log "CIFAR-10 verified in $DIR/cifar-10-batches-bin"
