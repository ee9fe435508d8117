"""A deployed model is decoded once, not once per row, and a newly deployed
model answers the next statement. Counted with sqml_debug()'s model_loads
(a counter of blob decodes in the process), not timed."""

from __future__ import annotations

import json

from test_sql_api import iris, iris_object, scalar, write  # noqa: F401  (fixture)


def loads_during(door, sql: str) -> tuple[object, int]:
    """Runs `sql` (one value) and reads the decode counter in the same statement."""
    before = json.loads(scalar(door, "SELECT sqml_debug()"))["model_loads"]
    row = door.query(f"SELECT ({sql}) AS result, sqml_debug() AS debug")[0]
    after = json.loads(row[1])["model_loads"]
    # A door that runs each query in a new process starts from zero.
    return row[0], after - (before if after >= before else 0)


def test_a_statement_over_150_rows_decodes_the_model_at_most_once(iris):  # noqa: F811
    door, _, _ = iris
    count, loads = loads_during(
        door, f"SELECT count(sqml_predict('Iris prediction', {iris_object()})) FROM dataset_iris"
    )
    assert count == 150
    assert loads <= 1
    batch, loads = loads_during(
        door,
        f"SELECT sqml_predict_batch('Iris prediction', json_group_array({iris_object()})) FROM dataset_iris",
    )
    assert len(json.loads(batch)) == 150 and loads <= 1


def test_a_newly_deployed_model_answers_the_next_statement(iris):  # noqa: F811
    door, _, _ = iris
    write(door, "SELECT sqml_train('swap', 'classification', 'dummy', 'dataset_iris', 'target')")
    spread = f"SELECT count(DISTINCT sqml_predict('swap', {iris_object()})) FROM dataset_iris"
    assert scalar(door, spread) == 1  # the dummy predicts one class
    report = json.loads(
        write(door, "SELECT sqml_train('swap', 'classification', 'knn', 'dataset_iris', 'target')")
    )
    assert report["deployed"] is True
    assert scalar(door, spread) == 3
