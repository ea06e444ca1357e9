#!/bin/sh
# Rebuild sfb-edge-federation.log.gz from its three plain parts, one gzip
# member per part (as when CLS search output is appended and each append is
# compressed separately).  -n drops the name and time stamp, so the output
# is byte-identical on every run.
set -eu
cd "$(dirname "$0")"
out=sfb-edge-federation.log.gz
gzip -n -9 -c src/sfb-edge-federation.part1.log >  "$out"
gzip -n -9 -c src/sfb-edge-federation.part2.log >> "$out"
gzip -n -9 -c src/sfb-edge-federation.part3.log >> "$out"
