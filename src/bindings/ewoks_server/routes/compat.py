"""ewoksserver's paths (workflows, tasks, execute, execution events), so that its clients work.

Mounted under /api, /api/v2 and /api/v2_0_0 as ewoksserver does. Differences: an execution request
may not choose event handlers, result locations or addresses (403 naming the field, see policy);
GET /workflow/{id} answers an ETag that PUT and DELETE may send back as If-Match.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Annotated, Any, Dict, List, Optional

from fastapi import APIRouter, Body, Depends, Header, Query, Response

from ewoks_core.events.readers import parse_time

from ..deps import ServerDep, write_access
from ..errors import ApiError
from ..models import ExecuteOptions, JobId, TaskDescription, TaskDiscovery, WorkflowDocument
from ..views import form_fields

router = APIRouter()
_EVENT_FILTERS = ("user_name", "job_id", "context", "workflow_id", "node_id", "task_id", "type")


# --- workflows


@router.get("/workflows", tags=["workflows"], summary="Ids of the saved workflows")
def workflow_ids(s: ServerDep, kw: Annotated[Optional[List[str]], Query()] = None) -> Dict[str, List[str]]:
    keywords = _keywords(kw)
    if keywords:
        return {"identifiers": [d["id"] for d in s.workflows.descriptions(keywords) if "id" in d]}
    return {"identifiers": s.workflows.ids()}


@router.get("/workflows/descriptions", tags=["workflows"], summary="Descriptions of the saved workflows")
def workflow_descriptions(s: ServerDep, kw: Annotated[Optional[List[str]], Query()] = None) -> Dict[str, Any]:
    return {"items": s.workflows.descriptions(_keywords(kw))}


@router.get("/workflow/{identifier}", tags=["workflows"], summary="A saved workflow (with its ETag)")
def get_workflow(s: ServerDep, identifier: str, response: Response) -> Dict[str, Any]:
    doc, etag = s.workflows.load(identifier)
    response.headers["ETag"] = etag
    return doc


@router.post("/workflows", tags=["workflows"], summary="Save a new workflow", dependencies=[Depends(write_access)])
def create_workflow(s: ServerDep, workflow: WorkflowDocument, response: Response) -> Dict[str, Any]:
    doc = workflow.model_dump(exclude_none=True)
    _, etag = s.workflows.create(doc)
    response.headers["ETag"] = etag
    return doc


@router.put("/workflow/{identifier}", tags=["workflows"], summary="Replace a saved workflow (If-Match: its ETag)",
            dependencies=[Depends(write_access)])
def update_workflow(s: ServerDep, identifier: str, workflow: WorkflowDocument, response: Response,
                    if_match: Annotated[Optional[str], Header()] = None) -> Dict[str, Any]:
    doc = workflow.model_dump(exclude_none=True)
    response.headers["ETag"] = s.workflows.update(identifier, doc, if_match)
    return doc


@router.delete("/workflow/{identifier}", tags=["workflows"], summary="Delete a saved workflow",
               dependencies=[Depends(write_access)])
def delete_workflow(s: ServerDep, identifier: str,
                    if_match: Annotated[Optional[str], Header()] = None) -> Dict[str, str]:
    s.workflows.delete(identifier, if_match)
    return {"identifier": identifier, "type": "workflow"}


@router.get("/workflow/{identifier}/inputs", tags=["workflows"],
            summary="The inputs of a workflow that no link sets (the start form), typed from its tasks")
def workflow_inputs(s: ServerDep, identifier: str) -> Dict[str, Any]:
    doc, etag = s.workflows.load(identifier)
    graph = doc.get("graph") or {}
    return {"identifier": identifier, "label": graph.get("label") or identifier, "etag": etag,
            "fields": form_fields(doc, s.policy, s.config.workflows_dir)}


# --- tasks


@router.get("/tasks", tags=["tasks"], summary="Identifiers of the described tasks")
def task_ids(s: ServerDep) -> Dict[str, List[str]]:
    return {"identifiers": [t["task_identifier"] for t in s.tasks.descriptions()]}


@router.get("/tasks/descriptions", tags=["tasks"], summary="Task descriptions")
def task_descriptions(s: ServerDep) -> Dict[str, Any]:
    return {"items": s.tasks.descriptions()}


@router.get("/task/{identifier}", tags=["tasks"], summary="One task description")
def get_task(s: ServerDep, identifier: str) -> Dict[str, Any]:
    return s.tasks.load(identifier)


@router.post("/tasks", tags=["tasks"], summary="Create a task description", dependencies=[Depends(write_access)])
def create_task(s: ServerDep, task: TaskDescription) -> Dict[str, Any]:
    description = task.model_dump(exclude_none=True)
    s.tasks.save(description, create=True)
    return description


@router.put("/task/{identifier}", tags=["tasks"], summary="Replace a task description",
            dependencies=[Depends(write_access)])
def update_task(s: ServerDep, identifier: str, task: TaskDescription) -> Dict[str, Any]:
    description = task.model_dump(exclude_none=True)
    s.tasks.save(description, update=identifier)
    return description


@router.delete("/task/{identifier}", tags=["tasks"], summary="Delete a task description",
               dependencies=[Depends(write_access)])
def delete_task(s: ServerDep, identifier: str) -> Dict[str, str]:
    s.tasks.delete(identifier)
    return {"identifier": identifier, "type": "task"}


@router.post("/tasks/discover", tags=["tasks"], summary="Describe the tasks of modules (default: the allow-list)",
             dependencies=[Depends(write_access)])
def discover(s: ServerDep,
             options: Annotated[Optional[TaskDiscovery], Body()] = None) -> Dict[str, List[str]]:
    return {"identifiers": s.tasks.discover(options.modules if options else None, s.policy)}


# --- execution


@router.post("/execute/{identifier}", tags=["execution"], response_model=JobId,
             summary="Run a saved workflow (ewoksserver): execute_arguments are execute_graph's arguments",
             dependencies=[Depends(write_access)])
def execute(s: ServerDep, identifier: str,
            options: Annotated[Optional[ExecuteOptions], Body()] = None) -> Dict[str, Any]:
    doc, _ = s.workflows.load(identifier)
    graph = doc.get("graph") or {}
    arguments = _merge(graph.get("execute_arguments") or {}, (options.execute_arguments if options else None) or {})
    submit = _merge(graph.get("submit_arguments") or {}, (options.submit_arguments if options else None) or {})
    for key in submit:
        if key != "queue":
            raise ApiError(403, f"submit_arguments.{key}: only the queue may be chosen",
                           field=f"submit_arguments.{key}", type="policy")
    request = _execute_request(doc, arguments)
    if submit.get("queue"):
        request["queue"] = submit["queue"]
    job_id, warnings = s.jobs.submit(request, prefix="execute_arguments.")
    return {"job_id": job_id, "warnings": warnings}


@router.get("/execution/events", tags=["execution"], summary="Events, grouped per job (ewoksserver)")
def execution_events(s: ServerDep, user_name: Optional[str] = None, job_id: Optional[str] = None,
                     context: Optional[str] = None,
                     workflow_id: Optional[str] = None, node_id: Optional[str] = None, task_id: Optional[str] = None,
                     type: Optional[str] = None, starttime: Optional[str] = None, endtime: Optional[str] = None,
                     error: Optional[bool] = None) -> Dict[str, Any]:
    given = {"user_name": user_name, "job_id": job_id, "context": context, "workflow_id": workflow_id,
             "node_id": node_id, "task_id": task_id, "type": type}
    filters = {name: [value] for name, value in given.items() if value is not None}
    start, stop = _time(starttime, "starttime"), _time(endtime, "endtime")
    jobs: "OrderedDict[str, List[Dict[str, Any]]]" = OrderedDict()
    for _, event in s.feed.read(None, filters=filters):
        if error is not None and bool(event.get("error")) != error:
            continue
        if start is not None or stop is not None:
            when = parse_time(event["time"])
            if (start is not None and when < start) or (stop is not None and when >= stop):
                continue
        jobs.setdefault(str(event.get("job_id")), []).append(event)
    return {"jobs": list(jobs.values())}


@router.get("/execution/queues", tags=["execution"], summary="Celery queues (null: jobs run locally)")
def queues(s: ServerDep) -> Dict[str, Any]:
    return {"queues": None}


def _execute_request(doc: Dict[str, Any], arguments: Dict[str, Any]) -> Dict[str, Any]:
    """A job request from ewoksserver's execute_arguments; engine options are its other keys."""
    known = ("engine", "inputs", "outputs", "merge_outputs", "varinfo", "execinfo", "task_options", "load_options")
    request = {key: arguments[key] for key in known if key in arguments}
    options = {key: value for key, value in arguments.items() if key not in known}
    options.update(request.pop("engine_options", None) or {})
    if options:
        request["engine_options"] = options
    request["graph"] = doc
    if request.get("inputs") is not None and not isinstance(request["inputs"], list):
        raise ApiError(422, "execute_arguments.inputs: a list of {name, value, id?} items", type="request",
                       field="execute_arguments.inputs")
    return request


def _merge(base: Dict[str, Any], override: Dict[str, Any]) -> Dict[str, Any]:
    """ewoksserver's merge: `override` wins, mappings merged recursively."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(merged.get(key), dict) and isinstance(value, dict):
            value = _merge(merged[key], value)
        merged[key] = value
    return merged


def _keywords(kw: Optional[List[str]]) -> Optional[Dict[str, Any]]:
    if not kw:
        return None
    keywords = {}
    for item in kw:
        name, _, value = item.partition(":")
        try:
            keywords[name] = json.loads(value)
        except ValueError:
            keywords[name] = value
    return keywords


def _time(value: Optional[str], field: str) -> Any:
    if value is None:
        return None
    try:
        return parse_time(value)
    except (TypeError, ValueError):
        raise ApiError(422, f"{field}: {value!r} is not an ISO 8601 time", field=field) from None
