"""Mail templates: checking, rendering and the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from jinja2.sandbox import SecurityError

from deskline.models import Customer, Stage, Ticket
from deskline.rules.templates import TemplateError, check_template, render_template

T0 = datetime(2025, 1, 6, 9, tzinfo=UTC)
TICKET = Ticket(
    id=1,
    number=1042,
    subject="Printer jammed",
    team_id=1,
    team_name="Support",
    stage_id=2,
    stage_name="Solved",
    priority=3,
    tags=["hardware", "printer"],
    created_at=T0,
    updated_at=T0,
    version=1,
)
CUSTOMER = Customer(id=5, email="ann@example.com", name="Ann Lee", created_at=T0)
CONTEXT = {"ticket": TICKET, "customer": CUSTOMER, "stage": Stage(id=2, name="Solved", sequence=3)}


def test_render_with_models() -> None:
    source = "Hello {{ customer.name }},\nticket #{{ ticket.number }} is now {{ stage.name }}.\n"
    assert render_template(source, CONTEXT) == (
        "Hello Ann Lee,\nticket #1042 is now Solved.\n"
    )


def test_render_with_mappings() -> None:
    assert render_template("{{ team.name }}", {"team": {"name": "Billing"}}) == "Billing"


def test_missing_values_render_empty_and_allow_a_fallback() -> None:
    source = 'Hello {{ customer.first_name or "there" }}!'
    assert render_template(source, CONTEXT) == "Hello there!"
    assert render_template(source, {}) == "Hello there!"
    assert render_template("[{{ agent.name }}]", {}) == "[]"


def test_an_unknown_placeholder_is_refused_with_its_line() -> None:
    with pytest.raises(TemplateError, match=r"^line 2: unknown placeholder 'customer.company'"):
        check_template("Hello\n[{{ customer.company.name }}]")
    with pytest.raises(TemplateError, match="ticket.numbr"):
        check_template("{{ ticket.numbr }}")


def test_none_renders_empty() -> None:
    assert render_template("[{{ ticket.assignee_name }}]", CONTEXT) == "[]"


def test_plain_text_is_not_escaped() -> None:
    ticket = TICKET.model_copy(update={"subject": "<b>Tom & Jerry</b> \"quoted\""})
    assert render_template("{{ ticket.subject }}", {"ticket": ticket}) == (
        '<b>Tom & Jerry</b> "quoted"'
    )


def test_blocks_leave_no_blank_lines_and_the_last_newline_stays() -> None:
    source = (
        "Hi,\n"
        "{% if ticket.priority == 3 %}\n"
        "We treat this as urgent.\n"
        "{% endif %}\n"
        "Tags:\n"
        "{% for tag in ticket.tags %}\n"
        "  - {{ tag }}\n"
        "{% endfor %}\n"
    )
    assert render_template(source, CONTEXT) == (
        "Hi,\nWe treat this as urgent.\nTags:\n  - hardware\n  - printer\n"
    )


def test_check_accepts_the_allowed_names_locals_and_filters() -> None:
    check_template(
        "{{ ticket.number }} {{ customer.name|upper }} {{ team.name }} {{ stage.name }}"
        " {{ agent.name|default('us') }}\n"
        "{% set greeting = 'Hi' %}{{ greeting }}\n"
        "{% for tag in ticket.tags %}{{ loop.index }} {{ tag }}{% endfor %}\n"
        "{% for i in range(2) %}{{ i }}{% endfor %}"
    )


def test_unknown_names_are_refused_with_their_line() -> None:
    with pytest.raises(TemplateError, match=r"^line 3: unknown name 'password'") as caught:
        check_template("Hello\n{{ customer.name }}\n{{ password }}")
    assert caught.value.line == 3
    with pytest.raises(TemplateError, match=r"^line 2: unknown name 'config'"):
        render_template("x\n{% if config %}y{% endif %}", CONTEXT)


def test_syntax_errors_name_their_line() -> None:
    with pytest.raises(TemplateError, match=r"^line 2: ") as caught:
        check_template("Hello\n{% if %}\nbye")
    assert caught.value.line == 2
    with pytest.raises(TemplateError, match=r"^line 3: "):
        check_template("a\nb\n{{ ticket.subject ")
    with pytest.raises(TemplateError, match=r"^line 1: .*endif"):
        check_template("{% if ticket %}never closed")


def test_unknown_filters_are_refused() -> None:
    with pytest.raises(TemplateError, match=r"^line 2: No filter named 'shout'"):
        check_template("ok\n{{ ticket.subject|shout }}")


def test_template_error_is_a_value_error() -> None:
    assert issubclass(TemplateError, ValueError)


@pytest.mark.parametrize(
    "source",
    [
        "{{ ticket.__class__ }}",
        "{{ ticket.__class__.__mro__[1].__subclasses__() }}",
        "{{ ticket['__dict__'] }}",
        "{{ ticket|attr('__class__') }}",
        "{{ ticket._private }}",
    ],
)
def test_private_attributes_are_refused_when_checked(source: str) -> None:
    with pytest.raises(TemplateError, match=r"^line 1: access to attribute '_"):
        check_template(source)
    with pytest.raises(TemplateError):
        render_template(source, CONTEXT)


@pytest.mark.parametrize(
    "source",
    [
        "{{ '{0.__class__}'.format(ticket) }}",  # hidden from the static check
        "{% set u = '_' %}{{ ticket|attr(u ~ '_class__') }}",
        "{{ ticket.tags.append('x') }}",  # the objects given are immutable
        "{{ 'x' * 1000000 }}",
        "{{ 10 ** 100000 }}",
        "{% set big = 2 ** 4000 %}{{ big ** 1000 }}",
    ],
)
def test_the_sandbox_refuses_at_render_time(source: str) -> None:
    with pytest.raises(TemplateError, match=r"^line 1: ") as caught:
        render_template(source, CONTEXT)
    assert isinstance(caught.value.__cause__, SecurityError)
    assert TICKET.tags == ["hardware", "printer"]


def test_modest_arithmetic_still_works() -> None:
    assert render_template("{{ 2 ** 10 }} {{ '-' * 3 }} {{ 3 * 4 }} {{ 2 ** -1 }}", {}) == (
        "1024 --- 12 0.5"
    )


def test_huge_ranges_are_refused() -> None:
    with pytest.raises(TemplateError, match="Range too big"):
        render_template("{% for i in range(10**7) %}{% endfor %}", CONTEXT)


def test_runtime_errors_name_their_line() -> None:
    with pytest.raises(TemplateError, match=r"^line 3: ") as caught:
        render_template("a\nb\n{{ ticket.priority // 0 }}", CONTEXT)
    assert isinstance(caught.value.__cause__, ZeroDivisionError)
    with pytest.raises(TemplateError, match=r"^line 2: "):
        render_template("a\n{{ customer.nickname + 1 }}", CONTEXT)
