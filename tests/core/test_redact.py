"""Passwords in URLs are masked wherever ewoks_core prints them (issue 10, point 3)."""

from __future__ import annotations

import pytest

from ewoks_core.errors import EwoksError
from ewoks_core.events.emitter import EventEmitter
from ewoks_core.events.sinks.memory import MemorySink
from ewoks_core.redact import mask_secrets


@pytest.mark.parametrize("text, masked", [
    ("cannot submit job 1 to 'amqp://guest:S3cretPW@127.0.0.1:5672//'",
     "cannot submit job 1 to 'amqp://guest:***@127.0.0.1:5672//'"),
    ("redis://:S3cretPW@host:6379/0", "redis://:***@host:6379/0"),
    ("rediss://user:pa:ss@host/1 and amqp://u:p@h//", "rediss://user:***@host/1 and amqp://u:***@h//"),
    ("redis://host:6379/0?password=S3cretPW&db=1", "redis://host:6379/0?password=***&db=1"),
    ("redis://host:6379/0 mailed to someone@example.org", "redis://host:6379/0 mailed to someone@example.org"),
    ("tcp://127.0.0.1:8786", "tcp://127.0.0.1:8786"),
    ("no url at all", "no url at all"),
])
def test_mask_secrets(text, masked):
    assert mask_secrets(text) == masked


def test_errors_and_events_never_carry_the_password():
    error = EwoksError("cannot reach redis://:S3cretPW@db:6379/0", source="amqp://guest:S3cretPW@rabbit//",
                       hint="Check amqp://guest:S3cretPW@rabbit//.")
    assert "S3cretPW" not in str(error) and str(error).count("***") == 3
    sink = MemorySink()
    EventEmitter([sink]).emit("job", "end", error=RuntimeError("lost amqp://guest:S3cretPW@rabbit//"))
    event = sink.events[0]
    assert "S3cretPW" not in event.error_message + event.error_traceback
    assert "amqp://guest:***@rabbit//" in event.error_message


def test_sink_reprs_in_logs_are_masked():
    pytest.importorskip("redis")
    from ewoks_core.events.sinks.redis import RedisSink

    assert "S3cretPW" not in repr(RedisSink("redis://:S3cretPW@db:6379/0"))
