"""Resolve a node's task (task_type + task_identifier) to a Task class, and list tasks of a module."""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple, Type

from ..errors import TaskImportError, TaskNotFoundError, did_you_mean
from .base import Task
from .wrappers import MethodTask, PpfMethodTask, PpfPortTask, method_task_class, script_task_class

_CACHE: Dict[Tuple[str, str], Type[Task]] = {}


def _split(identifier: str, node_id: Any) -> Tuple[str, str]:
    module, _, name = identifier.rpartition(".")
    if not module:
        raise TaskNotFoundError(f"task identifier {identifier!r} is not of the form 'module.Name'", node_id=node_id,
                                field="task_identifier")
    return module, name


def import_module(module_name: str, node_id: Any = None, identifier: str = "") -> Any:
    """Import a module; a missing module and a module that fails to import get different, clear errors."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and (module_name == e.name or module_name.startswith(e.name + ".")):
            top = module_name.split(".")[0]
            hint = did_you_mean(top, [m for m in sys.modules if "." not in m and not m.startswith("_")])
            raise TaskNotFoundError(f"unknown task {identifier or module_name!r}: no module named {e.name!r}.{hint}",
                                    node_id=node_id, field="task_identifier",
                                    hint="Install the package that provides it or fix the identifier.") from None
        raise TaskImportError(f"importing {module_name!r} for task {identifier!r} failed: {type(e).__name__}: {e}",
                              node_id=node_id, field="task_identifier") from e
    except Exception as e:
        raise TaskImportError(f"importing {module_name!r} for task {identifier!r} failed: {type(e).__name__}: {e}",
                              node_id=node_id, field="task_identifier") from e


def _attribute(module: Any, name: str, identifier: str, node_id: Any, want: str) -> Any:
    try:
        return getattr(module, name)
    except AttributeError:
        names = [n for n, v in vars(module).items() if not n.startswith("_") and
                 (inspect.isclass(v) and issubclass(v, Task) if want == "class" else callable(v))]
        raise TaskNotFoundError(f"unknown task {identifier!r}: module {module.__name__!r} has no {name!r}."
                                f"{did_you_mean(name, names)}", node_id=node_id, field="task_identifier",
                                hint=_main_module_hint(module)) from None


def _main_module_hint(module: Any) -> Optional[str]:
    """In a worker process, tasks defined interactively (python -c, a notebook) are not there."""
    import multiprocessing

    if module.__name__ not in ("__main__", "__mp_main__") or multiprocessing.parent_process() is None:
        return None
    return ("This worker process re-imported the main script, which does not define it (python -c, "
            "a notebook or a class made at run time): put the task in an importable module, "
            "or run it in threads (ppf pool_type='thread', dask scheduler='threads')")


def resolve_task_class(task_type: str, identifier: Optional[str], node_id: Any = None,
                       node_attrs: Optional[Mapping[str, Any]] = None) -> Type[Task]:
    """The Task class for a node (cached per process; `node_attrs`: the node's document attributes, given
    to a task generator)."""
    key = (task_type, identifier or "")
    cls = _CACHE.get(key)
    if cls is not None:
        return cls
    cls = _resolve(task_type, identifier, node_id, node_attrs or {})
    if task_type not in ("generated", "notebook"):  # a notebook path is relative to the working directory
        _CACHE[key] = cls
    return cls


def _required(identifier: Optional[str], node_id: Any, field: str = "task_identifier") -> str:
    """The identifier, or a clear error when the node has none (graphs loaded from a file always have one)."""
    if not identifier:
        raise TaskNotFoundError(f"missing {field!r} (the import path or file of the task)", node_id=node_id,
                                field=field)
    return identifier


def _resolve(task_type: str, identifier: Optional[str], node_id: Any, node_attrs: Mapping[str, Any]) -> Type[Task]:
    if task_type == "class":
        identifier = _required(identifier, node_id)
        module, name = _split(identifier, node_id)
        cls = _attribute(import_module(module, node_id, identifier), name, identifier, node_id, "class")
        if not (inspect.isclass(cls) and issubclass(cls, Task)):
            raise TaskNotFoundError(f"{identifier!r} is not a Task subclass", node_id=node_id, field="task_identifier",
                                    hint="Use task_type 'method' for plain functions.")
        return cls
    if task_type in ("method", "ppfmethod"):
        identifier = _required(identifier, node_id)
        module, name = _split(identifier, node_id)
        func = _attribute(import_module(module, node_id, identifier), name, identifier, node_id, "callable")
        if not callable(func):
            raise TaskNotFoundError(f"{identifier!r} is not callable", node_id=node_id, field="task_identifier")
        return method_task_class(func, identifier, MethodTask if task_type == "method" else PpfMethodTask)
    if task_type == "ppfport":
        if identifier:
            module, name = _split(identifier, node_id)
            func = _attribute(import_module(module, node_id, identifier), name, identifier, node_id, "callable")
            return method_task_class(func, identifier, PpfMethodTask)
        return PpfPortTask
    if task_type == "script":
        path = Path(_required(identifier, node_id))
        if not path.is_file():
            raise TaskNotFoundError(f"script {identifier!r} not found", node_id=node_id, field="task_identifier",
                                    hint=f"Paths are relative to the working directory ({os.getcwd()}).")
        return script_task_class(str(path.resolve()))
    if task_type == "generated":
        generator = _required(node_attrs.get("task_generator") or identifier, node_id, "task_generator")
        module, name = _split(generator, node_id)
        func = _attribute(import_module(module, node_id, generator), name, generator, node_id, "callable")
        cls = func(identifier, dict(node_attrs))  # ewoks gives generators a dict of their own
        if not (inspect.isclass(cls) and issubclass(cls, Task)):
            raise TaskNotFoundError(f"task generator {generator!r} did not return a Task class", node_id=node_id,
                                    field="task_generator")
        return cls
    if task_type == "notebook":
        from .notebook import notebook_task_class

        return notebook_task_class(_required(identifier, node_id), node_id)
    raise TaskNotFoundError(f"unknown task_type {task_type!r}", node_id=node_id, field="task_type",
                            hint="Use one of class, method, script, graph, ppfmethod, ppfport, notebook, generated.")


def describe_task(cls: Type[Task]) -> dict:
    """A JSON-friendly description of a Task class."""
    doc = inspect.cleandoc(cls.__dict__.get("__doc__") or "")  # its own docstring, not Task's
    out: Dict[str, Any] = {
        "task_identifier": cls.class_registry_name(),
        "task_type": "class",
        "required_input_names": sorted(cls.required_input_names()),
        "optional_input_names": sorted(cls.optional_input_names()),
        "output_names": sorted(cls.output_names()),
        "description": doc.splitlines()[0] if doc else "",
    }
    fields = getattr(cls._INPUT_MODEL, "model_fields", {})
    descriptions = {name: field.description for name, field in sorted(fields.items()) if field.description}
    if descriptions:  # from the task's input model (`input_model=`), one place for each input's documentation
        out["input_descriptions"] = descriptions
    return out


def discover_tasks(module_name: str) -> List[dict]:
    """Describe every Task subclass defined in a module (or package and its submodules)."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and (module_name == e.name or module_name.startswith(e.name + ".")):
            raise TaskNotFoundError(f"no module named {e.name!r}", field="MODULE",
                                    hint="Give an importable module or package, e.g. ewoks_xrpd; run from the "
                                         "folder that holds your task module, or install it.") from None
        raise TaskImportError(f"importing {module_name!r} failed: {type(e).__name__}: {e}", field="MODULE") from e
    except Exception as e:
        raise TaskImportError(f"importing {module_name!r} failed: {type(e).__name__}: {e}", field="MODULE") from e
    modules = [module]
    if hasattr(module, "__path__"):
        import pkgutil
        import warnings

        def skip(name: str) -> None:  # walk_packages' onerror: a broken sub-package
            warnings.warn(f"{name}: cannot import it, its tasks are not listed", UserWarning, stacklevel=2)

        for info in pkgutil.walk_packages(module.__path__, module.__name__ + ".", onerror=skip):
            if not info.name.rsplit(".", 1)[-1].startswith("_") and ".tests" not in info.name:
                try:
                    modules.append(importlib.import_module(info.name))
                except Exception as e:  # one broken module must not hide the tasks of the others
                    warnings.warn(f"{info.name}: cannot import it ({type(e).__name__}: {e}); its tasks are not "
                                  "listed", UserWarning, stacklevel=2)
    found: Dict[str, dict] = {}
    for mod in modules:
        for value in vars(mod).values():
            if inspect.isclass(value) and issubclass(value, Task) and value.__module__ == mod.__name__ \
                    and not inspect.isabstract(value) and not value.__name__.startswith("_"):
                found[value.class_registry_name()] = describe_task(value)
    return [found[k] for k in sorted(found)]
