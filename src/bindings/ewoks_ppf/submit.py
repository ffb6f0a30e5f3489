"""submit(): run a workflow on the ppf engine in a background thread; the handle can cancel it."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any, Dict, Optional, Sequence

from ewoks_core.engines.lifecycle import prepare_job, run_job
from ewoks_core.graph import compile_graph, load_graph
from ewoks_core.request import ExecuteRequest

from .engine import PpfEngine


class PpfJob:
    """Handle of a submitted job: `job_id`, `cancel()`, `done()`, `result(timeout)`, `exception(timeout)`."""

    def __init__(self, job_id: str, cancel_event: threading.Event) -> None:
        self.job_id = job_id
        self._cancel_event = cancel_event
        self._future: Future = Future()
        self._future.set_running_or_notify_cancel()
        self._thread: Optional[threading.Thread] = None

    def cancel(self) -> bool:
        """Stop the job (nothing new starts, running tasks see self.cancelled); False if already finished."""
        if self._future.done():
            return False
        self._cancel_event.set()
        return True

    def cancelled(self) -> bool:
        return self._cancel_event.is_set()

    def done(self) -> bool:
        return self._future.done()

    def result(self, timeout: Optional[float] = None) -> Dict[Any, Any]:
        """The job's results; raises its error (WorkflowCancelled after cancel()) or TimeoutError."""
        return self._future.result(timeout)

    def exception(self, timeout: Optional[float] = None) -> Optional[BaseException]:
        return self._future.exception(timeout)

    def join(self, timeout: Optional[float] = None) -> bool:
        """Wait for the job thread to end; True when it did."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def __repr__(self) -> str:
        state = "done" if self.done() else "running"
        return f"PpfJob({self.job_id!r}, {state})"


def submit(graph: Any, *, inputs: Optional[Sequence[dict]] = None, outputs: Optional[Sequence[dict]] = None,
           merge_outputs: bool = True, varinfo: Optional[dict] = None, execinfo: Optional[dict] = None,
           task_options: Optional[dict] = None, load_options: Optional[dict] = None,
           **engine_options: Any) -> PpfJob:
    """Like execute_graph(..., engine="ppf") but returns at once with a PpfJob.

    The graph, inputs and options are checked here (errors raise now); the job runs in a
    thread. SIGTERM is not handled for submitted jobs (signals reach the main thread only):
    call cancel() from your own handler.
    """
    request = ExecuteRequest.parse(engine="ppf", inputs=inputs, outputs=outputs, merge_outputs=merge_outputs,
                                   varinfo=varinfo, execinfo=execinfo, task_options=task_options,
                                   load_options=load_options, engine_options=engine_options)
    engine = PpfEngine()
    compiled = compile_graph(load_graph(graph, **request.load_options.kwargs()), inputs=request.input_list())
    cancel_event = threading.Event()
    job, options, selection = prepare_job(engine, compiled, outputs=request.output_list(),
                                          varinfo=request.varinfo_dict(), execinfo=request.execinfo_dict(),
                                          engine_options=request.engine_options_dict(), cancel_event=cancel_event)
    handle = PpfJob(job.ctx.job_id, cancel_event)

    def target() -> None:
        try:
            handle._future.set_result(run_job(engine, job, options, selection, merge_outputs=request.merge_outputs))
        except BaseException as exc:
            handle._future.set_exception(exc)

    handle._thread = threading.Thread(target=target, name=f"ewoks-ppf-{handle.job_id}")
    handle._thread.start()
    return handle
