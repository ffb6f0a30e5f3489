"""A workflow with a stream submitted to a Celery worker (embedded broker): its items run as item tasks."""

from __future__ import annotations

import pytest

from ewoks_celery import list_jobs, load_config, submit_graph
from ewoks_core.errors import TaskFailedError
from ewoks_core.testing import CASES_BY_NAME


@pytest.fixture(scope="module")
def worker(data_dir, start_worker):
    return start_worker(None, config=load_config(), cli=True,
                        argv=["--allow", "ewoks_core.testing", "--allow", "ewoks_core.stream"],
                        env={"EWOKS_DATA_DIR": str(data_dir)})


@pytest.mark.parametrize("engine, options", [(None, {}), ("dask", {"scheduler": "threads"})])
def test_a_stream_runs_on_a_celery_worker(worker, engine, options) -> None:
    case = CASES_BY_NAME["stream_in_order"]
    assert submit_graph(case.graph, engine=engine, **options).result(timeout=120) == case.results


def test_a_failing_item_fails_the_celery_job_naming_the_node(worker) -> None:
    with pytest.raises(TaskFailedError) as info:
        submit_graph(CASES_BY_NAME["stream_item_fails"].graph).result(timeout=120)
    assert info.value.node_id == "sq"


def test_the_records_of_item_tasks_are_not_listed_as_jobs(worker) -> None:
    case = CASES_BY_NAME["stream_in_order"]
    future = submit_graph(case.graph)
    assert future.result(timeout=120) == case.results
    ids = [job["job_id"] for job in list_jobs()]
    assert future.job_id in ids and not [i for i in ids if ":item:" in i]
