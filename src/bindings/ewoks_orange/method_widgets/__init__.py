"""The widgets of method tasks: `ewoks_orange.method_widgets.<task identifier>` (see ewoks_orange._virtual)."""

import sys

from .._virtual import make_widget_package

make_widget_package(sys.modules[__name__], "method")
