"""BENCHMARKS.md is hand-written prose around generated tables; each
benchmark replaces only its own table, between `<!-- NAME -->` and
`<!-- /NAME -->`, so the cases can be run (and re-run) separately."""

from __future__ import annotations

import json
import platform
import subprocess
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"


def machine() -> str:
    return (
        f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {platform.system()} "
        f"{platform.release()}, {_cores()} cores"
    )


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0))


def write_section(name: str, body: str, path: Path = BENCHMARKS) -> None:
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)


def size(n: float | None) -> str:
    if n is None:
        return ""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    raise AssertionError


def worker(python: str, side: str, database: Path, sql: str, timeout: int = 7200) -> dict:
    """One statement timed by `speed_worker.py` in a fresh process of `python`;
    its JSON report (seconds, value, peak memory, model size)."""
    done = subprocess.run(
        [
            python,
            str(Path(__file__).resolve().parent / "speed_worker.py"),
            side,
            str(database),
            sql,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise SystemExit(f"{side} failed on {sql[:80]}...: {done.stderr or done.stdout}")
    return json.loads(done.stdout.strip().splitlines()[-1])
