"""Mail templates (stage mails, confirmations): checking and rendering.

The work happens in Jinja2's sandbox (`deskline.rules.sandbox`), imported on the first
template checked or rendered: importing Jinja2 costs tens of milliseconds that the
console's start-up does not have, and most sessions never render a template. The names
a template may use and `TemplateError` live in `template_names.py`, which the sandbox
reads too (so neither module imports the other).
"""

from __future__ import annotations

from collections.abc import Mapping

from deskline.rules.template_names import (
    ALLOWED_NAMES,
    PLACEHOLDERS,
    TemplateError,
    placeholders,
)

__all__ = ["ALLOWED_NAMES", "PLACEHOLDERS", "TemplateError", "check_template", "placeholders",
           "render_template"]


def check_template(source: str) -> None:
    """Raise TemplateError for a syntax error or a name templates cannot use."""
    from deskline.rules import sandbox

    sandbox.check_template(source)


def render_template(source: str, context: Mapping[str, object]) -> str:
    """The template filled in from `context`; TemplateError when it cannot be."""
    from deskline.rules import sandbox

    return sandbox.render_template(source, context)
