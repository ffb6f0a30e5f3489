"""The widgets of class tasks: `ewoks_orange.task_widgets.<task identifier>` (see ewoks_orange._virtual)."""

import sys

from .._virtual import make_widget_package

make_widget_package(sys.modules[__name__], "class")
