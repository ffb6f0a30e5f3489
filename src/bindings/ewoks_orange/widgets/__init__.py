"""Orange widgets of ewoks tasks: the base class (the hook for hand-written widgets) and the generator."""

from .base import EwoksTaskWidget
from .generate import WIDGETS_GROUP, custom_widgets, widget_class

__all__ = ["EwoksTaskWidget", "widget_class", "custom_widgets", "WIDGETS_GROUP"]
