"""A helpdesk whose every name is hostile: generated values for every text field of every
model that reaches a screen, stored through the service.

`hostile(label)` holds every kind of terminal control (OSC 52 clipboard write, OSC 0 title,
OSC 8 link, CSI, raw C1 CSI/OSC/ST, BEL, NUL, DEL, a bidi override) and markup, after a
readable label; `hostile_email` is the part of it an email address may hold."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.tui.helpers import NOW

CONTROL = ("\x1b]52;c;SGVsbG8=\x07", "\x1b]0;pwned-title\x07",
           "\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\", "\x1b[2J\x1b[31m",
           "\x1bP+q544e\x1b\\", "\x9b31m", "\x9d0;c1-title\x9c", "\x07", "\x00", "\x7f",
           "\u202eevil")
MARKUP = ("[/]", "[@click=app.quit]x[/]", "[link=x]y")
# What the data put in front of each control: payloads a test can look for in the output.
PAYLOADS = (b"SGVsbG8=", b"pwned-title", b"evil.example", b"544e", b"c1-title")


SHORT = ("\x1b]52;c;SGVsbG8=\x07", "\x1b]0;pwned-title\x07", "\x9b2J", "\x9d0;c1-title\x9c",
         "\x00\x7f\u202e", "[/]")


def hostile(label: str, *, markup: bool = True, short: bool = False) -> str:
    """`label` followed by every control (and markup): one value of a generated field.
    `short` (fields limited to 100 characters): the main kinds only."""
    if short:
        return f"{label} " + " ".join(SHORT)
    return f"{label} " + " ".join(CONTROL + (MARKUP if markup else ()))


def hostile_email(local: str) -> str:
    """An address the engine accepts with controls in it (no brackets, no whitespace)."""
    return f"{local}\x1bP\x9b\x9d\x07\x00\x7f\u202e@evil.example"


@dataclass
class Hostile:
    """What `make_hostile` stored: ids and the exact stored values."""

    ticket_number: int = 0
    ticket_id: int = 0
    customer_id: int = 0
    team_id: int = 0
    values: dict[str, str] = field(default_factory=dict)


def make_markup(path: Path, markup: str) -> Hostile:
    """`make_hostile` with names made of a label and `markup`, and plain addresses."""
    return make_hostile(path, value=lambda label, short=False: f"{label} {markup}",
                        email=lambda local: f"{local}@markup.example")


@contextmanager
def admin_service(path: Path) -> Iterator:
    """The service on the file as its first admin: what the console stored, read back."""
    from deskline.service import Service, resolve_agent
    from deskline.store.sqlite import SqliteStore

    store = SqliteStore.open(path)
    try:
        yield Service(store, resolve_agent(store, None))
    finally:
        store.close()


def make_hostile(path: Path, value=hostile, email=hostile_email) -> Hostile:
    """Give every named thing of the demo helpdesk at `path` a hostile name (through the
    service, as an admin) and add one ticket that carries them all. `value(label)` makes
    each field's value (markup-only names for the markup tests)."""
    from deskline.local import resolve_agent
    from deskline.models import (
        AgentCreate,
        CustomerCreate,
        MailTemplateCreate,
        OrganizationCreate,
        ProjectCreate,
        SlaPolicyCreate,
        StageUpdate,
        TeamUpdate,
        TicketCreate,
    )
    from deskline.service import Service
    from deskline.store.sqlite import SqliteStore

    out = Hostile()
    v = out.values
    store = SqliteStore.open(path)
    try:
        svc = Service(store, resolve_agent(store, None), clock=lambda: NOW)
        team = svc.list_teams()[0]
        v["team"] = value("Team")
        svc.update_team(team.id, TeamUpdate(name=v["team"]))
        out.team_id = team.id
        stages = svc.list_stages(team.id)
        v["stage"] = value("Stage", short=True)
        svc.update_stage(stages[1].id, StageUpdate(name=v["stage"]))
        v["stage_first"] = value("First", short=True)
        svc.update_stage(stages[0].id, StageUpdate(name=v["stage_first"]))
        v["agent"] = value("Agent")
        agent = svc.create_agent(AgentCreate(email="agent@evil.example", name=v["agent"]))
        svc.update_team(team.id, TeamUpdate(member_ids=[
            *svc.list_teams()[0].member_ids, agent.id]))
        v["organization"] = value("AAA Org")  # first in the lists sorted by name
        org = svc.create_organization(OrganizationCreate(name=v["organization"],
                                                         domain="evil.example"))
        v["project"] = value("Project")
        project = svc.create_project(ProjectCreate(name=v["project"], organization_id=org.id))
        v["customer_name"], v["customer_phone"] = value("AAA Eve"), value("+49")
        v["customer_email"] = email("aaa.eve")
        customer = svc.create_customer(CustomerCreate(
            email="aaa.eve@evil.example", name=v["customer_name"], phone=v["customer_phone"],
            organization_id=org.id, project_ids=[project.id]))
        # Addresses with control characters are refused at the door now; a file written
        # before that (or by another program) may still hold them, so they go in directly.
        with store.transaction():
            v["agent_email"] = email("agent")
            store.conn.execute("UPDATE agents SET email = ? WHERE id = ?",
                               (v["agent_email"], agent.id))
            store.conn.execute("UPDATE customers SET email = ? WHERE id = ?",
                               (v["customer_email"], customer.id))
            v["team_alias"] = email("team")
            store.conn.execute("UPDATE teams SET email_alias = ? WHERE id = ?",
                               (v["team_alias"], team.id))
        out.customer_id = customer.id
        v["subject"], v["description"] = value("Subject"), value("Description") + "\nline 2"
        v["tag"] = value("tag")
        ticket = svc.create_ticket(TicketCreate(
            subject=v["subject"], description=v["description"], team_id=team.id,
            stage_id=stages[0].id, customer_id=customer.id, priority=3,
            tags=[v["tag"], "plain"], assignee_id=agent.id))
        out.ticket_id, out.ticket_number = ticket.id, ticket.number
        v["comment"] = value("Comment")
        svc.comment(ticket.id, v["comment"])
        v["template"] = value("Template")
        v["template_subject"] = value("Template subject")
        v["template_body"] = value("Dear") + "\n\tline 2 \x1b[2J\x9b31m\nline 3"
        svc.create_template(MailTemplateCreate(name=v["template"],
                                               subject=v["template_subject"],
                                               body=v["template_body"]))
        # The team's other text: a description changed twice, so that an audit row holds
        # hostile text on both sides of its old → new.
        svc.update_team(team.id, TeamUpdate(description=value("Old description")))
        v["team_description"] = value("Team description") + "\nline 2"
        svc.update_team(team.id, TeamUpdate(description=v["team_description"]))
        v["sla"] = value("SLA")
        svc.create_sla_policy(SlaPolicyCreate(
            team_id=team.id, name=v["sla"], tags=[v["tag"]], priorities=[3],
            target_stage_id=stages[-1].id, hours=8, excluded_stage_ids=[stages[1].id]))
        v["token"] = value("Token", short=True)
        with store.transaction():
            store.create_api_token(agent.id, label=v["token"], now=NOW)
        v["mapping"] = value("Mapping")
        svc.save_import_mapping(v["mapping"], "customers",
                                {"E-Mail": "email", value("Column"): "name"})
    finally:
        store.close()
    return out


def hostile_csv(path: Path) -> Path:
    """A customers file whose header and cells are hostile."""
    path.write_text(f"email,{hostile('name', markup=False)}\n"
                    f"csv.eve@example.com,{hostile('Cell', markup=False)}\n",
                    encoding="utf-8")
    return path
