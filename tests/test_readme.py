"""The README shows what the code does: its tutorial is the demo's real
output, its algorithm table is the registry's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import sqlite_ml

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_the_tutorial_is_the_demo_output():
    demo = subprocess.run(
        [sys.executable, "-m", "sqlite_ml", "demo"], capture_output=True, text=True, timeout=120
    )
    assert demo.returncode == 0, demo.stderr
    block = README.split("## Tutorial: iris, end to end\n\n```\n", 1)[1].split("\n```", 1)[0]
    assert block == demo.stdout.rstrip()


def test_the_algorithm_table_is_the_registry():
    conn = sqlite_ml.connect(":memory:")
    (listing,) = conn.execute("SELECT sqml_debug('algorithms')").fetchone()
    rows = [
        f"| `{a['name']}` | {a['prediction_type']} | {a['library']} | {a['estimator']} |"
        for a in json.loads(listing)
    ]
    table = [line for line in README.splitlines() if line.startswith("| `")]
    algorithm_rows = [line for line in table if line.count("|") == 5]
    assert algorithm_rows == rows
