#!/usr/bin/env bash
# Side-by-side prediction benchmark: makes the three environments and the
# data, trains the same model on each side, runs speed.py, writes BENCHMARKS.md.
#   ROWS=100000 RUNS=5 benchmarks/speed.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-100000}
RUNS=${RUNS:-5}
WORK=target/bench-speed
mkdir -p "$WORK/data"

venv() {  # venv NAME PYTHON PACKAGES...
    local dir="$WORK/$1" python=$2; shift 2
    [ -x "$dir/bin/python" ] || "$python" -m venv "$dir"
    "$dir/bin/python" -m pip install -q --upgrade pip
    "$dir/bin/python" -m pip install -q "$@"
}
# The reference in its own virtualenv: 0.1.2 calls mean_squared_error(squared=False),
# which scikit-learn 1.6 removed.
venv reference python3 "sqlite-ml==0.1.2" "scikit-learn==1.5.2"
cargo build --release --locked -q
python3 -m pip wheel -q --no-deps -w "$WORK/dist" .
WHEEL=$(ls -t "$WORK"/dist/sqlite_ml-*.whl | head -1)
venv debian /usr/bin/python3 --force-reinstall "$WHEEL"
venv default python3 --force-reinstall "$WHEEL"

"$WORK/reference/bin/python" - "$WORK/data" "$ROWS" <<'PY'
import sqlite3, sys
import numpy as np
from sklearn.datasets import make_classification, make_regression
folder, rows = sys.argv[1], int(sys.argv[2])
for task, make in (("classification", make_classification), ("regression", make_regression)):
    x, y = make(n_samples=rows, n_features=20, random_state=0)
    for side in ("ours", "reference"):
        path = f"{folder}/{task}-{side}.db"
        conn = sqlite3.connect(path)
        conn.execute("DROP TABLE IF EXISTS t")
        conn.execute("CREATE TABLE t (" + ", ".join(f"f{i} REAL" for i in range(1, 21)) + ", target REAL)")
        conn.executemany("INSERT INTO t VALUES (" + ", ".join("?" * 21) + ")", np.column_stack([x, y]).tolist())
        conn.commit()
PY
train() {  # train PYTHON SIDE TASK ALGORITHM
    "$1" benchmarks/speed_worker.py "$2" "$WORK/data/$3-$( [ "$2" = reference ] && echo reference || echo ours ).db" \
        "SELECT sqml_train('e', '$3', '$4', 't', 'target')" > /dev/null
}
train "$WORK/reference/bin/python" reference classification logistic_regression
train "$WORK/reference/bin/python" reference regression linear_regression
train "$WORK/debian/bin/python" extension classification logistic_regression
train "$WORK/debian/bin/python" extension regression linear_regression

"$WORK/debian/bin/python" benchmarks/speed.py --data "$WORK/data" --rows "$ROWS" --runs "$RUNS" \
    --reference-python "$WORK/reference/bin/python" \
    --extension-python "$WORK/debian/bin/python" \
    --functions-python "$WORK/default/bin/python"
