"""The MISSING sentinel: an optional input or output that has no value."""

from __future__ import annotations


class _MissingType:
    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<MISSING>"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self):
        return (_MissingType, ())

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


MISSING = _MissingType()


def is_missing(value: object) -> bool:
    """True for the MISSING sentinel."""
    return value is MISSING
