"""The errors a command raises, free of HTTP: the web layer maps them to status codes.

What it does: :class:`NotFound` (404), :class:`Conflict` (409, with a ``code`` clients tell apart, e.g.
``"stale"``) and :class:`Invalid` (422, with ``errors`` per field).  What it does not do: know about HTTP,
JSON or pages (:mod:`judging.web.api` turns them into responses).
"""

from __future__ import annotations


class NotFound(LookupError):
    pass


class Conflict(ValueError):
    """The request is understood but not allowed in the current state (HTTP 409).  ``code`` tells
    clients apart the cases they handle differently, e.g. ``"stale"``: the state moved on."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class Invalid(ValueError):
    """Bad input; ``errors`` maps fields to messages (HTTP 422)."""

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}
