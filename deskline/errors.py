"""The errors every layer speaks. Kept free of heavy imports so the CLI can use them cheaply."""

from __future__ import annotations


class DesklineError(Exception):
    """A refusal with a message meant for the person who asked."""

    status = 400
    title = "Bad request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DesklineError):
    """Missing, or invisible to the asker: the two are never told apart."""

    status = 404
    title = "Not found"


class ConflictError(DesklineError):
    """The record changed since the caller read it (stale version) or the write clashes."""

    status = 409
    title = "Conflict"

    def __init__(self, message: str, *, current_version: int | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.current_version = current_version


class ValidationFailed(DesklineError):
    """Input that breaks a rule of the domain; `field` names the culprit where there is one."""

    status = 422
    title = "Invalid input"


class PermissionDenied(DesklineError):
    """A visible record the actor may not change in this way."""

    status = 403
    title = "Forbidden"


class CliError(Exception):
    """A problem to report as one sentence, with exit status 1 (`deskline.cli.CliError`)."""
