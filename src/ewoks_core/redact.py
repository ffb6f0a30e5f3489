"""Secrets never printed: passwords in URLs are masked in every message, log line, event and banner.

`mask_secrets(text)` replaces the password of every URL in a text
(``amqp://user:secret@host`` -> ``amqp://user:***@host``, ``redis://:secret@host``)
and password query parameters (``?password=secret``) by ``***``. It is applied by
EwoksError to its messages, by the event emitter to error messages and tracebacks, and
by every place that formats a broker, result or event store URL.
"""

from __future__ import annotations

import re

MASK = "***"
# scheme://[user]:password@  (the password may hold ':' but no '@', space or quote)
_URL_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/@:'\"]*:)(?P<secret>[^\s@'\"]+)(?=@)")
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&;](?:password|passwd|pwd|secret|token)=)(?P<secret>[^&;\s'\"]+)",
                             re.IGNORECASE)


def mask_secrets(text: object) -> str:
    """`text` with every password of a URL (user:password@ and ?password=) replaced by ***."""
    value = str(text)
    if "@" not in value and "=" not in value:  # fast path: most messages hold no URL with a secret
        return value
    value = _URL_PASSWORD.sub(lambda m: m.group("head") + MASK, value)
    return _QUERY_PASSWORD.sub(lambda m: m.group("head") + MASK, value)
