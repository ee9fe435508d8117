#!/usr/bin/env bash
# Side-by-side speed benchmark (issue "Speed"): makes the three environments
# and the data, then runs each part; each part rewrites its own table in
# BENCHMARKS.md.
#   benchmarks/speed.sh                          # every part (about two hours on 2 cores)
#   PARTS="prediction" RUNS=5 benchmarks/speed.sh
# Parts: prediction (cases 1-3 at 100,000 rows), probabilities (sqml_predict_proba
# at 100,000 rows), training (case 4), scale (case 5, and case 2 at 1,000,000 rows).
set -euo pipefail
cd "$(dirname "$0")/.."
PARTS=${PARTS:-"prediction probabilities training scale"}
RUNS=${RUNS:-5}
WORK=target/bench-speed
mkdir -p "$WORK/data"
. benchmarks/venv.sh
# The reference in its own virtualenv: 0.1.2 calls mean_squared_error(squared=False),
# which scikit-learn 1.6 removed.
venv reference python3 "sqlite-ml==0.1.2" "scikit-learn==1.5.2"
python3 -m pip wheel -q --no-deps -w "$WORK/dist" .
WHEEL=$(ls -t "$WORK"/dist/sqlite_ml-*.whl | head -1)
venv debian /usr/bin/python3 --force-reinstall "$WHEEL"
venv default python3 --force-reinstall "$WHEEL"
REFERENCE=$WORK/reference/bin/python
EXTENSION=$WORK/debian/bin/python
FUNCTIONS=$WORK/default/bin/python

data() {  # data ROWS: DATA/ROWS/{classification,regression}-{ours,reference}.db
    local folder=$WORK/data/$1
    [ -f "$folder/regression-reference.db" ] && return
    mkdir -p "$folder"
    "$REFERENCE" - "$folder" "$1" <<'PY'
import sqlite3, sys
import numpy as np
from sklearn.datasets import make_classification, make_regression
folder, rows = sys.argv[1], int(sys.argv[2])
for task, make in (("classification", make_classification), ("regression", make_regression)):
    x, y = make(n_samples=rows, n_features=20, random_state=0)
    for side in ("ours", "reference"):
        conn = sqlite3.connect(f"{folder}/{task}-{side}.db")
        conn.execute("DROP TABLE IF EXISTS t")
        conn.execute("CREATE TABLE t (" + ", ".join(f"f{i} REAL" for i in range(1, 21)) + ", target REAL)")
        conn.executemany("INSERT INTO t VALUES (" + ", ".join("?" * 21) + ")", np.column_stack([x, y]).tolist())
        conn.commit()
PY
}
deploy() {  # deploy ROWS SIDE...: the models the prediction cases use, in a fresh catalog
    local folder=$WORK/data/$1; shift
    for side in "$@"; do
        local python=$EXTENSION file=ours
        [ "$side" = reference ] && python=$REFERENCE file=reference
        for task_algorithm in "classification logistic_regression" "regression linear_regression"; do
            set -- $task_algorithm
            "$python" - "$folder/$1-$file.db" <<'PY'
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
catalog = conn.execute("SELECT type, name FROM sqlite_master WHERE name LIKE 'sqml%' AND type IN ('table', 'view')").fetchall()
for kind, name in sorted(catalog, key=lambda c: c[0] != "view"):
    conn.execute(f'DROP {kind} IF EXISTS "{name}"')
conn.commit()
PY
            "$python" benchmarks/speed_worker.py "$side" "$folder/$1-$file.db" \
                "SELECT sqml_train('e', '$1', '$2', 't', 'target')" > /dev/null
        done
    done
}
sides=(--reference-python "$REFERENCE" --extension-python "$EXTENSION" --functions-python "$FUNCTIONS")

data 100000
if wants prediction; then
    deploy 100000 reference extension
    "$EXTENSION" benchmarks/speed.py --data "$WORK/data" --rows 100000 --runs "$RUNS" "${sides[@]}"
fi
if wants probabilities; then
    deploy 100000 extension
    "$EXTENSION" benchmarks/speed.py --data "$WORK/data" --rows 100000 --runs "$RUNS" \
        --cases probabilities "${sides[@]}"
fi
if wants training; then
    rm -f "$WORK/data/training.json"
    "$EXTENSION" benchmarks/training.py --data "$WORK/data" --runs "$RUNS" "${sides[@]}"
fi
if wants scale; then
    data 1000000
    deploy 1000000 extension
    "$EXTENSION" benchmarks/speed.py --data "$WORK/data" --rows 1000000 --runs "$RUNS" \
        --cases positional "${sides[@]}"
    rm -f "$WORK/data/scale.json"
    "$EXTENSION" benchmarks/training.py --scale --data "$WORK/data" --runs "$RUNS" "${sides[@]}"
fi
