"""Schema versions of the workflow document and their upgrades."""

from __future__ import annotations

from typing import Optional, Tuple

from ..errors import SchemaVersionError

SUPPORTED_VERSIONS = ("1.0", "1.1", "1.2")
CURRENT_VERSION = "1.2"


def parse_version(text: object, source: Optional[str]) -> Tuple[int, int]:
    """Parse 'MAJOR.MINOR' into a tuple, with a clear error."""
    try:
        major, minor = str(text).split(".")[:2]
        return int(major), int(minor)
    except (ValueError, TypeError):
        raise SchemaVersionError(f"schema_version {text!r} is not of the form '1.2'", source=source,
                                 field="graph.schema_version") from None


def upgrade_document(doc: dict, source: Optional[str] = None) -> dict:
    """Bring a document to the current schema version in place; refuse newer or pre-1.0 versions.

    1.0 -> 1.1 adds `requirements`; 1.1 -> 1.2 adds explicit `required: false` and
    `cache_if_optional`. Neither changes existing content, so upgrading only sets the version.
    """
    graph = doc.setdefault("graph", {})
    if not isinstance(graph, dict):
        return doc  # validate_document says what is wrong with it
    if isinstance(doc.get("nodes"), list):
        for node in doc["nodes"]:
            if isinstance(node, dict) and "task_type" not in node:
                _legacy_task_key(node)
    version = graph.get("schema_version")
    if version is None:
        return doc  # unversioned documents are read as the current version
    parsed = parse_version(version, source)
    if parsed > parse_version(CURRENT_VERSION, None):
        raise SchemaVersionError(
            f"schema_version {version} is newer than this ewoks_core supports ({', '.join(SUPPORTED_VERSIONS)})",
            source=source, field="graph.schema_version",
            hint=f"Upgrade ewoks_core, or save the workflow with schema_version {CURRENT_VERSION}.")
    if parsed < (1, 0):
        raise SchemaVersionError(f"schema_version {version} predates 1.0 and is not supported", source=source,
                                 field="graph.schema_version", hint="Convert it with ewoks <= 0.x first.")
    graph["schema_version"] = CURRENT_VERSION
    return doc


# node keys that older ewoks files use instead of task_type + task_identifier (ewoks still reads them)
LEGACY_TASK_KEYS = {"class": "class", "method": "method", "ppfmethod": "ppfmethod", "ppfport": "ppfport",
                    "script": "script", "notebook": "notebook", "task": "generated", "graph": "graph"}


def _legacy_task_key(node: dict) -> None:
    """{"class": "mod.Task"} -> {"task_type": "class", "task_identifier": "mod.Task"}, as ewoks reads it
    (one such key only; ppfport's value is not an identifier)."""
    keys = [k for k in LEGACY_TASK_KEYS if k in node]
    if len(keys) != 1:
        return  # none, or ambiguous: validation names what is missing
    key = keys[0]
    value = node.pop(key)
    node["task_type"] = LEGACY_TASK_KEYS[key]
    if key != "ppfport" and "task_identifier" not in node:
        node["task_identifier"] = value
