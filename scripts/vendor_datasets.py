"""Writes the bundled datasets (crates/core/data/*.csv.gz) from scikit-learn.

Run once by a maintainer, in an environment with scikit-learn installed:

    python scripts/vendor_datasets.py

Each file is a gzip'd CSV: a header with the feature names as scikit-learn
names them and `target`, then one row per sample, every value written as the
shortest text that reads back as the same float64 (Python's repr). The values
are those scikit-learn's loaders return, so `diabetes` holds the scaled
features of the default `load_diabetes()`. Nothing is downloaded: the data
ships inside scikit-learn's wheel.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import sklearn
from sklearn import datasets

OUT = Path(__file__).resolve().parent.parent / "crates" / "core" / "data"
LOADERS = {
    "iris": datasets.load_iris,
    "digits": datasets.load_digits,
    "wine": datasets.load_wine,
    "breast_cancer": datasets.load_breast_cancer,
    "diabetes": datasets.load_diabetes,
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, loader in LOADERS.items():
        bunch = loader()
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow([*bunch.feature_names, "target"])
        for features, target in zip(bunch.data, bunch.target):
            writer.writerow([repr(float(v)) for v in features] + [repr(float(target))])
        # mtime=0: the same data gives the same bytes.
        (OUT / f"{name}.csv.gz").write_bytes(gzip.compress(text.getvalue().encode(), mtime=0))
        names = list(getattr(bunch, "target_names", []))
        print(f"{name}: {bunch.data.shape}, target_names={names}")
    print(f"from scikit-learn {sklearn.__version__}")


if __name__ == "__main__":
    main()
