"""Data-parallel integration: integrate a frame range per task, then concatenate the chunks."""

from __future__ import annotations

from typing import Any, Dict, List

from ewoks_core.task import Task

from ._options import RESULT_1D, RESULT_2D, task_inputs
from .scan import SCAN_DOCS, _ScanTask

_CHUNK = (["frames_url", "poni"], ["monitor_url", "start", "stop", "chunk_index", "nchunks"])
_DOCS = {**SCAN_DOCS, "chunk_index": "0-based index of this chunk (with nchunks, instead of start/stop)",
         "nchunks": "number of chunks the scan is split into"}


class IntegrateChunk1D(_ScanTask, input_model=task_inputs("IntegrateChunk1DInputs", 1, *_CHUNK, docs=_DOCS),
                       output_names=RESULT_1D):
    """1D integration of one chunk of a scan: frames [start, stop), or chunk chunk_index of nchunks.

    Give chunk_index (0-based) and nchunks when the number of frames is not known when the workflow is
    written: chunk k integrates frames [k*n//nchunks, (k+1)*n//nchunks). Same inputs and outputs as
    IntegrateScan1D; join the chunks with ConcatenateChunks. Chunks in one process share the integrator.
    """

    _CHUNKED = True


class IntegrateChunk2D(_ScanTask, input_model=task_inputs("IntegrateChunk2DInputs", 2, *_CHUNK, docs=_DOCS),
                       output_names=RESULT_2D):
    """2D (cake) integration of one chunk of a scan (see IntegrateChunk1D and IntegrateScan2D)."""

    _DIM = 2
    _CHUNKED = True


class ConcatenateChunks(Task, optional_input_names=["chunks"], output_names=RESULT_2D):
    """Join chunk results (IntegrateChunk1D/2D outputs) into one result, ordered by frame.

    Inputs: the chunks' whole output dicts as positional inputs 0, 1, 2, ... (links with
    data_mapping [{"source_output": null, "target_input": k}]) and/or a list `chunks`. The chunks must
    come from the same scan and integration (same radial axis) and cover a contiguous frame range.
    Outputs: those of IntegrateScan1D (azimuthal/azimuthal_unit too for cakes).
    """

    def run(self) -> None:
        from .._chunks import concatenate

        chunks: List[Dict[str, Any]] = list(self.get_positional_input_values())
        if not self.missing_inputs.chunks:
            chunks.extend(self.inputs.chunks)
        result = concatenate(chunks)
        for name in self.output_names():
            setattr(self.outputs, name, result.get(name))
