"""Mail templates (stage mails, confirmations): checking and rendering.

The work happens in Jinja2's sandbox (`deskline.rules.sandbox`), imported on the first
template checked or rendered: importing Jinja2 costs tens of milliseconds that the
console's start-up does not have, and most sessions never render a template.
"""

from __future__ import annotations

from collections.abc import Mapping

ALLOWED_NAMES = frozenset({"ticket", "customer", "team", "stage", "agent"})

# What each name offers (`service.clocks.template_context` fills them in): the list the
# template editor shows, and what a template is checked against.
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "ticket": ("number", "subject", "description", "team_name", "stage_name", "assignee_name",
               "customer_name", "customer_email", "organization_name", "priority", "tags",
               "channel", "created_at", "updated_at", "closed_at", "sla_deadline",
               "sla_status", "rating", "id"),
    "customer": ("name", "first_name", "email", "phone", "id"),
    "team": ("name",),
    "stage": ("name", "closing", "id"),
    "agent": ("name",),
}


def placeholders() -> list[str]:
    """Every placeholder as written in a template: `{{ ticket.number }}`."""
    return [f"{name}.{attr}" for name, attrs in PLACEHOLDERS.items() for attr in attrs]


class TemplateError(ValueError):
    """A template that cannot be saved or rendered; the message names the line."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


def check_template(source: str) -> None:
    """Raise TemplateError for a syntax error or a name templates cannot use."""
    from deskline.rules import sandbox

    sandbox.check_template(source)


def render_template(source: str, context: Mapping[str, object]) -> str:
    """The template filled in from `context`; TemplateError when it cannot be."""
    from deskline.rules import sandbox

    return sandbox.render_template(source, context)
