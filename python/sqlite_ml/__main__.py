"""Command line: ``python -m sqlite_ml path|version|demo``."""

from __future__ import annotations

import argparse
import json
import sys

import sqlite_ml


def demo() -> None:
    conn = sqlite_ml.connect(":memory:")
    (version,) = conn.execute("SELECT sqml_version()").fetchone()
    print("sqlite-ml is loaded:")
    print(json.dumps(json.loads(version), indent=2))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sqlite_ml", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("path", help="print the absolute path of the loadable extension")
    commands.add_parser("version", help="print the package version")
    commands.add_parser("demo", help="run the tutorial on an in-memory database")
    args = parser.parse_args(argv)
    if args.command == "path":
        try:
            print(sqlite_ml.loadable_path())
        except FileNotFoundError as error:
            print(error, file=sys.stderr)
            return 1
    elif args.command == "version":
        print(sqlite_ml.__version__)
    else:
        demo()
    return 0


if __name__ == "__main__":
    sys.exit(main())
