"""The README shows what the code does: its tutorial is the demo's real
output, its algorithm table is the registry's, and it renders as CommonMark
the way its source reads."""

from __future__ import annotations

import contextlib
import io
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

import sqlite_ml

README_PATH = Path(__file__).resolve().parent.parent / "README.md"
README = README_PATH.read_text()


def tutorial_steps(demo_output: str) -> list[tuple[str, str]]:
    """The demo prints each step as its SQL (up to the line ending in `;`),
    then the result, then a blank line."""
    steps = []
    for chunk in demo_output.strip().split("\n\n"):
        lines = chunk.split("\n")
        end = next(i for i, line in enumerate(lines) if line.endswith(";"))
        steps.append(("\n".join(lines[: end + 1]), "\n".join(lines[end + 1 :])))
    return steps


def test_the_tutorial_is_the_demo_output():
    demo = subprocess.run(
        [sys.executable, "-m", "sqlite_ml", "demo"], capture_output=True, text=True, timeout=120
    )
    assert demo.returncode == 0, demo.stderr
    section = README.split("## Tutorial: iris, end to end\n", 1)[1].split("\n## ", 1)[0]
    shown = re.findall(r"```sql\n(.*?)\n```\n\n```text\n(.*?)\n```", section, flags=re.S)
    assert shown == tutorial_steps(demo.stdout)


def example_blocks(section: str) -> list[tuple[str, str | None]]:
    """Each ```sql block of a section, with the ```text block right after it (or None)."""
    found = re.finditer(r"```sql\n(.*?)\n```\n(?:\n```text\n(.*?)\n```\n)?", section, flags=re.S)
    return [(m.group(1), m.group(2)) for m in found]


def run_examples(blocks: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """Runs each block's statements in turn on one fresh database; a block with
    output gets its last statement's result, printed as the demo prints it."""
    from sqlite_ml._demo import show

    conn = sqlite_ml.connect(":memory:")
    results = []
    for sql, output in blocks:
        statements, current = [], ""
        for line in sql.splitlines(keepends=True):
            current += line
            if sqlite3.complete_statement(current):
                statements.append(current.strip())
                current = ""
        for statement in statements[:-1]:
            conn.execute(statement)
        cursor = conn.execute(statements[-1])
        if output is None:
            results.append((sql, None))
            continue
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            show(cursor)
        results.append((sql, printed.getvalue().rstrip("\n")))
    conn.close()
    return results


def test_the_real_tables_examples_are_real_output():
    section = README.split("## Real tables\n", 1)[1].split("\n## ", 1)[0]
    blocks = example_blocks(section)
    assert len(blocks) >= 5
    assert run_examples(blocks) == blocks


def test_the_hyperparameters_examples_are_real_output():
    section = README.split("## Hyperparameters and search\n", 1)[1].split("\n## ", 1)[0]
    blocks = example_blocks(section)
    assert len(blocks) >= 2
    assert run_examples(blocks) == blocks


def test_the_probabilities_examples_are_real_output():
    section = README.split("## Probabilities\n", 1)[1].split("\n## ", 1)[0]
    blocks = example_blocks(section)
    assert len(blocks) >= 2
    assert run_examples(blocks) == blocks


def test_the_deployments_examples_are_real_output():
    section = README.split("## Deployments\n", 1)[1].split("\n## ", 1)[0]
    blocks = example_blocks(section)
    assert len(blocks) >= 4
    assert run_examples(blocks) == blocks


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


def hyperparameter_rows(listing: list[dict]) -> list[str]:
    """The README's hyperparameter table as the registry declares it: one row
    per hyperparameter, an algorithm's two prediction types on one row where
    they declare the same."""
    merged: dict[tuple[str, str], list[str]] = {}
    for a in listing:
        key = (a["name"], json.dumps(a["hyperparams"]))
        merged.setdefault(key, []).append(a["prediction_type"])
    rows = []
    for (name, params), types in merged.items():
        for p in json.loads(params):
            default = json.dumps(p["default"])
            rows.append(
                f"| `{name}` | {', '.join(types)} | `{p['name']}` | `{default}` "
                f"| {p['allowed']} | {p['meaning']} |"
            )
    return rows


def test_the_hyperparameter_table_is_the_registry():
    conn = sqlite_ml.connect(":memory:")
    (listing,) = conn.execute("SELECT sqml_debug('algorithms')").fetchone()
    table = [line for line in README.splitlines() if line.startswith("| `")]
    assert [line for line in table if line.count("|") == 7] == hyperparameter_rows(
        json.loads(listing)
    )


def source_fences(text: str) -> list[int]:
    """0-based line numbers of the lines that open or close a code fence."""
    return [i for i, line in enumerate(text.splitlines()) if line.startswith("```")]


@pytest.mark.parametrize("name", ["README.md", "ROBUSTNESS.md", "BENCHMARKS.md"])
def test_markdown_renders_as_its_source_reads(name):
    text = (README_PATH.parent / name).read_text()
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    lines = text.splitlines()

    # Every fence line of the source opens or closes a code block: none is
    # glued to prose (which swaps code and prose for the rest of the page).
    fences = [t for t in tokens if t.type == "fence"]
    rendered = sorted(line for t in fences for line in (t.map[0], t.map[1] - 1))
    assert rendered == source_fences(text)

    # Every heading of the source is a heading when rendered.
    in_code = set()
    for t in fences:
        in_code.update(range(t.map[0], t.map[1]))
    headings = {t.map[0] for t in tokens if t.type == "heading_open"}
    source_headings = {
        i for i, line in enumerate(lines) if line.startswith("#") and i not in in_code
    }
    assert source_headings == headings

    # No paragraph inside a list item continues on an unindented line (a
    # sentence meant to follow the list would render as part of its last item).
    depth = 0
    for t in tokens:
        if t.type == "list_item_open":
            depth += 1
        elif t.type == "list_item_close":
            depth -= 1
        elif depth and t.type == "paragraph_open":
            for i in range(t.map[0] + 1, t.map[1]):
                assert lines[i].startswith(" "), (
                    f"{name}:{i + 1} continues a list item: {lines[i]!r}"
                )
