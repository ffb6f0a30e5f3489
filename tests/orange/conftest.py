"""The orange engine needs orange-canvas-core and Qt: skip (saying why) on a developer machine without
them, fail in CI, where `.[all]` installs them."""

import os

import pytest


def pytest_collection_modifyitems(config, items):
    try:
        import orangecanvas.scheme  # noqa: F401  (loads Qt's libraries too)
    except ImportError as e:
        reason = f"orange-canvas-core or Qt cannot be imported: {e}"
        if os.environ.get("CI"):
            raise pytest.UsageError(f"{reason} (required in CI: pip install '.[orange]')") from e
        for item in items:
            if "tests/orange" in str(item.fspath).replace(os.sep, "/"):
                item.add_marker(pytest.mark.skip(reason=reason))
