#!/usr/bin/env bash
# Encryption cost, release binary: ingest, train, keys rotate; in the clear vs under a key.
set -euo pipefail
# Usage: BIN=target/release/dars benches/encryption_cost.sh   (W: the work directory)
BIN=$(realpath "${BIN:-target/release/dars}")
W=${W:-/tmp/benc}; rm -rf $W; mkdir -p $W; cd $W
$BIN simulate --out sim >/dev/null
K=$(openssl rand -hex 32); K2=$(openssl rand -hex 32)
for run in 1 2 3; do
  for mode in clear key; do
    rm -rf d-$mode
    if [ $mode = key ]; then export DARS_DATA_KEY=$K; else unset DARS_DATA_KEY; fi
    s=$(date +%s.%N); $BIN ingest sim/fills.csv sim/totals.csv --data d-$mode >/dev/null; e=$(date +%s.%N)
    echo "run $run $mode ingest $(echo "$e - $s" | bc) s"
    s=$(date +%s.%N); $BIN train --data d-$mode --models m-$mode >/dev/null 2>&1; e=$(date +%s.%N)
    echo "run $run $mode train $(echo "$e - $s" | bc) s"
  done
done
unset DARS_DATA_KEY
du -sb d-clear d-key
cmp <($BIN export daily --data d-clear) <(DARS_DATA_KEY=$K $BIN export daily --data d-key) && echo "exports identical"
s=$(date +%s.%N); DARS_DATA_KEY=$K2 DARS_DATA_KEY_PREVIOUS=$K $BIN keys rotate --data d-key; e=$(date +%s.%N)
echo "rotate $(echo "$e - $s" | bc) s"
s=$(date +%s.%N); DARS_DATA_KEY=$K $BIN keys rotate --data d-clear --from-clear; e=$(date +%s.%N)
echo "rotate from clear $(echo "$e - $s" | bc) s"
