"""The job API beyond ewoksserver: submit any workflow, list, inspect, cancel, re-run, follow live.

Streams are server-sent events. A job stream sends the job's events (SSE id = the event store's
id: a browser that reconnects sends Last-Event-ID and continues with no gap), `state` messages
when the job's state changes, and `end` once the job is over and all its events were sent.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any, AsyncIterator, Dict, List, Optional

from fastapi import APIRouter, Body, Depends, Header, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, StreamingResponse

from ewoks_core.events.readers import parse_time

from ..deps import Server, ServerDep, write_access
from ..errors import ApiError
from ..feed import ALL_JOBS
from ..jobs.index import FINAL_STATES, STATES
from ..models import JobId, JobRequest, RerunRequest
from ..views import describe, file_links, job_file, node_values

router = APIRouter(tags=["jobs"])
KEEPALIVE = 15.0  # seconds between comments on an idle stream (proxies close silent connections)
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@router.post("/jobs", response_model=JobId, summary="Run a workflow given in the body (execute_graph's arguments)",
             dependencies=[Depends(write_access)])
def submit(s: ServerDep, request: JobRequest) -> Dict[str, Any]:
    job_id, warnings = s.jobs.submit(request.arguments())
    return {"job_id": job_id, "warnings": warnings}


@router.get("/jobs", summary="Jobs, newest first (filters: state, workflow, submission date)")
def list_jobs(s: ServerDep, state: Annotated[Optional[List[str]], Query()] = None, workflow: Optional[str] = None,
              since: Optional[str] = None, until: Optional[str] = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 50,
              offset: Annotated[int, Query(ge=0)] = 0) -> Dict[str, Any]:
    states = [part for value in state or () for part in value.split(",") if part]
    for value in states:
        if value not in STATES:
            raise ApiError(422, f"state: unknown state {value!r} (one of {', '.join(STATES)})", field="state")
    jobs, total = s.jobs.index.search(states=states, workflow_id=workflow, since=_timestamp(since, "since"),
                                      until=_timestamp(until, "until"), limit=limit, offset=offset)
    return {"jobs": jobs, "total": total, "limit": limit, "offset": offset, "counts": s.jobs.index.counts()}


@router.get("/jobs/stream", summary="Live job state changes of every job (server-sent events 'job')")
async def jobs_stream(s: ServerDep) -> StreamingResponse:
    return StreamingResponse(_jobs_stream(s), media_type="text/event-stream", headers=SSE_HEADERS)


@router.get("/jobs/workflows", summary="Workflow ids that have jobs")
def job_workflows(s: ServerDep) -> Dict[str, List[str]]:
    return {"workflows": s.jobs.index.workflow_ids()}


@router.get("/jobs/{job_id}", summary="A job: state, results (as `ewoks execute --json`), error")
def get_job(s: ServerDep, job_id: str) -> Dict[str, Any]:
    job = s.jobs.get(job_id)
    job["files"] = file_links(job.get("results"), s.config.jobs_dir)
    return job


@router.post("/jobs/{job_id}/cancel", summary="Cancel a queued or running job", dependencies=[Depends(write_access)])
def cancel(s: ServerDep, job_id: str) -> Dict[str, Any]:
    return s.jobs.cancel(job_id)


@router.post("/jobs/{job_id}/rerun", response_model=JobId, dependencies=[Depends(write_access)],
             summary="Run a finished job again: mode 'all', or 'failed' (from its failed node, using the result cache)")
def rerun(s: ServerDep, job_id: str,
          options: Annotated[Optional[RerunRequest], Body()] = None) -> Dict[str, Any]:
    new_id, warnings = s.jobs.rerun(job_id, options.mode if options else "all")
    return {"job_id": new_id, "warnings": warnings}


@router.get("/jobs/{job_id}/events", summary="The job's events with id > after (ids of the event store)")
def job_events(s: ServerDep, job_id: str, after: Annotated[int, Query(ge=0)] = 0,
               limit: Annotated[int, Query(ge=1, le=100000)] = 10000) -> Dict[str, Any]:
    s.jobs.get_row(job_id)
    rows = s.feed.read(job_id, after, limit + 1)
    more = len(rows) > limit
    events = [{**event, "id": rowid} for rowid, event in rows[:limit]]
    return {"events": events, "last_id": events[-1]["id"] if events else after, "more": more}


@router.get("/jobs/{job_id}/stream", summary="The job's events live (server-sent events; resumes after Last-Event-ID)")
async def job_stream(s: ServerDep, job_id: str, after: Annotated[int, Query(ge=0)] = 0,
                     last_event_id: Annotated[Optional[str], Header()] = None) -> StreamingResponse:
    await run_in_threadpool(s.jobs.get_row, job_id)
    cursor = after
    if last_event_id and last_event_id.strip().isdigit():
        cursor = max(cursor, int(last_event_id))
    return StreamingResponse(_job_stream(s, job_id, cursor), media_type="text/event-stream", headers=SSE_HEADERS)


@router.get("/jobs/{job_id}/graph", summary="The job's flattened workflow: nodes (with sub-workflow groups) and links")
def job_graph(s: ServerDep, job_id: str) -> Dict[str, Any]:
    return s.jobs.graph(job_id)


@router.get("/jobs/{job_id}/nodes/{node_id:path}", summary="A node of a job: events, inputs, outputs, files")
def job_node(s: ServerDep, job_id: str, node_id: str) -> Dict[str, Any]:
    s.jobs.get_row(job_id)
    job_dir = s.jobs.job_dir(job_id)
    events = [{**event, "id": rowid} for rowid, event in s.feed.read(job_id, filters={"node_id": [node_id]})]
    ends = [e for e in events if e.get("type") == "end"]
    last = ends[-1] if ends else None
    values = node_values(last["task_uri"], job_dir) if last and last.get("task_uri") else {}
    return {"job_id": job_id, "node_id": node_id, "state": _node_state(events), "runs": len(ends),
            "task_id": events[0].get("task_id") if events else None,
            "task_uri": last.get("task_uri") if last else None,
            "inputs": describe(values.get("inputs")), "outputs": describe(values.get("outputs")),
            "files": file_links([values.get("outputs"), values.get("inputs")], s.config.jobs_dir),
            "events": events}


@router.get("/jobs/{job_id}/files/{path:path}", summary="A file the job wrote in its folder")
def job_files(s: ServerDep, job_id: str, path: str) -> FileResponse:
    s.jobs.get_row(job_id)
    found = job_file(s.jobs.job_dir(job_id), path)
    if found is None:
        raise ApiError(404, f"job {job_id} has no file {path!r}", field="path", type="job", identifier=job_id)
    # a file a task wrote is data, never a page of this site: no scripts, no sniffing
    return FileResponse(found, headers={"Content-Security-Policy": "sandbox", "X-Content-Type-Options": "nosniff"})


def _node_state(events: List[Dict[str, Any]]) -> str:
    if not events:
        return "pending"
    last = events[-1]
    if last.get("type") != "end":
        return "running"
    return "failed" if last.get("error") else "done"


def _timestamp(value: Optional[str], field: str) -> Optional[float]:
    if not value:
        return None
    try:
        return parse_time(value).timestamp()
    except (TypeError, ValueError):
        raise ApiError(422, f"{field}: {value!r} is not an ISO 8601 date or time", field=field) from None


def _sse(data: Any, event: Optional[str] = None, id: Optional[int] = None) -> str:
    lines = []
    if id is not None:
        lines.append(f"id: {id}")
    if event is not None:
        lines.append(f"event: {event}")
    lines.append("data: " + json.dumps(data, default=str))
    return "\n".join(lines) + "\n\n"


async def _job_stream(s: Server, job_id: str, cursor: int) -> AsyncIterator[str]:
    sub = s.feed.subscribe(job_id)  # before reading the store: nothing written meanwhile is missed
    last = cursor
    try:
        yield "retry: 1000\n\n"
        for rowid, event in await run_in_threadpool(s.feed.read, job_id, last):
            yield _sse({**event, "id": rowid}, id=rowid)
            last = rowid
        job = await run_in_threadpool(s.jobs.index.get, job_id)
        while True:
            if job is not None:
                yield _sse(job, event="state")
                if job["state"] in FINAL_STATES:  # its events are all stored before its final state
                    for rowid, event in await run_in_threadpool(s.feed.read, job_id, last):
                        yield _sse({**event, "id": rowid}, id=rowid)
                        last = rowid
                    yield _sse({"job_id": job_id, "state": job["state"]}, event="end")
                    return
                job = None
            try:
                message = await asyncio.wait_for(sub.queue.get(), KEEPALIVE)
            except asyncio.TimeoutError:
                yield ": keepalive\n\n"
                continue
            if message[0] == "event":
                if message[1] > last:
                    last = message[1]
                    yield _sse({**message[2], "id": last}, id=last)
            elif message[0] == "state":
                job = message[1]
    finally:
        s.feed.unsubscribe(sub)


async def _jobs_stream(s: Server) -> AsyncIterator[str]:
    sub = s.feed.subscribe(ALL_JOBS)
    try:
        yield "retry: 1000\n\n"
        while True:
            try:
                message = await asyncio.wait_for(sub.queue.get(), KEEPALIVE)
            except asyncio.TimeoutError:
                yield ": keepalive\n\n"
                continue
            if message[0] == "state":
                yield _sse(message[1], event="job")
    finally:
        s.feed.unsubscribe(sub)
