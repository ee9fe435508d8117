"""PEP 517 build backend: maturin, plus the standalone loadable extension.

The top crate (src/) builds two cdylibs from one source, by Cargo feature:
maturin builds the Python module (`--features python`, see pyproject.toml).
The sqlite3 shell and other SQLite hosts need the other one, the default
`extension` feature with rusqlite's `loadable_extension`, which cannot share
a cargo invocation with the Python module (features unify within one build).
This backend builds it first and drops it into the package directory, from
where maturin puts it in the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import maturin
from maturin import (  # noqa: F401  (re-exported PEP 517 hooks)
    build_sdist,
    get_requires_for_build_editable,
    get_requires_for_build_sdist,
    get_requires_for_build_wheel,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = ROOT / "python" / "sqlite_ml"
EXTENSION_PACKAGE = "sqlite-ml"


def build_loadable_extension() -> Path:
    """Builds libsqliteml and copies it into the package; returns the copy."""
    cargo = os.environ.get("CARGO", "cargo")
    command = [
        cargo,
        "build",
        "--release",
        "--locked",
        "-p",
        EXTENSION_PACKAGE,
        "--message-format=json-render-diagnostics",
    ]
    print("sqlite-ml: building the loadable extension:", " ".join(command), file=sys.stderr)
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, check=True, text=True)
    built = None
    for line in done.stdout.splitlines():
        message = json.loads(line)
        if (
            message.get("reason") == "compiler-artifact"
            and "cdylib" in message["target"]["crate_types"]
        ):
            built = Path(message["filenames"][0])
    if built is None:
        raise RuntimeError(f"cargo built no cdylib for {EXTENSION_PACKAGE}")
    for stale in PACKAGE_DIR.glob("libsqliteml.*"):
        stale.unlink()
    copy = PACKAGE_DIR / built.name
    shutil.copy2(built, copy)
    return copy


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    build_loadable_extension()
    return maturin.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    build_loadable_extension()
    return maturin.build_editable(wheel_directory, config_settings, metadata_directory)
