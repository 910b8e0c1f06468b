#!/usr/bin/env bash
# Issue #16 item 6: `dars ingest` against the issue's polars script on the same export, side by
# side in one run, alternating, each dars run into a fresh data directory.
#   benches/ingest_vs_polars.sh PYTHON [ROUNDS]
# PYTHON is an interpreter with polars installed (python3 -m venv /tmp/pl && /tmp/pl/bin/pip
# install polars). The export is `dars simulate --traders 13 --days 625 --seed 42` (727,697
# fills, 109 MB), made once under target/bench-ingest.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${1:?usage: benches/ingest_vs_polars.sh PYTHON [ROUNDS]}
rounds=${2:-4}
cargo build --release --locked --quiet -p dars
dars=$PWD/target/release/dars
work=$PWD/target/bench-ingest
mkdir -p "$work"
cd "$work"
[ -f sim/fills.csv ] || "$dars" simulate --traders 13 --days 625 --seed 42 --out sim > /dev/null
"$python" -c "import polars; print('polars', polars.__version__)"
for i in $(seq "$rounds"); do
  rm -rf data
  /usr/bin/time -f "dars   %e s wall, %U s user, %S s sys, peak %M KB" \
    "$dars" ingest sim/fills.csv --config /nonexistent.yaml > /dev/null
  /usr/bin/time -f "polars %e s wall, %U s user, %S s sys, peak %M KB" \
    "$python" ../../benches/polars_daily.py sim/fills.csv > /dev/null
done
