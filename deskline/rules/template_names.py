"""What a mail template may name, and the error a template that cannot be used raises.

Its own module so that `templates.py` (light, imported everywhere) and `sandbox.py` (the
Jinja2 work, imported on first use) both read it without importing each other.
"""

from __future__ import annotations

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
