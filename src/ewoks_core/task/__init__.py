"""Task API: Task, MISSING, wrappers and discovery."""

from .base import Task
from .missing import MISSING, is_missing

__all__ = ["Task", "MISSING", "is_missing"]
