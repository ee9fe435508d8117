#!/usr/bin/env bash
# Grid search beside scikit-learn's GridSearchCV (issue "Model management"),
# written into BENCHMARKS.md. About half an hour on 2 cores.
#   RUNS=3 benchmarks/search.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PARTS=search
RUNS=${RUNS:-3}
WORK=target/bench-search
. benchmarks/venv.sh
mkdir -p "$WORK"
python3 -m pip wheel -q --no-deps -w "$WORK/dist" .
WHEEL=$(ls -t "$WORK"/dist/sqlite_ml-*.whl | head -1)
venv default python3 --force-reinstall "$WHEEL" numpy "scikit-learn==1.9.1"
(cd benchmarks && "../$WORK/default/bin/python" search.py --data "../$WORK/data" \
    --python "../$WORK/default/bin/python" --runs "$RUNS")
