"""A new helpdesk: its file (or an empty PostgreSQL database), its first admin and, unless
asked for an empty one, a team that can take tickets from the first minute (what `deskline
init` makes)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from deskline.errors import ValidationFailed
from deskline.models import (
    AgentCreate,
    Calendar,
    EventData,
    MailTemplateCreate,
    Role,
    StageCreate,
    TeamCreate,
)

START_STAGES = (("New", False), ("In Progress", False), ("Waiting on Customer", False),
                ("Solved", True), ("Cancelled", True))

CONFIRMATION = MailTemplateCreate(
    name="Confirmation",
    subject="We received your request: {{ ticket.subject }}",
    body="Hello {{ customer.first_name or 'there' }},\n\n"
         "thank you for writing to {{ team.name }}. Your request is ticket "
         "#{{ ticket.number }}; we will answer as soon as we can. To add anything, reply "
         "to this mail.\n\n{{ team.name }}\n")
SOLVED = MailTemplateCreate(
    name="Solved",
    subject="Solved: {{ ticket.subject }}",
    body="Hello {{ customer.first_name or 'there' }},\n\n"
         "we consider ticket #{{ ticket.number }} solved. If anything is still wrong, "
         "reply to this mail and it opens again.\n\n{{ team.name }}\n")


@dataclass(frozen=True)
class NewHelpdesk:
    path: Path | str  # the file, or the PostgreSQL database's URL
    admin_email: str
    team: str | None  # the starter team's name; None for an empty helpdesk
    timezone: str


def local_timezone() -> str:
    """This machine's IANA time zone name (for the starter team's calendar), else UTC."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    candidates = [os.environ.get("TZ", "").removeprefix(":")]
    try:
        candidates.append(Path("/etc/timezone").read_text().strip())
    except OSError:
        pass
    try:
        target = os.readlink("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if not name:
            continue
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return name
    return "UTC"


def init_helpdesk(path: Path | str, admin_email: str, admin_name: str = "", *,
                  empty: bool = False, timezone: str | None = None) -> NewHelpdesk:
    """Make a new helpdesk in a new file, or in a PostgreSQL database (a `postgresql://`
    URL: migrated here if need be) that holds none. Refuses an existing file or a database
    with accounts (nothing is touched then)."""
    from deskline.service import Service
    from deskline.service.base import existing
    from deskline.store.opening import is_url, open_store, shown_url

    admin = AgentCreate(email=admin_email, name=admin_name, role=Role.admin)
    zone = timezone or local_timezone()
    calendar = Calendar(timezone=zone)  # checks the zone before anything is written
    if not is_url(str(path)):
        path = Path(path)
        if path.exists():
            raise ValidationFailed(f"{path} exists; `deskline init` makes a new helpdesk only "
                                   "(open this one with `deskline --db` instead)", field="db")
        path.parent.mkdir(parents=True, exist_ok=True)
    store = open_store(path, pool_size=1)
    try:
        with store.transaction():
            # Asked inside the write: PostgreSQL's writers take turns (`PgStore.transaction`).
            if held := store.agents():
                raise ValidationFailed(
                    f"{shown_url(str(path))} already holds a helpdesk ({len(held)} "
                    "account(s)); `deskline init` makes a new one only (use this one with "
                    "`--database`, or give an empty database)", field="database")
            admin_id = store.insert_agent(admin.email, admin.name or admin.email.split("@")[0],
                                          Role.admin.value, None)
            svc = Service(store, existing(store.agent(admin_id)))
            svc._audit("agent", admin_id, admin.email, "created",
                       [EventData(field="role", new="admin"),
                        EventData(field="helpdesk", new="made with deskline init")])
            team_name = None
            if not empty:
                team_name = "Support"
                svc.create_template(CONFIRMATION)  # mail intake finds it by its name
                solved = svc.create_template(SOLVED)
                stage_ids = [svc.create_stage(StageCreate(
                    name=name, closing=closing,
                    template_id=solved.id if name == "Solved" else None)).id
                    for name, closing in START_STAGES]
                svc.create_team(TeamCreate(name=team_name, member_ids=[admin_id],
                                           stage_ids=stage_ids, calendar=calendar))
    finally:
        store.close()
    return NewHelpdesk(path=path, admin_email=admin.email, team=team_name, timezone=zone)
