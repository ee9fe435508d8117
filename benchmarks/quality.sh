#!/usr/bin/env bash
# Makes a virtualenv with this checkout and scikit-learn, runs quality.py,
# and writes benchmarks/QUALITY.md (the notes at its end are kept).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${SQLITE_ML_BENCH_VENV:-target/bench-quality}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q "scikit-learn==1.5.2" numpy .
"$VENV/bin/python" benchmarks/quality.py --out target/QUALITY.table.md
notes=benchmarks/QUALITY.notes.md
{ cat target/QUALITY.table.md; [ -f "$notes" ] && { echo; cat "$notes"; }; } > benchmarks/QUALITY.md
echo "wrote benchmarks/QUALITY.md"
