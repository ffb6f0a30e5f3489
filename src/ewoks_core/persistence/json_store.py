"""The "json" scheme: one JSON file per node result under a root folder.

Layout::

    <root>/<workflow>/<node>.json          one result (written atomically; a file of that name
                                           that ewoks_core did not write is never replaced)
    <root>/.cache/<key[:2]>/<key>.json     cache index, one small file per key

Workflow and node ids are made file-safe (see uris.safe_name); the original
ids are stored in the file. Task URI: the file path; output URI:
``<file>::/outputs/<name>``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

from .atomic import atomic_shared_path
from .encoding import decode, encode
from .store import CREATOR, ResultRecord, ResultStore, StoredResult, check_own_file
from .uris import join_uri, json_pointer_token, split_uri

FORMAT = "ewoks_core.result"
FORMAT_VERSION = 1
INPUT_ARRAYS_SUMMARIZED_OVER = 64 * 1024  # bytes; larger input arrays are recorded as dtype+shape only


class JsonResultStore(ResultStore):
    """Results as JSON files in a folder."""

    scheme = "json"

    def _read(self, task_uri: str) -> ResultRecord:
        return read_json_result(task_uri)

    @property
    def index_dir(self) -> Path:
        return self.root / ".cache"

    def _task_uri(self, workflow: str, node: str) -> str:
        return str(self.root / workflow / f"{node}.json")

    def _write(self, workflow: str, node: str, outputs: Dict[str, Any], meta: Dict[str, Any],
               inputs: Optional[Mapping[Any, Any]]) -> Tuple[str, Dict[str, str], bool]:
        encoded, complete = encode(outputs)
        doc = {"creator": CREATOR, "format": FORMAT, "version": FORMAT_VERSION, **meta, "cacheable": complete,
               "outputs": encoded, "inputs": encode_inputs(inputs)}
        text = json.dumps(doc, allow_nan=False, ensure_ascii=False, indent=1)
        task_uri = self._task_uri(workflow, node)
        check_own_file(Path(task_uri))
        with atomic_shared_path(task_uri) as tmp:
            tmp.write_text(text, encoding="utf-8")
        return task_uri, output_uris(task_uri, outputs), complete


def encode_inputs(inputs: Optional[Mapping[Any, Any]]) -> Any:
    """A JSON record of the inputs (provenance only; large arrays summarized)."""
    if inputs is None:
        return None
    try:
        return encode(dict(inputs), summarize_arrays_over=INPUT_ARRAYS_SUMMARIZED_OVER)[0]
    except Exception as exc:  # provenance must never make a save fail
        return {"__repr__": f"<inputs not recordable: {exc}>"}


def output_uris(task_uri: str, outputs: Mapping[str, Any]) -> Dict[str, str]:
    """URIs of the outputs of a JSON result file."""
    return {name: join_uri(task_uri, "/outputs/" + json_pointer_token(name)) for name in outputs}


def read_json_result(task_uri: str) -> ResultRecord:
    """Read a JSON result file; raises ValueError/OSError when it is missing, truncated or not a result."""
    path, _ = split_uri(task_uri)
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"{path} is not an ewoks_core result file")
    outputs = decode(doc.get("outputs"))
    if not isinstance(outputs, dict):
        raise ValueError(f"{path}: 'outputs' is not a mapping")
    outputs = {str(name): value for name, value in outputs.items()}
    result = StoredResult(outputs=outputs, task_uri=path, output_uris=output_uris(path, outputs))
    meta = {k: doc.get(k) for k in ("workflow_id", "node_id", "task_identifier", "date")}
    return ResultRecord(result=result, cache_key=str(doc.get("cache_key") or ""),
                        cacheable=bool(doc.get("cacheable", True)), meta=meta)
