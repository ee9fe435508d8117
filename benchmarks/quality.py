"""Test scores of every sqlite-ml algorithm beside scikit-learn's matching
estimator (default settings, random_state=0), on the same split.

    benchmarks/quality.sh          # makes the environment, runs this, writes QUALITY.md

Each dataset is shuffled once (numpy seed 0) into a table; sqlite-ml trains
with split_strategy 'last' (the last 25% of the rows are the test rows) and
scikit-learn fits StandardScaler + the estimator on the same first 75%.
"""

from __future__ import annotations

import argparse
import json
import math
import sqlite3
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn import (
    datasets,
    dummy,
    ensemble,
    linear_model,
    neighbors,
    neural_network,
    pipeline,
    preprocessing,
    svm,
    tree,
)

import sqlite_ml

REGRESSION = {
    "dummy": dummy.DummyRegressor,
    "linear_regression": linear_model.LinearRegression,
    "sgd": linear_model.SGDRegressor,
    "ridge": linear_model.Ridge,
    "ridge_cv": linear_model.RidgeCV,
    "elastic_net": linear_model.ElasticNet,
    "elastic_net_cv": linear_model.ElasticNetCV,
    "lasso": linear_model.Lasso,
    "lasso_cv": linear_model.LassoCV,
    "decision_tree": tree.DecisionTreeRegressor,
    "ada_boost": ensemble.AdaBoostRegressor,
    "bagging": ensemble.BaggingRegressor,
    "gradient_boosting": ensemble.GradientBoostingRegressor,
    "hist_gradient_boosting": ensemble.HistGradientBoostingRegressor,
    "random_forest": ensemble.RandomForestRegressor,
    "extra_trees": ensemble.ExtraTreesRegressor,
    "knn": neighbors.KNeighborsRegressor,
    "mlp": neural_network.MLPRegressor,
    "svr": svm.SVR,
}
CLASSIFICATION = {
    "dummy": dummy.DummyClassifier,
    "logistic_regression": linear_model.LogisticRegression,
    "sgd": linear_model.SGDClassifier,
    "ridge": linear_model.RidgeClassifier,
    "ridge_cv": linear_model.RidgeClassifierCV,
    "decision_tree": tree.DecisionTreeClassifier,
    "ada_boost": ensemble.AdaBoostClassifier,
    "bagging": ensemble.BaggingClassifier,
    "gradient_boosting": ensemble.GradientBoostingClassifier,
    "hist_gradient_boosting": ensemble.HistGradientBoostingClassifier,
    "random_forest": ensemble.RandomForestClassifier,
    "extra_trees": ensemble.ExtraTreesClassifier,
    "knn": neighbors.KNeighborsClassifier,
    "mlp": neural_network.MLPClassifier,
    "svc": svm.SVC,
}
DATASETS = {
    "iris": ("classification", datasets.load_iris),
    "wine": ("classification", datasets.load_wine),
    "breast_cancer": ("classification", datasets.load_breast_cancer),
    "digits": ("classification", datasets.load_digits),
    "diabetes": ("regression", datasets.load_diabetes),
}
TOLERANCE = 0.03


def shuffled_table(conn: sqlite3.Connection, name: str, loader) -> tuple[np.ndarray, np.ndarray]:
    bunch = loader()
    order = np.random.RandomState(0).permutation(len(bunch.target))
    x, y = bunch.data[order], bunch.target[order].astype(float)
    columns = ", ".join(f'"f{i}" REAL' for i in range(x.shape[1]))
    conn.execute(f'CREATE TABLE "{name}" ({columns}, target REAL)')
    marks = ", ".join("?" * (x.shape[1] + 1))
    conn.executemany(f'INSERT INTO "{name}" VALUES ({marks})', np.column_stack([x, y]).tolist())
    conn.commit()
    return x, y


def sklearn_score(estimator_class, x, y, n_test):
    kwargs = {}
    if "random_state" in estimator_class().get_params():
        kwargs["random_state"] = 0
    model = pipeline.make_pipeline(preprocessing.StandardScaler(), estimator_class(**kwargs))
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(x[:-n_test], y[:-n_test])
    seconds = time.perf_counter() - start
    return model.score(x[-n_test:], y[-n_test:]), seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("QUALITY.md"))
    args = parser.parse_args()
    conn = sqlite_ml.connect(":memory:")
    rows = []
    for name, (task, loader) in DATASETS.items():
        x, y = shuffled_table(conn, name, loader)
        n_test = math.ceil(0.25 * len(y))
        algorithms = CLASSIFICATION if task == "classification" else REGRESSION
        for algorithm, estimator_class in algorithms.items():
            start = time.perf_counter()
            ours = sqlite_ml.train(
                conn,
                f"{name} {algorithm}",
                task,
                algorithm,
                name,
                "target",
                test_size=0.25,
                split_strategy="last",
            )
            our_seconds = time.perf_counter() - start
            theirs, their_seconds = sklearn_score(estimator_class, x, y, n_test)
            gap = ours["score"] - theirs
            rows.append((name, algorithm, ours["score"], theirs, gap, our_seconds, their_seconds))
            print(
                f"{name:14} {algorithm:20} ours {ours['score']:.4f}  scikit-learn {theirs:.4f}  "
                f"gap {gap:+.4f}",
                file=sys.stderr,
            )
    write_report(args.out, rows)
    short = [r for r in rows if r[4] < -TOLERANCE]
    above = [r for r in rows if r[4] > TOLERANCE]
    print(
        f"{len(rows)} comparisons: {len(short)} more than {TOLERANCE} below scikit-learn, "
        f"{len(above)} more than {TOLERANCE} above",
        file=sys.stderr,
    )
    return 0


def write_report(path: Path, rows) -> None:
    lines = [
        "# Quality: sqlite-ml beside scikit-learn",
        "",
        f"Written by `benchmarks/quality.sh` with scikit-learn {sklearn.__version__}, "
        f"sqlite-ml {sqlite_ml.__version__}, Python {sys.version.split()[0]}.",
        "Each row: the test score (accuracy for classification, r2 for regression) on the same",
        "75/25 split of the same shuffled rows, StandardScaler fitted on the training rows, each",
        "side's default settings (scikit-learn with random_state=0). `above` and `below` mark",
        f"gaps larger than {TOLERANCE}; the notes under the table say why they occur.",
        "",
        "| dataset | algorithm | sqlite-ml | scikit-learn | gap | within 0.03 |",
        "| --- | --- | ---: | ---: | ---: | :---: |",
    ]
    for name, algorithm, ours, theirs, gap, _, _ in rows:
        if abs(gap) <= TOLERANCE:
            mark = "yes"
        elif gap > 0:
            mark = "above"
        else:
            mark = "**below**"
        lines.append(f"| {name} | {algorithm} | {ours:.4f} | {theirs:.4f} | {gap:+.4f} | {mark} |")
    path.write_text("\n".join(lines) + "\n")
    print(json.dumps({"written": str(path)}), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
