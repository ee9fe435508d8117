#!/usr/bin/env bash
# Makes a virtualenv with this checkout and scikit-learn, runs quality.py,
# and rewrites its part of benchmarks/QUALITY.md (quality_assemble.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${SQLITE_ML_BENCH_VENV:-target/bench-quality}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q "scikit-learn==1.5.2" numpy .
"$VENV/bin/python" benchmarks/quality.py --out benchmarks/QUALITY.bundled.md
benchmarks/quality_assemble.sh
