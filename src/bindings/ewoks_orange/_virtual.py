"""Packages whose attributes are the widget classes of tasks: `<package>.<task module>.<Task name>`.

`ewoks_orange.task_widgets.ewoks_xrpd.tasks.scan.IntegrateScan1D` is the widget of the task
`ewoks_xrpd.tasks.scan.IntegrateScan1D`: Orange imports widget classes by such names (the
`qualified_name` of .ows nodes and widget descriptions), so every task has one, made on first use.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
import types
from typing import Any, Dict, Optional

_PACKAGES: Dict[str, str] = {}  # package name -> task type
WIDGETS_FILE = os.path.join(os.path.dirname(__file__), "widgets", "__init__.py")


class _WidgetModule(types.ModuleType):
    """A package of widget classes: an attribute is the widget of the task `<module path>.<name>`."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        package, task_type = _package_of(self.__name__)
        module = self.__name__[len(package) + 1:]
        identifier = f"{module}.{name}" if module else name
        from ewoks_core.errors import EwoksError

        from .widgets.generate import widget_class

        try:
            return widget_class(task_type, identifier)
        except EwoksError as e:
            raise AttributeError(f"no widget for {task_type} task {identifier!r}: {e}") from None


def _package_of(module_name: str) -> tuple:
    for package, task_type in _PACKAGES.items():
        if module_name == package or module_name.startswith(package + "."):
            return package, task_type
    raise ImportError(module_name)


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, path: Any = None,
                  target: Any = None) -> Optional[importlib.machinery.ModuleSpec]:
        package = next((p for p in _PACKAGES if fullname.startswith(p + ".")), None)
        if package is None or not _is_module(fullname[len(package) + 1:]):
            return None  # `<package>.<module>.<Task>` is a class of the package <module>, not a module
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _WidgetModule(spec.name)
        module.__path__ = []  # a package: the task's module path continues below it
        module.__file__ = WIDGETS_FILE  # Orange looks for widget icons next to the widget's package
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def _is_module(name: str) -> bool:
    """`name` is an importable module or package (its parents are imported to know)."""
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


_FINDER = _Finder()


def make_widget_package(module: types.ModuleType, task_type: str) -> None:
    """Turn an imported package of ewoks_orange into a package of task widgets (called by its __init__)."""
    _PACKAGES[module.__name__] = task_type
    module.__class__ = _WidgetModule
    if _FINDER not in sys.meta_path:
        sys.meta_path.append(_FINDER)
