#!/usr/bin/env bash
# Fetches CIFAR10-DVS (Li et al. 2017) from its official figshare record
# (https://figshare.com/articles/dataset/CIFAR10-DVS_New/4724671): one zip per class, md5 sums as
# listed by SpikingJelly. Unpacks into data/cifar10-dvs/<class>/cifar10_<class>_<n>.aedat (AEDAT 2.0),
# read by Snn.Data.Aedat.ReadCifar10Dvs; Snn.Data.Cifar10Dvs.Split makes the seeded 9:1 split.
#
#   data-scripts/fetch-cifar10-dvs.sh [--verify-only] [DIR]   (default DIR: <repo>/data/cifar10-dvs)
TAG=cifar10-dvs
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_args "$DATA_ROOT/cifar10-dvs" "$@"
need md5sum
bad=0
while read -r cls id md5; do
  fetch "https://ndownloader.figshare.com/files/$id" "$DIR/downloads/$cls.zip" "$md5" || { bad=$((bad + 1)); continue; }
  unpack "$DIR/downloads/$cls.zip" "$DIR" || { bad=$((bad + 1)); continue; }
  n=$(find "$DIR/$cls" -name '*.aedat' 2>/dev/null | wc -l)
  [[ $n -eq 1000 ]] || { log "BAD $cls: $n .aedat files, expected 1000"; bad=$((bad + 1)); }
done <<'T'
airplane 7712788 0afd5c4bf9ae06af762a77b180354fdd
automobile 7712791 8438dfeba3bc970c94962d995b1b9bdd
bird 7712794 a9c207c91c55b9dc2002dc21c684d785
cat 7712812 52c63c677c2b15fa5146a8daf4d56687
deer 7712815 b6bf21f6c04d21ba4e23fc3e36c8a4a3
dog 7712818 f379ebdf6703d16e0a690782e62639c3
frog 7712842 cad6ed91214b1c7388a5f6ee56d08803
horse 7712851 e7cbbf77bec584ffbf913f00e682782a
ship 7712836 41c7bd7d6b251be82557c6cce9a7d5c9
truck 7712839 89f3922fd147d9aeff89e76a2b0b70a7
T
[[ $bad -eq 0 ]] || die "$bad class archive(s) missing, corrupt or incomplete in $DIR (download by hand from https://figshare.com/articles/dataset/CIFAR10-DVS_New/4724671 into $DIR/downloads/)"
log "CIFAR10-DVS verified in $DIR (10 × 1000 recordings)"
