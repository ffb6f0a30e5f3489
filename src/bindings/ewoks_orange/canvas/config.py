"""Configuration of the ewoks canvas (orangecanvas `Config`): our widgets, schemes that allow loops, no network."""

from __future__ import annotations

from typing import Any, Iterable, List

from orangewidget.workflow.config import Config as OrangeWidgetConfig


class Config(OrangeWidgetConfig):
    """orange-widget-base's configuration: widgets of every `orange.widgets` entry point (ours and other
    add-ons'), workflows whose links may form loops, no add-on list from the network."""

    OrganizationDomain = "ewoks"
    ApplicationName = "ewoks canvas"
    ApplicationVersion = "1.0"

    @staticmethod
    def workflow_constructor(*args: Any, **kwargs: Any) -> Any:
        from orangecanvas.scheme import Scheme
        from orangewidget.workflow.widgetsscheme import WidgetsScheme

        scheme = WidgetsScheme(*args, **kwargs)
        scheme.set_loop_flags(Scheme.AllowLoops | Scheme.AllowSelfLoops)  # ewoks loops are links back
        return scheme

    @staticmethod
    def addon_defaults_list(session: Any = None) -> List[dict]:
        return []

    @staticmethod
    def core_packages() -> List[str]:
        return ["orange-widget-base", "ewoks_core"]

    @staticmethod
    def examples_entry_points() -> Iterable[Any]:
        return []
