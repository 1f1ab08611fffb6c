"""DAG runs for real: see tests/dag_runs.py."""

from tests.dag_runs import DagResult, dag_bag, run_dag  # noqa: F401
