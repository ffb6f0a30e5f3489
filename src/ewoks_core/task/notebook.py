"""Notebook tasks (task_type 'notebook'): run a Jupyter notebook with papermill, as ewoks does.

The node's `task_identifier` is the notebook file. Every named input that is not one of the
reserved `_`-inputs below is injected as a papermill parameter (a cell tagged "parameters" gives
the defaults). Outputs, as in ewoks: `results`, a dict collected from the cells tagged "results"
(a displayed dict, e.g. `IPython.display.JSON({...})`, is merged in; any other value is stored
under the cell's last line), and `output_notebook`, the path given as `_output_notebook` (None
when the executed notebook is not kept).

Reserved inputs: `_output_notebook` (where to save the executed notebook), `_kernel_name`
(default: the notebook's own kernel), `_execution_timeout` (seconds per cell).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any, Dict, Optional, Type

from ..errors import TaskImportError, TaskInputError, TaskNotFoundError, node_label
from .base import Task

NOTEBOOK_ARGUMENT = "_notebook"
OUTPUT_NOTEBOOK_ARGUMENT = "_output_notebook"
KERNEL_ARGUMENT = "_kernel_name"
TIMEOUT_ARGUMENT = "_execution_timeout"
RESERVED_INPUTS = (NOTEBOOK_ARGUMENT, OUTPUT_NOTEBOOK_ARGUMENT, KERNEL_ARGUMENT, TIMEOUT_ARGUMENT)
RESULTS_TAG = "results"
CREATOR = "ewoks_core notebook task"  # in the metadata of executed notebooks we write: ours to replace
EXTRA_HINT = "Install the notebook extra: pip install 'ewoks_core[notebook]'."


class NotebookCellError(RuntimeError):
    """A cell of a notebook task raised: names the cell and the original error."""


class NotebookTask(Task, optional_input_names=list(RESERVED_INPUTS), output_names=["output_notebook", "results"]):
    """Runs a Jupyter notebook with papermill; named inputs become its parameters."""

    _NOTEBOOK: Optional[str] = None  # set on the class made for a node; else the `_notebook` input

    @classmethod
    def accepts_undeclared_inputs(cls) -> bool:
        return True

    def run(self) -> None:
        notebook = type(self)._NOTEBOOK or self.get_input_value(NOTEBOOK_ARGUMENT, None)
        if not notebook:
            raise TaskInputError("no notebook to run", node_id=self.node_id, field=NOTEBOOK_ARGUMENT,
                                 hint="Give the notebook file as the node's task_identifier.")
        positional = sorted(k for k in self.get_input_values() if not isinstance(k, str))
        if positional:
            raise TaskInputError(f"notebook parameters have names; got positional inputs {positional}",
                                 node_id=self.node_id, hint="Use named inputs (data_mapping target_input: NAME).")
        parameters = {k: v for k, v in self.get_named_input_values().items() if k not in RESERVED_INPUTS}
        output = self.get_input_value(OUTPUT_NOTEBOOK_ARGUMENT, None)
        nb = execute_notebook(str(notebook), parameters, output_notebook=output,
                              kernel_name=self.get_input_value(KERNEL_ARGUMENT, None),
                              execution_timeout=self.get_input_value(TIMEOUT_ARGUMENT, None),
                              node=node_label(self.node_id) if self.node_id is not None else None)
        self.outputs.results = extract_results(nb)
        self.outputs.output_notebook = None if output is None else str(output)


def notebook_task_class(identifier: str, node_id: Any = None) -> Type[Task]:
    """A NotebookTask subclass for the notebook file `identifier` (checked now: papermill installed,
    file found relative to the working directory)."""
    if importlib.util.find_spec("papermill") is None:
        raise TaskImportError("notebook tasks run with papermill, which is not installed", node_id=node_id,
                              field="task_type", hint=EXTRA_HINT)
    path = Path(identifier).expanduser()
    looked = path if path.is_absolute() else Path.cwd() / path
    if not looked.is_file():
        raise TaskNotFoundError(f"notebook {identifier!r} not found (looked for {str(looked)!r})", node_id=node_id,
                                field="task_identifier",
                                hint="Relative paths are resolved from the working directory, as in ewoks: give "
                                     "an absolute path or run from the notebook's folder.")
    resolved = looked.resolve()
    stat = resolved.stat()
    return _class_for(str(resolved), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=256)
def _class_for(notebook: str, mtime_ns: int, size: int) -> Type[Task]:
    """One class per notebook file version and process; its cache_version is the notebook's content hash,
    so results persisted with varinfo are not reused after the notebook was edited."""
    digest = hashlib.sha256(Path(notebook).read_bytes()).hexdigest()[:16]
    return type(f"Notebook[{notebook}]", (NotebookTask,),
                {"_NOTEBOOK": notebook, "cache_version": digest, "__module__": __name__})


def execute_notebook(notebook: str, parameters: Dict[str, Any], output_notebook: Any = None,
                     kernel_name: Optional[str] = None, execution_timeout: Optional[float] = None,
                     node: Optional[str] = None) -> Any:
    """Run `notebook` with papermill and return the executed notebook (an nbformat node). With
    `output_notebook`, the executed notebook is also saved there, atomically, failed runs included;
    a file there is only replaced when an earlier run of a notebook task wrote it."""
    try:
        import papermill
    except ImportError as e:
        raise TaskImportError(f"notebook tasks need papermill ({e})", hint=EXTRA_HINT) from None
    options: Dict[str, Any] = dict(parameters=parameters, kernel_name=kernel_name, progress_bar=False,
                                   log_output=False, execution_timeout=execution_timeout)
    target = None if output_notebook is None else Path(output_notebook)
    if target is not None:
        check_replaceable_notebook(target, notebook)
        target.parent.mkdir(parents=True, exist_ok=True)
    tmp = None
    try:
        if target is not None:  # papermill saves as cells run: into a file of ours, renamed at the end
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp.ipynb", dir=target.parent)
            os.close(fd)
            tmp = Path(name)
        try:
            nb = papermill.execute_notebook(notebook, None if tmp is None else str(tmp), **options)
        except Exception as e:
            if tmp is not None and target is not None:
                try:  # the failed notebook shows the error, as in ewoks
                    _publish(tmp, target, notebook, node)
                except Exception as save_error:  # the run's own error is the one to report
                    warnings.warn(f"the failed notebook could not be saved to {str(target)!r}: {save_error}",
                                  UserWarning, stacklevel=2)
            _raise_clear(e, notebook)
            raise
        if tmp is not None and target is not None:
            _publish(tmp, target, notebook, node, nb)
        return nb
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink()


def _raise_clear(e: Exception, notebook: str) -> None:
    """Re-raise a failing cell and a missing kernel as one clear line (other errors: unchanged)."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(e, PapermillExecutionError):
        where = f"cell In [{e.exec_count}]" if e.exec_count else f"cell {e.cell_index}"
        raise NotebookCellError(f"notebook {notebook!r}, {where} raised {e.ename}: {e.evalue}") from None
    if type(e).__name__ == "NoSuchKernel":  # jupyter_client's, a KeyError
        raise RuntimeError(f"no Jupyter kernel named {e.args[0]!r} (notebook {notebook!r}): install ipykernel "
                           f"in this environment, or give the kernel with the input {KERNEL_ARGUMENT!r}") from None


def check_replaceable_notebook(target: Path, notebook: str) -> None:
    """Refuse to write the executed notebook over a file a notebook task did not write."""
    if not os.path.lexists(target):
        return
    what = f"input {OUTPUT_NOTEBOOK_ARGUMENT!r}: {str(target)!r}"
    if target.is_dir():
        raise TaskInputError(f"{what} is a folder", hint="Give a file name, e.g. executed.ipynb.")
    if os.path.exists(notebook) and os.path.samefile(target, notebook):
        raise TaskInputError(f"{what} is the notebook being run", hint="Save the executed notebook elsewhere.")
    if not _written_by_us(target):
        raise TaskInputError(f"{what} exists and was not written by a notebook task",
                             hint="Choose another file name, or move that file away first.")


def _written_by_us(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        return doc["metadata"]["ewoks_core"]["creator"] == CREATOR
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _publish(tmp: Path, target: Path, notebook: str, node: Optional[str], nb: Any = None) -> None:
    """Mark the executed notebook as ours, then rename it over `target` (nothing when papermill wrote none)."""
    import nbformat

    from ..persistence.atomic import default_file_mode

    if nb is None:
        if tmp.stat().st_size == 0:
            return
        nb = nbformat.read(str(tmp), as_version=4)
    nb.metadata["ewoks_core"] = {"creator": CREATOR, "notebook": os.path.abspath(notebook), "node": node}
    if isinstance(nb.metadata.get("papermill"), dict):
        nb.metadata["papermill"]["output_path"] = str(target)
    nbformat.write(nb, str(tmp))
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.chmod(tmp, default_file_mode())
    os.replace(tmp, target)


def extract_results(nb: Any) -> Dict[str, Any]:
    """The `results` output: what the cells tagged "results" display (ewoks' rules): JSON data
    (application/json) or the text form decoded as JSON when it parses; a dict is merged in, any
    other value is stored under the last line of the cell's source."""
    results: Dict[str, Any] = {}
    for cell in nb.cells:
        if RESULTS_TAG not in cell.get("metadata", {}).get("tags", ()):
            continue
        for output in cell.get("outputs", ()):
            if output.get("output_type") == "execute_result":
                results.update(_decode(cell, output.get("data", {})))
    return results


def _decode(cell: Any, data: dict) -> Dict[str, Any]:
    value = data.get("application/json")
    if value:
        return dict(value) if isinstance(value, dict) else {_last_line(cell): value}
    text = data.get("text/plain")
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        value = text
    return value if isinstance(value, dict) else {_last_line(cell): value}


def _last_line(cell: Any) -> str:
    source = cell.get("source", "")
    lines = (source if isinstance(source, str) else "".join(source)).splitlines()
    return lines[-1] if lines else ""
