"""sqlite-ml from the command line: where the loadable extension is, the
version, and the iris tutorial."""

from __future__ import annotations

import argparse
import sys

import sqlite_ml


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
        from sqlite_ml._demo import run

        run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
