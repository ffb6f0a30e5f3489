"""Reading events back: filters, job lists, following a live job, tables."""

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from ewoks_core.errors import EwoksError
from ewoks_core.events.readers import follow_events, list_jobs, read_events
from ewoks_core.events.record import Event
from ewoks_core.events.sinks.jsonl import JsonLinesSink
from ewoks_core.events.sinks.memory import MemorySink
from ewoks_core.events.sinks.sqlite import SqliteSink
from ewoks_core.events.table import format_events_table, format_jobs_table

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)


def _at(seconds: float) -> str:
    """ISO time `seconds` after T0, written in the +02:00 zone (readers must compare instants)."""
    return (T0 + timedelta(seconds=seconds)).astimezone(timezone(timedelta(hours=2))).isoformat()


def _job(job_id, t0, fail=False):
    events = [Event(context="job", type="start", job_id=job_id, workflow_id="wf", time=_at(t0))]
    for i, node in enumerate(["a", "b"]):
        events.append(Event(context="node", type="start", job_id=job_id, node_id=node, time=_at(t0 + 1 + 2 * i)))
        failed = fail and node == "b"
        events.append(Event(context="node", type="end", job_id=job_id, node_id=node, time=_at(t0 + 2 + 2 * i),
                            error=failed, error_message="ValueError: boom" if failed else None))
    events.append(Event(context="job", type="end", job_id=job_id, workflow_id="wf", time=_at(t0 + 5), error=fail))
    return events


def _make_sink(kind, tmp_path, request):
    if kind == "jsonl":
        return JsonLinesSink(str(tmp_path / "e.jsonl"))
    if kind == "sqlite":
        return SqliteSink(str(tmp_path / "e.db"))
    if kind == "memory":
        return MemorySink()
    from ewoks_core.events.sinks.redis import RedisSink

    return RedisSink(request.getfixturevalue("redis_url"))


@pytest.fixture(params=["jsonl", "sqlite", "redis", "memory"])
def source(request, tmp_path):
    """A sink holding a successful job 'j1' (t=0..5 s) and a failed job 'j2' (t=10..15 s)."""
    sink = _make_sink(request.param, tmp_path, request)
    for event in _job("j1", 0) + _job("j2", 10, fail=True):
        sink.emit(event)
    sink.flush()
    yield sink
    sink.close()


def _keys(events):
    return [(e.job_id, e.context, e.node_id, e.type) for e in events]


def test_read_all_in_order(source):
    assert _keys(read_events(source)) == _keys(_job("j1", 0) + _job("j2", 10, fail=True))


def test_filters(source):
    assert {e.job_id for e in read_events(source, job_id="j2")} == {"j2"}
    assert _keys(read_events(source, job_id="j1", node_id="b")) == [("j1", "node", "b", "start"),
                                                                    ("j1", "node", "b", "end")]
    assert len(list(read_events(source, type="end"))) == 6
    assert len(list(read_events(source, context="job"))) == 4
    assert len(list(read_events(source, context=["job", "node"], type=("start",)))) == 6
    failed = [e for e in read_events(source, job_id="j2", type="end") if e.error]
    assert [(e.context, e.node_id) for e in failed] == [("node", "b"), ("job", None)]


def test_time_filters(source):
    since = (T0 + timedelta(seconds=2)).isoformat()  # in UTC, events are written in +02:00
    until = T0 + timedelta(seconds=11)
    assert [e.time for e in read_events(source, since=since, until=until)] == [_at(t) for t in (2, 3, 4, 5, 10)]
    assert len(list(read_events(source, since="2024-05-01T12:00:12Z"))) == 4
    naive_local = (T0 + timedelta(seconds=15)).astimezone().replace(tzinfo=None)
    assert [e.type for e in read_events(source, since=naive_local)] == ["end"]


def test_list_jobs(source):
    jobs = list_jobs(source)
    assert [(j["job_id"], j["status"], j["workflow_id"]) for j in jobs] == [("j1", "success", "wf"),
                                                                            ("j2", "failed", "wf")]
    assert (jobs[0]["start_time"], jobs[0]["end_time"]) == (_at(0), _at(5))
    assert jobs[1]["n_events"] == 6


def test_running_job(tmp_path):
    sink = SqliteSink(str(tmp_path / "e.db"))
    for event in _job("j3", 0)[:3]:
        sink.emit(event)
    sink.close()
    (job,) = list_jobs(str(tmp_path / "e.db"))
    assert (job["status"], job["end_time"], job["start_time"]) == ("running", None, _at(0))


def _write_slowly(sink, events, delay=0.05):
    for event in events:
        time.sleep(delay)
        sink.emit(event)
        sink.flush()


@pytest.mark.parametrize("kind", ["jsonl", "sqlite", "redis", "memory"])
def test_follow_sees_events_of_another_thread_and_stops_at_job_end(kind, tmp_path, request):
    sink = _make_sink(kind, tmp_path, request)
    sink.emit(Event(context="job", type="start", job_id="other"))  # another job: not followed
    events = _job("live", 0)
    writer = threading.Thread(target=_write_slowly, args=(sink, events + _job("after", 20)))
    writer.start()
    try:
        source = sink if kind == "memory" else (getattr(sink, "path", None) or getattr(sink, "uri", None) or sink.url)
        followed = list(follow_events(source, job_id="live", poll_interval=0.02, timeout=60))
    finally:
        writer.join()
        sink.close()
    assert _keys(followed) == _keys(events)


def test_follow_waits_for_the_file_and_stops_at_timeout(tmp_path):
    path = str(tmp_path / "later" / "e.jsonl")
    sink = JsonLinesSink(path)
    timer = threading.Timer(0.2, lambda: (sink.emit(Event(context="job", type="start", job_id="j")), sink.flush()))
    timer.start()
    followed = list(follow_events(path, job_id="j", poll_interval=0.05, timeout=1.0))
    timer.join()
    sink.close()
    assert _keys(followed) == [("j", "job", None, "start")]  # no end event: stopped by the timeout


def test_redis_follow_wakes_up_on_publish(redis_url):
    from ewoks_core.events.sinks.redis import RedisSink

    sink = RedisSink(redis_url)
    events = _job("pub", 0)
    writer = threading.Timer(0.3, _write_slowly, args=(sink, events, 0.0))
    writer.start()
    start = time.monotonic()
    followed = list(follow_events(redis_url, job_id="pub", poll_interval=30, timeout=60))
    elapsed = time.monotonic() - start
    writer.join()
    sink.close()
    assert _keys(followed) == _keys(events)
    assert elapsed < 20  # woken by pub/sub, not by the 30 s poll interval


def test_missing_and_unknown_sources(tmp_path):
    with pytest.raises(EwoksError, match="not found") as info:
        list(read_events(str(tmp_path / "missing.jsonl")))
    assert "missing.jsonl" in str(info.value)
    with pytest.raises(EwoksError, match="missing.db"):
        list_jobs(str(tmp_path / "missing.db"))
    with pytest.raises(EwoksError, match="missing.db"):
        list(read_events(f"file:{tmp_path / 'missing.db'}"))
    odd = tmp_path / "events.bin"
    odd.write_bytes(b"\x00\x01binary")
    with pytest.raises(EwoksError, match="events.bin.*unknown event file format"):
        list(read_events(str(odd)))
    with pytest.raises(EwoksError, match="since"):
        list(read_events(str(odd), since="yesterday"))


def test_format_sniffed_without_extension(tmp_path):
    for name, sink_cls in (("events_db", SqliteSink), ("events_log", JsonLinesSink)):
        sink = sink_cls(str(tmp_path / name))
        sink.emit(Event(context="job", type="start", job_id="x"))
        sink.close()
        assert [e.job_id for e in read_events(str(tmp_path / name))] == ["x"]


def test_jsonl_reader_skips_partial_and_corrupt_lines(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_text('{"context": "job", "type": "start", "job_id": "a"}\nnot json\n{"context": "job", "ty')
    assert _keys(read_events(str(path))) == [("a", "job", None, "start")]


def test_events_table(source):
    text = format_events_table(read_events(source, job_id="j2"))
    lines = text.splitlines()
    assert lines[0].split() == ["TIME", "JOB", "CONTEXT", "NODE", "TYPE", "PROGRESS", "ERROR"]
    assert len(lines) == 2 + 6 and "ValueError: boom" in text
    assert "2024-05-01 14:00:10.000" in text  # the time as written, millisecond precision
    progress = Event(context="node", type="progress", job_id="x" * 40, node_id="n" * 80, progress=12.34)
    row = format_events_table([progress]).splitlines()[2]
    assert "12%" in row and "x" * 40 not in row and "..." in row
    assert format_events_table([]) == "No events."
    assert format_events_table([progress], columns=["task_id", "host_name"]).splitlines()[0].split() == [
        "TASK_ID", "HOST_NAME"]
    with pytest.raises(EwoksError, match="Did you mean 'node'"):
        format_events_table([progress], columns=["nod"])


def test_jobs_table(source):
    text = format_jobs_table(list_jobs(source))
    lines = text.splitlines()
    assert lines[0].split() == ["JOB", "WORKFLOW", "STATUS", "START", "END", "DURATION", "EVENTS"]
    assert "success" in lines[2] and "failed" in lines[3] and "5.000s" in lines[2]
    assert format_jobs_table([]) == "No jobs."


def test_errors_are_raised_at_the_call_not_at_iteration(tmp_path):
    with pytest.raises(EwoksError, match="not found"):
        read_events(str(tmp_path / "missing.jsonl"))
    with pytest.raises(EwoksError, match="unknown event file format"):
        follow_events(str(tmp_path / "missing.xyz"), job_id="j")


def test_follow_sleeps_between_polls(tmp_path, monkeypatch):
    from ewoks_core.events.sinks.jsonl import JsonLinesReader

    calls = []
    original = JsonLinesReader.new_events
    monkeypatch.setattr(JsonLinesReader, "new_events", lambda self, *a: calls.append(1) or original(self, *a))
    assert list(follow_events(str(tmp_path / "e.jsonl"), job_id="j", poll_interval=0.1, timeout=0.5)) == []
    assert 2 <= len(calls) <= 10  # about timeout / poll_interval reads, not a busy loop


def test_handler_config_as_source(tmp_path):
    handler = {"class": "sqlite", "arguments": [{"name": "uri", "value": str(tmp_path / "e.db")}]}
    sink = SqliteSink(str(tmp_path / "e.db"))
    for event in _job("cfg", 0):
        sink.emit(event)
    sink.close()
    assert [j["job_id"] for j in list_jobs(handler)] == ["cfg"]
    assert len(list(read_events(handler, node_id="a"))) == 2


def test_event_lines_have_fixed_widths():
    from ewoks_core.events.table import format_event_line

    short = Event(context="job", type="start", job_id="j", time=_at(0))
    long = Event(context="node", type="progress", job_id="j" * 30, node_id="n" * 50, time=_at(1), progress=5)
    header = format_event_line(None, header=True)
    lines = [format_event_line(short), format_event_line(long)]
    assert header.split() == ["TIME", "JOB", "CONTEXT", "NODE", "TYPE", "PROGRESS", "ERROR"]
    assert header.index("TYPE") == lines[0].index("start") == lines[1].index("progress")


def test_follow_every_job_of_a_file(tmp_path):
    path = str(tmp_path / "e.jsonl")
    sink = JsonLinesSink(path)
    for job in ("j1", "j2"):
        sink.emit(Event(context="job", type="start", job_id=job))
        sink.emit(Event(context="job", type="end", job_id=job, error=False))
    sink.flush()
    followed = list(follow_events(path, poll_interval=0.05, timeout=0.5))  # no job: past the job ends
    sink.close()
    assert _keys(followed) == [("j1", "job", None, "start"), ("j1", "job", None, "end"),
                               ("j2", "job", None, "start"), ("j2", "job", None, "end")]
