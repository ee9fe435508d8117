"""The standalone extension as a file: what it links, what it exports, how
the sqlite3 shell loads it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sqlite_ml

from doors import required_doors


def artifacts() -> list[Path]:
    """The copy inside the installed package, and cargo's own build if given."""
    found = [Path(sqlite_ml.loadable_path())]
    cargo_built = os.environ.get("SQLITE_ML_CARGO_ARTIFACT")
    if cargo_built:
        found.append(Path(cargo_built))
    return found


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if "shell" in required_doors():
            pytest.fail(f"{tool} is required here")
        pytest.skip(f"{tool} not installed")
    return path


@pytest.mark.parametrize("artifact", artifacts(), ids=lambda p: str(p))
def test_no_second_sqlite_is_linked_in(artifact: Path):
    ldd = subprocess.run([need("ldd"), str(artifact)], capture_output=True, text=True, check=True)
    assert "libsqlite3" not in ldd.stdout
    nm = subprocess.run(
        [need("nm"), "-D", "--defined-only", str(artifact)],
        capture_output=True,
        text=True,
        check=True,
    )
    defined = {line.split()[-1] for line in nm.stdout.splitlines() if line.strip()}
    assert "sqlite3_sqliteml_init" in defined
    assert not {name for name in defined if name.startswith("sqlite3_open")}
    assert {name for name in defined if name.startswith("sqlite3_")} == {"sqlite3_sqliteml_init"}


def test_the_documented_shell_command_works():
    need("sqlite3")
    command = 'sqlite3 :memory: ".load $("$PYTHON" -m sqlite_ml path)" "select sqml_version()"'
    done = subprocess.run(
        ["bash", "-c", command],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHON": sys.executable},
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["version"] == sqlite_ml.__version__


@pytest.mark.parametrize("artifact", artifacts(), ids=lambda p: str(p))
def test_each_artifact_loads_by_its_default_entry_point(artifact: Path):
    # No entry point named: SQLite derives sqlite3_sqliteml_init from the file name.
    done = subprocess.run(
        [need("sqlite3"), ":memory:", f".load {artifact.with_suffix('')}", "select sqml_debug()"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["door"] == "sqlite"
