"""Events: one record for every engine, an emitter, sinks and readers."""

from .emitter import EventEmitter, emitter_from_config, emitter_from_execinfo, new_job_id
from .record import EVENT_FIELDS, Event

__all__ = ["Event", "EVENT_FIELDS", "EventEmitter", "emitter_from_execinfo", "emitter_from_config", "new_job_id"]
